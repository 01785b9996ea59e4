"""The recorder: every record is sealed before it is stored, and a refusing disk is survived."""

from __future__ import annotations

import errno
import json
import os

import pytest

from commands.kiosk import main
from kiosk.health import HEALTH_FILE, SIZE, Health, read_health, write_health
from kiosk.outbox import Outbox
from kiosk.recorder import Recorder, RecordingFailed
from kiosk.visit import Visit, VisitRules
from kiosk.status import read_status
from kiosk.survey import load_survey
from sync.wire.records import Record

SECRET_TEXT = "Lääkäri Virtanen oli töykeä"


def visit_records(config) -> list[Record]:
    visit = Visit(load_survey(), VisitRules.from_config(config))
    visit.start()
    for answer in (2, "waiting", SECRET_TEXT):
        visit.answer(answer)
    visit.skip()
    return visit.end()


@pytest.fixture
def recorder(config):
    recorder = Recorder(config)
    config.data_dir.mkdir()
    recorder.prepare()
    yield recorder
    recorder.close()


def files_under(folder) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_records_are_sealed_and_stored(recorder, config, opened):
    records = visit_records(config) + visit_records(config)
    recorder.record(records)
    assert opened(config) == [record.to_wire() for record in records]
    assert b"Virtanen" not in files_under(config.data_dir)
    assert recorder.unsaved == 0


def test_nothing_to_record_is_not_a_response(recorder, config, opened):
    recorder.record([])
    assert opened(config) == []


def refuse_writes(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_keeps_sealed_envelopes_in_memory_reports_it_and_saves_them_later(
        recorder, config, opened, monkeypatch, capsys):
    records = visit_records(config)
    with monkeypatch.context() as disk_full:
        disk_full.setattr(Outbox, "append", refuse_writes)
        with pytest.raises(RecordingFailed, match="No space left on device"):
            recorder.record(records)
        assert recorder.unsaved == 1
        kept = json.dumps(recorder._unsaved, ensure_ascii=False)
        assert "Virtanen" not in kept and "waiting" not in kept  # sealed, not plaintext

        status = read_status(config.data_dir)
        assert "No space left on device" in status["last_write_error"]
        assert status["unsaved_in_memory"] == 1
        assert main(["status", "--data-dir", str(config.data_dir)]) == 0
        shown = capsys.readouterr().out
        assert "Last write error:     No space left on device (1 waiting in memory)" in shown
        assert "Not yet on disk:      1" in shown
        assert main(["status", "--json", "--data-dir", str(config.data_dir)]) == 0
        assert json.loads(capsys.readouterr().out)["last_write_error"].startswith("No space left on device")

        assert recorder.retry() is False  # still full
        assert recorder.unsaved == 1

    assert recorder.retry() is True
    assert recorder.unsaved == 0
    assert opened(config) == [record.to_wire() for record in records]
    status = read_status(config.data_dir)
    assert (status["last_write_error"], status["unsaved_in_memory"]) == (None, 0)
    assert main(["status", "--data-dir", str(config.data_dir)]) == 0
    assert "Last write error:     none" in capsys.readouterr().out


def test_a_refused_rename_is_survived_too(recorder, config, opened, monkeypatch):
    records = visit_records(config)
    with monkeypatch.context() as disk_full:
        disk_full.setattr(os, "replace", refuse_writes)  # the outbox's atomic write, one level down
        with pytest.raises(RecordingFailed):
            recorder.record(records)
    recorder.record(visit_records(config))  # the next visit saves the waiting one first
    assert len(opened(config)) == 2
    assert opened(config)[0] == records[0].to_wire()


def test_the_health_file_keeps_its_size_so_a_full_disk_can_still_be_reported(tmp_path):
    write_health(tmp_path, Health(pid=42, updated=1000.0, unsaved=3, last_write_error="x" * 5000,
                                  last_write_error_at=1000.0))
    assert (tmp_path / HEALTH_FILE).stat().st_size == SIZE
    long_report = read_health(tmp_path)
    assert long_report.unsaved == 3
    assert long_report.last_write_error == "x" * 200

    write_health(tmp_path, Health(pid=42, updated=1001.0))  # over the longer report, in place
    assert (tmp_path / HEALTH_FILE).stat().st_size == SIZE
    assert read_health(tmp_path) == Health(pid=42, updated=1001.0)


def test_no_health_file_or_a_damaged_one_reads_as_no_report(tmp_path):
    assert read_health(tmp_path) is None
    (tmp_path / HEALTH_FILE).write_text('{"pid": 42, "upd')
    assert read_health(tmp_path) is None
