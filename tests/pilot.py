"""Helpers for driving the kiosk app the way a client does: by tapping targets, or by keys."""

from __future__ import annotations

from textual.pilot import Pilot

from commands.kiosk import make_app
from screens.app import KioskApp
from screens.layout import TARGET_COLUMNS, TARGET_ROWS, header_lines
from screens.widgets import Prompt, Target

SIZES = [(80, 24), (120, 40), (50, 15)]


def build(config, clock=None, **options) -> KioskApp:
    extra = {"clock": clock} if clock else {}
    return make_app(config, idle_tick=0.05, **extra, **options)


def visible_targets(app: KioskApp) -> list[Target]:
    return [target for target in app.screen.query(Target) if target.display and target.region.area]


def target(app: KioskApp, *, label: str | None = None, value: object = None, id: str | None = None) -> Target:
    """The visible target with this id, value or label text (exactly one must match)."""
    found = [t for t in visible_targets(app)
             if (id is not None and t.id == id) or (value is not None and t.value == value)
             or (label is not None and t.text.replace("\n", " ") == label)]
    assert len(found) == 1, f"expected one target {label or value or id!r} on {app.screen!r}, " \
                            f"found {[t.text for t in visible_targets(app)]}"
    return found[0]


async def tap(pilot: Pilot, widget: Target) -> None:
    """Tap the middle of a target, as a finger would, and let the app settle."""
    assert await pilot.click(widget, offset=(widget.region.width // 2, widget.region.height // 2))
    await settle(pilot)


async def tap_on(pilot: Pilot, **which) -> None:
    await tap(pilot, target(pilot.app, **which))


async def settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(app: KioskApp) -> str:
    """The words on screen, prompt and targets, as one line (labels wrap inside targets)."""
    texts = [str(prompt.render()) for prompt in app.screen.query(Prompt) if prompt.display]
    texts += [str(target.label) for target in visible_targets(app)]
    return " ".join(" ".join(texts).split())


def screen_text(app: KioskApp) -> str:
    """Everything a person can read on the screen now, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_targets_big_enough(app: KioskApp) -> None:
    """Every tappable target is at least 5 rows by 16 columns, and wholly on screen; a prompt
    that shares the grid with them is not cut short."""
    width, height = app.size
    for prompt in app.screen.query(Prompt):
        if prompt.display and prompt.has_class("in-grid"):
            text = str(prompt.render())
            needed = header_lines(text, prompt.region.width)
            assert needed <= prompt.region.height, f"the prompt {text!r} needs {needed} lines, has {prompt.region.height}"
    for widget in visible_targets(app):
        region = widget.region
        assert region.height >= TARGET_ROWS and region.width >= TARGET_COLUMNS, \
            f"{widget.text!r} on {app.screen!r} is {region.width}x{region.height} at {width}x{height}"
        assert region.right <= width and region.bottom <= height, \
            f"{widget.text!r} on {app.screen!r} is cut off ({region}) at {width}x{height}"
