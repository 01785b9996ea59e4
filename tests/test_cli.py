"""The `kiosk` command: make keys, open a queue, report status, and refuse mistakes in one line.

`kiosk run` and `kiosk demo` would start the full-screen app: only their error paths are tested.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import kiosk.outbox
from commands.kiosk import main
from kiosk.keynames import PASSPHRASE_ENV
from commands.kiosk import leave_hint
from kiosk.config import demo_config
from kiosk.demo import KEYS_FOLDER, demo_data_dir
from kiosk.export import REPLY_COLUMNS, write_records
from kiosk.guard import Contact
from kiosk.keyfiles import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from kiosk.recorder import Recorder
from kiosk.visit import Visit, VisitRules
from kiosk.survey import load_survey

# (rating, topic, free text, contact) for each visit recorded in the queue
VISITS = [
    (5, "listened", "Kiitos hyvästä palvelusta", Contact("phone", "+358401234567")),
    (2, "waiting", None, None),
    (1, "privacy", "Muut kuulivat kaiken", Contact("email", "asiakas@example.fi")),
]


def record_visits(config, visits=VISITS) -> None:
    """Fill the kiosk's queue the way the app does: a Visit each, through the recorder."""
    survey = load_survey()
    recorder = Recorder(config)
    try:
        for rating, topic, text, contact in visits:
            visit = Visit(survey, VisitRules.from_config(config))
            visit.start()
            visit.answer(rating)
            visit.answer(topic)
            visit.answer(text) if text else visit.skip()
            visit.request_reply(contact) if contact else visit.skip()
            recorder.record(visit.end())
    finally:
        recorder.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- keys generate ---------------------------------------------------------------------------


def test_keys_generate_makes_a_private_key_only_its_owner_can_read(tmp_path, capsys):
    status, out, err = run(capsys, "keys", "generate", "--out", tmp_path / "keys")
    assert (status, err) == (0, "")
    private, public = tmp_path / "keys" / PRIVATE_KEY_FILE, tmp_path / "keys" / PUBLIC_KEY_FILE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "-----BEGIN PUBLIC KEY-----" in public.read_text()
    assert str(private) in out and str(public) in out


def test_keys_generate_refuses_to_overwrite_a_key(tmp_path, capsys):
    run(capsys, "keys", "generate", "--out", tmp_path)
    first = (tmp_path / PRIVATE_KEY_FILE).read_bytes()
    status, out, err = run(capsys, "keys", "generate", "--out", tmp_path)
    assert status == 2
    assert err == f"kiosk: {tmp_path / PRIVATE_KEY_FILE}: already exists: refusing to overwrite a key\n"
    assert (tmp_path / PRIVATE_KEY_FILE).read_bytes() == first


# -- open ------------------------------------------------------------------------------------


def test_open_prints_the_responses_as_json_lines(config, provider_keys, capsys):
    record_visits(config)
    status, out, err = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir)
    assert (status, err) == (0, "")
    responses = [json.loads(line) for line in out.splitlines()]
    assert [response["answers"] for response in responses] == [
        {"visit": 5, "went_well": "listened", "more": "Kiitos hyvästä palvelusta"},
        {"visit": 2, "went_badly": "waiting"},
        {"visit": 1, "went_badly": "privacy", "more": "Muut kuulivat kaiken"},
    ]
    assert all(response["type"] == "response" for response in responses)
    assert "asiakas@example.fi" not in out


def test_open_as_csv_has_a_column_per_question(config, provider_keys, capsys):
    record_visits(config)
    status, out, _ = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir, "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"visit", "went_well", "went_badly", "more"} <= set(rows[0])
    assert [(row["visit"], row["went_well"], row["went_badly"], row["more"]) for row in rows] == [
        ("5", "listened", "", "Kiitos hyvästä palvelusta"), ("2", "", "waiting", ""),
        ("1", "", "privacy", "Muut kuulivat kaiken")]
    assert [row["partial"] for row in rows] == ["False"] * 3
    assert rows[1]["reply"] == ""


def test_open_replies_gives_the_reply_requests_linked_only_by_reference(config, provider_keys, capsys):
    record_visits(config)
    _, responses, _ = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir)
    status, out, _ = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir, "--replies")
    assert status == 0
    requests = [json.loads(line) for line in out.splitlines()]
    assert [request["contact"] for request in requests] == [{"kind": "phone", "value": "+358401234567"},
                                                            {"kind": "email", "value": "asiakas@example.fi"}]
    references = [json.loads(line)["reply"] for line in responses.splitlines()]
    assert [request["reference"] for request in requests] == [references[0], references[2]]
    assert "Kiitos" not in out

    _, table, _ = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir,
                      "--replies", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(row["contact_kind"], row["contact"], row["promised_days"]) for row in rows] == [
        ("phone", "'+358401234567", "5"), ("email", "asiakas@example.fi", "5")]


def test_open_replies_as_csv_has_the_reply_columns_even_when_there_are_none(config, provider_keys, capsys):
    record_visits(config, VISITS[1:2])
    status, out, _ = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir,
                         "--replies", "--format", "csv")
    assert (status, out) == (0, ",".join(REPLY_COLUMNS) + "\n")


def test_a_multiple_choice_answer_is_one_csv_cell():
    response = {"type": "response", "id": "0b5c6a8e-52f4-4f4e-9d55-3e0a8f1d2c11", "survey": {"id": "s", "version": 2}, "language": "en",
                "answers": {"visit": 4, "liked": ["staff", "speed"]}, "mode": "self",
                "flags": {"partial": True, "misuse": False, "synthetic": False}, "hour": "2025-03-04T13:00Z",
                "kiosk": "lobby-1", "unit": "kalevi", "reply": None}
    out = io.StringIO()
    write_records([response], "csv", out)
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    assert (row["visit"], row["liked"], row["partial"], row["survey_version"]) == ("4", "staff;speed", "True", "2")


def test_a_helped_clients_own_view_is_a_column_beside_the_mode(config, provider_keys, capsys):
    survey, recorder = load_survey(), Recorder(config)
    try:
        for mode, own_view in (("experience-expert", "partly"), ("self", None)):
            visit = Visit(survey, VisitRules.from_config(config), mode=mode)
            visit.start()
            visit.answer(4)
            while not visit.finished:
                visit.skip()
            if own_view:
                visit.tell_own_view(own_view)
            recorder.record(visit.end())
    finally:
        recorder.close()
    status, out, _ = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir, "--format", "csv")
    assert status == 0
    header, *_ = out.splitlines()
    assert "mode,own_view," in header
    assert [(row["mode"], row["own_view"]) for row in csv.DictReader(io.StringIO(out))] == [
        ("experience-expert", "partly"), ("self", "")]


def test_open_with_the_wrong_key_says_so_once(config, tmp_path, capsys):
    record_visits(config)
    run(capsys, "keys", "generate", "--out", tmp_path / "other")
    wrong_key = tmp_path / "other" / PRIVATE_KEY_FILE
    status, out, err = run(capsys, "open", "--key", wrong_key, "--data-dir", config.data_dir)
    assert (status, out) == (2, "")
    assert err.startswith(f"kiosk: {wrong_key}: --key: is the key ")
    assert "were sealed for" in err
    assert err.count("\n") == 1


def test_open_without_a_queue_says_so(tmp_path, provider_keys, capsys):
    status, _, err = run(capsys, "open", "--key", provider_keys[0], "--data-dir", tmp_path)
    assert status == 2
    assert err == f"kiosk: {tmp_path}: --data-dir: no kiosk queue here (no outbox folder)\n"


def test_open_with_an_encrypted_key_takes_the_passphrase_from_the_environment(config, tmp_path, capsys,
                                                                            monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    assert run(capsys, "keys", "generate", "--out", tmp_path / "keys", "--passphrase")[0] == 0
    assert "ENCRYPTED PRIVATE KEY" in (tmp_path / "keys" / PRIVATE_KEY_FILE).read_text()
    config = replace(config, public_key=tmp_path / "keys" / PUBLIC_KEY_FILE)
    record_visits(config, VISITS[1:2])

    open_queue = ("open", "--key", tmp_path / "keys" / PRIVATE_KEY_FILE, "--data-dir", config.data_dir)
    status, out, err = run(capsys, *open_queue)
    assert (status, err) == (0, "")
    assert json.loads(out)["answers"] == {"visit": 2, "went_badly": "waiting"}

    monkeypatch.setenv(PASSPHRASE_ENV, "wrong horse")
    status, out, err = run(capsys, *open_queue)
    assert (status, out) == (2, "")
    assert "wrong passphrase" in err


# -- status ----------------------------------------------------------------------------------


def test_status_of_an_empty_queue(config, capsys):
    status, out, _ = run(capsys, "status", "--data-dir", config.data_dir)
    assert status == 0
    assert "Waiting to be sent:   0\n" in out
    assert "Oldest waiting for:   -\n" in out
    assert "Last write error:     none" in out
    _, out, _ = run(capsys, "status", "--json", "--data-dir", config.data_dir)
    report = json.loads(out)
    assert (report["queue_depth"], report["oldest_unsent_age_seconds"], report["last_write_error"]) == (0, None, None)


def test_status_counts_the_queue_and_the_age_of_its_oldest(config, capsys, monkeypatch):
    queued_at = kiosk.outbox.document_for
    two_hours_ago = 2 * 3600
    with monkeypatch.context() as earlier:
        earlier.setattr(kiosk.outbox, "document_for", lambda envelope, now: queued_at(envelope, now - two_hours_ago))
        record_visits(config)

    status, out, _ = run(capsys, "status", "--data-dir", config.data_dir)
    assert status == 0
    assert "Waiting to be sent:   5\n" in out  # three responses, two reply requests
    assert "Oldest waiting for:   2 h " in out
    _, out, _ = run(capsys, "status", "--json", "--data-dir", config.data_dir)
    report = json.loads(out)
    assert report["queue_depth"] == 5
    assert two_hours_ago <= report["oldest_unsent_age_seconds"] < two_hours_ago + 3600


def test_status_finds_the_data_folder_through_the_config(write_config, tmp_path, capsys):
    config_file = write_config()
    status, out, _ = run(capsys, "status", "--config", config_file)
    assert status == 0
    assert f"Data folder:          {tmp_path / 'data'}\n" in out


# -- run and demo: only what stops them before the screen starts -------------------------------


def test_the_demo_keeps_its_data_in_the_users_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert demo_data_dir() == tmp_path / "state" / "feedback-kiosk" / "demo"


def test_the_demo_makes_its_keys_once_and_says_how_to_read_what_it_collected(tmp_path, capsys):
    config = demo_config(tmp_path / "demo")
    keys = tmp_path / "demo" / KEYS_FOLDER
    assert config.public_key == keys / PUBLIC_KEY_FILE
    assert config.reply is not None  # the demo shows the reply request too
    public_key = config.public_key.read_bytes()
    assert demo_config(tmp_path / "demo").public_key.read_bytes() == public_key  # not made again

    record_visits(config, VISITS[:1])
    hint = leave_hint(config, after=True)
    assert f" open --key {keys / PRIVATE_KEY_FILE} --data-dir {tmp_path / 'demo'}" in hint
    words = shlex.split(hint.splitlines()[1])
    status, out, _ = run(capsys, *words[words.index("open"):])  # what the hint's command runs
    assert status == 0
    assert json.loads(out)["answers"]["more"] == "Kiitos hyvästä palvelusta"


@pytest.mark.skipif(not (Path(sys.executable).parent / "kiosk").exists(), reason="no kiosk command beside Python")
def test_the_demos_parting_commands_run_as_printed_where_kiosk_is_not_on_the_path(tmp_path, monkeypatch):
    """`./dev demo` runs .venv/bin/kiosk from the checkout; the reader's shell knows no `kiosk`."""
    venv_kiosk = Path(sys.executable).parent / "kiosk"
    monkeypatch.chdir(venv_kiosk.parent.parent.parent)  # where ./dev runs it from, as .venv/bin/kiosk
    monkeypatch.setattr(sys, "argv", [os.path.relpath(venv_kiosk), "demo"])
    shell_path = "/usr/bin:/bin"  # without the venv
    monkeypatch.setenv("PATH", shell_path)
    config = demo_config(tmp_path / "demo data")  # a space, too
    record_visits(config, VISITS[:1])
    commands = leave_hint(config, after=True).splitlines()[1:]
    assert not commands[0].strip().startswith("kiosk ")
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    results = [subprocess.run(shlex.split(command), capture_output=True, text=True, cwd=elsewhere, timeout=60,
                              env=os.environ | {"PATH": shell_path}) for command in commands]
    assert [result.returncode for result in results] == [0, 0], [result.stderr for result in results]
    assert json.loads(results[0].stdout)["answers"]["more"] == "Kiitos hyvästä palvelusta"
    assert "Waiting to be sent:   2" in results[1].stdout  # the response and its reply request


def test_open_on_an_empty_queue_says_so_on_stderr_and_keeps_stdout_the_data(config, provider_keys, capsys):
    kiosk.outbox.Outbox(config.outbox_dir).close()  # a kiosk that ran, and collected nothing
    status, out, err = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir)
    assert (status, out) == (0, "")
    assert err == f"0 responses in {config.data_dir}\n"
    status, out, err = run(capsys, "open", "--key", provider_keys[0], "--data-dir", config.data_dir, "--replies")
    assert (status, out, err) == (0, "", f"0 reply requests in {config.data_dir}\n")


def test_demo_refuses_a_data_folder_it_cannot_use(tmp_path, capsys):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    status, out, err = run(capsys, "demo", "--data-dir", not_a_folder)
    assert (status, out) == (2, "")
    assert err.startswith(f"kiosk: {not_a_folder}: --data-dir: cannot hold the demo's data")


def test_run_without_a_config_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run"])
    assert exited.value.code == 2
    assert "--config" in capsys.readouterr().err


def test_run_with_a_missing_public_key_names_it(write_config, tmp_path, capsys):
    path = write_config()
    path.write_text(path.read_text().replace("public_key = '", "public_key = 'missing/"))
    status, _, err = run(capsys, "run", "--config", path)
    assert status == 2
    assert err.startswith(f"kiosk: {path}: kiosk.public_key: cannot read the public key")
    assert err.count("\n") == 1
    assert not (tmp_path / "data").exists()


def test_csv_cells_cannot_become_spreadsheet_formulas():
    response = {"id": "7d1e4f20-9a3b-4c6d-8e5f-1a2b3c4d5e6f", "type": "response", "survey": {"id": "s", "version": 1}, "language": "fi",
                "mode": "self", "flags": {"partial": False, "misuse": False, "synthetic": False},
                "hour": "2026-11-23T10:00Z", "kiosk": "k", "unit": "u", "reply": None,
                "answers": {"visit": 3, "more": '=HYPERLINK("http://x","click")'}}
    out = io.StringIO()
    write_records([response], "csv", out)
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["more"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert row["visit"] == "3"
