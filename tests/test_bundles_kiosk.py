"""The kiosk's signed bundles: only a bundle signed with the pinned key, newer than what the
kiosk has, and usable as a whole is kept; it is applied only when the app says so."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.announcements import Announcement
from kiosk.bundles import (BUNDLE_FOLDER, CURRENT_FILE, PENDING_FILE, BundleStore, bundle_announcements,
                           bundle_public_key, bundle_survey, survey_in_use)
from kiosk.config import SyncConfig
from kiosk.keyfiles import generate_key_pair, load_private_key, load_public_key
from kiosk.outbox import Outbox
from kiosk.recorder import Recorder
from kiosk.sealing import open_envelope
from kiosk.status import read_status, render_status
from kiosk.survey import default_survey_path
from sync.wire.bundle import BundleRefused, encode_for_wire, make_bundle, public_pem, sign
from sync.uploader.uploader import Uploader
from tests.fake_receiver import FakeReceiver
from tests.test_config import SURVEY_IN_FINNISH_ONLY
from tests.test_recorder import visit_records

ANNOUNCEMENT = {"id": "wait-2026-11", "texts": {"fi": "Lisäsimme aamuvastaanoton.", "en": "We added a morning clinic."}}


@pytest.fixture(scope="module")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def new_provider_key(tmp_path_factory):
    """(private key, PEM of the public key): the key a bundle tells kiosks to seal to."""
    private, public = generate_key_pair(tmp_path_factory.mktemp("rotated"), hybrid=False)
    return load_private_key(private), public.read_text()


@pytest.fixture
def signed(signing_key, new_provider_key):
    """(raw, signature) of a bundle of `version`; keywords replace its parts."""

    def make(version: int, *, key=None, **parts) -> tuple[bytes, bytes]:
        private, pem = new_provider_key
        contents = {"surveys": [{"id": "visit-feedback", "version": 1, "toml": default_survey_path().read_text()}],
                    "announcements": [ANNOUNCEMENT], "keys": [{"kid": private.kid, "pem": pem}]} | parts
        raw = make_bundle(version, **contents)
        return raw, sign(raw, key or signing_key)

    return make


def reopened(config, signing_key) -> BundleStore:
    """The store as the kiosk finds it when it starts."""
    return BundleStore(config.data_dir, public_pem(signing_key.public_key()).encode(), languages=config.languages)


@pytest.fixture
def store(config, signing_key):
    return reopened(config, signing_key)


def test_a_good_bundle_waits_until_the_app_applies_it(store, signed, config, signing_key, new_provider_key):
    bundle = store.accept(*signed(3))
    assert store.current() is None  # nothing changes in the middle of a visit
    assert store.pending().version == 3
    assert reopened(config, signing_key).pending().version == 3  # survives a restart

    assert store.apply_pending() is bundle
    assert (store.current(), store.pending(), store.version) == (bundle, None, 3)
    assert store.apply_pending() is None
    after_restart = reopened(config, signing_key)
    assert after_restart.current().version == 3  # verified again at start-up
    assert after_restart.current().raw == bundle.raw

    assert bundle_survey(bundle).id == "visit-feedback"
    assert survey_in_use(config, bundle).source.startswith("bundle 3")
    assert bundle_public_key(bundle).kid == new_provider_key[0].kid
    assert bundle_announcements(bundle) == [Announcement(ANNOUNCEMENT["id"], ANNOUNCEMENT["texts"])]


def flip_a_byte(raw_and_signature):
    raw, signature = raw_and_signature
    index = raw.index(b"morning")
    return raw[:index] + b"M" + raw[index + 1:], signature


REFUSALS = {
    "a tampered byte": (lambda signed, other_signer: flip_a_byte(signed(5)), "signature"),
    "a wrong signer": (lambda signed, other_signer: signed(5, key=other_signer), "signature"),
    "unsigned": (lambda signed, other_signer: (signed(5)[0], b""), "signature"),
    "an older version": (lambda signed, other_signer: signed(3), "not newer"),
    "the same version": (lambda signed, other_signer: signed(4), "not newer"),
    "a survey that does not parse": (
        lambda signed, other_signer: signed(5, surveys=[{"id": "visit-feedback", "version": 1, "toml": "id = ["}]),
        "not valid TOML"),
    "a survey lacking a kiosk language": (
        lambda signed, other_signer: signed(5, surveys=[{"id": "short", "version": 1, "toml": SURVEY_IN_FINNISH_ONLY}]),
        "has no 'sv' texts"),
    "no key to seal to": (lambda signed, other_signer: signed(5, keys=[]), "no public key"),
}


@pytest.mark.parametrize("make_refused, reason", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_bad_bundle_is_refused_and_the_old_one_kept(store, signed, config, signing_key, make_refused, reason):
    store.accept(*signed(4))
    store.apply_pending()
    files_before = {path.name: path.read_bytes() for path in (config.data_dir / BUNDLE_FOLDER).iterdir()}
    with pytest.raises(BundleRefused, match=reason):
        store.accept(*make_refused(signed, Ed25519PrivateKey.generate()))
    assert (store.current().version, store.pending()) == (4, None)
    assert {path.name: path.read_bytes() for path in (config.data_dir / BUNDLE_FOLDER).iterdir()} == files_before
    assert reopened(config, signing_key).current().version == 4


def test_a_waiting_bundle_is_not_replaced_by_an_older_one(store, signed):
    store.accept(*signed(6))
    with pytest.raises(BundleRefused, match="not newer"):
        store.accept(*signed(5))
    assert store.pending().version == 6


def test_a_bundle_changed_on_disk_is_not_used_after_a_restart(store, signed, config, signing_key):
    store.accept(*signed(2))
    store.apply_pending()
    path = config.data_dir / BUNDLE_FOLDER / CURRENT_FILE
    wire = json.loads(path.read_text())
    wire["bundle"] = encode_for_wire(flip_a_byte(signed(2))[0], b"", 2)["bundle"]
    path.write_text(json.dumps(wire))
    after_restart = reopened(config, signing_key)
    assert after_restart.current() is None
    assert survey_in_use(config, after_restart.current()).source.endswith("default.toml")  # back to the config's


def test_without_a_pinned_signing_key_no_bundle_is_taken(config, signed):
    store = BundleStore(config.data_dir, None)
    with pytest.raises(BundleRefused, match="no signing key"):
        store.accept(*signed(2))
    assert store.current() is None


def test_the_recorder_seals_to_the_key_of_an_applied_bundle(store, signed, config, provider_keys, new_provider_key):
    config.data_dir.mkdir()
    recorder = Recorder(config)
    recorder.prepare()
    try:
        recorder.record(visit_records(config)[:1])
        recorder.use_key(bundle_public_key(store.accept(*signed(2))))
        recorder.record(visit_records(config)[:1])
        old, new = recorder.outbox.oldest(2)
    finally:
        recorder.close()
    assert old["kid"] == load_public_key(provider_keys[1]).kid
    assert new["kid"] == new_provider_key[0].kid
    assert open_envelope(new, [new_provider_key[0]])["type"] == "response"


# -- through the uploader ----------------------------------------------------------------------


@pytest.fixture
def uploader(config, store, signing_key):
    sync = SyncConfig(server="https://receiver.test", token="t", signing_key=public_pem(signing_key.public_key()).encode())
    config = replace(config, sync=sync)
    config.data_dir.mkdir(exist_ok=True)
    receiver = FakeReceiver()
    outbox = Outbox(config.outbox_dir)
    uploader = Uploader(config, outbox, bundles=store, transport=receiver.transport(), rng=random.Random(1))
    yield uploader, receiver
    uploader.stop()
    outbox.close()


def test_the_uploader_fetches_a_newer_bundle_and_keeps_it_waiting(uploader, store, signed, config):
    uploader, receiver = uploader
    raw, signature = signed(7)
    receiver.bundle_version = 7
    receiver.bundle_answer = encode_for_wire(raw, signature, 7)
    report = uploader.run_once()
    assert (report.bundle_version, report.error) == (7, None)
    assert (store.pending().version, store.current()) == (7, None)
    [fetch] = [request for request in receiver.requests if request.method == "GET"]
    assert fetch.headers["If-None-Match"] == '"0"'
    uploader.run_once()  # the receiver offers the same version again: not fetched again
    assert sum(request.method == "GET" for request in receiver.requests) == 1
    assert "version 7 waiting for the welcome screen" in render_status(read_status(config.data_dir))


def test_the_uploader_refuses_a_tampered_bundle_and_says_so(uploader, store, signed, config):
    uploader, receiver = uploader
    store.accept(*signed(1))
    store.apply_pending()
    raw, signature = flip_a_byte(signed(2))
    receiver.bundle_version = 2
    receiver.bundle_answer = encode_for_wire(raw, signature, 2)
    report = uploader.run_once()
    assert "bundle 2 refused" in report.error
    assert (store.current().version, store.pending()) == (1, None)
    assert not (config.data_dir / BUNDLE_FOLDER / PENDING_FILE).exists()
    status = render_status(read_status(config.data_dir))
    assert "Bundle in use:        version 1" in status
    assert "Bundle refused:       bundle 2: the signature does not verify" in status
    assert uploader.run_once().error is None  # not fetched again, so nothing else is held up


def test_a_refusal_no_longer_stands_once_nothing_newer_is_offered(uploader, store, signed, config):
    uploader, receiver = uploader
    store.accept(*signed(1))
    store.apply_pending()
    receiver.bundle_version = 2
    receiver.bundle_answer = encode_for_wire(*flip_a_byte(signed(2)), 2)
    uploader.run_once()
    assert read_status(config.data_dir)["bundle_refused"]
    uploader.run_once()  # still offered: the refusal stands
    assert uploader.state.snapshot().bundle_refused
    receiver.bundle_version = 1  # the provider withdrew it
    assert uploader.run_once().error is None
    assert uploader.state.snapshot().bundle_refused is None
    assert read_status(config.data_dir)["bundle_refused"] is None
