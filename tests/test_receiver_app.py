"""The receiver's HTTP API (docs/protocol.md), through the app in memory: each envelope's fate,
idempotent batches, every refusal with its status, heartbeats, bundles, enrolment, health
and key rotation."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import httpx
import pytest

from kiosk.guard import Contact
from kiosk.keyfiles import public_key_from_pem
from kiosk.sealing import envelope_info, seal
from kiosk.survey import default_survey_path
from provider.signing import load_signing_key
from sync.wire.bundle import decode_from_wire, open_bundle, public_pem
from sync.wire.protocol import DUPLICATE, IDEMPOTENCY_KEY, REJECTED, STORED
from sync.wire.records import MAX_FREE_TEXT
from provider.app import make_app
from provider.database import PostgresDatabase
from provider.deadlines import FINLAND, reply_deadline
from provider.keyring import generate_pair, load_pairs
from provider.publishing import publish
from provider.store import Store, open_store
from tests.receiver_support import (ANSWERER, KIOSK, UNIT, Statuses, add_kiosk, batch_body, batch_headers, public_key,
                                    receiver_config, receiver_secrets, sealed, visit)  # noqa: F401 (fixtures)

FREE_TEXT = "Odotin kaksi tuntia, lääkäri oli ystävällinen"
PHONE = "+358401234567"


@pytest.fixture
def store(receiver_config):
    store = open_store(receiver_config.database)
    yield store
    store.close()


@pytest.fixture
def token(store) -> str:
    return add_kiosk(store)


def client_of(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://receiver")


@pytest.fixture
async def client_for(store):
    """An HTTP client for the app made from a config, on the test's store."""
    clients = []

    def make(config) -> httpx.AsyncClient:
        clients.append(client_of(make_app(config, store)))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(client_for, receiver_config) -> httpx.AsyncClient:
    return client_for(receiver_config)


@pytest.fixture
def key(receiver_config):
    return public_key(receiver_config)


async def upload(client: httpx.AsyncClient, envelopes: list[dict], token: str, **body_changes) -> httpx.Response:
    body = batch_body(envelopes) | body_changes
    return await client.post("/v1/batches", json=body, headers=batch_headers(body, token))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: httpx.Response, status: int, error: str | None = None) -> None:
    assert response.status_code == status, response.text
    document = response.json()
    assert set(document) == {"error", "detail"} and document["detail"]
    if error is not None:
        assert document["error"] == error


# -- stored, duplicate ----------------------------------------------------------------------


async def test_a_visit_is_stored_with_its_reply_request_apart(client, store, token, key):
    records = visit(5, "listened", FREE_TEXT, Contact("phone", PHONE))
    response = await upload(client, sealed(records, key), token)
    assert response.status_code == 200
    answer = response.json()
    assert Statuses(answer).all() == [STORED, STORED]
    [stored] = store.responses()
    assert stored["answers"] == {"visit": 5, "went_well": "listened", "more": FREE_TEXT}
    assert (stored["kiosk"], stored["unit"], stored["clock"], stored["received_at"]) == (
        KIOSK, UNIT, "synced", answer["received_at"])
    [reply] = store.reply_requests()
    assert reply["contact"] == {"kind": "phone", "value": PHONE}
    assert reply["reference"] == stored["reply"] and "+358" not in json.dumps(stored)


async def test_a_synthetic_reply_request_is_stored_apart_from_real_ones(client, store, token, key):
    simulated = visit(contact=Contact("email", "simulated@example.invalid"), synthetic=True)
    older_kiosk = visit(contact=Contact("phone", PHONE))
    del older_kiosk[1]["flags"]  # sealed before reply requests carried flags: a real client's
    response = await upload(client, sealed(simulated + older_kiosk, key), token)
    assert Statuses(response.json()).all() == [STORED] * 4
    assert [reply["contact"]["value"] for reply in store.reply_requests()] == [PHONE]
    flags = {reply["contact"]["value"]: reply["flags"] for reply in store.reply_requests(include_synthetic=True)}
    assert flags == {PHONE: {"synthetic": False}, "simulated@example.invalid": {"synthetic": True}}
    assert (store.stats().reply_requests, store.stats().synthetic_reply_requests) == (2, 1)


def reply_request(hour: str, promised_days: int) -> dict:
    [_, request] = visit(contact=Contact("email", "a@example.fi"))
    return {**request, "hour": hour, "promised_days": promised_days}


async def test_the_deadline_is_the_days_the_client_was_promised_from_the_hour_they_asked(client, store, token, key):
    """Sealed on Friday 2026-11-20 at 09:00 in Helsinki with a 2-day promise, received weeks later:
    the promise ran out on Tuesday 2026-11-24, whatever the receiver's own reply_working_days."""
    await upload(client, sealed([reply_request("2026-11-20T07:00Z", 2)], key), token)
    [reply] = store.reply_requests()
    assert reply["reply_deadline"] == "2026-11-24"
    assert reply["received_at"] > reply["reply_deadline"]  # kept beside it: it came after the promise ran out


async def test_the_finnish_day_counts_not_the_utc_one(client, store, token, key):
    # 23:00Z on Sunday 2026-11-22 is 01:00 on Monday in Helsinki: Monday itself does not count.
    await upload(client, sealed([reply_request("2026-11-22T23:00Z", 1)], key), token)
    assert store.reply_requests()[0]["reply_deadline"] == "2026-11-24"


@pytest.mark.parametrize("hour, clock", [("2026-11-20T07:00Z", "unsynced"), ("2999-01-01T00:00Z", "synced")],
                         ids=["a clock not set", "an hour after it arrived"])
async def test_an_hour_the_kiosk_cannot_vouch_for_counts_from_the_day_it_arrived(client, store, token, key, hour,
                                                                                 clock):
    response = await upload(client, sealed([reply_request(hour, 3)], key, clock=clock), token)
    received = datetime.strptime(response.json()["received_at"], "%Y-%m-%dT%H:%M:%S%z")
    [reply] = store.reply_requests()
    assert reply["reply_deadline"] == reply_deadline(received.astimezone(FINLAND).date(), 3).isoformat()


async def test_an_unsynced_clock_is_kept_beside_the_receive_time(client, store, token, key):
    await upload(client, sealed(visit(), key, clock="unsynced"), token)
    assert store.responses()[0]["clock"] == "unsynced"


async def test_envelopes_sent_again_in_a_new_batch_are_duplicates_and_stored_once(client, store, token, key):
    envelopes = sealed(visit() + visit(2, "waiting"), key)
    await upload(client, envelopes[:1], token)
    response = await upload(client, envelopes, token)
    assert Statuses(response.json()).all() == [DUPLICATE, STORED]
    assert store.stats().responses == 2


async def test_the_same_envelope_twice_in_one_batch_is_stored_once(client, store, token, key):
    [envelope] = sealed(visit(), key)
    response = await upload(client, [envelope, envelope], token)
    assert Statuses(response.json()).all() == [STORED, DUPLICATE]
    assert store.stats().responses == 1


# -- idempotent batches ---------------------------------------------------------------------


async def test_a_retried_batch_gets_the_same_answer_again(client, store, token, key):
    body = batch_body(sealed(visit() + visit(1, "waiting"), key))
    first = await client.post("/v1/batches", json=body, headers=batch_headers(body, token))
    again = await client.post("/v1/batches", json=body, headers=batch_headers(body, token))
    assert again.status_code == 200 and again.json() == first.json()
    assert Statuses(again.json()).all() == [STORED, STORED]
    assert store.stats().responses == 2


async def test_a_batch_id_used_with_another_body_is_refused(client, store, token, key):
    body = batch_body(sealed(visit(), key))
    await client.post("/v1/batches", json=body, headers=batch_headers(body, token))
    other = body | {"envelopes": sealed(visit(1, "waiting"), key)}
    assert_refused(await client.post("/v1/batches", json=other, headers=batch_headers(other, token)), 422)
    assert store.stats().responses == 1


async def test_a_batch_in_flight_is_answered_409_with_retry_after(client, store, token, key):
    body = batch_body(sealed(visit(), key))
    content = json.dumps(body).encode()
    store.claim_batch(KIOSK, body["batch"], hashlib.sha256(content).hexdigest(), datetime.now(timezone.utc))
    response = await client.post("/v1/batches", content=content, headers=batch_headers(body, token))
    assert_refused(response, 409)
    assert int(response.headers["Retry-After"]) > 0
    assert store.stats().responses == 0


async def test_the_idempotency_key_may_come_unquoted(client, store, token, key):
    body = batch_body(sealed(visit(), key))
    headers = auth(token) | {IDEMPOTENCY_KEY: body["batch"]}
    assert (await client.post("/v1/batches", json=body, headers=headers)).status_code == 200


@pytest.mark.parametrize("idempotency_key", [None, "another", str(uuid.uuid4())])
async def test_a_missing_or_other_idempotency_key_is_400(client, store, token, key, idempotency_key):
    body = batch_body(sealed(visit(), key))
    headers = auth(token) | ({IDEMPOTENCY_KEY: idempotency_key} if idempotency_key else {})
    assert_refused(await client.post("/v1/batches", json=body, headers=headers), 400, "idempotency-key")
    assert store.stats().responses == 0


# -- rejections -----------------------------------------------------------------------------


def hand_sealed(plaintext: bytes, key, envelope_id: str) -> dict:
    """An envelope around any plaintext, made the way kiosk.sealing.seal makes one."""
    cleartext = {"clock": "synced", "v": 1, "id": envelope_id, "kid": key.kid, "suite": key.suite, "kiosk": KIOSK}
    ciphertext = key.hpke_suite.encrypt(plaintext, key.hpke_key, info=envelope_info(cleartext))
    return cleartext | {"ct": base64.b64encode(ciphertext).decode()}


def flip_a_ciphertext_byte(envelope: dict) -> dict:
    ciphertext = bytearray(base64.b64decode(envelope["ct"]))
    ciphertext[-5] ^= 1
    return envelope | {"ct": base64.b64encode(bytes(ciphertext)).decode()}


ENVELOPE_FAULTS = {
    "malformed": lambda envelope, key: {name: value for name, value in envelope.items() if name != "ct"},
    "unsupported-version": lambda envelope, key: envelope | {"v": 2},
    "unsupported-suite": lambda envelope, key: envelope | {"suite": "rot13"},
    "unknown-key": lambda envelope, key: envelope | {"kid": "0000000000000000"},
    "tampered": lambda envelope, key: flip_a_ciphertext_byte(envelope),
    "not-json": lambda envelope, key: hand_sealed(b"\xff not json", key, envelope["id"]),
    "id-mismatch": lambda envelope, key: hand_sealed(json.dumps(visit()[0]).encode(), key, envelope["id"]),
    "kiosk-mismatch": lambda envelope, key: seal(visit(kiosk_id="lobby-2")[0], key, kiosk_id="lobby-2"),
}


@pytest.mark.parametrize("reason", sorted(ENVELOPE_FAULTS))
async def test_an_envelope_that_cannot_be_opened_is_rejected_with_its_reason(client, store, token, key, reason):
    good, bad = sealed(visit() + visit(1, "waiting"), key)
    bad = ENVELOPE_FAULTS[reason](bad, key)
    response = await upload(client, [good, bad], token)
    assert Statuses(response.json()).all() == [STORED, REJECTED]
    assert response.json()["results"][1].get("reason") == reason
    assert [record["id"] for record in store.responses()] == [good["id"]]


async def test_a_record_with_a_text_that_is_not_unicode_is_rejected_and_the_rest_stored(client, store, token, key):
    good, bad = visit(), visit(1, "waiting", "lone")
    plaintext = json.dumps(bad[0]).replace("lone", "\\ud800").encode()  # JSON can escape a lone surrogate
    response = await upload(client, sealed(good, key) + [hand_sealed(plaintext, key, bad[0]["id"])], token)
    assert Statuses(response.json()).all() == [STORED, REJECTED]
    assert response.json()["results"][1]["reason"] == "not-json"


def response_with(**changes) -> dict:
    record = visit()[0]
    for name, value in changes.items():
        record[name] = value
    return record


RECORD_FAULTS = {
    "an unknown survey version": ("unknown-survey", response_with(survey={"id": "visit-feedback", "version": 99})),
    "an unknown survey": ("unknown-survey", response_with(survey={"id": "other", "version": 1})),
    "an unknown question": ("invalid-record", response_with(answers={"visit": 4, "shoe_size": 42})),
    "an answer not among the options": ("invalid-record", response_with(answers={"visit": 9})),
    "a face as text": ("invalid-record", response_with(answers={"visit": "4"})),
    "a face as true": ("invalid-record", response_with(answers={"visit": True})),
    "a topic of the other branch": ("invalid-record", response_with(answers={"visit": 4, "went_well": "nonsense"})),
    "free text that is a number": ("invalid-record", response_with(answers={"visit": 4, "more": 5})),
    "no headline answer": ("invalid-record", response_with(answers={})),
    "a language the survey lacks": ("invalid-record", response_with(language="de")),
    "flags missing": ("invalid-record", response_with(flags={})),
    "another kiosk inside": ("invalid-record", response_with(kiosk="lobby-2")),
    "an hour with minutes": ("invalid-record", response_with(hour="2026-11-23T14:05Z")),
    "no type": ("invalid-record", response_with(type="gossip")),
    "an id that is not a UUID": ("invalid-record", response_with(id="response-1")),
    "an id in capitals": ("invalid-record", response_with(id=str(uuid.uuid4()).upper())),
    "a record of another version": ("invalid-record", response_with(v=2)),
    "a free text longer than any kiosk allows": ("invalid-record", response_with(
        answers={"visit": 4, "more": "x" * (MAX_FREE_TEXT + 1)})),
    "a reply request with a non-UUID id": ("invalid-record", {**visit(contact=Contact("phone", PHONE))[1],
                                                              "id": "reply-1"}),
    "a reply request in a language no kiosk speaks": ("invalid-record", {
        **visit(contact=Contact("phone", PHONE))[1], "language": "de"}),
    "a reply request without contact": ("invalid-record", {**visit(contact=Contact("phone", PHONE))[1],
                                                           "contact": None}),
    "a reply request flagged neither way": ("invalid-record", {**visit(contact=Contact("phone", PHONE))[1],
                                                               "flags": {"synthetic": "no"}}),
    "an e-mail address that is a spreadsheet formula": ("invalid-record", {
        **visit(contact=Contact("email", "a@example.fi"))[1],
        "contact": {"kind": "email", "value": '=HYPERLINK("http://x","click")'}}),
    "a phone number that is not one": ("invalid-record", {
        **visit(contact=Contact("phone", PHONE))[1], "contact": {"kind": "phone", "value": "call me"}}),
    "a phone number not as the kiosk keeps it": ("invalid-record", {
        **visit(contact=Contact("phone", PHONE))[1], "contact": {"kind": "phone", "value": "040 123 4567"}}),
}


@pytest.mark.parametrize("fault", sorted(RECORD_FAULTS))
async def test_a_record_that_does_not_fit_its_survey_is_rejected(client, store, token, key, fault):
    reason, record = RECORD_FAULTS[fault]
    response = await upload(client, [seal(record, key, kiosk_id=KIOSK)], token)
    assert Statuses(response.json())[record["id"]] == (REJECTED, reason)
    assert store.stats().responses == 0 and store.stats().reply_requests == 0


async def test_a_record_sealed_before_records_had_a_version_is_read_as_version_1(client, store, token, key):
    records = visit(contact=Contact("phone", PHONE))
    for record in records:
        del record["v"]
    response = await upload(client, sealed(records, key), token)
    assert Statuses(response.json()).all() == [STORED, STORED]
    assert store.responses()[0]["v"] == store.reply_requests()[0]["v"] == 1


async def test_a_multiple_choice_answer_is_checked_choice_by_choice(client_for, store, token, key, receiver_config,
                                                                     tmp_path):
    survey_file = tmp_path / "multi.toml"
    survey_file.write_text(MULTI_SURVEY, encoding="utf-8")
    publish(store, survey_file=survey_file, announcements_file=None, keys_dir=receiver_config.keys_dir,
            signing_key_file=receiver_config.signing_key)
    client = client_for(receiver_config)

    def record(chosen: list) -> dict:
        return response_with(survey={"id": "multi", "version": 1}, language="en",
                             answers={"mood": "good", "topics": chosen})

    good, repeated, unknown, too_many = (record(["staff"]), record(["staff", "staff"]), record(["coffee"]),
                                         record(["staff", "time", "place"]))
    response = await upload(client, [seal(r, key, kiosk_id=KIOSK) for r in (good, repeated, unknown, too_many)],
                            token)
    assert Statuses(response.json()).all() == [STORED, REJECTED, REJECTED, REJECTED]


MULTI_SURVEY = """
id = "multi"
version = 1
languages = ["en"]

[[question]]
id = "mood"
type = "single"
text.en = "How was it?"
option = [{value = "good", label.en = "Good"}, {value = "bad", label.en = "Bad"}]

[[question]]
id = "topics"
type = "multi"
max_choices = 2
text.en = "What mattered?"
option = [{value = "staff", label.en = "Staff"}, {value = "time", label.en = "Time"},
          {value = "place", label.en = "Place"}]
"""


# -- refused requests -----------------------------------------------------------------------


async def test_malformed_json_is_400_and_the_receiver_keeps_serving(client, store, token, key):
    headers = auth(token) | {IDEMPOTENCY_KEY: str(uuid.uuid4()), "Content-Type": "application/json"}
    urn = f"urn:uuid:{headers[IDEMPOTENCY_KEY]}"
    for content in (b"{not json", b"[]", b'{"kiosk": "lobby-1", "batch": "x", "envelopes": []}', b"\xff\xfe",
                    json.dumps(batch_body([], batch=urn)).encode(),
                    json.dumps(batch_body([{"id": "\ud800"}], batch=headers[IDEMPOTENCY_KEY])).encode()):
        assert_refused(await client.post("/v1/batches", content=content, headers=headers), 400)
    for content in (b"[]", b'{"kiosk": "lobby-1", "last_error": "\\udfff"}'):
        assert_refused(await client.post("/v1/heartbeat", content=content, headers=headers), 400)
    assert (await upload(client, sealed(visit(), key), token)).status_code == 200


async def test_a_batch_naming_another_kiosk_is_403(client, store, token, key):
    assert_refused(await upload(client, sealed(visit(), key), token, kiosk="lobby-2"), 403)
    assert store.stats().responses == 0


async def test_too_many_envelopes_is_413_and_nothing_is_stored(client_for, store, token, key, receiver_config):
    client = client_for(replace(receiver_config, max_batch=2))
    assert_refused(await upload(client, sealed(visit() + visit() + visit(), key), token), 413)
    assert store.stats().responses == 0
    assert (await upload(client, sealed(visit() + visit(), key), token)).status_code == 200


async def test_too_many_bytes_is_413_and_nothing_is_stored(client_for, store, token, key, receiver_config):
    client = client_for(replace(receiver_config, max_body_bytes=4096))
    envelopes = sealed(visit() + visit() + visit(), key)  # a hybrid envelope is about 1.6 kB
    assert_refused(await upload(client, envelopes, token), 413)

    async def chunks():  # no Content-Length: the limit holds while reading
        body = json.dumps(batch_body(envelopes)).encode()
        for start in range(0, len(body), 1000):
            yield body[start:start + 1000]

    headers = auth(token) | {IDEMPOTENCY_KEY: str(uuid.uuid4())}
    assert_refused(await client.post("/v1/batches", content=chunks(), headers=headers), 413)
    assert store.stats().responses == 0


async def test_without_credentials_or_with_unknown_ones_is_401(client, store, token, key):
    body = batch_body(sealed(visit(), key))
    for headers in ({}, auth("not-a-token"), {"Authorization": f"Basic {token}"}):
        assert_refused(await client.post("/v1/batches", json=body, headers=headers), 401)
    assert_refused(await client.post("/v1/heartbeat", json={"kiosk": KIOSK}), 401)
    assert_refused(await client.get("/v1/bundle"), 401)
    assert store.stats().responses == 0


async def test_a_revoked_kiosk_is_403(client, store, token, key):
    assert store.revoke_kiosk(KIOSK, datetime.now(timezone.utc))
    assert_refused(await upload(client, sealed(visit(), key), token), 403, "revoked")
    assert_refused(await client.post("/v1/enrol", headers=auth(token)), 403, "revoked")
    assert store.stats().responses == 0


async def test_too_many_requests_is_429_with_retry_after(client_for, store, token, key, receiver_config):
    client = client_for(replace(receiver_config, requests_per_minute=2))
    for _ in range(2):
        assert (await client.post("/v1/heartbeat", json={"kiosk": KIOSK}, headers=auth(token))).status_code == 200
    response = await upload(client, sealed(visit(), key), token)
    assert_refused(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert store.stats().responses == 0
    other = add_kiosk(store, "lobby-2")  # counted per kiosk
    assert (await client.post("/v1/heartbeat", json={"kiosk": "lobby-2"}, headers=auth(other))).status_code == 200


async def test_a_database_that_cannot_be_reached_is_503_with_retry_after(receiver_config):
    unreachable = Store(PostgresDatabase("postgresql://nobody@/nothing?host=/nonexistent&connect_timeout=1"))
    async with client_of(make_app(receiver_config, unreachable)) as client:
        for response in (await client.get("/v1/health"), await client.post("/v1/heartbeat", headers=auth("t"))):
            assert_refused(response, 503, "database-unavailable")
            assert int(response.headers["Retry-After"]) > 0


async def test_an_unknown_path_is_a_json_404(client):
    assert_refused(await client.get("/v1/nothing"), 404)


async def test_a_method_a_path_does_not_take_is_405_saying_which_it_takes(client):
    response = await client.get("/v1/batches")
    assert_refused(response, 405)
    assert response.headers["Allow"] == "POST"


# -- heartbeat, bundle, enrolment, health ---------------------------------------------------


HEARTBEAT = {"kiosk": KIOSK, "sent_at": "2026-11-23T14:05:10Z", "clock": "synced", "queue_depth": 12,
             "last_error": None}


async def test_a_heartbeat_is_kept_and_answered_with_the_newest_bundle_version(client, store, token,
                                                                              receiver_config):
    response = await client.post("/v1/heartbeat", json=HEARTBEAT, headers=auth(token))
    assert response.status_code == 200 and response.json()["bundle_version"] == 0
    [kiosk] = store.kiosks()
    assert kiosk.heartbeat == HEARTBEAT and kiosk.heartbeat_at == response.json()["received_at"]
    publish_default(store, receiver_config)
    response = await client.post("/v1/heartbeat", json=HEARTBEAT, headers=auth(token))
    assert response.json()["bundle_version"] == 1


ESCAPES = "\x1b]0;owned\x07\x1b[2J\u202ebad\u200b"  # sets the window title, clears the screen, reverses text


async def test_a_heartbeats_texts_are_cleaned_before_they_are_stored(client, store, token):
    sent = HEARTBEAT | {"last_error": f"disk full{ESCAPES}\nagain", "software": f"0.1.0{ESCAPES}",
                        "survey": {"id": f"visit{ESCAPES}", "version": 1}, "newer_field": "kept out"}
    assert (await client.post("/v1/heartbeat", json=sent, headers=auth(token))).status_code == 200
    [kiosk] = store.kiosks()
    assert kiosk.heartbeat["last_error"] == "disk fullbad again"
    assert kiosk.heartbeat["software"] == "0.1.0bad" and kiosk.heartbeat["survey"] == {"id": "visitbad", "version": 1}
    assert "newer_field" not in kiosk.heartbeat


@pytest.mark.parametrize("field, value", [("queue_depth", "12"), ("queue_depth", -1), ("queue_depth", True),
                                          ("clock", "maybe"), ("last_error", 42), ("survey", {"id": 1}),
                                          ("sent_at", "yesterday"), ("disk_free_bytes", 1.5)])
async def test_a_heartbeat_field_of_the_wrong_type_is_refused_and_nothing_kept(client, store, token, field, value):
    response = await client.post("/v1/heartbeat", json=HEARTBEAT | {field: value}, headers=auth(token))
    assert_refused(response, 400)
    assert field in response.json()["detail"] and str(value) not in response.json()["detail"].split(field)[0]
    assert store.kiosks()[0].heartbeat is None


async def test_a_heartbeat_naming_another_kiosk_is_403(client, store, token):
    assert_refused(await client.post("/v1/heartbeat", json=HEARTBEAT | {"kiosk": "lobby-2"}, headers=auth(token)),
                   403)
    assert store.kiosks()[0].heartbeat is None


def publish_default(store, config):
    return publish(store, survey_file=default_survey_path(), announcements_file=None, keys_dir=config.keys_dir,
                   signing_key_file=config.signing_key)


async def test_the_bundle_verifies_with_the_signing_key_and_304_when_unchanged(client, store, token,
                                                                              receiver_config):
    assert_refused(await client.get("/v1/bundle", headers=auth(token)), 404)
    publish_default(store, receiver_config)
    publish_default(store, receiver_config)
    response = await client.get("/v1/bundle", headers=auth(token))
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    raw, signature = decode_from_wire(response.json())
    pinned = load_signing_key(receiver_config.signing_key).public_key()
    bundle = open_bundle(raw, signature, pinned, newer_than=1)
    assert bundle.version == 2 and bundle.keys[0]["kid"] == public_key(receiver_config).kid
    unchanged = await client.get("/v1/bundle", headers=auth(token) | {"If-None-Match": '"2"'})
    assert unchanged.status_code == 304 and not unchanged.content
    older = await client.get("/v1/bundle", headers=auth(token) | {"If-None-Match": '"1"'})
    assert older.status_code == 200
    assert (await client.get("/v1/bundle", headers=auth(token) | {"If-None-Match": "*"})).status_code == 304


async def test_enrolment_answers_what_the_kiosk_pins(client, store, token, receiver_config):
    publish_default(store, receiver_config)
    response = await client.post("/v1/enrol", json={"software": "0.1.0"}, headers=auth(token))
    assert response.status_code == 200
    document = response.json()
    assert (document["kiosk"], document["unit"], document["bundle_version"]) == (KIOSK, UNIT, 1)
    signing = load_signing_key(receiver_config.signing_key).public_key()
    assert document["signing_key"] == public_pem(signing)
    [entry] = document["keys"]
    assert public_key_from_pem(entry["pem"].encode(), "enrolment").kid == entry["kid"]
    assert document["reply"] == {"answerer": ANSWERER, "days": receiver_config.reply_working_days}


async def test_without_a_reply_table_enrolment_promises_no_reply(client_for, token, receiver_config):
    client = client_for(replace(receiver_config, reply_answerer=None))
    assert (await client.post("/v1/enrol", headers=auth(token))).json()["reply"] is None


async def test_a_key_made_while_the_receiver_runs_is_offered_to_the_next_kiosk(client, token, receiver_config):
    new = generate_pair(receiver_config.keys_dir, hybrid=False)
    document = (await client.post("/v1/enrol", headers=auth(token))).json()
    assert document["keys"][0]["kid"] == new.kid


async def test_health_needs_no_credentials(client):
    response = await client.get("/v1/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


# -- keys -----------------------------------------------------------------------------------


async def test_after_a_key_rotation_envelopes_sealed_to_either_key_open(client, store, token, key, receiver_config):
    old_key = key
    new_pair = generate_pair(receiver_config.keys_dir)  # made while the receiver runs
    newest = load_pairs(receiver_config.keys_dir)[0]
    assert newest.kid == new_pair.kid != old_key.kid
    envelopes = sealed(visit(), old_key) + sealed(visit(), new_pair.private.public)
    response = await upload(client, envelopes, token)
    assert Statuses(response.json()).all() == [STORED, STORED]
    document = (await client.post("/v1/enrol", headers=auth(token))).json()
    assert [entry["kid"] for entry in document["keys"]] == [new_pair.kid, old_key.kid]


async def test_an_envelope_for_a_key_that_was_removed_is_unknown_key(client, store, token, key, receiver_config):
    other = generate_pair(receiver_config.keys_dir)
    os.remove(other.path)
    response = await upload(client, sealed(visit(), other.private.public), token)
    assert Statuses(response.json()).all() == [REJECTED]
    assert response.json()["results"][0]["reason"] == "unknown-key"


# -- privacy --------------------------------------------------------------------------------


async def test_the_log_names_ids_and_counts_never_what_anyone_said(client, store, token, key, caplog):
    caplog.set_level(logging.DEBUG)
    records = visit(1, "waiting", FREE_TEXT, Contact("phone", PHONE))
    bad = response_with(answers={"visit": 4, "more": 5})
    await upload(client, sealed(records, key) + [seal(bad, key, kiosk_id=KIOSK)], token)
    assert "2 stored" in caplog.text and "invalid-record" in caplog.text
    for secret in (FREE_TEXT, PHONE, records[0]["reply"]):
        assert secret not in caplog.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_batch_not_sent_as_json_is_refused_and_nothing_stored(client, store, token, key, content_type):
    body = batch_body(sealed(visit(), key))
    headers = batch_headers(body, token) | ({"Content-Type": content_type} if content_type else {})
    request = client.build_request("POST", "/v1/batches", content=json.dumps(body).encode(), headers=headers)
    if content_type is None:
        request.headers.pop("Content-Type", None)
    assert_refused(await client.send(request), 415, "unsupported-media-type")
    assert store.stats().responses == 0


async def test_json_with_a_charset_is_json(client, store, token, key):
    body = batch_body(sealed(visit(), key))
    headers = batch_headers(body, token) | {"Content-Type": "application/json; charset=utf-8"}
    response = await client.post("/v1/batches", content=json.dumps(body).encode(), headers=headers)
    assert response.status_code == 200 and store.stats().responses == 1
