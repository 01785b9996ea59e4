"""Who is asking: a kiosk's bearer token, or its client certificate (mTLS).

The receiver keeps only SHA-256 hashes: of each token, and of each certificate (its
fingerprint). A client certificate reaches the app through the ASGI TLS extension
(`scope["extensions"]["tls"]["client_cert_chain"]`, see provider.tls).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import ssl
from collections.abc import Mapping
from typing import Any

from provider.problems import Problem
from provider.store import Kiosk, Store

TOKEN_BYTES = 32


def new_token() -> str:
    """32 random bytes, base64url: shown once by `kiosks add`, kept only as its hash. Never one
    that starts with "-", which `kiosk enroll --token TOKEN` would take for an option."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if not token.startswith("-"):
            return token


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def certificate_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def client_certificate(scope: Mapping[str, Any]) -> bytes | None:
    """The DER bytes of the client's certificate, verified by the TLS server, if it gave one."""
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    return ssl.PEM_cert_to_DER_cert(chain[0]) if chain else None


def authenticate(store: Store, authorization: str | None, certificate: bytes | None) -> Kiosk:
    """The kiosk the credentials belong to; raises Problem 401 (unknown) or 403 (revoked)."""
    kiosk = _by_certificate(store, certificate) or _by_token(store, authorization)
    if kiosk is None:
        raise Problem(401, "unauthorized", "no credentials, or credentials this receiver does not know")
    if kiosk.revoked:
        raise Problem(403, "revoked", f"kiosk {kiosk.id} was revoked")
    return kiosk


def _by_certificate(store: Store, certificate: bytes | None) -> Kiosk | None:
    found = store.kiosk_by_certificate(certificate_sha256(certificate)) if certificate else None
    return found[0] if found else None


def _by_token(store: Store, authorization: str | None) -> Kiosk | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = token_sha256(token.strip())
    found = store.kiosk_by_token(digest)
    if found is None:
        return None
    kiosk, stored_digest = found
    # The lookup found it by equality; this comparison is the one that does not leak timing.
    return kiosk if hmac.compare_digest(stored_digest, digest) else None
