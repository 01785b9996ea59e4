"""Work-arounds and tuning for Textual, for a kiosk that runs for weeks and must feel quick.

The entry point applies them (`apply()`, from commands/kiosk.py: `make_app`). Each reaches
into Textual's internals, so `apply()` first checks that every name it replaces is still
there with the parameters it expects, and stops the kiosk with one line naming the Textual
version when one moved: an upgrade must not silently bring a leak back.
tests/test_textual_fixes.py checks that each one still takes effect.

1. Textual 8.2.8 caches `StylesCache.get_inner_outer` with `functools.lru_cache` on the
   instance method, so the cache keeps up to 1024 dead widgets' style caches (and their
   rendered lines) alive (Textualize/textual#6665). Every screen of every visit adds to
   it: memory grows, and each full garbage collection scans it, which shows as pauses of
   a fifth of a second between screens. The result depends only on the two colours, so
   the same cache keyed without the instance is exact. Remove this when the pin moves
   past a Textual release with the fix.

2. Textual paints a changed screen on its next frame, at most 60 a second by default: a
   new screen waited up to 17 ms for its frame, a third of the 50 ms a screen change may
   take. The frame timer runs only while something changes, so 240 frames a second costs
   nothing more when the kiosk is idle (0.3% of a core at 120 and at 240, measured on the
   dev VM); against 120, it took 4 ms off the median screen change and the p95
   (bench/transitions.py). TEXTUAL_FPS, when set, still decides.

3. A widget's styles are worked out again each time its CSS classes change, even before it
   is mounted: a Button sets three classes as it is made, and the kiosk's targets a fourth,
   each a full pass over the stylesheet that mounting then does once more anyway
   (App._register). Skipping it for widgets not yet in the DOM took a fifth off a screen change.
"""

from __future__ import annotations

import os
from functools import lru_cache

import textual.app
import textual.screen
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.dom import DOMNode
from textual.style import Style

from kiosk.errors import UserError
from kiosk.internals import first_moved

FRAMES_PER_SECOND = 240
# What each work-around replaces: (owner, name, the parameters it must still take). The last
# is the hook the kiosk app overrides so that a crash never paints a traceback (screens/app.py).
REPLACED = ((DOMNode, "update_node_styles", ("self", "animate")),
            (StylesCache, "get_inner_outer", ("cls", "base_background", "background")),
            (textual.app.App, "_handle_exception", ("self", "error")))
_update_node_styles = DOMNode.update_node_styles


def _update_mounted_node_styles(self: DOMNode, animate: bool = True) -> None:
    if self.has_parent or isinstance(self, (textual.screen.Screen, textual.app.App)):
        _update_node_styles(self, animate)


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(cls: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def apply() -> None:
    """Apply every work-around (again is harmless); UserError naming Textual's version if one no
    longer fits it."""
    check()
    DOMNode.update_node_styles = _update_mounted_node_styles
    StylesCache.get_inner_outer = _get_inner_outer
    if "TEXTUAL_FPS" not in os.environ:
        textual.screen.UPDATE_PERIOD = 1 / FRAMES_PER_SECOND


def check() -> None:
    moved = first_moved(REPLACED)
    if moved is None and not isinstance(getattr(textual.screen, "UPDATE_PERIOD", None), float):
        moved = "no textual.screen.UPDATE_PERIOD"
    app = textual.app.App
    if moved is None and not ("_exception" in app.__init__.__code__.co_names and hasattr(app, "_exception_event")):
        moved = "an App without _exception and _exception_event"
    if moved is not None:
        raise _moved(moved)


def _moved(what: str) -> UserError:
    from importlib.metadata import version  # email, zipfile and more: never on the way to the first screen

    return UserError(f"Textual {version('textual')} has {what}: a work-around in screens/textual_fixes.py no longer "
                     "fits it; install the Textual the project pins (pyproject.toml), or update the work-around",
                     key="textual")
