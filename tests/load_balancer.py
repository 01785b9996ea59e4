"""Receivers behind HAProxy, as real processes: docs/haproxy.cfg run as it is, with only its
addresses, ports and paths replaced, in front of receivers (`python -m commands.receiver serve`)
that share one database, keys and signing key. For tests/test_load_balancer.py and bench/intake.py.

TLS on both sides, with certificates made here: kiosks trust the frontend's CA; HAProxy checks
each receiver's certificate against the receivers' CA and the name docs/haproxy.cfg gives it.

No pytest here: a machine without HAProxy raises LoadBalancerUnavailable, which the tests turn
into a skip and the bench into a row saying why.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from provider.keyring import generate_pair
from provider.signing import generate_signing_key
from tests.receiver_processes import (STARTUP_SECONDS, ReceiverProcess, free_port, start_receiver, stop,
                                     write_receiver_config)
from tests.test_receiver_server import CertificateAuthority, client_context

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "haproxy.cfg"
# The receivers of docs/haproxy.cfg: (server name, example address, the name its certificate carries).
EXAMPLE_SERVERS = (("receiver-1", "10.0.0.11:8443", "receiver-1.feedback.internal"),
                   ("receiver-2", "10.0.0.12:8443", "receiver-2.feedback.internal"))
BACKEND = "receivers"
# The example's lines that need root: HAProxy drops to its own user in a chroot after starting.
ROOT_ONLY = re.compile(r"^\s*(chroot|user|group) .*\n", flags=re.MULTILINE)


class LoadBalancerUnavailable(Exception):
    """HAProxy cannot be run on this machine; the message says why."""


def haproxy_config(replacements: dict[str, str], *, as_root: bool) -> str:
    """docs/haproxy.cfg with each example value replaced; each must be in it, so that the
    example cannot drift from what is tested. Not root: without the lines that need it."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for example, value in replacements.items():
        if example not in text:
            raise ValueError(f"{EXAMPLE} no longer has {example!r}")
        text = text.replace(example, value)
    return text if as_root else ROOT_ONLY.sub("", text)


@dataclass
class Balanced:
    url: str  # HAProxy's frontend: where kiosks enrol and send
    ca_file: Path  # the CA kiosks trust for it
    receivers: list[ReceiverProcess]
    stats_socket: Path

    def server_states(self) -> dict[str, str]:
        """Each receiver's state as HAProxy sees it ("UP", "DOWN", ...), by server name."""
        rows = csv.DictReader(_ask(self.stats_socket, "show stat").removeprefix("# ").splitlines())
        return {row["svname"]: row["status"] for row in rows
                if row["pxname"] == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_for_states(self, wanted: dict[str, str]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not wanted.items() <= (states := self.server_states()).items() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not wanted.items() <= states.items():
            raise RuntimeError(f"HAProxy sees the receivers as {states}, not {wanted}")


def _ask(stats_socket: Path, command: str) -> str:
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(str(stats_socket))
        connection.sendall(f"{command}\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.decode()


@contextmanager
def balanced_receivers(folder: Path, database: str, *, receiver_lines: str = "", tables: str = "",
                       ) -> Iterator[Balanced]:
    """The two receivers of docs/haproxy.cfg on `database`, each with its own TLS certificate,
    and HAProxy in front of them on a free loopback port. `receiver_lines` go into each receiver's
    [receiver] table and `tables` after it. Everything is stopped afterwards."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise LoadBalancerUnavailable("HAProxy is not installed (Debian package haproxy)")
    folder.mkdir(parents=True, exist_ok=True)
    frontend_ca, receivers_ca = CertificateAuthority("frontend-ca"), CertificateAuthority("receivers-ca")
    shared = _provider_secrets(folder / "shared")
    with ExitStack() as stack:
        receivers = []
        for name, _, certificate_name in EXAMPLE_SERVERS:
            receiver = _receiver(folder, name, receivers_ca.issue(folder, certificate_name, server=True),
                                 database, shared, receiver_lines + tables)
            stack.callback(receiver.stop)
            receivers.append(receiver)
        receivers_ca_file = receivers_ca.write(folder)
        for receiver in receivers:
            receiver.wait_until_healthy(client_context(receivers_ca_file))
        port, stats_socket = free_port(), folder / "haproxy.sock"
        replacements = {"bind :443": f"bind 127.0.0.1:{port}",
                        "/etc/haproxy/certs/feedback.pem": str(_combined(frontend_ca, folder)),
                        "/etc/haproxy/receivers-ca.pem": str(receivers_ca_file),
                        "/run/haproxy/admin.sock": str(stats_socket)}
        replacements |= {address: receiver.address
                         for (_, address, _), receiver in zip(EXAMPLE_SERVERS, receivers)}
        config_file = folder / "haproxy.cfg"
        config_file.write_text(haproxy_config(replacements, as_root=os.geteuid() == 0), encoding="utf-8")
        stack.callback(stop, _start_haproxy(haproxy, config_file, stats_socket))
        balanced = Balanced(f"https://127.0.0.1:{port}", frontend_ca.write(folder), receivers, stats_socket)
        balanced.wait_for_states({name: "UP" for name, _, _ in EXAMPLE_SERVERS})
        yield balanced


def _provider_secrets(folder: Path) -> tuple[Path, Path]:
    """(keys_dir with one key pair, the signing key), which every receiver shares."""
    generate_pair(folder / "keys")
    generate_signing_key(folder / "signing-key.pem")
    return folder / "keys", folder / "signing-key.pem"


def _combined(ca: CertificateAuthority, folder: Path) -> Path:
    """The frontend's certificate and key in one PEM file, as HAProxy's `crt` takes them."""
    certificate, key = ca.issue(folder, "frontend", server=True)
    combined = folder / "frontend-combined.pem"
    combined.write_bytes(certificate.read_bytes() + key.read_bytes())
    combined.chmod(0o600)
    return combined


def _receiver(folder: Path, name: str, tls: tuple[Path, Path], database: str, shared: tuple[Path, Path],
              more: str) -> ReceiverProcess:
    config_file = folder / f"{name}.toml"
    write_receiver_config(config_file, database=database, keys_dir=shared[0], signing_key=shared[1],
                          data_dir=folder / name, tls=tls, more=more)
    return start_receiver(name, config_file)


def _start_haproxy(haproxy: str, config_file: Path, stats_socket: Path) -> subprocess.Popen:
    """HAProxy in the foreground (-db), its messages in haproxy.log beside the config."""
    checked = subprocess.run([haproxy, "-c", "-q", "-f", str(config_file)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"HAProxy refuses {config_file}: {checked.stdout}{checked.stderr}")
    with open(config_file.with_suffix(".log"), "wb") as log:
        process = subprocess.Popen([haproxy, "-db", "-f", str(config_file)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not stats_socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"HAProxy did not start: {config_file.with_suffix('.log').read_text()[-3000:]}")
        time.sleep(0.05)
    return process


