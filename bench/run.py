"""Every benchmark of the kiosk's first issue and of sync (issue 3), printed as one Markdown table.

    python -m bench.run [--quick] [--dir FOLDER]

--quick is a smoke run (a few samples of each, smaller backlogs and drains): it checks that
the benchmarks work, and its figures mean little. --dir is where the outboxes (and the
receiver's data of the sync benchmarks) are made (default: the system's temp folder); use
the device's own storage.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bench import drain, first_paint, intake, submit, transitions
from kiosk.outbox import DEFAULT_SEGMENT_SIZE

NOT_APPLICABLE = "–"


@dataclass(frozen=True)
class Settings:
    rounds: int  # first paint: starts of each app
    pending: tuple[int, ...]  # submit to durable: backlogs, the first with none
    samples: int  # submit to durable: record() calls per backlog
    loops: int  # transitions: rounds of the whole flow, tapping at once
    reading_loops: int  # transitions: rounds of the whole flow, pausing before each tap
    drained: int  # drain: envelopes in the kiosk's outbox
    per_kiosk: int  # intake: envelopes in each kiosk's outbox


FULL = Settings(rounds=15, pending=submit.PENDING, samples=submit.SAMPLES, loops=transitions.LOOPS,
                reading_loops=transitions.READING_LOOPS, drained=drain.COUNT, per_kiosk=intake.PER_KIOSK)
QUICK = Settings(rounds=2, pending=(0, 1_000), samples=DEFAULT_SEGMENT_SIZE, loops=2, reading_loops=1, drained=2_000,
                 per_kiosk=500)


@dataclass(frozen=True)
class Figure:
    what: str
    measured: str
    target: str = NOT_APPLICABLE
    met: bool | None = None  # None: a figure shown for context, with no target of its own

    def row(self) -> str:
        met = NOT_APPLICABLE if self.met is None else "yes" if self.met else "no"
        return f"| {self.what} | {self.measured} | {self.target} | {met} |"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def first_paint_figures(comparison: first_paint.Comparison) -> list[Figure]:
    rounds, heavy = comparison.rounds, comparison.heavy_at_ready
    return [
        Figure(f"First paint: kiosk welcome screen, median of {rounds}", _ms(comparison.kiosk_seconds)),
        Figure(f"First paint: bare Textual app, median of {rounds}", _ms(comparison.bare_seconds)),
        Figure("First paint time, kiosk / bare", f"{comparison.time_ratio:.2f}",
               f"≤ {first_paint.TIME_RATIO_TARGET}", comparison.time_ratio <= first_paint.TIME_RATIO_TARGET),
        Figure("Peak RSS at first paint: kiosk, median", _mib(comparison.kiosk_rss_kib)),
        Figure("Peak RSS at first paint: bare Textual app, median", _mib(comparison.bare_rss_kib)),
        Figure("Peak RSS at first paint, kiosk / bare", f"{comparison.rss_ratio:.2f}",
               f"≤ {first_paint.RSS_RATIO_TARGET}", comparison.rss_ratio <= first_paint.RSS_RATIO_TARGET),
        Figure(f"Loaded by the kiosk at first paint, of {' and '.join(first_paint.HEAVY_MODULES)}",
               ", ".join(heavy) or "neither", "neither", not heavy),
    ]


def submit_figures(levels: list[submit.Level], disk: str) -> list[Figure]:
    figures = []
    for level in levels:
        where = f"{level.pending:,} pending ({disk})"
        figures += [Figure(f"Submit to durable, p50, {where}", _ms(level.p50)),
                    Figure(f"Submit to durable, p95, {where}", _ms(level.p95), f"≤ {_ms(submit.P95_TARGET)}",
                           level.p95 <= submit.P95_TARGET)]
    growth = levels[-1].p95 / levels[0].p95
    figures.append(Figure(f"Submit to durable, p95 with {levels[-1].pending:,} / with {levels[0].pending:,} pending",
                          f"{growth:.2f}", f"≤ {submit.GROWTH_TARGET}", growth <= submit.GROWTH_TARGET))
    return figures


def transition_figures(measured: transitions.Transitions, how: str) -> list[Figure]:
    count = len(measured.samples)
    p95 = measured.percentile(95)
    return [
        Figure(f"Screen transition, tap to next screen painted, {how}: p50 of {count}", _ms(measured.percentile(50))),
        Figure(f"Screen transition, tap to next screen painted, {how}: p95 of {count}", _ms(p95),
               f"≤ {_ms(transitions.P95_TARGET)}", p95 <= transitions.P95_TARGET),
        Figure(f"Screen transition as Pilot sees it (click() called to screen current, "
               f"with Pilot's own idle waits), {how}: p95", _ms(measured.percentile(95, through_pilot=True))),
        Figure(f"Garbage collections of generations 1 and 2 in the run, {how}: how many, the longest",
               "; ".join(f"generation {generation}: {len(seconds)}, {_ms(max(seconds, default=0))}"
                         for generation, seconds in measured.collections.items())),
    ]


def drain_figures(result: drain.Drain) -> list[Figure]:
    drained = result.drained
    count, rise = drained.envelopes, drained.rss_rise_kib
    complete = result.receiver_stored == count and drained.left == 0 and drained.error is None
    return [
        Figure(f"Drain {count:,} sealed envelopes from a kiosk's outbox into the receiver (SQLite, loopback), "
               "end to end", f"{drained.rate:,.0f} envelopes/s ({drained.seconds:.1f} s)",
               f"≥ {drain.RATE_TARGET:,}/s", drained.rate >= drain.RATE_TARGET),
        Figure("Drain: kiosk RSS just before it", _mib(drained.rss_before_kib)),
        Figure("Drain: kiosk peak RSS rise during it", _mib(rise), f"≤ {_mib(drain.RSS_RISE_TARGET_KIB)}",
               rise <= drain.RSS_RISE_TARGET_KIB),
        Figure("Drain: stored by the receiver; left in the outbox; error",
               f"{result.receiver_stored:,}; {drained.left}; {drained.error or 'none'}",
               f"{count:,}; 0; none", complete),
    ]


def intake_figures(results: list[intake.Intake | intake.Unavailable], kiosks: int, per_kiosk: int) -> list[Figure]:
    figures = []
    for result in results:
        what = f"Receiver intake, {kiosks} kiosks sending at once, {per_kiosk:,} envelopes each ({result.database})"
        if isinstance(result, intake.Unavailable):
            figures.append(Figure(what, f"not measured: {result.reason}"))
            continue
        errors = "; ".join(result.errors)
        figures.append(Figure(what, f"{result.rate:,.0f} envelopes/s ({result.receiver_stored:,} of "
                                    f"{kiosks * per_kiosk:,} stored in {result.seconds:.1f} s"
                                    f"{'; ' + errors if errors else ''})"))
    rates = {result.database: result.rate for result in results if isinstance(result, intake.Intake)}
    if intake.POSTGRESQL in rates and intake.BALANCED in rates:
        figures.append(Figure("Receiver intake on PostgreSQL, through HAProxy to 2 receivers / to 1 receiver directly",
                              f"{rates[intake.BALANCED] / rates[intake.POSTGRESQL]:.2f}"))
    return figures


def machine(folder: Path) -> str:
    return (f"CPU {_cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"Textual {version('textual')}; disk for the outboxes: {submit.describe_disk(folder)} ({folder})")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def table(figures: list[Figure]) -> str:
    return "\n".join(["| what | measured | target | met |", "| --- | --- | --- | --- |",
                      *(figure.row() for figure in figures)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run; the figures mean little")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()),
                        help="where to make the outboxes and the receiver's data (default: the temp folder)")
    options = parser.parse_args()
    settings = QUICK if options.quick else FULL

    comparison = first_paint.compare(settings.rounds)
    figures = first_paint_figures(comparison)
    figures += submit_figures(submit.measure(settings.pending, settings.samples, options.dir),
                              submit.describe_disk(options.dir))
    figures += transition_figures(transitions.measure(settings.loops), "each tap as soon as the screen is painted")
    figures += transition_figures(transitions.measure(settings.reading_loops, transitions.READING_PAUSE),
                                  f"each tap {transitions.READING_PAUSE:g} s after (a person reading)")
    figures += drain_figures(drain.measure(settings.drained, options.dir))
    figures += intake_figures(intake.measure(intake.KIOSKS, settings.per_kiosk, options.dir), intake.KIOSKS,
                              settings.per_kiosk)

    print(f"Machine: {machine(options.dir)}{' (--quick run)' if options.quick else ''}\n")
    print(table(figures))
    if comparison.time_ratio > first_paint.TIME_RATIO_TARGET:
        costs = first_paint.import_costs()
        print(f"\nFirst paint over target. Import time by package (ms, self times summed, "
              f"`python -X importtime -c '{first_paint.IMPORTS_STATEMENT}'`): "
              + ", ".join(f"{package} {ms:.0f}" for package, ms in list(costs.items())[:8]))


if __name__ == "__main__":
    main()
