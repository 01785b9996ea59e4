"""Speech with the real espeak-ng, written to a file: the right text, in the right voice, not silent."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.speech import Speaker, speakable
from screens.question import ChoiceScreen
from screens.welcome import WelcomeScreen
from tests.pilot import build, settle, shown, tap_on, visible_targets
from tests.test_flow import reply_requested

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
        await pilot.press("right")  # nothing has the focus yet: the first arrow goes to the first face
        await settle(pilot)
        assert speaker.said[-1][0] == "1: Erittäin huono"
        await pilot.press("right")
        await settle(pilot)
        assert speaker.said[-1][0] == "2: Huono"
        await pilot.press("enter")
        await settle(pilot)
        assert "Mikä meni huonosti?" in speaker.said[-1][0]
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


# -- what is read, and how ----------------------------------------------------------------------


@pytest.mark.parametrize("text, spoken", [
    ("Viitetunnuksesi: DKR VH4.", "Viitetunnuksesi: D K R, V H 4."),  # a code, a sign at a time
    ("Yhteystietosi: 040 123 4567", "Yhteystietosi: 0 4 0, 1 2 3, 4 5 6 7"),  # a phone number, digit by digit
    ("Yhteystietosi: +358401234567", "Yhteystietosi: + 3 5 8 4 0 1 2 3 4 5 6 7"),
    ("Vastaus tulee 5 arkipäivän sisällä.", "Vastaus tulee 5 arkipäivän sisällä."),  # a count stays a number
    ("Kysymys 2 / 4", "Kysymys 2 / 4"),
    ("Mitä palaut-\nteelle tapahtuu?", "Mitä palautteelle tapahtuu?"),  # a word broken over lines, whole
    ("sähkö- ja puhelinpalvelut", "sähkö- ja puhelinpalvelut"),  # a hyphen that is no line break stays
    ("Kieli\nSpråk\nLanguage", "Kieli Språk Language"),
    ("Anna PIN-koodi.", "Anna PIN-koodi."),
])
def test_codes_and_long_numbers_are_read_a_sign_at_a_time_and_broken_words_whole(text, spoken):
    assert speakable(text) == spoken


@needs_espeak
def test_espeak_reads_a_phone_number_digit_by_digit_not_as_an_amount():
    assert "kymment" in phonemes("040 123 4567", "fi")  # "forty...": what espeak-ng makes of it by itself
    assert "kymment" not in phonemes(speakable("040 123 4567"), "fi")


@pytest.fixture
def fake_espeak(tmp_path, monkeypatch):
    """A stand-in for espeak-ng that keeps what it was given to read; the processes it ran."""
    program = tmp_path / "espeak-ng"
    program.write_text('#!/bin/sh\ncat > "$SPOKEN"\n')
    program.chmod(0o755)
    monkeypatch.setenv("SPOKEN", str(tmp_path / "spoken.txt"))
    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    return Speaker(str(program)), tmp_path / "spoken.txt", started


def process_state(pid: int) -> str | None:
    """The process's state letter ("Z": ended, not yet reaped), None once it is gone."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def test_what_espeak_is_given_is_the_speakable_text(fake_espeak):
    speaker, spoken, _ = fake_espeak
    speaker.say("Viitetunnuksesi: DKR VH4.", "fi")
    speaker.wait()
    assert spoken.read_text() == "Viitetunnuksesi: D K R, V H 4."


def test_a_finished_utterance_is_reaped_without_waiting_for_the_next(fake_espeak):
    speaker, _, started = fake_espeak
    speaker.say("Kiitos.", "fi")
    pid = started[0].pid
    for _ in range(200):  # until it has ended and been reaped, or ten seconds have passed
        if process_state(pid) is None:
            break
        time.sleep(0.05)
    assert process_state(pid) is None, "espeak-ng's process is left a zombie"


@contextlib.asynccontextmanager
async def speaking(config, speaker, size=(50, 15)):
    """The kiosk in speech mode (the number pad's + pressed), reading through `speaker`."""
    app = build(config)
    app.speaker = speaker
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        yield pilot


@needs_espeak
async def test_after_a_language_change_speech_mode_reads_the_whole_screen_in_the_new_language(config, speaker):
    async with speaking(config, speaker) as pilot:
        await tap_on(pilot, value="sv")  # a language on the welcome screen
        text, language = speaker.said[-1]
        assert language == "sv" and text.startswith("Berätta om ditt besök")
        assert "Ge respons" in text and "Suomi" in text and "Lättläst svenska" in text
        await tap_on(pilot, id="start")
        await tap_on(pilot, id="menu")
        await tap_on(pilot, value="language")  # the language screen, from a question
        await tap_on(pilot, value="en")
        await settle(pilot)
        text, language = speaker.said[-1]
        assert language == "en" and text.startswith("How was your visit today?")
        assert "1: Very poor" in text and "5: Very good" in text and "Language and help" in text


@needs_espeak
async def test_speech_never_reads_the_caret_nor_a_word_broken_over_lines(config, speaker):
    # The console's caret is "_", which espeak-ng would read.
    async with speaking(replace(config, theme="console"), speaker) as pilot:
        await tap_on(pilot, id="menu")  # Language and help: the menu is read as it opens
        text, _ = speaker.said[-1]
        assert "Mitä palautteelle tapahtuu?" in text and "palaut-" not in text
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="write")
        for letter in "jono":  # one tap a letter
            await tap_on(pilot, value=letter)
        await tap_on(pilot, id="done")
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="write")  # Edit the text: the keyboard again, with the text typed
        text, _ = speaker.said[-1]
        assert "jono" in text and "jono_" not in text


@needs_espeak
async def test_the_reference_on_the_thanks_is_read_letter_by_letter(config, speaker):
    async with speaking(config, speaker) as pilot:
        await reply_requested(pilot)
        reference = pilot.app.screen.reference
        text, _ = speaker.said[-1]
        assert f"{reference[:3]} {reference[3:]}" in text and "█" not in text and "▀" not in text
        assert f"{' '.join(reference[:3])}, {' '.join(reference[3:])}" in speakable(text)
