"""The provider's Ed25519 signing key, which signs the bundles it publishes (sync/wire/bundle.py).

It is made once (`kiosk-receiver signing-key generate`) and never overwritten: every kiosk
pinned its public half when it enrolled.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.errors import UserError


def generate_signing_key(path: Path) -> Ed25519PublicKey:
    """A new Ed25519 signing key, written to `path` (0600, never overwriting); returns its public half."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        with open(path, "xb", opener=lambda name, flags: os.open(name, flags, 0o600)) as file:
            file.write(pem)
    except FileExistsError:
        raise UserError("already exists: a signing key is never overwritten", file=path) from None
    return key.public_key()


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    key = _load(path, lambda data: serialization.load_pem_private_key(data, None))
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError("is not an Ed25519 private key", file=path)
    return key


def _load(path: Path, parse):
    try:
        return parse(path.read_bytes())
    except OSError as error:
        raise UserError(f"cannot be read ({error.strerror})", file=path) from None
    except (ValueError, TypeError):
        raise UserError("is not a PEM key file", file=path) from None
