"""The receiver as a process of its own, started, waited for, killed or stopped: for the tests
that need the process itself (tests/load_balancer.py, tests/test_receiver_unit.py,
tests/test_backup.py). No pytest here, so that bench/intake.py can use it too.
"""

from __future__ import annotations

import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from sync.wire.protocol import HEALTH

REPO = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60
STOP_SECONDS = 30
RECEIVER = ("-m", "commands.receiver")


@dataclass
class ReceiverProcess:
    name: str
    config_file: Path
    process: subprocess.Popen

    @property
    def log_file(self) -> Path:
        return self.config_file.with_suffix(".log")

    @property
    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    @property
    def address(self) -> str:
        """host:port, as its config's `listen` says."""
        return re.search(r'^listen = "(.*)"$', self.config_file.read_text(), flags=re.MULTILINE)[1]

    def wait_until_healthy(self, verify: ssl.SSLContext | None = None) -> None:
        """Until GET /v1/health answers 200: over TLS verified with `verify`, or plain HTTP without."""
        url = f"{'https' if verify else 'http'}://{self.address}{HEALTH}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(url, verify=verify or True, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start: {self.log[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye to the database."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        stop(self.process)


def write_receiver_config(config_file: Path, *, database: str, keys_dir: Path, signing_key: Path, data_dir: Path,
                          tls: tuple[Path, Path] | None, more: str = "") -> str:
    """A receiver.toml on a free loopback port: TLS with `tls` (certificate, key), or plain HTTP
    without. `more` goes at the end of its [receiver] table (and may start other tables).
    Returns the host:port it listens on."""
    address = f"127.0.0.1:{free_port()}"
    tls_table = f'certificate = "{tls[0]}"\nkey = "{tls[1]}"\n' if tls else "allow_plain_http = true\n"
    config_file.write_text(f'[receiver]\nlisten = "{address}"\ndata_dir = "{data_dir}"\n'
                           f"database = '{database}'\nkeys_dir = \"{keys_dir}\"\nsigning_key = \"{signing_key}\"\n"
                           f"{more}[tls]\n{tls_table}", encoding="utf-8")
    return address


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_receiver(name: str, config_file: Path, *, program: Sequence[str] = RECEIVER,
                   env: Mapping[str, str] | None = None) -> ReceiverProcess:
    """`python PROGRAM serve --config CONFIG_FILE`, its standard output and error in NAME.log
    beside the config."""
    with open(config_file.with_suffix(".log"), "wb") as log:
        process = subprocess.Popen([sys.executable, *program, "serve", "--config", str(config_file)], cwd=REPO,
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
    return ReceiverProcess(name, config_file, process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if that was not enough."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
