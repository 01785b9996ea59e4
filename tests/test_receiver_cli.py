"""The `kiosk-receiver` command: keys, kiosks, publishing, stats and exports, and every
mistake refused in one line with exit status 2. `serve` is tested as a real process in
test_receiver_server.py; here only its refusals."""

from __future__ import annotations

import csv
import io
import json
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from kiosk.guard import Contact
from kiosk.keynames import PASSPHRASE_ENV
from kiosk.keyfiles import CLASSIC_SUITE, HYBRID_SUITE, generate_key_pair
from kiosk.survey import default_survey_path
from provider.signing import load_signing_key
from provider.auth import certificate_sha256, token_sha256
from provider.batches import BatchReceiver, parse_upload
from commands.receiver import main
from provider.config import load_config
from provider.deadlines import FINLAND, reply_deadline
from provider.keyring import KeyRing, load_pairs
from provider.store import Kiosk, open_store
from provider.surveys import SurveyCatalog
from tests.receiver_support import KIOSK, NOW, UNIT, batch_body, sealed, visit

FREE_TEXT = "Aulassa oli kylmä"
EMAIL = "asiakas@example.fi"
SIMULATED_EMAIL = "simulated@example.invalid"


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "receiver.toml"
    path.write_text('[receiver]\ndata_dir = "data"\n[tls]\nallow_plain_http = true\n', encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, *argv) -> str:
    """Run a command that must refuse: exit status 2, one line on stderr; returns the line."""
    with_exit = _status_of(lambda: main([str(arg) for arg in argv]))
    captured = capsys.readouterr()
    assert with_exit == 2, captured
    assert captured.err.count("\n") == 1 and captured.err.startswith("kiosk-receiver"), captured.err
    return captured.err


def _status_of(call) -> int:
    try:
        return call()
    except SystemExit as leaving:  # argparse's refusals
        return leaving.code


@pytest.fixture
def ready(capsys, config_file):
    """A receiver with a key pair, a signing key and the kiosk lobby-1; returns its token."""
    for command in (["keys", "generate"], ["signing-key", "generate"]):
        assert run(capsys, *command, "--config", config_file)[0] == 0
    status, out, _ = run(capsys, "kiosks", "add", KIOSK, "--unit", UNIT, "--config", config_file)
    assert status == 0
    return out.strip().splitlines()[-1]


def receive(config_file, records: list[dict]) -> None:
    """Records arriving from lobby-1, through the receiver's own batch handling."""
    config = load_config(config_file)
    store = open_store(config.database)
    keyring = KeyRing(config.keys_dir)
    body = json.dumps(batch_body(sealed(records, keyring.newest_first[0].private.public))).encode()
    kiosk = Kiosk(KIOSK, UNIT)
    upload = parse_upload(body, json.loads(body)["batch"], kiosk, 200)
    BatchReceiver(store, keyring, SurveyCatalog(store)).receive(upload, kiosk, NOW)
    store.close()


# -- keys -----------------------------------------------------------------------------------


def test_keys_generate_adds_a_newest_key_and_list_shows_which_kiosks_seal_to(capsys, config_file):
    status, out, _ = run(capsys, "keys", "generate", "--config", config_file)
    assert status == 0
    first = load_pairs(load_config(config_file).keys_dir)[0]
    assert first.kid in out and first.private.suite == HYBRID_SUITE
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert run(capsys, "keys", "generate", "--classic", "--config", config_file)[0] == 0
    second, older = load_pairs(load_config(config_file).keys_dir)
    assert (second.private.suite, older.kid) == (CLASSIC_SUITE, first.kid)
    lines = run(capsys, "keys", "list", "--config", config_file)[1].splitlines()
    assert lines[0].startswith(second.kid) and "newest" in lines[0]
    assert lines[1].startswith(first.kid) and "newest" not in lines[1]
    assert first.private.public.fingerprint in lines[1]


def test_a_key_protected_by_a_passphrase_opens_with_the_passphrase_from_the_environment(
        capsys, config_file, monkeypatch):
    keys_dir = load_config(config_file).keys_dir
    generate_key_pair(keys_dir, passphrase=b"a long provider passphrase")
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    assert PASSPHRASE_ENV in refused(capsys, "keys", "list", "--config", config_file)
    monkeypatch.setenv(PASSPHRASE_ENV, "a long provider passphrase")
    status, out, _ = run(capsys, "keys", "list", "--config", config_file)
    assert status == 0 and load_pairs(keys_dir)[0].kid in out


def test_the_signing_key_is_made_once_and_never_overwritten(capsys, config_file):
    status, out, _ = run(capsys, "signing-key", "generate", "--config", config_file)
    assert status == 0 and "BEGIN PUBLIC KEY" in out
    path = load_config(config_file).signing_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    assert "already exists" in refused(capsys, "signing-key", "generate", "--config", config_file)
    assert path.read_bytes() == before and load_signing_key(path)


# -- kiosks ---------------------------------------------------------------------------------


def test_a_kiosk_is_added_with_a_token_shown_once_and_kept_as_a_hash(capsys, config_file, ready):
    config = load_config(config_file)
    store = open_store(config.database)
    kiosk, stored_hash = store.kiosk_by_token(token_sha256(ready))
    assert (kiosk.id, kiosk.unit, stored_hash) == (KIOSK, UNIT, token_sha256(ready))
    assert len(ready) >= 43 and ready not in config.database
    store.close()
    assert "exists already" in refused(capsys, "kiosks", "add", KIOSK, "--unit", UNIT, "--config", config_file)


def make_certificate(tmp_path) -> tuple[str, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, KIOSK)])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(NOW)
                   .not_valid_after(NOW.replace(year=2036)).sign(key, hashes.SHA256()))
    path = tmp_path / "kiosk.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path), certificate.public_bytes(serialization.Encoding.DER)


def test_a_kiosk_with_a_client_certificate_is_found_by_its_fingerprint(capsys, config_file, ready, tmp_path):
    path, der = make_certificate(tmp_path)
    status, out, _ = run(capsys, "kiosks", "add", "lobby-2", "--unit", UNIT, "--certificate", path,
                         "--config", config_file)
    assert status == 0 and certificate_sha256(der) in out
    store = open_store(load_config(config_file).database)
    assert store.kiosk_by_certificate(certificate_sha256(der))[0].id == "lobby-2"
    store.close()


def test_revoking_a_kiosk_and_listing_kiosks_with_their_heartbeat(capsys, config_file, ready):
    assert run(capsys, "kiosks", "add", "lobby-2", "--unit", UNIT, "--config", config_file)[0] == 0
    store = open_store(load_config(config_file).database)
    # Stored before heartbeats were checked: still printed clean.
    store.save_heartbeat(KIOSK, NOW, {"queue_depth": 12, "clock": "unsynced",
                                      "last_error": "cannot connect\x1b]0;owned\x07\x1b[2J\u202e"})
    store.close()
    assert run(capsys, "kiosks", "revoke", "lobby-2", "--config", config_file)[0] == 0
    first, second = run(capsys, "kiosks", "list", "--config", config_file)[1].splitlines()
    assert first.startswith(KIOSK) and "active" in first
    assert "queue 12" in first and "clock unsynced" in first and "cannot connect" in first
    assert "\x1b" not in first and "owned" not in first and "\u202e" not in first
    assert second.startswith("lobby-2") and "revoked" in second and "no heartbeat yet" in second
    assert "no kiosk" in refused(capsys, "kiosks", "revoke", "lobby-9", "--config", config_file)


def test_a_revoked_kiosk_renewed_gets_a_new_token_that_works(capsys, config_file, ready):
    status, out, _ = run(capsys, "kiosks", "add", "lobby-2", "--unit", UNIT, "--config", config_file)
    old_token = out.strip().splitlines()[-1]
    run(capsys, "kiosks", "revoke", "lobby-2", "--config", config_file)
    status, out, _ = run(capsys, "kiosks", "renew", "lobby-2", "--config", config_file)
    new_token = out.strip().splitlines()[-1]
    assert status == 0 and new_token != old_token
    store = open_store(load_config(config_file).database)
    try:
        assert store.kiosk_by_token(token_sha256(old_token)) is None
        kiosk, _ = store.kiosk_by_token(token_sha256(new_token))
        assert kiosk.id == "lobby-2" and not kiosk.revoked
    finally:
        store.close()
    assert "no kiosk" in refused(capsys, "kiosks", "renew", "lobby-9", "--config", config_file)


@pytest.mark.parametrize("argv", [
    ["kiosks", "add", "Lobby 1", "--unit", UNIT],
    ["kiosks", "add", "lobby-3", "--unit", "Kalevi!"],
    ["kiosks", "add", "lobby-3", "--unit", UNIT, "--certificate", "missing.pem"],
    ["kiosks", "add", "lobby-3", "--unit", UNIT, "--certificate", __file__],
    ["kiosks", "add", "lobby-3"],
    ["export", "--since", "yesterday"],
    ["export", "--replies", "--format", "fhir"],
    ["publish", "--survey", "missing.toml"],
    ["stats", "--config", "missing.toml"],
])
def test_user_mistakes_are_one_line_and_exit_2(capsys, config_file, ready, argv):
    refused(capsys, *argv, *(["--config", config_file] if "--config" not in argv else []))


# -- publishing -----------------------------------------------------------------------------


ANNOUNCEMENTS = """
[[announcement]]
id = "wait-2026-11"
text.fi = "Lisäsimme aamuun vastaanottoajan."
text.sv = "Vi lade till en mottagningstid på morgonen."
text.en = "We added an appointment slot in the morning."
text.fi-x-selko = "Aamulla on nyt yksi aika lisää."
text.sv-x-lattlast = "Nu finns en tid till på morgonen."
"""


def test_publish_signs_a_new_bundle_each_time_with_the_keys_newest_first(capsys, config_file, ready, tmp_path):
    (tmp_path / "news.toml").write_text(ANNOUNCEMENTS, encoding="utf-8")
    status, out, _ = run(capsys, "publish", "--survey", default_survey_path(), "--announcements",
                         tmp_path / "news.toml", "--config", config_file)
    assert status == 0 and "bundle 1" in out
    assert run(capsys, "keys", "generate", "--config", config_file)[0] == 0
    assert run(capsys, "publish", "--survey", default_survey_path(), "--config", config_file)[0] == 0
    config = load_config(config_file)
    store = open_store(config.database)
    bundle = store.newest_bundle()
    store.close()
    load_signing_key(config.signing_key).public_key().verify(bundle.signature, bundle.raw)
    document = json.loads(bundle.raw)
    assert bundle.version == document["version"] == 2
    assert [key["kid"] for key in document["keys"]] == [pair.kid for pair in load_pairs(config.keys_dir)]
    assert document["surveys"][0]["toml"] == default_survey_path().read_text(encoding="utf-8")


def test_publish_refuses_announcements_missing_a_language(capsys, config_file, ready, tmp_path):
    path = tmp_path / "news.toml"
    path.write_text(ANNOUNCEMENTS.replace('text.sv = "Vi lade till en mottagningstid på morgonen."\n', ""),
                    encoding="utf-8")
    line = refused(capsys, "publish", "--survey", default_survey_path(), "--announcements", path,
                   "--config", config_file)
    assert str(path) in line and "announcement[0].text.sv" in line


def test_a_survey_version_cannot_be_published_again_with_other_questions(capsys, config_file, ready, tmp_path):
    assert run(capsys, "publish", "--survey", default_survey_path(), "--config", config_file)[0] == 0
    changed = tmp_path / "survey.toml"
    changed.write_text(default_survey_path().read_text(encoding="utf-8").replace("Hyvä", "Hyvin"), encoding="utf-8")
    assert "new version" in refused(capsys, "publish", "--survey", changed, "--config", config_file)


def test_a_published_survey_is_accepted_from_kiosks(capsys, config_file, ready, tmp_path):
    survey = tmp_path / "survey.toml"
    survey.write_text(default_survey_path().read_text(encoding="utf-8").replace("version = 1", "version = 2"),
                      encoding="utf-8")
    assert run(capsys, "publish", "--survey", survey, "--config", config_file)[0] == 0
    record = visit()[0] | {"survey": {"id": "visit-feedback", "version": 2}}
    receive(config_file, [record])
    assert "1 responses" in run(capsys, "stats", "--config", config_file)[1]


# -- stats and exports ----------------------------------------------------------------------


@pytest.fixture
def collected(config_file, ready):
    """Two real visits and a synthetic one, one of each asking for a reply."""
    receive(config_file, visit(5, "listened", FREE_TEXT, Contact("email", EMAIL)) + visit(2, "waiting")
            + visit(3, "waiting", contact=Contact("email", SIMULATED_EMAIL), synthetic=True))


def test_stats_count_per_kiosk_and_drop_synthetic_removes_test_data(capsys, config_file, collected):
    out = run(capsys, "stats", "--config", config_file)[1]
    counts = "3 responses, of which 1 synthetic; 2 reply requests, of which 1 synthetic"
    assert f"{counts}\n" in out and f"{KIOSK}: {counts}" in out
    out = run(capsys, "drop-synthetic", "--config", config_file)[1]
    assert "Deleted 1 synthetic responses and 1 synthetic reply requests" in out
    assert "2 responses, of which 0 synthetic; 1 reply requests" in run(capsys, "stats", "--config", config_file)[1]


def test_export_csv_and_jsonl(capsys, config_file, collected):
    status, out, _ = run(capsys, "export", "--format", "csv", "--config", config_file)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and sorted(row["visit"] for row in rows) == ["2", "5"]
    assert FREE_TEXT in out and EMAIL not in out
    lines = run(capsys, "export", "--format", "jsonl", "--include-synthetic", "--config", config_file)[1]
    assert len(lines.splitlines()) == 3
    replies = run(capsys, "export", "--format", "csv", "--replies", "--config", config_file)[1]
    [reply] = csv.DictReader(io.StringIO(replies))
    assert (reply["contact"], reply["synthetic"], reply["received_at"]) == (EMAIL, "False", "2026-11-23T14:05:00Z")
    assert reply["reply_deadline"] == reply_deadline(NOW.astimezone(FINLAND).date(), 5).isoformat()  # asked at NOW
    assert FREE_TEXT not in replies
    assert run(capsys, "export", "--since", "2999-01-01", "--config", config_file)[1] == ""


def test_export_fhir_is_a_bundle_of_questionnaire_responses(capsys, config_file, collected):
    status, out, _ = run(capsys, "export", "--format", "fhir", "--config", config_file)
    document = json.loads(out)
    Bundle.model_validate(document)
    assert status == 0 and len(document["entry"]) == 2 and EMAIL not in out
    assert {entry["resource"]["resourceType"] for entry in document["entry"]} == {"QuestionnaireResponse"}


def exported_questionnaires(capsys, config_file) -> list[str]:
    document = json.loads(run(capsys, "export-questionnaire", "--config", config_file)[1])
    assert (document["resourceType"], document["type"]) == ("Bundle", "collection")
    for entry in document["entry"]:
        Questionnaire.model_validate(entry["resource"])
    return [entry["resource"]["version"] for entry in document["entry"]]


def test_export_questionnaire_of_every_survey_version_answered_and_the_one_published(capsys, config_file, collected,
                                                                                       tmp_path):
    assert exported_questionnaires(capsys, config_file) == ["1"]  # answered, and the default
    survey = tmp_path / "survey.toml"
    survey.write_text(default_survey_path().read_text(encoding="utf-8").replace("version = 1", "version = 7"),
                      encoding="utf-8")
    run(capsys, "publish", "--survey", survey, "--config", config_file)
    assert exported_questionnaires(capsys, config_file) == ["1", "7"]  # the responses still answer version 1
    only = json.loads(run(capsys, "export-questionnaire", "--survey", survey, "--config", config_file)[1])
    assert (only["resourceType"], only["version"]) == ("Questionnaire", "7")


# -- serve ----------------------------------------------------------------------------------


def test_serve_refuses_to_start_without_keys(capsys, config_file):
    assert "keys generate" in refused(capsys, "serve", "--config", config_file)


def test_serve_refuses_tls_files_it_cannot_use(capsys, tmp_path, ready, config_file):
    (tmp_path / "server.pem").write_text("not a certificate")
    config_file.write_text('[receiver]\ndata_dir = "data"\n[tls]\ncertificate = "server.pem"\nkey = "server.pem"\n',
                           encoding="utf-8")
    assert "tls.certificate" in refused(capsys, "serve", "--config", config_file)
