"""The receiver's storage, the same tests on SQLite and on a real PostgreSQL server that the
test session starts itself: exactly once per envelope id, batches answered again, kiosks,
heartbeats, surveys, bundles, exports and tidying."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from provider.config import sqlite_url
from provider.database import StoreUnavailable, open_database
from provider.schema import SCHEMA_VERSION, SchemaTooNew
from provider.store import STALE_CLAIM, ClaimKind, Counts, Received, StoredBundle, open_store
from sync.wire.records import Origin, ReplyRequest, Response
from tests.receiver_support import (NOW, postgres_server, postgres_url, store,  # noqa: F401 (fixtures)
                                    store_url)

KIOSK = "lobby-1"


def response_row(envelope_id: str, *, kiosk: str = KIOSK, synthetic: bool = False, reply: str | None = None,
                 received_at: str = "2026-11-23T14:05:09Z", mode: str = "self",
                 own_view: str | None = None) -> Received:
    response = Response(id=envelope_id, survey_id="visit-feedback", survey_version=1, language="fi",
                        answers={"visit": 4, "topics": ("staff", "time"), "more": "Kiitos"}, mode=mode,
                        origin=Origin(kiosk, "kalevi", "2026-11-23T14:00Z"), synthetic=synthetic, reply=reply,
                        own_view=own_view)
    return Received(response, clock_synced=True, received_at=received_at)


def reply_row(envelope_id: str, reference: str, *, synthetic: bool = False,
              received_at: str = "2026-11-23T14:05:09Z") -> Received:
    reply = ReplyRequest(id=envelope_id, reference=reference, contact_kind="email", contact="a@example.fi",
                         language="fi", promised_days=5, origin=Origin(KIOSK, "kalevi", "2026-11-23T14:00Z"),
                         synthetic=synthetic)
    return Received(reply, clock_synced=None, received_at=received_at, reply_deadline="2026-11-30")


def store_rows(store, batch: str, responses=(), replies=(), kiosk: str = KIOSK) -> set[str]:
    """Claim and store a batch; returns the ids stored now."""
    assert store.claim_batch(kiosk, batch, f"sha-{batch}", NOW).kind is ClaimKind.NEW
    stored: set[str] = set()

    def answer(now_stored: set[str]) -> dict:
        stored.update(now_stored)
        return {"batch": batch, "stored": sorted(now_stored)}

    store.store_batch(kiosk, batch, [*responses, *replies], answer)
    return stored


# -- exactly once ---------------------------------------------------------------------------


def test_each_envelope_id_is_stored_once_whatever_the_batch(store):
    assert store_rows(store, "b1", [response_row("r1"), response_row("r2")]) == {"r1", "r2"}
    assert store_rows(store, "b2", [response_row("r2"), response_row("r3")], [reply_row("q1", "REF")]) == {"r3", "q1"}
    assert store_rows(store, "b3", [response_row("r1")], [reply_row("q1", "REF")]) == set()
    assert [record["id"] for record in store.responses()] == ["r1", "r2", "r3"]
    assert [record["id"] for record in store.reply_requests()] == ["q1"]


def test_batches_racing_with_the_same_envelopes_store_each_once(store):
    ids = [f"r{index}" for index in range(60)]
    stored_by: dict[str, set[str]] = {}
    start = threading.Barrier(4)

    def upload(batch: str) -> None:
        start.wait()
        stored_by[batch] = store_rows(store, batch, [response_row(envelope_id) for envelope_id in ids])

    threads = [threading.Thread(target=upload, args=(f"batch-{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    all_stored = [envelope_id for stored in stored_by.values() for envelope_id in stored]
    assert sorted(all_stored) == sorted(ids)  # every id stored, by exactly one batch
    assert len(store.responses()) == 60


# -- batches --------------------------------------------------------------------------------


def test_a_finished_batch_is_answered_again_and_its_id_cannot_take_another_body(store):
    store_rows(store, "b1", [response_row("r1")])
    replay = store.claim_batch(KIOSK, "b1", "sha-b1", NOW)
    assert replay.kind is ClaimKind.REPLAY and replay.answer == {"batch": "b1", "stored": ["r1"]}
    assert store.claim_batch(KIOSK, "b1", "another body", NOW).kind is ClaimKind.CONFLICT
    assert store.claim_batch("lobby-2", "b1", "another body", NOW).kind is ClaimKind.NEW  # ids are per kiosk


def test_a_batch_in_flight_is_not_processed_twice_until_its_claim_is_stale(store):
    assert store.claim_batch(KIOSK, "b1", "sha", NOW).kind is ClaimKind.NEW
    assert store.claim_batch(KIOSK, "b1", "sha", NOW + timedelta(seconds=5)).kind is ClaimKind.IN_FLIGHT
    later = NOW + STALE_CLAIM + timedelta(seconds=1)
    assert store.claim_batch(KIOSK, "b1", "sha", later).kind is ClaimKind.NEW  # its receiver stopped
    assert store.claim_batch(KIOSK, "b1", "sha", later).kind is ClaimKind.IN_FLIGHT


def test_a_released_claim_lets_the_retry_through(store):
    assert store.claim_batch(KIOSK, "b1", "sha", NOW).kind is ClaimKind.NEW
    store.release_batch(KIOSK, "b1")
    assert store.claim_batch(KIOSK, "b1", "other sha", NOW).kind is ClaimKind.NEW


def test_an_answer_that_fails_stores_nothing(store):
    assert store.claim_batch(KIOSK, "b1", "sha", NOW).kind is ClaimKind.NEW

    def failing_answer(stored: set[str]) -> dict:
        raise RuntimeError("the answer could not be made")

    with pytest.raises(RuntimeError):
        store.store_batch(KIOSK, "b1", [response_row("r1")], failing_answer)
    assert store.responses() == []


# -- kiosks and heartbeats ------------------------------------------------------------------


def test_kiosks_are_found_by_token_or_certificate_and_revoked(store):
    assert store.add_kiosk(KIOSK, "kalevi", "token-hash", "cert-hash", NOW)
    assert not store.add_kiosk(KIOSK, "other", "token-2", None, NOW)
    assert not store.add_kiosk("lobby-2", "kalevi", "token-3", "cert-hash", NOW)
    kiosk, stored_hash = store.kiosk_by_token("token-hash")
    assert (kiosk.id, kiosk.unit, kiosk.revoked, stored_hash) == (KIOSK, "kalevi", False, "token-hash")
    assert store.kiosk_by_certificate("cert-hash")[0].id == KIOSK
    assert store.kiosk_by_token("unknown") is None
    assert store.revoke_kiosk(KIOSK, NOW) and not store.revoke_kiosk("nobody", NOW)
    assert store.kiosk_by_token("token-hash")[0].revoked


def test_renewing_a_kiosk_gives_a_new_token_and_lifts_its_revocation(store):
    store.add_kiosk(KIOSK, "kalevi", "old-token", None, NOW)
    store.revoke_kiosk(KIOSK, NOW)
    assert store.renew_kiosk(KIOSK, "new-token") and not store.renew_kiosk("nobody", "x")
    assert store.kiosk_by_token("old-token") is None
    assert store.kiosk_by_token("new-token")[0].revoked is False


def test_the_last_heartbeat_of_each_kiosk_is_kept(store):
    store.add_kiosk(KIOSK, "kalevi", "t1", None, NOW)
    store.add_kiosk("lobby-2", "kalevi", "t2", None, NOW)
    store.save_heartbeat(KIOSK, NOW, {"queue_depth": 3})
    store.save_heartbeat(KIOSK, NOW + timedelta(minutes=1), {"queue_depth": 0, "last_error": None})
    first, second = store.kiosks()
    assert (first.heartbeat, first.heartbeat_at) == ({"queue_depth": 0, "last_error": None}, "2026-11-23T14:06:00Z")
    assert (second.id, second.heartbeat) == ("lobby-2", None)


# -- surveys and bundles --------------------------------------------------------------------


def test_a_survey_version_keeps_its_first_text(store):
    assert store.add_survey("visit", 2, "text A") == "text A"
    assert store.add_survey("visit", 2, "text A") == "text A"
    assert store.add_survey("visit", 2, "text B") == "text A"
    assert store.survey_texts() == [("visit", 2, "text A")]


def test_the_newest_bundle_is_served_byte_for_byte(store):
    assert store.newest_bundle() is None and store.newest_bundle_version() == 0
    raw = '{"format": 1, "texts": "ä\\u00e4"}'.encode() + bytes([0])
    assert store.add_bundle(StoredBundle(1, b"{}", b"sig-1"), NOW)
    assert store.add_bundle(StoredBundle(2, raw, bytes(range(64))), NOW)
    assert not store.add_bundle(StoredBundle(2, b"{}", b"x"), NOW)
    assert store.newest_bundle() == StoredBundle(2, raw, bytes(range(64)))
    assert store.newest_bundle_version() == 2


# -- reading and tidying --------------------------------------------------------------------


def test_records_come_back_in_their_wire_form_with_what_the_provider_adds(store):
    response, reply = response_row("r1", reply="REF"), reply_row("q1", "REF")
    store_rows(store, "b1", [response], [reply])
    assert store.responses() == [
        {**response.record.to_wire(), "clock": "synced", "received_at": "2026-11-23T14:05:09Z"}]
    assert store.responses()[0]["answers"] == {"visit": 4, "topics": ["staff", "time"], "more": "Kiitos"}
    assert store.reply_requests() == [
        {**reply.record.to_wire(), "clock": None, "received_at": "2026-11-23T14:05:09Z",
         "reply_deadline": "2026-11-30"}]


def test_exports_leave_out_synthetic_data_and_older_data_unless_asked(store):
    store_rows(store, "b1", [response_row("old", received_at="2026-11-01T08:00:00Z"),
                             response_row("test", synthetic=True, reply="FAKE"), response_row("real", reply="REAL")],
               [reply_row("q-fake", "FAKE", synthetic=True), reply_row("q-real", "REAL")])
    assert [record["id"] for record in store.responses()] == ["old", "real"]
    assert [record["id"] for record in store.responses(include_synthetic=True)] == ["old", "real", "test"]
    assert [record["id"] for record in store.responses(since="2026-11-23T00:00:00Z")] == ["real"]
    assert [record["id"] for record in store.reply_requests()] == ["q-real"]
    assert len(store.reply_requests(include_synthetic=True)) == 2


def test_stats_and_dropping_synthetic_data(store):
    store_rows(store, "b1", [response_row("r1", reply="REAL"), response_row("r2", synthetic=True, reply="FAKE")],
               [reply_row("q1", "FAKE", synthetic=True), reply_row("q2", "REAL")])
    store_rows(store, "b2", [response_row("r3", kiosk="lobby-2")], kiosk="lobby-2")
    stats = store.stats()
    assert (stats.responses, stats.synthetic_responses, stats.reply_requests, stats.synthetic_reply_requests) == (
        3, 1, 2, 1)
    assert stats.per_kiosk == {KIOSK: Counts(2, 1, 2, 1), "lobby-2": Counts(1, 0, 0, 0)}
    assert store.drop_synthetic() == (1, 1)
    assert store.stats().per_kiosk == {KIOSK: Counts(1, 0, 1, 0), "lobby-2": Counts(1, 0, 0, 0)}
    assert [record["id"] for record in store.reply_requests(include_synthetic=True)] == ["q2"]


def test_an_older_database_gets_the_reply_requests_synthetic_flag_from_their_responses(store_url):
    store = open_store(store_url)
    store_rows(store, "b1", [response_row("r1", reply="REAL"), response_row("r2", synthetic=True, reply="FAKE")],
               [reply_row("q-real", "REAL"), reply_row("q-fake", "FAKE")])
    store.close()
    database = open_database(store_url)
    with database.transaction() as tx:  # as a receiver of schema version 1 left it
        tx.run("ALTER TABLE reply_requests DROP COLUMN synthetic")
        tx.run("ALTER TABLE responses DROP COLUMN own_view")
        tx.run("UPDATE schema_version SET version = ?", (1,))
    database.close()
    store = open_store(store_url)
    assert [record["id"] for record in store.reply_requests()] == ["q-real"]
    assert store.stats().synthetic_reply_requests == 1
    store.close()


def test_a_helped_clients_own_view_is_kept_beside_the_mode_and_absent_for_a_client_alone(store):
    store_rows(store, "b1", [response_row("helped", mode="friend-help", own_view="helper"), response_row("alone")])
    alone, helped = store.responses()  # in the order of their ids
    assert (helped["mode"], helped["own_view"]) == ("friend-help", "helper")
    assert alone["mode"] == "self" and "own_view" not in alone


def test_an_older_database_gets_the_own_view_column_and_keeps_its_responses(store_url):
    store = open_store(store_url)
    store_rows(store, "b1", [response_row("before", mode="interpreter")])
    store.close()
    database = open_database(store_url)
    with database.transaction() as tx:  # as a receiver of schema version 2 left it
        tx.run("ALTER TABLE responses DROP COLUMN own_view")
        tx.run("UPDATE schema_version SET version = ?", (2,))
    database.close()
    store = open_store(store_url)
    later = "2026-11-24T09:00:00Z"
    store_rows(store, "b2", [response_row("after", mode="interpreter", own_view="yes", received_at=later)])
    before, after = store.responses()
    assert (before["id"], "own_view" in before) == ("before", False)  # never asked: absent, as the kiosk sent it
    assert (after["id"], after["own_view"]) == ("after", "yes")
    store.close()


# -- the database itself --------------------------------------------------------------------


def test_the_schema_is_made_once_and_data_survives_reopening(store_url):
    first = open_store(store_url)
    store_rows(first, "b1", [response_row("r1")])
    first.close()
    again = open_store(store_url)
    assert [record["id"] for record in again.responses()] == ["r1"]
    again.close()
    database = open_database(store_url)
    with database.transaction(write=False) as tx:
        assert tx.run("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    database.close()


def test_a_database_of_a_newer_receiver_is_refused(store_url):
    open_store(store_url).close()
    database = open_database(store_url)
    with database.transaction() as tx:
        tx.run("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    database.close()
    with pytest.raises(SchemaTooNew):
        open_store(store_url)


def test_a_database_that_cannot_be_opened_is_unavailable(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreUnavailable):
        open_store(sqlite_url(tmp_path / "file" / "receiver.db"))  # a file where a folder should be
    with pytest.raises(StoreUnavailable):
        open_store("postgresql://nobody@/nothing?host=/nonexistent&connect_timeout=1")


def test_sqlite_is_in_wal_mode(tmp_path):
    store = open_store(sqlite_url(tmp_path / "receiver.db"))
    store.close()
    import sqlite3

    assert sqlite3.connect(tmp_path / "receiver.db").execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_moments_are_stored_in_utc(store):
    helsinki = timezone(timedelta(hours=2))
    store.add_kiosk(KIOSK, "kalevi", "t1", None, NOW)
    store.save_heartbeat(KIOSK, datetime(2026, 11, 23, 16, 5, tzinfo=helsinki), {})
    assert store.kiosks()[0].heartbeat_at == "2026-11-23T14:05:00Z"
