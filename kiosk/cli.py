"""The `kiosk` command: run the kiosk, make keys, open a queue, report status.

A user's mistake (a bad file, a bad argument) is one line on stderr and exit
status 2, never a traceback. Heavy modules are imported inside the commands that
need them, so `kiosk run` reaches its first screen quickly.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.errors import EXIT_USER_ERROR, UserError

if TYPE_CHECKING:
    from kiosk.config import KioskConfig
    from kiosk.keyfiles import PrivateKey

PASSPHRASE_ENV = "KIOSK_KEY_PASSPHRASE"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args) or 0
    except UserError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="A feedback kiosk for health and social services.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="start the demo kiosk full screen, with its own keys and data")
    demo.add_argument("--data-dir", type=Path, help="where the demo keeps its keys and queue")
    demo.set_defaults(command=_demo)

    run = commands.add_parser("run", help="start the kiosk with a config file (production)")
    run.add_argument("--config", type=Path, required=True)
    run.set_defaults(command=_run)

    keys = commands.add_parser("keys", help="the provider's key pair").add_subparsers(required=True, metavar="ACTION")
    generate = keys.add_parser("generate", help="make the provider's key pair (the private key stays with the provider)")
    generate.add_argument("--out", type=Path, required=True, help="folder for provider-key.pem and provider-key.pub.pem")
    generate.add_argument("--passphrase", action="store_true",
                          help=f"protect the private key with a passphrase (asked, or from ${PASSPHRASE_ENV})")
    generate.add_argument("--classic", action="store_true",
                          help="X25519 only, for kiosks whose cryptography library lacks ML-KEM")
    generate.set_defaults(command=_keys_generate)

    open_ = commands.add_parser("open", help="decrypt a kiosk's queue offline, with the provider's private key")
    open_.add_argument("--key", type=Path, required=True, help="the provider's private key file")
    open_.add_argument("--data-dir", type=Path, required=True, help="the kiosk's data folder")
    open_.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    open_.add_argument("--replies", action="store_true", help="the reply requests instead of the responses")
    open_.set_defaults(command=_open)

    status = commands.add_parser("status", help="queue depth, oldest unsent response, last write error")
    where = status.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path)
    where.add_argument("--data-dir", type=Path)
    status.add_argument("--json", action="store_true", help="for monitoring tools")
    status.set_defaults(command=_status)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from kiosk.demo import demo_config, leave_hint

    config = demo_config(args.data_dir)
    print(leave_hint(config))
    status = _start(config, demo=True)
    print(leave_hint(config, after=True))
    return status


def _run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config

    return _start(load_config(args.config))


def _start(config: KioskConfig, *, demo: bool = False) -> int:
    from kiosk.logs import setup_logging

    _check_public_key_file(config)
    from screens.app import make_app

    # Loads the survey: a mistake in it is reported before anything is made on disk.
    app = make_app(config, demo=demo)
    _make_data_dir(config)
    setup_logging(config.log_dir, fallback_dir=config.data_dir)
    app.run()
    return app.return_code or 0


def _check_public_key_file(config: KioskConfig) -> None:
    """A quick look before the screen starts; the key is parsed once the first screen is up."""
    try:
        text = config.public_key.read_text(errors="replace")
    except OSError as error:
        raise UserError(f"cannot read the public key {config.public_key}: {error.strerror}",
                        file=config.source, key="kiosk.public_key") from None
    if "-----BEGIN PUBLIC KEY-----" not in text:
        raise UserError(f"{config.public_key} is not a public key file (PEM)", file=config.source,
                        key="kiosk.public_key")


def _make_data_dir(config: KioskConfig) -> None:
    try:
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {config.data_dir}: {error.strerror}", file=config.source,
                        key="kiosk.data_dir") from None


def _keys_generate(args: argparse.Namespace) -> int:
    from kiosk.keyfiles import generate_key_pair, load_public_key

    passphrase = _new_passphrase() if args.passphrase else None
    private, public = generate_key_pair(args.out, hybrid=not args.classic, passphrase=passphrase)
    key = load_public_key(public)
    print(f"Private key (keep it with the provider, never on a kiosk): {private}")
    print(f"Public key (give it to the kiosks): {public}")
    print(f"Key id {key.kid}, fingerprint {key.fingerprint}")
    return 0


def _new_passphrase() -> bytes:
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV].encode()
    first = getpass.getpass("Passphrase for the private key: ")
    if first != getpass.getpass("The same passphrase again: "):
        raise UserError("the two passphrases differ", key="--passphrase")
    return first.encode()


def _passphrase_for(path: Path) -> bytes | None:
    from kiosk.keyfiles import private_key_is_encrypted

    if not private_key_is_encrypted(path):
        return None
    return (os.environ.get(PASSPHRASE_ENV) or getpass.getpass(f"Passphrase for {path}: ")).encode()


def _open(args: argparse.Namespace) -> int:
    from kiosk.export import write_records
    from kiosk.keyfiles import load_private_key
    from kiosk.sealing import EnvelopeError, open_envelope

    key = load_private_key(args.key, _passphrase_for(args.key))
    envelopes = _queued_envelopes(args.data_dir)
    _check_key_fits(key, envelopes, args.key)
    records, failures = [], 0
    for envelope in envelopes:
        try:
            records.append(open_envelope(envelope, [key]))
        except EnvelopeError as error:
            failures += 1
            print(f"kiosk: envelope {envelope.get('id', '?')} could not be opened: {error.reason}", file=sys.stderr)
    wanted = "reply_request" if args.replies else "response"
    write_records([record for record in records if record.get("type") == wanted], args.format, sys.stdout,
                  replies=args.replies)
    return 1 if failures else 0


def _check_key_fits(key: PrivateKey, envelopes: list[dict], path: Path) -> None:
    """The wrong key would fail every envelope, a line each: say it once, naming both keys."""
    sealed_for = sorted({str(envelope.get("kid")) for envelope in envelopes})
    if envelopes and key.kid not in sealed_for:
        raise UserError(f"is the key {key.kid}, but the envelopes here were sealed for {', '.join(sealed_for)}",
                        file=path, key="--key")


def _queued_envelopes(data_dir: Path) -> list[dict]:
    from kiosk.outbox import Outbox, OutboxError

    outbox_dir = data_dir / "outbox"
    if not outbox_dir.is_dir():
        raise UserError("no kiosk queue here (no outbox folder)", file=data_dir, key="--data-dir")
    try:
        with Outbox(outbox_dir, readonly=True) as outbox:
            return outbox.oldest(len(outbox))
    except OutboxError as error:
        raise UserError(str(error), file=outbox_dir) from None


def _status(args: argparse.Namespace) -> int:
    from kiosk.status import read_status, render_status

    if args.config:
        from kiosk.config import load_config

        data_dir = load_config(args.config).data_dir
    else:
        from kiosk.demo import demo_data_dir

        data_dir = args.data_dir or demo_data_dir()
    status = read_status(data_dir)
    print(json.dumps(status, indent=2) if args.json else render_status(status))
    return 0
