"""Submit to durable: how long `Recorder.record([response])` takes (seal, then durable append),
with 0, 10,000 and 100,000 envelopes already pending.

This is what a client waits for between the last tap and the thank-you screen. Each level
has its own outbox, filled with `bench.outbox_append.fill`, in a real folder (the fsyncs are
the cost, so the file system matters: `describe_disk` says which it was). The levels take
turns sample by sample, so a busy spell of the disk hits all of them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.outbox_append import _percentile, _timed, fill
from kiosk.config import KioskConfig
from kiosk.outbox import DEFAULT_SEGMENT_SIZE
from kiosk.recorder import Recorder
from kiosk.visit import Visit, VisitRules
from kiosk.survey import Survey, load_survey
from sync.wire.records import Record

PENDING = (0, 10_000, 100_000)
SAMPLES = 5 * DEFAULT_SEGMENT_SIZE  # at least 300, and whole segments
P95_TARGET = 0.010  # seconds
GROWTH_TARGET = 1.5  # p95 with the most pending over p95 with none
# A client's free text of 200 characters, with no personal data to redact.
FREE_TEXT = ("Jonotin puoli tuntia, mutta hoitaja oli ystävällinen ja selitti kaiken selkeästi. "
             "Odotustilassa oli kylmä ja istumapaikkoja liian vähän. Ajanvaraus puhelimitse "
             "kesti kauan, ja jonotin monesti turhaan.")


@dataclass(frozen=True)
class Level:
    pending: int
    seconds: list[float]  # one per record() call

    @property
    def p50(self) -> float:
        return _percentile(self.seconds, 50)

    @property
    def p95(self) -> float:
        return _percentile(self.seconds, 95)


def response_record(survey: Survey, rules: VisitRules = VisitRules("bench", "bench")) -> Record:
    """A realistic response: the headline, a topic, 200 characters of free text, finish."""
    visit = Visit(survey, rules)
    visit.start()
    visit.answer(4)  # "Hyvä": the went-well branch
    visit.answer("waiting")
    visit.answer(FREE_TEXT)
    [response] = visit.end()
    return response


def measure(pending: tuple[int, ...] = PENDING, samples: int = SAMPLES, folder: Path | None = None) -> list[Level]:
    """Seconds each of `samples` record() calls took, for each backlog in `pending`."""
    from kiosk.keyfiles import generate_key_pair

    survey = load_survey(None)
    with tempfile.TemporaryDirectory(prefix="bench-submit-", dir=folder) as temp, contextlib.ExitStack() as stack:
        root = Path(temp)
        _, public_key = generate_key_pair(root / "keys")
        recorders = {}
        for backlog in pending:
            config = KioskConfig(kiosk_id="bench", unit_id="bench", data_dir=root / f"pending-{backlog}",
                                 public_key=public_key)
            fill(config.outbox_dir, backlog, DEFAULT_SEGMENT_SIZE)
            recorders[backlog] = Recorder(config)
            stack.callback(recorders[backlog].close)
        os.sync()  # else writing back the backlog slows the fsyncs being measured
        for recorder in recorders.values():
            recorder.prepare()
        timings: dict[int, list[float]] = {backlog: [] for backlog in pending}
        for _ in range(samples):
            for backlog, recorder in recorders.items():
                records = [response_record(survey)]
                timings[backlog].append(_timed(lambda: recorder.record(records)))
        return [Level(backlog, seconds) for backlog, seconds in timings.items()]


def describe_disk(path: Path) -> str:
    """The file system and device holding `path`, e.g. "ext4 on /dev/vda"."""
    resolved = str(path.resolve())
    best = ("", "?", "?")
    for line in Path("/proc/self/mounts").read_text().splitlines():
        device, mount_point, fs_type = line.split()[:3]
        mount_point = mount_point.replace("\\040", " ")
        inside = resolved == mount_point or resolved.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best[0]):
            best = (mount_point, device, fs_type)
    _, device, fs_type = best
    return f"{fs_type} on {device}"
