from __future__ import annotations

import base64
import errno
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

import pytest

import kiosk.storage
from kiosk.outbox import Outbox, OutboxError

SEGMENT_SIZE = 3


def make_envelope() -> dict:
    return {"id": str(uuid.uuid4()), "ct": base64.b64encode(os.urandom(48)).decode(),
            "meta": {"survey": "waiting-room", "answers": [1, 2]}}


def ids(envelopes: list[dict]) -> list[str]:
    return [envelope["id"] for envelope in envelopes]


def segment_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.glob("seg-*.json"))


def all_files(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


def filled(directory: Path, count: int) -> tuple[Outbox, list[dict]]:
    outbox = Outbox(directory, segment_size=SEGMENT_SIZE)
    envelopes = [make_envelope() for _ in range(count)]
    for envelope in envelopes:
        outbox.append(envelope)
    return outbox, envelopes


def fail_with_enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_envelopes_come_out_oldest_first_across_segments(directory: Path) -> None:
    outbox, envelopes = filled(directory, 8)
    assert len(outbox) == 8
    assert segment_files(directory) == ["seg-00000001.json", "seg-00000002.json",
                                        "seg-00000003.json"]
    assert outbox.oldest(5) == envelopes[:5]
    assert outbox.oldest(100) == envelopes

    assert outbox.remove([*ids(envelopes[1:5]), "not-an-envelope"]) == 4
    assert len(outbox) == 4
    assert outbox.oldest(100) == [envelopes[0], *envelopes[5:]]
    outbox.close()


def test_the_folder_and_files_are_private(directory: Path) -> None:
    outbox, _ = filled(directory, 1)
    outbox.close()
    assert directory.stat().st_mode & 0o777 == 0o700
    for path in directory.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_envelopes_survive_reopening(directory: Path) -> None:
    outbox, envelopes = filled(directory, 7)
    outbox.remove(ids(envelopes[:2]))
    outbox.close()

    with Outbox(directory, segment_size=SEGMENT_SIZE) as reopened:
        assert len(reopened) == 5
        assert reopened.oldest(100) == envelopes[2:]
        newer = make_envelope()
        reopened.append(newer)
    with Outbox(directory, segment_size=SEGMENT_SIZE) as reopened:
        assert reopened.oldest(100) == [*envelopes[2:], newer]


def test_a_returned_envelope_is_a_copy(directory: Path) -> None:
    outbox, envelopes = filled(directory, 1)
    outbox.oldest(1)[0]["meta"]["answers"].append(3)
    envelopes[0]["meta"]["survey"] = "changed by the caller"
    assert outbox.oldest(1)[0]["meta"] == {"survey": "waiting-room", "answers": [1, 2]}
    outbox.close()


def test_an_emptied_segment_file_is_deleted(directory: Path) -> None:
    outbox, envelopes = filled(directory, 7)
    outbox.remove(ids(envelopes[:3]))
    assert segment_files(directory) == ["seg-00000002.json", "seg-00000003.json"]
    outbox.remove(ids(envelopes[3:5]))
    assert segment_files(directory) == ["seg-00000002.json", "seg-00000003.json"]
    outbox.remove(ids(envelopes[5:]))
    assert segment_files(directory) == []
    assert len(outbox) == 0
    outbox.append(make_envelope())
    assert len(segment_files(directory)) == 1
    outbox.close()


def test_the_same_envelope_is_not_queued_twice(directory: Path) -> None:
    outbox, envelopes = filled(directory, 1)
    with pytest.raises(ValueError, match="already in the outbox"):
        outbox.append(dict(envelopes[0]))
    assert len(outbox) == 1
    outbox.close()


def test_oldest_queued_at_is_to_the_minute(directory: Path) -> None:
    with Outbox(directory) as outbox:
        assert outbox.oldest_queued_at() is None
        before = time.time()
        outbox.append(make_envelope())
        queued_at = outbox.oldest_queued_at()
    assert queued_at is not None
    assert queued_at % 60 == 0
    assert before - 60 < queued_at <= time.time()


def test_a_second_writer_is_refused(directory: Path) -> None:
    with Outbox(directory):
        with pytest.raises(OutboxError, match=rf"in use by another process \(pid {os.getpid()}\)"):
            Outbox(directory)
    Outbox(directory).close()  # the lock goes with the first writer


def test_a_reader_works_beside_a_writer(directory: Path) -> None:
    writer, envelopes = filled(directory, 5)
    before = all_files(directory)

    with Outbox(directory, readonly=True) as reader:
        assert len(reader) == 5
        assert reader.oldest(100) == envelopes
        with pytest.raises(OutboxError, match="read-only"):
            reader.append(make_envelope())
        with pytest.raises(OutboxError, match="read-only"):
            reader.remove(ids(envelopes))
        # The writer goes on; the reader skips what has been delivered since it opened.
        writer.remove(ids(envelopes[:4]))
        assert reader.oldest(100) == envelopes[4:]

    assert set(all_files(directory)) <= set(before)
    writer.close()


def test_a_reader_does_not_create_an_outbox(directory: Path) -> None:
    with pytest.raises(OutboxError, match="no outbox"):
        Outbox(directory, readonly=True)
    assert not directory.exists()


def test_a_corrupt_segment_is_moved_aside_and_the_rest_opens(
        directory: Path, caplog: pytest.LogCaptureFixture) -> None:
    outbox, envelopes = filled(directory, 7)
    outbox.close()
    damaged = b'{"_default": {"1": {"envelope": {"id": "4'
    (directory / "seg-00000002.json").write_bytes(damaged)

    with caplog.at_level(logging.ERROR, logger="kiosk.outbox"):
        outbox = Outbox(directory, segment_size=SEGMENT_SIZE)
    assert outbox.oldest(100) == [*envelopes[:3], envelopes[6]]
    assert (directory / "corrupt" / "seg-00000002.json").read_bytes() == damaged
    assert "seg-00000002.json" in caplog.text
    outbox.append(make_envelope())
    assert "seg-00000002.json" not in segment_files(directory)
    outbox.close()


def test_a_reader_leaves_a_corrupt_segment_where_it_is(directory: Path) -> None:
    outbox, envelopes = filled(directory, 4)
    outbox.close()
    (directory / "seg-00000001.json").write_text("[]")
    with Outbox(directory, readonly=True) as reader:
        assert reader.oldest(100) == envelopes[3:]
    assert "seg-00000001.json" in segment_files(directory)


@pytest.mark.parametrize("count_before", [2, 3], ids=["same segment", "new segment"])
def test_a_full_disk_leaves_the_outbox_as_it_was(
        directory: Path, monkeypatch: pytest.MonkeyPatch, count_before: int) -> None:
    outbox, envelopes = filled(directory, count_before)
    files_before = all_files(directory)

    with monkeypatch.context() as patch:
        patch.setattr(kiosk.storage.os, "replace", fail_with_enospc)
        with pytest.raises(OSError) as raised:
            outbox.append(make_envelope())
    assert raised.value.errno == errno.ENOSPC
    assert len(outbox) == count_before
    assert all_files(directory) == files_before  # no temp file left behind

    later = make_envelope()
    outbox.append(later)
    assert outbox.oldest(100) == [*envelopes, later]
    outbox.close()
    with Outbox(directory, segment_size=SEGMENT_SIZE) as reopened:
        assert reopened.oldest(100) == [*envelopes, later]


def test_a_failed_remove_can_be_repeated(
        directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outbox, envelopes = filled(directory, 3)
    with monkeypatch.context() as patch:
        patch.setattr(kiosk.storage.os, "fsync", fail_with_enospc)
        with pytest.raises(OSError):
            outbox.remove(ids(envelopes[:1]))
    assert outbox.oldest(100) == envelopes
    assert outbox.remove(ids(envelopes[:1])) == 1
    assert outbox.oldest(100) == envelopes[1:]
    outbox.close()


def test_after_a_failed_folder_fsync_the_outbox_agrees_with_its_files(
        directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The file was replaced, so the envelope is there even though append raised.
    outbox, envelopes = filled(directory, 1)
    unsure = make_envelope()
    with monkeypatch.context() as patch:
        patch.setattr(kiosk.storage, "fsync_folder", fail_with_enospc)
        with pytest.raises(OSError):
            outbox.append(unsure)
    in_memory = outbox.oldest(100)
    outbox.close()
    with Outbox(directory, segment_size=SEGMENT_SIZE) as reopened:
        assert reopened.oldest(100) == in_memory == [*envelopes, unsure]


def test_stale_temp_files_are_removed_by_a_writer_only(directory: Path) -> None:
    outbox, _ = filled(directory, 1)
    outbox.close()
    stale = directory / ".seg-00000001.json.k2j3h4.tmp"
    stale.write_text('{"_default": {"1": ')

    Outbox(directory, readonly=True).close()
    assert stale.exists()
    Outbox(directory).close()
    assert not stale.exists()


def test_an_outbox_of_a_newer_format_is_refused(directory: Path) -> None:
    Outbox(directory).close()
    assert json.loads((directory / "format.json").read_text()) == {"format": 1}
    (directory / "format.json").write_text('{"format": 2}')
    for readonly in (False, True):
        with pytest.raises(OutboxError, match="newer version"):
            Outbox(directory, readonly=readonly)


def test_appends_and_removes_from_two_threads_agree(directory: Path) -> None:
    outbox = Outbox(directory, segment_size=SEGMENT_SIZE)
    appended = [make_envelope() for _ in range(60)]
    removed: list[str] = []

    def deliver() -> None:
        while len(removed) < 40:
            batch = ids(outbox.oldest(4))
            outbox.remove(batch)
            removed.extend(batch)

    sync = threading.Thread(target=deliver)
    sync.start()
    for envelope in appended:
        outbox.append(envelope)
    sync.join()

    expected = [envelope for envelope in appended if envelope["id"] not in removed]
    assert outbox.oldest(100) == expected
    outbox.close()
    with Outbox(directory, segment_size=SEGMENT_SIZE) as reopened:
        assert reopened.oldest(100) == expected
