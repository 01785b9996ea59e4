"""Kill a writing process with SIGKILL at random moments, many times, and check after
each kill that the outbox opens and holds every envelope whose append() had returned.

This test takes ~15-25 s: it is the issue's acceptance test for power loss (SIGKILL
loses what a power cut loses above the file system: everything not yet written).
"""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.outbox import Outbox
from kiosk.storage import stale_temp_files

ROUNDS = 50
FIRST_SEED = 20240601
SEGMENT_SIZE = 4  # small, so that segments fill, roll over and empty often
LONGEST_RUN = 0.15  # seconds between the writer saying "ready" and the kill
WRITER = Path(__file__).with_name("outbox_writer.py")
REPOSITORY = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("outbox_writer", WRITER)
assert _spec is not None and _spec.loader is not None
outbox_writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(outbox_writer)


@dataclass
class WriterReport:
    """What the killed writer said had returned."""
    appended: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    maybe_removed: set[str] = field(default_factory=set)  # remove() had not returned

    @classmethod
    def parse(cls, output: str) -> WriterReport:
        report = cls()
        for line in output.splitlines(keepends=True):
            if not line.endswith("\n"):  # cut off by the kill
                break
            word, *ids = line.split()
            if word == "appended":
                report.appended.update(ids)
            elif word == "removing":
                report.maybe_removed = set(ids)
            elif word == "removed":
                report.removed |= report.maybe_removed
                report.maybe_removed = set()
        return report


def run_and_kill(directory: Path, seed: int, output: Path) -> str:
    """Start a writer, let it work for a random moment, SIGKILL it; returns its stdout."""
    delay = random.Random(seed).uniform(0, LONGEST_RUN)
    with output.open("w") as stdout:
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(directory), str(SEGMENT_SIZE), str(seed)],
            stdout=stdout, stderr=subprocess.PIPE, cwd=REPOSITORY,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
        try:
            wait_until_ready(writer, output)
            time.sleep(delay)
        finally:
            writer.send_signal(signal.SIGKILL)
            _, errors = writer.communicate(timeout=10)
    assert writer.returncode == -signal.SIGKILL, f"the writer failed:\n{errors.decode()}"
    return output.read_text()


def wait_until_ready(writer: subprocess.Popen, output: Path) -> None:
    deadline = time.monotonic() + 20
    while not output.read_text().startswith("ready\n"):
        assert writer.poll() is None, "the writer stopped before it was ready"
        assert time.monotonic() < deadline, "the writer did not get ready in 20 s"
        time.sleep(0.005)


def test_every_returned_append_survives_sigkill(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    stored: set[str] = set()  # what the outbox held after the previous round
    for round_number in range(ROUNDS):
        seed = FIRST_SEED + round_number
        output = run_and_kill(directory, seed, tmp_path / f"writer-{round_number}.txt")
        stored = check_after_kill(directory, stored, WriterReport.parse(output),
                                  where=f"round {round_number} (seed {seed})")
    assert len(stored) > 100, "the writer hardly wrote: the test tested little"


def check_after_kill(directory: Path, stored_before: set[str], report: WriterReport,
                     where: str) -> set[str]:
    with Outbox(directory, segment_size=SEGMENT_SIZE) as outbox:
        envelopes = outbox.oldest(len(outbox) + 1)
    found = [envelope["id"] for envelope in envelopes]
    found_set = set(found)

    assert len(found_set) == len(found), f"{where}: an envelope is there twice"
    must_be_there = (stored_before | report.appended) - report.removed - report.maybe_removed
    missing = must_be_there - found_set
    assert not missing, f"{where}: lost {len(missing)} envelopes, e.g. {min(missing)}"
    came_back = report.removed & found_set
    assert not came_back, f"{where}: removed envelopes came back, e.g. {min(came_back)}"
    # Only the append that the kill interrupted may be there unannounced.
    unannounced = found_set - stored_before - report.appended
    assert len(unannounced) <= 1, f"{where}: unknown envelopes {sorted(unannounced)}"
    damaged = [envelope["id"] for envelope in envelopes
               if envelope != outbox_writer.envelope_for(envelope["id"])]
    assert not damaged, f"{where}: envelopes changed, e.g. {damaged[0]}"
    assert not (directory / "corrupt").exists(), f"{where}: a segment was damaged"
    assert not stale_temp_files(directory), f"{where}: temp files were left after opening"
    return found_set
