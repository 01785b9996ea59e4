"""The polkit rule that lets the staff panel shut the device down and restart it: there only while
the config says `allow_power = true` in [staff].

polkit reads no config of ours, so a rule installed once would let the kiosk's user power the
device off whatever the config says. Instead the rule is written, or removed, as the config
says before every start of the kiosk: the units run `kiosk power-rule` as root (ExecStartPre=+),
and the installer runs it too. A change to the config takes effect when the kiosk restarts, as
every change to it does, and the power the kiosk has is the power its config gives it.
"""

from __future__ import annotations

import os
from pathlib import Path

RULES_DIR = Path("/etc/polkit-1/rules.d")
RULE_FILE = "50-feedback-kiosk.rules"
RULE = """\
// Written by `kiosk power-rule` because the kiosk's config says allow_power = true in [staff],
// and removed by it when the config no longer does: do not edit, change the config.
// The feedback kiosk's staff panel may shut the device down and restart it through logind
// (`systemctl poweroff|reboot` as the kiosk user), and nothing else.
polkit.addRule(function (action, subject) {
    var powerActions = [
        "org.freedesktop.login1.power-off",
        "org.freedesktop.login1.power-off-multiple-sessions",
        "org.freedesktop.login1.reboot",
        "org.freedesktop.login1.reboot-multiple-sessions"
    ];
    if (subject.user === "kiosk" && powerActions.indexOf(action.id) >= 0) {
        return polkit.Result.YES;
    }
});
"""


def apply_power_rule(allowed: bool, rules_dir: Path = RULES_DIR) -> Path | None:
    """Write the rule when power is allowed, remove it when not; the rule's file, if there now."""
    from kiosk.storage import write_atomically

    path = rules_dir / RULE_FILE
    if not allowed:
        path.unlink(missing_ok=True)
        return None
    rules_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(path, RULE)
    os.chmod(path, 0o644)  # polkitd reads it as its own user
    return path
