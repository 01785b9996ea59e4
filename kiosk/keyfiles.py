"""The provider's HPKE key pair: PEM key files, key ids and fingerprints.

The provider keeps the private key file (PKCS8, optionally passphrase-protected); kiosks get
only the public key file (SubjectPublicKeyInfo). A classic key is one X25519 block; a
post-quantum hybrid key is an ML-KEM-768 block and an X25519 block, used together as the
X-Wing KEM (RFC 9180 KEM id 0x647A). Blocks may come in either order.

Only this module and `kiosk.sealing` import cryptography: import both lazily, so that the
kiosk's first screen paints without it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cryptography
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.backends.openssl.backend import backend
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from kiosk.errors import UserError
from kiosk.keynames import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE

log = logging.getLogger(__name__)

# Short, stable suite names: they are written into every envelope and bound into its HPKE info.
CLASSIC_SUITE = "x25519-sha256-aes256gcm"
HYBRID_SUITE = "mlkem768x25519-sha256-aes256gcm"
SUITES = (CLASSIC_SUITE, HYBRID_SUITE)

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.DOTALL)
_PUBLIC_LABELS = {b"PUBLIC KEY"}
_ENCRYPTED_LABEL = b"ENCRYPTED PRIVATE KEY"
_PRIVATE_LABELS = {b"PRIVATE KEY", _ENCRYPTED_LABEL}
_KEY_KINDS = "one X25519 key, or an ML-KEM-768 key and an X25519 key (a hybrid key)"


@dataclass(frozen=True, eq=False)
class PublicKey:
    """A provider's public key, ready to seal to. `kid` names it in envelopes;
    `fingerprint` is for staff to compare with what the provider shows."""

    suite: str
    kid: str
    fingerprint: str
    hpke_key: x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey = field(repr=False)
    hpke_suite: hpke.Suite = field(repr=False)


@dataclass(frozen=True, eq=False)
class PrivateKey:
    """A provider's private key, ready to open envelopes sealed to `public`."""

    public: PublicKey
    hpke_key: x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey = field(repr=False)

    @property
    def kid(self) -> str:
        return self.public.kid

    @property
    def suite(self) -> str:
        return self.public.suite


@functools.cache
def hybrid_supported() -> bool:
    """Whether this cryptography build has ML-KEM: one built against an older OpenSSL
    (such as a 32-bit Raspberry Pi OS build) may not."""
    try:
        mlkem.MLKEM768PrivateKey.generate()
    except UnsupportedAlgorithm:
        return False
    return True


def _no_mlkem(problem: str, file: Path | None = None) -> UserError:
    return UserError(
        f"{problem}, but this computer's cryptography {cryptography.__version__} "
        f"({backend.openssl_version_text()}) has no ML-KEM: install cryptography's own wheel "
        "on a 64-bit system, or use a classic X25519 key", file=file)


@functools.cache
def _hpke_suite(name: str) -> hpke.Suite:
    kem = hpke.KEM.MLKEM768_X25519 if name == HYBRID_SUITE else hpke.KEM.X25519
    return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def grouped(digest: str) -> str:
    """A hex digest in groups of four, for people to compare by eye."""
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def _public_key(mlkem_part: mlkem.MLKEM768PublicKey | None, x25519_part: x25519.X25519PublicKey) -> PublicKey:
    if mlkem_part is None:
        suite, hpke_key, raw = CLASSIC_SUITE, x25519_part, x25519_part.public_bytes_raw()
    else:
        suite = HYBRID_SUITE
        hpke_key = hpke.MLKEM768X25519PublicKey(mlkem_part, x25519_part)
        raw = mlkem_part.public_bytes_raw() + x25519_part.public_bytes_raw()
    # The suite is hashed in too, so the same bytes used with another suite get another kid.
    digest = hashlib.sha256(suite.encode() + b"\n" + raw).hexdigest()
    return PublicKey(suite=suite, kid=digest[:16], fingerprint=grouped(digest),
                     hpke_key=hpke_key, hpke_suite=_hpke_suite(suite))


def _private_key(mlkem_part: mlkem.MLKEM768PrivateKey | None, x25519_part: x25519.X25519PrivateKey) -> PrivateKey:
    public = _public_key(mlkem_part.public_key() if mlkem_part else None, x25519_part.public_key())
    if mlkem_part is None:
        return PrivateKey(public, x25519_part)
    return PrivateKey(public, hpke.MLKEM768X25519PrivateKey(mlkem_part, x25519_part))


def _read_key_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError("file not found", file=path) from None
    except IsADirectoryError:
        raise UserError("is a folder, not a key file", file=path) from None
    except OSError as error:
        raise UserError(f"cannot be read ({error.strerror})", file=path) from None


def _pem_blocks(data: bytes, path: Path | str) -> list[tuple[bytes, bytes]]:
    """The (label, whole block) pairs of PEM text; text around the blocks is ignored.
    `path` names where the text came from, in errors."""
    blocks = [(match[1], match[0]) for match in _PEM_BLOCK.finditer(data)]
    if not blocks:
        raise UserError("is not a PEM key file (no -----BEGIN ...----- block)", file=path)
    return blocks


def _key_blocks(data: bytes, path: Path | str, *, private: bool) -> list[tuple[bytes, bytes]]:
    blocks = _pem_blocks(data, path)
    labels = {label for label, _ in blocks}
    if not private and labels & _PRIVATE_LABELS:
        raise UserError(f"is a private key: a kiosk needs only the public key ({PUBLIC_KEY_FILE}); "
                        "keep the private key with the provider", file=path)
    if private and labels & _PUBLIC_LABELS:
        raise UserError(f"is a public key: give the private key file ({PRIVATE_KEY_FILE})", file=path)
    if not labels <= (_PRIVATE_LABELS if private else _PUBLIC_LABELS):
        found = ", ".join(sorted(label.decode() for label in labels))
        raise UserError(f"holds {found}, not a {'private' if private else 'public'} key", file=path)
    if len(blocks) > 1 and not hybrid_supported():
        raise _no_mlkem("is a post-quantum hybrid key (ML-KEM-768 + X25519)", path)
    return blocks


def _read_keys(path: Path | str, blocks: list[tuple[bytes, bytes]], load: Callable[[bytes, bytes], Any],
               damaged: str) -> list[Any]:
    try:
        return [load(label, block) for label, block in blocks]
    except UnsupportedAlgorithm:
        raise UserError(f"holds a kind of key this program cannot use: expected {_KEY_KINDS}", file=path) from None
    except ValueError:
        raise UserError(damaged, file=path) from None


def _parts(path: Path | str, keys: list[Any], mlkem_type: type, x25519_type: type) -> tuple[Any, Any]:
    """The ML-KEM part (or None) and the X25519 part of a key, whatever the order of its blocks."""
    mlkem_parts = [key for key in keys if isinstance(key, mlkem_type)]
    x25519_parts = [key for key in keys if isinstance(key, x25519_type)]
    if len(x25519_parts) != 1 or len(mlkem_parts) > 1 or len(mlkem_parts) + 1 != len(keys):
        raise UserError(f"is not a feedback provider key: expected {_KEY_KINDS}", file=path)
    return (mlkem_parts[0] if mlkem_parts else None), x25519_parts[0]


def load_public_key(path: Path) -> PublicKey:
    return public_key_from_pem(_read_key_file(path), path)


def public_key_from_pem(data: bytes, source: Path | str) -> PublicKey:
    """A public key from PEM text, such as a signed bundle's; `source` names it in errors."""
    blocks = _key_blocks(data, source, private=False)
    keys = _read_keys(source, blocks, lambda _label, block: serialization.load_pem_public_key(block),
                      "is damaged: a PUBLIC KEY block cannot be read")
    key = _public_key(*_parts(source, keys, mlkem.MLKEM768PublicKey, x25519.X25519PublicKey))
    log.info("loaded public key %s (%s) from %s", key.kid, key.suite, source)
    return key


def private_key_is_encrypted(path: Path) -> bool:
    """Whether loading the private key file needs a passphrase (so the caller knows to ask)."""
    return any(label == _ENCRYPTED_LABEL for label, _ in _key_blocks(_read_key_file(path), path, private=True))


def load_private_key(path: Path, passphrase: bytes | None = None) -> PrivateKey:
    """A passphrase given for a file that is not encrypted is ignored."""
    blocks = _key_blocks(_read_key_file(path), path, private=True)
    encrypted = any(label == _ENCRYPTED_LABEL for label, _ in blocks)
    if encrypted and passphrase is None:
        raise UserError("is protected by a passphrase: give the passphrase", file=path)

    def load(label: bytes, block: bytes) -> Any:
        return serialization.load_pem_private_key(block, passphrase if label == _ENCRYPTED_LABEL else None)

    damaged = "wrong passphrase (or the file is damaged)" if encrypted else "is damaged: a PRIVATE KEY block cannot be read"
    keys = _read_keys(path, blocks, load, damaged)
    key = _private_key(*_parts(path, keys, mlkem.MLKEM768PrivateKey, x25519.X25519PrivateKey))
    log.info("loaded private key %s (%s) from %s", key.kid, key.suite, path)
    return key


def generate_key_pair(out_dir: Path, *, hybrid: bool = True, passphrase: bytes | None = None) -> tuple[Path, Path]:
    """Write a new provider key pair into `out_dir` and return (private key file, public key file).

    Hybrid (ML-KEM-768 + X25519) by default: free-text feedback may hold health details that
    must stay confidential for years, and a ciphertext recorded today should not open to a
    future quantum computer. It costs ~1.1 KB and ~0.1 ms per envelope; a kiosk that lacks
    ML-KEM refuses the key with a clear error when loading it, never silently at sealing.

    The passphrase protects the private key with PBES2 (PBKDF2-SHA256, AES-256-CBC), the best
    PKCS8 encryption cryptography offers; its PBKDF2 count is low, so use a long passphrase.
    """
    if hybrid and not hybrid_supported():
        raise _no_mlkem("cannot make a post-quantum hybrid key (ML-KEM-768 + X25519)")
    if passphrase == b"":
        raise UserError("the passphrase must not be empty")
    private_path, public_path = out_dir / PRIVATE_KEY_FILE, out_dir / PUBLIC_KEY_FILE
    x25519_part = x25519.X25519PrivateKey.generate()
    parts = [mlkem.MLKEM768PrivateKey.generate(), x25519_part] if hybrid else [x25519_part]
    private_pem, public_pem = _pem_files(parts, passphrase)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot be created ({error.strerror})", file=out_dir) from None
    _write_new(private_path, private_pem, 0o600)
    try:
        _write_new(public_path, public_pem, 0o644)
    except UserError:
        private_path.unlink()  # never leave half a pair: it would block the next attempt
        raise
    return private_path, public_path


def _pem_files(parts: list[Any], passphrase: bytes | None) -> tuple[bytes, bytes]:
    """The private and public key files' contents: one PEM block per part."""
    pem = serialization.Encoding.PEM
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    private_pem = b"".join(part.private_bytes(pem, serialization.PrivateFormat.PKCS8, encryption)
                           for part in parts)
    public_pem = b"".join(part.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
                          for part in parts)
    return private_pem, public_pem


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (O_EXCL: never over an existing file)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UserError("already exists: refusing to overwrite a key", file=path) from None
    except OSError as error:
        raise UserError(f"cannot be created ({error.strerror})", file=path) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        path.unlink(missing_ok=True)
        raise UserError(f"cannot be written ({error.strerror})", file=path) from None
