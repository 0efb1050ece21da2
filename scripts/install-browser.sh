#!/bin/sh
# Installs Debian's Chromium for the browser end-to-end tests (tests/e2e), and coturn for the
# call tests (tests/e2e/calls start their own turnserver on loopback). Playwright's own
# browser download cannot be used: CI starts from a fresh machine that reaches only the
# package registries, so the browser comes from Debian. Idempotent: does nothing once
# /usr/bin/chromium and /usr/bin/turnserver exist.
set -eu

PACKAGES=""
if [ ! -x /usr/bin/chromium ]; then
    # fonts-liberation gives metric-compatible Arial/Times/Courier, fonts-noto-color-emoji
    # renders the emoji of messages: screenshots look the same on every machine.
    PACKAGES="chromium fonts-liberation fonts-noto-color-emoji"
fi
if [ ! -x /usr/bin/turnserver ]; then
    PACKAGES="$PACKAGES coturn"
fi
if [ -z "$PACKAGES" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-browser.sh: installing $PACKAGES needs root or sudo" >&2
    exit 1
fi

echo "Installing$PACKAGES from Debian's packages (for the browser and call tests)..."
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # a list of package names
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $PACKAGES >/dev/null

case "$PACKAGES" in
*coturn*)
    # The tests start their own turnserver per run; Debian's system service (on
    # /etc/turnserver.conf, port 3478) must not run: disable it and stop it if it started.
    if command -v systemctl >/dev/null 2>&1; then
        $SUDO systemctl disable coturn >/dev/null 2>&1 || true
        if [ -d /run/systemd/system ]; then
            $SUDO systemctl stop coturn || true
        fi
    fi
    /usr/bin/turnserver --version 2>/dev/null || /usr/bin/turnserver -h 2>&1 | head -n 1
    ;;
esac
case "$PACKAGES" in
*chromium*)
    # (its wrapper script prints a harmless shell warning on some machines: hidden)
    /usr/bin/chromium --version 2>/dev/null
    ;;
esac
