"""The demo kiosk: everything embedded, nothing to set up.

It keeps its data under the user's state folder, makes a provider key pair there
on first start (a real provider keeps the private key elsewhere), and uses the
bundled survey.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.config import KioskConfig, ReplyPromise, StaffConfig
from kiosk.keynames import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from kiosk.errors import UserError

DEMO_ANSWERER = {
    "fi": "Terveysaseman asiakaspalvelu",
    "sv": "Hälsostationens kundtjänst",
    "en": "The health station's client service",
    "fi-x-selko": "Terveysaseman asiakaspalvelu",
    "sv-x-lattlast": "Hälsostationens kundtjänst",
}
DEMO_REPLY_DAYS = 5
# The demo's staff PIN is 1234 (hashed once here, so that starting the demo costs no scrypt).
DEMO_PIN = "1234"
DEMO_PIN_HASH = "scrypt$16384$8$1$KmdcQYU6lGJnPhMhn/+Fzg==$8zbJTmbSX7HFTle34fqI2wmvJAfcFp6S5KjlNSxrnhA="
KEYS_FOLDER = "demo-keys"


def demo_data_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "feedback-kiosk" / "demo"


def demo_config(data_dir: Path | None = None) -> KioskConfig:
    data_dir = (data_dir or demo_data_dir()).expanduser().absolute()
    keys = data_dir / KEYS_FOLDER
    if not (keys / PUBLIC_KEY_FILE).exists() and not (keys / PRIVATE_KEY_FILE).exists():
        from kiosk.keyfiles import generate_key_pair

        try:
            keys.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot hold the demo's data ({error.strerror})", file=data_dir,
                            key="--data-dir") from None
        generate_key_pair(keys)
    return KioskConfig(
        kiosk_id="demo", unit_id="demo", data_dir=data_dir, public_key=keys / PUBLIC_KEY_FILE,
        reply=ReplyPromise(DEMO_ANSWERER, DEMO_REPLY_DAYS), staff=StaffConfig(DEMO_PIN_HASH),
    )


def leave_hint(config: KioskConfig, *, after: bool = False) -> str:
    private_key = config.data_dir / KEYS_FOLDER / PRIVATE_KEY_FILE
    if not after:
        return (f"Starting the demo kiosk (data in {config.data_dir}).\n"
                "To leave the demo, press F10. Ctrl+C, Ctrl+Q and the like do nothing, as on a real kiosk.\n"
                f"Staff panel: F12, or five quick taps in the top left corner; the demo's PIN is {DEMO_PIN}.")
    return (f"Left the demo. To read the feedback it collected:\n"
            f"  kiosk open --key {private_key} --data-dir {config.data_dir}\n"
            f"  kiosk status --data-dir {config.data_dir}")
