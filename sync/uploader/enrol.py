"""`kiosk enroll`: ask the receiver what this kiosk must pin (`POST /v1/enrol`).

Every failure is one line a person can act on: a wrong token, an unreachable server,
a certificate the kiosk does not trust, an answer that is not an enrolment.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from kiosk import __version__
from kiosk.bundles import pinned_signing_key
from kiosk.config import SyncConfig, server_problem
from kiosk.enrolment import Enrolment
from kiosk.errors import UserError
from kiosk.keyfiles import grouped, public_key_from_pem
from kiosk.languages import CODES
from kiosk.survey import ID_PATTERN
from sync.uploader.http import SyncFailure, make_client, send
from sync.wire.protocol import ENROL, MAX_REPLY_DAYS

SERVER_OPTION = "--server"
TOKEN_OPTION = "--token"


def enrol(server: str, token: str, *, ca_file: Path | None = None, allow_insecure_http: bool = False,
          timeout_seconds: float = 30, transport: httpx.BaseTransport | None = None) -> Enrolment:
    """Enrol with the receiver at `server`, with the token from `kiosk-receiver kiosks add`."""
    server = server.rstrip("/")
    problem = server_problem(server, allow_insecure_http=allow_insecure_http, allow_with="add --allow-insecure-http")
    if problem:
        raise UserError(problem, key=SERVER_OPTION)
    ca_file = ca_file.absolute() if ca_file else None  # kept in enrolment.json, used from any folder
    sync = SyncConfig(server=server, token=token, ca_file=ca_file, allow_insecure_http=allow_insecure_http,
                      timeout_seconds=timeout_seconds)
    with make_client(sync, transport=transport) as client:
        try:
            answer = send(client, "POST", ENROL, content=json.dumps({"software": __version__}).encode())
        except SyncFailure as failure:
            raise UserError(f"cannot enrol with {server}: {failure}", key=SERVER_OPTION) from None
    words = answer.error_words()
    if answer.status == 401:
        raise UserError(f"the receiver does not know this token (401{words}): check it, or ask for a new one "
                        "(kiosk-receiver kiosks add)", key=TOKEN_OPTION)
    if answer.status == 403:
        raise UserError(f"the receiver refused this token (403{words}): the kiosk may have been revoked",
                        key=TOKEN_OPTION)
    if answer.status != 200:
        raise UserError(f"{server} answered {answer.status}{words} to the enrolment", key=SERVER_OPTION)
    try:
        document = answer.json()
    except SyncFailure as failure:
        raise UserError(str(failure), key=SERVER_OPTION) from None
    return _enrolment(document, server=server, token=token, ca_file=ca_file, allow_insecure_http=allow_insecure_http)


def _enrolment(document: dict[str, Any], *, server: str, token: str, ca_file: Path | None,
               allow_insecure_http: bool) -> Enrolment:
    """Check everything the kiosk will rely on before anything is written."""
    try:
        enrolment = Enrolment(
            server=server, kiosk_id=_identifier(document["kiosk"], "kiosk"), unit_id=_identifier(document["unit"], "unit"),
            token=token, signing_key=document["signing_key"], keys=[dict(key) for key in document["keys"]],
            ca_file=str(ca_file) if ca_file else None, allow_insecure_http=allow_insecure_http,
            bundle_version=int(document.get("bundle_version") or 0), reply=_reply(document.get("reply")),
            enrolled_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        pinned_signing_key(enrolment.signing_key.encode(), "the receiver's signing key")
        if not enrolment.keys:
            raise UserError("the receiver's answer has no public key to seal to", key=SERVER_OPTION)
        for key in enrolment.keys:
            public_key_from_pem(key["pem"].encode(), f"the receiver's public key {key.get('kid')}")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UserError(f"the receiver's answer is not an enrolment ({error!r})", key=SERVER_OPTION) from None
    return enrolment


def _reply(promise: Any) -> dict | None:
    """The provider's promise to clients who ask for a reply; None when it makes none."""
    if promise is None:
        return None
    answerer = promise.get("answerer") if isinstance(promise, dict) else None
    if not isinstance(answerer, dict) or not all(isinstance(answerer.get(code), str) and answerer[code].strip()
                                                 for code in CODES):
        raise ValueError(f"reply.answerer must have a text in each of {', '.join(CODES)}")
    days = promise.get("days")
    if type(days) is not int or not 1 <= days <= MAX_REPLY_DAYS:
        raise ValueError(f"reply.days must be a whole number of days, 1 to {MAX_REPLY_DAYS}")
    return {"answerer": {code: answerer[code] for code in CODES}, "days": days}


def _identifier(value: object, name: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(ID_PATTERN, value):
        raise UserError(f"the receiver's answer has an invalid {name} id {value!r}", key=SERVER_OPTION)
    return value


def signing_key_fingerprint(pem: str) -> str:
    """SHA-256 of the Ed25519 key's 32 bytes, in groups of four hex digits, to compare by eye."""
    raw = pinned_signing_key(pem.encode(), "the signing key").public_bytes_raw()
    return grouped(hashlib.sha256(raw).hexdigest())
