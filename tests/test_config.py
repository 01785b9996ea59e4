"""The kiosk's config file: typed values, defaults, and a one-line error for every mistake."""

from __future__ import annotations

import pytest

from commands.kiosk import main
from kiosk.config import MIN_WARNING_SECONDS, ReplyPromise, load_config
from kiosk.errors import UserError
from kiosk.languages import CODES

ANSWERER = 'answerer = { fi = "Asiakaspalvelu", sv = "Kundtjänsten" }'

SURVEY_IN_FINNISH_ONLY = """\
id = "short"
version = 1
languages = ["fi"]

[[question]]
id = "visit"
type = "single"
text = { fi = "Oliko käynti hyvä?" }
option = [{ value = "yes", label = { fi = "Kyllä" } }, { value = "no", label = { fi = "Ei" } }]
"""


def test_a_full_config_loads_into_typed_values(write_config, tmp_path, provider_keys):
    path = write_config(f"""
[session]
idle_seconds = 90
warning_seconds = 30
thanks_seconds = 5
partial = "discard"
min_interval = 2.5
free_text_max = 500

[reply]
days = 7
{ANSWERER}
""", kiosk="""survey = "surveys/waiting-room.toml"
languages = ["sv", "fi"]
default_language = "fi"
log_dir = "/var/log/kiosk"
""")
    config = load_config(path)
    assert (config.kiosk_id, config.unit_id) == ("lobby-1", "kalevi")
    assert config.data_dir == tmp_path / "data"  # relative to the config file's folder
    assert config.public_key == provider_keys[1]
    assert config.survey == tmp_path / "surveys" / "waiting-room.toml"
    assert config.log_dir.as_posix() == "/var/log/kiosk"
    assert config.languages == ("sv", "fi")
    assert config.default_language == "fi"
    assert (config.idle_seconds, config.warning_seconds, config.thanks_seconds) == (90, 30, 5)
    assert config.partial == "discard"
    assert config.min_interval == 2.5
    assert config.free_text_max == 500
    assert config.reply == ReplyPromise({"fi": "Asiakaspalvelu", "sv": "Kundtjänsten"}, 7)
    assert config.outbox_dir == tmp_path / "data" / "outbox"
    assert config.source == path


def test_defaults(write_config):
    config = load_config(write_config())
    assert config.survey is None  # the bundled survey
    assert config.languages == CODES
    assert config.default_language == "fi"
    assert config.idle_seconds == 60
    assert config.warning_seconds == MIN_WARNING_SECONDS
    assert config.partial == "keep-rating"
    assert config.free_text_max == 1000
    assert config.reply is None
    assert config.log_dir is None


def test_the_first_language_listed_is_the_default(write_config):
    assert load_config(write_config(kiosk='languages = ["en", "sv"]')).default_language == "en"


MISTAKES = {
    "wrong type": ("", '[session]\nidle_seconds = "90"', "session.idle_seconds", "must be a number, not text"),
    "true for a number": ("", "[session]\nfree_text_max = true", "session.free_text_max", "not true/false"),
    "out of range": ("", "[session]\nidle_seconds = 10", "session.idle_seconds", "at least 30, not 10"),
    "not a number": ("", "[session]\nidle_seconds = nan", "session.idle_seconds", "must be a finite number"),
    "too long": ("", "[session]\nthanks_seconds = 600", "session.thanks_seconds", "at most 60"),
    "unknown key": ('langauges = ["fi"]', "", "kiosk.langauges", "not a known key"),
    "unknown table": ("", "[sesion]\nidle_seconds = 90", "sesion", "not a known key"),
    "unknown language": ('languages = ["fi", "se"]', "", "kiosk.languages[1]", "unknown language 'se'"),
    "a language twice": ('languages = ["fi", "sv", "fi"]', "", "kiosk.languages", "twice"),
    "no languages": ("languages = []", "", "kiosk.languages", "at least one"),
    "default not offered": ('languages = ["fi"]\ndefault_language = "sv"', "", "kiosk.default_language",
                            "one of 'fi', not 'sv'"),
    "warning as long as idle": ("", "[session]\nidle_seconds = 40\nwarning_seconds = 40", "session.warning_seconds",
                                "shorter than idle_seconds (40)"),
    "warning under 20 s": ("", "[session]\nwarning_seconds = 15", "session.warning_seconds", "at least 20"),
    "unknown partial policy": ("", '[session]\npartial = "keep"', "session.partial", "not 'keep'"),
    "reply missing a language": ('languages = ["fi", "sv", "en"]', f"[reply]\ndays = 7\n{ANSWERER}",
                                 "reply.answerer.en", "is missing"),
    "reply without days": ('languages = ["fi", "sv"]', f"[reply]\n{ANSWERER}", "reply.days", "is missing"),
}


@pytest.mark.parametrize("kiosk, extra, key, problem", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_names_the_file_and_the_key(write_config, kiosk, extra, key, problem):
    path = write_config(extra, kiosk=kiosk)
    with pytest.raises(UserError) as caught:
        load_config(path)
    assert (caught.value.file, caught.value.key) == (str(path), key)
    assert problem in caught.value.problem


def test_a_config_without_the_kiosk_id_names_it(write_config):
    path = write_config()
    path.write_text(path.read_text().replace('id = "lobby-1"\n', ""))
    with pytest.raises(UserError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: kiosk.id: is missing")


@pytest.mark.parametrize("name", ["unknown language", "warning as long as idle", "reply missing a language"])
def test_kiosk_run_exits_2_with_one_line(write_config, capsys, name):
    kiosk, extra, key, problem = MISTAKES[name]
    path = write_config(extra, kiosk=kiosk)
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk: {path}: {key}: ")
    assert problem in err
    assert err.count("\n") == 1


def test_kiosk_run_names_a_config_file_that_is_not_there(tmp_path, capsys):
    assert main(["run", "--config", str(tmp_path / "kiosk.toml")]) == 2
    assert capsys.readouterr().err == f"kiosk: {tmp_path / 'kiosk.toml'}: file not found\n"


def test_kiosk_run_refuses_a_public_key_that_is_not_one(write_config, provider_keys, capsys):
    path = write_config()
    path.write_text(path.read_text().replace(str(provider_keys[1]), str(path)))
    assert main(["run", "--config", str(path)]) == 2
    assert f"{path}: kiosk.public_key: " in capsys.readouterr().err


def test_kiosk_run_refuses_a_language_the_survey_is_not_written_in(write_config, tmp_path, capsys):
    (tmp_path / "survey.toml").write_text(SURVEY_IN_FINNISH_ONLY, encoding="utf-8")
    path = write_config(kiosk='survey = "survey.toml"\nlanguages = ["fi", "sv"]')
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: kiosk.languages: " in err
    assert "'sv'" in err



def a_file(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")


FOLDERS_AND_FILES_MIXED_UP = {
    "log_dir is a file": (lambda tmp_path: a_file(tmp_path / "kiosk.log"), 'log_dir = "kiosk.log"', "",
                          "kiosk.log_dir", "kiosk.log is a file, not a folder"),
    "data_dir is a file": (lambda tmp_path: a_file(tmp_path / "data"), "", "",
                           "kiosk.data_dir", "data is a file, not a folder"),
    "token_file is a folder": (lambda tmp_path: (tmp_path / "secrets").mkdir(), "",
                               '[sync]\nserver = "https://palaute.example.fi"\ntoken_file = "secrets"',
                               "sync.token_file", "secrets is a folder: give the file in it"),
}


@pytest.mark.parametrize("prepare, kiosk, extra, key, problem", FOLDERS_AND_FILES_MIXED_UP.values(),
                         ids=FOLDERS_AND_FILES_MIXED_UP.keys())
def test_a_file_for_a_folder_or_a_folder_for_a_file_is_one_line_naming_the_key(
        write_config, tmp_path, capsys, prepare, kiosk, extra, key, problem):
    prepare(tmp_path)
    path = write_config(extra, kiosk=kiosk)
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk: {path}: {key}: {tmp_path}/")
    assert problem in err and err.count("\n") == 1


def test_a_log_folder_that_cannot_be_made_stops_the_kiosk_with_one_line(write_config, tmp_path, capsys):
    a_file(tmp_path / "var")
    path = write_config(kiosk='log_dir = "var/log"')  # inside a file: it cannot be made
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk: {path}: kiosk.log_dir: cannot keep the log in {tmp_path / 'var' / 'log'}: ")
    assert err.count("\n") == 1
