"""HTTP to the provider's receiver: TLS, the kiosk's credentials, answers read with a size
limit, and failures in words staff can act on."""

from __future__ import annotations

import email.utils
import json
import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx

from kiosk import __version__
from kiosk.config import SyncConfig
from kiosk.errors import UserError

# Answers are small JSON; more is a proxy or a captive portal talking, not the receiver.
MAX_ANSWER_BYTES = 1024 * 1024
MAX_BUNDLE_ANSWER_BYTES = 32 * 1024 * 1024


class SyncFailure(Exception):
    """A request without a usable answer. `retry_after`: seconds the receiver asked to wait;
    `auth`: the receiver refused the credentials; `keep_batch`: retry the same batch (same
    id and body), or make a new one."""

    def __init__(self, message: str, *, retry_after: float | None = None, auth: bool = False,
                 keep_batch: bool = True):
        super().__init__(message)
        self.retry_after = retry_after
        self.auth = auth
        self.keep_batch = keep_batch


@dataclass(frozen=True)
class Answer:
    path: str
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            document = json.loads(self.body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise SyncFailure(f"the answer to {self.path} is not the receiver's (not a JSON object): "
                              "is a proxy or a captive portal in the way?")
        return document

    def error_words(self) -> str:
        """`: code: detail` of a 4xx answer's body, if it has them, to follow its status."""
        try:
            document = json.loads(self.body)
            words = ": ".join(str(document[name]) for name in ("error", "detail") if document.get(name))
        except (ValueError, TypeError, AttributeError):
            return ""
        return f": {words[:200]}" if words else ""


def tls_context(sync: SyncConfig) -> ssl.SSLContext:
    """Verify the receiver with the CA file (only it) or the system's trust store; TLS 1.2 or newer;
    the kiosk's client certificate for mTLS, if it has one."""
    try:
        context = ssl.create_default_context(cafile=str(sync.ca_file) if sync.ca_file else None)
    except (OSError, ssl.SSLError) as error:
        raise UserError(f"is not a usable CA certificate file (PEM): {error}", file=sync.ca_file) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if sync.client_certificate:
        try:
            # An empty password: a passphrase-protected key fails here instead of prompting on a kiosk.
            context.load_cert_chain(sync.client_certificate, sync.client_key, password=b"")
        except (OSError, ssl.SSLError) as error:
            raise UserError(f"cannot be used as the kiosk's client certificate and key (an encrypted key is not "
                            f"supported): {error}", file=sync.client_certificate) from None
    return context


def make_client(sync: SyncConfig, *, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    headers = {"User-Agent": f"feedback-kiosk/{__version__}"}
    if sync.token:
        headers["Authorization"] = f"Bearer {sync.token}"
    return httpx.Client(base_url=sync.server, verify=tls_context(sync), timeout=sync.timeout_seconds,
                        headers=headers, transport=transport, follow_redirects=False)


def send(client: httpx.Client, method: str, path: str, *, content: bytes | None = None,
         headers: dict[str, str] | None = None, limit: int = MAX_ANSWER_BYTES) -> Answer:
    """One request; raises SyncFailure when no answer came (timeout, reset, refused, TLS)."""
    if content is not None:
        headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        with client.stream(method, path, content=content, headers=headers) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise SyncFailure(f"the answer to {path} is larger than {limit} bytes: not the receiver's?")
            return Answer(path, response.status_code, response.headers, bytes(body))
    except httpx.HTTPError as error:
        raise SyncFailure(f"{path}: {describe(error)}") from error


def describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time (timeout)"
    untrusted = _cause_of_type(error, ssl.SSLCertVerificationError)
    if untrusted is not None:
        return f"the receiver's certificate is not trusted ({getattr(untrusted, 'verify_message', None) or untrusted})"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect ({error or 'refused'})"
    return f"the connection failed ({error or type(error).__name__})"


def _cause_of_type(error: BaseException, wanted: type[BaseException]) -> Any:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, wanted):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def failure(answer: Answer) -> SyncFailure:
    """What an answer other than the expected one means for the kiosk (docs/protocol.md)."""
    words = answer.error_words()
    if answer.status in (401, 403):
        return SyncFailure(f"the receiver refused this kiosk's credentials ({answer.status}{words}): "
                           "check the token or certificate, or enrol again", auth=True)
    if answer.status in (409, 429, 503):
        return SyncFailure(f"{answer.path}: the receiver asked to wait ({answer.status}{words})",
                           retry_after=retry_after_seconds(answer.headers.get("Retry-After")))
    if answer.status == 400:
        return SyncFailure(f"{answer.path}: the receiver refused the request as malformed (400{words})",
                           keep_batch=False)
    return SyncFailure(f"{answer.path}: the receiver answered {answer.status}{words}")


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After in seconds, whether given as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
