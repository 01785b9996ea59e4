"""`kiosk enroll`, `kiosk simulate` and `kiosk sync --once`, as an installer runs them
against a receiver (here in memory)."""

from __future__ import annotations

import json
import ssl
import stat

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from commands.kiosk import main
from kiosk.config import enrolled_config
from kiosk.demo import KEYS_FOLDER
from kiosk.enrolment import ENROLLED_KEY_FILE, ENROLMENT_FILE
from kiosk.keyfiles import PRIVATE_KEY_FILE, load_private_key
from kiosk.outbox import Outbox
from kiosk.sealing import open_envelope
from sync.wire.bundle import public_pem
from sync.uploader.http import make_client
from sync.uploader.enrol import signing_key_fingerprint
from tests.fake_receiver import FakeReceiver, answer
from tests.receiver_support import ANSWERER
from tests.test_cli import run

SERVER = "https://receiver.test"
REPLY = {"answerer": ANSWERER, "days": 7}


@pytest.fixture(autouse=True)
def logs_left_alone(monkeypatch):
    """`kiosk sync` sends its log to the kiosk's log; here pytest keeps it."""
    monkeypatch.setattr("kiosk.logs.setup_logging", lambda *args, **kwargs: None)


@pytest.fixture
def receiver(monkeypatch, provider_keys):
    """The receiver every `kiosk` command here talks to; it enrols the kiosk lobby-1, and promises
    clients who ask a reply."""
    receiver = FakeReceiver()
    receiver.enrolment = {"kiosk": "lobby-1", "unit": "kalevi",
                          "signing_key": public_pem(Ed25519PrivateKey.generate().public_key()),
                          "keys": [{"kid": "k1", "pem": provider_keys[1].read_text()}], "bundle_version": 0,
                          "reply": REPLY}

    def to_receiver(sync, *, transport=None):
        return make_client(sync, transport=receiver.transport())

    monkeypatch.setattr("sync.uploader.enrol.make_client", to_receiver)
    monkeypatch.setattr("sync.uploader.uploader.make_client", to_receiver)
    return receiver


def opened_envelopes(data_dir, private_key_file) -> list[dict]:
    key = load_private_key(private_key_file)
    with Outbox(data_dir / "outbox", readonly=True) as outbox:
        return [open_envelope(envelope, [key]) for envelope in outbox.oldest(len(outbox))]


def test_an_enrolled_kiosk_simulates_and_syncs_end_to_end(tmp_path, capsys, receiver, provider_keys):
    data_dir = tmp_path / "kiosk"
    status, out, err = run(capsys, "enroll", "--server", SERVER, "--token", "secret-token", "--data-dir", data_dir)
    assert (status, err) == (0, "")
    enrolment_file = data_dir / ENROLMENT_FILE
    assert stat.S_IMODE(enrolment_file.stat().st_mode) == 0o600
    enrolment = json.loads(enrolment_file.read_text())
    assert (enrolment["server"], enrolment["kiosk_id"], enrolment["unit_id"], enrolment["token"]) == (
        SERVER, "lobby-1", "kalevi", "secret-token")
    assert enrolment["signing_key"] == receiver.enrolment["signing_key"]
    assert "kiosk lobby-1" in out
    assert signing_key_fingerprint(enrolment["signing_key"]) in out
    assert receiver.requests[0].headers["Authorization"] == "Bearer secret-token"
    assert (data_dir / ENROLLED_KEY_FILE).read_text() == provider_keys[1].read_text()

    status, out, _ = run(capsys, "simulate", "40", "--data-dir", data_dir)
    assert status == 0
    records = opened_envelopes(data_dir, provider_keys[0])  # sealed to the receiver's key
    responses = [record for record in records if record["type"] == "response"]
    replies = [record for record in records if record["type"] == "reply_request"]
    assert len(responses) == 40
    assert all(response["flags"]["synthetic"] and response["kiosk"] == "lobby-1" for response in responses)
    assert any("more" in response["answers"] for response in responses)  # some with free text
    assert replies and all(reply["contact"]["value"].endswith(".invalid") for reply in replies)
    assert f"Recorded 40 synthetic responses ({sum('more' in r['answers'] for r in responses)} with free text, " \
           f"{len(replies)} reply requests)" in out

    status, out, _ = run(capsys, "sync", "--once", "--data-dir", data_dir)
    assert status == 0
    assert out.splitlines()[0] == f"sent {len(records)}, stored {len(records)}, duplicate 0, rejected 0, left 0, error none"
    assert len(receiver.stored) == len(records)
    _, out, _ = run(capsys, "status", "--data-dir", data_dir)
    assert "Waiting to be sent:   0" in out
    assert "Last successful sync: 0 min" in out


def test_the_receivers_reply_promise_is_what_an_enrolled_kiosk_promises(tmp_path, capsys, receiver, provider_keys):
    data_dir = tmp_path / "kiosk"
    assert run(capsys, "enroll", "--server", SERVER, "--token", "t", "--data-dir", data_dir)[0] == 0
    assert json.loads((data_dir / ENROLMENT_FILE).read_text())["reply"] == REPLY
    promise = enrolled_config(data_dir).reply
    assert (promise.answerer, promise.days) == (REPLY["answerer"], REPLY["days"])
    run(capsys, "simulate", "20", "--data-dir", data_dir, "--seed", "1")
    replies = [record for record in opened_envelopes(data_dir, provider_keys[0])
               if record["type"] == "reply_request"]
    assert replies and {reply["promised_days"] for reply in replies} == {REPLY["days"]}


def test_a_kiosk_enrolled_with_a_receiver_that_promises_no_reply_offers_none(tmp_path, capsys, receiver,
                                                                           provider_keys):
    receiver.enrolment["reply"] = None
    data_dir = tmp_path / "kiosk"
    assert run(capsys, "enroll", "--server", SERVER, "--token", "t", "--data-dir", data_dir)[0] == 0
    assert enrolled_config(data_dir).reply is None
    run(capsys, "simulate", "20", "--data-dir", data_dir, "--seed", "1")
    records = opened_envelopes(data_dir, provider_keys[0])
    assert len(records) == 20 and all(record["type"] == "response" for record in records)


def test_sync_once_says_what_failed_and_exits_1(tmp_path, capsys, receiver):
    data_dir = tmp_path / "kiosk"
    run(capsys, "enroll", "--server", SERVER, "--token", "t", "--data-dir", data_dir)
    run(capsys, "simulate", "2", "--data-dir", data_dir)
    receiver.next_batches.append(answer(500, json={"error": "internal", "detail": "database down"}))
    status, out, _ = run(capsys, "sync", "--once", "--data-dir", data_dir)
    assert status == 1
    assert "stored 0" in out and "left 2" in out
    assert "answered 500: internal: database down" in out
    _, out, _ = run(capsys, "status", "--data-dir", data_dir)
    assert "Last sync error:      /v1/batches: the receiver answered 500" in out


def test_sync_once_needs_an_enrolment_or_sync_settings(tmp_path, capsys):
    status, out, err = run(capsys, "sync", "--once", "--data-dir", tmp_path)
    assert (status, out) == (2, "")
    assert err == f"kiosk: {tmp_path}: --data-dir: this kiosk is not enrolled (no enrolment.json): run `kiosk enroll` first\n"


def test_simulate_on_the_demo_seals_synthetic_responses_to_the_demo_key(tmp_path, capsys):
    status, out, _ = run(capsys, "simulate", "5", "--data-dir", tmp_path, "--seed", "3")
    assert status == 0
    records = opened_envelopes(tmp_path, tmp_path / KEYS_FOLDER / PRIVATE_KEY_FILE)
    responses = [record for record in records if record["type"] == "response"]
    assert len(responses) == 5
    assert all(response["flags"]["synthetic"] for response in responses)
    assert "for kiosk demo" in out


def test_simulate_refuses_a_count_that_is_not_a_number(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "many"])
    assert exited.value.code == 2
    assert "must be a whole number" in capsys.readouterr().err


# -- enrol: one clear line for each mistake -----------------------------------------------------


def enrol_error(capsys, tmp_path, *extra: str) -> str:
    status, out, err = run(capsys, "enroll", "--data-dir", tmp_path, *extra)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert not (tmp_path / ENROLMENT_FILE).exists()
    return err


def test_enrol_with_a_wrong_token(tmp_path, capsys, receiver):
    receiver.enrolment = None
    receiver.handle = lambda request: httpx.Response(401, json={"error": "unknown-credentials"})
    err = enrol_error(capsys, tmp_path, "--server", SERVER, "--token", "wrong")
    assert err.startswith("kiosk: --token: the receiver does not know this token (401")


def test_enrol_with_an_unreachable_server(tmp_path, capsys, receiver):
    def unreachable(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    receiver.handle = unreachable
    err = enrol_error(capsys, tmp_path, "--server", SERVER, "--token", "t")
    assert err.startswith(f"kiosk: --server: cannot enrol with {SERVER}: /v1/enrol: cannot connect")


def test_enrol_with_a_certificate_the_kiosk_does_not_trust(tmp_path, capsys, receiver):
    def untrusted(request):
        try:
            raise ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
        except ssl.SSLError as error:
            raise httpx.ConnectError(str(error), request=request) from error

    receiver.handle = untrusted
    err = enrol_error(capsys, tmp_path, "--server", SERVER, "--token", "t")
    assert "the receiver's certificate is not trusted" in err


def test_enrol_refuses_plain_http_unless_allowed(tmp_path, capsys, receiver):
    err = enrol_error(capsys, tmp_path, "--server", "http://127.0.0.1:8080", "--token", "t")
    assert err.startswith("kiosk: --server: is plain http://")
    assert "--allow-insecure-http" in err
    status, _, _ = run(capsys, "enroll", "--server", "http://127.0.0.1:8080", "--token", "t",
                       "--allow-insecure-http", "--data-dir", tmp_path)
    assert status == 0
    assert json.loads((tmp_path / ENROLMENT_FILE).read_text())["allow_insecure_http"] is True


def test_enrol_refuses_an_answer_that_names_another_kiosk_than_the_config(write_config, tmp_path, capsys, receiver):
    receiver.enrolment["kiosk"] = "lobby-2"
    config_file = write_config()
    status, _, err = run(capsys, "enroll", "--server", SERVER, "--token", "t", "--config", config_file)
    assert status == 2
    assert err.startswith(f"kiosk: {config_file}: kiosk.id: the receiver knows this kiosk as 'lobby-2'")
    assert not (tmp_path / "data" / ENROLMENT_FILE).exists()


def test_enrol_refuses_an_answer_that_is_not_an_enrolment(tmp_path, capsys, receiver):
    receiver.enrolment = {"kiosk": "lobby-1"}
    err = enrol_error(capsys, tmp_path, "--server", SERVER, "--token", "t")
    assert "is not an enrolment" in err


@pytest.mark.parametrize("reply", [
    "we answer", {"days": 5}, REPLY | {"answerer": {"fi": "Asiakaspalvelu"}},
    REPLY | {"answerer": REPLY["answerer"] | {"sv": " "}}, REPLY | {"days": 0}, REPLY | {"days": 61},
    REPLY | {"days": "5"}, REPLY | {"days": True},
], ids=["a text", "no answerer", "answerer in one language", "answerer blank", "days 0", "days 61", "days a text",
        "days true"])
def test_enrol_refuses_a_reply_promise_that_is_not_one(tmp_path, capsys, receiver, reply):
    receiver.enrolment["reply"] = reply
    err = enrol_error(capsys, tmp_path, "--server", SERVER, "--token", "t")
    assert "is not an enrolment" in err and "reply" in err


def test_enrol_with_a_config_warns_if_the_receiver_does_not_know_its_public_key(write_config, tmp_path, capsys,
                                                                                receiver):
    from kiosk.keyfiles import generate_key_pair

    config_file = write_config()
    status, out, _ = run(capsys, "enroll", "--server", SERVER, "--token", "t", "--config", config_file)
    assert status == 0
    assert (tmp_path / "data" / ENROLMENT_FILE).exists()
    assert "Warning" not in out

    other_key = generate_key_pair(tmp_path / "other", hybrid=False)[1]
    receiver.enrolment["keys"] = [{"kid": "k2", "pem": other_key.read_text()}]
    status, out, _ = run(capsys, "enroll", "--server", SERVER, "--token", "t", "--config", config_file)
    assert status == 0
    assert "Warning: kiosk.public_key" in out and "rejected (unknown-key)" in out
