"""Shared by the receiver's tests: keys, a config, records sealed the way a kiosk seals them,
a kiosk registered with a token, and a real PostgreSQL server started for the session.

Import the fixtures by name into a test module (`from tests.receiver_support import ...`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kiosk.guard import Contact
from kiosk.keyfiles import PublicKey
from kiosk.languages import CODES
from kiosk.sealing import seal
from kiosk.survey import load_survey
from kiosk.visit import Visit, VisitRules
from provider.auth import new_token, token_sha256
from provider.config import ReceiverConfig, sqlite_url
from provider.keyring import generate_pair, load_pairs
from provider.signing import generate_signing_key
from provider.store import Store, open_store
from sync.wire.protocol import IDEMPOTENCY_KEY
from tests.postgres import PostgresServer, PostgresUnavailable, running_postgres

KIOSK = "lobby-1"
UNIT = "kalevi"
NOW = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
ANSWERER = {code: f"Asiakaspalvelu ({code})" for code in CODES}
# The receiver config's [reply], for a receiver whose kiosks offer replies.
REPLY_TABLE = "[reply]\n" + "".join(f'answerer.{code} = "{text}"\n' for code, text in ANSWERER.items())


# -- keys and config ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def receiver_secrets(tmp_path_factory) -> tuple[Path, Path]:
    """(keys_dir with one hybrid key pair, signing key file), made once."""
    folder = tmp_path_factory.mktemp("receiver-secrets")
    generate_pair(folder / "keys")
    generate_signing_key(folder / "signing-key.pem")
    return folder / "keys", folder / "signing-key.pem"


@pytest.fixture
def receiver_config(tmp_path, receiver_secrets) -> ReceiverConfig:
    """Plain HTTP on loopback, SQLite in the test's folder, its own copy of the keys (a test may add
    one), and a reply promise for the kiosks."""
    keys_dir = tmp_path / "keys"
    shutil.copytree(receiver_secrets[0], keys_dir)
    return ReceiverConfig(host="127.0.0.1", port=8443, database=sqlite_url(tmp_path / "receiver.db"),
                          keys_dir=keys_dir, signing_key=receiver_secrets[1], data_dir=tmp_path,
                          reply_answerer=ANSWERER)


def public_key(config: ReceiverConfig) -> PublicKey:
    """The key kiosks seal to: the newest in keys_dir."""
    return load_pairs(config.keys_dir)[0].private.public


# -- kiosks, records, envelopes, batches ----------------------------------------------------


def add_kiosk(store: Store, kiosk_id: str = KIOSK, unit: str = UNIT, certificate_sha256: str | None = None) -> str:
    """Register a kiosk; returns its token."""
    token = new_token()
    assert store.add_kiosk(kiosk_id, unit, token_sha256(token), certificate_sha256, NOW)
    return token


def visit(rating: int = 4, topic: str | None = "listened", text: str | None = None,
          contact: Contact | None = None, *, kiosk_id: str = KIOSK, synthetic: bool = False) -> list[dict]:
    """The records of one visit to the default survey, made by the kiosk's own Visit, in their wire form."""
    made = Visit(load_survey(), VisitRules(kiosk_id, UNIT, reply_days=5, synthetic=synthetic))
    made.start()
    made.answer(rating)
    made.answer(topic) if topic else made.skip()
    made.answer(text) if text else made.skip()
    made.request_reply(contact) if contact else made.skip()
    return [record.to_wire() for record in made.end(NOW)]


def sealed(records: list[dict], key: PublicKey, kiosk_id: str = KIOSK, clock: str = "synced") -> list[dict]:
    return [seal(record, key, kiosk_id=kiosk_id, extra={"clock": clock}) for record in records]


def batch_body(envelopes: list[dict], kiosk_id: str = KIOSK, batch: str | None = None) -> dict:
    return {"kiosk": kiosk_id, "batch": batch or str(uuid.uuid4()), "envelopes": envelopes}


def batch_headers(body: dict, token: str) -> dict[str, str]:
    """What a kiosk sends a batch with."""
    return {"Authorization": f"Bearer {token}", IDEMPOTENCY_KEY: f'"{body["batch"]}"',
            "Content-Type": "application/json"}


@dataclass(frozen=True)
class Statuses:
    """A batch answer's results, as (status, reason) by envelope id."""

    answer: dict

    def __getitem__(self, envelope_id: str) -> tuple[str, str | None]:
        result = next(result for result in self.answer["results"] if result["id"] == envelope_id)
        return result["status"], result.get("reason")

    def all(self) -> list[str]:
        return [result["status"] for result in self.answer["results"]]


# -- PostgreSQL, started for the test session -----------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own, on a unix socket in a temporary folder, for this test session
    (not durable: fsync off, for speed)."""
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as reason:
        pytest.skip(str(reason))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of its own for one test: a fresh schema (much quicker to make than a database)."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    postgres_server.admin(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server.url('postgres')}&options=-csearch_path%3D{schema}"
    postgres_server.admin(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "receiver.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url) -> Iterator[Store]:
    store = open_store(store_url)
    yield store
    store.close()
