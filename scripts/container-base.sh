#!/bin/sh
# Makes a minimal Debian 13 (trixie) image, localhost/debian-trixie:base by default, for
# machines that reach Debian's package mirror but no container image registry: the image
# tests (tests/container) build the Dockerfile FROM it instead of the public
# debian:trixie-slim. debootstrap from the mirror apt already uses here (read from
# /etc/apt/sources.list.d/ or /etc/apt/sources.list, never written into the repository),
# then `podman import`. Idempotent: does nothing once the image exists. Needs root
# (debootstrap) and podman, debootstrap (scripts/install-browser.sh installs them).
#
#   sh scripts/container-base.sh [IMAGE [SUITE]]
#
# SUITE: trixie by default; bookworm for the Dockerfile's `janus` stage (JANUS_BASE), as
# Debian 13 has no Janus package.
set -eu

IMAGE="${1:-localhost/debian-trixie:base}"
SUITE="${2:-trixie}"

# Two test runs starting together on a fresh machine make it once.
exec 9>"${TMPDIR:-/tmp}/shomik-container-base.lock"
flock 9
if podman image exists "$IMAGE"; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "container-base.sh: debootstrap needs root" >&2
    exit 1
fi

# The first Debian archive apt is configured with (not debian-security): deb822 `URIs:`
# lines first, then one-line `deb URL ...` entries.
mirror() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
    done
}
MIRROR="$(mirror | grep -E '/debian/?$' | head -n 1)"
if [ -z "$MIRROR" ]; then
    echo "container-base.sh: no Debian mirror found in /etc/apt/sources.list{,.d}" >&2
    exit 1
fi

ROOTFS="$(mktemp -d /tmp/shomik-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
echo "Making $IMAGE: debootstrap $SUITE from $MIRROR..."
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
    tail -n 30 "$ROOTFS.log" >&2
    rm -f "$ROOTFS.log"
    exit 1
}
rm -f "$ROOTFS.log"
# As debian:trixie-slim: no documentation or man pages from later installs, no apt lists or
# caches left in the layer.
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*
tar -C "$ROOTFS" -c . | podman import --quiet --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
echo "Made $IMAGE"
