"""Real TLS on the loopback: the kiosk trusts the receiver only through its CA file (or the
system's store), and can prove who it is with a client certificate."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from kiosk.config import SyncConfig
from kiosk.enrolment import ENROLMENT_FILE
from kiosk.outbox import Outbox
from sync.wire.bundle import public_pem
from sync.uploader.uploader import Uploader
from tests.test_cli import run


def _certificate(name: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path, certificate, key) -> tuple:
    cert_path, key_path = path.with_suffix(".crt"), path.with_suffix(".key")
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A provider CA, the receiver's certificate for 127.0.0.1 and a kiosk's client certificate."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Provider CA")])
    ca_certificate = _certificate("Provider CA", ca_key, ca_name, ca_key, ca=True)
    files = {"ca": _write(folder / "ca", ca_certificate, ca_key)[0]}
    for name in ("receiver", "kiosk"):
        key = ec.generate_private_key(ec.SECP256R1())
        files[name] = _write(folder / name, _certificate(name, key, ca_name, ca_key), key)
    return files


class _Receiver(BaseHTTPRequestHandler):
    enrolment: dict = {}
    client_names: list = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        certificate = self.connection.getpeercert()
        if certificate:
            self.client_names.append(dict(item[0] for item in certificate["subject"])["commonName"])
        body = self.enrolment if self.path == "/v1/enrol" else {"received_at": "2026-11-23T14:05:10Z"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # http.server writes to stderr; the test has nothing to say
        pass


@pytest.fixture
def https_receiver(pki, provider_keys):
    """An HTTPS receiver on 127.0.0.1 that asks for (but does not require) a client certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pki["receiver"])
    context.load_verify_locations(pki["ca"])
    context.verify_mode = ssl.CERT_OPTIONAL
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Receiver.enrolment = {"kiosk": "lobby-1", "unit": "kalevi",
                           "signing_key": public_pem(Ed25519PrivateKey.generate().public_key()),
                           "keys": [{"kid": "k1", "pem": provider_keys[1].read_text()}], "bundle_version": 0}
    _Receiver.client_names = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_enrol_trusts_the_receiver_through_the_ca_file(https_receiver, pki, tmp_path, capsys):
    status, out, err = run(capsys, "enroll", "--server", https_receiver, "--token", "t", "--ca", pki["ca"],
                           "--data-dir", tmp_path)
    assert (status, err) == (0, "")
    assert json.loads((tmp_path / ENROLMENT_FILE).read_text())["ca_file"] == str(pki["ca"])


def test_enrol_refuses_a_receiver_it_cannot_trust(https_receiver, tmp_path, capsys):
    status, out, err = run(capsys, "enroll", "--server", https_receiver, "--token", "t", "--data-dir", tmp_path)
    assert (status, out) == (2, "")
    assert err.startswith(f"kiosk: --server: cannot enrol with {https_receiver}: /v1/enrol: "
                          "the receiver's certificate is not trusted")
    assert err.count("\n") == 1


def test_the_uploader_shows_its_client_certificate(https_receiver, pki, config, tmp_path):
    sync = SyncConfig(server=https_receiver, client_certificate=pki["kiosk"][0], client_key=pki["kiosk"][1],
                      ca_file=pki["ca"])
    config = replace(config, sync=sync)
    config.data_dir.mkdir()
    with Outbox(config.outbox_dir) as outbox:
        uploader = Uploader(config, outbox)
        try:
            report = uploader.run_once()
        finally:
            uploader.stop()
    assert report.error is None
    assert _Receiver.client_names == ["kiosk"]
