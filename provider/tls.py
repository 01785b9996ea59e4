"""Uvicorn's HTTP protocol, with the ASGI TLS extension that uvicorn does not fill in itself.

With mTLS the TLS layer has verified the kiosk's certificate against `client_ca`; the app
still has to know *which* certificate it was, to find the kiosk by its fingerprint. This
protocol puts it where the ASGI spec says (https://asgi.readthedocs.io/en/latest/specs/tls.html):
`scope["extensions"]["tls"]["client_cert_chain"]`, a list of PEM texts, the client's first.
Python's ssl module gives the peer's own certificate only, so the list has at most one.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

# ASGI wants the TLS version as its protocol number.
_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def tls_extension(ssl_object: ssl.SSLObject) -> dict[str, Any]:
    peer = ssl_object.getpeercert(binary_form=True)
    return {
        "server_cert": None,
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(peer)] if peer else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": _TLS_VERSIONS.get(ssl_object.version() or ""),
        "cipher_suite": None,
    }


class TLSExtensionProtocol(H11Protocol):
    """Per connection: once the handshake is done, wrap the app so that every request's
    scope on this connection carries the connection's TLS extension."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            self.app = _with_extension(self.app, tls_extension(ssl_object))


def _with_extension(app: Any, tls: dict[str, Any]) -> Any:
    async def app_with_tls(scope: dict, receive: Any, send: Any) -> None:
        await app({**scope, "extensions": {**scope.get("extensions", {}), "tls": tls}}, receive, send)

    return app_with_tls
