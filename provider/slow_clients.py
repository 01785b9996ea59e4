"""Connections that hold the receiver without sending: closed, so that kiosks keep being served.

A client that opens connections and sends its request a byte at a time (slowloris) would
otherwise keep each open for as long as it likes, unauthenticated, until the server has no
room left. So each connection must have sent its request headers within `header_seconds` of
opening (or of its previous response), and a request body must arrive at least at
`min_body_rate` bytes a second once the first `body_grace_seconds` are over; a connection
that does not is closed. The number of connections is bounded by uvicorn's
`limit_concurrency` (provider/serve.py): past it, new requests get a 503.

This subclasses uvicorn's h11 protocol and uses its internals (`cycle`, `transport`, `loop`,
`handle_events`, `on_response_complete`): `check()` stops the service with one line if an
upgrade moved them, and tests/test_receiver_server.py checks with real sockets that slow
clients are closed while others are served.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from kiosk.errors import UserError
from kiosk.internals import first_moved
from provider.tls import TLSExtensionProtocol

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
# What this module relies on in uvicorn: (owner, name, the parameters it must still take).
RELIED_ON = ((H11Protocol, "connection_made", ("self", "transport")),
             (H11Protocol, "data_received", ("self", "data")),
             (H11Protocol, "handle_events", ("self",)),
             (H11Protocol, "on_response_complete", ("self",)),
             (H11Protocol, "connection_lost", ("self", "exc")))


@dataclass(frozen=True)
class SlowClientLimits:
    header_seconds: float = 5.0
    min_body_rate: float = 1_000.0  # bytes a second
    body_grace_seconds: float = 5.0


class SlowClientGuard(TLSExtensionProtocol):
    def __init__(self, *args, limits: SlowClientLimits, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._timer: asyncio.TimerHandle | None = None
        self._watched: RequestResponseCycle | None = None  # the request whose body is being watched
        self._body_since = 0.0
        self._body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def data_received(self, data: bytes) -> None:
        if self._watched is not None:
            self._body_bytes += len(data)
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self.cycle is not self._watched and not self.cycle.response_complete:
            self._watch_body(self.cycle)  # the headers of a new request are in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._expect_headers()  # a kept-alive connection's next request

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        self._cancel()
        self._watched = None
        self._timer = self.loop.call_later(self._limits.header_seconds, self._close, "sent no request headers")

    def _watch_body(self, cycle: RequestResponseCycle) -> None:
        self._cancel()
        self._watched, self._body_since, self._body_bytes = cycle, self.loop.time(), 0
        self._timer = self.loop.call_later(CHECK_SECONDS, self._check_body)

    def _check_body(self) -> None:
        cycle = self._watched
        if cycle is None or not cycle.more_body or cycle.response_complete:
            return  # the body is all in: the app answers in its own time
        elapsed = self.loop.time() - self._body_since - self._limits.body_grace_seconds
        if elapsed > 0 and self._body_bytes < self._limits.min_body_rate * elapsed:
            self._close(f"sent its body at {self._body_bytes / (elapsed + self._limits.body_grace_seconds):.0f} "
                        "bytes a second")
            return
        self._timer = self.loop.call_later(CHECK_SECONDS, self._check_body)

    def _close(self, why: str) -> None:
        if not self.transport.is_closing():
            log.warning("closed a connection from %s that %s", _address(self.client), why)
            self.transport.close()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _address(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "an unknown address"


def check() -> None:
    """UserError naming uvicorn's version if what the guard relies on moved."""
    moved = first_moved(RELIED_ON)
    if moved is None and not {"more_body", "response_complete"} <= set(RequestResponseCycle.__init__.__code__.co_names):
        moved = "a RequestResponseCycle without more_body or response_complete"
    if moved is not None:
        from importlib.metadata import version

        raise UserError(f"uvicorn {version('uvicorn')} has {moved}: provider/slow_clients.py no longer fits it; "
                        "install the uvicorn the project names, or update it", key="uvicorn")
