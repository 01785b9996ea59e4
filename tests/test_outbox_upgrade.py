"""An upgraded kiosk keeps the queue its previous version wrote: the outbox migrates it.

The real outbox is format 1, so these tests make a "next version" whose format 2 adds a
field to every stored document, and open with it a queue written by today's code.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import kiosk.outbox
from kiosk.outbox import Outbox, OutboxError
from tests.test_outbox import SEGMENT_SIZE, filled, segment_files


def add_delivery_attempts(document: dict) -> dict:
    """Format 1 -> 2 of the pretend next version: documents count their delivery attempts."""
    return {"attempts": 0, **document}


@pytest.fixture
def next_version(monkeypatch):
    monkeypatch.setattr(Outbox, "FORMAT", 2)
    monkeypatch.setitem(kiosk.outbox.MIGRATIONS, 1, add_delivery_attempts)


@pytest.fixture
def previous_queue(tmp_path) -> tuple[Path, list[dict]]:
    """A queue of 7 envelopes in three segments, written by this version (format 1)."""
    directory = tmp_path / "outbox"
    outbox, envelopes = filled(directory, 7)
    outbox.close()
    return directory, envelopes


def stored_documents(directory: Path) -> list[dict]:
    return [document for name in segment_files(directory)
            for document in json.loads((directory / name).read_text())["_default"].values()]


def test_the_next_version_upgrades_the_queue_and_keeps_every_envelope(previous_queue, next_version, caplog):
    directory, envelopes = previous_queue
    with caplog.at_level(logging.INFO, logger="kiosk.outbox"):
        with Outbox(directory, segment_size=SEGMENT_SIZE) as outbox:
            assert outbox.oldest(100) == envelopes
    assert json.loads((directory / "format.json").read_text()) == {"format": 2}
    assert [document["attempts"] for document in stored_documents(directory)] == [0] * 7
    assert "from format 1 to 2 (3 segments)" in caplog.text
    assert not (directory / "corrupt").exists()


def test_kiosk_status_waits_for_the_kiosk_to_upgrade(previous_queue, next_version):
    directory, _ = previous_queue
    with pytest.raises(OutboxError, match="upgraded when the kiosk starts"):
        Outbox(directory, readonly=True)
    assert json.loads((directory / "format.json").read_text()) == {"format": 1}


def test_an_upgrade_cut_short_is_finished_at_the_next_start(previous_queue, next_version, monkeypatch):
    directory, envelopes = previous_queue
    real_write = kiosk.outbox.write_atomically
    writes = []

    def power_cut_after_one_segment(path: Path, text: str) -> None:
        writes.append(path.name)
        if len(writes) > 1:
            raise OSError("power cut")
        real_write(path, text)

    monkeypatch.setattr(kiosk.outbox, "write_atomically", power_cut_after_one_segment)
    with pytest.raises(OSError):
        Outbox(directory, segment_size=SEGMENT_SIZE)
    assert json.loads((directory / "format.json").read_text()) == {"format": 1}  # not committed

    monkeypatch.setattr(kiosk.outbox, "write_atomically", real_write)
    with Outbox(directory, segment_size=SEGMENT_SIZE) as outbox:
        assert outbox.oldest(100) == envelopes
    assert [document["attempts"] for document in stored_documents(directory)] == [0] * 7
    assert json.loads((directory / "format.json").read_text()) == {"format": 2}


def test_a_segment_that_cannot_be_upgraded_is_moved_aside(previous_queue, next_version):
    directory, envelopes = previous_queue
    (directory / "seg-00000002.json").write_text('{"_default": {"1": ')
    with Outbox(directory, segment_size=SEGMENT_SIZE) as outbox:
        assert outbox.oldest(100) == envelopes[:3] + envelopes[6:]
    assert (directory / "corrupt" / "seg-00000002.json").exists()


def test_a_format_without_a_way_up_is_refused(previous_queue, monkeypatch):
    directory, _ = previous_queue
    monkeypatch.setattr(Outbox, "FORMAT", 3)
    monkeypatch.setitem(kiosk.outbox.MIGRATIONS, 2, add_delivery_attempts)  # but none from 1 to 2
    with pytest.raises(OutboxError, match="unknown outbox format 1"):
        Outbox(directory)
