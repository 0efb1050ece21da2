#!/bin/sh
# Installs Debian's Chromium for the browser end-to-end tests (tests/e2e). Playwright's own
# browser download cannot be used: CI starts from a fresh machine that reaches only the
# package registries, so the browser comes from Debian. Idempotent: does nothing once
# /usr/bin/chromium exists.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-browser.sh: installing chromium needs root or sudo" >&2
    exit 1
fi

echo "Installing Chromium from Debian's packages (for the browser tests)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# fonts-liberation gives metric-compatible Arial/Times/Courier, fonts-noto-color-emoji
# renders the emoji of messages: screenshots look the same on every machine.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-liberation fonts-noto-color-emoji >/dev/null
# (its wrapper script prints a harmless shell warning on some machines: hidden)
/usr/bin/chromium --version 2>/dev/null
