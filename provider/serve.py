"""`kiosk-receiver serve`: the app under uvicorn, with TLS (and mTLS) from the config."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from pathlib import Path

import uvicorn

from kiosk.errors import UserError
from provider.app import make_app
from provider.config import ReceiverConfig, TLSConfig
from provider import slow_clients
from provider.slow_clients import SlowClientGuard, SlowClientLimits


def check_tls_files(config: ReceiverConfig) -> None:
    """Load the TLS files once before the server does: a mistake is a line naming the key, not a traceback."""
    tls = config.tls
    if tls is None:
        return
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _load(config, "certificate", tls.certificate, lambda: context.load_cert_chain(tls.certificate, tls.key))
    if tls.client_ca is not None:
        _load(config, "client_ca", tls.client_ca, lambda: context.load_verify_locations(cafile=tls.client_ca))


def _load(config: ReceiverConfig, key: str, path: Path, load: Callable[[], object]) -> None:
    try:
        load()
    except (OSError, ssl.SSLError) as error:
        raise UserError(f"{path} cannot be used: {getattr(error, 'strerror', None) or error}", file=config.source,
                        key=f"tls.{key}") from None


def uvicorn_config(config: ReceiverConfig) -> uvicorn.Config:
    check_tls_files(config)
    slow_clients.check()
    limits = SlowClientLimits(config.header_timeout_seconds, config.min_body_bytes_per_second)
    return uvicorn.Config(make_app(config), host=config.host, port=config.port,
                          http=functools.partial(SlowClientGuard, limits=limits),
                          limit_concurrency=config.max_connections, lifespan="on", proxy_headers=False,
                          server_header=False, log_config=None, **_tls_options(config.tls))


def _tls_options(tls: TLSConfig | None) -> dict:
    if tls is None:
        return {}
    options = {"ssl_certfile": str(tls.certificate), "ssl_keyfile": str(tls.key)}
    if tls.client_ca is not None:
        # OPTIONAL: a kiosk may still enrol with its token; any certificate it shows must verify.
        options.update(ssl_ca_certs=str(tls.client_ca),
                       ssl_cert_reqs=ssl.CERT_REQUIRED if tls.require_client_certificate else ssl.CERT_OPTIONAL)
    return options


def serve(config: ReceiverConfig) -> None:
    uvicorn.Server(uvicorn_config(config)).run()
