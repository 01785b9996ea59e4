"""The uploader against a receiver in memory: every envelope reaches it once, oldest first,
and only an answer of the receiver's ever takes an envelope out of the outbox."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import replace

import httpx
import pytest

from kiosk import __version__
from kiosk.config import SyncConfig
from kiosk.outbox import Outbox
from kiosk.quarantine import QUARANTINE_FOLDER
from kiosk.recorder import Recorder
from kiosk.status import read_status, render_status
from sync.uploader.http import retry_after_seconds
from kiosk.sync_status import read_sync_status
from sync.uploader.uploader import MAX_RETRY_AFTER, TOO_LARGE, Uploader, backoff_delay
from tests.fake_receiver import FakeReceiver, answer, fail
from tests.test_recorder import SECRET_TEXT, visit_records

SERVER = "https://receiver.test"


@pytest.fixture
def sync_config(config):
    return replace(config, sync=SyncConfig(server=SERVER, token="kiosk-token", batch_size=3,
                                           retry_min_seconds=1, retry_max_seconds=900))


@pytest.fixture
def outbox(sync_config):
    sync_config.data_dir.mkdir()
    box = Outbox(sync_config.outbox_dir)
    yield box
    box.close()


@pytest.fixture
def receiver():
    return FakeReceiver()


@pytest.fixture
def uploader_for(sync_config, outbox, receiver):
    """An uploader talking to the fake receiver; `config` and keywords change it."""
    made = []

    def make(config=None, **kwargs) -> Uploader:
        options = {"transport": receiver.transport(), "rng": random.Random(7), "clock_check": lambda: True}
        uploader = Uploader(config or sync_config, outbox, **(options | kwargs))
        made.append(uploader)
        return uploader

    yield make
    for uploader in made:
        uploader.stop()


@pytest.fixture
def uploader(uploader_for):
    return uploader_for()


def fill(outbox: Outbox, count: int) -> list[str]:
    """`count` envelopes (the uploader never looks inside them), oldest first."""
    ids = [f"envelope-{number:03d}" for number in range(count)]
    for envelope_id in ids:
        outbox.append({"v": 1, "id": envelope_id, "kiosk": "lobby-1", "ct": "c2VhbGVk"})
    return ids


def pending_ids(outbox: Outbox) -> list[str]:
    return [envelope["id"] for envelope in outbox.oldest(len(outbox))]


# -- sending -----------------------------------------------------------------------------


def test_envelopes_go_oldest_first_in_batches_and_leave_the_outbox(uploader, outbox, receiver):
    ids = fill(outbox, 7)
    report = uploader.run_once()
    assert (report.sent, report.stored, report.left, report.error) == (7, 7, 0, None)
    batches = receiver.sent_batches()
    assert [[envelope["id"] for envelope in batch["envelopes"]] for batch in batches] == [ids[:3], ids[3:6], ids[6:]]
    assert receiver.stored == ids
    assert len(outbox) == 0
    for request, batch in zip(receiver.batch_requests, batches):
        assert request.headers["Idempotency-Key"] == f'"{batch["batch"]}"'
        assert request.headers["Authorization"] == "Bearer kiosk-token"
        assert batch["kiosk"] == "lobby-1"
    assert len({batch["batch"] for batch in batches}) == 3


def test_an_empty_outbox_sends_only_the_heartbeat(uploader, receiver):
    report = uploader.run_once()
    assert (report.sent, report.error) == (0, None)
    assert receiver.batch_requests == []
    assert len(receiver.heartbeats) == 1


def test_envelopes_go_exactly_as_sealed_and_nothing_sent_holds_plaintext(sync_config, receiver):
    sync_config.data_dir.mkdir()
    recorder = Recorder(sync_config)  # as in the app: the recorder's outbox is the uploader's
    recorder.record(visit_records(sync_config))
    uploader = Uploader(sync_config, recorder.outbox, transport=receiver.transport())
    try:
        queued = recorder.outbox.oldest(10)
        uploader.run_once()
        assert len(recorder.outbox) == 0
    finally:
        uploader.stop()
        recorder.close()
    sent = [envelope for batch in receiver.sent_batches() for envelope in batch["envelopes"]]
    assert sent == queued
    everything_sent = b"".join(request.content for request in receiver.requests)
    assert SECRET_TEXT.encode() not in everything_sent
    assert b"Virtanen" not in everything_sent


def test_only_stored_and_duplicate_leave_the_outbox_and_rejected_are_quarantined(uploader, outbox, receiver,
                                                                                sync_config):
    ids = fill(outbox, 3)
    receiver.stored.append(ids[1])  # arrived earlier, its answer lost
    receiver.reject[ids[2]] = "unknown-key"
    report = uploader.run_once()
    assert (report.stored, report.duplicate, report.rejected, report.left) == (1, 1, 1, 0)
    kept = json.loads((sync_config.data_dir / QUARANTINE_FOLDER / f"{ids[2]}.json").read_text())
    assert kept["reason"] == "unknown-key"
    assert kept["envelope"]["id"] == ids[2]
    assert uploader.state.snapshot().quarantined == 1
    assert "Quarantined:          1" in render_status(read_status(sync_config.data_dir))


def test_an_envelope_the_answer_leaves_out_stays_in_the_outbox(uploader, outbox, receiver):
    ids = fill(outbox, 3)

    def answer_for_two(request):
        body = json.loads(request.content)
        results = [{"id": envelope_id, "status": "stored"} for envelope_id in ids[:2]]
        return httpx.Response(200, json={"batch": body["batch"], "results": results})

    receiver.next_batches.append(answer_for_two)
    report = uploader.run_once()
    assert report.error is not None and "2 of 3" in report.error
    assert pending_ids(outbox) == ids[2:]
    assert uploader.run_once().error is None  # sent again, in a batch of its own
    assert receiver.stored == ids[2:]
    assert len(outbox) == 0


@pytest.mark.parametrize("failure", [
    pytest.param(lambda receiver: fail(httpx.ConnectError), id="no connection"),
    pytest.param(lambda receiver: receiver.lose_answer(httpx.ReadTimeout), id="timeout"),
    pytest.param(lambda receiver: receiver.lose_answer(httpx.ReadError), id="connection reset"),
    pytest.param(lambda receiver: answer(500, json={"error": "internal"}), id="500"),
    pytest.param(lambda receiver: answer(200, text="<html>Log in to the hotel wifi</html>"), id="captive portal"),
])
def test_a_failed_batch_is_retried_with_the_same_id_and_body(uploader, outbox, receiver, failure):
    ids = fill(outbox, 2)
    receiver.next_batches.append(failure(receiver))
    first = uploader.run_once()
    assert first.error is not None
    assert pending_ids(outbox) == ids  # nothing leaves without an answer
    assert uploader.run_once().error is None
    first_try, retry = receiver.batch_requests
    assert retry.headers["Idempotency-Key"] == first_try.headers["Idempotency-Key"]
    assert retry.content == first_try.content
    assert receiver.stored == ids  # each once
    assert len(outbox) == 0


def test_a_reused_batch_id_is_sent_again_under_a_new_one(uploader, outbox, receiver):
    ids = fill(outbox, 2)
    receiver.next_batches.append(answer(422, json={"error": "batch-reused"}))
    report = uploader.run_once()
    assert (report.stored, report.error) == (2, None)
    first_try, renewed = receiver.sent_batches()
    assert first_try["batch"] != renewed["batch"]
    assert [envelope["id"] for envelope in renewed["envelopes"]] == ids


def test_a_malformed_request_keeps_everything_and_backs_off(uploader, outbox, receiver):
    ids = fill(outbox, 2)
    receiver.next_batches.append(answer(400, json={"error": "malformed", "detail": "no envelopes"}))
    report = uploader.run_once()
    assert "malformed" in report.error
    assert uploader.state.snapshot().last_error == report.error
    assert report.next_round_in <= 1  # the first backoff (retry_min_seconds), not the 60 s interval
    assert pending_ids(outbox) == ids


@pytest.mark.parametrize("status", [409, 429, 503])
def test_retry_after_is_honoured(uploader, outbox, receiver, status):
    fill(outbox, 1)
    receiver.next_batches.append(answer(status, headers={"Retry-After": "120"}, json={"error": "busy"}))
    report = uploader.run_once()
    assert report.retry_after == 120
    assert report.next_round_in >= 120
    assert len(outbox) == 1


def test_retry_after_may_be_a_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 90) == 90
    assert retry_after_seconds("soon") is None


def test_a_batch_too_large_for_the_receiver_is_halved(uploader_for, sync_config, outbox, receiver):
    uploader = uploader_for(replace(sync_config, sync=replace(sync_config.sync, batch_size=8)))
    ids = fill(outbox, 6)

    def at_most_three(request):
        if len(json.loads(request.content)["envelopes"]) > 3:
            return httpx.Response(413, json={"error": "too-large"})
        return None

    receiver.next_batches.extend([at_most_three] * 3)
    report = uploader.run_once()
    assert (report.stored, report.error) == (6, None)
    assert [len(batch["envelopes"]) for batch in receiver.sent_batches()] == [6, 3, 3]
    assert receiver.stored == ids


def test_an_envelope_too_large_even_alone_is_quarantined_not_sent_for_ever(uploader_for, sync_config, outbox,
                                                                          receiver):
    uploader = uploader_for(replace(sync_config, sync=replace(sync_config.sync, batch_size=1)))
    ids = fill(outbox, 2)
    receiver.next_batches.append(answer(413, json={"error": "too-large"}))
    report = uploader.run_once()
    assert (report.rejected, report.stored, report.error) == (1, 1, None)
    kept = json.loads((sync_config.data_dir / QUARANTINE_FOLDER / f"{ids[0]}.json").read_text())
    assert kept["reason"] == TOO_LARGE
    assert receiver.stored == ids[1:]


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_keep_everything_and_tell_staff(uploader, outbox, receiver, sync_config, status):
    ids = fill(outbox, 4)
    receiver.next_batches.append(answer(status, json={"error": "unknown-credentials"}))
    report = uploader.run_once()
    assert pending_ids(outbox) == ids
    assert "credentials" in report.error
    assert (report.sent, report.stored) == (0, 0)  # refused: not counted as sent
    assert uploader.state.snapshot().auth_error == report.error
    assert read_sync_status(sync_config.data_dir).auth_error == report.error  # for `kiosk status`
    assert "Credentials refused:" in render_status(read_status(sync_config.data_dir))
    assert receiver.heartbeats == []  # the round ends at the refusal

    assert uploader.run_once().error is None  # the provider fixed it
    assert uploader.state.snapshot().auth_error is None
    assert len(outbox) == 0


# -- backoff ---------------------------------------------------------------------------------


def test_backoff_is_full_jitter_between_zero_and_the_growing_ceiling():
    rng = random.Random(1)
    for attempt in range(14):
        ceiling = min(900, 1 * 2 ** attempt)
        delays = [backoff_delay(attempt, minimum=1, maximum=900, rng=rng) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread over all of it
    assert backoff_delay(0, minimum=1, maximum=900, rng=rng, retry_after=30) >= 30
    assert backoff_delay(0, minimum=1, maximum=900, rng=rng, retry_after=10 ** 9) == MAX_RETRY_AFTER
    assert backoff_delay(10 ** 6, minimum=1, maximum=900, rng=rng) <= 900  # no overflow after days down


class HighestRandom(random.Random):
    def uniform(self, a, b):
        return b


def test_each_failed_round_doubles_the_longest_wait_up_to_the_maximum(uploader_for, outbox, receiver):
    uploader = uploader_for(rng=HighestRandom())
    fill(outbox, 1)
    receiver.next_batches.extend([answer(500)] * 12)
    waits = [uploader.run_once().next_round_in for _ in range(12)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert uploader.run_once().next_round_in == 60  # back to the interval once it works


# -- heartbeat ---------------------------------------------------------------------------------


def test_the_heartbeat_says_how_the_kiosk_is(uploader_for, outbox, receiver):
    uploader = uploader_for(unsaved=lambda: 2, write_error=lambda: "No space left on device (2 waiting in memory)")
    fill(outbox, 2)
    receiver.reject["envelope-000"] = "tampered"
    receiver.next_batches.append(answer(503, json={"error": "maintenance"}))
    uploader.run_once()  # fails: no heartbeat
    uploader.run_once()
    [heartbeat] = receiver.heartbeats
    assert set(heartbeat) == {"kiosk", "sent_at", "clock", "software", "survey", "bundle_version", "queue_depth",
                              "oldest_unsent_age_seconds", "quarantined", "unsaved_in_memory", "last_error",
                              "disk_free_bytes"}
    assert heartbeat["kiosk"] == "lobby-1"
    assert heartbeat["clock"] == "synced"
    assert heartbeat["software"] == __version__
    assert heartbeat["survey"] == {"id": "visit-feedback", "version": 1}
    assert heartbeat["bundle_version"] == 0
    assert (heartbeat["queue_depth"], heartbeat["oldest_unsent_age_seconds"]) == (0, None)
    assert heartbeat["quarantined"] == 1
    assert heartbeat["unsaved_in_memory"] == 2
    assert heartbeat["last_error"] == "No space left on device (2 waiting in memory)"  # the kiosk's trouble now
    assert heartbeat["disk_free_bytes"] > 0
    assert heartbeat["sent_at"].endswith("Z")


def test_a_heartbeat_after_a_failed_round_does_not_carry_its_error(uploader, outbox, receiver):
    """The provider's kiosk list showed the error of a round before the one that worked."""
    fill(outbox, 1)
    receiver.next_batches.append(answer(503, json={"error": "maintenance"}))
    assert uploader.run_once().error
    assert uploader.run_once().error is None
    assert receiver.heartbeats[-1]["last_error"] is None


def test_a_round_is_recorded_for_kiosk_status_in_another_process(uploader, outbox, sync_config):
    fill(outbox, 1)
    uploader.run_once()
    status = read_status(sync_config.data_dir)
    assert status["last_sync_age_seconds"] is not None and status["last_sync_error"] is None
    assert "Last successful sync: 0 min" in render_status(status)


# -- the thread --------------------------------------------------------------------------------


def test_the_background_thread_sends_and_survives_a_bug_in_a_round(uploader_for, outbox, receiver):
    rounds: list = []
    two_rounds = threading.Event()

    def listen(status):
        rounds.append(status)
        if len(rounds) == 2:
            two_rounds.set()

    def bug(request):
        raise RuntimeError("a bug")

    ids = fill(outbox, 2)
    receiver.next_batches.append(bug)
    uploader = uploader_for(on_change=listen)
    uploader.start()
    for _ in range(2):  # the first round fails; sync_now skips its backoff
        uploader.sync_now()
    assert two_rounds.wait(30)
    uploader.stop()
    assert "RuntimeError" in rounds[0].last_error
    assert rounds[1].last_error is None
    assert receiver.stored == ids
    assert len(outbox) == 0


def test_an_uploader_needs_sync_settings(config, outbox):
    from kiosk.errors import UserError

    with pytest.raises(UserError, match="kiosk enroll"):
        Uploader(config, outbox)
