"""A fault-injecting HTTP/1.1 proxy on loopback, between the kiosk and a real receiver.

It reads each request the kiosk sends (keep-alive connections, `Content-Length` bodies,
as httpx sends them), forwards it to the receiver on a connection of its own, and relays
the answer, unless a fault was queued for the request's path: then the fault decides
(answer instead of the receiver, hold the request past the kiosk's timeout, reset the
connection in the middle of the body, forward but drop the answer, change the answer).
Every request is recorded, with when it arrived and when it was answered.

Threads, not asyncio: the kiosk's uploader is synchronous and runs in the test's process.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn

_ACCEPT_POLL_SECONDS = 0.1
_UPSTREAM_TIMEOUT_SECONDS = 30


class ClientGone(Exception):
    """The kiosk closed its connection (after its timeout, say): nothing more to do for it."""


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]  # as received, Content-Length included
    body: bytes = b""

    def json(self) -> dict:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def with_body(self, body: bytes) -> Answer:
        headers = [(key, value) for key, value in self.headers if key.lower() != "content-length"]
        return Answer(self.status, headers + [("Content-Length", str(len(body)))], body)

    def to_bytes(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} Fault-Proxy"] + [f"{key}: {value}" for key, value in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def json_answer(status: int, document: dict, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, [("Content-Type", "application/json"), *headers]).with_body(json.dumps(document).encode())


@dataclass
class Exchange:
    """One request the kiosk sent, what the proxy did with it, and the answer the kiosk got (if any)."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    received_at: float  # time.monotonic() when the request's head had arrived
    fault: str = "pass"
    body: bytes | None = None  # None: not read whole (reset in the middle)
    answer: Answer | None = None  # what the kiosk was sent; None: nothing
    answered_at: float | None = None
    lost_answer: Answer | None = None  # the receiver's answer the kiosk never got
    _head: bytes = field(default=b"", repr=False)
    _client: socket.socket | None = field(default=None, repr=False)
    _reader: BinaryIO | None = field(default=None, repr=False)
    _upstream_port: int = field(default=0, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    @classmethod
    def arrived(cls, head: bytes, client: socket.socket, reader: BinaryIO, proxy: FaultProxy) -> Exchange:
        request_line, headers = _parse_head(head)
        method, path, _ = request_line.split(" ", 2)
        return cls(method, path, {name.lower(): value for name, value in headers}, time.monotonic(), _head=head,
                   _client=client, _reader=reader, _upstream_port=proxy.upstream_port, _stopping=proxy.stopping)

    @property
    def length(self) -> int:
        return int(self.headers.get("content-length") or 0)

    def read_body(self) -> bytes:
        self.body = _read_exactly(self._reader, self.length)
        return self.body

    def read_half_of_body(self) -> None:
        _read_exactly(self._reader, self.length // 2)

    def pause(self, seconds: float) -> None:
        """Wait, unless the proxy is closing."""
        self._stopping.wait(seconds)

    def forward(self) -> Answer:
        """The receiver's answer to the request, sent on a new connection; ConnectionError if it is down."""
        body = self.body if self.body is not None else self.read_body()
        with socket.create_connection(("127.0.0.1", self._upstream_port), timeout=_UPSTREAM_TIMEOUT_SECONDS) as up:
            up.sendall(self._head + body)
            with up.makefile("rb") as reader:
                return _read_answer(reader, self.method)

    def reply(self, answer: Answer) -> None:
        try:
            self._client.sendall(answer.to_bytes())
        except OSError as error:
            raise ClientGone() from error
        self.answer, self.answered_at = answer, time.monotonic()

    def reset(self) -> NoReturn:
        """Close the kiosk's connection with a TCP reset (RST), as a dropped line or a crashed middlebox does."""
        self._client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raise ClientGone()


Fault = Callable[[Exchange], None]


def pass_through(exchange: Exchange) -> None:
    try:
        answer = exchange.forward()
    except ConnectionError:  # the receiver is down: so is the proxy, for the kiosk
        exchange.reset()
    exchange.reply(answer)


def answer_with(answer: Answer) -> Fault:
    """Answer in the receiver's place; the receiver never sees the request."""

    def fault(exchange: Exchange) -> None:
        exchange.read_body()
        exchange.reply(answer)

    fault.__name__ = f"answer {answer.status}"
    return fault


def hold_for(seconds: float) -> Fault:
    """A slow line: the request reaches the receiver only after `seconds` (past the kiosk's timeout)."""

    def fault(exchange: Exchange) -> None:
        exchange.read_body()
        exchange.pause(seconds)
        exchange.reply(exchange.forward())

    fault.__name__ = f"hold {seconds} s"
    return fault


def reset_in_body(exchange: Exchange) -> None:
    """The connection breaks while the body is on its way: the receiver never sees the request."""
    exchange.read_half_of_body()
    exchange.reset()


def drop_answer(exchange: Exchange) -> None:
    """The receiver gets the request and answers, but the answer is lost on the way back."""
    exchange.lost_answer = exchange.forward()
    exchange.reset()


def change_answer(change: Callable[[Answer], Answer]) -> Fault:
    """Forward, then send the kiosk `change(answer)` instead of the receiver's answer."""

    def fault(exchange: Exchange) -> None:
        exchange.reply(change(exchange.forward()))

    fault.__name__ = f"change by {change.__name__}"
    return fault


class FaultProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.exchanges: list[Exchange] = []
        self.errors: list[BaseException] = []  # the proxy's own failures: a test must see none
        self.stopping = threading.Event()
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self._clients: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_ACCEPT_POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, path: str, *faults: Fault) -> None:
        """The next requests to `path` meet these faults, one each (`pass_through` lets one by)."""
        with self._lock:
            self._faults.setdefault(path, []).extend(faults)

    def seen(self, path: str, method: str = "POST") -> list[Exchange]:
        with self._lock:
            return [exchange for exchange in self.exchanges if (exchange.path, exchange.method) == (path, method)]

    def close(self) -> None:
        self.stopping.set()
        self._acceptor.join()
        self._listener.close()
        with self._lock:
            for client in self._clients:
                try:
                    client.shutdown(socket.SHUT_RDWR)  # wakes its thread, which closes it
                except OSError:
                    pass

    # -- the threads ----------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            with self._lock:
                self._clients.add(client)
            threading.Thread(target=self._serve, args=(client,), name="fault-proxy-client", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        try:
            while not self.stopping.is_set():
                head = _read_head(reader)
                if head is None:
                    return
                self._handle(Exchange.arrived(head, client, reader, self))
        except (ClientGone, ConnectionError):
            pass
        except Exception as error:  # a bug in the proxy: recorded for the test to fail on
            if not self.stopping.is_set():
                self.errors.append(error)
        finally:
            reader.close()
            client.close()
            with self._lock:
                self._clients.discard(client)

    def _handle(self, exchange: Exchange) -> None:
        with self._lock:
            queued = self._faults.get(exchange.path)
            fault = queued.pop(0) if queued else pass_through
            exchange.fault = fault.__name__
            self.exchanges.append(exchange)
        fault(exchange)


# -- HTTP/1.1, as much as the kiosk and the receiver speak --------------------------------------


def _read_head(reader: BinaryIO) -> bytes | None:
    """A request's or an answer's head, up to its blank line; None at the end of the connection."""
    lines = []
    while True:
        line = reader.readline(65536)
        if not line:
            if lines:
                raise ConnectionError("the connection ended inside a head")
            return None
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    first, *rest = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in rest if line]
    return first, headers


def _read_exactly(reader: BinaryIO, length: int) -> bytes:
    data = reader.read(length)
    if len(data) != length:
        raise ConnectionError(f"the connection ended after {len(data)} of {length} bytes")
    return data


def _read_answer(reader: BinaryIO, method: str) -> Answer:
    head = _read_head(reader)
    if head is None:
        raise ConnectionError("the receiver closed the connection without answering")
    status_line, headers = _parse_head(head)
    status = int(status_line.split(" ", 2)[1])
    answer = Answer(status, headers)
    if answer.header("transfer-encoding"):
        raise NotImplementedError("a chunked answer: the receiver's answers have a Content-Length")
    length = answer.header("content-length")
    if length is not None and method != "HEAD":
        answer.body = _read_exactly(reader, int(length))
    return answer
