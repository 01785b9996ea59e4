"""The kiosk's themes: contrast that people with low vision can read, a console theme that the
Linux console can draw, the config key that picks one, and switching while the kiosk runs.

Each check looks at what Textual really draws: the characters and colours of every cell of
the screen, after the stylesheet's mixes like `$primary 25%`. The console check walks every
client and staff screen; the contrast checks walk them until they have seen a target in each
of its states (a cell's colours follow from what it is, not from the screen it is on). The
console theme's ANSI colours are measured as the Linux console shows them (its palette).
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from dataclasses import replace
from datetime import datetime, time
from pathlib import Path

import pytest
from rich.color import ColorType
from rich.style import Style
from textual.pilot import Pilot

from kiosk.config import THEME_NAMES, StaffConfig, load_config
from kiosk.demo import DEMO_PIN, DEMO_PIN_HASH
from kiosk.errors import UserError
from kiosk.guard import parse_phone
from kiosk.hours import OpeningHours
from screens.app import KioskApp
from screens.bigger_text import NoRoomScreen
from screens.themes import CONSOLE_GLYPHS, GLYPHS, THEMES, glyphs, initial_theme
from screens.widgets import FOCUS_MARK, FaceTarget, Prompt, Target
from tests.pilot import build, screen_text, settle, target, visible_targets

REPOSITORY = Path(__file__).parent.parent
CONSOLE_FONTS = Path("/usr/share/consolefonts")
FONT_PATTERNS = ("Uni2-*.psf.gz", "Lat15-*.psf.gz")
# WCAG 2.2: 1.4.6 (AAA) asks 7:1 for text; 1.4.3 (AA) 4.5:1; 1.4.11 3:1 for what marks out a control.
TEXT_CONTRAST = {"high-contrast": 7.0, "dark": 4.5, "light": 4.5}
BORDER_CONTRAST = 3.0
BOX_DRAWING = range(0x2500, 0x2580)
CONSOLE_COLOURS = range(8)  # black, red, green, yellow, blue, magenta, cyan, white: none bright
# The Linux console's own colours 0-7 (drivers/tty/vt/vt.c: default_red, default_grn, default_blu),
# and what it shows for "the terminal's own" foreground and background.
CONSOLE_PALETTE = [(0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170), (0, 170, 170),
                   (170, 170, 170)]
CONSOLE_DEFAULT = CONSOLE_PALETTE[7], CONSOLE_PALETTE[0]
# The states whose borders the 3:1 check must have seen.
BORDER_STATES = {"target", "focused", "chosen", "chosen and focused", "primary", "navigation", "pressed",
                 "under the pointer"}
# Each state a target can be in, and the prompt: the tour must show every one.
STATES = {"target", "focused", "chosen", "chosen and focused", "primary", "navigation", "pressed",
          "under the pointer", "face number", "prompt", "large letters"}


# -- the screens ---------------------------------------------------------------


def themed(config, theme: str, clock) -> KioskApp:
    """The app in `theme`, with the demo PIN so that the staff side opens. The tour checks for
    idleness itself, when it wants the warning: no timer does it in between."""
    app = build(replace(config, theme=theme, staff=StaffConfig(DEMO_PIN_HASH)), clock)
    app.idle_tick = 3600
    return app


async def press(pilot: Pilot, **which) -> None:
    """Press a target as a tap would, without the mouse's round trips (the tour is long)."""
    target(pilot.app, **which).press()
    await settle(pilot)


async def tour(pilot: Pilot) -> AsyncIterator[str]:
    """Every client and staff screen, one after another in one app: a whole visit, the screens
    every client screen can open, then staff at work. Yields each screen's name as it shows."""
    await settle(pilot)
    yield "welcome"  # the language in use chosen, Start (primary) focused
    for part in (_visit, _help_screens, _staff_screens, _resting_screens):
        async for name in part(pilot):
            yield name


async def _visit(pilot: Pilot) -> AsyncIterator[str]:
    app = pilot.app
    app.toggle_bigger_text()
    await settle(pilot)
    if isinstance(app.screen, NoRoomScreen):  # not all of the welcome fits in large letters
        yield "bigger text does not all fit"
        await press(pilot, id="continue")
    yield "welcome in bigger text"
    await press(pilot, id="start")
    yield "faces in bigger text"
    app.toggle_bigger_text()
    await settle(pilot)
    await pilot.hover(target(app, value=3))
    yield "faces"
    await press(pilot, value=2)
    yield "topics"
    await press(pilot, id="back")
    await pilot.press("right")  # from no focus to the chosen face
    yield "faces, one chosen"
    await press(pilot, value=2)
    target(app, value="waiting").add_class("-active")  # as while a finger is on it
    await pilot.pause()
    yield "topics, one pressed"
    await press(pilot, value="waiting")
    yield "free text"
    app.screen._typed("soita 0401234567")  # as the keyboard hands it over
    await settle(pilot)
    yield "privacy notice"
    await press(pilot, id="edit")
    yield "keyboard with text"
    groups = [t for t in visible_targets(app) if t.has_class("key-group")]
    if groups:  # where the keys come in groups (a small screen)
        groups[0].press()
        await settle(pilot)
        yield "keyboard, a group open"
    app.screen.dismiss("hyvä")
    await settle(pilot)
    yield "reply"
    await press(pilot, id="yes")
    yield "contact method"
    await press(pilot, value="phone")
    yield "phone keyboard"
    app.screen.dismiss(parse_phone("040 1234567"))
    await settle(pilot)
    yield "promise"
    await press(pilot, id="confirm")
    yield "thanks"
    await press(pilot, id="close")
    await press(pilot, id="start")
    app.clock.advance(app.config.idle_seconds - app.config.warning_seconds + 1)
    app.check_client_idle()
    await settle(pilot)
    yield "idle warning"
    await pilot.press("enter")  # Continue: a key, which the kiosk counts as someone there
    await settle(pilot)


async def _help_screens(pilot: Pilot) -> AsyncIterator[str]:
    app = pilot.app
    for name, show in (("language", app.choose_language), ("menu", app.open_menu), ("about", app.show_about)):
        show()
        await settle(pilot)
        yield name
        await press(pilot, id="back")


async def _staff_screens(pilot: Pilot) -> AsyncIterator[str]:
    await pilot.press("f12")
    await settle(pilot)
    yield "PIN pad"
    await pilot.press("1", "3")
    await settle(pilot)
    yield "PIN pad, digits typed"
    await pilot.press("enter")
    await settle(pilot)
    yield "PIN pad, a wrong PIN"
    await pilot.press(*DEMO_PIN, "enter")
    await settle(pilot)
    yield "staff panel"
    await press(pilot, value="actions")
    await press(pilot, value="pause")
    yield "staff actions"
    await press(pilot, id="back")
    yield "staff panel, paused"
    await press(pilot, value="assisted")
    yield "assisted feedback"
    await press(pilot, value="staff-help")  # a mode on the first page at every size
    yield "hand-over"


async def _resting_screens(pilot: Pilot) -> AsyncIterator[str]:
    app = pilot.app
    app.show_welcome()  # paused by staff
    await settle(pilot)
    yield "paused"
    app.broken = True
    app.show_welcome()
    await settle(pilot)
    yield "cannot keep feedback"
    app.broken = False
    (app.config.data_dir / "paused").unlink()
    tomorrow = (datetime.now().weekday() + 1) % 7
    app.config = replace(app.config, hours=OpeningHours({tomorrow: (time(8), time(16))}, always_open=False))
    app.show_welcome()
    await settle(pilot)
    yield "closed"


def target_states(app: KioskApp) -> set[str]:
    """Which of STATES the screen shows now."""
    states = set()
    for widget in visible_targets(app):
        chosen, focused = widget.has_class("-selected"), widget.has_focus
        states.add({(False, False): "target", (False, True): "focused", (True, False): "chosen",
                    (True, True): "chosen and focused"}[chosen, focused])
        states |= {name for name, present in (("primary", widget.has_class("primary")),
                                               ("navigation", widget.has_class("nav")),
                                               ("pressed", widget.has_class("-active")),
                                               ("under the pointer", widget.mouse_hover),
                                               ("face number", isinstance(widget, FaceTarget))) if present}
    if any(prompt.display for prompt in app.screen.query(Prompt)):
        states.add("large letters" if set(screen_text(app)) & set("▀▄█") else "prompt")
    return states


def cells(app: KioskApp) -> Iterator[tuple[str, Style]]:
    """Every character on screen that is not blank, with its style, as Textual draws it."""
    for strip in app.screen._compositor.render_strips():
        for text, style, _ in strip:
            for character in text:
                if not character.isspace():
                    yield character, style or Style()


# -- contrast ------------------------------------------------------------------


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_follows_the_wcag_formula():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # the AA grey
    assert contrast((0x59, 0x59, 0x59), (255, 255, 255)) == pytest.approx(7.0, abs=0.01)  # the AAA grey


def colours(style: Style, console: bool) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(foreground, background) of a cell as the person sees them: in the console theme, its ANSI
    colours in the Linux console's palette; elsewhere the RGB colours Textual drew."""
    if console:
        return tuple(default if colour is None or colour.type == ColorType.DEFAULT else
                     CONSOLE_PALETTE[colour.number]
                     for colour, default in zip((style.color, style.bgcolor), CONSOLE_DEFAULT))
    assert style.color and style.bgcolor and style.color.triplet and style.bgcolor.triplet, \
        f"drawn in the terminal's own colours ({style})"
    return tuple(style.color.triplet), tuple(style.bgcolor.triplet)


def is_indicator(character: str) -> bool:
    """A border's line, or the mark under a focused target: what marks out a target and its state."""
    return ord(character) in BOX_DRAWING or character in FOCUS_MARK.strip()


def low_contrast(app: KioskApp, minimum: float, *, indicators: bool = False) -> list[str]:
    """Each kind of cell on screen whose colours contrast less than `minimum`: its text, or
    (`indicators`) its borders and focus marks, against their cell and the screen around them."""
    console = app.theme == "console"
    around = CONSOLE_DEFAULT[1] if console else app.screen.styles.background.rgb
    problems = {}
    for character, style in cells(app):
        assert not style.dim, f"{character!r} is dimmed by the terminal: its contrast is unknown"
        if is_indicator(character) != indicators:
            continue
        foreground, background = colours(style, console)
        for behind in {background, around} if indicators else {background}:
            ratio = contrast(foreground, behind)
            if ratio < minimum:
                problems[foreground, behind] = f"{character!r} {foreground} on {behind}: {ratio:.2f}:1"
    return list(problems.values())


@pytest.mark.parametrize("theme", TEXT_CONTRAST)
async def test_every_text_is_readable_against_its_background(config, clock, theme):
    """High contrast: every text at least 7:1 (WCAG AAA); dark and light: at least 4.5:1 (AA).
    In every state a target can be in, and on the prompts."""
    app = themed(config, theme, clock)
    seen: set[str] = set()
    async with app.run_test(size=(80, 24)) as pilot, aclosing(tour(pilot)) as screens:
        async for screen in screens:  # as far as it takes to show each state
            seen |= target_states(app)
            problems = low_contrast(app, TEXT_CONTRAST[theme])
            assert not problems, f"{theme} theme, {screen}: " + "; ".join(problems)
            if seen >= STATES:
                return
    raise AssertionError(f"the tour never showed {STATES - seen}")


@pytest.mark.parametrize("theme", THEME_NAMES)
async def test_every_border_and_focus_mark_stands_out_at_least_3_to_1(config, clock, theme):
    """WCAG 1.4.11: what marks out a target, and shows it focused or chosen, at least 3:1 against
    its own background and the screen's, in every theme (the console's in its own palette)."""
    app = themed(config, theme, clock)
    seen: set[str] = set()
    async with app.run_test(size=(80, 24)) as pilot, aclosing(tour(pilot)) as screens:
        async for screen in screens:
            seen |= target_states(app)
            problems = low_contrast(app, BORDER_CONTRAST, indicators=True)
            assert not problems, f"{theme} theme, {screen}: " + "; ".join(problems)
            if seen >= BORDER_STATES:
                return
    raise AssertionError(f"the tour never showed {BORDER_STATES - seen}")


# -- the console ---------------------------------------------------------------


def psf_characters(font: bytes) -> set[str]:
    """The characters a PSF console font (version 1 or 2) has a glyph for, from its Unicode table:
    for each glyph its characters, then, after a mark, sequences of several (left out here)."""
    if font[:2] == b"\x36\x04":  # version 1: UCS-2; 0xFFFF ends a glyph's entry, 0xFFFE starts sequences
        mode, height = font[2], font[3]
        assert mode & 0x02, "a PSF font without a Unicode table"
        glyphs = 512 if mode & 0x01 else 256
        table = "".join(chr(code) for (code,) in struct.iter_unpack("<H", font[4 + glyphs * height:]))
        entries = [entry.split("\ufffe")[0] for entry in table.split("\uffff")]
    else:  # version 2: UTF-8; 0xFF ends an entry, 0xFE starts sequences
        magic, _, header, flags, glyphs, size = struct.unpack_from("<6I", font)
        assert magic == 0x864AB572 and flags & 0x01, "not a PSF font with a Unicode table"
        entries = [entry.split(b"\xfe")[0].decode() for entry in font[header + glyphs * size:].split(b"\xff")]
    return {character for entry in entries[:glyphs] for character in entry}


def allowed_characters() -> set[str]:
    """tests/console_glyphs.txt: the characters every Latin console font of Debian has."""
    allowed = set()
    for line in (REPOSITORY / "tests" / "console_glyphs.txt").read_text(encoding="utf-8").splitlines():
        codes = line.split("#")[0].split()
        if codes:
            first, _, last = codes[0].partition("-")
            allowed |= {chr(code) for code in range(int(first, 16), int(last or first, 16) + 1)}
    return allowed


ALLOWED = allowed_characters()


@pytest.mark.skipif(not CONSOLE_FONTS.is_dir(), reason="console-setup's fonts are not installed")
def test_the_allowed_characters_are_those_every_latin_console_font_has():
    fonts = [path for pattern in FONT_PATTERNS for path in CONSOLE_FONTS.glob(pattern)]
    assert fonts, f"no {' or '.join(FONT_PATTERNS)} in {CONSOLE_FONTS}"
    common = set.intersection(*(psf_characters(gzip.decompress(path.read_bytes())) for path in fonts))
    common = {character for character in common if character.isprintable() or character.isspace()} - set("\n\t")
    assert ALLOWED == common, f"missing: {sorted(common - ALLOWED)}, extra: {sorted(ALLOWED - common)}"


def test_the_console_marks_are_in_its_fonts_and_the_others_are_not():
    """Why the console theme has marks of its own: the usual ones would show as a blotch."""
    console_signs = set(CONSOLE_GLYPHS.selected + CONSOLE_GLYPHS.caret + CONSOLE_GLYPHS.ellipsis + "█")
    assert console_signs <= ALLOWED
    assert not set(GLYPHS.selected.strip() + GLYPHS.caret + GLYPHS.ellipsis + "▀▄") & ALLOWED


def console_problems(app: KioskApp) -> list[str]:
    """Characters the console's fonts lack, and colours other than its eight (or its default)."""
    problems = set()
    for character, style in cells(app):
        if character not in ALLOWED:
            problems.add(f"{character!r} (U+{ord(character):04X}) is not in the console's fonts")
        for colour in (style.color, style.bgcolor):
            if colour is not None and not (colour.type == ColorType.DEFAULT or
                                           colour.type == ColorType.STANDARD and colour.number in CONSOLE_COLOURS):
                problems.add(f"{colour.name} is not one of the console's 8 colours")
    return sorted(problems)


# Large letters of full blocks take twice the rows: at 50x15 the titles are shown in ordinary ones.
@pytest.mark.parametrize(("size", "states"), [((50, 15), STATES - {"large letters"}), ((80, 24), STATES)],
                         ids=["50x15", "80x24"])
async def test_the_console_theme_draws_only_what_the_linux_console_can(config, clock, size, states):
    app = themed(config, "console", clock)
    seen: set[str] = set()
    async with app.run_test(size=size) as pilot:
        assert app.native_ansi_color  # ANSI colours go out as they are, not as RGB
        async for screen in tour(pilot):
            seen |= target_states(app)
            problems = console_problems(app)
            assert not problems, f"{screen} at {size[0]}x{size[1]}: " + "; ".join(problems)
    assert seen >= states, f"the tour never showed {states - seen}"


# -- never colour alone --------------------------------------------------------


@pytest.mark.parametrize("theme", THEME_NAMES)
async def test_chosen_and_focused_targets_differ_by_shape_in_every_theme(config, clock, theme):
    """The language in use has the theme's tick and a double border; the focused Start a heavy
    border and bold letters; the others a thin rounded border, in plain letters."""
    app = build(replace(config, theme=theme), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()

        def corner(widget: Target) -> str:
            return lines[widget.region.y][widget.region.x]

        chosen, focused = target(app, value=app.visit.language), app.focused
        plain = target(app, value="en")
        assert str(chosen.label).startswith(glyphs(app).selected) and corner(chosen) == "╔"
        assert focused is target(app, id="start") and corner(focused) == "┏" and focused.rich_style.bold
        assert not str(plain.label).startswith(glyphs(app).selected) and corner(plain) == "╭"
        assert not plain.rich_style.bold


@pytest.mark.parametrize("theme", THEME_NAMES)
async def test_a_face_focused_chosen_both_or_neither_shows_it_by_signs_a_console_font_has(config, clock, theme):
    """Focus and "chosen" differ by signs, not by colour, even where a console font draws heavy
    and round lines as thin ones (Lat15): chosen has a double border and a tick, focus a mark
    under the face, both the tick and the mark."""
    app = build(replace(config, theme=theme), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, id="start")
        await press(pilot, value=2)
        await press(pilot, id="back")  # the second face chosen, nothing focused
        tick = glyphs(app).selected.strip()

        def signs(face: FaceTarget) -> tuple[bool, bool, bool]:
            """(double border, tick, focus mark) as drawn on screen."""
            lines = screen_text(app).splitlines()
            region = face.region
            top, bottom = lines[region.y][region.x:region.right], lines[region.bottom - 1][region.x:region.right]
            return top[0] == "╔", tick in top, FOCUS_MARK.strip() in bottom

        seen = {"neither": signs(target(app, value=3))}
        await pilot.press("right")  # from no focus to the chosen face
        await settle(pilot)
        seen["chosen and focused"] = signs(target(app, value=2))
        await pilot.press("right")
        await settle(pilot)
        seen["focused"], seen["chosen"] = signs(target(app, value=3)), signs(target(app, value=2))
        assert seen == {"neither": (False, False, False), "focused": (False, False, True),
                        "chosen": (True, True, False), "chosen and focused": (False, True, True)}


# -- choosing a theme ----------------------------------------------------------


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_the_config_names_the_theme(write_config, theme):
    assert load_config(write_config(kiosk=f'theme = "{theme}"')).theme == theme


def test_a_theme_not_known_is_refused_naming_the_key(write_config):
    path = write_config(kiosk='theme = "neon"')
    with pytest.raises(UserError) as raised:
        load_config(path)
    assert raised.value.key == "kiosk.theme"
    assert "high-contrast" in raised.value.problem and "'neon'" in raised.value.problem


def test_every_theme_the_config_accepts_is_drawn():
    assert set(THEMES) == set(THEME_NAMES)


def test_the_example_config_documents_the_themes():
    example = (REPOSITORY / "docs" / "kiosk.example.toml").read_text(encoding="utf-8")
    assert "# theme = " in example
    assert all(f'"{name}"' in example for name in THEME_NAMES)


def test_without_a_theme_the_console_gets_its_own_and_every_other_terminal_dark():
    assert initial_theme(None, "linux") == "console"
    assert initial_theme(None, "xterm-256color") == initial_theme(None, "foot") == "dark"
    assert initial_theme("high-contrast", "linux") == "high-contrast"  # the config decides


async def test_the_configured_theme_is_the_one_shown(config, clock):
    app = build(replace(config, theme="high-contrast"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "high-contrast"
        assert app.screen.styles.background.hex == "#000000"


async def test_staff_switch_the_theme_at_once_marks_and_all(config, clock):
    """`set_theme_name`, which the staff panel calls: the screen stays, and is drawn again in the
    new theme's colours and marks (the chosen language's tick becomes the console's square)."""
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "dark"
        screen = app.screen
        chosen = next(t for t in visible_targets(app) if t.has_class("-selected"))
        assert str(chosen.label).startswith(GLYPHS.selected)
        app.set_theme_name("console")
        await settle(pilot)
        assert app.screen is screen and app.theme == "console"
        chosen = next(t for t in visible_targets(app) if t.has_class("-selected"))
        assert str(chosen.label).startswith(CONSOLE_GLYPHS.selected)
        assert not console_problems(app)
        app.set_theme_name("light")
        await settle(pilot)
        assert app.screen.styles.background.brightness > 0.5
        with pytest.raises(ValueError, match="neon"):
            app.set_theme_name("neon")
        assert app.theme == "light"
