"""The app and its station: a new signed bundle is taken between visits, never during one; a kiosk
that cannot seal says so instead of taking feedback it would lose."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.bundles import BundleStore
from kiosk.config import SyncConfig
from kiosk.survey import default_survey_path
from sync.wire.bundle import make_bundle, public_pem, sign
from tests.pilot import build, settle, shown, tap_on

NEW_HEADLINE = "Miten meillä onnistuttiin tänään?"


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def synced_config(config, signing_key):
    """A kiosk that syncs with a receiver that is not there: sending fails quietly, feedback stays."""
    sync = SyncConfig(server="http://127.0.0.1:9", token="t", allow_insecure_http=True,
                      signing_key=public_pem(signing_key.public_key()).encode(), retry_min_seconds=60)
    return replace(config, sync=sync)


def survey_version_two() -> str:
    text = default_survey_path().read_text()
    return text.replace("version = 1", "version = 2").replace("Millainen oli käyntisi tänään?", NEW_HEADLINE)


def offer_bundle(store: BundleStore, signing_key, provider_keys) -> None:
    """What the uploader does when it downloads a newer bundle: keep it waiting."""
    raw = make_bundle(2, surveys=[{"id": "visit-feedback", "version": 2, "toml": survey_version_two()}],
                      announcements=[], keys=[{"kid": _kid(provider_keys), "pem": provider_keys[1].read_text()}])
    store.accept(raw, sign(raw, signing_key))


def _kid(provider_keys) -> str:
    from kiosk.keyfiles import load_public_key

    return load_public_key(provider_keys[1]).kid


async def test_a_bundle_that_arrives_during_a_visit_is_taken_at_the_next_welcome(
        synced_config, signing_key, provider_keys, opened):
    app = build(synced_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        assert "Millainen oli käyntisi tänään?" in shown(app)
        offer_bundle(app.station.bundles, signing_key, provider_keys)
        await tap_on(pilot, value=4)
        await tap_on(pilot, id="back")
        assert "Millainen oli käyntisi tänään?" in shown(app)  # the visit keeps its survey
        await tap_on(pilot, value=4)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        await tap_on(pilot, id="close")
        await settle(pilot)
        await tap_on(pilot, id="start")
        assert NEW_HEADLINE in shown(app)
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
    first, second = opened(synced_config)
    assert first["survey"] == {"id": "visit-feedback", "version": 1}
    assert second["survey"] == {"id": "visit-feedback", "version": 2}


async def test_a_kiosk_that_cannot_seal_says_it_is_out_of_order(config, tmp_path):
    broken = tmp_path / "broken.pub.pem"
    broken.write_text("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n")
    app = build(replace(config, public_key=broken))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        assert "ei ole nyt käytössä" in shown(app)
        assert not [target for target in app.screen.query("Target")]  # nothing to tap that would be lost
