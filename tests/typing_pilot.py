"""Helpers for typing on the kiosk's keyboards as a client does, and for reading what they show."""

from __future__ import annotations

from screens.keys import KEY
from tests.pilot import screen_text, tap, tap_on, visible_targets


class Taps:
    """Types as a client does, counting every tap: a key where it shows, else first the group
    that holds it (the keyboard of bigger keys) or the other layer (digits and signs)."""

    def __init__(self, pilot):
        self.pilot = pilot
        self.count = 0

    async def on(self, **which) -> None:
        self.count += 1
        await tap_on(self.pilot, **which)

    async def type(self, text: str) -> None:
        app = self.pilot.app
        for character in text:
            for _ in range(4):
                if [key for key in visible_targets(app) if key.value == character]:
                    break
                await self._bring(character)
            await self.on(value=character)

    async def _bring(self, character: str) -> None:
        """Open the group that holds `character`, or switch to the other layer of keys."""
        app = self.pilot.app
        groups = [group for group in visible_targets(app)
                  if group.has_class("key-group") and character in group.value.keys()]
        layers = [key for key in visible_targets(app) if key.id == "layer"]
        assert groups or layers, f"no key or group for {character!r}"
        self.count += 1
        await tap(self.pilot, (groups or layers)[0])


def typed_line(app) -> str:
    """The line of the screen that shows what was typed (it ends with the caret)."""
    caret = app.screen.look.glyphs.caret
    [line] = [line.strip() for line in screen_text(app).splitlines() if line.rstrip().endswith(caret)]
    return line.removesuffix(caret)


def keys_in_rows(app) -> list[list[str]]:
    """The keys on screen row by row, left to right, by their value or id."""
    rows: dict[int, list] = {}
    for key in visible_targets(app):
        rows.setdefault(key.region.y, []).append(key)
    return [[key.value or key.id for key in sorted(row, key=lambda key: key.region.x)]
            for _, row in sorted(rows.items())]


def assert_keys_fit(app) -> None:
    """Every key at least 3 rows by 5 columns, wholly on screen, none over another."""
    width, height = app.size
    keys = visible_targets(app)
    for key in keys:
        region = key.region
        assert region.width >= KEY.columns and region.height >= KEY.rows, f"{key.text!r} is {region}"
        assert region.right <= width and region.bottom <= height, f"{key.text!r} is cut off: {region}"
    for index, key in enumerate(keys):
        assert not any(key.region.overlaps(other.region) for other in keys[index + 1:]), key.text
