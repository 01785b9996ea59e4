"""Sealing feedback records to the provider's public key, and opening them again.

A record is sealed with HPKE (RFC 9180, base mode) into an envelope, a JSON object:

    {"v": 1, "id": <record id>, "kid": <key id>, "suite": <suite name>, "kiosk": <kiosk id>,
     ...extra text fields..., "ct": <base64 of HPKE enc || ciphertext>}

The plaintext is the record's canonical JSON. Every field but `ct` is bound into the HPKE
`info` (see `envelope_info`), so no field can be changed, added or removed, and a ciphertext
cannot be moved to another envelope, kiosk or key. The kiosk itself cannot open what it seals.

Only this module and `kiosk.keyfiles` import cryptography: import both lazily.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag

from kiosk.keyfiles import SUITES, PrivateKey, PublicKey

VERSION = 1
INFO_LABEL = b"feedback-kiosk/envelope/v1\n"
_CORE_FIELDS = ("v", "id", "kid", "suite", "kiosk")
_NO_EXTRA: Mapping[str, str] = MappingProxyType({})


class EnvelopeError(Exception):
    """An envelope that cannot be opened. `reason` is one of:
    "malformed" (a field missing or of the wrong type, `ct` not base64),
    "unsupported-version", "unsupported-suite", "unknown-key" (no key with its kid),
    "tampered" (a field or a ciphertext byte changed: HPKE refused it),
    "not-json" (the plaintext is not a JSON object),
    "id-mismatch" (the record inside has another id than the envelope)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: for JSON texts, the same bytes as RFC 8785 (JCS)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def envelope_info(cleartext: Mapping[str, Any]) -> bytes:
    """The HPKE info of an envelope: a domain label, then the canonical JSON of all its fields but `ct`."""
    return INFO_LABEL + canonical_json(cleartext)


def seal(record: Mapping[str, Any], public_key: PublicKey, *, kiosk_id: str,
         extra: Mapping[str, str] = _NO_EXTRA) -> dict[str, Any]:
    """Seal `record` (which has an "id" text) into an envelope for `public_key`.
    `extra` adds cleartext text fields, all bound into the info like the others."""
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError("a record needs an 'id' text")
    if not all(isinstance(name, str) and isinstance(value, str) for name, value in extra.items()):
        raise ValueError("extra envelope fields must be texts")
    clashes = sorted(set(extra) & {*_CORE_FIELDS, "ct"})
    if clashes:
        raise ValueError(f"extra envelope fields cannot replace {clashes}")
    cleartext = {**extra, "v": VERSION, "id": record_id, "kid": public_key.kid,
                 "suite": public_key.suite, "kiosk": kiosk_id}
    ciphertext = public_key.hpke_suite.encrypt(canonical_json(record), public_key.hpke_key,
                                               info=envelope_info(cleartext))
    return {**cleartext, "ct": base64.b64encode(ciphertext).decode("ascii")}


class _Parsed(NamedTuple):
    record_id: str
    kid: str
    info: bytes
    ciphertext: bytes


def _parse(envelope: Mapping[str, Any]) -> _Parsed:
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("malformed")
    version = envelope.get("v")
    if type(version) is not int:
        raise EnvelopeError("malformed")
    if version != VERSION:
        raise EnvelopeError("unsupported-version")
    cleartext = {name: value for name, value in envelope.items() if name != "ct"}
    well_typed = all(isinstance(name, str) and (name == "v" or isinstance(value, str))
                     for name, value in cleartext.items())
    if not well_typed or not all(name in cleartext for name in _CORE_FIELDS):
        raise EnvelopeError("malformed")
    if cleartext["suite"] not in SUITES:
        raise EnvelopeError("unsupported-suite")
    try:
        ciphertext = base64.b64decode(envelope.get("ct"), validate=True)
        info = envelope_info(cleartext)  # a lone surrogate in a field cannot be UTF-8
    except (TypeError, ValueError):
        raise EnvelopeError("malformed") from None
    return _Parsed(cleartext["id"], cleartext["kid"], info, ciphertext)


def open_envelope(envelope: Mapping[str, Any], private_keys: Iterable[PrivateKey]) -> dict[str, Any]:
    """The record sealed in `envelope`, opened with whichever of `private_keys` it names;
    raises EnvelopeError."""
    parsed = _parse(envelope)
    key = next((key for key in private_keys if key.kid == parsed.kid), None)
    if key is None:
        raise EnvelopeError("unknown-key")
    try:
        plaintext = key.public.hpke_suite.decrypt(parsed.ciphertext, key.hpke_key, info=parsed.info)
    except InvalidTag:
        raise EnvelopeError("tampered") from None
    try:
        record = json.loads(plaintext.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError: a hostile sealer's deeply nested JSON
        raise EnvelopeError("not-json") from None
    if not isinstance(record, dict):
        raise EnvelopeError("not-json")
    if record.get("id") != parsed.record_id:
        raise EnvelopeError("id-mismatch")
    return record
