"""The config's [sync] table, and the enrolment that stands in for it."""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.enrolment import Enrolment, write_enrolment
from kiosk.errors import UserError


def test_a_full_sync_table(write_config, tmp_path):
    (tmp_path / "token").write_text("s3cret-token\n")
    for name in ("kiosk.crt", "kiosk.key", "ca.pem"):
        (tmp_path / name).write_text("")
    (tmp_path / "signing.pem").write_text("-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n")
    sync = load_config(write_config("""
[sync]
server = "https://palaute.example.fi/kiosks/"
token_file = "token"
client_certificate = "kiosk.crt"
client_key = "kiosk.key"
ca_file = "ca.pem"
signing_key = "signing.pem"
interval_seconds = 120
batch_size = 50
timeout_seconds = 10
retry_min_seconds = 2
retry_max_seconds = 600
""")).sync
    assert sync.server == "https://palaute.example.fi/kiosks"
    assert sync.token == "s3cret-token"
    assert (sync.client_certificate, sync.client_key, sync.ca_file) == (
        tmp_path / "kiosk.crt", tmp_path / "kiosk.key", tmp_path / "ca.pem")
    assert sync.signing_key.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert (sync.interval_seconds, sync.batch_size, sync.timeout_seconds) == (120, 50, 10)
    assert (sync.retry_min_seconds, sync.retry_max_seconds) == (2, 600)
    assert "s3cret" not in repr(sync)  # never in a log line by accident


def test_defaults_and_no_network_without_sync(write_config):
    assert load_config(write_config()).sync is None
    sync = load_config(write_config('[sync]\nserver = "https://palaute.example.fi"\ntoken = "t"')).sync
    assert (sync.interval_seconds, sync.batch_size, sync.timeout_seconds) == (60, 200, 30)
    assert (sync.retry_min_seconds, sync.retry_max_seconds) == (1, 900)
    assert (sync.ca_file, sync.signing_key, sync.allow_insecure_http) == (None, None, False)


def test_plain_http_is_refused_unless_allowed(write_config):
    path = write_config('[sync]\nserver = "http://127.0.0.1:8080"\ntoken = "t"')
    with pytest.raises(UserError) as refused:
        load_config(path)
    assert str(refused.value).startswith(f"{path}: sync.server: is plain http://")
    assert "allow_insecure_http = true" in str(refused.value)
    allowed = write_config('[sync]\nserver = "http://127.0.0.1:8080"\ntoken = "t"\nallow_insecure_http = true')
    assert load_config(allowed).sync.server == "http://127.0.0.1:8080"


MISTAKES = {
    "not an address": ('server = "palaute.example.fi"\ntoken = "t"', "sync.server", "must be an https:// address"),
    "no credentials": ('server = "https://a.fi"', "sync.token", "give token, token_file or client_certificate"),
    "two tokens": ('server = "https://a.fi"\ntoken = "t"\ntoken_file = "t"', "sync.token_file", "not both"),
    "a missing file": ('server = "https://a.fi"\ntoken = "t"\nca_file = "missing.pem"', "sync.ca_file",
                       "no such file"),
    "too large a batch": ('server = "https://a.fi"\ntoken = "t"\nbatch_size = 500', "sync.batch_size",
                          "at most 200"),
    "backoff upside down": ('server = "https://a.fi"\ntoken = "t"\nretry_min_seconds = 60\nretry_max_seconds = 30',
                            "sync.retry_min_seconds", "must not be more than retry_max_seconds"),
    "a misspelt key": ('server = "https://a.fi"\ntoken = "t"\nintervall_seconds = 5', "sync.intervall_seconds",
                       "not a known key"),
}


@pytest.mark.parametrize("table, key, problem", MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_names_its_key(write_config, table, key, problem):
    path = write_config(f"[sync]\n{table}")
    with pytest.raises(UserError) as refused:
        load_config(path)
    assert str(refused.value).startswith(f"{path}: {key}: ")
    assert problem in str(refused.value)


def enrol(data_dir, kiosk_id="lobby-1") -> None:
    data_dir.mkdir(exist_ok=True)
    write_enrolment(data_dir, Enrolment(server="https://palaute.example.fi", kiosk_id=kiosk_id, unit_id="kalevi",
                                        token="enrolled-token", signing_key="-----BEGIN PUBLIC KEY-----",
                                        keys=[{"kid": "k", "pem": "-----BEGIN PUBLIC KEY-----"}]))


def test_without_sync_the_enrolment_gives_the_settings(write_config, tmp_path):
    enrol(tmp_path / "data")
    sync = load_config(write_config()).sync
    assert (sync.server, sync.token) == ("https://palaute.example.fi", "enrolled-token")
    assert load_config(write_config('[sync]\nserver = "https://other.fi"\ntoken = "t"')).sync.server == "https://other.fi"


def test_an_enrolment_of_another_kiosk_is_refused(write_config, tmp_path):
    enrol(tmp_path / "data", kiosk_id="lobby-2")
    with pytest.raises(UserError, match="is for the kiosk 'lobby-2', but the config says kiosk.id = 'lobby-1'"):
        load_config(write_config())
