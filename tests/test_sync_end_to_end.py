"""Sync end to end on loopback, with real processes: the receiver (`python -m commands.receiver
serve`, set up with its own commands) and the kiosk's commands (`kiosk enroll`, `simulate`,
`sync --once`, `status`), or the kiosk's uploader thread in this process where a test
needs it fast. Between them a fault-injecting proxy (tests/fault_proxy.py). Whatever
fails on the way, every response the kiosk made is stored exactly once and its outbox
ends empty; a bundle that is not the provider's, or not newer, is never applied.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.config import enrolled_config
from kiosk.enrolment import read_enrolment
from kiosk.outbox import Outbox
from kiosk.survey import default_survey_path
from sync.wire.protocol import BATCHES, BUNDLE, HEARTBEAT
from kiosk.sync_status import SyncStatus
from sync.uploader.uploader import Uploader
from tests.fault_proxy import (Answer, FaultProxy, answer_with, change_answer, drop_answer, hold_for, json_answer,
                               pass_through, reset_in_body)
from tests.receiver_support import KIOSK, REPLY_TABLE, UNIT
from tests.test_receiver_server import REPO, free_port, running

# The kiosk's uploader, made quick: a fault costs a second at most, and small batches put
# the fault in the middle of a queue. The receiver's rate limit is raised for the retries.
KIOSK_TIMEOUT_SECONDS = 1.0
QUICK_SYNC = {"timeout_seconds": KIOSK_TIMEOUT_SECONDS, "retry_min_seconds": 0.05, "retry_max_seconds": 0.5,
              "batch_size": 10}
REQUESTS_PER_MINUTE = 10_000
SYNC_DEADLINE_SECONDS = 30
FAULT_RESPONSES = 30  # three batches of ten, and a few reply requests


def run(program: str, *args: object, check: bool = True) -> subprocess.CompletedProcess:
    """`python -m program args`, as its own process."""
    done = subprocess.run([sys.executable, "-m", program, *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    if check and done.returncode != 0:
        pytest.fail(f"{program} {' '.join(map(str, args))} exited {done.returncode}: {done.stderr}{done.stdout}")
    return done


# -- the receiver -----------------------------------------------------------------------------


def write_receiver_config(folder: Path) -> tuple[Path, int]:
    port = free_port()
    config_file = folder / "receiver.toml"
    # [reply]: kiosks enrolled here offer replies, so that synthetic visits include reply requests.
    config_file.write_text(f'[receiver]\nlisten = "127.0.0.1:{port}"\ndata_dir = "receiver"\n'
                           f'requests_per_minute = {REQUESTS_PER_MINUTE}\n{REPLY_TABLE}'
                           '[tls]\nallow_plain_http = true\n', encoding="utf-8")
    return config_file, port


@pytest.fixture(scope="session")
def provider_secrets(tmp_path_factory) -> Path:
    """A key pair and a signing key, made once with `kiosk-receiver`; each receiver gets a copy."""
    folder = tmp_path_factory.mktemp("provider")
    config_file, _ = write_receiver_config(folder)
    run("commands.receiver", "keys", "generate", "--config", config_file)
    run("commands.receiver", "signing-key", "generate", "--config", config_file)
    return folder / "receiver"


class Receiver:
    """The provider's receiver in `folder`: its commands, its server process, its database."""

    def __init__(self, folder: Path, secrets: Path):
        self.config_file, self.port = write_receiver_config(folder)
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = folder / "receiver"
        shutil.copytree(secrets, self.data_dir)
        self._process = ExitStack()

    def command(self, *args: object) -> str:
        return run("commands.receiver", *args, "--config", self.config_file).stdout

    def start(self) -> None:
        self._process.enter_context(running(self.config_file, self.url))

    def stop(self) -> None:
        self._process.close()

    def add_kiosk(self) -> str:
        """Register lobby-1; returns its token."""
        return self.command("kiosks", "add", KIOSK, "--unit", UNIT).splitlines()[-1]

    def publish(self) -> None:
        self.command("publish", "--survey", default_survey_path())

    def stored_ids(self) -> list[str]:
        """The ids of every response and reply request stored, sorted; a repeat would show twice."""
        database = sqlite3.connect(f"file:{self.data_dir / 'receiver.db'}?mode=ro", uri=True)
        try:
            rows = database.execute("SELECT id FROM responses UNION ALL SELECT id FROM reply_requests").fetchall()
        finally:
            database.close()
        return sorted(row[0] for row in rows)


@pytest.fixture
def receiver(tmp_path, provider_secrets) -> Iterator[Receiver]:
    receiver = Receiver(tmp_path, provider_secrets)
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def proxy(receiver) -> Iterator[FaultProxy]:
    proxy = FaultProxy(receiver.port)
    yield proxy
    proxy.close()
    assert proxy.errors == []


# -- the kiosk --------------------------------------------------------------------------------


class Kiosk:
    """A kiosk with no config file: its data folder, run with the `kiosk` command."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def command(self, *args: object, check: bool = True) -> subprocess.CompletedProcess:
        return run("commands.kiosk", *args, "--data-dir", self.data_dir, check=check)

    def enroll(self, server: str, token: str) -> None:
        self.command("enroll", "--server", server, "--token", token, "--allow-insecure-http")

    def simulate(self, count: int) -> None:
        self.command("simulate", count)

    def sync_once(self, check: bool = True) -> subprocess.CompletedProcess:
        return self.command("sync", "--once", check=check)

    def status(self) -> dict:
        return json.loads(self.command("status", "--json").stdout)

    def queued(self) -> list[dict]:
        with Outbox(self.data_dir / "outbox", readonly=True) as outbox:
            return outbox.oldest(len(outbox))

    def queued_ids(self) -> list[str]:
        return sorted(envelope["id"] for envelope in self.queued())

    def quick_config(self, server: str) -> KioskConfig:
        """The kiosk's own config, from its enrolment, with QUICK_SYNC and the given server."""
        config = enrolled_config(self.data_dir)
        return replace(config, sync=replace(config.sync, server=server, **QUICK_SYNC))


@pytest.fixture
def kiosk(tmp_path, receiver, proxy) -> Kiosk:
    """lobby-1, enrolled through the proxy: all it sends passes there."""
    kiosk = Kiosk(tmp_path / "kiosk")
    kiosk.enroll(proxy.url, receiver.add_kiosk())
    return kiosk


class Syncing:
    """The kiosk's uploader in its background thread, as the app runs it, each round's status kept."""

    def __init__(self, config: KioskConfig):
        self.rounds: list[SyncStatus] = []
        self._changed = threading.Condition()
        self._outbox = Outbox(config.outbox_dir)
        self._uploader = Uploader(config, self._outbox, on_change=self._round_done)

    def _round_done(self, status: SyncStatus) -> None:
        with self._changed:
            self.rounds.append(status)
            self._changed.notify_all()

    def wait_for(self, done: Callable[[list[SyncStatus]], bool]) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: done(self.rounds), SYNC_DEADLINE_SECONDS):
                pytest.fail(f"not done in {SYNC_DEADLINE_SECONDS} s; the last rounds: {self.rounds[-3:]}")

    def wait_until_sent(self) -> None:
        """Until a round ends without an error: the outbox was empty and the heartbeat answered."""
        self.wait_for(lambda rounds: bool(rounds) and rounds[-1].last_error is None)

    def errors(self) -> list[str]:
        return [status.last_error for status in self.rounds if status.last_error]

    def __enter__(self) -> Syncing:
        self._uploader.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._uploader.stop()
        self._outbox.close()


def sync_until_sent(kiosk: Kiosk, server: str) -> Syncing:
    with Syncing(kiosk.quick_config(server)) as syncing:
        syncing.wait_until_sent()
    return syncing


# -- the main path ----------------------------------------------------------------------------


def test_every_response_made_is_stored_exactly_once(receiver, proxy, kiosk):
    kiosk.simulate(450)
    queued = kiosk.queued_ids()
    assert len(queued) > 450  # some visits asked for a reply: a record of their own

    done = kiosk.sync_once()

    assert f"sent {len(queued)}, stored {len(queued)}, duplicate 0, rejected 0, left 0, error none" in done.stdout
    assert receiver.stored_ids() == queued
    assert "450 responses, of which 450 synthetic" in receiver.command("stats")
    batches = [json.loads(exchange.body) for exchange in proxy.seen(BATCHES)]
    assert [len(batch["envelopes"]) for batch in batches] == [200, 200, len(queued) - 400]  # oldest first
    status = kiosk.status()
    assert (status["queue_depth"], status["last_sync_error"], status["auth_error"]) == (0, None, None)
    assert "queue 0" in receiver.command("kiosks", "list")  # the heartbeat after the batches
    assert "sent 0, stored 0" in kiosk.sync_once().stdout  # nothing is sent twice


# -- faults on the way --------------------------------------------------------------------------


def server_error() -> Answer:
    return json_answer(500, {"error": "internal", "detail": "a bug"})


FAULTS = {
    # The first batch goes through; the next meets the fault; what follows goes through.
    "500 three times": ([pass_through, answer_with(server_error()), answer_with(server_error()),
                         answer_with(server_error())], "answered 500"),
    "a timeout": ([pass_through, hold_for(KIOSK_TIMEOUT_SECONDS + 1)], "timeout"),
    "a reset in the middle of the body": ([pass_through, reset_in_body], "connection failed"),
    "the answer lost after storing": ([pass_through, drop_answer], "connection failed"),  # and the next test
}


@pytest.mark.parametrize("faults, error", FAULTS.values(), ids=FAULTS.keys())
def test_a_failed_batch_is_sent_again_and_stored_once(receiver, proxy, kiosk, faults, error):
    kiosk.simulate(FAULT_RESPONSES)
    queued = kiosk.queued_ids()
    proxy.on(BATCHES, *faults)

    syncing = sync_until_sent(kiosk, proxy.url)

    assert any(error in message for message in syncing.errors())  # the kiosk met the fault
    assert receiver.stored_ids() == queued
    assert kiosk.queued() == []
    # The batch that failed went again with the same id and the same body.
    failed = proxy.seen(BATCHES)[1]
    again = [exchange for exchange in proxy.seen(BATCHES)[2:]
             if exchange.headers["idempotency-key"] == failed.headers["idempotency-key"]]
    assert again and all(exchange.body == again[0].body for exchange in again)
    assert failed.body in (None, again[0].body)  # None: it never arrived whole


def test_an_answer_lost_after_storing_is_given_again_to_the_retry(receiver, proxy, kiosk):
    kiosk.simulate(5)  # one batch
    queued = kiosk.queued_ids()
    proxy.on(BATCHES, drop_answer)

    sync_until_sent(kiosk, proxy.url)

    lost, retry = proxy.seen(BATCHES)
    assert retry.body == lost.body
    assert retry.answer.json() == lost.lost_answer.json()  # the receiver's answer, kept for the retry
    assert {result["status"] for result in retry.answer.json()["results"]} == {"stored"}
    assert receiver.stored_ids() == queued
    assert kiosk.queued() == []


def test_an_answer_lost_before_the_kiosk_restarts_is_answered_duplicate(receiver, proxy, kiosk):
    kiosk.simulate(5)
    queued = kiosk.queued_ids()
    proxy.on(BATCHES, drop_answer)

    lost = kiosk.sync_once(check=False)
    assert lost.returncode == 1 and "connection failed" in lost.stdout
    assert kiosk.queued_ids() == queued  # no answer: nothing leaves the outbox
    again = kiosk.sync_once()  # a new process: the batch is made again, under a new id

    assert f"stored 0, duplicate {len(queued)}, rejected 0, left 0" in again.stdout
    first, second = proxy.seen(BATCHES)
    assert first.headers["idempotency-key"] != second.headers["idempotency-key"]
    assert receiver.stored_ids() == queued


def test_a_receiver_that_asks_to_wait_gets_at_least_that_long(receiver, proxy, kiosk):
    kiosk.simulate(FAULT_RESPONSES)
    queued = kiosk.queued_ids()
    busy = json_answer(429, {"error": "too-many-requests", "detail": "slow down"}, headers=(("Retry-After", "1"),))
    proxy.on(BATCHES, pass_through, answer_with(busy))

    syncing = sync_until_sent(kiosk, proxy.url)

    assert any("asked to wait (429" in message for message in syncing.errors())
    refused, next_one = proxy.seen(BATCHES)[1:3]
    # Its backoff alone would be at most retry_min_seconds (0.05 s): the kiosk waited for Retry-After.
    assert next_one.received_at - refused.answered_at >= 1
    assert receiver.stored_ids() == queued
    assert kiosk.queued() == []


def test_a_receiver_down_for_a_while_gets_everything_once_it_is_back(receiver, kiosk):
    kiosk.simulate(FAULT_RESPONSES)
    queued = kiosk.queued_ids()
    receiver.stop()

    with Syncing(kiosk.quick_config(receiver.url)) as syncing:  # straight to the receiver: refused connections
        syncing.wait_for(lambda rounds: len(rounds) >= 3)
        receiver.start()
        syncing.wait_until_sent()

    assert all("cannot connect" in message for message in syncing.errors())
    assert receiver.stored_ids() == queued
    assert kiosk.queued() == []


# -- credentials ------------------------------------------------------------------------------


def test_revoked_credentials_keep_everything_and_tell_staff_until_a_new_token(receiver, proxy, kiosk):
    kiosk.simulate(FAULT_RESPONSES)
    queued = kiosk.queued_ids()
    receiver.command("kiosks", "revoke", KIOSK)

    refused = kiosk.sync_once(check=False)

    assert refused.returncode == 1
    assert "refused this kiosk's credentials (403" in refused.stdout
    status = kiosk.status()
    assert status["queue_depth"] == len(queued)
    assert "revoked" in status["auth_error"]
    assert "Credentials refused:" in kiosk.command("status").stdout
    assert receiver.stored_ids() == []

    token = receiver.command("kiosks", "renew", KIOSK).splitlines()[-1]
    kiosk.enroll(proxy.url, token)
    kiosk.sync_once()

    assert receiver.stored_ids() == queued
    status = kiosk.status()
    assert (status["queue_depth"], status["auth_error"]) == (0, None)


# -- keys and bundles -------------------------------------------------------------------------


def test_envelopes_of_a_rotated_key_still_arrive_and_new_ones_seal_to_the_new_key(receiver, kiosk):
    old_kid = read_enrolment(kiosk.data_dir).keys[0]["kid"]
    kiosk.simulate(FAULT_RESPONSES)  # sealed to the key of the enrolment
    sealed_to_old_key = kiosk.queued_ids()
    receiver.command("keys", "generate")  # the newest: kiosks seal to it once it is published
    receiver.publish()
    [new_kid, still_kept] = [line.split()[0] for line in receiver.command("keys", "list").splitlines()]
    assert still_kept == old_kid
    assert {envelope["kid"] for envelope in kiosk.queued()} == {old_kid}

    first = kiosk.sync_once()  # the old key's envelopes, then the bundle with the new key
    assert "Bundle 1 downloaded and verified" in first.stdout
    kiosk.simulate(FAULT_RESPONSES)  # applies the bundle first, as the welcome screen does
    assert {envelope["kid"] for envelope in kiosk.queued()} == {new_kid}
    assert kiosk.status()["bundle_version"] == 1
    sealed_to_new_key = kiosk.queued_ids()
    kiosk.sync_once()

    assert receiver.stored_ids() == sorted(sealed_to_old_key + sealed_to_new_key)
    assert f"{2 * FAULT_RESPONSES} responses" in receiver.command("stats")
    assert kiosk.queued() == []


def flip_a_byte(answer: Answer) -> Answer:
    wire = answer.json()
    raw = bytearray(base64.b64decode(wire["bundle"]))
    raw[len(raw) // 2] ^= 0x01
    return answer.with_body(json.dumps({**wire, "bundle": base64.b64encode(raw).decode()}).encode())


def drop_the_signature(answer: Answer) -> Answer:
    return answer.with_body(json.dumps({**answer.json(), "signature": ""}).encode())


def sign_with_another_key(receiver: Receiver, proxy: FaultProxy) -> None:
    """The provider's signing key replaced by one the kiosk never pinned, and a bundle published with it."""
    (receiver.data_dir / "signing-key.pem").rename(receiver.data_dir / "pinned-signing-key.pem")
    receiver.command("signing-key", "generate")


REFUSED_BUNDLES = {
    "a tampered byte": (lambda receiver, proxy: proxy.on(BUNDLE, change_answer(flip_a_byte)), "does not verify"),
    "unsigned": (lambda receiver, proxy: proxy.on(BUNDLE, change_answer(drop_the_signature)), "does not verify"),
    "a wrong signer": (sign_with_another_key, "does not verify"),
}


def offer_version_3(answer: Answer) -> Answer:
    return answer.with_body(json.dumps({**answer.json(), "bundle_version": 3}).encode())


@pytest.mark.parametrize("spoil, reason", REFUSED_BUNDLES.values(), ids=REFUSED_BUNDLES.keys())
def test_a_bundle_that_is_not_the_providers_is_refused(receiver, proxy, kiosk, spoil, reason):
    kiosk.simulate(1)
    spoil(receiver, proxy)
    receiver.publish()

    refused = kiosk.sync_once(check=False)

    assert refused.returncode == 1
    assert "bundle 1 refused" in refused.stdout
    status = kiosk.status()
    assert reason in status["bundle_refused"]
    assert (status["bundle_version"], status["pending_bundle_version"]) == (None, None)
    assert status["queue_depth"] == 0  # the envelopes went before the bundle
    kiosk.simulate(1)
    assert kiosk.status()["bundle_version"] is None  # nothing was applied


def test_a_published_bundle_is_applied_between_visits_and_never_rolled_back(receiver, proxy, kiosk):
    receiver.publish()
    assert "Bundle 1 downloaded and verified" in kiosk.sync_once().stdout
    status = kiosk.status()
    assert (status["bundle_version"], status["pending_bundle_version"]) == (None, 1)  # waits for the welcome screen
    kiosk.simulate(1)
    assert kiosk.status()["bundle_version"] == 1
    [first_bundle] = [exchange.answer for exchange in proxy.seen(BUNDLE, "GET")]
    receiver.publish()
    kiosk.sync_once()
    kiosk.simulate(1)
    assert kiosk.status()["bundle_version"] == 2

    # Someone in the way offers a newer bundle and sends the provider's old one, signed and all.
    proxy.on(HEARTBEAT, change_answer(offer_version_3))
    proxy.on(BUNDLE, answer_with(first_bundle))
    refused = kiosk.sync_once(check=False)

    assert "bundle 3 refused" in refused.stdout
    status = kiosk.status()
    assert "version 1 is not newer than 2 (no rollback)" in status["bundle_refused"]
    assert (status["bundle_version"], status["pending_bundle_version"]) == (2, None)
