"""The kiosk's configuration: a TOML file read into typed, checked values (docs/config.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk.languages import CODES, LANGUAGES
from kiosk.survey import ID_PATTERN, ID_RULE
from kiosk.tomlfile import Table

PartialPolicy = Literal["keep-rating", "discard"]
# WCAG 2.2.1: a timeout warning must give at least 20 seconds to ask for more time.
MIN_WARNING_SECONDS = 20


@dataclass(frozen=True)
class ReplyPromise:
    """Who answers a client who asks for a reply, and within how many days."""

    answerer: dict[str, str]
    days: int


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
    source: Path | None = None

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"



def load_config(path: Path) -> KioskConfig:
    root = Table.load(path)
    kiosk = root.table("kiosk", required=True)
    languages = _languages(kiosk)
    config = KioskConfig(
        kiosk_id=kiosk.string("id", pattern=ID_PATTERN, describe=ID_RULE),
        unit_id=kiosk.string("unit", pattern=ID_PATTERN, describe=ID_RULE),
        data_dir=kiosk.path("data_dir"),
        public_key=kiosk.path("public_key"),
        survey=kiosk.path("survey", None),
        languages=languages,
        default_language=kiosk.string("default_language", languages[0], choices=languages),
        log_dir=kiosk.path("log_dir", None),
        reply=_reply(root, languages),
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
    }
    if values["warning_seconds"] >= values["idle_seconds"]:
        raise session.error("warning_seconds", f"must be shorter than idle_seconds ({values['idle_seconds']:g})")
    session.finish()
    return values


def _reply(root: Table, languages: tuple[str, ...]) -> ReplyPromise | None:
    if not root.has("reply"):
        return None
    reply = root.table("reply")
    promise = ReplyPromise(reply.translations("answerer", languages), reply.integer("days", minimum=1, maximum=60))
    reply.finish()
    return promise
