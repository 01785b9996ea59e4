"""The `kiosk-receiver` command: run the receiver, manage keys and kiosks, publish, export.

A user's mistake (a bad file, a bad argument) is one line on stderr and exit status 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from kiosk import __version__
from commands.pipes import reader_went_away
from kiosk.errors import EXIT_USER_ERROR, UserError
from kiosk.survey import ID_PATTERN, ID_RULE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from provider.config import ReceiverConfig
    from provider.store import Counts, Store

DEFAULT_CONFIG = Path("/etc/kiosk-receiver/receiver.toml")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args) or 0
    except UserError as error:
        print(f"kiosk-receiver: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return reader_went_away()


class _Parser(argparse.ArgumentParser):
    """A mistake in the arguments is one line too, like every other mistake."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kiosk-receiver", description="The provider's receiver for feedback kiosks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    config = _Parser(add_help=False)
    config.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help=f"receiver.toml (default {DEFAULT_CONFIG})")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(group: argparse._SubParsersAction, name: str, handler: Callable[[argparse.Namespace], int],
                summary: str) -> argparse.ArgumentParser:
        sub = group.add_parser(name, parents=[config], help=summary)
        sub.set_defaults(command=handler)
        return sub

    command(commands, "serve", _serve, "run the receiver (HTTPS; mTLS when [tls] client_ca is set)")

    keys = commands.add_parser("keys", help="the provider's HPKE key pairs").add_subparsers(required=True,
                                                                                            metavar="ACTION")
    command(keys, "generate", _keys_generate, "make a new key pair: kiosks seal to it after the next publish") \
        .add_argument("--classic", action="store_true", help="X25519 only, for kiosks whose cryptography lacks ML-KEM")
    command(keys, "list", _keys_list, "the key pairs, newest (the one kiosks seal to) first")

    signing = commands.add_parser("signing-key", help="the Ed25519 key that signs bundles")
    command(signing.add_subparsers(required=True, metavar="ACTION"), "generate", _signing_key_generate,
            "make the signing key (kiosks pin its public half at enrolment)")

    kiosks = commands.add_parser("kiosks", help="the kiosks and their credentials").add_subparsers(
        required=True, metavar="ACTION")
    add = command(kiosks, "add", _kiosks_add, "register a kiosk; prints its token once")
    add.add_argument("id")
    add.add_argument("--unit", required=True)
    add.add_argument("--certificate", type=Path, help="the kiosk's client certificate (PEM), for mTLS")
    command(kiosks, "revoke", _kiosks_revoke, "refuse a kiosk's credentials from now on").add_argument("id")
    command(kiosks, "renew", _kiosks_renew, "a new token for a kiosk (its old one lost, or revoked by mistake): "
                                            "the old token is refused, a revocation lifted").add_argument("id")
    command(kiosks, "list", _kiosks_list, "the kiosks, with their last heartbeat")

    publish = command(commands, "publish", _publish, "sign a new bundle: survey, announcements, public keys")
    publish.add_argument("--survey", type=Path, required=True)
    publish.add_argument("--announcements", type=Path, help='"you said, we did" texts (TOML)')

    command(commands, "stats", _stats, "how many responses and reply requests, per kiosk")
    command(commands, "drop-synthetic", _drop_synthetic,
            "delete synthetic (test and demo) responses and reply requests")

    export = command(commands, "export", _export, "write the responses (or reply requests) to standard output")
    export.add_argument("--format", choices=("csv", "jsonl", "fhir"), default="jsonl")
    export.add_argument("--since", type=_date, help="received on or after this day (YYYY-MM-DD, UTC)")
    export.add_argument("--replies", action="store_true", help="the reply requests instead of the responses")
    export.add_argument("--include-synthetic", action="store_true", help="with synthetic (test and demo) data")
    questionnaire = command(commands, "export-questionnaire", _export_questionnaire,
                            "FHIR Questionnaires: of every survey version the responses answer, "
                            "and of the one published now")
    questionnaire.add_argument("--survey", type=Path, help="only this survey file's")

    backup = command(commands, "backup", _backup, "copy the database to a new file, also while receivers run")
    backup.add_argument("--to", type=Path, required=True, metavar="FILE", help="the new file (never overwritten)")
    restore = command(commands, "restore", _restore,
                      "put a backup back as the database: a new one, with every receiver stopped")
    restore.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE", help="the backup")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day like 2026-11-23: {text!r}") from None


def _config(args: argparse.Namespace) -> ReceiverConfig:
    from provider.config import load_config

    return load_config(args.config)


@contextmanager
def _store(config: ReceiverConfig) -> Iterator[Store]:
    from provider.database import StoreUnavailable
    from provider.schema import SchemaTooNew
    from provider.store import open_store

    try:
        store = open_store(config.database)
    except (StoreUnavailable, SchemaTooNew) as error:
        raise UserError(f"cannot use the database: {error}", file=config.source, key="receiver.database") from None
    try:
        yield store
    except StoreUnavailable as error:
        raise UserError(f"the database failed: {error}", file=config.source, key="receiver.database") from None
    finally:
        store.close()


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- serve ----------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from kiosk.journal import log_handler
    from provider.serve import serve

    config = _config(args)
    # Under systemd, standard error is the journal: each line then carries its level as a priority.
    logging.basicConfig(level=logging.INFO,
                        handlers=[log_handler(sys.stderr, "%(asctime)s %(levelname)s %(name)s: %(message)s")])
    with _store(config):  # a database that cannot be opened is one line, before the server starts
        pass
    serve(config)
    return 0


# -- keys -----------------------------------------------------------------------------------


def _keys_generate(args: argparse.Namespace) -> int:
    from provider.keyring import generate_pair

    pair = generate_pair(_config(args).keys_dir, hybrid=not args.classic)
    print(f"New key {pair.kid} ({pair.private.suite}), fingerprint {pair.private.public.fingerprint}")
    print(f"Private key: {pair.path}")
    print("Kiosks seal to it once it is in a bundle: run `kiosk-receiver publish`. Keep the older keys "
          "until everything sealed to them has arrived.")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from provider.keyring import load_pairs

    config = _config(args)
    pairs = load_pairs(config.keys_dir)
    if not pairs:
        print(f"No key pairs in {config.keys_dir}: make one with `kiosk-receiver keys generate`.")
    for index, pair in enumerate(pairs):
        newest = "  newest: kiosks seal to it" if index == 0 else ""
        print(f"{pair.kid}  {pair.private.suite}  {pair.private.public.fingerprint}  {pair.path.name}{newest}")
    return 0


def _signing_key_generate(args: argparse.Namespace) -> int:
    from provider.signing import generate_signing_key
    from sync.wire.bundle import public_pem

    config = _config(args)
    try:
        config.signing_key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot be created ({error.strerror})", file=config.signing_key.parent) from None
    public = generate_signing_key(config.signing_key)
    print(f"Signing key: {config.signing_key}")
    print("Its public half, which kiosks pin at enrolment:")
    print(public_pem(public), end="")
    return 0


# -- kiosks ---------------------------------------------------------------------------------


def _kiosks_add(args: argparse.Namespace) -> int:
    from provider.auth import new_token, token_sha256

    for name, value in (("id", args.id), ("--unit", args.unit)):
        if not re.fullmatch(ID_PATTERN, value):
            raise UserError(f"must be {ID_RULE}, not {value!r}", key=name)
    fingerprint = _certificate_fingerprint(args.certificate) if args.certificate else None
    token = new_token()
    config = _config(args)
    with _store(config) as store:
        if not store.add_kiosk(args.id, args.unit, token_sha256(token), fingerprint, _now()):
            raise UserError(f"kiosk {args.id} exists already, or its certificate belongs to another kiosk", key="id")
    print(f"Kiosk {args.id} of unit {args.unit} added.")
    if fingerprint:
        print(f"Client certificate SHA-256: {fingerprint}")
    print("Its token, shown only now (for `kiosk enroll --token`):")
    print(token)
    return 0


def _certificate_fingerprint(path: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from provider.auth import certificate_sha256

    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except OSError as error:
        raise UserError(f"cannot be read ({error.strerror})", file=path, key="--certificate") from None
    except ValueError:
        raise UserError("is not a PEM certificate", file=path, key="--certificate") from None
    return certificate_sha256(certificate.public_bytes(Encoding.DER))


def _kiosks_revoke(args: argparse.Namespace) -> int:
    with _store(_config(args)) as store:
        if not store.revoke_kiosk(args.id, _now()):
            raise UserError(f"no kiosk {args.id!r}", key="id")
    print(f"Kiosk {args.id} revoked: its token and certificate are refused from now on.")
    return 0


def _kiosks_renew(args: argparse.Namespace) -> int:
    from provider.auth import new_token, token_sha256

    token = new_token()
    with _store(_config(args)) as store:
        if not store.renew_kiosk(args.id, token_sha256(token)):
            raise UserError(f"no kiosk {args.id!r}", key="id")
    print(f"Kiosk {args.id} has a new token; the old one is refused from now on. If the kiosk was revoked, it is "
          "not any more (nor its client certificate, if it has one).")
    print("Its token, shown only now (for `kiosk enroll --token`; the kiosk then sends what it has queued):")
    print(token)
    return 0


def _kiosks_list(args: argparse.Namespace) -> int:
    with _store(_config(args)) as store:
        kiosks = store.kiosks()
    if not kiosks:
        print("No kiosks yet: add one with `kiosk-receiver kiosks add ID --unit UNIT`.")
    for kiosk in kiosks:
        state = f"revoked {kiosk.revoked_at}" if kiosk.revoked_at else "active"
        print(f"{kiosk.id}  unit {kiosk.unit}  {state}  {_heartbeat_words(kiosk.heartbeat_at, kiosk.heartbeat)}")
    return 0


def _heartbeat_words(received_at: str | None, heartbeat: dict | None) -> str:
    """The last heartbeat in a line; its texts cleaned again, for those stored before they were checked."""
    from provider.heartbeats import one_line

    if received_at is None or heartbeat is None:
        return "no heartbeat yet"
    return one_line(f"last heartbeat {received_at}: queue {heartbeat.get('queue_depth', '?')}, "
                    f"clock {heartbeat.get('clock', '?')}, last error {heartbeat.get('last_error') or 'none'}", 500)


# -- publishing -----------------------------------------------------------------------------


def _publish(args: argparse.Namespace) -> int:
    from provider.publishing import publish

    config = _config(args)
    with _store(config) as store:
        bundle, survey, announcements, kids = publish(
            store, survey_file=args.survey, announcements_file=args.announcements, keys_dir=config.keys_dir,
            signing_key_file=config.signing_key)
    print(f"Published bundle {bundle.version}: survey {survey.id} version {survey.version}, "
          f"{len(announcements)} announcements, keys {', '.join(kids)} (kiosks seal to {kids[0]}).")
    return 0


# -- data -----------------------------------------------------------------------------------


def _stats(args: argparse.Namespace) -> int:
    with _store(_config(args)) as store:
        stats = store.stats()
    print(_counts_words(stats))
    for kiosk, counts in stats.per_kiosk.items():
        print(f"  {kiosk}: {_counts_words(counts)}")
    return 0


def _counts_words(counts: Counts) -> str:
    return (f"{counts.responses} responses, of which {counts.synthetic_responses} synthetic; "
            f"{counts.reply_requests} reply requests, of which {counts.synthetic_reply_requests} synthetic")


def _drop_synthetic(args: argparse.Namespace) -> int:
    with _store(_config(args)) as store:
        responses, replies = store.drop_synthetic()
    print(f"Deleted {responses} synthetic responses and {replies} synthetic reply requests.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from kiosk.export import write_records
    from provider.surveys import SurveyCatalog

    if args.replies and args.format == "fhir":
        raise UserError("reply requests hold contact details and never go to FHIR: use csv or jsonl", key="--format")
    since = f"{args.since.isoformat()}T00:00:00Z" if args.since else None
    config = _config(args)
    with _store(config) as store:
        if args.replies:
            records = store.reply_requests(since=since, include_synthetic=args.include_synthetic)
        else:
            records = store.responses(since=since, include_synthetic=args.include_synthetic)
        surveys = SurveyCatalog(store).known() if args.format == "fhir" else {}
    if args.format == "fhir":
        from provider.fhir import response_bundle

        json.dump(response_bundle(records, surveys), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        write_records(records, args.format, sys.stdout, replies=args.replies)
    return 0


def _export_questionnaire(args: argparse.Namespace) -> int:
    """A survey file's Questionnaire; else a collection of the Questionnaire of every survey
    version the stored responses answer, and of the survey published now."""
    from kiosk.survey import load_survey
    from provider.fhir import questionnaire, questionnaires
    from provider.surveys import SurveyCatalog

    if args.survey:
        document = questionnaire(load_survey(args.survey))
    else:
        with _store(_config(args)) as store:
            surveys = SurveyCatalog(store).known()
            wanted = set(store.surveys_answered()) | {_published_survey(store)}
        document = questionnaires([surveys[key] for key in sorted(wanted) if key in surveys])
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _published_survey(store: Store) -> tuple[str, int]:
    """The survey kiosks are asked now: the newest bundle's, or the bundled default."""
    from kiosk.survey import load_survey, parse_survey_text

    bundle = store.newest_bundle()
    if bundle is None:
        survey = load_survey()
    else:
        entry = json.loads(bundle.raw)["surveys"][0]
        survey = parse_survey_text(entry["toml"], f"bundle {bundle.version}")
    return survey.id, survey.version


# -- backups --------------------------------------------------------------------------------


def _backup(args: argparse.Namespace) -> int:
    from provider.backup import backup

    contents = backup(_config(args).database, args.to)
    print(f"Backed up {contents.words()} to {args.to}.")
    print("It holds clients' contact details: keep it as safe as the database itself.")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from provider.backup import restore

    contents = restore(_config(args).database, args.source)
    print(f"Restored {contents.words()} from {args.source}.")
    print("What arrived after the backup is not in it. Before starting the receivers, see \"After a restore\" "
          "in docs/provider-operations.md.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
