"""Shared fixtures: a provider key pair, a kiosk config in a temporary folder (and as a
file), a fake clock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.demo import DEMO_ANSWERER, DEMO_REPLY_DAYS
from kiosk.config import ReplyPromise


@pytest.fixture(scope="session")
def provider_keys(tmp_path_factory) -> tuple[Path, Path]:
    """(private, public) key files, made once: key generation is the slow part."""
    from kiosk.keyfiles import generate_key_pair

    return generate_key_pair(tmp_path_factory.mktemp("provider"))


@pytest.fixture
def config(tmp_path, provider_keys) -> KioskConfig:
    return KioskConfig(
        kiosk_id="lobby-1", unit_id="kalevi", data_dir=tmp_path / "data", public_key=provider_keys[1],
        reply=ReplyPromise(DEMO_ANSWERER, DEMO_REPLY_DAYS), log_dir=tmp_path / "logs",
    )


@pytest.fixture
def write_config(tmp_path, provider_keys):
    """Write `kiosk.toml`: the [kiosk] keys a config needs (data in `data/`, the provider's
    public key), then `kiosk` (more [kiosk] keys) and `extra` (more tables)."""

    def write(extra: str = "", *, kiosk: str = "") -> Path:
        path = tmp_path / "kiosk.toml"
        path.write_text(f"""[kiosk]
id = "lobby-1"
unit = "kalevi"
data_dir = "data"
public_key = '{provider_keys[1]}'
{kiosk}
{extra}""", encoding="utf-8")
        return path

    return write


class FakeClock:
    """Monotonic time that moves only when a test says so."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def opened(provider_keys):
    """Open every envelope in a kiosk's outbox with the provider's private key."""
    from kiosk.keyfiles import load_private_key
    from kiosk.outbox import Outbox
    from kiosk.sealing import open_envelope

    key = load_private_key(provider_keys[0])

    def open_all(config: KioskConfig) -> list[dict]:
        with Outbox(config.outbox_dir, readonly=True) as outbox:
            return [open_envelope(envelope, [key]) for envelope in outbox.oldest(len(outbox))]

    return open_all


def with_changes(config: KioskConfig, **changes) -> KioskConfig:
    return replace(config, **changes)
