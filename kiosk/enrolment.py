"""What a kiosk pinned when it enrolled with the provider's receiver (`kiosk enroll`).

`enrolment.json` in the data folder (mode 0600: it holds the kiosk's token) keeps the
receiver's address, the credentials and CA file used, the provider's signing key
(bundles must verify with it) and public keys, and who answers the clients who ask for a
reply, within how many working days. A kiosk whose config has no `[sync]`
table syncs with these settings; a kiosk with no config at all (`--data-dir`) also takes
its id, unit and sealing key from here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.errors import UserError

if TYPE_CHECKING:
    from kiosk.config import ReplyPromise

ENROLMENT_FILE = "enrolment.json"
# The receiver's current public key, for a kiosk that has no config file naming one.
ENROLLED_KEY_FILE = "provider-key.pub.pem"
FORMAT = 1


@dataclass(frozen=True)
class Enrolment:
    server: str
    kiosk_id: str
    unit_id: str
    token: str = field(repr=False)
    signing_key: str  # the provider's Ed25519 public key, PEM
    keys: list[dict]  # the provider's HPKE public keys: {"kid", "pem"}, the first to seal to
    ca_file: str | None = None
    allow_insecure_http: bool = False
    bundle_version: int = 0
    enrolled_at: str = ""
    reply: dict | None = None  # {"answerer": {language: text}, "days": working days}; None: no replies

    def reply_promise(self) -> ReplyPromise | None:
        """The provider's promise to clients who ask for a reply, if it makes one."""
        from kiosk.config import ReplyPromise

        return ReplyPromise(dict(self.reply["answerer"]), int(self.reply["days"])) if self.reply else None


def enrolment_path(data_dir: Path) -> Path:
    return data_dir / ENROLMENT_FILE


def read_enrolment(data_dir: Path) -> Enrolment | None:
    """The kiosk's enrolment, or None if it never enrolled; UserError if the file is damaged."""
    path = enrolment_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UserError(f"cannot be read ({error.strerror})", file=path) from None
    except ValueError:
        raise UserError("is damaged (not JSON): enrol the kiosk again (kiosk enroll)", file=path) from None
    try:
        if data.pop("format") != FORMAT:
            raise UserError("was written by another version of the kiosk: enrol again", file=path)
        return Enrolment(**data)
    except (AttributeError, KeyError, TypeError):
        raise UserError("is damaged (fields missing): enrol the kiosk again (kiosk enroll)", file=path) from None


def write_enrolment(data_dir: Path, enrolment: Enrolment) -> Path:
    """Write enrolment.json (0600) and, beside it, the key to seal to; returns the file."""
    from kiosk.storage import write_atomically  # tinydb's: off the path to the first screen

    write_atomically(data_dir / ENROLLED_KEY_FILE, enrolment.keys[0]["pem"])
    path = enrolment_path(data_dir)
    write_atomically(path, json.dumps({"format": FORMAT, **asdict(enrolment)}, indent=2))
    return path
