"""First paint: how long the kiosk takes to show its welcome screen, against a bare Textual app.

Each app is started as a real process in an 80x24 pseudo-terminal, with NOTIFY_SOCKET
pointing at a datagram socket bound here; both send READY=1 (sd_notify) once their first
screen is painted. The time is from spawn to that datagram; the peak RSS is the child's
VmHWM read right after it. The two apps are run in turn (kiosk, bare, kiosk, ...), so a
busy spell of the machine slows both.

    python -m bench.first_paint --heavy-at-ready FILE -- ARGS...

runs `python ARGS...` (e.g. `-m commands.kiosk demo ...`) and writes to FILE, as READY=1 is sent,
which of HEAVY_MODULES are loaded: the design keeps them off the path to first paint.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import pty
import runpy
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLUMNS, LINES = 80, 24
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
OUTPUT_TAIL = 4096  # bytes of the terminal kept to explain a child that never got ready
TIME_RATIO_TARGET = 1.25
RSS_RATIO_TARGET = 1.25
HEAVY_MODULES = ("cryptography", "tinydb")
IMPORTS_STATEMENT = "import commands.kiosk, screens.app"  # what every start of the kiosk imports
BARE_COMMAND = ("-m", "bench.bare_app")


def kiosk_command(data_dir: Path) -> tuple[str, ...]:
    return ("-m", "commands.kiosk", "demo", "--data-dir", str(data_dir))


@dataclass(frozen=True)
class Start:
    seconds: float  # from spawn to READY=1
    peak_rss_kib: int  # VmHWM when READY=1 arrived


@dataclass(frozen=True)
class Comparison:
    rounds: int
    kiosk: list[Start]
    bare: list[Start]
    heavy_at_ready: list[str]  # which of HEAVY_MODULES the kiosk had loaded at READY=1

    @property
    def kiosk_seconds(self) -> float:
        return statistics.median(start.seconds for start in self.kiosk)

    @property
    def bare_seconds(self) -> float:
        return statistics.median(start.seconds for start in self.bare)

    @property
    def kiosk_rss_kib(self) -> float:
        return statistics.median(start.peak_rss_kib for start in self.kiosk)

    @property
    def bare_rss_kib(self) -> float:
        return statistics.median(start.peak_rss_kib for start in self.bare)

    @property
    def time_ratio(self) -> float:
        return self.kiosk_seconds / self.bare_seconds

    @property
    def rss_ratio(self) -> float:
        return self.kiosk_rss_kib / self.bare_rss_kib


def compare(rounds: int = 15) -> Comparison:
    """Start the kiosk demo and the bare app `rounds` times each, in turn, after one warm-up
    each; then once more, untimed, to see which heavy modules the kiosk loads before READY=1."""
    precompile()
    with tempfile.TemporaryDirectory(prefix="bench-first-paint-") as temp:
        kiosk, bare = kiosk_command(prepared_demo_dir(Path(temp))), BARE_COMMAND
        start(kiosk), start(bare)  # warm-up: the page cache
        starts: dict[tuple[str, ...], list[Start]] = defaultdict(list)
        for _ in range(rounds):
            for command in (kiosk, bare):
                starts[command].append(start(command))
        return Comparison(rounds, starts[kiosk], starts[bare], heavy_at_ready(kiosk))


def precompile() -> None:
    """Write the bytecode of the kiosk's own modules, as the installer does (Textual's was written
    by pip). Without it, where PYTHONDONTWRITEBYTECODE is set, every start would compile them."""
    for package in ("kiosk", "screens", "sync", "bench"):
        compileall.compile_dir(REPO / package, quiet=1)


def prepared_demo_dir(parent: Path) -> Path:
    """A demo data folder with its key pair already made, so that key generation is not timed."""
    from kiosk.config import demo_config

    return demo_config(parent / "demo").data_dir


def start(arguments: tuple[str, ...]) -> Start:
    """Run `python ARGUMENTS` in a pseudo-terminal until it sends READY=1, then stop it."""
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as temp, \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as listener, \
            _Terminal() as terminal:
        address = os.path.join(temp, "notify")
        listener.bind(address)
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *arguments], cwd=REPO, env=_environment(address),
                                 stdin=terminal.slave, stdout=terminal.slave, stderr=terminal.slave,
                                 start_new_session=True)
        terminal.close_slave()
        try:
            _wait_ready(listener, child, terminal)
            seconds = time.perf_counter() - started
            return Start(seconds, _peak_rss_kib(child.pid))
        finally:
            _stop(child)


def _environment(notify_socket: str) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(LINES),
            "NOTIFY_SOCKET": notify_socket}


def _wait_ready(listener: socket.socket, child: subprocess.Popen, terminal: _Terminal) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    listener.settimeout(0.1)  # short, to notice a child that died instead
    while time.monotonic() < deadline and child.poll() is None:
        try:
            message = listener.recv(4096)
        except socket.timeout:
            continue
        if b"READY=1" in message.split(b"\n"):
            return
    raise RuntimeError(f"{child.args} sent no READY=1 (exit status {child.poll()}); its terminal ended "
                       f"with:\n{terminal.tail().decode(errors='replace')}")


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def _stop(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class _Terminal:
    """A pseudo-terminal of COLUMNS x LINES. A thread drains what the child writes (a full
    terminal would block it) and keeps the tail, to explain a child that never got ready."""

    def __enter__(self) -> _Terminal:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self._tail = bytearray()
        self._reader = threading.Thread(target=self._drain, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child has gone and the slave is closed
                return
            if not data:
                return
            self._tail = (self._tail + data)[-OUTPUT_TAIL:]

    def tail(self) -> bytes:
        return bytes(self._tail)

    def close_slave(self) -> None:
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def __exit__(self, *exc_info: object) -> None:
        self.close_slave()
        self._reader.join(STOP_TIMEOUT)
        os.close(self.master)


def heavy_at_ready(arguments: tuple[str, ...]) -> list[str]:
    """Which of HEAVY_MODULES `python ARGUMENTS` has loaded when it sends READY=1."""
    with tempfile.TemporaryDirectory(prefix="bench-modules-") as temp:
        report = Path(temp) / "modules"
        start(("-m", "bench.first_paint", "--heavy-at-ready", str(report), "--", *arguments))
        return report.read_text().split()


def _run_reporting_heavy_modules(report: Path, module: str, arguments: list[str]) -> None:
    """Run `python -m MODULE ARGUMENTS` in this process; when it connects to NOTIFY_SOCKET (to
    send READY=1), write which heavy modules are loaded. An audit hook sees the connect
    without any change to the app."""
    notify_socket = os.environ["NOTIFY_SOCKET"]

    def on_event(event: str, details: tuple) -> None:
        if event == "socket.connect" and details[1] == notify_socket and not report.exists():
            loaded = {name.split(".")[0] for name in sys.modules} & set(HEAVY_MODULES)
            report.write_text("\n".join(sorted(loaded)))

    sys.addaudithook(on_event)
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def import_costs(statement: str = IMPORTS_STATEMENT) -> dict[str, float]:
    """Milliseconds `statement` spends importing each top-level package (self times summed),
    most costly first, from `python -X importtime`."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], cwd=REPO,
                            capture_output=True, text=True, check=True)
    costs: dict[str, float] = defaultdict(float)
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        costs[name.strip().split(".")[0]] += int(self_us) / 1000
    return dict(sorted(costs.items(), key=lambda item: item[1], reverse=True))


def main() -> None:
    parser = argparse.ArgumentParser(description="Run python ARGS..., reporting the heavy modules loaded at READY=1.")
    parser.add_argument("--heavy-at-ready", type=Path, metavar="FILE", required=True)
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="-- -m MODULE ARGS...")
    options = parser.parse_args()
    arguments = options.arguments[1:] if options.arguments[:1] == ["--"] else options.arguments
    if len(arguments) < 2 or arguments[0] != "-m":
        parser.error("give the module to run: -- -m MODULE ARGS...")
    _run_reporting_heavy_modules(options.heavy_at_ready, arguments[1], arguments[2:])


if __name__ == "__main__":
    main()
