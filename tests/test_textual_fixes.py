"""screens/textual_fixes.py: Textual tuned for the kiosk, without changing what anyone sees.

The snapshot tests show every screen unchanged by these fixes; here each fix is checked for
what it promises."""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet

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
