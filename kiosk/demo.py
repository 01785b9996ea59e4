"""The demo kiosk's own things: nothing to set up (its config: kiosk.config.demo_config).

It keeps its data under the user's state folder, makes a provider key pair there on first
start (a real provider keeps the private key elsewhere), and uses the bundled survey.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.errors import UserError
from kiosk.keynames import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE

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


def demo_private_key(data_dir: Path) -> Path:
    return data_dir / KEYS_FOLDER / PRIVATE_KEY_FILE


def demo_public_key(data_dir: Path) -> Path:
    """The demo provider's public key, made with its private key on first use."""
    keys = data_dir / KEYS_FOLDER
    if not (keys / PUBLIC_KEY_FILE).exists() and not (keys / PRIVATE_KEY_FILE).exists():
        from kiosk.keyfiles import generate_key_pair

        try:
            keys.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot hold the demo's data ({error.strerror})", file=data_dir,
                            key="--data-dir") from None
        generate_key_pair(keys)
    return keys / PUBLIC_KEY_FILE
