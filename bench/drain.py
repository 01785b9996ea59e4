"""Drain: a kiosk's outbox of 20,000 sealed envelopes emptied into the receiver (SQLite) on loopback.

    python -m bench.drain [--count 20000] [--dir FOLDER]

The receiver runs as its own process (`python -m commands.receiver serve`, plain HTTP on a free
loopback port, SQLite in its data folder). A kiosk is registered and enrols with it as
`kiosk enroll` does; its outbox is then filled with real envelopes: a realistic response
(`bench.submit.response_record`) sealed with `kiosk.sealing.seal` to the enrolled key, each
with a new id, written as full segments by `bench.outbox_append.fill` (20,000 appends
through `Outbox`, an fsync each, would take half a minute and measure nothing of the drain).

A kiosk process of its own (`python -m bench.drain --kiosk DATA_DIR`, so that its RSS is
its own) opens the outbox and makes the `Uploader`, then times one `Uploader.run_once()`:
read, send, (receiver) open, check, store, answer, delete, until the outbox is empty, then
the heartbeat. Its peak RSS is VmHWM, reset (/proc/self/clear_refs) just before the round,
less VmRSS just then. Afterwards the bench counts the rows in the receiver's database.

Targets (issue 3): at least 2,000 envelopes a second; the kiosk's peak RSS at most 20 MiB
above its RSS before the drain. The receiver's `requests_per_minute` is raised to its
maximum here: the default 60 would make a 100-batch drain wait for the limiter.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bench.outbox_append import fill
from bench.submit import response_record
from kiosk.config import KioskConfig
from kiosk.outbox import DEFAULT_SEGMENT_SIZE
from sync.wire.protocol import CLOCK_SYNCED, HEALTH
from provider.config import ReceiverConfig, load_config

if TYPE_CHECKING:
    from provider.store import Store

# The kiosk process (--kiosk) runs this module too, and its RSS should be a kiosk's: what only
# the receiver's side needs is imported where it is used.

REPO = Path(__file__).resolve().parents[1]
COUNT = 20_000
RATE_TARGET = 2_000  # envelopes a second, end to end
RSS_RISE_TARGET_KIB = 20 * 1024
REQUESTS_PER_MINUTE = 100_000  # the most the receiver's config allows
STARTUP_SECONDS = 60
STOP_SECONDS = 30
READY, GO = "ready", "go"  # the kiosk processes' start line: all begin sending together


@dataclass(frozen=True)
class Drained:
    """One kiosk process's sync round."""

    envelopes: int  # in the outbox before the round
    stored: int  # answered `stored`
    left: int | None  # in the outbox after
    error: str | None
    started: float  # time.monotonic() as the round began: the same clock in every process
    seconds: float  # the round: every batch, then the heartbeat
    rss_before_kib: int  # VmRSS just before the round
    peak_kib: int  # VmHWM at its end, the peak having been reset just before it

    @property
    def finished(self) -> float:
        return self.started + self.seconds

    @property
    def rate(self) -> float:
        return self.stored / self.seconds

    @property
    def rss_rise_kib(self) -> int:
        return self.peak_kib - self.rss_before_kib


@dataclass(frozen=True)
class Drain:
    drained: Drained
    receiver_stored: int  # rows in the receiver's database afterwards


# -- the receiver, as a process of its own -------------------------------------------------


@dataclass(frozen=True)
class Receiver:
    config: ReceiverConfig
    url: str

    def add_kiosk(self, kiosk_id: str) -> str:
        """Register a kiosk (as `kiosk-receiver kiosks add` does); returns its token."""
        from provider.auth import new_token, token_sha256

        token = new_token()
        with self._store() as store:
            if not store.add_kiosk(kiosk_id, "bench", token_sha256(token), None, datetime.now(timezone.utc)):
                raise RuntimeError(f"kiosk {kiosk_id} exists already")
        return token

    def stored(self) -> int:
        """Responses and reply requests in the database."""
        with self._store() as store:
            stats = store.stats()
        return stats.responses + stats.reply_requests

    @contextmanager
    def _store(self) -> Iterator[Store]:
        from provider.store import open_store

        store = open_store(self.config.database)
        try:
            yield store
        finally:
            store.close()


@contextmanager
def running_receiver(folder: Path, database: str | None = None) -> Iterator[Receiver]:
    """A receiver with keys of its own in `folder`, serving plain HTTP on a free loopback port,
    on `database` (default: SQLite in `folder`); stopped with SIGTERM afterwards."""
    config = _receiver_config(folder, database)
    url = f"http://{config.host}:{config.port}"
    log_path = folder / "receiver.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "commands.receiver", "serve", "--config", str(config.source)],
                                   cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_health(process, url, log_path)
        yield Receiver(config, url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _receiver_config(folder: Path, database: str | None) -> ReceiverConfig:
    from provider.signing import generate_signing_key
    from provider.keyring import generate_pair

    folder.mkdir(mode=0o700, parents=True)
    generate_pair(folder / "keys")
    generate_signing_key(folder / "signing-key.pem")
    path = folder / "receiver.toml"
    path.write_text(f"[receiver]\nlisten = \"127.0.0.1:{_free_port()}\"\ndata_dir = \".\"\n"
                    f"requests_per_minute = {REQUESTS_PER_MINUTE}\n"
                    + (f"database = '{database}'\n" if database else "")
                    + "[tls]\nallow_plain_http = true\n", encoding="utf-8")
    return load_config(path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_health(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{url}{HEALTH}", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the receiver did not start: {log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


# -- kiosks ---------------------------------------------------------------------------------


def enrolled_kiosk(receiver: Receiver, data_dir: Path, kiosk_id: str) -> KioskConfig:
    """A kiosk registered with the receiver and enrolled with it, in `data_dir`."""
    from kiosk.config import enrolled_config
    from kiosk.enrolment import write_enrolment
    from sync.uploader.enrol import enrol

    enrolment = enrol(receiver.url, receiver.add_kiosk(kiosk_id), allow_insecure_http=True)
    data_dir.mkdir(mode=0o700, parents=True)
    write_enrolment(data_dir, enrolment)
    return enrolled_config(data_dir)


def fill_sealed(config: KioskConfig, count: int) -> None:
    """Leave `count` envelopes in the kiosk's outbox: realistic responses, each sealed to its key."""
    from kiosk.keyfiles import load_public_key
    from kiosk.sealing import seal
    from kiosk.survey import load_survey
    from kiosk.visit import VisitRules

    survey, key = load_survey(None), load_public_key(config.public_key)
    rules, extra = VisitRules.from_config(config), {"clock": CLOCK_SYNCED}
    fill(config.outbox_dir, count, DEFAULT_SEGMENT_SIZE,
         lambda: seal(response_record(survey, rules).to_wire(), key, kiosk_id=config.kiosk_id, extra=extra))


def drain_at_once(kiosks: list[KioskConfig]) -> list[Drained]:
    """Each kiosk's outbox drained by a kiosk process of its own; they start sending together,
    once every one has opened its outbox."""
    os.sync()  # else writing back the filled outboxes competes with the drain
    with ExitStack() as stack:  # on leaving: kill those still running, then close their pipes
        workers = [stack.enter_context(subprocess.Popen(
            [sys.executable, "-m", "bench.drain", "--kiosk", str(config.data_dir)], cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)) for config in kiosks]
        stack.callback(_kill_running, workers)
        for worker in workers:
            if _line_from(worker) != READY:
                raise RuntimeError(f"kiosk process {worker.args} did not get ready")
        for worker in workers:
            worker.stdin.write(f"{GO}\n")
            worker.stdin.flush()
        return [Drained(**json.loads(_line_from(worker))) for worker in workers]


def _kill_running(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.kill()


def _line_from(worker: subprocess.Popen) -> str:
    line = worker.stdout.readline()
    if not line:
        raise RuntimeError(f"kiosk process {worker.args} ended (exit status {worker.wait()}); see its errors above")
    return line.strip()


def _drain_here(data_dir: Path) -> None:
    """The kiosk process: open the outbox, say READY, wait for GO, then one timed sync round."""
    from kiosk.config import enrolled_config
    from kiosk.outbox import Outbox
    from sync.uploader.uploader import Uploader

    config = enrolled_config(data_dir)
    with Outbox(config.outbox_dir) as outbox:
        envelopes = len(outbox)
        uploader = Uploader(config, outbox)
        try:
            print(READY, flush=True)
            if sys.stdin.readline().strip() != GO:
                return  # the bench gave up
            gc.collect()
            rss_before = _status_kib("VmRSS")
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS: the peak from now on
            started = time.monotonic()
            report = uploader.run_once()
            seconds = time.monotonic() - started
            peak = _status_kib("VmHWM")
        finally:
            uploader.close()
    drained = Drained(envelopes, report.stored, report.left, report.error, started, seconds, rss_before, peak)
    print(json.dumps(asdict(drained)), flush=True)


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/self/status")


# -- the benchmark --------------------------------------------------------------------------


def measure(count: int = COUNT, folder: Path | None = None) -> Drain:
    """Drain `count` sealed envelopes from one kiosk into a receiver on SQLite."""
    with tempfile.TemporaryDirectory(prefix="bench-drain-", dir=folder) as temp:
        root = Path(temp)
        with running_receiver(root / "receiver") as receiver:
            kiosk = enrolled_kiosk(receiver, root / "kiosk", "drain-1")
            fill_sealed(kiosk, count)
            [drained] = drain_at_once([kiosk])
            return Drain(drained, receiver.stored())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help=f"envelopes to drain (default {COUNT:,})")
    parser.add_argument("--dir", type=Path, help="where to make the outbox and the receiver's data (default: temp)")
    parser.add_argument("--kiosk", type=Path, metavar="DATA_DIR", help=argparse.SUPPRESS)  # the kiosk process
    options = parser.parse_args()
    if options.kiosk:
        _drain_here(options.kiosk)
        return
    result = measure(options.count, options.dir)
    drained = result.drained
    print(f"{drained.envelopes:,} envelopes in {drained.seconds:.1f} s: {drained.rate:,.0f}/s "
          f"(target ≥ {RATE_TARGET:,}/s); error: {drained.error or 'none'}, left in the outbox: {drained.left}")
    print(f"Kiosk RSS {drained.rss_before_kib / 1024:.1f} MiB before the drain, peak "
          f"+{drained.rss_rise_kib / 1024:.1f} MiB during it (target ≤ {RSS_RISE_TARGET_KIB // 1024} MiB)")
    print(f"The receiver stored {result.receiver_stored:,} of {drained.envelopes:,}")


if __name__ == "__main__":
    main()
