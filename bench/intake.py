"""Intake: the receiver's sustained intake with 4 kiosks sending at once, on SQLite and on PostgreSQL.

    python -m bench.intake [--kiosks 4] [--per-kiosk 5000] [--dir FOLDER]

As in bench/drain.py (the same receiver process, enrolment, sealed outboxes and kiosk
processes), but with several kiosks, each a process of its own, enrolled with one receiver
and starting to send at the same moment, once every one has opened its outbox. The intake
is what the receiver stored (rows counted in its database afterwards) over the wall time
from the first kiosk starting to send to the last one's last answer (its heartbeat's).

PostgreSQL is started as the tests start it (tests/postgres.py), a cluster of its own for
the run, but with fsync on, like SQLite's `synchronous = FULL`: a stored batch must survive
a power cut. Where PostgreSQL cannot be run, the result says why instead. No target: the
figure is for context (the kiosks share the machine's cores with the receiver).

Then the same on that PostgreSQL through the load balancer: docs/haproxy.cfg run by HAProxy
in front of two receivers (tests/load_balancer.py, as tests/test_load_balancer.py runs it),
TLS from the kiosks to HAProxy and from HAProxy to each receiver; where HAProxy is not
installed, the result says so.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.drain import (REQUESTS_PER_MINUTE, Drained, Receiver, drain_at_once, enrolled_kiosk, fill_sealed,
                         running_receiver)
from kiosk.config import KioskConfig
from provider.config import load_config
from tests.load_balancer import Balanced, LoadBalancerUnavailable, balanced_receivers
from tests.postgres import PostgresUnavailable, running_postgres

KIOSKS = 4
PER_KIOSK = 5_000
SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"
BALANCED = "PostgreSQL, through HAProxy to 2 receivers, TLS on both hops"


@dataclass(frozen=True)
class Intake:
    database: str  # SQLITE or POSTGRESQL
    kiosks: list[Drained]
    receiver_stored: int  # rows in the receiver's database afterwards

    @property
    def seconds(self) -> float:
        """From the first kiosk starting to send to the last answer."""
        return max(kiosk.finished for kiosk in self.kiosks) - min(kiosk.started for kiosk in self.kiosks)

    @property
    def rate(self) -> float:
        return self.receiver_stored / self.seconds

    @property
    def errors(self) -> list[str]:
        return [kiosk.error for kiosk in self.kiosks if kiosk.error]


@dataclass(frozen=True)
class Unavailable:
    database: str
    reason: str


def measure(kiosks: int = KIOSKS, per_kiosk: int = PER_KIOSK, folder: Path | None = None,
            ) -> list[Intake | Unavailable]:
    """The intake on SQLite, then on PostgreSQL, then on PostgreSQL through the load balancer
    (or why it could not be measured there)."""
    results: list[Intake | Unavailable] = [measure_on(SQLITE, None, kiosks, per_kiosk, folder)]
    try:
        with running_postgres(durable=True) as postgres:
            postgres.admin("CREATE DATABASE intake")
            results.append(measure_on(POSTGRESQL, postgres.url("intake"), kiosks, per_kiosk, folder))
            postgres.admin("CREATE DATABASE balanced")
            results.append(measure_balanced(postgres.url("balanced"), kiosks, per_kiosk, folder))
    except PostgresUnavailable as reason:
        results += [Unavailable(POSTGRESQL, str(reason)), Unavailable(BALANCED, str(reason))]
    return results


def measure_on(name: str, database: str | None, kiosks: int, per_kiosk: int, folder: Path | None) -> Intake:
    """`kiosks` kiosks, `per_kiosk` envelopes each, into one receiver on `database` (None: SQLite)."""
    with tempfile.TemporaryDirectory(prefix="bench-intake-", dir=folder) as temp:
        root = Path(temp)
        with running_receiver(root / "receiver", database) as receiver:
            configs = [enrolled_kiosk(receiver, root / f"kiosk-{number}", f"intake-{number}")
                       for number in range(1, kiosks + 1)]
            return _drained(name, configs, per_kiosk, receiver)


def measure_balanced(database: str, kiosks: int, per_kiosk: int, folder: Path | None) -> Intake | Unavailable:
    """`kiosks` kiosks, enrolled through HAProxy, into two receivers behind it on `database`."""
    with tempfile.TemporaryDirectory(prefix="bench-balanced-", dir=folder) as temp:
        root = Path(temp)
        try:
            with balanced_receivers(root / "provider", database,
                                    receiver_lines=f"requests_per_minute = {REQUESTS_PER_MINUTE}\n") as balanced:
                receiver = Receiver(load_config(balanced.receivers[0].config_file), balanced.url)
                configs = [_enrolled_through(balanced, receiver, root / f"kiosk-{number}", f"intake-{number}")
                           for number in range(1, kiosks + 1)]
                return _drained(BALANCED, configs, per_kiosk, receiver)
        except LoadBalancerUnavailable as reason:
            return Unavailable(BALANCED, str(reason))


def _enrolled_through(balanced: Balanced, receiver: Receiver, data_dir: Path, kiosk_id: str) -> KioskConfig:
    """As bench.drain.enrolled_kiosk, over TLS to HAProxy, trusting the frontend's CA."""
    from kiosk.config import enrolled_config
    from kiosk.enrolment import write_enrolment
    from sync.uploader.enrol import enrol

    enrolment = enrol(balanced.url, receiver.add_kiosk(kiosk_id), ca_file=balanced.ca_file)
    data_dir.mkdir(mode=0o700, parents=True)
    write_enrolment(data_dir, enrolment)
    return enrolled_config(data_dir)


def _drained(name: str, configs: list[KioskConfig], per_kiosk: int, receiver: Receiver) -> Intake:
    for config in configs:
        fill_sealed(config, per_kiosk)
    return Intake(name, drain_at_once(configs), receiver.stored())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=KIOSKS)
    parser.add_argument("--per-kiosk", type=int, default=PER_KIOSK, help=f"envelopes each (default {PER_KIOSK:,})")
    parser.add_argument("--dir", type=Path, help="where to make the outboxes and the receiver's data (default: temp)")
    options = parser.parse_args()
    for result in measure(options.kiosks, options.per_kiosk, options.dir):
        if isinstance(result, Unavailable):
            print(f"{result.database}: not measured: {result.reason}")
            continue
        print(f"{result.database}: {result.receiver_stored:,} stored from {len(result.kiosks)} kiosks in "
              f"{result.seconds:.1f} s: {result.rate:,.0f} envelopes/s; kiosks' errors: "
              f"{'; '.join(result.errors) or 'none'}")


if __name__ == "__main__":
    main()
