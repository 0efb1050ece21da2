#!/bin/sh
# Installs Debian's Chromium for the browser end-to-end tests (tests/e2e), coturn for the
# call tests (tests/e2e/calls start their own turnserver on loopback), and nginx and Redis
# for the cluster tests (tests/cluster start their own nginx and redis-server on free ports,
# in front of several `shomik serve` processes), and podman, runc, debootstrap and
# catatonit for the image tests (tests/container build the Dockerfile FROM a Debian base
# that scripts/container-base.sh makes, then run it and deploy/compose.yaml; podman-compose
# comes from PyPI with the dev extras), and Janus for the SFU tests (tests/sfu start their
# own janus with the configuration `shomik janus-config` writes). Playwright's own browser download cannot be used: CI
# starts from a fresh machine that reaches only the package registries, so the browser comes
# from Debian. Idempotent: does nothing once /usr/bin/chromium, /usr/bin/turnserver,
# /usr/sbin/nginx, /usr/bin/redis-server, /usr/bin/podman, /usr/sbin/runc,
# /usr/sbin/debootstrap, /usr/bin/catatonit, /usr/bin/janus and podman's DNS for compose
# networks exist.
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
if [ ! -x /usr/sbin/nginx ]; then
    PACKAGES="$PACKAGES nginx"
fi
if [ ! -x /usr/bin/redis-server ]; then
    PACKAGES="$PACKAGES redis-server"
fi
if [ ! -x /usr/bin/podman ]; then
    PACKAGES="$PACKAGES podman"
fi
if [ ! -x /usr/sbin/runc ]; then
    # crun, podman's default, is refused in sandboxes without systemd (setrlimit, hybrid
    # cgroups): tests/container/containers.conf picks runc.
    PACKAGES="$PACKAGES runc"
fi
if [ ! -x /usr/sbin/debootstrap ]; then
    PACKAGES="$PACKAGES debootstrap"
fi
if [ ! -x /usr/bin/catatonit ]; then
    # `init: true` in deploy/compose.yaml: an init as PID 1 passes on the stop signal to
    # turnserver, which ignores it as PID 1 (a 10 s wait, then SIGKILL).
    PACKAGES="$PACKAGES catatonit"
fi
if [ ! -x /usr/bin/janus ]; then
    PACKAGES="$PACKAGES janus"
fi
# Names on a compose network (nginx reaching `shomik1`): the dnsname CNI plugin for
# Debian 12's podman 4 (CNI networking); aardvark-dns where podman uses netavark (Debian 13).
NEED_DNS=""
if [ ! -x /usr/lib/cni/dnsname ] && [ ! -x /usr/lib/podman/aardvark-dns ]; then
    NEED_DNS=1
fi
if [ -z "$PACKAGES" ] && [ -z "$NEED_DNS" ]; then
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

echo "Installing$PACKAGES from Debian's packages (for the browser, call, cluster and image tests)..."
$SUDO apt-get update -qq
if [ -n "$NEED_DNS" ]; then
    # (after the update: apt-cache knows nothing before it on a fresh machine)
    if apt-cache show golang-github-containernetworking-plugin-dnsname >/dev/null 2>&1; then
        PACKAGES="$PACKAGES golang-github-containernetworking-plugin-dnsname"
    else
        PACKAGES="$PACKAGES aardvark-dns"
    fi
fi
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
*nginx*)
    # The tests run their own nginx (their own configuration on free ports, a temporary
    # prefix): Debian's service, with its default site on port 80, must not run. Disabled,
    # stopped if it started, and the default site unlinked.
    if command -v systemctl >/dev/null 2>&1; then
        $SUDO systemctl disable nginx >/dev/null 2>&1 || true
        if [ -d /run/systemd/system ]; then
            $SUDO systemctl stop nginx || true
        fi
    fi
    if [ ! -d /run/systemd/system ] && [ -x /etc/init.d/nginx ]; then
        # Without systemd the package's init script starts it unless policy-rc.d says no.
        $SUDO /etc/init.d/nginx stop >/dev/null 2>&1 || true
    fi
    $SUDO rm -f /etc/nginx/sites-enabled/default
    /usr/sbin/nginx -v
    ;;
esac
case "$PACKAGES" in
*janus*)
    # The tests start their own janus on the project's configuration (never Debian's
    # /etc/janus, which listens everywhere and ships demo rooms): the system service must
    # not run.
    if command -v systemctl >/dev/null 2>&1; then
        $SUDO systemctl disable janus >/dev/null 2>&1 || true
        if [ -d /run/systemd/system ]; then
            $SUDO systemctl stop janus || true
        fi
    fi
    if [ ! -d /run/systemd/system ] && [ -x /etc/init.d/janus ]; then
        $SUDO /etc/init.d/janus stop >/dev/null 2>&1 || true
    fi
    /usr/bin/janus --version 2>/dev/null | head -n 1
    ;;
esac
case "$PACKAGES" in
*redis-server*)
    # The cluster tests start their own redis-server on a free port; Debian's service on
    # 6379, which `SHOMIK_REDIS_URL=redis://127.0.0.1:6379/0` and the benchmarks may use, is
    # left running.
    /usr/bin/redis-server --version
    ;;
esac
case "$PACKAGES" in
*podman*)
    /usr/bin/podman --version
    ;;
esac
case "$PACKAGES" in
*chromium*)
    # (its wrapper script prints a harmless shell warning on some machines: hidden)
    /usr/bin/chromium --version 2>/dev/null
    ;;
esac
