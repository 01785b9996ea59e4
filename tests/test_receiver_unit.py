"""The receiver's systemd unit (deploy/kiosk-receiver.service): valid for systemd, hardened, run
as a user of its own whose files stay its own, logging to the journal with each line's level.

systemd is not PID 1 in CI, so the checks are `systemd-analyze`'s offline ones, the user is
made by `systemd-sysusers` in a folder of the test's, and the sandbox's hardest limit on Python
(MemoryDenyWriteExecute) is reproduced with seccomp around the real receiver, serving TLS.
"""

from __future__ import annotations

import os
import re
import shutil
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from commands.receiver import DEFAULT_CONFIG, main
from provider.config import DEFAULT_DATA_DIR
from provider.store import open_store
from tests.memory_deny_write_execute import libseccomp
from tests.receiver_processes import REPO, start_receiver, write_receiver_config
from tests.receiver_support import (KIOSK, add_kiosk, batch_body, batch_headers, postgres_server,  # noqa: F401
                                    postgres_url, public_key, receiver_config, receiver_secrets, sealed, store_url,
                                    visit)
from tests.test_receiver_server import CertificateAuthority, client_context, receiver_folder

UNIT = REPO / "deploy" / "kiosk-receiver.service"
BACKUP_UNIT = REPO / "deploy" / "kiosk-receiver-backup.service"
BACKUP_TIMER = REPO / "deploy" / "kiosk-receiver-backup.timer"
SERVICES = {"kiosk-receiver.service": UNIT, "kiosk-receiver-backup.service": BACKUP_UNIT}
SYSUSERS = REPO / "deploy" / "sysusers.d" / "kiosk-receiver.conf"
PROGRAM = "/opt/kiosk-receiver/bin/kiosk-receiver"
MAX_EXPOSURE = 2.0

needs_systemd_analyze = pytest.mark.skipif(not shutil.which("systemd-analyze"),
                                           reason="systemd-analyze is missing (Debian package systemd)")


def settings(unit: Path = UNIT) -> dict[str, list[str]]:
    """Key -> every value the unit gives it, in order."""
    found: dict[str, list[str]] = {}
    for key, value in re.findall(r"^(\w+)=(.*)$", unit.read_text(), flags=re.MULTILINE):
        found.setdefault(key, []).append(value.strip())
    return found


def setting(key: str, unit: Path = UNIT) -> str:
    return " ".join(settings(unit)[key])


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def installed_units(tmp_path) -> Path:
    """The units under their installed names in one folder, the receiver's program stood in for
    by a stub: `systemd-analyze verify` checks that ExecStart's program exists."""
    stub = tmp_path / "kiosk-receiver"
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    for source in (UNIT, BACKUP_UNIT, BACKUP_TIMER):
        (tmp_path / source.name).write_text(source.read_text().replace(PROGRAM, str(stub)))
    return tmp_path


@needs_systemd_analyze
def test_systemd_accepts_the_units(installed_units):
    names = [UNIT.name, BACKUP_UNIT.name, BACKUP_TIMER.name]
    result = subprocess.run(["systemd-analyze", "verify", *(str(installed_units / name) for name in names)],
                            capture_output=True, text=True, timeout=60)
    # verify exits 0 even for unknown keys and bad values, but names the unit in a warning.
    assert (result.returncode, [line for line in result.stderr.splitlines() if "kiosk-receiver" in line]) == (0, [])


@needs_systemd_analyze
@pytest.mark.parametrize("unit", SERVICES)
def test_the_unit_is_rated_safe_enough(installed_units, unit):
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(installed_units / unit)],
                            capture_output=True, text=True, timeout=60)
    overall = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+\.\d+)", result.stdout)
    assert overall, result.stdout + result.stderr
    exposed = "\n".join(line for line in result.stdout.splitlines() if line.startswith("✗"))
    assert float(overall[1]) <= MAX_EXPOSURE, f"exposure {overall[1]}, from:\n{exposed}"


@needs_systemd_analyze
def test_the_unit_runs_as_a_system_user_of_its_own_that_cannot_log_in(tmp_path):
    (tmp_path / "etc").mkdir()
    made = subprocess.run(["systemd-sysusers", f"--root={tmp_path}", str(SYSUSERS)], capture_output=True, text=True,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    [user] = [line.split(":") for line in (tmp_path / "etc" / "passwd").read_text().splitlines()]
    [group] = [line.split(":") for line in (tmp_path / "etc" / "group").read_text().splitlines()]
    assert user[0] == group[0] == setting("User") == setting("Group") == "kiosk-receiver"
    assert int(user[2]) < 1000 and user[6] == "/usr/sbin/nologin"
    assert user[5] == str(DEFAULT_DATA_DIR)  # its home: where a ~/.pgpass of its own would be


def test_the_unit_runs_the_receiver_on_its_default_config_and_folder():
    assert setting("ExecStart") == f"{PROGRAM} serve --config {DEFAULT_CONFIG}"
    assert f"/var/lib/{setting('StateDirectory')}" == str(DEFAULT_DATA_DIR)
    # Its folder (the database, the private keys, the signing key) and all it makes are its alone.
    assert (setting("StateDirectoryMode"), setting("UMask")) == ("0700", "0077")


@pytest.fixture
def open_umask():
    before = os.umask(0o002)  # a umask that would leave files readable by everyone
    yield
    os.umask(before)


def test_the_keys_the_receiver_makes_are_readable_by_it_alone_whatever_the_umask(tmp_path, open_umask, capsys):
    config_file, _ = receiver_folder(tmp_path, (), "allow_plain_http = true\n")
    data_dir = tmp_path / "receiver"
    shutil.rmtree(data_dir)  # as on a new machine: the commands make the folders

    assert main(["keys", "generate", "--config", str(config_file)]) == 0
    assert main(["signing-key", "generate", "--config", str(config_file)]) == 0
    assert main(["kiosks", "add", KIOSK, "--unit", "kalevi", "--config", str(config_file)]) == 0

    private_keys = [path for path in (data_dir / "keys").iterdir() if not path.name.endswith(".pub.pem")]
    assert len(private_keys) == 1
    assert mode(data_dir / "keys") == 0o700
    assert {mode(path) for path in [*private_keys, data_dir / "signing-key.pem", data_dir / "receiver.db"]} == {0o600}


def test_a_stopped_receiver_is_started_again_whatever_stopped_it_and_leaves_no_core_dump():
    # A database still down at boot is exit status 2, like a mistake in the config: never give up.
    assert (setting("Restart"), setting("StartLimitIntervalSec")) == ("always", "0")
    assert "RestartPreventExitStatus" not in settings()
    assert setting("LimitCORE") == "0"


def test_the_unit_logs_to_the_journal():
    assert setting("StandardOutput") == setting("StandardError") == "journal"
    assert "LogsDirectory" not in settings()


def test_under_the_journal_each_log_line_carries_its_level(tmp_path, provider_keys):
    config_file, base_url = receiver_folder(tmp_path, provider_keys, "allow_plain_http = true\n",
                                            receiver="requests_per_minute = 1\n")
    store = open_store(f"sqlite:///{tmp_path / 'receiver' / 'receiver.db'}")
    token = add_kiosk(store)
    store.close()
    log_file = config_file.with_suffix(".log")
    log_file.touch()
    journal = os.stat(log_file)  # as systemd says where the journal's stream is
    receiver = start_receiver("receiver", config_file,
                              env=os.environ | {"JOURNAL_STREAM": f"{journal.st_dev}:{journal.st_ino}"})
    try:
        receiver.wait_until_healthy()
        for _ in range(2):  # the second is over the limit of one a minute: a warning
            httpx.post(f"{base_url}/v1/heartbeat", json={"kiosk": KIOSK}, headers={"Authorization": f"Bearer {token}"})
    finally:
        receiver.stop()

    lines = receiver.log.splitlines()
    assert "<6>INFO uvicorn.error: Application startup complete." in lines
    assert f"<4>WARNING provider.app: kiosk {KIOSK} is over 1 requests a minute" in lines
    assert all(re.match(r"<[2-7]>(DEBUG|INFO|WARNING|ERROR|CRITICAL) ", line) for line in lines), lines


def test_outside_the_journal_log_lines_carry_their_time_and_level(tmp_path, provider_keys):
    config_file, _ = receiver_folder(tmp_path, provider_keys, "allow_plain_http = true\n")
    receiver = start_receiver("receiver", config_file, env={k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"})
    try:
        receiver.wait_until_healthy()
    finally:
        receiver.stop()
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO uvicorn.error: Application startup complete\.$",
                     receiver.log, flags=re.MULTILINE), receiver.log



# -- the nightly backup -----------------------------------------------------------------------


def unit_command(key: str, environment: dict[str, str], replacements: dict[str, str]) -> list[str]:
    """The backup unit's command line `key` as systemd runs it: its variables expanded, $$ and
    %% unescaped, with `replacements` (the installed paths of this machine)."""
    line = setting(key, BACKUP_UNIT)
    for name, value in environment.items():
        line = line.replace(f"${{{name}}}", value)
    for installed, here in replacements.items():
        line = line.replace(installed, here)
    return shlex.split(line.replace("$$", "$").replace("%%", "%"))


def test_every_night_a_new_backup_and_those_older_than_two_weeks_go(tmp_path):
    assert setting("OnCalendar", BACKUP_TIMER) == "*-*-* 02:15:00" and setting("Persistent", BACKUP_TIMER) == "true"
    state, backups_folder = (f"/var/lib/{name}" for name in setting("StateDirectory", BACKUP_UNIT).split())
    assert (state, setting("User", BACKUP_UNIT)) == (str(DEFAULT_DATA_DIR), setting("User"))
    config_file, _ = receiver_folder(tmp_path, (), "allow_plain_http = true\n")
    main(["kiosks", "add", KIOSK, "--unit", "kalevi", "--config", str(config_file)])
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "receiver-20261101T021500Z.backup"
    old.write_bytes(b"")
    os.utime(old, (time.time() - 15 * 86400,) * 2)
    environment = dict(item.split("=", 1) for item in setting("Environment", BACKUP_UNIT).split())
    installed = {f"{PROGRAM} backup": f"{sys.executable} -m commands.receiver backup --config {config_file}",
                 backups_folder: str(backups)}
    run_env = os.environ | {"STATE_DIRECTORY": f"{tmp_path / 'receiver'}:{backups}"}  # as systemd sets it

    outputs = [subprocess.run(unit_command(key, environment, installed), cwd=REPO, env=run_env, capture_output=True,
                              text=True, timeout=60) for key in ("ExecStart", "ExecStartPost")]

    assert [done.returncode for done in outputs] == [0, 0], [done.stderr for done in outputs]
    assert "Backed up 0 responses and 0 reply requests" in outputs[0].stdout
    [made] = backups.iterdir()  # and the old one deleted
    assert re.fullmatch(r"receiver-\d{8}T\d{6}Z\.backup", made.name) and mode(made) == 0o600


# -- MemoryDenyWriteExecute=yes -------------------------------------------------------------

UNDER_THE_FILTER = """
import sys
from tests.memory_deny_write_execute import deny_write_execute
deny_write_execute()
from commands.receiver import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(libseccomp() is None, reason="libseccomp is missing (Debian package libseccomp2)")
def test_the_receiver_works_without_writable_code(tmp_path, store_url, receiver_config):
    """Under the unit's MemoryDenyWriteExecute=yes: serve TLS with a certificate made here, on
    SQLite and on PostgreSQL, open a sealed batch and store it."""
    authority = CertificateAuthority("receiver-ca")
    certificate, key = authority.issue(tmp_path, "receiver", server=True)
    config_file = tmp_path / "receiver.toml"
    write_receiver_config(config_file, database=store_url, keys_dir=receiver_config.keys_dir,
                          signing_key=receiver_config.signing_key, data_dir=tmp_path, tls=(certificate, key))
    store = open_store(store_url)
    token = add_kiosk(store)
    trust = client_context(authority.write(tmp_path))
    receiver = start_receiver("receiver", config_file, program=("-c", UNDER_THE_FILTER),
                              env=os.environ | {"PYTHONPATH": str(REPO)})
    try:
        receiver.wait_until_healthy(trust)
        assert seccomp_filters(receiver.process.pid) > seccomp_filters("self")  # the filter is in force
        records = visit(5) + visit(1, "waiting")
        body = batch_body(sealed(records, public_key(receiver_config)))
        answer = httpx.post(f"https://{receiver.address}/v1/batches", json=body, headers=batch_headers(body, token),
                            verify=trust)
    finally:
        receiver.stop()
    assert answer.status_code == 200, receiver.log
    assert [result["status"] for result in answer.json()["results"]] == ["stored", "stored"]
    assert sorted(record["id"] for record in store.responses()) == sorted(record["id"] for record in records)
    store.close()
    assert "Application shutdown complete." in receiver.log  # SIGTERM: a clean stop, under the filter too


def seccomp_filters(pid: int | str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Seccomp_filters:\s+(\d+)$", status, flags=re.MULTILINE)[1])
