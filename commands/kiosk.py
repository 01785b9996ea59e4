"""The `kiosk` command: run the kiosk, make keys, open a queue, report status, enrol with
the provider's receiver, sync, and simulate visits.

It is the kiosk's composition root: `make_app` wires the core's station, the screens and
the uploader together, and `garbage_policy` tunes the process for a touch UI.

A user's mistake (a bad file, a bad argument) is one line on stderr and exit
status 2, never a traceback. Heavy modules are imported inside the commands that
need them, so `kiosk run` reaches its first screen quickly.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import os
import re
import shlex
import shutil
import stat
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.errors import EXIT_USER_ERROR, UserError
from kiosk.keynames import PASSPHRASE_ENV
from kiosk.logs import stdout_is_the_journal

if TYPE_CHECKING:
    from textual.app import App

    from kiosk.config import KioskConfig
    from kiosk.keyfiles import PrivateKey
    from kiosk.station import Station, SyncService
    from screens.app import KioskApp

PIN_ENV = "KIOSK_STAFF_PIN"  # for scripted installs; else the PIN is asked twice
# The `kiosk` extra's packages (pyproject.toml): a provider's server has the command without them.
KIOSK_PACKAGES = ("textual", "rich", "tinydb", "httpx")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args) or 0
    except UserError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        if stdout_is_the_journal():  # under systemd stderr is the screen: the journal keeps it too
            print(f"kiosk: {error}", flush=True)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] not in KIOSK_PACKAGES:
            raise
        print(f"kiosk: {missing.name} is not installed: the kiosk needs pip install 'feedback-kiosk[kiosk]'",
              file=sys.stderr)
        return EXIT_USER_ERROR


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

    status = commands.add_parser("status", help="queue depth, oldest unsent response, last write error, last sync")
    _where(status)
    status.add_argument("--json", action="store_true", help="for monitoring tools")
    status.set_defaults(command=_status)

    enroll = commands.add_parser("enroll", help="enrol with the provider's receiver and pin its keys")
    enroll.add_argument("--server", required=True, help="the receiver's address, https://...")
    enroll.add_argument("--token", required=True, help="the token `kiosk-receiver kiosks add` showed")
    enroll.add_argument("--ca", type=Path, help="the CA certificate (PEM) to trust for the receiver, "
                                                "instead of the system's")
    enroll.add_argument("--allow-insecure-http", action="store_true", help="allow http:// (loopback tests only)")
    _where(enroll)
    enroll.set_defaults(command=_enroll)

    sync = commands.add_parser("sync", help="send the queue to the receiver now")
    sync.add_argument("--once", action="store_true", required=True,
                      help="one round: send everything waiting, say how the kiosk is, fetch a newer bundle")
    _where(sync)
    sync.set_defaults(command=_sync)

    set_pin = commands.add_parser("set-pin", help="set the staff PIN (kept in the config only as a slow hash)")
    set_pin.add_argument("--config", type=Path, required=True)
    set_pin.set_defaults(command=_set_pin)

    power_rule = commands.add_parser("power-rule", help="write or remove the polkit rule for the staff panel's "
                                                        "power buttons, as allow_power says (the units run it as root)")
    power_rule.add_argument("--config", type=Path, required=True)
    power_rule.add_argument("--rules-dir", type=Path, help=argparse.SUPPRESS)  # tests and --root installs
    power_rule.set_defaults(command=_power_rule)

    simulate = commands.add_parser("simulate", help="record synthetic responses (load tests, installation checks)")
    simulate.add_argument("count", type=_positive_number, metavar="N", help="how many responses")
    simulate.add_argument("--seed", type=int, default=0, help="vary the answers differently")
    _where(simulate)
    simulate.set_defaults(command=_simulate)
    return parser


def _where(command: argparse.ArgumentParser) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path)
    where.add_argument("--data-dir", type=Path, help="a kiosk without a config file (default: the demo's)")


def _positive_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _demo(args: argparse.Namespace) -> int:
    from kiosk.config import demo_config

    from kiosk.staff import EXIT_RESTART

    config = demo_config(args.data_dir)
    print(leave_hint(config))
    # Staff's "Restart" ends the app with EXIT_RESTART, on which systemd starts a real kiosk
    # again: the demo, which has no systemd, starts itself again.
    while (status := _start(config, demo=True)) == EXIT_RESTART:
        pass
    print(leave_hint(config, after=True))
    return status


def _run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config

    return _start(load_config(args.config))


def _start(config: KioskConfig, *, demo: bool = False) -> int:
    with garbage_policy() as first_paint:
        _check_public_key_file(config)
        # Loads the survey: a mistake in it is reported before anything is made on disk.
        app = make_app(config, demo=demo, on_first_paint=first_paint)
        _make_data_dir(config.data_dir, file=config.source, key="kiosk.data_dir")
        _start_logging(config)
        app.run()
    if app.start_error is not None:  # found once the screen was up (a damaged key): one line, exit 2
        raise app.start_error
    return app.return_code or 0


def _start_logging(config: KioskConfig) -> None:
    """The kiosk's log (kiosk/logs.py says where); a log folder it cannot use is a mistake to name."""
    from kiosk.logs import setup_logging

    try:
        setup_logging(config.log_dir, fallback_dir=config.data_dir)
    except OSError as error:
        raise UserError(f"cannot keep the log in {error.filename or config.log_dir}: {error.strerror}",
                        file=config.source, key="kiosk.log_dir" if config.log_dir else None) from None


def make_app(config: KioskConfig, *, demo: bool = False, clock: Callable[[], float] = time.monotonic,
             idle_tick: float = 1.0, on_first_paint: Callable[[App], None] | None = None) -> KioskApp:
    """The kiosk app for a config, wired to its station and, if it syncs, to the provider: the
    entry point and the tests build it the same way."""
    from kiosk.speech import Speaker
    from kiosk.station import Station
    from kiosk.strings import load_strings
    from kiosk.survey import check_covers, load_survey
    from screens import textual_fixes
    from screens.app import KioskApp

    textual_fixes.apply()
    survey = load_survey(config.survey)
    check_covers(survey, config.languages, file=config.source or "the demo config")
    station = Station(config, survey, connect=_connect_to_provider if config.sync else None, clock=clock)
    return KioskApp(config, station, load_strings(), Speaker.installed(), clock=clock, demo=demo,
                    idle_tick=idle_tick, on_first_paint=on_first_paint)


def _connect_to_provider(station: Station) -> SyncService:
    from sync.uploader.uploader import Uploader

    return Uploader(station.config, station.recorder.outbox, bundles=station.bundles, survey=lambda: station.survey,
                    unsaved=lambda: station.recorder.unsaved, write_error=lambda: station.recorder.last_error)


@contextmanager
def garbage_policy() -> Iterator[Callable[[App], None]]:
    """Garbage collection for a touch UI, for the kiosk's process while its app runs.

    Start-up makes objects that live as long as the app: collecting among them is wasted
    work, so collection is off until the first screen is painted; then they are frozen out
    of every later collection, and collections come while a screen stands still
    (screens/garbage.py). Everything is undone when the app has exited. Yields what the
    app calls at its first paint."""
    from screens.garbage import IdleCollector, THRESHOLDS

    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.disable()

    def first_paint(app: App) -> None:
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
        gc.enable()
        IdleCollector(app).start()

    try:
        yield first_paint
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        if enabled:
            gc.enable()


def leave_hint(config: KioskConfig, *, after: bool = False) -> str:
    """What the demo prints before it starts and after it ends."""
    from kiosk.demo import DEMO_PIN, demo_private_key

    if not after:
        return (f"Starting the demo kiosk (data in {config.data_dir}).\n"
                "To leave the demo, press F10. Ctrl+C, Ctrl+Q and the like do nothing, as on a real kiosk.\n"
                f"Staff panel: F12, or hold a finger still in the top left corner for 3 seconds; the demo's PIN is {DEMO_PIN}.")
    kiosk, data_dir = kiosk_command(), shlex.quote(str(config.data_dir))
    return (f"Left the demo. To read the feedback it collected:\n"
            f"  {kiosk} open --key {shlex.quote(str(demo_private_key(config.data_dir)))} --data-dir {data_dir}\n"
            f"  {kiosk} status --data-dir {data_dir}")


def kiosk_command() -> str:
    """This `kiosk` as a shell runs it from any folder: by its name if the shell finds this one
    by it, else by its absolute path (`./dev demo` runs .venv/bin/kiosk, which is not on PATH)."""
    program = Path(sys.argv[0])
    if program.name != "kiosk":  # python -m commands.kiosk
        return f"{shlex.quote(sys.executable)} -m commands.kiosk"
    found = shutil.which("kiosk")
    if found and Path(found).resolve() == program.resolve():
        return "kiosk"
    return shlex.quote(str(program.absolute()))


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


def _make_data_dir(data_dir: Path, *, file: Path | None, key: str) -> None:
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {data_dir}: {error.strerror}", file=file, key=key) from None


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
    chosen = [record for record in records if record.get("type") == wanted]
    write_records(chosen, args.format, sys.stdout, replies=args.replies)
    if not chosen:  # on stderr: stdout stays the data (a CSV's header, or nothing)
        print(f"0 {'reply requests' if args.replies else 'responses'} in {args.data_dir}", file=sys.stderr)
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
        data_dir = _data_dir(args)
    status = read_status(data_dir)
    print(json.dumps(status, indent=2) if args.json else render_status(status))
    return 0


def _data_dir(args: argparse.Namespace) -> Path:
    from kiosk.demo import demo_data_dir

    return (args.data_dir or demo_data_dir()).expanduser().absolute()


def _kiosk_config(args: argparse.Namespace, *, demo: bool = True) -> KioskConfig:
    """The config file's; else, for a data folder, its enrolment's, or (`demo`) the demo's."""
    from kiosk.config import demo_config, enrolled_config, load_config

    if args.config:
        return load_config(args.config)
    data_dir = _data_dir(args)
    config = enrolled_config(data_dir)
    if config is None and not demo:
        raise UserError("this kiosk is not enrolled (no enrolment.json): run `kiosk enroll` first",
                        file=data_dir, key="--data-dir")
    return config or demo_config(data_dir)


def _enroll(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.enrolment import write_enrolment
    from sync.uploader.enrol import enrol, signing_key_fingerprint

    config = load_config(args.config, use_enrolment=False) if args.config else None
    if config is not None and config.sync is not None:
        raise UserError("has a [sync] table, whose settings are used instead of an enrolment's: remove it to enrol",
                        file=args.config, key="sync")
    enrolment = enrol(args.server, args.token, ca_file=args.ca, allow_insecure_http=args.allow_insecure_http)
    if config is not None and enrolment.kiosk_id != config.kiosk_id:
        raise UserError(f"the receiver knows this kiosk as {enrolment.kiosk_id!r}, not {config.kiosk_id!r}: "
                        "correct kiosk.id, or ask for the right token", file=args.config, key="kiosk.id")
    data_dir = config.data_dir if config else _data_dir(args)
    _make_data_dir(data_dir, file=args.config, key="kiosk.data_dir" if config else "--data-dir")
    path = write_enrolment(data_dir, enrolment)
    print(f"Enrolled with {enrolment.server} as kiosk {enrolment.kiosk_id} (unit {enrolment.unit_id}).")
    print(f"Pinned the provider's signing key, fingerprint {signing_key_fingerprint(enrolment.signing_key)}")
    print(f"Sealing to key {enrolment.keys[0].get('kid')}; wrote {path}")
    if config is not None:
        _check_config_key(config, enrolment.keys)
    return 0


def _check_config_key(config: KioskConfig, keys: list[dict]) -> None:
    """A config naming a key the receiver does not know would have everything it seals rejected."""
    from kiosk.enrolment import ENROLLED_KEY_FILE
    from kiosk.keyfiles import load_public_key, public_key_from_pem

    kid = load_public_key(config.public_key).kid
    if kid not in {public_key_from_pem(key["pem"].encode(), "the receiver's key").kid for key in keys}:
        print(f"Warning: kiosk.public_key ({config.public_key}, key {kid}) is not one of the receiver's current "
              "keys: unless the receiver still holds it, what the kiosk seals will be rejected (unknown-key). "
              f"The receiver's key is in {config.data_dir / ENROLLED_KEY_FILE}.")


def _sync(args: argparse.Namespace) -> int:
    from kiosk.outbox import Outbox, OutboxError
    from sync.uploader.uploader import Uploader

    config = _kiosk_config(args, demo=False)
    _start_logging(config)  # the details go where the kiosk's go
    try:
        outbox = Outbox(config.outbox_dir)
    except OutboxError as error:
        raise UserError(str(error), key="--config" if args.config else "--data-dir") from None
    with outbox:
        uploader = Uploader(config, outbox)
        try:
            report = uploader.run_once()
        finally:
            uploader.close()
    print(report.summary())
    if report.bundle_version is not None:
        print(f"Bundle {report.bundle_version} downloaded and verified: the kiosk applies it at its next welcome screen.")
    return 1 if report.error else 0


def _simulate(args: argparse.Namespace) -> int:
    from kiosk.simulate import simulate

    config = _kiosk_config(args)
    _make_data_dir(config.data_dir, file=args.config, key="kiosk.data_dir" if args.config else "--data-dir")
    result = simulate(config, args.count, seed=args.seed)
    print(f"Recorded {result.responses} synthetic responses ({result.with_text} with free text, "
          f"{result.reply_requests} reply requests) of survey {result.survey.id} version {result.survey.version} "
          f"for kiosk {config.kiosk_id}; {result.queue_depth} envelopes wait in {config.outbox_dir}.")
    return 0


def _set_pin(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.pin import NEW_PIN_PATTERN, affordable_cost, hash_pin, with_pin_hash
    from kiosk.storage import write_atomically

    load_config(args.config)  # a config with mistakes is fixed first, not made worse
    pin = os.environ.get(PIN_ENV) or getpass.getpass("New staff PIN for this kiosk only (6 to 12 digits): ")
    if not re.fullmatch(NEW_PIN_PATTERN, pin):
        raise UserError("a staff PIN is 6 to 12 digits", key="PIN")
    if not os.environ.get(PIN_ENV) and getpass.getpass("The same PIN again: ") != pin:
        raise UserError("the two PINs differ", key="PIN")
    before = args.config.stat()
    cost = affordable_cost()  # measured here: set-pin runs on the kiosk that checks the PIN
    text = with_pin_hash(args.config.read_text(), hash_pin(pin, cost))
    tomllib.loads(text)  # what is written still parses (with_pin_hash leaves the rest as it was)
    write_atomically(args.config, text)
    # The kiosk's user must still be able to read it: keep the file's mode and owner.
    os.chmod(args.config, stat.S_IMODE(before.st_mode))
    if os.geteuid() == 0:
        os.chown(args.config, before.st_uid, before.st_gid)
    print(f"Staff PIN set in {args.config} (scrypt N = {cost}, the strongest this device checks in about "
          "half a second). Restart the kiosk to use it.")
    return 0


def _power_rule(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.power_rule import RULES_DIR, apply_power_rule

    rules_dir = args.rules_dir or RULES_DIR
    try:
        # Not the enrolment: it is the kiosk user's file, and this runs as root.
        allowed = load_config(args.config, use_enrolment=False).staff.allow_power
    except UserError:
        apply_power_rule(False, rules_dir)  # a config with a mistake allows nothing (the kiosk names it)
        raise
    rule = apply_power_rule(allowed, rules_dir)
    print(f"The staff panel may shut down and restart the device: polkit rule {rule}" if rule else
          "The staff panel may not shut down or restart the device (allow_power is not true): no polkit rule")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
