"""Speech with the real espeak-ng, written to a file: the right text, in the right voice, not silent."""

from __future__ import annotations

import shutil
import subprocess
import wave

import pytest

from kiosk.speech import Speaker
from screens.question import ChoiceScreen
from screens.welcome import WelcomeScreen
from tests.pilot import build, settle, shown, tap_on, visible_targets

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")


class RecordingSpeaker(Speaker):
    """The real espeak-ng writing each utterance to a file; keeps what it was asked to say."""

    def __init__(self, wav_file):
        super().__init__(ESPEAK, wav_file=wav_file)
        self.said: list[tuple[str, str]] = []

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))
        super().say(text, language)
        self.wait()


def seconds_of_sound(path) -> float:
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


def phonemes(text: str, language: str) -> str:
    """What espeak-ng makes of the text in that language's voice (its phoneme mnemonics)."""
    command = Speaker(ESPEAK).command(language)
    return subprocess.run([*command, "-q", "-x"], input=text, capture_output=True, text=True, check=True).stdout


@needs_espeak
@pytest.mark.parametrize("language, text", [("fi", "Millainen oli käyntisi tänään?"),
                                            ("sv", "Hur var ditt besök i dag?"),
                                            ("en", "How was your visit today?"),
                                            ("fi-x-selko", "Miten käynti meni tänään?")])
def test_each_language_is_spoken_in_its_own_voice(tmp_path, language, text):
    speaker = Speaker(ESPEAK, wav_file=tmp_path / "out.wav")
    speaker.say(text, language)
    speaker.wait()
    assert seconds_of_sound(tmp_path / "out.wav") > 0.5
    voice = speaker.command(language)[speaker.command(language).index("-v") + 1]
    assert voice.startswith(language.split("-")[0])


@needs_espeak
def test_the_voice_follows_the_language_not_just_the_text():
    # The same word read by the Finnish and the English voice comes out differently.
    assert phonemes("kiitos", "fi") != phonemes("kiitos", "en")


@pytest.fixture
def speaker(tmp_path):
    return RecordingSpeaker(tmp_path / "speech.wav")


@needs_espeak
async def test_read_aloud_reads_the_question_and_its_choices_in_the_language_on_screen(config, speaker, tmp_path):
    app = build(config)
    app.speaker = speaker
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, id="read-aloud")
        text, language = speaker.said[-1]
        assert language == "fi"
        assert text.startswith("Millainen oli käyntisi tänään?")
        assert "1: Erittäin huono" in text and "5: Erittäin hyvä" in text
        assert "╭" not in text  # the words of the faces, not their drawings
        assert seconds_of_sound(tmp_path / "speech.wav") > 2
        await tap_on(pilot, id="language")
        await tap_on(pilot, value="sv")
        await tap_on(pilot, id="read-aloud")
        text, language = speaker.said[-1]
        assert language == "sv" and text.startswith("Hur var ditt besök i dag?") and "Mycket bra" in text


@needs_espeak
async def test_speech_mode_reads_each_screen_and_each_choice_the_arrows_reach(config, speaker, opened):
    app = build(config)
    app.speaker = speaker
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await pilot.press("plus")  # the number pad's + turns speech on
        await settle(pilot)
        assert app.visit.speech
        assert speaker.said[-1][0].startswith("Puhe on päällä.")
        assert "Kerro meille käynnistäsi" in speaker.said[-1][0]
        await pilot.press("enter")  # Give feedback has the focus
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert speaker.said[-1][0].startswith("Millainen oli käyntisi tänään?")
        await pilot.press("right")
        await settle(pilot)
        assert speaker.said[-1][0] == "2: Huono"
        await pilot.press("enter")
        await settle(pilot)
        assert "Mikä oli sinulle tärkeintä?" in speaker.said[-1][0]
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.visit.speech  # the next person starts without it
    [response] = opened(config)
    assert response["answers"] == {"visit": 2}


async def test_without_espeak_the_button_says_speech_is_not_available(config):
    app = build(config)
    app.speaker = Speaker(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        assert "Puhe ei ole käytössä" in shown(app)
        await tap_on(pilot, id="read-aloud")
        await pilot.press("plus")
        await settle(pilot)
        assert not app.visit.speech
        assert isinstance(app.screen, ChoiceScreen)
        assert len([target for target in visible_targets(app) if target.value in range(1, 6)]) == 5
