"""The baseline for first paint: a bare Textual app with one Static and one Button.

It tells systemd it is ready the way the kiosk does (READY=1 after the first refresh),
so `bench.first_paint` can start both the same way and compare them.

    python -m bench.bare_app
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Button, Static

from kiosk.systemd import notify


class BareApp(App):
    def compose(self) -> ComposeResult:
        yield Static("Hello")
        yield Button("Start")

    def on_mount(self) -> None:
        self.call_after_refresh(notify, "READY=1")


if __name__ == "__main__":
    BareApp().run()
