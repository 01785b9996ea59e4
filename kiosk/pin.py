"""The staff PIN: kept only as a salted slow hash, guarded by a growing lock-out.

The hash is scrypt (hashlib, so no heavy import) in the config file, written by
`kiosk set-pin`. Five wrong PINs lock the pad for 30 seconds; each further wrong
PIN doubles the wait, up to an hour. The count survives a restart, so pulling the
plug does not reset it. No PIN, right or wrong, is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PIN_PATTERN = r"[0-9]{4,12}"  # not \d: it takes other scripts' digits, which the PIN pad cannot type
FREE_ATTEMPTS = 5
FIRST_LOCKOUT_SECONDS = 30
MAX_LOCKOUT_SECONDS = 3600
# scrypt cost: about 50 ms on a laptop, a few hundred on a Raspberry Pi, per guess.
_N, _R, _P, _LENGTH = 2**14, 8, 1, 32
LOCK_FILE = "staff-lock.json"
_STAFF_HEADER = re.compile(r"\s*\[\s*staff\s*\]\s*(#.*)?")  # a comment may follow it


def hash_pin(pin: str) -> str:
    if not re.fullmatch(PIN_PATTERN, pin):
        raise ValueError("a PIN is 4 to 12 digits")
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LENGTH)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def pin_hash_is_valid(stored: str) -> bool:
    try:
        _parse(stored)
    except ValueError:
        return False
    return True


def verify_pin(pin: str, stored: str) -> bool:
    n, r, p, salt, digest = _parse(stored)
    candidate = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(digest), maxmem=2**26)
    return hmac.compare_digest(candidate, digest)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("not a PIN hash made by `kiosk set-pin`")
    try:
        return int(parts[1]), int(parts[2]), int(parts[3]), base64.b64decode(parts[4]), base64.b64decode(parts[5])
    except ValueError:
        raise ValueError("a damaged PIN hash") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def with_pin_hash(config_text: str, stored: str) -> str:
    """The config file's text with `pin_hash` set in its [staff] table (made if missing); the
    rest of the file, comments included, stays as the admin wrote it."""
    lines = config_text.splitlines()
    setting = f'pin_hash = "{stored}"'
    header = next((index for index, line in enumerate(lines) if _STAFF_HEADER.fullmatch(line)), None)
    if header is None:
        return config_text.rstrip("\n") + f"\n\n[staff]\n{setting}\n"
    end = next((index for index in range(header + 1, len(lines)) if lines[index].lstrip().startswith("[")),
               len(lines))
    for index in range(header + 1, end):
        if re.match(r"\s*pin_hash\s*=", lines[index]):
            lines[index] = setting
            break
    else:
        lines.insert(header + 1, setting)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PinResult:
    accepted: bool
    locked_for: float = 0  # seconds until another PIN may be tried


class PinGuard:
    """Checks PINs against the stored hash and keeps the lock-out, in a file of its own."""

    def __init__(self, stored_hash: str, state_dir: Path, *, clock: Callable[[], float] = time.time):
        self._hash = stored_hash
        self._path = state_dir / LOCK_FILE
        self._clock = clock
        self.failures, self.locked_until = self._load()

    def locked_for(self) -> float:
        return max(0.0, self.locked_until - self._clock())

    def try_pin(self, pin: str) -> PinResult:
        if self.locked_for():
            return PinResult(False, self.locked_for())
        if verify_pin(pin, self._hash):
            if self.failures:
                log.info("staff PIN accepted after %d wrong attempts", self.failures)
            self._save(0, 0.0)
            return PinResult(True)
        failures = self.failures + 1
        extra = failures - FREE_ATTEMPTS
        wait = 0 if extra < 0 else min(FIRST_LOCKOUT_SECONDS * 2**extra, MAX_LOCKOUT_SECONDS)
        log.warning("wrong staff PIN (%d in a row)%s", failures, f"; locked for {wait} s" if wait else "")
        self._save(failures, self._clock() + wait)
        return PinResult(False, float(wait))

    def _load(self) -> tuple[int, float]:
        try:
            state = json.loads(self._path.read_text())
            return int(state["failures"]), float(state["locked_until"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def _save(self, failures: int, locked_until: float) -> None:
        from kiosk.storage import write_atomically  # tinydb comes with it: not before the first screen

        self.failures, self.locked_until = failures, locked_until
        try:
            write_atomically(self._path, json.dumps({"failures": failures, "locked_until": locked_until}))
        except OSError as error:  # a full disk must not open the lock
            log.warning("could not save the staff PIN lock-out: %s", error)
