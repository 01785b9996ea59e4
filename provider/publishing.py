"""`kiosk-receiver publish`: a new signed bundle of the survey, the announcements and the public keys.

Announcements come from a TOML file, each with its text in every language of the survey:

    [[announcement]]
    id = "wait-2026-11"
    text.fi = "Kerroitte, että odotusaika on pitkä: lisäsimme aamuun vastaanottoajan."
    text.sv = "..."
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from kiosk.errors import UserError
from kiosk.survey import ID_PATTERN, ID_RULE, Survey, load_survey
from kiosk.tomlfile import Table
from provider.signing import load_signing_key
from sync.wire.bundle import make_bundle, sign
from provider.keyring import load_pairs
from provider.store import Store, StoredBundle


def load_announcements(path: Path, languages: tuple[str, ...]) -> list[dict]:
    root = Table.load(path)
    announcements: list[dict] = []
    for table in root.tables("announcement", required=True):
        announcement_id = table.string("id", pattern=ID_PATTERN, describe=ID_RULE)
        if any(earlier["id"] == announcement_id for earlier in announcements):
            raise table.error("id", f"another announcement already has the id {announcement_id!r}")
        announcements.append({"id": announcement_id, "texts": table.translations("text", languages)})
        table.finish()
    root.finish()
    return announcements


def publish(store: Store, *, survey_file: Path, announcements_file: Path | None, keys_dir: Path,
            signing_key_file: Path) -> tuple[StoredBundle, Survey, list[dict], list[str]]:
    """Sign and store the next bundle, and register its survey for checking records.
    Returns the bundle, its survey, its announcements and its key ids (kiosks seal to the first)."""
    survey = load_survey(survey_file)
    text = survey_file.read_text(encoding="utf-8")
    announcements = load_announcements(announcements_file, survey.languages) if announcements_file else []
    pairs = load_pairs(keys_dir)
    if not pairs:
        raise UserError("holds no key pair: make one with `kiosk-receiver keys generate`", file=keys_dir)
    signing_key = load_signing_key(signing_key_file)
    if store.add_survey(survey.id, survey.version, text) != text:
        raise UserError(f"survey {survey.id} version {survey.version} was published before with other text: "
                        "give this one a new version", file=survey_file, key="version")
    version = store.newest_bundle_version() + 1
    raw = make_bundle(version, surveys=[{"id": survey.id, "version": survey.version, "toml": text}],
                      announcements=announcements, keys=[{"kid": pair.kid, "pem": pair.public_pem} for pair in pairs])
    bundle = StoredBundle(version, raw, sign(raw, signing_key))
    if not store.add_bundle(bundle, datetime.now(timezone.utc)):
        raise UserError(f"bundle version {version} was published by someone else just now: publish again")
    return bundle, survey, announcements, [pair.kid for pair in pairs]
