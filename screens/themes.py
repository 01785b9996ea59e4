"""The kiosk's looks: four Textual themes for the one stylesheet, and the signs each may draw.

- "dark" (the default) and "light": everyday choices.
- "high-contrast": every text at least 7:1 against what is behind it (WCAG 2.2 AAA, 1.4.6).
- "console": the bare Linux console, with 8 colours and a 512-glyph font: ANSI colours
  only, and signs that such a font has (tests/console_glyphs.txt lists them).

Colour is never the only cue in any of them: a chosen target has a tick and a double
border, a focused one a heavy border, bold letters and a mark under its label
(screens/kiosk.tcss). Each theme names the colours of those borders (`BORDERS`): at least
3:1 against every background a target can have (WCAG 2.2, 1.4.11; tests/test_themes.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App
from textual.theme import Theme


@dataclass(frozen=True)
class Glyphs:
    """The few signs the kiosk draws besides letters and borders."""

    selected: str  # before a chosen target's label
    caret: str  # after the text typed so far
    ellipsis: str  # where text was left out
    half_blocks: bool  # large letters drawn with ▀ and ▄ (else a row of █ per pixel row)


GLYPHS = Glyphs(selected="✓ ", caret="▏", ellipsis="…", half_blocks=True)
# Debian's console fonts (console-setup's Lat15 and Uni2) have none of ✓ ▏ … ▀ ▄.
CONSOLE_GLYPHS = Glyphs(selected="■ ", caret="_", ellipsis="...", half_blocks=False)

# The borders that mark out a target (stylesheet variables): at rest, navigation's, focused and
# chosen. Each at least 3:1 against the surface, the background, and the tinted backgrounds of
# primary, pressed and focused targets (WCAG 2.2, 1.4.11); in the console against the Linux
# console's own palette, where blue on black is 1.6:1 (tests/test_themes.py measures them all).
BORDERS = {
    "dark": {"target-border": "#6f9fd8", "nav-border": "#9a9a9a", "focus-border": "#ffa62b",
             "chosen-border": "#4ebf71"},
    "light": {"target-border": "#0057a3", "nav-border": "#3d5a80", "focus-border": "#9a3f00",
              "chosen-border": "#17652a"},
    "high-contrast": {"target-border": "#00ffff", "nav-border": "#ffffff", "focus-border": "#ffff00",
                      "chosen-border": "#00ff00"},
    # Yellow is 2.5:1 on the blue of a primary target: the focus is white there.
    "console": {"target-border": "ansi_cyan", "nav-border": "ansi_cyan", "focus-border": "ansi_white",
                "chosen-border": "ansi_green"},
}

THEMES = {
    # Textual's own dark theme: what the kiosk always looked like.
    "dark": Theme(
        name="dark", dark=True,
        primary="#0178D4", secondary="#004578", accent="#ffa62b", warning="#ffa62b",
        error="#ba3c5b", success="#4EBF71", foreground="#e0e0e0", variables=BORDERS["dark"],
    ),
    "light": Theme(
        name="light", dark=False,
        primary="#0057a3", secondary="#3d5a80", accent="#b34700", warning="#8a4b00",
        error="#a4243b", success="#1e7b34", foreground="#1a1a1a", background="#f2f2f2", surface="#ffffff",
        variables=BORDERS["light"],
    ),
    # White on black at full strength (not Textual's 87% text). Colours draw the borders, and
    # tint the background of primary and pressed targets only as far as white stays above 9:1.
    "high-contrast": Theme(
        name="high-contrast", dark=True,
        primary="#00ffff", secondary="#ffffff", accent="#ffff00", warning="#ffff00",
        error="#ff8080", success="#00ff00", foreground="#ffffff", background="#000000", surface="#000000",
        text_alpha=1.0, variables={"text": "auto 100%", **BORDERS["high-contrast"]},
    ),
    # Only the eight colours a 512-glyph console font leaves (the bit that would make a colour
    # bright picks the glyph instead): no bright_* colour. Mixes like `$primary 25%` keep the
    # ANSI colour as it is. (Textual's ANSI themes leave surfaces transparent.)
    "console": Theme(
        name="console", dark=True, ansi=True,
        primary="ansi_blue", secondary="ansi_cyan", accent="ansi_yellow", warning="ansi_yellow",
        error="ansi_red", success="ansi_green", foreground="ansi_white", background="ansi_black",
        variables={"text": "ansi_white", "ansi-background": "ansi_black", "ansi-foreground": "ansi_white",
                   **BORDERS["console"]},
    ),
}


def register_themes(app: App) -> None:
    for theme in THEMES.values():
        app.register_theme(theme)


def initial_theme(configured: str | None, term: str) -> str:
    """The theme the config names; else "console" on the Linux console (TERM=linux), whose font
    lacks the signs other themes draw, and "dark" everywhere else."""
    if configured:
        return configured
    return "console" if term == "linux" else "dark"


def glyphs(app: App) -> Glyphs:
    """The signs the theme in use may draw."""
    return CONSOLE_GLYPHS if app.theme == "console" else GLYPHS
