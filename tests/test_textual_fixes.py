"""screens/textual_fixes.py: Textual tuned for the kiosk, without changing what anyone sees.

The snapshot tests show every screen unchanged by these fixes; here each fix is checked for
what it promises, and the guard that stops the kiosk when an upgrade moved what one patches."""

from __future__ import annotations

import gc
import weakref
from importlib.metadata import version

import pytest
import textual.app
import textual.screen
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

from kiosk.errors import UserError
from screens import textual_fixes
from screens.widgets import Target
from tests.pilot import build, settle, target


def count_stylesheet_passes(monkeypatch) -> list[object]:
    passes: list[object] = []
    apply = Stylesheet.apply

    def counted(self, node, *args, **kwargs):
        passes.append(node)
        return apply(self, node, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counted)
    return passes


async def test_a_target_is_styled_once_when_mounted_not_as_it_is_made(config, monkeypatch):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        passes = count_stylesheet_passes(monkeypatch)
        made = Target("Uusi", selected=True)  # a Button sets three classes, the target a fourth
        assert passes == []
        await app.screen.mount(made)
        await settle(pilot)
        assert passes.count(made) == 1
        assert made.styles.border_top[0] == "double"  # its classes' styles, all of them


async def test_a_mounted_target_is_styled_again_when_its_classes_change(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        english = target(app, value="en")  # not chosen, and without the focus
        assert english.styles.border_top[0] != "double"
        english.mark(True)
        assert english.styles.border_top[0] == "double"
        english.mark(False)
        assert english.styles.border_top[0] != "double"


def test_a_dead_widgets_style_cache_is_not_kept_alive():
    """Textualize/textual#6665: the lru_cache on the method held 1024 dead widgets' caches."""
    textual_fixes.apply()
    cache = StylesCache()
    alive = weakref.ref(cache)
    inner, outer = cache.get_inner_outer(Color(10, 20, 30), Color(40, 50, 60, 0.5))
    assert StylesCache().get_inner_outer(Color(10, 20, 30), Color(40, 50, 60, 0.5)) == (inner, outer)
    del cache
    gc.collect()
    assert alive() is None


def test_screens_are_painted_at_up_to_240_frames_a_second(monkeypatch):
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 1 / 60)
    textual_fixes.apply()
    assert textual.screen.UPDATE_PERIOD == 1 / textual_fixes.FRAMES_PER_SECOND


def test_textual_fps_still_decides_where_it_is_set(monkeypatch):
    monkeypatch.setenv("TEXTUAL_FPS", "30")
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 1 / 30)
    textual_fixes.apply()
    assert textual.screen.UPDATE_PERIOD == 1 / 30


def renamed_parameter(self, animate=True, *, extra=None):
    pass


@pytest.mark.parametrize("moved", [
    lambda patch: patch.setattr(DOMNode, "update_node_styles", renamed_parameter),
    lambda patch: patch.delattr(StylesCache, "get_inner_outer"),
    lambda patch: patch.delattr(textual.screen, "UPDATE_PERIOD"),
    lambda patch: patch.setattr(textual.app.App, "_handle_exception", lambda self, exception, traceback: None),
], ids=["another signature", "a method gone", "a constant gone", "the crash hook moved"])
def test_a_textual_that_moved_a_patched_name_stops_the_kiosk_naming_its_version(monkeypatch, moved):
    moved(monkeypatch)
    with pytest.raises(UserError, match=f"Textual {version('textual')} has .*screens/textual_fixes.py"):
        textual_fixes.apply()


def test_the_kiosk_command_says_so_in_one_line_and_exits_2(write_config, monkeypatch, capsys):
    from commands.kiosk import main

    monkeypatch.setattr(DOMNode, "update_node_styles", renamed_parameter)
    assert main(["run", "--config", str(write_config())]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "kiosk: textual: Textual" in error and "Traceback" not in error
