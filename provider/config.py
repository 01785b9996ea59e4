"""The receiver's configuration: `receiver.toml` read into typed, checked values.

See docs/receiver.example.toml. A wrong value is a UserError naming the file and the key.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.languages import CODES
from kiosk.tomlfile import Table
from sync.wire.protocol import DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY_BYTES, MAX_REPLY_DAYS

DEFAULT_LISTEN = "127.0.0.1:8443"
DEFAULT_DATA_DIR = Path("/var/lib/kiosk-receiver")
POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class TLSConfig:
    certificate: Path
    key: Path
    client_ca: Path | None = None  # set: kiosks may authenticate with a client certificate (mTLS)
    require_client_certificate: bool = False


@dataclass(frozen=True)
class ReceiverConfig:
    host: str
    port: int
    database: str  # sqlite:///absolute/path or postgresql://...
    keys_dir: Path
    signing_key: Path
    data_dir: Path = DEFAULT_DATA_DIR
    max_batch: int = DEFAULT_MAX_BATCH
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    requests_per_minute: int = 60
    max_connections: int = 200  # at once; past it, new requests get a 503
    header_timeout_seconds: float = 5  # a connection's request headers must be in within this
    min_body_bytes_per_second: int = 1000  # a body slower than this (after 5 s) closes the connection
    reply_working_days: int = 5
    # [reply] answerer: who answers the clients who ask for a reply, in every kiosk language;
    # kiosks enrolled with this receiver promise replies in these words. None: no replies offered.
    reply_answerer: dict[str, str] | None = None
    tls: TLSConfig | None = None  # None: plain HTTP, on a loopback address only
    source: Path | None = None


def load_config(path: Path) -> ReceiverConfig:
    root = Table.load(path)
    receiver = root.table("receiver", required=True)
    host, port = _listen(receiver)
    data_dir = receiver.path("data_dir", DEFAULT_DATA_DIR)
    config = ReceiverConfig(
        host=host,
        port=port,
        data_dir=data_dir,
        database=_database(receiver, data_dir),
        keys_dir=receiver.path("keys_dir", data_dir / "keys"),
        signing_key=receiver.path("signing_key", data_dir / "signing-key.pem"),
        max_batch=receiver.integer("max_batch", DEFAULT_MAX_BATCH, minimum=1, maximum=10_000),
        max_body_bytes=receiver.integer("max_body_bytes", DEFAULT_MAX_BODY_BYTES, minimum=1024,
                                        maximum=256 * 1024 * 1024),
        requests_per_minute=receiver.integer("requests_per_minute", 60, minimum=1, maximum=100_000),
        max_connections=receiver.integer("max_connections", 200, minimum=2, maximum=100_000),
        header_timeout_seconds=receiver.number("header_timeout_seconds", 5, minimum=0.5, maximum=120),
        min_body_bytes_per_second=receiver.integer("min_body_bytes_per_second", 1000, minimum=1,
                                                   maximum=100_000_000),
        reply_working_days=receiver.integer("reply_working_days", 5, minimum=1, maximum=MAX_REPLY_DAYS),
        reply_answerer=_reply_answerer(root),
        tls=_tls(root, receiver, host),
        source=path,
    )
    receiver.finish()
    root.finish()
    return config


def _listen(receiver: Table) -> tuple[str, int]:
    value = receiver.string("listen", DEFAULT_LISTEN)
    host, colon, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")  # [::1]:8443
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise receiver.error("listen", f"must be host:port, like {DEFAULT_LISTEN!r}, not {value!r}")
    return host, int(port)


def _reply_answerer(root: Table) -> dict[str, str] | None:
    if not root.has("reply"):
        return None
    reply = root.table("reply")
    if reply.has("days"):  # as in a kiosk's [reply]: here the days are the receiver's
        raise reply.error("days", "is not a key here: the days promised are [receiver] reply_working_days")
    answerer = reply.translations("answerer", CODES)
    reply.finish()
    return answerer


def _database(receiver: Table, data_dir: Path) -> str:
    """A PostgreSQL URL as given, or sqlite:///ABSOLUTE-PATH. A sqlite: URL's path is taken like
    the file's other paths: a relative one (sqlite:receiver.db) from the file's folder."""
    url = receiver.string("database", None)
    if url is None:
        return sqlite_url(data_dir / "receiver.db")
    parts = urlsplit(url)
    if parts.scheme in POSTGRES_SCHEMES:
        return url
    if parts.scheme != "sqlite" or not parts.path or parts.query or parts.netloc:
        raise receiver.error("database", "must be sqlite:///path/to/receiver.db or postgresql://user@host/dbname, "
                                         f"not {url!r}")
    path = Path(parts.path).expanduser()
    return sqlite_url(path if path.is_absolute() else receiver.file.parent / path)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{str(path.absolute()).lstrip('/')}"


def _tls(root: Table, receiver: Table, host: str) -> TLSConfig | None:
    tls = root.table("tls")
    plain = tls.boolean("allow_plain_http", False)
    certificate, key = tls.path("certificate", None), tls.path("key", None)
    client_ca = tls.path("client_ca", None)
    required = tls.boolean("require_client_certificate", False)
    tls.finish()
    if certificate is None or key is None:
        if not plain:
            missing = "key" if certificate else "certificate"
            raise tls.error(missing, "is missing: give the server's certificate and key (PEM), "
                                     "or allow_plain_http = true for tests on this computer only")
        if client_ca is not None:
            raise tls.error("client_ca", "client certificates need TLS: give certificate and key too")
        if not _is_loopback(host):
            raise receiver.error("listen", f"plain HTTP is served only on a loopback address, not {host!r}")
        return None
    if required and client_ca is None:
        raise tls.error("require_client_certificate", "needs client_ca, to verify the certificates against")
    return TLSConfig(certificate, key, client_ca, required)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
