"""Sealing records to the provider's key: round trips, tampering, key choice and key files."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk import keyfiles
from kiosk.errors import UserError
from kiosk.keyfiles import (CLASSIC_SUITE, HYBRID_SUITE, PrivateKey, PublicKey, generate_key_pair,
                            load_private_key, load_public_key, private_key_is_encrypted)
from kiosk.sealing import EnvelopeError, envelope_info, open_envelope, seal

ANSWER = "Odotin lääkäriä kaksi tuntia ja aula oli kylmä"
KIOSK = "terveysasema-3"
OTHER_SUITE = {CLASSIC_SUITE: HYBRID_SUITE, HYBRID_SUITE: CLASSIC_SUITE}


def record(record_id: str = "0b6f8a2e-4c1d-4e8a-9f3b-6d2c1e0a9b7f") -> dict[str, Any]:
    return {"id": record_id, "survey": "visit|3", "rating": 2, "reasons": ["waiting"], "text": ANSWER}


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[PublicKey, PrivateKey]]:
    """Two key pairs of each kind, loaded from the files generate_key_pair wrote."""
    pairs = {}
    for name, hybrid in [("x25519", False), ("hybrid", True), ("x25519-2", False), ("hybrid-2", True)]:
        private_path, public_path = generate_key_pair(tmp_path_factory.mktemp(name), hybrid=hybrid)
        pairs[name] = (load_public_key(public_path), load_private_key(private_path))
    return pairs


@pytest.fixture(params=["x25519", "hybrid"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def pair(keyring: dict[str, tuple[PublicKey, PrivateKey]], kind: str) -> tuple[PublicKey, PrivateKey]:
    return keyring[kind]


def stored(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope as it comes back from the outbox or the network: through JSON text."""
    return json.loads(json.dumps(envelope))


def assert_refused(envelope: Any, keys: list[PrivateKey], reason: str) -> None:
    with pytest.raises(EnvelopeError) as caught:
        open_envelope(envelope, keys)
    assert caught.value.reason == reason


# Sealing and opening


def test_round_trip_gives_back_the_record(pair: tuple[PublicKey, PrivateKey], kind: str) -> None:
    public, private = pair
    envelope = stored(seal(record(), public, kiosk_id=KIOSK))
    assert open_envelope(envelope, [private]) == record()
    assert envelope["suite"] == {"x25519": CLASSIC_SUITE, "hybrid": HYBRID_SUITE}[kind]
    assert (envelope["v"], envelope["id"], envelope["kid"], envelope["kiosk"]) == (1, record()["id"], public.kid, KIOSK)


def test_extra_field_travels_in_clear_and_opens(pair: tuple[PublicKey, PrivateKey]) -> None:
    public, private = pair
    envelope = stored(seal(record(), public, kiosk_id=KIOSK, extra={"clock": "synced"}))
    assert envelope["clock"] == "synced"
    assert open_envelope(envelope, [private]) == record()


def test_envelope_shows_no_answer(pair: tuple[PublicKey, PrivateKey]) -> None:
    envelope = seal(record(), pair[0], kiosk_id=KIOSK)
    for text in (json.dumps(envelope), json.dumps(envelope, ensure_ascii=False)):
        assert "kaksi tuntia" not in text and "lääkäriä" not in text and "waiting" not in text
    assert ANSWER.encode() not in base64.b64decode(envelope["ct"])


def test_extra_field_cannot_replace_a_bound_field(pair: tuple[PublicKey, PrivateKey]) -> None:
    with pytest.raises(ValueError):
        seal(record(), pair[0], kiosk_id=KIOSK, extra={"kiosk": "another-kiosk"})


# Tampering


@pytest.mark.parametrize("position", [0, 40, -1], ids=["enc", "body", "tag"])
def test_flipped_ciphertext_byte_is_refused(pair: tuple[PublicKey, PrivateKey], position: int) -> None:
    public, private = pair
    envelope = seal(record(), public, kiosk_id=KIOSK)
    ciphertext = bytearray(base64.b64decode(envelope["ct"]))
    ciphertext[position] ^= 0x01
    assert_refused(envelope | {"ct": base64.b64encode(ciphertext).decode()}, [private], "tampered")


TAMPERINGS = {
    "kiosk changed": lambda envelope: envelope | {"kiosk": "terveysasema-4"},
    "id changed": lambda envelope: envelope | {"id": "9c1d2e3f-0000-4000-8000-000000000000"},
    "suite changed": lambda envelope: envelope | {"suite": OTHER_SUITE[envelope["suite"]]},
    "extra changed": lambda envelope: envelope | {"clock": "unsynced"},
    "extra removed": lambda envelope: {name: value for name, value in envelope.items() if name != "clock"},
    "field added": lambda envelope: envelope | {"day": "2025-03-01"},
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_changed_cleartext_field_is_refused(pair: tuple[PublicKey, PrivateKey], tamper: Any) -> None:
    public, private = pair
    envelope = stored(seal(record(), public, kiosk_id=KIOSK, extra={"clock": "synced"}))
    assert_refused(tamper(envelope), [private], "tampered")


def test_kid_of_another_key_is_refused(keyring: dict[str, tuple[PublicKey, PrivateKey]], kind: str) -> None:
    public, private = keyring[kind]
    other_private = keyring[f"{kind}-2"][1]
    envelope = seal(record(), public, kiosk_id=KIOSK) | {"kid": other_private.kid}
    assert_refused(envelope, [private, other_private], "tampered")


def test_changed_version_is_refused(pair: tuple[PublicKey, PrivateKey]) -> None:
    public, private = pair
    assert_refused(seal(record(), public, kiosk_id=KIOSK) | {"v": 2}, [private], "unsupported-version")


def test_ciphertexts_swapped_between_envelopes_are_refused(pair: tuple[PublicKey, PrivateKey]) -> None:
    public, private = pair
    first = seal(record(), public, kiosk_id=KIOSK)
    second = seal(record("5e3a1c9d-7b2f-4a6e-8d0c-1f9e8b7a6c5d"), public, kiosk_id=KIOSK)
    assert_refused(first | {"ct": second["ct"]}, [private], "tampered")
    assert_refused(second | {"ct": first["ct"]}, [private], "tampered")


MALFORMED = {
    "not an object": lambda envelope: [envelope],
    "id missing": lambda envelope: {name: value for name, value in envelope.items() if name != "id"},
    "ct missing": lambda envelope: {name: value for name, value in envelope.items() if name != "ct"},
    "ct not base64": lambda envelope: envelope | {"ct": "not base64!"},
    "kid a number": lambda envelope: envelope | {"kid": 12},
    "version as text": lambda envelope: envelope | {"v": "1"},
    "extra a number": lambda envelope: envelope | {"clock": 1},
    "lone surrogate": lambda envelope: envelope | {"kiosk": "\ud800"},
}


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_envelope_is_refused(pair: tuple[PublicKey, PrivateKey], damage: Any) -> None:
    public, private = pair
    assert_refused(damage(seal(record(), public, kiosk_id=KIOSK)), [private], "malformed")


def test_unknown_suite_is_refused(pair: tuple[PublicKey, PrivateKey]) -> None:
    public, private = pair
    envelope = seal(record(), public, kiosk_id=KIOSK) | {"suite": "rsa-oaep"}
    assert_refused(envelope, [private], "unsupported-suite")


def sealed_bytes(public: PublicKey, plaintext: bytes, record_id: str) -> dict[str, Any]:
    """An authentic envelope around any plaintext, as a faulty or hostile sealer could make."""
    cleartext = {"v": 1, "id": record_id, "kid": public.kid, "suite": public.suite, "kiosk": KIOSK}
    ciphertext = public.hpke_suite.encrypt(plaintext, public.hpke_key, info=envelope_info(cleartext))
    return cleartext | {"ct": base64.b64encode(ciphertext).decode()}


@pytest.mark.parametrize("plaintext", [b"not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000],
                         ids=["text", "list", "not utf-8", "deeply nested"])
def test_plaintext_that_is_no_record_is_refused(pair: tuple[PublicKey, PrivateKey], plaintext: bytes) -> None:
    public, private = pair
    assert_refused(sealed_bytes(public, plaintext, record()["id"]), [private], "not-json")


def test_record_with_another_id_than_its_envelope_is_refused(pair: tuple[PublicKey, PrivateKey]) -> None:
    public, private = pair
    envelope = sealed_bytes(public, json.dumps(record()).encode(), "9c1d2e3f-0000-4000-8000-000000000000")
    assert_refused(envelope, [private], "id-mismatch")


# Choosing the key


def test_unknown_key_is_refused(keyring: dict[str, tuple[PublicKey, PrivateKey]], kind: str) -> None:
    envelope = seal(record(), keyring[kind][0], kiosk_id=KIOSK)
    assert_refused(envelope, [keyring[f"{kind}-2"][1]], "unknown-key")


def test_right_key_is_chosen_among_several(keyring: dict[str, tuple[PublicKey, PrivateKey]]) -> None:
    private_keys = [private for _, private in keyring.values()]
    for public, _ in keyring.values():
        for keys in (private_keys, private_keys[::-1]):
            assert open_envelope(seal(record(), public, kiosk_id=KIOSK), keys) == record()


# Key files


def test_private_key_file_is_for_its_owner_only(tmp_path: Path) -> None:
    private_path, public_path = generate_key_pair(tmp_path, hybrid=False)
    assert private_path.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE" not in public_path.read_bytes()


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    private_path, public_path = generate_key_pair(tmp_path, hybrid=False)
    before = private_path.read_bytes(), public_path.read_bytes()
    with pytest.raises(UserError, match=re.escape(str(private_path))):
        generate_key_pair(tmp_path, hybrid=False)
    assert (private_path.read_bytes(), public_path.read_bytes()) == before


def test_existing_public_key_alone_is_not_overwritten(tmp_path: Path) -> None:
    public_path = tmp_path / keyfiles.PUBLIC_KEY_FILE
    public_path.write_text("provider's current key\n")
    with pytest.raises(UserError, match=re.escape(str(public_path))):
        generate_key_pair(tmp_path, hybrid=False)
    assert public_path.read_text() == "provider's current key\n"
    assert not (tmp_path / keyfiles.PRIVATE_KEY_FILE).exists()


def test_passphrase_protected_key_round_trip(tmp_path: Path, kind: str) -> None:
    private_path, public_path = generate_key_pair(tmp_path, hybrid=kind == "hybrid", passphrase=b"kolme kuusi yhdeksan")
    assert private_key_is_encrypted(private_path)
    private = load_private_key(private_path, b"kolme kuusi yhdeksan")
    public = load_public_key(public_path)
    assert private.kid == public.kid
    assert open_envelope(seal(record(), public, kiosk_id=KIOSK), [private]) == record()


def test_key_without_passphrase_is_not_encrypted(tmp_path: Path) -> None:
    private_path, _ = generate_key_pair(tmp_path, hybrid=False)
    assert not private_key_is_encrypted(private_path)


@pytest.mark.parametrize("passphrase", [b"wrong passphrase", None], ids=["wrong", "none"])
def test_encrypted_key_needs_the_right_passphrase(tmp_path: Path, kind: str, passphrase: bytes | None) -> None:
    private_path, _ = generate_key_pair(tmp_path, hybrid=kind == "hybrid", passphrase=b"kolme kuusi yhdeksan")
    with pytest.raises(UserError, match="passphrase") as caught:
        load_private_key(private_path, passphrase)
    assert caught.value.file == str(private_path)


def ed25519_public_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


BAD_PUBLIC_KEY_FILES = {
    "garbage": lambda private_pem: b"this is not a key\n",
    "damaged block": lambda private_pem: b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    "wrong key type": lambda private_pem: ed25519_public_pem(),
    "certificate": lambda private_pem: b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "private key": lambda private_pem: private_pem,
}


@pytest.mark.parametrize("contents", BAD_PUBLIC_KEY_FILES.values(), ids=BAD_PUBLIC_KEY_FILES.keys())
def test_bad_public_key_file_is_a_user_error(tmp_path: Path, contents: Any) -> None:
    private_path, _ = generate_key_pair(tmp_path / "keys", hybrid=False)
    bad = tmp_path / "kiosk-key.pem"
    bad.write_bytes(contents(private_path.read_bytes()))
    with pytest.raises(UserError) as caught:
        load_public_key(bad)
    assert caught.value.file == str(bad)


def test_private_key_given_as_public_key_says_so(tmp_path: Path) -> None:
    private_path, _ = generate_key_pair(tmp_path, hybrid=False)
    with pytest.raises(UserError, match="private key"):
        load_public_key(private_path)


def test_missing_key_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found") as caught:
        load_public_key(tmp_path / "nowhere.pem")
    assert caught.value.file == str(tmp_path / "nowhere.pem")


def test_kid_is_stable_across_reloads(tmp_path: Path, kind: str) -> None:
    private_path, public_path = generate_key_pair(tmp_path, hybrid=kind == "hybrid")
    first, again = load_public_key(public_path), load_public_key(public_path)
    assert (first.kid, first.fingerprint) == (again.kid, again.fingerprint)
    assert load_private_key(private_path).kid == first.kid
    assert first.fingerprint.replace(" ", "").startswith(first.kid)


def test_different_keys_have_different_kids(keyring: dict[str, tuple[PublicKey, PrivateKey]]) -> None:
    assert len({public.kid for public, _ in keyring.values()}) == len(keyring)


def test_hybrid_key_blocks_may_come_in_either_order(tmp_path: Path) -> None:
    _, public_path = generate_key_pair(tmp_path, hybrid=True)
    blocks = re.findall(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----\n", public_path.read_bytes(), re.DOTALL)
    swapped = tmp_path / "swapped.pub.pem"
    swapped.write_bytes(b"".join(reversed(blocks)))
    assert load_public_key(swapped).kid == load_public_key(public_path).kid


def test_hybrid_key_without_ml_kem_is_a_clear_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private_path, public_path = generate_key_pair(tmp_path / "hybrid", hybrid=True)
    classic_private, classic_public = generate_key_pair(tmp_path / "classic", hybrid=False)
    monkeypatch.setattr(keyfiles, "hybrid_supported", lambda: False)
    for load, path in [(load_public_key, public_path), (load_private_key, private_path)]:
        with pytest.raises(UserError, match="ML-KEM") as caught:
            load(path)
        assert caught.value.file == str(path)
    with pytest.raises(UserError, match="ML-KEM"):
        generate_key_pair(tmp_path / "new", hybrid=True)
    assert load_public_key(classic_public).kid == load_private_key(classic_private).kid
