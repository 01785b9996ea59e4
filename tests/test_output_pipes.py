"""A command whose output is piped into a reader that stops early (`| head`) stops quietly: no
BrokenPipeError traceback on the terminal."""

from __future__ import annotations

import subprocess
import sys

from tests.test_receiver_server import REPO


def test_the_receivers_listing_into_a_closed_pipe_stops_without_a_traceback(tmp_path):
    config = tmp_path / "receiver.toml"
    config.write_text(f'[receiver]\ndata_dir = "{tmp_path / "data"}"\n[tls]\nallow_plain_http = true\n')
    subprocess.run([sys.executable, "-m", "commands.receiver", "kiosks", "add", "lobby-1", "--unit", "kalevi",
                    "--config", str(config)], cwd=REPO, check=True, capture_output=True)
    listing = subprocess.Popen([sys.executable, "-m", "commands.receiver", "kiosks", "list", "--config", str(config)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    listing.stdout.close()  # the reader is gone before the first line
    _, errors = listing.communicate(timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors.decode()
    assert listing.returncode == 1
