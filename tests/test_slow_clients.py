"""Slow clients are closed, with real sockets against the receiver as its own process: five
connections that send their headers a byte a second, five unauthenticated ones and five with a
kiosk's token that send their body that slowly are all closed within seconds, while a kiosk's
requests are served."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from provider.config import load_config
from provider.store import open_store
from tests.receiver_support import add_kiosk
from tests.test_receiver_server import receiver_folder, running

HEADER_SECONDS = 2
LIMITS = f"header_timeout_seconds = {HEADER_SECONDS}\nmin_body_bytes_per_second = 100\n"


def slow_body(token: str | None = None) -> bytes:
    """A batch's headers, and the first byte of a body of 100,000."""
    authorization = f"Authorization: Bearer {token}\r\n".encode() if token else b""
    return (b"POST /v1/batches HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\n" + authorization +
            b"Content-Length: 100000\r\n\r\n{")
GIVE_UP_SECONDS = 30


def connect(base_url: str, first: bytes) -> socket.socket:
    parts = urlsplit(base_url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=5)
    connection.sendall(first)
    connection.setblocking(False)
    return connection


def closed_by_peer(connection: socket.socket) -> bool:
    """One more byte, as a slow client sends it; True once the receiver has closed the connection."""
    try:
        if connection.recv(1024) == b"":
            return True
    except BlockingIOError:
        pass
    except OSError:
        return True
    try:
        connection.send(b"x")
    except OSError:
        return True
    return False


def test_slow_headers_and_slow_bodies_are_closed_while_kiosks_are_served(tmp_path, provider_keys):
    config_file, base_url = receiver_folder(tmp_path, provider_keys, "allow_plain_http = true\n", receiver=LIMITS)
    store = open_store(load_config(config_file).database)
    token = add_kiosk(store)
    store.close()
    with running(config_file, base_url):
        slow = {"headers": [connect(base_url, b"G") for _ in range(5)],
                "bodies": [connect(base_url, slow_body()) for _ in range(5)],
                "a kiosk's bodies": [connect(base_url, slow_body(token)) for _ in range(5)]}
        started, closed_after, rounds, served = time.monotonic(), {}, 0, 0
        while len(closed_after) < 15 and time.monotonic() - started < GIVE_UP_SECONDS:
            time.sleep(1)  # a byte a second
            for kind, connections in slow.items():
                for number, connection in enumerate(connections):
                    if (kind, number) not in closed_after and closed_by_peer(connection):
                        closed_after[kind, number] = time.monotonic() - started
            rounds += 1
            served += httpx.get(f"{base_url}/v1/health", timeout=5).status_code == 200
        for connection in (connection for connections in slow.values() for connection in connections):
            connection.close()
    open_still = {(kind, number) for kind in slow for number in range(5)} - set(closed_after)
    assert not open_still, f"still open after {GIVE_UP_SECONDS} s: {sorted(open_still)}"
    latest = {kind: max(seconds for (which, _), seconds in closed_after.items() if which == kind) for kind in slow}
    assert latest["headers"] <= HEADER_SECONDS + 3
    assert latest["bodies"] <= HEADER_SECONDS + 3  # refused (401) at once; its body never gets a say
    assert latest["a kiosk's bodies"] <= 5 + 5  # the body's grace, then the rate check
    assert served == rounds  # a kiosk's request each second, every one answered meanwhile
    log = config_file.with_suffix(".log").read_text()
    assert log.count("sent no request headers") >= 5 and log.count("bytes a second") == 5


def test_connections_are_bounded_and_the_bound_frees_itself(tmp_path, provider_keys):
    limits = f"{LIMITS}max_connections = 4\n"
    config_file, base_url = receiver_folder(tmp_path, provider_keys, "allow_plain_http = true\n", receiver=limits)
    with running(config_file, base_url):
        held = [connect(base_url, b"GET /v1/health HTTP/1.1\r\n") for _ in range(4)]
        assert httpx.get(f"{base_url}/v1/health", timeout=5).status_code == 503  # full: told to come back
        time.sleep(HEADER_SECONDS + 1.5)  # the held connections never finished their headers
        assert httpx.get(f"{base_url}/v1/health", timeout=5).status_code == 200
        for connection in held:
            connection.close()


def test_a_uvicorn_that_moved_what_the_guard_relies_on_stops_the_service(monkeypatch):
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from kiosk.errors import UserError
    from provider import slow_clients

    slow_clients.check()
    monkeypatch.setattr(H11Protocol, "handle_events", lambda self, events: None)
    with pytest.raises(UserError, match=r"uvicorn .* has H11Protocol.handle_events\(self, events\)"):
        slow_clients.check()


def test_a_client_that_goes_away_mid_body_is_no_error(tmp_path, provider_keys):
    config_file, base_url = receiver_folder(tmp_path, provider_keys, "allow_plain_http = true\n", receiver=LIMITS)
    store = open_store(load_config(config_file).database)
    token = add_kiosk(store)
    store.close()
    with running(config_file, base_url):
        gone = connect(base_url, slow_body(token) + b'"kiosk": ')
        time.sleep(0.5)
        gone.close()  # a kiosk losing its network in the middle of a batch
        time.sleep(0.5)
        assert httpx.get(f"{base_url}/v1/health", timeout=5).status_code == 200
    log = config_file.with_suffix(".log").read_text()
    assert "went away" in log
    assert "Traceback" not in log and "ERROR" not in log
