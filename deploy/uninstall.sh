#!/usr/bin/env bash
# Remove the feedback kiosk that deploy/install.sh installed:
#
#   sudo deploy/uninstall.sh            # the software and the units; keeps the config and the queue
#   sudo deploy/uninstall.sh --purge    # also the config, the logs and the queue, if nothing waits in it
#   deploy/uninstall.sh --root DIR      # under DIR, without system changes (tests)
#
# The queue (/var/lib/feedback-kiosk) holds sealed feedback the provider may not have yet:
# --purge refuses while envelopes wait in it, or the receiver's rejected ones in quarantine/,
# or unreadable queue files in outbox/corrupt/, unless --discard-unsent is given too. Let the
# kiosk send them first, or give the provider a copy of the folder (`kiosk open` reads it).
# The kiosk user stays, as system users do: a reinstall uses it again.
set -euo pipefail

usage() {
    echo "usage: uninstall.sh [--purge [--discard-unsent]] [--root DIR]" >&2
    exit 2
}
fail() {
    echo "uninstall.sh: $*" >&2
    exit 1
}

root="" purge=no discard_unsent=no
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$(realpath -m "${2:?}"); shift 2 ;;
        --purge) purge=yes; shift ;;
        --discard-unsent) discard_unsent=yes; shift ;;
        -h | --help) usage ;;
        *) echo "uninstall.sh: unknown argument $1" >&2; usage ;;
    esac
done
[ "$discard_unsent" = no ] || [ "$purge" = yes ] || fail "--discard-unsent goes with --purge"

state_dir=$root/var/lib/feedback-kiosk
kept_dirs=("$root/etc/feedback-kiosk" "$state_dir" "$root/var/log/feedback-kiosk")
units=(feedback-kiosk.service feedback-kiosk-cage.service)
on_system() { [ -z "$root" ]; }

if on_system && [ "$(id -u)" -ne 0 ]; then fail "run me as root (sudo), or give --root DIR"; fi

# How many files in folder $1 match $2 (none if there is no such folder).
count_files() {
    if [ -d "$1" ]; then find "$1" -maxdepth 1 -type f -name "$2" | wc -l; else echo 0; fi
}
waiting=""  # what is kept, "; " between
# Add $2 (with %s for the count) to what is kept, if count $1 is not 0.
if_any() { [ "$1" -eq 0 ] || waiting="${waiting:+$waiting; }${2//%s/$1}"; }

if [ "$purge" = yes ] && [ "$discard_unsent" = no ]; then
    # Sealed feedback that is not the provider's yet: queued, rejected by the receiver
    # (quarantine/), or in queue files the kiosk could not read (outbox/corrupt/).
    if_any "$(count_files "$state_dir/outbox" 'seg-*.json')" "unsent feedback waits in $state_dir/outbox (%s queue files)"
    if_any "$(count_files "$state_dir/quarantine" '*.json')" \
        "feedback the receiver rejected is kept in $state_dir/quarantine (%s envelopes)"
    if_any "$(count_files "$state_dir/outbox/corrupt" '*')" \
        "queue files the kiosk could not read are kept in $state_dir/outbox/corrupt (%s files)"
    [ -z "$waiting" ] || fail "$waiting.
Let the kiosk send what waits (kiosk status shows it), or copy $state_dir for the
provider to look into (kiosk open reads the queue); then run me again, or add
--discard-unsent to delete it all."
fi

if on_system; then
    systemctl disable --now --quiet "${units[@]}" 2>/dev/null || true
fi
rm -rf "$root/opt/feedback-kiosk"
rm -f "$root/usr/local/bin/kiosk" \
    "$root/usr/local/lib/systemd/system/feedback-kiosk.service" \
    "$root/usr/local/lib/systemd/system/feedback-kiosk-cage.service" \
    "$root/usr/local/lib/sysusers.d/feedback-kiosk.conf" \
    "$root/etc/polkit-1/rules.d/50-feedback-kiosk.rules"
if on_system; then systemctl daemon-reload; fi
echo "Removed the kiosk's software and units."

if [ "$purge" = yes ]; then
    rm -rf "${kept_dirs[@]}"
    echo "Removed its config, queue and logs: ${kept_dirs[*]}"
else
    for dir in "${kept_dirs[@]}"; do
        if [ -d "$dir" ]; then echo "Kept $dir (--purge removes it)"; fi
    done
fi
