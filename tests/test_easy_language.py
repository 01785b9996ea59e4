"""Easy language, checked: every selkosuomi and lättläst text a client reads keeps to the
measurable rules (kiosk/easy_language.py), and each rule catches what it is for."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import easy_language
from kiosk.easy_language import check_easy_language, client_strings, survey_texts
from kiosk.strings import load_strings
from kiosk.survey import load_survey

EASY = ("fi-x-selko", "sv-x-lattlast")


def report(problems) -> str:
    return "easy-language rules broken:\n" + "\n".join(map(str, problems))


# -- the bundled texts ------------------------------------------------------------------------


def test_every_easy_string_a_client_reads_keeps_to_the_rules():
    texts = client_strings(load_strings())
    assert len(texts) > 40 and "about.complaints" in texts
    assert not any(key.startswith("staff.") for key in texts)  # staff read the panel, clients never do
    problems = check_easy_language(texts)
    assert not problems, report(problems)


def test_every_easy_question_and_option_of_the_default_survey_keeps_to_the_rules():
    texts = survey_texts(load_survey())
    assert {"question[0].text", "question[0].option[4].label", "question[1].option[0].label"} <= set(texts)
    problems = check_easy_language(texts)
    assert not problems, report(problems)


# -- what each rule catches -------------------------------------------------------------------


def problems_in(text: str, language: str = "fi-x-selko") -> list[str]:
    return [problem.rule for problem in check_easy_language({"some.key": {language: text}})]


def test_a_problem_names_the_key_the_language_and_the_rule():
    problems = check_easy_language({"reply.promise": {
        "fi": "Tämä yleiskielinen virke saa olla pitkä, koska sitä ei tarkisteta selkokielen säännöillä.",
        "fi-x-selko": "Vastaus tulee sinulle {days} arkipäivän sisällä, jos kaikki menee hyvin."}})
    assert [str(problem).split(":")[:2] for problem in problems] == [["reply.promise.fi-x-selko", " sentence-length"]]
    assert "10 words (at most 8)" in problems[0].detail


@pytest.mark.parametrize("text, language, too_long", [
    ("Voit kertoa palautteen työntekijälle tai kirjoittaa sen tähän.", "fi-x-selko", False),
    ("Voit kertoa palautteen työntekijälle tai kirjoittaa sen tähän näytölle.", "fi-x-selko", True),
    ("Du kan säga vad du tycker till personalen i dag.", "sv-x-lattlast", False),
    ("Du kan säga vad du tycker till personalen här i dag.", "sv-x-lattlast", True),
])
def test_sentences_have_at_most_8_words_in_finnish_and_10_in_swedish(text, language, too_long):
    assert ("sentence-length" in problems_in(text, language)) == too_long


def test_each_sentence_is_counted_on_its_own_and_a_line_break_does_not_end_one():
    assert problems_in("Kirjoita numero. Me soitamme sinulle. Vastaus tulee pian.") == []
    assert problems_in("Kirjoita\nnumero\nja\nme\nsoitamme\nsinulle\nhuomenna\naamulla\nkotiin") == ["sentence-length"]


def test_a_placeholder_is_one_word_whatever_it_is_called():
    assert problems_in("{answerer} vastaa sinulle {days} päivän sisällä.") == []
    assert problems_in("{an_unusually_long_placeholder_name} {ABC}") == []


@pytest.mark.parametrize("text, language", [
    ("Kysy ammattikorkeakouluopiskelijalta.", "fi-x-selko"),
    ("Asiakaspalautejärjestelmä ei toimi.", "fi-x-selko"),
    ("Skriv dina kontaktuppgifter.", "sv-x-lattlast"),
    ("Responsterminalen fungerar inte.", "sv-x-lattlast"),
])
def test_long_compound_words_are_caught(text, language):
    assert problems_in(text, language) == ["word-length"]


@pytest.mark.parametrize("text, language", [
    ("Kirjoitit puhelinnumeron. Kirjoitit henkilötunnuksen.", "fi-x-selko"),
    ("Kirjoita sähköpostiosoitteesi.", "fi-x-selko"),  # allowed in any inflection
    ("Potilasasiavastaava auttaa sinua ilmaiseksi.", "fi-x-selko"),
    ("Titta på telefonnumret. Fråga Patientombudet.", "sv-x-lattlast"),
])
def test_everyday_and_allowed_long_words_pass(text, language):
    assert problems_in(text, language) == []


def test_a_word_split_over_a_button_line_is_measured_whole():
    assert problems_in("Mitä palaut-\nteelle tapahtuu?") == []
    assert problems_in("Asiakaspalaute-\njärjestelmä") == ["word-length"]


@pytest.mark.parametrize("text, language", [
    ("Kerro esim. odotusajasta.", "fi-x-selko"),
    ("Soitamme klo 9.", "fi-x-selko"),
    ("Odota n. 5 minuuttia.", "fi-x-selko"),
    ("Olemme auki ma–to.", "fi-x-selko"),
    ("Kirjoita nimi ja/tai numero.", "fi-x-selko"),
    ("Anna PIN-koodi.", "fi-x-selko"),
    ("Berätta t.ex. om väntetiden.", "sv-x-lattlast"),
    ("Vi läser bl.a. dina svar.", "sv-x-lattlast"),
    ("Skriv namn, nummer osv.", "sv-x-lattlast"),
    ("Skriv namn och/eller nummer.", "sv-x-lattlast"),
    ("Vänta 30 s.", "sv-x-lattlast"),
])
def test_abbreviations_slashes_and_capitals_are_caught(text, language):
    assert "abbreviation" in problems_in(text, language)


@pytest.mark.parametrize("text, language", [
    ("Kysymys {number} / {total}", "fi-x-selko"),
    ("Skriv din e-postadress.", "sv-x-lattlast"),
    ("Okej, fortsätt", "sv-x-lattlast"),
    ("Kieli\nSpråk\nLanguage", "fi-x-selko"),
])
def test_progress_slashes_hyphenated_words_and_capitalised_words_pass(text, language):
    assert problems_in(text, language) == []


@pytest.mark.parametrize("text", [
    "Palautteesi tallennetaan.",
    "Tähän vastataan pian.",
    "Asiat käsitellään viikolla.",
    "Minua kuunneltiin.",
    "Palaute on tallennettu.",
    "Minua ei kuunneltu.",
    "Vastauksia ei näytetä.",
])
def test_finnish_passives_are_caught(text):
    assert problems_in(text) == ["passive"]


@pytest.mark.parametrize("text", [
    "Sinun ei tarvitse tehdä mitään.",
    "Et näe ketään.",
    "Mene kotiin.",
    "Kirjoita tekstiin.",
    "Pidämme ne erillään.",
    "Tämä ei onnistu.",
    "Numeroa ei löydy.",
    "Hoitaja on tuttu.",
    "Otamme vastaan palautteen.",
    "Palaute ei tallentunut vielä.",
])
def test_finnish_words_that_only_look_passive_pass(text):
    assert problems_in(text) == []


@pytest.mark.parametrize("text", [
    "Ditt svar sparas.",
    "Svaret sparades i går.",
    "Svaret har sparats.",
    "Svaret lästes av chefen.",
    "Det tas bort.",
    "Ditt svar blir sparat.",
    "Svaret blev inte skickat.",
])
def test_swedish_passives_are_caught(text):
    assert problems_in(text, "sv-x-lattlast") == ["passive"]


@pytest.mark.parametrize("text", [
    "Vi hoppas att du mår bra.",
    "Det finns en plats.",
    "Du blir glad.",
    "Då blir det bra.",
    "Skärmen blir tom.",
    "Personalens svar.",
    "Klienternas svar.",
    "Vi läser besökets svar.",
])
def test_swedish_words_that_only_look_passive_pass(text):
    assert problems_in(text, "sv-x-lattlast") == []


@pytest.mark.parametrize("exceptions, language, before", [
    ("FI_NOT_PASSIVE", "fi-x-selko", "Se ei"),
    ("SV_NOT_PASSIVE", "sv-x-lattlast", "Det"),
    ("SV_ADJECTIVES_AFTER_BLI", "sv-x-lattlast", "Du blir"),
])
def test_every_exception_is_a_word_the_passive_patterns_would_catch(monkeypatch, exceptions, language, before):
    words = sorted(getattr(easy_language, exceptions))
    assert all(problems_in(f"{before} {word}.", language) == [] for word in words)
    monkeypatch.setattr(easy_language, exceptions, frozenset())
    assert [word for word in words if problems_in(f"{before} {word}.", language) != ["passive"]] == []


@pytest.mark.parametrize("text, language, too_many", [
    ("Jos haluat, että soitamme, kirjoita numero.", "fi-x-selko", True),
    ("Tällä näytöllä kerromme, mitä muutamme.", "fi-x-selko", False),
    ("Mitä palautteelle tapahtuu? Kuka sen lukee?", "fi-x-selko", False),
    ("Om du vill att vi ringer, skriv numret.", "sv-x-lattlast", True),
    ("Berätta om besöket som du hade.", "sv-x-lattlast", False),
    ("Tack för att du svarade.", "sv-x-lattlast", False),
])
def test_at_most_one_subordinate_clause_per_sentence(text, language, too_many):
    assert ("subordinate-clauses" in problems_in(text, language)) == too_many


def test_only_the_easy_languages_are_checked():
    plain = "Jos olet tyytymätön hoitoosi tai kohteluusi, voit tehdä kirjallisen muistutuksen, esim. lomakkeella."
    assert check_easy_language({"about.complaints": {"fi": plain, "sv": plain, "en": plain}}) == []
    assert {problem.language for problem in check_easy_language({"about.complaints": dict.fromkeys(EASY, plain)})} \
        == set(EASY)


# -- a provider's own survey ------------------------------------------------------------------

PROVIDER_SURVEY = """\
id = "lab-visit"
version = 1
languages = ["fi", "fi-x-selko"]

[[question]]
id = "visit"
type = "scale"
min = 0
max = 10
text = { fi = "Kuinka todennäköisesti suosittelisit palveluamme?", fi-x-selko = "Kerro meille käynnistä." }
low_label = { fi = "En lainkaan", fi-x-selko = "Ei ollenkaan" }
high_label = { fi = "Erittäin todennäköisesti", fi-x-selko = "Asiakaspalautejärjestelmä" }

[[question]]
id = "topic"
type = "single"
text = { fi = "Mikä oli tärkeintä?", fi-x-selko = "Mikä oli tärkeintä?" }

[[question.option]]
value = "lab"
label = { fi = "Laboratorio", fi-x-selko = "Verikoe otettiin nopeasti" }

[[question.option]]
value = "other"
label = { fi = "Jokin muu", fi-x-selko = "Jokin muu asia" }
"""


def test_a_providers_survey_is_checked_with_keys_as_in_survey_file_errors(tmp_path: Path):
    path = tmp_path / "survey.toml"
    path.write_text(PROVIDER_SURVEY, encoding="utf-8")
    problems = check_easy_language(survey_texts(load_survey(path)))
    assert [(problem.key, problem.language, problem.rule) for problem in problems] == [
        ("question[0].high_label", "fi-x-selko", "word-length"),
        ("question[1].option[0].label", "fi-x-selko", "passive"),
    ]
