"""Whether the clock was synchronised travels, bound and in the clear, with every envelope."""

from __future__ import annotations

import sys

import pytest

from kiosk.clock import clock_synchronized, kernel_clock_synchronized
from kiosk.recorder import Recorder
from kiosk.sealing import EnvelopeError, open_envelope
from tests.test_recorder import visit_records


def test_the_kernel_decides_when_it_can_be_asked(tmp_path):
    marker = tmp_path / "synchronized"
    marker.touch()
    assert clock_synchronized(ask_kernel=lambda: True, marker=marker) is True
    assert clock_synchronized(ask_kernel=lambda: False, marker=marker) is False


def test_without_the_kernel_timesyncds_marker_decides(tmp_path):
    marker = tmp_path / "synchronized"
    assert clock_synchronized(ask_kernel=lambda: None, marker=marker) is False
    marker.touch()
    assert clock_synchronized(ask_kernel=lambda: None, marker=marker) is True


def test_a_failing_check_says_unsynchronised_and_never_raises(tmp_path):
    def broken():
        raise OSError("no adjtimex here")

    assert clock_synchronized(ask_kernel=broken, marker=tmp_path / "synchronized") is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="adjtimex is Linux's")
def test_the_linux_kernel_answers():
    assert kernel_clock_synchronized() in (True, False)


@pytest.mark.parametrize("synced, field", [(True, "synced"), (False, "unsynced")])
def test_each_envelope_says_whether_the_clock_was_synchronised(config, provider_keys, synced, field):
    from kiosk.keyfiles import load_private_key

    config.data_dir.mkdir()
    recorder = Recorder(config, clock_check=lambda: synced)
    try:
        recorder.record(visit_records(config))
        envelopes = recorder.outbox.oldest(10)
    finally:
        recorder.close()
    assert [envelope["clock"] for envelope in envelopes] == [field]
    key = load_private_key(provider_keys[0])
    assert open_envelope(envelopes[0], [key])["type"] == "response"
    forged = envelopes[0] | {"clock": "synced" if field == "unsynced" else "unsynced"}
    with pytest.raises(EnvelopeError, match="tampered"):  # bound into the seal: cannot be changed on the way
        open_envelope(forged, [key])
