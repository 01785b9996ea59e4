"""Measurable rules for the easy-language texts (selkosuomi `fi-x-selko`, lättläst `sv-x-lattlast`).

Easy language is judged by people: Selkokeskus' Selkokielen mittari 2.0 has 96 criteria and
is meant for experts, and the writing guides below give no numbers. This module
checks only the part that can be measured, so that a text that is clearly not easy
language never reaches a screen unnoticed. Passing it does not make a text selkokieli.

What the guides say, and the rule that measures it here:

- Short sentences, one thing per sentence (Selkokeskus, selkokirjoitusohjeet: Rakenteet,
  https://selkokeskus.fi/selkokieli/selkokirjoitusohjeet/rakenteet/; LL-Center, Regler för
  lättläst, https://www.ll-center.fi/svenska/om_lattlast/regler_for_lattlast/; MTM, Så
  skriver du lättläst samhällsinformation). Rules `sentence-length`: at most 8 words in
  Finnish and 10 in Swedish (Finnish says with endings what Swedish says with separate
  words: the kiosk's Finnish texts have 22 % fewer words than the same Swedish ones), and
  `subordinate-clauses`: at most one subordinate clause, counted by the words that open one.
- Short, everyday words (Selkokeskus, selkokirjoitusohjeet: Sanat,
  https://selkokeskus.fi/selkokieli/selkokirjoitusohjeet/sanat/: "opiskelija", not
  "ammattikorkeakouluopiskelija"; LL-Center: avoid long words). Rule `word-length`.
- No abbreviations (Selkokeskus, Sanat: "esimerkiksi", not "esim."; not "24/7", not "ma–to";
  LL-Center: avoid abbreviations). Rule `abbreviation`.
- Active voice: someone does something (Selkokeskus, Rakenteet; LL-Center: "Använd aktiv
  form, inte passiv"). Rule `passive`.

The thresholds are this project's own, chosen so that the guides' own bad examples fail
and the everyday words a kiosk needs pass. A `\\n` is a line break inside a button, not
the end of a sentence; a word split over a line with a hyphen counts as one word; a
{placeholder} counts as one word and is not checked further (its value comes from a
config or a counter). Numbers written as digits are allowed: the guides advise against
complicated numbers, not against digits, and a kiosk's numbers ({days}, {seconds}) are small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiosk.languages import BY_CODE
from kiosk.strings import Strings
from kiosk.survey import Survey

MAX_SUBORDINATE_CLAUSES = 1

Texts = Mapping[str, Mapping[str, str]]  # key -> language code -> text

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"\{[^{}]*\}|[^\W_]+(?:[-'’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LABEL_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-\n(?=[^\W\d_])")
_DOTTED_ABBREVIATION = re.compile(r"(?<![\w.])(?:[^\W\d_]{1,3}\.){2,}|(?<![\w.])[^\W\d_]{1,3}\.[^\W\d_]{1,3}\b")
_SLASH_BETWEEN_WORDS = re.compile(r"\w/\w")


@dataclass(frozen=True)
class Problem:
    key: str
    language: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.key}.{self.language}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class LanguageRules:
    max_sentence_words: int
    max_word_letters: int
    # Stems of long words a client needs and has no shorter word for; they pass in any inflection.
    long_words_allowed: tuple[str, ...]
    # Abbreviations that are never words, with or without their period ("klo", "osv").
    abbreviations: frozenset[str]
    # Abbreviations that are letters of the alphabet or words without their period ("n.", "s.").
    abbreviations_with_period: frozenset[str]
    passive_words: Callable[[list[str]], list[str]]
    subordinators: Callable[[str], list[str]]


# -- Finnish ------------------------------------------------------------------------------

# Present passive (tallennetaan, tehdään, kuunnellaan, mennään), past passive (luettiin,
# tehtiin) and conditional passive (tehtäisiin).
_FI_PASSIVE_FINITE = re.compile(
    r"(?:[aeiouyäö]t|[aeiouyäöhl]d|ll|nn|rr)(?:aa|ää)n$|tiin$|(?:t|d|ll|nn|rr)(?:aisiin|äisiin)$")
# The passive past participle (tallennettu, tehty, kuunneltu) is a passive predicate after a
# form of "olla" or a negation verb: "on tallennettu", "ei kuunneltu". Not after -s-, nor in
# -du/-dy: those are negated active verbs ("ei onnistu", "ei pysty", "ei löydy").
_FI_PASSIVE_PARTICIPLE = re.compile(r"[^s]t[uy]$")
_FI_PARTICIPLE_AUXILIARIES = frozenset({"on", "ovat", "oli", "olivat", "ole", "olisi", "ei", "eivät", "eikä"})
# The negative present passive: "ei tallenneta", "ei lueta", "ei näytetä".
_FI_PASSIVE_CONNEGATIVE = re.compile(r"[eiy]t[aä]$")
_FI_NEGATIONS = frozenset({"ei", "eivät", "eikä"})
# Common words that end like a passive but are not one: pronouns, illatives (kotiin), adverbs
# and adessives with a possessive ending (erillään, paikallaan), nouns, negated active verbs.
FI_NOT_PASSIVE = frozenset({"mitään", "ketään", "pöytään", "itään", "työtään", "kotiin", "tekstiin", "muistiin",
                            "sähköpostiin", "erillään", "tavallaan", "paikallaan", "vuorollaan",
                            "tuttu", "laatu", "hattu", "satu", "siitä", "heitä"})

_FI_SUBORDINATORS = frozenset({
    "että", "jos", "kun", "koska", "jotta", "vaikka", "kunnes", "jolloin", "mikäli",
    "joka", "jonka", "jota", "jossa", "josta", "johon", "jolla", "jolta", "jolle", "jona", "joksi",
    "jotka", "joiden", "joita", "joissa", "joista", "joihin", "joilla", "joilta", "joille", "joina", "joiksi"})
# Question words open a subordinate clause only after a comma ("kerromme, mitä muutamme");
# at the start of a sentence they ask a question.
_FI_QUESTION_WORDS = frozenset({"mikä", "mitä", "miten", "kuka", "ketä", "missä", "mistä", "mihin",
                                "milloin", "miksi", "kuinka", "millainen", "kumpi"})


def _finnish_passives(words: list[str]) -> list[str]:
    found = []
    for index, word in enumerate(words):
        if word in FI_NOT_PASSIVE:
            continue
        before = set(words[:index])
        if (_FI_PASSIVE_FINITE.search(word)
                or _FI_PASSIVE_PARTICIPLE.search(word) and before & _FI_PARTICIPLE_AUXILIARIES
                or _FI_PASSIVE_CONNEGATIVE.search(word) and index and words[index - 1] in _FI_NEGATIONS):
            found.append(word)
    return found


def _finnish_subordinators(sentence: str) -> list[str]:
    return [word for word, after_comma in _words_with_commas(sentence)
            if word in _FI_SUBORDINATORS or after_comma and word in _FI_QUESTION_WORDS]


FINNISH = LanguageRules(
    max_sentence_words=8,
    # Allows an everyday two-part compound with its endings (puhelinnumeron, henkilötunnuksen);
    # catches three-part ones (asiakaspalautejärjestelmä) and the guide's ammattikorkeakouluopiskelija.
    max_word_letters=16,
    long_words_allowed=(
        "sähköpostiosoit",  # sähköpostiosoite: the kiosk asks for one; "sähköposti" alone is the message
        "potilasasiavastaa",  # potilasasiavastaava: a title a client must ask for by name; explain it in the text
        "sosiaaliasiavastaa",  # sosiaaliasiavastaava: its counterpart in social services, asked for by name too
    ),
    abbreviations=frozenset({"esim", "jne", "yms", "tms", "ym", "ns", "vrt", "huom", "klo", "kpl", "puh", "min",
                             "ma", "ti", "ke", "to", "pe", "la", "su"}),
    abbreviations_with_period=frozenset({"ks.", "n.", "t.", "s.", "mm.", "h."}),
    passive_words=_finnish_passives,
    subordinators=_finnish_subordinators,
)

# -- Swedish ------------------------------------------------------------------------------

# The s-passive: sparas, läses, sparades, lästes, har sparats, har skrivits. Genitives in -ets
# ("besökets") and -rnas ("klienternas") are left out; the irregular short forms are listed.
_SV_S_PASSIVE = re.compile(r"(?:(?<!rn)as|es|[^e]ts)$")
_SV_SHORT_S_PASSIVES = frozenset({"görs", "tas", "togs", "ses", "sågs", "sägs", "läggs", "fås", "nås", "ges", "gavs",
                                  "hörs"})
# Deponent verbs (active in meaning) and nouns that end like an s-passive.
SV_NOT_PASSIVE = frozenset({"hoppas", "lyckas", "andas", "låtsas", "finnas", "minnas", "synas", "trivas",
                            "kännas", "fattas", "svettas", "glas", "plats"})
# "blir sparad", "blev skickat": a form of "bli" before a participle in -d/-t.
_SV_BLI = frozenset({"bli", "blir", "blev", "blivit"})
_SV_PARTICIPLE = re.compile(r"(?:d|t|de|da)$")
_SV_SKIP_AFTER_BLI = frozenset({"inte", "också", "ofta", "aldrig", "alltid", "snart", "nog", "ju", "väl", "redan",
                                "då", "det", "den", "du", "vi", "jag", "han", "hon", "de", "ni", "man"})
# Adjectives that end in -d/-t and follow "bli" without being a passive: "du blir glad".
SV_ADJECTIVES_AFTER_BLI = frozenset({"glad", "rädd", "nöjd", "trött", "lätt", "rätt", "mätt", "klart", "svårt",
                                     "stort", "gott", "lugnt", "tyst", "kort", "långt", "fint", "kallt", "varmt"})

_SV_SUBORDINATORS = frozenset({"eftersom", "när", "innan", "medan", "fastän", "tills", "ifall", "som"})
# "att" and "om" open a clause when a subject follows ("om du vill", "att vi ringer"); otherwise
# they are the infinitive mark ("att ge") or a preposition ("berätta om besöket").
_SV_CLAUSE_IF_SUBJECT_FOLLOWS = frozenset({"att", "om"})
_SV_SUBJECTS = frozenset({"jag", "du", "han", "hon", "vi", "ni", "de", "den", "det", "man", "ingen", "någon"})


def _swedish_passives(words: list[str]) -> list[str]:
    found = [word for word in words if word not in SV_NOT_PASSIVE
             and (word in _SV_SHORT_S_PASSIVES or len(word) > 3 and _SV_S_PASSIVE.search(word))]
    for index, word in enumerate(words):
        if word in _SV_BLI:
            following = next((later for later in words[index + 1:] if later not in _SV_SKIP_AFTER_BLI), "")
            if following not in SV_ADJECTIVES_AFTER_BLI and _SV_PARTICIPLE.search(following):
                found.append(f"{word} {following}")
    return found


def _swedish_subordinators(sentence: str) -> list[str]:
    words = [word for word, _ in _words_with_commas(sentence)]
    return [word for word, following in zip(words, [*words[1:], ""])
            if word in _SV_SUBORDINATORS or word in _SV_CLAUSE_IF_SUBJECT_FOLLOWS and following in _SV_SUBJECTS]


SWEDISH = LanguageRules(
    max_sentence_words=10,
    # Swedish compounds carry shorter endings than Finnish ones: allows telefonnumret and
    # Patientombudet, catches kontaktuppgifterna and responsterminalen.
    max_word_letters=14,
    # The ombudsmen's titles, which a client must ask for by name (patientombudsman, socialombudsman).
    long_words_allowed=("patientombudsm", "socialombudsm"),
    abbreviations=frozenset({"osv", "dvs", "etc", "ca", "kl", "tel", "resp", "mfl", "obs"}),
    abbreviations_with_period=frozenset({"t.", "s.", "min.", "st.", "nr."}),
    passive_words=_swedish_passives,
    subordinators=_swedish_subordinators,
)

RULES_BY_LANGUAGE = {"fi": FINNISH, "sv": SWEDISH}  # by the base language of an easy variant

# -- checking -----------------------------------------------------------------------------


def check_easy_language(texts: Texts) -> list[Problem]:
    """Every rule broken by the easy-language translations in `texts`; other languages are skipped."""
    problems: list[Problem] = []
    for key, translations in texts.items():
        for code, text in translations.items():
            language = BY_CODE.get(code)
            if language is not None and language.easy:
                problems += [Problem(key, code, rule, detail)
                             for rule, detail in _check_text(text, RULES_BY_LANGUAGE[language.base])]
    return problems


def _check_text(text: str, rules: LanguageRules) -> list[tuple[str, str]]:
    """(rule, what is wrong) for one text."""
    text = _LABEL_HYPHEN_BREAK.sub("", text).replace("\n", " ")
    problems = [("abbreviation", found) for found in _abbreviations(text, rules)]
    for sentence in _SENTENCE_END.split(text.strip()):
        words = _WORD.findall(sentence)
        if len(words) > rules.max_sentence_words:
            problems.append(("sentence-length",
                             f"{len(words)} words (at most {rules.max_sentence_words}): {sentence!r}"))
        clauses = rules.subordinators(sentence)
        if len(clauses) > MAX_SUBORDINATE_CLAUSES:
            problems.append(("subordinate-clauses", f"{len(clauses)} subordinate clauses ({', '.join(clauses)}; "
                                                    f"at most {MAX_SUBORDINATE_CLAUSES}): {sentence!r}"))
        plain = [word.lower() for word in words if not _PLACEHOLDER.fullmatch(word)]
        problems += [("passive", f"{found!r} in {sentence!r}") for found in rules.passive_words(plain)]
        problems += [("word-length", f"{word!r} has {_letters(word)} letters (at most {rules.max_word_letters})")
                     for word in plain if _letters(word) > rules.max_word_letters
                     and not word.startswith(rules.long_words_allowed)]
    return problems


def _abbreviations(text: str, rules: LanguageRules) -> list[str]:
    found = [match.group() for match in _DOTTED_ABBREVIATION.finditer(text)]
    found += [f"{match.group()} (a slash between words)" for match in _SLASH_BETWEEN_WORDS.finditer(text)]
    for match in re.finditer(r"\b[^\W\d_]+\b\.?", _PLACEHOLDER.sub(" ", text)):
        token = match.group()
        if token.rstrip(".").lower() in rules.abbreviations or token.lower() in rules.abbreviations_with_period:
            found.append(token)
        elif len(token.rstrip(".")) > 1 and token.rstrip(".").isupper():
            found.append(f"{token.rstrip('.')} (all capitals)")
    return found


def _words_with_commas(sentence: str) -> list[tuple[str, bool]]:
    """Each word in lower case, and whether a comma comes right before it."""
    return [(match.group().lower(), sentence[:match.start()].rstrip().endswith(","))
            for match in _WORD.finditer(sentence) if not _PLACEHOLDER.fullmatch(match.group())]


def _letters(word: str) -> int:
    return sum(character.isalpha() for character in word)


# -- the texts a client reads ---------------------------------------------------------------


def client_strings(strings: Strings) -> dict[str, Mapping[str, str]]:
    """The kiosk's own strings that clients read: those under `staff.` are shown only to staff
    behind the PIN, in the panel's terse style, and are left out."""
    return {key: strings.in_all_languages(key) for key in strings.keys() if not key.startswith("staff.")}


def survey_texts(survey: Survey) -> dict[str, dict[str, str]]:
    """Every text of a survey a client reads, keyed as errors in the survey file are
    (`question[1].option[0].label`)."""
    texts: dict[str, dict[str, str]] = {}
    for index, question in enumerate(survey.questions):
        prefix = f"question[{index}]"
        texts[f"{prefix}.text"] = question.text
        for name in ("low_label", "high_label"):
            label = getattr(question, name)
            if label is not None:
                texts[f"{prefix}.{name}"] = label
        if question.type != "scale":  # a scale's options are its numbers
            for number, option in enumerate(question.options):
                texts[f"{prefix}.option[{number}].label"] = option.label
    return texts
