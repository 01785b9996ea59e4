"""The polkit rule for the staff panel's power buttons follows the config: the units run
`kiosk power-rule` before each start, so the kiosk's user may power the device off only while
`allow_power = true`."""

from __future__ import annotations

import pytest

from commands.kiosk import main
from kiosk.power_rule import RULE, RULE_FILE


@pytest.fixture
def rules_dir(tmp_path):
    return tmp_path / "polkit-1" / "rules.d"


def power_rule(config, rules_dir, capsys) -> tuple[int, str]:
    status = main(["power-rule", "--config", str(config), "--rules-dir", str(rules_dir)])
    return status, capsys.readouterr().out


def test_allowing_power_writes_the_rule_polkit_reads(write_config, rules_dir, capsys):
    status, out = power_rule(write_config("[staff]\nallow_power = true"), rules_dir, capsys)
    rule = rules_dir / RULE_FILE
    assert (status, rule.read_text()) == (0, RULE)
    assert rule.stat().st_mode & 0o777 == 0o644  # polkitd reads it as its own user
    assert "may shut down and restart" in out


@pytest.mark.parametrize("staff", ["[staff]\nallow_power = false", "", "[staff]\nallow_shell = true"])
def test_a_config_that_does_not_allow_power_removes_the_rule(write_config, rules_dir, capsys, staff):
    power_rule(write_config("[staff]\nallow_power = true"), rules_dir, capsys)
    status, out = power_rule(write_config(staff), rules_dir, capsys)
    assert (status, (rules_dir / RULE_FILE).exists()) == (0, False)
    assert "may not shut down" in out


def test_a_config_with_a_mistake_allows_nothing(write_config, rules_dir, capsys):
    power_rule(write_config("[staff]\nallow_power = true"), rules_dir, capsys)
    path = write_config("[staff]\nallow_power = \"yes\"")
    assert main(["power-rule", "--config", str(path), "--rules-dir", str(rules_dir)]) == 2
    assert not (rules_dir / RULE_FILE).exists()
    assert capsys.readouterr().err.startswith(f"kiosk: {path}: staff.allow_power: ")
