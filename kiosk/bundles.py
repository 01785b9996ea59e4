"""The kiosk's signed bundles: the one in use and the one waiting for the welcome screen.

`<data_dir>/bundle/current.json` and `pending.json` each hold a bundle's exact bytes and
signature (the wire form of `GET /v1/bundle`), written atomically. A downloaded bundle
is verified with the pinned signing key, must be newer than any the kiosk has, and its
survey and key must be usable before it is saved as pending; the app makes it current
with `apply_pending()` at the welcome screen, never in a visit. The bundle in use is
verified again when the kiosk starts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.announcements import Announcement, parse_announcements
from kiosk.errors import UserError
from kiosk.keyfiles import PublicKey, public_key_from_pem
from kiosk.storage import fsync_folder, write_atomically
from kiosk.survey import Survey, check_covers, load_survey, parse_survey_text
from sync.wire.bundle import Bundle, BundleRefused, decode_from_wire, encode_for_wire, load_verify_key, open_bundle

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

BUNDLE_FOLDER = "bundle"
CURRENT_FILE = "current.json"
PENDING_FILE = "pending.json"
_NOT_READ: Any = object()


class BundleStore:
    def __init__(self, data_dir: Path, signing_key: bytes | None, *, signing_key_source: str = "the signing key",
                 languages: tuple[str, ...] | None = None):
        """`signing_key`: the pinned Ed25519 public key (PEM); without one no bundle is used.
        `languages`: those the kiosk offers; a bundle whose survey lacks one is refused."""
        self.directory = data_dir / BUNDLE_FOLDER
        self._pinned = pinned_signing_key(signing_key, signing_key_source) if signing_key else None
        self._languages = languages
        self._lock = threading.Lock()
        self._current: Bundle | None = _NOT_READ
        self._pending: Bundle | None = _NOT_READ

    @classmethod
    def for_config(cls, config: KioskConfig) -> BundleStore:
        sync = config.sync
        return cls(config.data_dir, sync.signing_key if sync else None,
                   signing_key_source=sync.signing_key_source if sync else "", languages=config.languages)

    def current(self) -> Bundle | None:
        """The bundle in use; verified again the first time it is asked for."""
        with self._lock:
            return self._loaded_current()

    def pending(self) -> Bundle | None:
        with self._lock:
            return self._loaded_pending()

    @property
    def version(self) -> int:
        """The version in use; 0 before the first bundle."""
        current = self.current()
        return current.version if current else 0

    def newest_version(self) -> int:
        """The newest version the kiosk has, in use or waiting: anything offered must be newer."""
        with self._lock:
            return self._newest_version()

    def _newest_version(self) -> int:
        return max((bundle.version for bundle in (self._loaded_current(), self._loaded_pending()) if bundle),
                   default=0)

    def accept(self, raw: bytes, signature: bytes) -> Bundle:
        """Verify a downloaded bundle and keep it as pending; raises BundleRefused, keeping what was there."""
        if self._pinned is None:
            raise BundleRefused("no signing key is pinned (enrol the kiosk, or set [sync] signing_key)")
        with self._lock:
            bundle = open_bundle(raw, signature, self._pinned, newer_than=self._newest_version())
            _check_usable(bundle, self._languages)
            self._write(PENDING_FILE, bundle)
            self._pending = bundle
        log.info("bundle %d verified; it is applied at the next welcome screen", bundle.version)
        return bundle

    def apply_pending(self) -> Bundle | None:
        """Make the pending bundle the one in use (one atomic rename); returns it, or None if
        none is waiting. Call it only between visits."""
        with self._lock:
            pending = self._loaded_pending()
            if pending is None:
                return None
            os.replace(self.directory / PENDING_FILE, self.directory / CURRENT_FILE)
            fsync_folder(self.directory)
            self._current, self._pending = pending, None
        log.info("bundle %d is now in use", pending.version)
        return pending

    # -- files -----------------------------------------------------------------

    def _loaded_current(self) -> Bundle | None:
        if self._current is _NOT_READ:
            self._current = self._read(CURRENT_FILE, newer_than=0)
        return self._current

    def _loaded_pending(self) -> Bundle | None:
        if self._pending is _NOT_READ:
            current = self._loaded_current()
            self._pending = self._read(PENDING_FILE, newer_than=current.version if current else 0)
        return self._pending

    def _read(self, name: str, *, newer_than: int) -> Bundle | None:
        path = self.directory / name
        try:
            wire = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.error("ignoring %s, which cannot be read: %s", path, error)
            return None
        if self._pinned is None:
            log.warning("ignoring %s: no signing key is pinned to verify it with", path)
            return None
        try:
            raw, signature = decode_from_wire(wire)
            bundle = open_bundle(raw, signature, self._pinned, newer_than=newer_than)
            _check_usable(bundle, self._languages)
        except BundleRefused as refusal:
            log.error("ignoring %s: %s", path, refusal)
            return None
        return bundle

    def _write(self, name: str, bundle: Bundle) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fsync_folder(self.directory.parent)
        write_atomically(self.directory / name, json.dumps(encode_for_wire(bundle.raw, bundle.signature,
                                                                           bundle.version)))


def pinned_signing_key(pem: bytes, source: str) -> Ed25519PublicKey:
    """The provider's signing key the kiosk pinned; UserError naming `source` if it is not one."""
    try:
        return load_verify_key(pem)
    except ValueError as error:
        raise UserError(str(error), file=source) from None


def stored_bundle_version(data_dir: Path, name: str = CURRENT_FILE) -> int | None:
    """The version a stored bundle says it is, unverified: for `kiosk status` to show."""
    try:
        version = json.loads((data_dir / BUNDLE_FOLDER / name).read_bytes())["version"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return version if isinstance(version, int) else None


# -- what the app takes from a bundle -------------------------------------------------


def bundle_survey(bundle: Bundle) -> Survey:
    """The survey the kiosk asks: the bundle's first. UserError if it is not a valid survey."""
    entry = bundle.surveys[0]
    return parse_survey_text(entry["toml"], f"bundle {bundle.version}, survey {entry.get('id')}")


def bundle_public_key(bundle: Bundle) -> PublicKey:
    """The key the kiosk seals to: the bundle's first."""
    entry = bundle.keys[0]
    return public_key_from_pem(entry["pem"].encode(), f"bundle {bundle.version}, key {entry.get('kid')}")


def bundle_announcements(bundle: Bundle) -> list[Announcement]:
    """The "you said, we did" messages; a malformed one is left out (kiosk.announcements)."""
    return parse_announcements(bundle.announcements)


def survey_in_use(config: KioskConfig, bundle: Bundle | None) -> Survey:
    """The bundle's survey if a bundle is in use, else the config's (or the bundled default)."""
    return bundle_survey(bundle) if bundle else load_survey(config.survey)


def _check_usable(bundle: Bundle, languages: tuple[str, ...] | None) -> None:
    """Refuse, before it is kept, a bundle the app could not switch to."""
    try:
        if not bundle.surveys or not bundle.keys:
            raise BundleRefused("it has no survey or no public key")
        survey, entry = bundle_survey(bundle), bundle.surveys[0]
        if (survey.id, survey.version) != (entry.get("id"), entry.get("version")):
            raise BundleRefused(f"its survey is {survey.id} version {survey.version}, but the bundle lists "
                                f"{entry.get('id')} version {entry.get('version')}")
        if languages is not None:
            check_covers(survey, languages, file=f"bundle {bundle.version}")
        key = bundle_public_key(bundle)
        if key.kid != bundle.keys[0].get("kid"):
            raise BundleRefused(f"its key is {key.kid}, but the bundle says {bundle.keys[0].get('kid')}")
    except UserError as error:
        raise BundleRefused(str(error)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BundleRefused(f"malformed bundle: {error!r}") from None
