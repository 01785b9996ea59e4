"""Signed bundles: what the provider sends its kiosks (surveys, announcements, public keys).

The provider signs the bundle's exact bytes with Ed25519; a kiosk verifies them with
the signing key it pinned at enrolment before it parses anything, and refuses a
bundle that is not newer than the one it uses.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


FORMAT = 1


class BundleRefused(Exception):
    """A bundle the kiosk must not apply; the message says why (for the log and staff)."""


@dataclass(frozen=True)
class Bundle:
    version: int
    surveys: list[dict]  # {"id", "version", "toml"}
    announcements: list[dict]  # {"id", "texts": {language: text}}
    keys: list[dict]  # {"kid", "pem"}
    raw: bytes  # the exact signed bytes, kept to be stored and checked again
    signature: bytes


def make_bundle(version: int, *, surveys: list[dict], announcements: list[dict], keys: list[dict]) -> bytes:
    document = {"format": FORMAT, "version": version, "created": _now(), "surveys": surveys,
                "announcements": announcements, "keys": keys}
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(raw: bytes, signing_key: Ed25519PrivateKey) -> bytes:
    return signing_key.sign(raw)


def open_bundle(raw: bytes, signature: bytes, pinned: Ed25519PublicKey, *, newer_than: int) -> Bundle:
    """Verify, then parse. Raises BundleRefused for a bad signature, a malformed or an old bundle."""
    try:
        pinned.verify(signature, raw)
    except InvalidSignature:
        raise BundleRefused("the signature does not verify with the pinned signing key") from None
    try:
        document = json.loads(raw)
        bundle = Bundle(int(document["version"]), list(document["surveys"]), list(document["announcements"]),
                        list(document["keys"]), raw, signature)
        if document["format"] != FORMAT:
            raise BundleRefused(f"bundle format {document['format']} is not supported")
    except (ValueError, KeyError, TypeError) as error:
        raise BundleRefused(f"malformed bundle: {error}") from None
    if bundle.version <= newer_than:
        raise BundleRefused(f"version {bundle.version} is not newer than {newer_than} (no rollback)")
    return bundle


def encode_for_wire(raw: bytes, signature: bytes, version: int) -> dict:
    return {"version": version, "bundle": base64.b64encode(raw).decode(),
            "signature": base64.b64encode(signature).decode()}


def decode_from_wire(body: dict) -> tuple[bytes, bytes]:
    try:
        return base64.b64decode(body["bundle"], validate=True), base64.b64decode(body["signature"], validate=True)
    except (KeyError, TypeError, ValueError) as error:
        raise BundleRefused(f"malformed bundle answer: {error}") from None


# -- the signing key's public half -----------------------------------------------


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_verify_key(pem: bytes) -> Ed25519PublicKey:
    """The provider's signing key from its PEM; ValueError, saying what it is instead, if it is not one."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise ValueError("is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("is not an Ed25519 public key (the provider's signing key)")
    return key


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
