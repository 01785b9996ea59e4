"""The provider's HPKE key pairs in `keys_dir`, several side by side during a rotation.

Each pair is `NAME.pem` (private) beside `NAME.pub.pem` (public), as `kiosk keys generate`
and `kiosk-receiver keys generate` write them. The newest file (by modification time) is
the key kiosks seal to; older keys stay to open what was sealed to them. A private key
protected by a passphrase is opened with the passphrase in $KIOSK_KEY_PASSPHRASE.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.keynames import PASSPHRASE_ENV
from kiosk.errors import UserError
from kiosk.keyfiles import (PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, PrivateKey, generate_key_pair, load_private_key,
                            load_public_key, private_key_is_encrypted)

log = logging.getLogger(__name__)

PUBLIC_SUFFIX = ".pub.pem"
# An envelope naming an unknown key makes the ring look for new key files, at most this often.
RELOAD_INTERVAL_SECONDS = 5.0


@dataclass(frozen=True)
class KeyPair:
    private: PrivateKey
    public_pem: str
    path: Path

    @property
    def kid(self) -> str:
        return self.private.kid


def private_key_files(keys_dir: Path) -> list[Path]:
    """The private key files in `keys_dir`, newest first."""
    try:
        files = [path for path in keys_dir.glob("*.pem") if not path.name.endswith(PUBLIC_SUFFIX)]
        return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name), reverse=True)
    except OSError as error:
        raise UserError(f"cannot be read ({error.strerror})", file=keys_dir) from None


def load_pair(path: Path) -> KeyPair:
    public_path = path.with_name(path.name.removesuffix(".pem") + PUBLIC_SUFFIX)
    if not public_path.is_file():
        raise UserError(f"has no public key file beside it ({public_path.name})", file=path)
    passphrase = os.environ.get(PASSPHRASE_ENV, "").encode() or None
    if passphrase is None and private_key_is_encrypted(path):
        raise UserError(f"is protected by a passphrase: give it in ${PASSPHRASE_ENV}", file=path)
    private = load_private_key(path, passphrase)
    if load_public_key(public_path).kid != private.kid:
        raise UserError(f"is not the public half of {path.name}", file=public_path)
    return KeyPair(private, public_path.read_text(encoding="ascii"), path)


def load_pairs(keys_dir: Path) -> list[KeyPair]:
    """Every key pair in `keys_dir`, newest first."""
    return [load_pair(path) for path in private_key_files(keys_dir)]


def generate_pair(keys_dir: Path, *, hybrid: bool = True) -> KeyPair:
    """A new key pair in `keys_dir`, named by its key id; being the newest file, kiosks will seal to it."""
    try:
        keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=keys_dir))
    except OSError as error:
        raise UserError(f"cannot be created ({error.strerror})", file=keys_dir) from None
    try:
        private_path, public_path = generate_key_pair(scratch, hybrid=hybrid)
        kid = load_public_key(public_path).kid
        public_path.rename(keys_dir / f"{kid}{PUBLIC_SUFFIX}")
        private_path.rename(keys_dir / f"{kid}.pem")  # last: a private key is never without its public half
    finally:
        for leftover in (scratch / PRIVATE_KEY_FILE, scratch / PUBLIC_KEY_FILE):
            leftover.unlink(missing_ok=True)
        scratch.rmdir()
    return load_pair(keys_dir / f"{kid}.pem")


class KeyRing:
    """The key pairs the receiver opens envelopes with. A key made while the receiver runs is
    picked up when the first envelope sealed to it arrives, or by the next enrolment."""

    def __init__(self, keys_dir: Path, clock: Callable[[], float] = time.monotonic):
        self._keys_dir = keys_dir
        self._clock = clock
        self._pairs = load_pairs(keys_dir)
        if not self._pairs:
            raise UserError("holds no key pair: make one with `kiosk-receiver keys generate`", file=keys_dir)
        self._loaded_at: float | None = None  # the first unknown key always looks for new files
        self._lock = threading.Lock()

    @property
    def newest_first(self) -> list[KeyPair]:
        self._load()  # enrolments are rare: a new kiosk is always told of the newest key
        return list(self._pairs)

    def find(self, kid: object) -> PrivateKey | None:
        pair = self._find(kid)
        if pair is None and isinstance(kid, str) and self._reload():
            pair = self._find(kid)
        return pair.private if pair else None

    def _find(self, kid: object) -> KeyPair | None:
        return next((pair for pair in self._pairs if pair.kid == kid), None)

    def _reload(self) -> bool:
        """For an unknown key id: look for new key files, but not more often than every few
        seconds (a stream of envelopes with a bogus kid must not read the folder each time)."""
        with self._lock:
            if self._loaded_at is not None and self._clock() - self._loaded_at < RELOAD_INTERVAL_SECONDS:
                return False
            self._loaded_at = self._clock()
        return self._load()

    def _load(self) -> bool:
        try:
            pairs = load_pairs(self._keys_dir)
        except UserError as error:
            log.warning("keys not reloaded: %s", error)
            return False
        if pairs:
            self._pairs = pairs
        return True
