"""receiver.toml: the example loads, defaults are the protocol's, and every mistake names the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import UserError
from kiosk.languages import CODES
from provider.config import load_config
from sync.wire.protocol import DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY_BYTES
from tests.receiver_support import ANSWERER, REPLY_TABLE

EXAMPLE = Path(__file__).parent.parent / "docs" / "receiver.example.toml"
PLAIN = "[tls]\nallow_plain_http = true\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "receiver.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads():
    config = load_config(EXAMPLE)
    assert (config.host, config.port) == ("0.0.0.0", 8443)
    assert config.database == "sqlite:///var/lib/kiosk-receiver/receiver.db"
    assert config.tls is not None and config.tls.client_ca is None
    assert (config.max_batch, config.max_body_bytes) == (DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY_BYTES)
    assert set(config.reply_answerer) == set(CODES)


def test_a_minimal_config_keeps_everything_in_its_data_folder(tmp_path):
    config = load_config(write(tmp_path, f'[receiver]\ndata_dir = "data"\n{PLAIN}'))
    data = tmp_path / "data"
    assert config.database == f"sqlite://{data / 'receiver.db'}"
    assert (config.keys_dir, config.signing_key) == (data / "keys", data / "signing-key.pem")
    assert (config.host, config.port, config.tls) == ("127.0.0.1", 8443, None)
    assert (config.requests_per_minute, config.reply_working_days) == (60, 5)
    assert config.reply_answerer is None  # no [reply]: enrolled kiosks offer no reply


def test_the_reply_promise_names_who_answers_in_every_kiosk_language(tmp_path):
    config = load_config(write(tmp_path, f"[receiver]\n{PLAIN}{REPLY_TABLE}"))
    assert config.reply_answerer == ANSWERER


@pytest.mark.parametrize("database, expected", [
    ("sqlite:///srv/receiver.db", "sqlite:///srv/receiver.db"),
    ("sqlite:////srv/receiver.db", "sqlite:///srv/receiver.db"),
    ("sqlite:receiver.db", "sqlite://{folder}/receiver.db"),
    ("postgresql://receiver@db.example.fi/feedback", "postgresql://receiver@db.example.fi/feedback"),
])
def test_database_urls(tmp_path, database, expected):
    config = load_config(write(tmp_path, f'[receiver]\ndatabase = "{database}"\n{PLAIN}'))
    assert config.database == expected.format(folder=tmp_path)


def test_tls_with_client_certificates(tmp_path):
    config = load_config(write(tmp_path, '[receiver]\nlisten = "[::]:443"\n[tls]\ncertificate = "server.pem"\n'
                                         'key = "server.key"\nclient_ca = "ca.pem"\n'))
    assert (config.host, config.port) == ("::", 443)
    assert config.tls.certificate == tmp_path / "server.pem" and config.tls.client_ca == tmp_path / "ca.pem"
    assert not config.tls.require_client_certificate


@pytest.mark.parametrize("text, key, words", [
    ('[receiver]\nlisten = "8443"\n' + PLAIN, "receiver.listen", "host:port"),
    ('[receiver]\nlisten = "127.0.0.1:99999"\n' + PLAIN, "receiver.listen", "host:port"),
    ('[receiver]\nlisten = "0.0.0.0:8080"\n' + PLAIN, "receiver.listen", "loopback"),
    ('[receiver]\ndatabase = "mysql://x/y"\n' + PLAIN, "receiver.database", "postgresql://"),
    ("[receiver]\nmax_batch = 0\n" + PLAIN, "receiver.max_batch", "at least 1"),
    ('[receiver]\nmax_body_bytes = "2 MiB"\n' + PLAIN, "receiver.max_body_bytes", "whole number"),
    ("[receiver]\nrequests_per_minute = -1\n" + PLAIN, "receiver.requests_per_minute", "at least 1"),
    ("[receiver]\nreply_working_days = 0\n" + PLAIN, "receiver.reply_working_days", "at least 1"),
    ("[receiver]\nlisen = 1\n" + PLAIN, "receiver.lisen", "misspelt"),
    ("[receiver]\n", "tls.certificate", "allow_plain_http"),
    ('[receiver]\n[tls]\ncertificate = "s.pem"\n', "tls.key", "is missing"),
    ('[receiver]\n[tls]\nallow_plain_http = true\nclient_ca = "ca.pem"\n', "tls.client_ca", "need TLS"),
    ('[receiver]\n[tls]\ncertificate = "s.pem"\nkey = "s.key"\nrequire_client_certificate = true\n',
     "tls.require_client_certificate", "client_ca"),
    (PLAIN, "receiver", "is missing"),
    ("[receiver]\n" + PLAIN + REPLY_TABLE.replace('answerer.sv = "Asiakaspalvelu (sv)"\n', ""),
     "reply.answerer.sv", "is missing"),
    ("[receiver]\n" + PLAIN + "[reply]\nanswerer = \"us\"\n", "reply.answerer", "a table"),
    ("[receiver]\n" + PLAIN + REPLY_TABLE + "days = 5\n", "reply.days", "reply_working_days"),
])
def test_a_mistake_names_the_file_and_the_key(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as caught:
        load_config(path)
    assert (caught.value.file, caught.value.key) == (str(path), key)
    assert words in caught.value.problem
