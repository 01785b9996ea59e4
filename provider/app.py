"""The receiver's HTTP API (docs/protocol.md) as a Starlette app: `make_app(config)`.

Handlers stay on the event loop only to read requests; opening envelopes and every
database call run in worker threads. Every refusal is `{"error", "detail"}` with its
status, nothing is stored on a 4xx, and the log holds counts and ids, never contents.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk import __version__
from provider.signing import load_signing_key
from sync.wire.bundle import encode_for_wire, public_pem
from sync.wire.protocol import BATCHES, BUNDLE, ENROL, HEALTH, HEARTBEAT, IDEMPOTENCY_KEY, KIOSK_MISMATCH
from provider.auth import authenticate, client_certificate
from provider.batches import BatchReceiver, parse_json, parse_upload
from provider.config import ReceiverConfig
from provider.database import StoreUnavailable
from provider.heartbeats import HeartbeatInvalid, checked_heartbeat
from provider.keyring import KeyRing
from provider.problems import Problem
from provider.ratelimit import RateLimiter
from provider.store import Kiosk, Store, open_store, utc_text
from provider.surveys import SurveyCatalog

log = logging.getLogger(__name__)

SMALL_BODY_BYTES = 64 * 1024  # heartbeats and enrolments
# A body over the limit is still read (and dropped) up to this many times the limit, so that the
# client gets its 413 instead of a reset connection; past that the connection is closed.
DRAIN_FACTOR = 8
UNAVAILABLE_RETRY_SECONDS = 30


@dataclass(frozen=True)
class _Parts:
    config: ReceiverConfig
    store: Store
    keyring: KeyRing
    batches: BatchReceiver
    limiter: RateLimiter
    signing_key_pem: str


def make_app(config: ReceiverConfig, store: Store | None = None) -> Starlette:
    """The receiver's app. Without `store` it opens the configured database, and closes it at
    shutdown. Raises UserError when the keys or the signing key are missing."""
    keyring = KeyRing(config.keys_dir)
    signing_key_pem = public_pem(load_signing_key(config.signing_key).public_key())
    owned = store is None
    store = store or open_store(config.database)
    parts = _Parts(config, store, keyring,
                   BatchReceiver(store, keyring, SurveyCatalog(store)),
                   RateLimiter(config.requests_per_minute), signing_key_pem)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            store.close()

    app = Starlette(
        routes=[Route(BATCHES, _batches, methods=["POST"]), Route(HEARTBEAT, _heartbeat, methods=["POST"]),
                Route(BUNDLE, _bundle, methods=["GET"]), Route(ENROL, _enrol, methods=["POST"]),
                Route(HEALTH, _health, methods=["GET"])],
        exception_handlers={Problem: _problem, StoreUnavailable: _unavailable, HTTPException: _http_error,
                            ClientDisconnect: _gone},
        lifespan=lifespan,
    )
    app.state.parts = parts
    return app


# -- endpoints ------------------------------------------------------------------------------


async def _batches(request: Request) -> Response:
    parts, kiosk = await _authenticated(request)
    body = await _read_body(request, parts.config.max_body_bytes)
    upload = await run_in_threadpool(parse_upload, body, request.headers.get(IDEMPOTENCY_KEY), kiosk,
                                     parts.config.max_batch)
    return JSONResponse(await run_in_threadpool(parts.batches.receive, upload, kiosk, _now()))


async def _heartbeat(request: Request) -> Response:
    parts, kiosk = await _authenticated(request)
    document = _own_document(await _read_body(request, SMALL_BODY_BYTES), kiosk, required=True)
    try:
        heartbeat = checked_heartbeat(document)
    except HeartbeatInvalid as invalid:
        raise Problem(400, "malformed-body", str(invalid)) from None
    now = _now()
    await run_in_threadpool(parts.store.save_heartbeat, kiosk.id, now, heartbeat)
    version = await run_in_threadpool(parts.store.newest_bundle_version)
    return JSONResponse({"received_at": utc_text(now), "bundle_version": version})


async def _bundle(request: Request) -> Response:
    parts, _ = await _authenticated(request)
    bundle = await run_in_threadpool(parts.store.newest_bundle)
    if bundle is None:
        raise Problem(404, "no-bundle", "nothing has been published yet (kiosk-receiver publish)")
    etag = f'"{bundle.version}"'
    if _none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(encode_for_wire(bundle.raw, bundle.signature, bundle.version), headers={"ETag": etag})


async def _enrol(request: Request) -> Response:
    parts, kiosk = await _authenticated(request)
    _own_document(await _read_body(request, SMALL_BODY_BYTES), kiosk, required=False)
    version = await run_in_threadpool(parts.store.newest_bundle_version)
    log.info("kiosk %s enrolled", kiosk.id)
    return JSONResponse({"kiosk": kiosk.id, "unit": kiosk.unit, "signing_key": parts.signing_key_pem,
                         "keys": [{"kid": pair.kid, "pem": pair.public_pem} for pair in parts.keyring.newest_first],
                         "bundle_version": version, "reply": _reply_promise(parts.config)})


def _reply_promise(config: ReceiverConfig) -> dict | None:
    """What the kiosk promises a client who asks for a reply; None: it offers no reply."""
    if config.reply_answerer is None:
        return None
    return {"answerer": config.reply_answerer, "days": config.reply_working_days}


async def _health(request: Request) -> Response:
    await run_in_threadpool(request.app.state.parts.store.ping)
    return JSONResponse({"status": "ok", "version": __version__})


# -- requests -------------------------------------------------------------------------------


async def _authenticated(request: Request) -> tuple[_Parts, Kiosk]:
    parts: _Parts = request.app.state.parts
    kiosk = await run_in_threadpool(authenticate, parts.store, request.headers.get("authorization"),
                                    client_certificate(request.scope))
    wait = parts.limiter.retry_after(kiosk.id)
    if wait is not None:
        log.warning("kiosk %s is over %d requests a minute", kiosk.id, parts.config.requests_per_minute)
        raise Problem(429, "too-many-requests", f"at most {parts.config.requests_per_minute} requests a minute",
                      retry_after=wait)
    return parts, kiosk


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is larger than `limit`: never all in memory; and
    with 415 unless it is sent as JSON (an empty body may come without a type)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and (media_type or request.headers.get("content-length", "0") != "0"):
        raise Problem(415, "unsupported-media-type", "the body must be sent as application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit * DRAIN_FACTOR:
        raise _too_large(limit)
    chunks: list[bytes] | None = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            chunks = None
            if size > limit * DRAIN_FACTOR:
                break
        elif chunks is not None:
            chunks.append(chunk)
    if chunks is None:
        raise _too_large(limit)
    return b"".join(chunks)


def _too_large(limit: int) -> Problem:
    return Problem(413, "too-large", f"the body is larger than {limit} bytes")


def _own_document(body: bytes, kiosk: Kiosk, *, required: bool) -> dict:
    """A JSON object body, which if it names a kiosk names the authenticated one."""
    if not body.strip() and not required:
        return {}
    document = parse_json(body)
    if not isinstance(document, dict) or (required and not isinstance(document.get("kiosk"), str)):
        raise Problem(400, "malformed-body", 'the body must be a JSON object with "kiosk"')
    if "kiosk" in document and document["kiosk"] != kiosk.id:
        raise Problem(403, KIOSK_MISMATCH, "the body names another kiosk than the credentials")
    return document


def _none_match(header: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag`, or is `*`; weak tags count as strong ones, and a bare
    number as quoted."""
    tags = {tag.strip().removeprefix("W/") for tag in (header or "").split(",")}
    return "*" in tags or etag in {tag if tag.startswith('"') else f'"{tag}"' for tag in tags if tag}


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- refusals -------------------------------------------------------------------------------


def _refusal(status: int, error: str, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


async def _problem(request: Request, problem: Exception) -> Response:
    assert isinstance(problem, Problem)
    log.info("%s %s: %s", request.method, request.url.path, problem)
    wait = {"Retry-After": str(problem.retry_after)} if problem.retry_after is not None else None
    return _refusal(problem.status, problem.error, problem.detail, wait)


async def _unavailable(request: Request, error: Exception) -> Response:
    log.warning("%s %s: database unavailable: %s", request.method, request.url.path, error)
    return _refusal(503, "database-unavailable", "the receiver cannot reach its database; try again later",
                    {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)})


async def _gone(request: Request, _error: Exception) -> Response:
    """The client went away in the middle of its body (a kiosk losing its network): nothing to
    answer, and nothing wrong with the receiver."""
    log.info("%s %s: the client went away before its body was in", request.method, request.url.path)
    return Response(status_code=400)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    # Keeps the router's headers: a 405 must say which methods the path takes (Allow).
    return _refusal(error.status_code, error.detail.lower().replace(" ", "-"), f"{request.method} {request.url.path}",
                    headers=error.headers)
