"""The kiosk's configuration, as typed, checked values: the one place a config is made, from a
TOML file (docs/kiosk.example.toml), for the demo, or from an enrolment alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kiosk.errors import UserError
from kiosk.hours import OpeningHours, parse_hours
from kiosk.languages import CODES, LANGUAGES
from kiosk.pin import pin_hash_problem
from kiosk.survey import ID_PATTERN, ID_RULE
from kiosk.tomlfile import Table
from sync.wire.protocol import DEFAULT_MAX_BATCH, MAX_REPLY_DAYS

if TYPE_CHECKING:
    from kiosk.enrolment import Enrolment

PartialPolicy = Literal["keep-rating", "discard"]
# WCAG 2.2.1: a timeout warning must give at least 20 seconds to ask for more time.
MIN_WARNING_SECONDS = 20
# The looks staff may choose (screens/themes.py draws them).
THEME_NAMES = ("dark", "light", "high-contrast", "console")


@dataclass(frozen=True)
class ReplyPromise:
    """Who answers a client who asks for a reply, and within how many days."""

    answerer: dict[str, str]
    days: int


@dataclass(frozen=True)
class SyncConfig:
    """How the kiosk reaches the provider's receiver (docs/protocol.md), from the config's
    `[sync]` table or from enrolment.json."""

    server: str
    token: str | None = field(default=None, repr=False)
    client_certificate: Path | None = None
    client_key: Path | None = None
    ca_file: Path | None = None  # None: the system's trust store
    signing_key: bytes | None = field(default=None, repr=False)  # the provider's Ed25519 public key, PEM
    signing_key_source: str = ""  # where it came from, for errors
    allow_insecure_http: bool = False
    interval_seconds: float = 60
    batch_size: int = DEFAULT_MAX_BATCH
    timeout_seconds: float = 30
    retry_min_seconds: float = 1
    retry_max_seconds: float = 900


@dataclass(frozen=True)
class StaffConfig:
    """The staff panel: the PIN's hash (set with `kiosk set-pin`) and what staff may do."""

    pin_hash: str | None = field(default=None, repr=False)
    allow_shell: bool = False  # "leave to the shell" in the staff panel
    allow_power: bool = False  # shut down and restart the device, through systemd


@dataclass(frozen=True)
class AboutTexts:
    """The provider's own words on "what happens to my feedback?", in every language; None
    where the config gives none (the kiosk's general wording is shown)."""

    who_reads: dict[str, str] | None = None
    complaints: dict[str, str] | None = None
    ombudsman: dict[str, str] | None = None


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str
    unit_id: str
    data_dir: Path
    public_key: Path
    survey: Path | None = None  # None: the bundled default survey
    languages: tuple[str, ...] = CODES
    default_language: str = "fi"
    idle_seconds: float = 60
    warning_seconds: float = MIN_WARNING_SECONDS
    thanks_seconds: float = 8
    partial: PartialPolicy = "keep-rating"
    min_interval: float = 5
    free_text_max: int = 1000
    reply: ReplyPromise | None = None
    log_dir: Path | None = None
    sync: SyncConfig | None = None  # None: no network; the queue is read with `kiosk open`
    staff: StaffConfig = StaffConfig()
    hours: OpeningHours = OpeningHours()
    about: AboutTexts = AboutTexts()
    welcome_rotation_seconds: float = 12
    theme: str | None = None  # None: "console" on the Linux console, else "dark"
    source: Path | None = None

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def load_config(path: Path, *, use_enrolment: bool = True) -> KioskConfig:
    """`use_enrolment=False` leaves enrolment.json unread (for `kiosk enroll`, which replaces it)."""
    root = Table.load(path)
    kiosk = root.table("kiosk", required=True)
    languages = _languages(kiosk)
    kiosk_id = kiosk.string("id", pattern=ID_PATTERN, describe=ID_RULE)
    data_dir = _folder(kiosk, "data_dir")
    enrolment = _enrolment(root, data_dir, kiosk_id) if use_enrolment else None
    config = KioskConfig(
        kiosk_id=kiosk_id,
        unit_id=kiosk.string("unit", pattern=ID_PATTERN, describe=ID_RULE),
        data_dir=data_dir,
        public_key=kiosk.path("public_key"),
        survey=kiosk.path("survey", None),
        languages=languages,
        default_language=kiosk.string("default_language", languages[0], choices=languages),
        log_dir=_folder(kiosk, "log_dir", required=False),
        theme=kiosk.string("theme", None, choices=THEME_NAMES),
        reply=_reply(root, languages) or (enrolment.reply_promise() if enrolment else None),
        sync=_sync_table(root.table("sync")) if root.has("sync") else _enrolled_sync(enrolment, data_dir),
        staff=_staff(root),
        hours=parse_hours(root.table("hours")) if root.has("hours") else OpeningHours(),
        about=_about(root, languages),
        source=path,
        **_session(root),
    )
    kiosk.finish()
    root.finish()
    return config


def _languages(kiosk: Table) -> tuple[str, ...]:
    languages = tuple(kiosk.strings("languages", list(CODES)))
    if not languages:
        raise kiosk.error("languages", "list at least one language")
    for index, code in enumerate(languages):
        if code not in CODES:
            known = ", ".join(f"{language.code} ({language.native_name})" for language in LANGUAGES)
            raise kiosk.error(f"languages[{index}]", f"unknown language {code!r}; known: {known}")
    if len(set(languages)) != len(languages):
        raise kiosk.error("languages", "lists a language twice")
    return languages


def _session(root: Table) -> dict:
    session = root.table("session")
    values = {
        "idle_seconds": session.number("idle_seconds", 60, minimum=30, maximum=3600),
        "warning_seconds": session.number("warning_seconds", MIN_WARNING_SECONDS,
                                          minimum=MIN_WARNING_SECONDS, maximum=300),
        "thanks_seconds": session.number("thanks_seconds", 8, minimum=3, maximum=60),
        "partial": session.string("partial", "keep-rating", choices=("keep-rating", "discard")),
        "min_interval": session.number("min_interval", 5, minimum=0, maximum=600),
        "free_text_max": session.integer("free_text_max", 1000, minimum=10, maximum=10_000),
        "welcome_rotation_seconds": session.number("welcome_rotation_seconds", 12, minimum=3, maximum=600),
    }
    if values["warning_seconds"] >= values["idle_seconds"]:
        raise session.error("warning_seconds", f"must be shorter than idle_seconds ({values['idle_seconds']:g})")
    session.finish()
    return values


def _staff(root: Table) -> StaffConfig:
    staff = root.table("staff")
    pin_hash = staff.string("pin_hash", None)
    problem = None if pin_hash is None else pin_hash_problem(pin_hash)
    if problem:
        raise staff.error("pin_hash", f"{problem}: set the PIN again with `kiosk set-pin`")
    config = StaffConfig(pin_hash, staff.boolean("allow_shell", False), staff.boolean("allow_power", False))
    staff.finish()
    return config


def _about(root: Table, languages: tuple[str, ...]) -> AboutTexts:
    about = root.table("about")
    texts = AboutTexts(*(about.translations(name, languages, None) for name in ("who_reads", "complaints", "ombudsman")))
    about.finish()
    return texts


def _reply(root: Table, languages: tuple[str, ...]) -> ReplyPromise | None:
    if not root.has("reply"):
        return None
    reply = root.table("reply")
    promise = ReplyPromise(reply.translations("answerer", languages), reply.integer("days", minimum=1, maximum=MAX_REPLY_DAYS))
    reply.finish()
    return promise


def server_problem(server: str, *, allow_insecure_http: bool, allow_with: str) -> str | None:
    """What is wrong with the receiver's address, if anything. Plain http would carry the
    kiosk's token and envelopes unprotected: only for loopback tests, allowed by `allow_with`."""
    from urllib.parse import urlsplit  # only kiosks that sync: not on the way to the first screen

    parts = urlsplit(server)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"must be an https:// address, like \"https://feedback.example.fi\", not {server!r}"
    if parts.query or parts.fragment:
        return f"must be an address without ? or #, not {server!r}"
    if parts.scheme == "http" and not allow_insecure_http:
        return f"is plain http://, which would send the token unprotected: use https://, or {allow_with} (loopback tests only)"
    return None


def _enrolment(root: Table, data_dir: Path, kiosk_id: str) -> Enrolment | None:
    """The kiosk's enrolment, for what the config does not say itself (its [sync] and [reply])."""
    if root.has("sync") and root.has("reply"):
        return None
    from kiosk.enrolment import enrolment_path, read_enrolment

    enrolment = read_enrolment(data_dir)
    if enrolment is not None and enrolment.kiosk_id != kiosk_id:
        raise UserError(f"is for the kiosk {enrolment.kiosk_id!r}, but the config says kiosk.id = {kiosk_id!r}: "
                        "correct the config or enrol again", file=enrolment_path(data_dir))
    return enrolment


def _enrolled_sync(enrolment: Enrolment | None, data_dir: Path) -> SyncConfig | None:
    from kiosk.enrolment import enrolment_path

    return None if enrolment is None else sync_from_enrolment(enrolment, enrolment_path(data_dir))


def _sync_table(sync: Table) -> SyncConfig:
    server = sync.string("server").rstrip("/")
    insecure = sync.boolean("allow_insecure_http", False)
    problem = server_problem(server, allow_insecure_http=insecure, allow_with="set allow_insecure_http = true")
    if problem:
        raise sync.error("server", problem)
    values = {
        "server": server, "allow_insecure_http": insecure, "token": _token(sync),
        "client_certificate": _existing_file(sync, "client_certificate"),
        "client_key": _existing_file(sync, "client_key"),
        "ca_file": _existing_file(sync, "ca_file"),
        "interval_seconds": sync.number("interval_seconds", 60, minimum=5, maximum=86_400),
        "batch_size": sync.integer("batch_size", DEFAULT_MAX_BATCH, minimum=1, maximum=DEFAULT_MAX_BATCH),
        "timeout_seconds": sync.number("timeout_seconds", 30, minimum=1, maximum=600),
        "retry_min_seconds": sync.number("retry_min_seconds", 1, minimum=0.1, maximum=3600),
        "retry_max_seconds": sync.number("retry_max_seconds", 900, minimum=1, maximum=86_400),
    }
    if sync.has("signing_key"):
        values["signing_key_source"] = f"{sync.file}: {sync.key('signing_key')}"
        values["signing_key"] = _signing_key(sync)
    if values["client_key"] and not values["client_certificate"]:
        raise sync.error("client_key", "needs client_certificate too")
    if not values["token"] and not values["client_certificate"]:
        raise sync.error("token", "is missing: give token, token_file or client_certificate (the kiosk's credentials)")
    if values["retry_min_seconds"] > values["retry_max_seconds"]:
        raise sync.error("retry_min_seconds", f"must not be more than retry_max_seconds ({values['retry_max_seconds']:g})")
    sync.finish()
    return SyncConfig(**values)


def _token(sync: Table) -> str | None:
    if sync.has("token") and sync.has("token_file"):
        raise sync.error("token_file", "give token or token_file, not both")
    if sync.has("token"):
        return sync.string("token")
    path = _existing_file(sync, "token_file")
    if path is None:
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise sync.error("token_file", f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    if not token or any(character.isspace() for character in token):
        raise sync.error("token_file", f"{path} must hold the token alone, on one line")
    return token


def _existing_file(table: Table, name: str) -> Path | None:
    path = table.path(name, None)
    if path is not None and path.is_dir():
        raise table.error(name, f"{path} is a folder: give the file in it")
    if path is not None and not path.is_file():
        raise table.error(name, f"no such file: {path}")
    return path


def _folder(table: Table, name: str, *, required: bool = True) -> Path | None:
    """A folder the kiosk makes if it is missing; a file in its place is a mistake in the config."""
    path = table.path(name) if required else table.path(name, None)
    if path is not None and path.exists() and not path.is_dir():
        raise table.error(name, f"{path} is a file, not a folder")
    return path


def _signing_key(sync: Table) -> bytes:
    path = _existing_file(sync, "signing_key")
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise sync.error("signing_key", f"cannot read {path}: {error.strerror}") from None
    if b"-----BEGIN PUBLIC KEY-----" not in pem:
        raise sync.error("signing_key", f"{path} is not a public key file (PEM): give the provider's signing key")
    return pem


def sync_from_enrolment(enrolment: Enrolment, path: Path) -> SyncConfig:
    return SyncConfig(server=enrolment.server, token=enrolment.token,
                      ca_file=Path(enrolment.ca_file) if enrolment.ca_file else None,
                      signing_key=enrolment.signing_key.encode(), signing_key_source=f"{path}: signing_key",
                      allow_insecure_http=enrolment.allow_insecure_http)


def enrolled_config(data_dir: Path) -> KioskConfig | None:
    """A kiosk config for a data folder that has no config file, from its enrolment alone: for
    `kiosk simulate` and `kiosk sync` on a test installation. None if it never enrolled."""
    from kiosk.enrolment import ENROLLED_KEY_FILE, enrolment_path, read_enrolment

    enrolment = read_enrolment(data_dir)
    if enrolment is None:
        return None
    return KioskConfig(kiosk_id=enrolment.kiosk_id, unit_id=enrolment.unit_id, data_dir=data_dir,
                       public_key=data_dir / ENROLLED_KEY_FILE, reply=enrolment.reply_promise(), log_dir=data_dir,
                       sync=sync_from_enrolment(enrolment, enrolment_path(data_dir)))


def demo_config(data_dir: Path | None = None) -> KioskConfig:
    """The demo kiosk: everything embedded (kiosk/demo.py); its keys are made on first start."""
    from kiosk import demo

    data_dir = (data_dir or demo.demo_data_dir()).expanduser().absolute()
    return KioskConfig(
        kiosk_id="demo", unit_id="demo", data_dir=data_dir, public_key=demo.demo_public_key(data_dir),
        reply=ReplyPromise(demo.DEMO_ANSWERER, demo.DEMO_REPLY_DAYS), staff=StaffConfig(demo.DEMO_PIN_HASH),
    )
