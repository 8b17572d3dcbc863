#!/usr/bin/env bash
# Builds the rehearsal's node image: a Debian 12 host in a container (systemd as PID 1, sshd,
# cloud-init, Docker Engine) with every package the control plane and the workers install already
# in it, so that a booted node never needs the Debian mirror. This is the only step of the
# rehearsal that reaches the mirror (the one this machine's apt uses). Needs root, debootstrap,
# chroot and a Docker Engine.
#
#   infra/rehearsal/node-image.sh [IMAGE]        (default rgrid/node:debian12)
#
# Idempotent: the image carries the hash of this script as label rgrid.node.recipe; an image with
# the current hash is kept, any other is rebuilt. No JDK: servers get the runtime bundled with
# RGrid's distributions. Boot it as infra/README.md ("Rehearsal") shows.
set -euo pipefail

image="${1:-rgrid/node:debian12}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipe="$(sha256sum "$here/node-image.sh" | cut -c1-16)"

# Boot and access: systemd, sshd, cloud-init (locales: for its locale module, below).
base_packages=(systemd systemd-sysv dbus openssh-server cloud-init locales iproute2 iputils-ping
    procps sudo ca-certificates curl openssl)
# What the control plane and the workers install (the guide's step 2, infra/deploy_orchestrator.sh,
# infra/firewall.sh, infra/backup.sh, deploy/cloud-init/worker.yaml), and Debian's registry server.
grid_packages=(docker.io iptables postgresql-15 nginx docker-registry docker-compose ufw git
    python3 python3-venv python3-pip)

current="$(docker image inspect --format '{{ index .Config.Labels "rgrid.node.recipe" }}' "$image" 2>/dev/null || true)"
if [[ $current == "$recipe" ]]; then
    echo "node image $image is present (recipe $recipe)"
    exit 0
fi

mirror="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)"
if [[ -z $mirror ]]; then
    mirror="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n 1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

rootfs="$(mktemp -d /tmp/rgrid-node-rootfs.XXXXXX)"
log=/tmp/rgrid-node-image.log
cleanup() {
    umount "$rootfs/proc" 2>/dev/null || true
    rm -rf "$rootfs"
}
trap cleanup EXIT
fail() {
    echo "node image: $1 failed; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
}
started=$SECONDS
echo "building $image from $mirror (several minutes; log in $log)"
: >"$log"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >>"$log" 2>&1 || fail debootstrap

# No service starts inside the chroot; packages are only unpacked and configured.
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -q && apt-get install -y -q --no-install-recommends $(printf '%s ' "${base_packages[@]}" "${grid_packages[@]}")" \
    >>"$log" 2>&1 || fail "apt-get install"
# cloud-init's locale module sets LANG=en_US.UTF-8 and fails (cloud-config.service failed, `cloud-init
# status` error) unless that locale exists: generate it here, offline boots cannot.
sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' "$rootfs/etc/locale.gen"
chroot "$rootfs" locale-gen >>"$log" 2>&1 || fail locale-gen
umount "$rootfs/proc"
rm -f "$rootfs/usr/sbin/policy-rc.d"

# cloud-init reads only the NoCloud seed (/var/lib/cloud/seed/nocloud) and never probes a cloud's
# metadata address: booted nodes reach nothing outside the rehearsal's networks.
cat >"$rootfs/etc/cloud/cloud.cfg.d/90-rgrid-rehearsal.cfg" <<'EOF'
# RGrid rehearsal node (infra/rehearsal/node-image.sh): the hetzner-emulator writes a NoCloud seed.
datasource_list: [ NoCloud, None ]
# As on Hetzner's images: the SSH keys the server was created with log in as root.
disable_root: false
EOF
mkdir -p "$rootfs/var/lib/cloud/seed/nocloud"
# A container has no console to log in on, and no hardware clock or udev to wait for.
for unit in getty@tty1.service console-getty.service systemd-udevd.service systemd-udev-trigger.service \
    systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sfn /dev/null "$rootfs/etc/systemd/system/$unit"
done
# Each node gets its own machine id and SSH host keys at first boot, not the image's.
: >"$rootfs/etc/machine-id"
rm -f "$rootfs"/etc/ssh/ssh_host_*
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
cat >"$rootfs/etc/systemd/system/ssh.service.d/host-keys.conf" <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
EOF
# No package source: a booted node reaches no mirror, and cloud-init's package_update then succeeds
# with nothing to fetch while its `packages` (all preinstalled) are already at the newest version.
echo '# rehearsal node: every package is preinstalled (infra/rehearsal/node-image.sh)' >"$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

tar -C "$rootfs" -c . | docker import \
    --change 'CMD ["/sbin/init"]' \
    --change "LABEL rgrid.node.recipe=$recipe" \
    - "$image" >/dev/null
size="$(docker image inspect --format '{{.Size}}' "$image")"
echo "built $image in $((SECONDS - started)) s, $((size / 1024 / 1024)) MiB"
