"""The staff PIN: kept only as a salted slow hash, guarded by a growing lock-out.

The hash is scrypt (hashlib, so no heavy import) in the config file, written by
`kiosk set-pin`, which asks for at least 6 digits and measures how strong a cost the
device affords (`affordable_cost`). Five wrong PINs lock the pad for 30 seconds; each
further wrong PIN doubles the wait, up to an hour. The count survives a restart, so
pulling the plug does not reset it. No PIN, right or wrong, is ever logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Not \d: it takes other scripts' digits, which the PIN pad cannot type. The pad takes 4 digits
# and more, so that PINs set before `kiosk set-pin` asked for 6 keep working.
PIN_PATTERN = r"[0-9]{4,12}"
NEW_PIN_PATTERN = r"[0-9]{6,12}"  # what `kiosk set-pin` takes: 6 digits are 100 times 4 to guess offline
FREE_ATTEMPTS = 5
FIRST_LOCKOUT_SECONDS = 30
MAX_LOCKOUT_SECONDS = 3600
# scrypt's cost N: a power of two, within bounds a kiosk can verify in memory and time. 2**14 is
# the least (what `kiosk set-pin` always wrote before it measured the device) and the default
# of `hash_pin`; scrypt takes 128 * r * N bytes, at most MAX_MEMORY.
_R, _P, _SALT_BYTES, _LENGTH = 8, 1, 16, 32
MIN_COST = 2**14
MAX_MEMORY = 2**27  # 128 MiB
MAX_COST = MAX_MEMORY // (128 * _R)
_MAXMEM = MAX_MEMORY + 2**20  # scrypt's own bookkeeping comes on top of 128 * r * N
# `kiosk set-pin` takes the cost whose time on the device is nearest half a second (each
# doubling of N doubles it): a guess costs an attacker with the stolen card as much.
TARGET_SECONDS = 0.5
LOCK_FILE = "staff-lock.json"
_STAFF_HEADER = re.compile(r"\s*\[\s*staff\s*\]\s*(#.*)?")  # a comment may follow it


def hash_pin(pin: str, cost: int = MIN_COST) -> str:
    if not re.fullmatch(PIN_PATTERN, pin):
        raise ValueError("a PIN is 4 to 12 digits")
    if problem := _cost_problem(cost):
        raise ValueError(problem)
    salt = os.urandom(_SALT_BYTES)
    digest = _scrypt(pin.encode(), salt, cost)
    return "$".join(["scrypt", str(cost), str(_R), str(_P), _b64(salt), _b64(digest)])


def affordable_cost(target: float = TARGET_SECONDS, *, seconds_for: Callable[[int], float] | None = None) -> int:
    """The strongest cost this device computes in about `target` seconds: N doubles from MIN_COST
    while scrypt at the next N takes at most `target` times the square root of 2 (so the
    cost chosen is the one nearest `target`, by ratio), up to MAX_COST. `seconds_for(N)`
    measures one hash; by default it times scrypt here."""
    measure = seconds_for or _time_scrypt
    cost = MIN_COST
    while cost < MAX_COST and measure(cost * 2) <= target * math.sqrt(2):
        cost *= 2
    return cost


def _time_scrypt(cost: int) -> float:
    started = time.perf_counter()
    _scrypt(b"000000", bytes(_SALT_BYTES), cost)
    return time.perf_counter() - started


def _scrypt(pin: bytes, salt: bytes, cost: int) -> bytes:
    return hashlib.scrypt(pin, salt=salt, n=cost, r=_R, p=_P, dklen=_LENGTH, maxmem=_MAXMEM)


def pin_hash_problem(stored: str) -> str | None:
    """What is wrong with a stored PIN hash (for the config's error), or None if it can be used."""
    try:
        _parse(stored)
    except ValueError as error:
        return str(error)
    return None


def pin_hash_is_valid(stored: str) -> bool:
    return pin_hash_problem(stored) is None


def verify_pin(pin: str, stored: str) -> bool:
    cost, salt, digest = _parse(stored)
    return hmac.compare_digest(_scrypt(pin.encode(), salt, cost), digest)


def _parse(stored: str) -> tuple[int, bytes, bytes]:
    """The cost, salt and digest of a hash `kiosk set-pin` could have written; ValueError
    saying what is wrong with anything else, so that a bad hash stops the kiosk when it
    loads its config, never at the first PIN."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(re.fullmatch("[0-9]{1,9}", part) for part in parts[1:4]):
        raise ValueError("is not a PIN hash made by `kiosk set-pin`")
    cost, r, p = map(int, parts[1:4])
    if (r, p) != (_R, _P):
        raise ValueError(f"has scrypt r = {r}, p = {p}: `kiosk set-pin` writes r = {_R}, p = {_P}")
    if problem := _cost_problem(cost):
        raise ValueError(problem)
    try:
        salt, digest = (base64.b64decode(part, validate=True) for part in parts[4:])
    except binascii.Error:
        raise ValueError("is damaged: its salt or hash is not base64") from None
    if len(salt) < _SALT_BYTES or len(digest) != _LENGTH:
        raise ValueError(f"is damaged: its salt must be at least {_SALT_BYTES} bytes and its hash {_LENGTH}")
    return cost, salt, digest


def _cost_problem(cost: int) -> str | None:
    if cost < MIN_COST or cost > MAX_COST or cost & (cost - 1):
        return f"has scrypt cost N = {cost}: the kiosk takes a power of two from {MIN_COST} to {MAX_COST}"
    return None


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
