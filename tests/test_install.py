"""deploy/install.sh and deploy/uninstall.sh, into a throwaway root folder (--root): what an
admin installs, upgrades and removes, offline from a folder of wheels as from a USB stick.

The wheels (the kiosk's, built from this checkout, and those of its dependencies with its
`kiosk` extra) are made once per session, and one real installation is shared by the tests
that only look at it; those that change it work on a copy.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.power_rule import RULE
from tests.test_units import REPOSITORY, UNITS

INSTALL = REPOSITORY / "deploy" / "install.sh"
UNINSTALL = REPOSITORY / "deploy" / "uninstall.sh"
ENV = os.environ | {"PYTHON": sys.executable}
PREFIX = Path("opt/feedback-kiosk")
# What an older installation left: the version in use, and the one before it.
PREVIOUS, OLDEST = "0.0.9-0123456789ab", "0.0.8-ba9876543210"


def run(script: Path, *arguments: object, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([script, *map(str, arguments)], capture_output=True, text=True, env=ENV, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def pip_wheel(folder: Path, *requirements: object) -> None:
    """Wheels of `requirements` into `folder`, reproducibly, as deploy/install.sh builds them."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                    "--wheel-dir", folder, *requirements], check=True, timeout=600,
                   env=os.environ | {"SOURCE_DATE_EPOCH": "315532800"})


def kiosk_wheel(wheels: Path) -> Path:
    return next(wheels.glob("feedback_kiosk-*.whl"))


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory) -> Path:
    """The project's own wheel, built from this checkout, without its dependencies."""
    folder = tmp_path_factory.mktemp("project-wheel")
    pip_wheel(folder, "--no-deps", REPOSITORY)
    return kiosk_wheel(folder)


@pytest.fixture(scope="session")
def wheels(tmp_path_factory, project_wheel) -> Path:
    """The kiosk's wheel and those of what its `kiosk` extra needs, as an admin would carry them
    on a USB stick."""
    folder = tmp_path_factory.mktemp("wheels")
    pip_wheel(folder, f"{project_wheel}[kiosk]")
    return folder


def install(root: Path, wheels: Path, *more: object, check: bool = True) -> subprocess.CompletedProcess:
    return run(INSTALL, "--root", root, "--wheel", kiosk_wheel(wheels), "--find-links", wheels, *more, check=check)


def fake_release(root: Path, name: str) -> None:
    release = root / PREFIX / "releases" / name
    (release / "bin").mkdir(parents=True)
    (release / ".complete").touch()


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheels) -> Path:
    """A root where an older version was in use, upgraded to this checkout's."""
    root = tmp_path_factory.mktemp("installed")
    for name in (OLDEST, PREVIOUS):
        fake_release(root, name)
    (root / PREFIX / "current").symlink_to(f"releases/{PREVIOUS}")
    install(root, wheels)
    return root


@pytest.fixture
def copy_of_installed(installed, tmp_path) -> Path:
    """The installed root, but for the insides of its venvs (the installer only looks at
    whether a release is complete, and copying the kiosk's dependencies is slow)."""
    def venv_insides(folder: str, names: list[str]) -> list[str]:
        return [name for name in names if name != ".complete"] if Path(folder).parent.name == "releases" else []

    root = tmp_path / "root"
    shutil.copytree(installed, root, symlinks=True, ignore=venv_insides)
    return root


def current_release(root: Path) -> str:
    return os.readlink(root / PREFIX / "current").removeprefix("releases/")


def test_the_kiosk_runs_from_its_own_virtual_environment(installed):
    result = subprocess.run([installed / PREFIX / "bin" / "kiosk", "--version"], capture_output=True, text=True)
    assert result.stdout.startswith("kiosk 0.1.0")
    python = subprocess.run([installed / PREFIX / "bin" / "python", "-I", "-c", "import kiosk; print(kiosk.__file__)"],
                            capture_output=True, text=True)
    assert python.stdout.startswith(str(installed / PREFIX / "lib")), python.stderr  # the venv, not the system
    assert current_release(installed).startswith("0.1.0-")
    assert os.readlink(installed / "usr/local/bin/kiosk") == "/opt/feedback-kiosk/bin/kiosk"


def test_the_kiosk_is_installed_with_its_kiosk_extra(installed):
    python = installed / PREFIX / "bin" / "python"
    versions = subprocess.run([python, "-I", "-c", "from importlib.metadata import version; "
                               "print(version('textual'), version('tinydb'))"], capture_output=True, text=True)
    assert versions.stdout.startswith("8.2.8 "), versions.stderr


def test_no_module_is_left_to_compile_at_start(installed):
    """The unit makes the venv read-only: a missing .pyc would be compiled again at every start."""
    site_packages = next((installed / PREFIX / "current" / "lib").glob("python3.*/site-packages"))
    sources = list(site_packages.rglob("*.py"))
    assert len(sources) > 500  # the kiosk and its dependencies
    assert [source for source in sources if not Path(importlib.util.cache_from_source(source)).exists()] == []


def test_units_user_rules_and_the_config_template_are_in_place(installed):
    for name, source in UNITS.items():
        assert (installed / "usr/local/lib/systemd/system" / name).read_text() == source.read_text()
    assert (installed / "usr/local/lib/sysusers.d/feedback-kiosk.conf").read_text().count("u kiosk ") == 1
    # The template does not say allow_power = true: no rule lets the kiosk power the device off.
    assert not (installed / "etc/polkit-1/rules.d/50-feedback-kiosk.rules").exists()
    assert os.access(installed / PREFIX / "libexec/kiosk-terminal", os.X_OK)
    config = installed / "etc/feedback-kiosk"
    assert (config / "kiosk.toml").read_text() == (REPOSITORY / "docs/kiosk.example.toml").read_text()
    assert (config / "kiosk.toml").stat().st_mode & 0o777 == 0o640  # may hold a token: not for everyone
    assert {path.name for path in config.iterdir()} == {"kiosk.toml", "foot.ini", "xterm.resources"}
    assert (installed / "var/lib/feedback-kiosk").stat().st_mode & 0o777 == 0o700


def test_the_power_rule_follows_the_config(tmp_path, wheels):
    root = tmp_path / "root"
    config = root / "etc/feedback-kiosk/kiosk.toml"
    config.parent.mkdir(parents=True)
    allowing = 'data_dir = "data"\npublic_key = "provider-key.pub.pem"\n\n[staff]\nallow_power = true\n'
    config.write_text('[kiosk]\nid = "lobby-1"\nunit = "kalevi"\n' + allowing)
    install(root, wheels)  # keeps the admin's config
    rule = root / "etc/polkit-1/rules.d/50-feedback-kiosk.rules"
    assert rule.read_text() == RULE and rule.stat().st_mode & 0o777 == 0o644  # polkitd reads it

    config.write_text(config.read_text().replace("allow_power = true", "allow_power = false"))
    install(root, wheels)
    assert not rule.exists()
    # What the units run before each start, as root, does the same.
    result = subprocess.run([root / PREFIX / "bin" / "kiosk", "power-rule", "--config", config,
                             "--rules-dir", rule.parent], capture_output=True, text=True)
    assert (result.returncode, rule.exists()) == (0, False), result.stderr


def test_an_upgrade_keeps_the_previous_version_and_removes_older_ones(installed):
    releases = {path.name for path in (installed / PREFIX / "releases").iterdir()}
    assert releases == {current_release(installed), PREVIOUS}


def test_running_it_again_changes_nothing_and_keeps_the_admins_config(copy_of_installed, wheels):
    config = copy_of_installed / "etc/feedback-kiosk/kiosk.toml"
    config.write_text('[kiosk]\nid = "lobby-2"\n')
    before = current_release(copy_of_installed)
    result = install(copy_of_installed, wheels)
    assert "is installed already" in result.stderr
    assert "Kept " in result.stdout
    assert config.read_text() == '[kiosk]\nid = "lobby-2"\n'
    assert current_release(copy_of_installed) == before
    assert {path.name for path in (copy_of_installed / PREFIX / "releases").iterdir()} == {before, PREVIOUS}


def test_a_failed_upgrade_leaves_the_version_in_use(copy_of_installed, wheels, tmp_path):
    before = current_release(copy_of_installed)
    broken = tmp_path / "feedback_kiosk-9.9.9-py3-none-any.whl"
    broken.write_bytes(b"not a zip file")
    result = run(INSTALL, "--root", copy_of_installed, "--wheel", broken, "--find-links", wheels, check=False)
    assert result.returncode != 0
    assert "the kiosk in use is unchanged" in result.stderr
    assert current_release(copy_of_installed) == before
    assert not [path for path in (copy_of_installed / PREFIX / "releases").iterdir() if path.name.startswith("9.9.9")]


def test_a_mistaken_argument_is_one_line_and_nothing_is_installed(tmp_path):
    result = run(INSTALL, "--root", tmp_path, "--wheel", tmp_path / "kiosk.tar.gz", check=False)
    assert (result.returncode, result.stderr.strip().count("\n")) == (1, 0)
    assert "is not a wheel of the kiosk" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_uninstalling_keeps_the_config_and_the_queue(copy_of_installed):
    queue = copy_of_installed / "var/lib/feedback-kiosk/outbox/seg-00000001.json"
    queue.parent.mkdir()
    queue.write_text("{}")
    run(UNINSTALL, "--root", copy_of_installed)
    left = {str(path.relative_to(copy_of_installed)) for path in copy_of_installed.rglob("*") if path.is_file()}
    assert left == {"etc/feedback-kiosk/kiosk.toml", "etc/feedback-kiosk/foot.ini",
                    "etc/feedback-kiosk/xterm.resources", "var/lib/feedback-kiosk/outbox/seg-00000001.json"}


def test_purging_refuses_while_feedback_waits_unless_told_to_discard_it(copy_of_installed):
    queue = copy_of_installed / "var/lib/feedback-kiosk/outbox/seg-00000001.json"
    queue.parent.mkdir()
    queue.write_text("{}")
    result = run(UNINSTALL, "--root", copy_of_installed, "--purge", check=False)
    assert result.returncode == 1 and "unsent feedback waits" in result.stderr
    assert queue.exists() and (copy_of_installed / PREFIX).exists()  # nothing removed

    run(UNINSTALL, "--root", copy_of_installed, "--purge", "--discard-unsent")
    assert [path for path in copy_of_installed.rglob("*") if path.is_file() or path.is_symlink()] == []


@pytest.mark.parametrize("kept, shown", [
    ("quarantine/0b5c6a8e-52f4-4f4e-9d55-3e0a8f1d2c11.json", "feedback the receiver rejected is kept in"),
    ("outbox/corrupt/seg-00000003.json", "queue files the kiosk could not read are kept in"),
], ids=["quarantined", "corrupt"])
def test_purging_refuses_while_rejected_or_unreadable_feedback_is_kept(copy_of_installed, kept, shown):
    """Sealed feedback the provider has not got: kept aside by the kiosk, never deleted unasked."""
    path = copy_of_installed / "var/lib/feedback-kiosk" / kept
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    result = run(UNINSTALL, "--root", copy_of_installed, "--purge", check=False)
    assert result.returncode == 1 and shown in result.stderr
    assert path.exists() and (copy_of_installed / PREFIX).exists()  # nothing removed

    run(UNINSTALL, "--root", copy_of_installed, "--purge", "--discard-unsent")
    assert not path.exists()


def test_purging_an_empty_queue_removes_everything(copy_of_installed):
    run(UNINSTALL, "--root", copy_of_installed, "--purge")
    assert not (copy_of_installed / "var/lib/feedback-kiosk").exists()
    assert not (copy_of_installed / "etc/feedback-kiosk").exists()
