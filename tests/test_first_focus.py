"""No answer is focused before the person moves the focus: a first Enter never picks "Very poor".
From no focus, the arrows, Tab and the digits still work, and speech says where the arrows go."""

from __future__ import annotations

from kiosk.speech import Speaker
from screens.question import ChoiceScreen
from screens.widgets import FaceTarget
from tests.pilot import build, settle, tap_on, target


class Heard(Speaker):
    """Speech that keeps what it was asked to say, and makes no sound."""

    def __init__(self):
        super().__init__("espeak-ng")  # available; never run
        self.said: list[str] = []

    def say(self, text: str, language: str) -> None:
        self.said.append(text)


async def at_the_faces(pilot) -> None:
    await settle(pilot)
    await tap_on(pilot, id="start")
    assert isinstance(pilot.app.screen, ChoiceScreen)


async def test_a_first_enter_on_the_faces_answers_nothing(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_faces(pilot)
        assert app.focused is None
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen) and app.screen.question.id == "visit"
        assert not app.visit.answers


async def test_from_no_focus_an_arrow_reaches_the_first_face_and_enter_chooses_it(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_faces(pilot)
        await pilot.press("right")
        assert app.focused is target(app, value=1)
        await pilot.press("right", "enter")
        await settle(pilot)
        assert app.visit.answers == {"visit": 2}


async def test_from_no_focus_tab_moves_to_a_target_and_a_digit_chooses_its_face(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_faces(pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, FaceTarget)
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="start")
        assert app.focused is None
        await pilot.press("4")
        await settle(pilot)
        assert app.visit.answers == {"visit": 4}


async def test_back_at_an_answered_question_the_first_arrow_reaches_the_answer(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_faces(pilot)
        await tap_on(pilot, value=3)
        await tap_on(pilot, id="back")
        assert app.focused is None and target(app, value=3).has_class("-selected")
        await pilot.press("down")
        assert app.focused is target(app, value=3)


async def test_in_speech_mode_the_target_the_first_arrow_reaches_is_read(config):
    app = build(config)
    app.speaker = heard = Heard()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.visit.speech = True
        await at_the_faces(pilot)
        heard.said.clear()
        await pilot.press("right")
        await settle(pilot)
        assert heard.said == ["1: Erittäin huono"]


async def test_the_focus_stays_on_its_target_when_the_language_changes(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_faces(pilot)
        await pilot.press("right", "right")
        app.set_language("sv")
        await settle(pilot)
        assert app.focused is target(app, value=2) and "Dåligt" in app.focused.text
        app.set_language("en")
        await settle(pilot)
        assert app.focused is target(app, value=2)
