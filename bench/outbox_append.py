"""How long an outbox append takes (submit to durable), with many envelopes pending.

    python -m bench.outbox_append [--segment-sizes 64,128,256] [--pending 0,10000,100000]
                                  [--samples 512] [--dir FOLDER]

Targets (issue): append p95 <= 10 ms, and p95 with 100,000 pending <= 1.5 x p95 with
none (column p95/first: p95 over that of the first --pending value). Run it with --dir
on the device's own storage: fsync costs depend on the disk. --samples should be a
multiple of the segment sizes, so that each run goes through whole segments.

The backlog is written directly as full segments (one tinydb write per segment), which
is what 100,000 appends would leave behind, in seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinydb import TinyDB

from kiosk.outbox import DEFAULT_SEGMENT_SIZE, Outbox, document_for, segment_path
from kiosk.storage import AtomicJSONStorage

CIPHERTEXT_BYTES = 1536  # 2,048 characters of base64: a typical sealed answer set


def make_envelope() -> dict:
    return {"id": str(uuid.uuid4()),
            "ct": base64.b64encode(os.urandom(CIPHERTEXT_BYTES)).decode()}


def fill(directory: Path, pending: int, segment_size: int,
         make: Callable[[], dict] = make_envelope) -> None:
    """Leave `pending` envelopes, each from `make`, in `directory` as an outbox would, in full segments."""
    Outbox(directory, segment_size=segment_size).close()  # the folder and format.json
    queued_at = time.time()
    for number, start in enumerate(range(0, pending, segment_size), start=1):
        count = min(segment_size, pending - start)
        segment = TinyDB(segment_path(directory, number), storage=AtomicJSONStorage)
        segment.insert_multiple(document_for(make(), queued_at) for _ in range(count))


@dataclass
class Measurement:
    opening: float  # seconds to open the outbox: it reads every segment once
    appends: list[float]  # seconds each append took


def measure_append(pending: int, samples: int, segment_size: int,
                   folder: Path | None = None) -> list[float]:
    """Seconds each of `samples` appends took, with `pending` envelopes already queued."""
    return _measure(pending, samples, segment_size, folder).appends


def measure_open(pending: int, segment_size: int, folder: Path | None = None) -> float:
    """Seconds to open an outbox with `pending` envelopes queued (warm page cache)."""
    return _measure(pending, 0, segment_size, folder).opening


def _measure(pending: int, samples: int, segment_size: int, folder: Path | None) -> Measurement:
    envelopes = [make_envelope() for _ in range(samples)]
    with tempfile.TemporaryDirectory(dir=folder) as temp:
        directory = Path(temp) / "outbox"
        fill(directory, pending, segment_size)
        os.sync()  # else writing back the backlog slows the fsyncs being measured
        start = time.perf_counter()
        with Outbox(directory, segment_size=segment_size) as outbox:
            opening = time.perf_counter() - start
            return Measurement(opening, [_timed(lambda envelope=envelope: outbox.append(envelope))
                                         for envelope in envelopes])


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


@dataclass
class Row:
    """The medians over repeated runs of one segment size and backlog: a run's p95 can
    double when the disk is busy with something else, which one run cannot tell."""
    p50: float
    p95: float
    worst: float
    opening: float

    @classmethod
    def of(cls, runs: list[Measurement]) -> Row:
        return cls(statistics.median(_percentile(run.appends, 50) for run in runs),
                   statistics.median(_percentile(run.appends, 95) for run in runs),
                   statistics.median(max(run.appends) for run in runs),
                   statistics.median(run.opening for run in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segment-sizes", default=f"64,128,256,{DEFAULT_SEGMENT_SIZE}")
    parser.add_argument("--pending", default="0,10000,100000")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where to make the outboxes (default: temp)")
    arguments = parser.parse_args()
    segment_sizes = sorted({int(size) for size in arguments.segment_sizes.split(",")})
    backlogs = [int(pending) for pending in arguments.pending.split(",")]

    print(f"median of {arguments.repeats} runs of {arguments.samples} appends")
    print(f"{'segment':>7} {'pending':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'p95/first':>9} {'open s':>7}")
    for segment_size in segment_sizes:
        runs: dict[int, list[Measurement]] = {pending: [] for pending in backlogs}
        for _ in range(arguments.repeats):  # interleaved, so that a busy spell hits all
            for pending in backlogs:
                runs[pending].append(
                    _measure(pending, arguments.samples, segment_size, arguments.dir))
        rows = {pending: Row.of(runs[pending]) for pending in backlogs}
        first_p95 = rows[backlogs[0]].p95
        for pending, row in rows.items():
            print(f"{segment_size:>7} {pending:>8} {row.p50 * 1e3:>7.2f} {row.p95 * 1e3:>7.2f} "
                  f"{row.worst * 1e3:>7.2f} {row.p95 / first_p95:>9.2f} {row.opening:>7.2f}",
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
