#!/usr/bin/env bash
# Builds the local base image that workers run scripts in when no registry is reachable:
# Debian bookworm (minbase) with python3 and pip, imported into the local Docker Engine.
# Idempotent: does nothing when the image exists. Needs root, debootstrap and a Docker Engine.
#
#   infra/build-base-image.sh [IMAGE]        (default rgrid/python:3.11-local)
set -euo pipefail

image="${1:-rgrid/python:3.11-local}"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image is present"
  exit 0
fi

# The Debian mirror this machine's apt already uses (deb822 .sources files or a classic list).
mirror="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)"
if [ -z "$mirror" ]; then
  mirror="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n 1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

rootfs="$(mktemp -d /tmp/rgrid-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "building $image from $mirror (about two minutes)"
debootstrap --variant=minbase --include=python3,python3-pip bookworm "$rootfs" "$mirror" >/tmp/rgrid-debootstrap.log 2>&1 || {
  echo "debootstrap failed; last lines of /tmp/rgrid-debootstrap.log:" >&2
  tail -n 20 /tmp/rgrid-debootstrap.log >&2
  exit 1
}
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import --change 'ENV PYTHONUNBUFFERED=1' - "$image" >/dev/null
echo "built $image"
