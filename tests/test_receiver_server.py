"""The receiver as a real process (`python -m commands.receiver serve`) on a free loopback port:
the kiosk's own enrolment and uploader against it over plain HTTP, and kiosks that
authenticate with a client certificate (mTLS) made here with a test CA."""

from __future__ import annotations

import ipaddress
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.config import SyncConfig
from kiosk.outbox import Outbox
from kiosk.recorder import Recorder
from kiosk.survey import default_survey_path
from provider.signing import generate_signing_key
from sync.uploader.enrol import enrol
from provider.auth import certificate_sha256
from provider.config import load_config
from provider.publishing import publish
from provider.store import open_store
from sync.uploader.uploader import Uploader
from sync.wire.records import record_from_wire
from tests.receiver_support import ANSWERER, KIOSK, REPLY_TABLE, UNIT, add_kiosk, visit

REPO = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def receiver_folder(tmp_path: Path, provider_keys: tuple[Path, Path], tls: str, *,
                    receiver: str = "") -> tuple[Path, str]:
    """A receiver config on a free port, with the kiosks' provider key pair, a signing key and a
    reply promise (and `receiver`'s lines in its [receiver] table); returns the config file and
    the server's base URL."""
    port = free_port()
    (tmp_path / "receiver" / "keys").mkdir(parents=True)
    for key_file in provider_keys:  # NAME.pem beside NAME.pub.pem, as keys_dir wants them
        shutil.copy(key_file, tmp_path / "receiver" / "keys")
    generate_signing_key(tmp_path / "receiver" / "signing-key.pem")
    config_file = tmp_path / "receiver.toml"
    config_file.write_text(f'[receiver]\nlisten = "127.0.0.1:{port}"\ndata_dir = "receiver"\n{receiver}'
                           f'{REPLY_TABLE}[tls]\n{tls}', encoding="utf-8")
    scheme = "http" if "allow_plain_http" in tls else "https"
    return config_file, f"{scheme}://127.0.0.1:{port}"


@contextmanager
def running(config_file: Path, base_url: str, verify: ssl.SSLContext | bool = True) -> Iterator[None]:
    """The receiver started as its own process, stopped (SIGTERM) afterwards."""
    log_path = config_file.with_suffix(".log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "commands.receiver", "serve", "--config", str(config_file)],
                                   cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_health(process, base_url, verify, log_path)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("the receiver did not stop on SIGTERM")


def _wait_for_health(process: subprocess.Popen, base_url: str, verify, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{base_url}/v1/health", verify=verify, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the receiver did not start: {log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


# -- plain HTTP on loopback, with the kiosk's own client ------------------------------------


def test_a_kiosk_enrols_and_uploads_to_the_receiver_process(tmp_path, provider_keys, config):
    config_file, base_url = receiver_folder(tmp_path, provider_keys, "allow_plain_http = true\n")
    receiver = load_config(config_file)
    store = open_store(receiver.database)
    token = add_kiosk(store)
    publish(store, survey_file=default_survey_path(), announcements_file=None, keys_dir=receiver.keys_dir,
            signing_key_file=receiver.signing_key)
    store.close()
    with running(config_file, base_url):
        enrolment = enrol(base_url, token, allow_insecure_http=True)
        assert (enrolment.kiosk_id, enrolment.unit_id, enrolment.bundle_version) == (KIOSK, UNIT, 1)
        assert enrolment.reply == {"answerer": ANSWERER, "days": 5}

        records = visit(5) + visit(1, "waiting")
        recorder = Recorder(config)
        config.data_dir.mkdir()
        recorder.prepare()
        recorder.record([record_from_wire(record) for record in records])
        recorder.close()
        sync = SyncConfig(server=base_url, token=token, allow_insecure_http=True,
                          signing_key=enrolment.signing_key.encode())
        with Outbox(config.outbox_dir) as outbox:
            uploader = Uploader(replace(config, sync=sync), outbox, clock_check=lambda: True)
            report = uploader.run_once()
            uploader.close()
            assert (report.stored, report.rejected, report.error, len(outbox)) == (2, 0, None, 0)
            assert report.bundle_version == 1  # offered by the heartbeat, fetched and verified
    store = open_store(receiver.database)
    assert sorted(record["id"] for record in store.responses()) == sorted(record["id"] for record in records)
    assert store.kiosks()[0].heartbeat["queue_depth"] == 0
    store.close()


# -- mTLS -----------------------------------------------------------------------------------


def _certificate(subject: str, public_key, issuer: str, signing_key, *extensions: x509.ExtensionType,
                 ) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1)))
    for extension in extensions:
        builder = builder.add_extension(extension, critical=isinstance(extension, x509.BasicConstraints))
    return builder.sign(signing_key, hashes.SHA256())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)])


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


class CertificateAuthority:
    """A certificate authority of the test's own."""

    def __init__(self, name: str):
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = _certificate(name, self.key.public_key(), name, self.key,
                                        x509.BasicConstraints(ca=True, path_length=None))

    def issue(self, folder: Path, name: str, *, server: bool = False) -> tuple[Path, Path]:
        """(certificate file, key file) for a server on 127.0.0.1, or for a client."""
        key = ec.generate_private_key(ec.SECP256R1())
        usage = x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH if server
                                       else x509.ExtendedKeyUsageOID.CLIENT_AUTH])
        names = [x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])] if server else []
        certificate = _certificate(name, key.public_key(), self.name, self.key, usage, *names)
        certificate_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
        certificate_file.write_bytes(_pem(certificate))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return certificate_file, key_file

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.pem"
        path.write_bytes(_pem(self.certificate))
        return path


def client_context(ca_file: Path, certificate: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca_file))
    if certificate:
        context.load_cert_chain(*certificate)
    return context


def fingerprint(certificate_file: Path) -> str:
    certificate = x509.load_pem_x509_certificate(certificate_file.read_bytes())
    return certificate_sha256(certificate.public_bytes(serialization.Encoding.DER))


def test_a_kiosk_is_known_by_its_client_certificate(tmp_path, provider_keys):
    server_ca, kiosk_ca, stranger_ca = (CertificateAuthority(name) for name in ("server-ca", "kiosk-ca", "stranger"))
    server = server_ca.issue(tmp_path, "server", server=True)
    kiosk_certificate = kiosk_ca.issue(tmp_path, "lobby-1")
    unregistered = kiosk_ca.issue(tmp_path, "lobby-9")
    stranger = stranger_ca.issue(tmp_path, "intruder")
    config_file, base_url = receiver_folder(
        tmp_path, provider_keys,
        f'certificate = "{server[0]}"\nkey = "{server[1]}"\nclient_ca = "{kiosk_ca.write(tmp_path)}"\n')
    store = open_store(load_config(config_file).database)
    add_kiosk(store, certificate_sha256=fingerprint(kiosk_certificate[0]))
    store.close()
    server_ca_file = server_ca.write(tmp_path)
    heartbeat = {"kiosk": KIOSK, "queue_depth": 7}

    with running(config_file, base_url, verify=client_context(server_ca_file)):
        def post(certificate) -> httpx.Response:
            with httpx.Client(base_url=base_url, verify=client_context(server_ca_file, certificate)) as client:
                return client.post("/v1/heartbeat", json=heartbeat)

        assert post(kiosk_certificate).status_code == 200  # no token: the certificate alone
        assert post(unregistered).status_code == 401  # a valid certificate of no registered kiosk
        assert post(None).status_code == 401
        with pytest.raises(httpx.TransportError):  # not signed by client_ca: the handshake fails
            post(stranger)
        assert post(kiosk_certificate).status_code == 200  # and the receiver still serves
    store = open_store(load_config(config_file).database)
    assert store.kiosks()[0].heartbeat == heartbeat
    store.close()

