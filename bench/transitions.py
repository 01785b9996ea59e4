"""Screen transitions: from a tap on a target to the next screen current and painted.

The kiosk runs under Pilot at 80x24 and goes round the whole flow (welcome, faces, topic,
free text, reply, thanks, welcome) by taps. Each transition is timed from the moment the
tap's Click reaches the target (seen through run_test's message hook) to the moment the
new screen has been painted (a call_after_refresh callback on it, the same test as the
kiosk's READY=1). Pilot's own waits are left out: `pilot.click` waits for the app to go
idle, at least 20 ms, before each of its three mouse events, which would swamp the
figure. The time as Pilot sees it (from calling click() to the new screen being current)
is kept as well, to show that difference.

    python -m bench.transitions [--loops 35] [--pause SECONDS] [--profile]

The taps come as soon as each screen is painted, and (in bench.run) also READING_PAUSE
seconds after, as a person's would: the kiosk collects garbage when a screen stands
still (screens/garbage.py), which taps in quick succession never let it do.

--profile runs the loops under cProfile and prints the hot spots. Garbage collections of
the older generations are timed separately (gc.callbacks).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen

from bench.outbox_append import _percentile
from kiosk.config import KioskConfig, ReplyPromise
from kiosk.demo import DEMO_ANSWERER, DEMO_REPLY_DAYS
from commands.kiosk import garbage_policy, make_app
from screens.app import KioskApp
from screens.endings import ThanksScreen
from screens.question import ChoiceScreen, FreeTextScreen
from screens.reply import ReplyScreen
from screens.welcome import WelcomeScreen
from tests.pilot import settle, target

SIZE = (80, 24)
LOOPS = 35  # 6 transitions each: 210, at least 200
READING_LOOPS = 20  # 120 transitions, each after READING_PAUSE: two minutes
READING_PAUSE = 1.0  # seconds a person looks at a screen before the next tap, at the least
P95_TARGET = 0.050  # seconds
WAIT_LIMIT = 10.0  # seconds for one transition before the bench gives up
# (what to tap, the screen it leads to), round the whole flow.
FLOW: tuple[tuple[dict, type[Screen]], ...] = (
    ({"id": "start"}, ChoiceScreen),  # welcome -> faces
    ({"value": 4}, ChoiceScreen),  # faces -> topic
    ({"value": "waiting"}, FreeTextScreen),  # topic -> free text
    ({"id": "skip"}, ReplyScreen),  # free text -> reply
    ({"id": "no"}, ThanksScreen),  # reply -> thanks (seals and stores the response)
    ({"id": "close"}, WelcomeScreen),  # thanks -> welcome
)


@dataclass(frozen=True)
class Transition:
    name: str  # "WelcomeScreen -> ChoiceScreen"
    seconds: float  # from the Click reaching the target to the new screen painted
    through_pilot: float  # from calling pilot.click() to the new screen being current


@dataclass(frozen=True)
class Transitions:
    samples: list[Transition]
    collections: dict[int, list[float]]  # by generation (1, 2): the seconds each collection took

    def percentile(self, percent: int, *, through_pilot: bool = False) -> float:
        return _percentile([sample.through_pilot if through_pilot else sample.seconds
                            for sample in self.samples], percent)

    def median_by_name(self) -> dict[str, float]:
        names = dict.fromkeys(sample.name for sample in self.samples)
        return {name: statistics.median(sample.seconds for sample in self.samples if sample.name == name)
                for name in names}


class _Stamps:
    """When a tap's Click reached its target, and when each screen made current since was first
    painted (by id, so that no old screen is kept alive for the garbage collector to scan)."""

    def __init__(self) -> None:
        self.clicked_at: float | None = None
        self._painted: dict[int, float] = {}

    def arm(self) -> None:
        """Forget the last transition: the next Click starts a new one."""
        self.clicked_at = None
        self._painted.clear()

    def on_message(self, message: Message) -> None:
        """run_test's message hook: called as each message is dispatched, the Click first to its target."""
        if isinstance(message, events.Click) and self.clicked_at is None:
            self.clicked_at = time.perf_counter()

    def watch(self, app: KioskApp) -> None:
        app.screen_change_signal.subscribe(app, self._screen_changed, immediate=True)

    def _screen_changed(self, screen: Screen) -> None:
        screen.call_after_refresh(self._stamp_painted, id(screen))

    def _stamp_painted(self, screen_id: int) -> None:
        self._painted.setdefault(screen_id, time.perf_counter())

    def painted_at(self, screen: Screen) -> float | None:
        return self._painted.get(id(screen))


class _Collections:
    """Times the garbage collections of the older generations (1 and 2) while in use: the
    young one's take a few milliseconds, these can take a fifth of a second, and cProfile
    spreads them over whatever function happened to allocate."""

    def __enter__(self) -> _Collections:
        self.seconds: dict[int, list[float]] = {1: [], 2: []}
        self._started: float | None = None
        gc.callbacks.append(self._on_collection)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._on_collection)

    def _on_collection(self, phase: str, info: dict) -> None:
        if info["generation"] not in self.seconds:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.seconds[info["generation"]].append(time.perf_counter() - self._started)


def _config(folder: Path) -> KioskConfig:
    """A kiosk config as the tests build it, with a key pair of its own."""
    from kiosk.keyfiles import generate_key_pair

    _, public_key = generate_key_pair(folder / "keys")
    return KioskConfig(kiosk_id="bench", unit_id="bench", data_dir=folder / "data", public_key=public_key,
                       reply=ReplyPromise(DEMO_ANSWERER, DEMO_REPLY_DAYS), log_dir=folder / "logs")


async def _transition(pilot: Pilot, stamps: _Stamps, which: dict, leads_to: type[Screen]) -> Transition:
    app = pilot.app
    before = app.screen
    name = f"{type(before).__name__} -> {leads_to.__name__}"
    widget = target(app, **which)
    stamps.arm()
    started = time.perf_counter()
    assert await pilot.click(widget, offset=(widget.region.width // 2, widget.region.height // 2))
    await _until(pilot, lambda: app.screen is not before and isinstance(app.screen, leads_to), started, name)
    through_pilot = time.perf_counter() - started
    await _until(pilot, lambda: stamps.painted_at(app.screen) is not None, started, name)
    assert stamps.clicked_at is not None
    return Transition(name, stamps.painted_at(app.screen) - stamps.clicked_at, through_pilot)


async def _until(pilot: Pilot, condition: Callable[[], bool], started: float, name: str) -> None:
    while not condition():
        if time.perf_counter() - started > WAIT_LIMIT:
            raise RuntimeError(f"{name} did not happen within {WAIT_LIMIT:g} s of the tap")
        await pilot.pause()


async def _run(loops: int, pause: float) -> Transitions:
    stamps = _Stamps()
    samples: list[Transition] = []
    # The kiosk as `kiosk run` runs it: with the entry point's garbage policy.
    with tempfile.TemporaryDirectory(prefix="bench-transitions-") as temp, garbage_policy() as first_paint:
        app = make_app(_config(Path(temp)), on_first_paint=first_paint)
        async with app.run_test(size=SIZE, message_hook=stamps.on_message) as pilot:
            await settle(pilot)  # the first screen up, key and outbox loaded
            stamps.watch(app)
            for which, leads_to in FLOW:  # a warm-up round
                await _transition(pilot, stamps, which, leads_to)
            with _Collections() as collections:
                for _ in range(loops):
                    for which, leads_to in FLOW:
                        samples.append(await _transition(pilot, stamps, which, leads_to))
                        await asyncio.sleep(pause)
    return Transitions(samples, collections.seconds)


def measure(loops: int = LOOPS, pause: float = 0.0) -> Transitions:
    """`loops` rounds of the flow; before each tap, `pause` seconds with the screen painted."""
    return asyncio.run(_run(loops, pause))


def profile(loops: int = LOOPS, top: int = 25) -> str:
    """cProfile's hot spots over `loops` rounds of the flow: the functions with the most time
    of their own, then the kiosk's own functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    measure(loops)
    profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"/(kiosk|screens)/\w+\.py", top)
    return report.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loops", type=int, default=LOOPS)
    parser.add_argument("--pause", type=float, default=0.0, metavar="SECONDS",
                        help=f"wait this long before each tap (a person reading: {READING_PAUSE:g})")
    parser.add_argument("--profile", action="store_true", help="print cProfile's hot spots instead")
    options = parser.parse_args()
    if options.profile:
        print(profile(options.loops))
        return
    transitions = measure(options.loops, options.pause)
    print(f"{len(transitions.samples)} transitions: p50 {transitions.percentile(50) * 1e3:.1f} ms, "
          f"p95 {transitions.percentile(95) * 1e3:.1f} ms (through Pilot: p95 "
          f"{transitions.percentile(95, through_pilot=True) * 1e3:.1f} ms)")
    for generation, seconds in transitions.collections.items():
        print(f"  garbage collections of generation {generation}: {len(seconds)}, "
              f"longest {max(seconds, default=0) * 1e3:.0f} ms")
    for name, seconds in transitions.median_by_name().items():
        print(f"  {name}: median {seconds * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
