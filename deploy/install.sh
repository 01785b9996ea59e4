#!/usr/bin/env bash
# Install or upgrade the feedback kiosk on this machine, in one step (docs/raspberry-pi.md):
#
#   sudo deploy/install.sh                      # from this checkout (builds its wheel; needs the network)
#   sudo deploy/install.sh --wheel FILE --find-links DIR    # offline, e.g. from a USB stick
#   sudo deploy/install.sh --touch              # the touchscreen unit (cage) instead of the console one
#   deploy/install.sh --root DIR                # everything under DIR, no system changes (tests)
#   PYTHON=python3.12 deploy/install.sh         # another interpreter than python3 (3.11 or newer)
#
# The kiosk gets a virtual environment of its own for each version, in
# /opt/feedback-kiosk/releases/, with its bytecode compiled (the unit makes the folder
# read-only, and Python would otherwise compile everything at every start).
# /opt/feedback-kiosk/current points to the one in use; it is switched in one rename once
# the new one is complete, so a failed or interrupted upgrade leaves the old version
# running. The previous version is kept; older ones are removed.
#
# Running it again is harmless: the same wheel is not installed twice, and nothing in
# /etc/feedback-kiosk (config, keys) or /var/lib/feedback-kiosk (the queue) is ever
# overwritten. An upgraded kiosk converts its queue itself when it starts (kiosk/outbox.py).
set -euo pipefail

usage() {
    echo "usage: install.sh [--wheel FILE] [--find-links DIR] [--touch] [--root DIR]" >&2
    exit 2
}
fail() {
    echo "install.sh: $*" >&2
    exit 1
}

source_dir=$(cd "$(dirname "$0")/.." && pwd)
root="" wheel="" find_links="" touch=no
upgraded=no  # set when current/ moves to another version
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$(realpath -m "${2:?}"); shift 2 ;;
        --wheel) wheel=$(realpath -m "${2:?}"); shift 2 ;;
        --find-links) find_links=$(realpath -m "${2:?}"); shift 2 ;;
        --touch) touch=yes; shift ;;
        -h | --help) usage ;;
        *) echo "install.sh: unknown argument $1" >&2; usage ;;
    esac
done

prefix=$root/opt/feedback-kiosk
unit_dir=$root/usr/local/lib/systemd/system
config_dir=$root/etc/feedback-kiosk
state_dir=$root/var/lib/feedback-kiosk
units=(feedback-kiosk.service feedback-kiosk-cage.service)
python=${PYTHON:-python3}  # the interpreter of the kiosk's venv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Changes to the running system happen only without --root.
on_system() { [ -z "$root" ]; }

check_prerequisites() {
    if on_system && [ "$(id -u)" -ne 0 ]; then fail "run me as root (sudo), or give --root DIR"; fi
    command -v "$python" >/dev/null || fail "needs Python 3.11 or newer: apt install python3"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        fail "needs Python 3.11 or newer, found $("$python" --version)"
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        on_system && command -v apt-get >/dev/null || fail "needs Python's venv module: apt install python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    fi
    if [ -n "$wheel" ]; then
        case "$(basename "$wheel")" in
            feedback_kiosk-*.whl) [ -f "$wheel" ] || fail "no such wheel: $wheel" ;;
            *) fail "$wheel is not a wheel of the kiosk (feedback_kiosk-VERSION-...whl)" ;;
        esac
    fi
    if [ -n "$find_links" ] && [ ! -d "$find_links" ]; then fail "no such folder: $find_links"; fi
    if on_system; then install_system_packages; fi
    if [ "$touch" = yes ] && on_system; then install_touch_packages; fi
}

# What the kiosk uses from Debian: espeak-ng reads screens aloud, Voikko knows where a
# Finnish word may be broken. Without them the kiosk still runs (no speech; long Finnish
# words cut as they come), so a failed install is said, not fatal.
SYSTEM_PACKAGES=(espeak-ng libvoikko1 voikko-fi)

install_system_packages() {
    local missing=() package
    for package in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "Installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" ||
        echo "install.sh: could not install ${missing[*]}: the kiosk runs without them (no speech, no Finnish hyphenation)" >&2
}

install_touch_packages() {
    local missing=()
    command -v cage >/dev/null || missing+=(cage)
    command -v Xwayland >/dev/null || missing+=(xwayland)
    command -v xterm >/dev/null || missing+=(xterm)
    command -v seatd >/dev/null || missing+=(seatd)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing ${missing[*]} for the touchscreen"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" fonts-dejavu-core ||
            fail "could not install ${missing[*]}: install them, then run me again"
    fi
    systemctl enable --now --quiet seatd.service  # hands cage the screen and the touch panel
}

# The wheel built from this checkout. SOURCE_DATE_EPOCH makes the build reproducible, so
# that installing the same checkout again finds its release already there.
build_wheel() {
    echo "Building the kiosk's wheel from $source_dir"
    "$python" -m venv "$work/build"
    SOURCE_DATE_EPOCH=315532800 "$work/build/bin/python" -m pip wheel --quiet --disable-pip-version-check \
        --no-deps --wheel-dir "$work/wheel" "$source_dir"
    wheel=$(echo "$work"/wheel/feedback_kiosk-*.whl)
}

# A complete virtual environment for this wheel in releases/; echoes its name.
install_release() {
    local version digest name release
    version=$(basename "$wheel" | cut -d- -f2)
    digest=$(sha256sum "$wheel" | cut -c1-12)
    name=$version-$digest
    release=$prefix/releases/$name
    if [ -f "$release/.complete" ]; then
        echo "Version $version ($digest) is installed already" >&2
    else
        echo "Installing version $version ($digest) in $release" >&2
        rm -rf "$release"
        mkdir -p "$prefix/releases"
        make_release "$release" >&2 || {
            rm -rf "$release"
            fail "could not install $wheel (see above); the kiosk in use is unchanged"
        }
    fi
    echo "$name"
}

# The wheel with its `kiosk` extra: the app's own dependencies (Textual, tinydb, httpx), which a
# provider's server installing `feedback-kiosk[receiver]` goes without.
make_release() {
    local release=$1
    local pip=("$release/bin/python" -m pip install --quiet --disable-pip-version-check)
    [ -z "$find_links" ] || pip+=(--no-index --find-links "$find_links")
    "$python" -m venv "$release" &&
        "${pip[@]}" "$wheel[kiosk]" &&
        "$release/bin/python" -m compileall -q -j 0 "$release/lib" &&
        touch "$release/.complete"
}

# Point current/ at the new release in one rename; keep the previous one, drop the rest.
# bin, lib and pyvenv.cfg lead into current/, so that /opt/feedback-kiosk is itself the
# venv in use (its bin/python too, for an admin's `python -m pip list`).
switch_to() {
    local name=$1 previous="" link
    [ -L "$prefix/current" ] && previous=$(basename "$(readlink "$prefix/current")")
    ln -sfn "releases/$name" "$prefix/current.new"
    mv -T "$prefix/current.new" "$prefix/current"
    for link in bin lib pyvenv.cfg; do
        [ -L "$prefix/$link" ] || ln -s "current/$link" "$prefix/$link"
    done
    mkdir -p "$root/usr/local/bin"
    ln -sfn /opt/feedback-kiosk/bin/kiosk "$root/usr/local/bin/kiosk"
    [ "$name" != "$previous" ] || return 0
    upgraded=yes
    local old
    for old in "$prefix"/releases/*; do
        case "$(basename "$old")" in
            "$name" | "$previous") ;;
            *) echo "Removing the old version $(basename "$old")"; rm -rf "$old" ;;
        esac
    done
}

install_system_files() {
    install -D -m 0644 "$source_dir/kiosk.service" "$unit_dir/feedback-kiosk.service"
    install -D -m 0644 "$source_dir/deploy/feedback-kiosk-cage.service" "$unit_dir/feedback-kiosk-cage.service"
    install -D -m 0755 "$source_dir/deploy/cage/kiosk-terminal" "$prefix/libexec/kiosk-terminal"
    install -D -m 0644 "$source_dir/deploy/sysusers.d/feedback-kiosk.conf" \
        "$root/usr/local/lib/sysusers.d/feedback-kiosk.conf"
    if on_system; then systemd-sysusers "$root/usr/local/lib/sysusers.d/feedback-kiosk.conf"; fi
}

# Copy a config file into /etc/feedback-kiosk unless it is there: it is the admin's.
install_config() {
    local from=$1 name=$2 mode=$3
    if [ -e "$config_dir/$name" ]; then
        echo "Kept $config_dir/$name"
        return
    fi
    install -m "$mode" "$from" "$config_dir/$name"
    if on_system; then chgrp kiosk "$config_dir/$name"; fi
    echo "Wrote $config_dir/$name"
}

install_configs_and_folders() {
    install -d -m 0750 "$config_dir"
    install -d -m 0700 "$state_dir"
    if on_system; then
        chgrp kiosk "$config_dir"
        chown kiosk:kiosk "$state_dir"
    fi
    install_config "$source_dir/docs/kiosk.example.toml" kiosk.toml 0640
    install_config "$source_dir/deploy/cage/foot.ini" foot.ini 0644
    install_config "$source_dir/deploy/cage/xterm.resources" xterm.resources 0644
}

# The polkit rule for the staff panel's power buttons, there only while the config says
# allow_power = true (kiosk/power_rule.py); the units do the same before each start. A config
# not yet filled in allows nothing, and says nothing here.
apply_power_rule() {
    "$prefix/bin/kiosk" power-rule --config "$config_dir/kiosk.toml" \
        --rules-dir "$root/etc/polkit-1/rules.d" 2>/dev/null ||
        echo "No power buttons yet: the kiosk allows them when it starts, if its config says allow_power = true"
}

enable_units() {
    systemctl daemon-reload
    if [ "$touch" = yes ]; then
        systemctl disable --quiet feedback-kiosk.service
        systemctl enable --quiet feedback-kiosk-cage.service
    elif ! systemctl is-enabled --quiet feedback-kiosk-cage.service; then
        systemctl enable --quiet feedback-kiosk.service
    fi
    # A running kiosk is restarted into a new version (a visit in progress is lost).
    if [ "$upgraded" = yes ]; then systemctl try-restart "${units[@]}"; fi
}

check_prerequisites
[ -n "$wheel" ] || build_wheel
release=$(install_release)
switch_to "$release"
install_system_files
install_configs_and_folders
apply_power_rule
if on_system; then
    enable_units
    echo "The kiosk $release is installed and starts at boot. To set it up, see docs/raspberry-pi.md:"
    echo "edit $config_dir/kiosk.toml, then start it (systemctl start feedback-kiosk, or feedback-kiosk-cage)."
else
    echo "The kiosk $release is installed under $root (no system changes made)."
fi
