"""Speech output through espeak-ng, in the language on screen (EN 301 549, 5.1.3).

The text goes to espeak-ng on its standard input, not its command line, so that what
a client typed never shows in the process list; the sound goes to the default audio
output (the Pi's headphone jack). A new utterance cuts off the one still playing:
a person moving through choices wants to hear the one they are on now.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
from pathlib import Path

from kiosk.languages import BY_CODE

log = logging.getLogger(__name__)

# espeak-ng voices by base language; the easy-language variants are read with their base voice.
VOICES = {"fi": "fi", "sv": "sv", "en": "en-gb"}
WORDS_PER_MINUTE = 150  # a little slower than espeak-ng's 175: easier to follow

# A word broken over two lines with a hyphen ("palaut-" / "teelle"): read as the one word it is.
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])")
# Groups of capitals and digits ("DKR VH4", "+358 40 123 4567", "040-123 4567"): codes and numbers
# to be read a sign at a time, if they are codes (capitals, two or more signs) or long numbers.
_SIGN_GROUPS = re.compile(r"(?<![\w+-])\+?[\dA-ZÅÄÖ]+(?:[ -][\dA-ZÅÄÖ]+)*(?![\w-])")
MIN_SPELLED_DIGITS = 5  # a phone number's, never a day count's or a question's number


def speakable(text: str) -> str:
    """`text` as espeak-ng should read it: a word broken over lines whole, line breaks as
    spaces, codes letter by letter and long numbers digit by digit, with a pause between
    their groups ("0 4 0, 1 2 3, 4 5 6 7": espeak-ng itself reads "forty, one hundred and
    twenty-three thousand..."). Someone copying a code down or checking a number needs each sign."""
    text = " ".join(_BROKEN_WORD.sub("", text).split())
    return _SIGN_GROUPS.sub(_spelled, text)


def _spelled(match: re.Match) -> str:
    signs = match.group()
    letters = any(sign.isalpha() for sign in signs)
    digits = sum(sign.isdigit() for sign in signs)
    if letters and len(signs.replace(" ", "")) < 2 or not letters and digits < MIN_SPELLED_DIGITS:
        return signs
    return ", ".join(" ".join(group) for group in re.split(r"[ -]", signs))


class Speaker:
    def __init__(self, program: str | None, *, wav_file: Path | None = None):
        """`program`: espeak-ng's path, None where it is not installed (speech is then not
        available); `wav_file`: write the sound there instead of playing it (for tests)."""
        self.program = program
        self.wav_file = wav_file
        self._lock = threading.Lock()
        self._playing: subprocess.Popen | None = None

    @classmethod
    def installed(cls) -> Speaker:
        return cls(shutil.which("espeak-ng"))

    @property
    def available(self) -> bool:
        return self.program is not None

    def command(self, language: str) -> list[str]:
        """espeak-ng with the voice of `language`; the text comes on standard input."""
        command = [self.program, "-v", VOICES[BY_CODE[language].base], "-s", str(WORDS_PER_MINUTE)]
        return [*command, "-w", str(self.wav_file)] if self.wav_file else command

    def say(self, text: str, language: str) -> None:
        """Start reading `text` aloud (stopping what is being read); never raises."""
        if not self.available or not text.strip():
            return
        command = self.command(language)
        with self._lock:
            self._stop()
            try:
                self._playing = playing = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                                           stderr=subprocess.DEVNULL)
                # Reaped as soon as it ends, not when the next utterance starts: no zombie waits.
                threading.Thread(target=playing.wait, name="speech-reaper", daemon=True).start()
                playing.stdin.write(speakable(text).encode())
                playing.stdin.close()
            except OSError as error:
                log.warning("speech failed: %s", error)

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def wait(self) -> None:
        """Until the current utterance has been spoken (or written)."""
        with self._lock:
            playing = self._playing
        if playing is not None:
            playing.wait()

    def _stop(self) -> None:
        if self._playing is not None and self._playing.poll() is None:
            self._playing.terminate()
            self._playing.wait()
        self._playing = None
