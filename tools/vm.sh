#!/usr/bin/env bash
# vm.sh: run a command in a throwaway virtual machine with Debian 12's own kernel.
#
#   tools/vm.sh [--cpus N] [--timeout S] -- COMMAND...
#
# For what the kernel voxgate runs on here lacks: DPDK's net_tap takes rte_flow rules
# only with the kernel's multiq qdisc, tc flower and skbedit. The guest is QEMU,
# emulated (slow, but it boots anywhere), with Debian's linux-image, a small initramfs
# that loads the modules below, and this machine's root filesystem, read-only over
# virtio 9p, as its root, and the checkout at its own path (also under /tmp): the
# command sees the same binaries, libraries and checkout.
# /tmp, /run and /dev/shm are the guest's own (memory); nothing the guest writes
# reaches this machine, and the guest has no network card.
#
# Prints what the command prints (on the guest's serial console) and exits with its
# status: 124 when it ran out of time (--timeout, 900 s by default).
# The kernel package and the initramfs are kept in deps/vm and build/vm.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cpus=2
limit=900
while [ $# -gt 0 ]; do
	case "$1" in
	--cpus) cpus=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "usage: tools/vm.sh [--cpus N] [--timeout S] -- COMMAND..." >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: tools/vm.sh [--cpus N] [--timeout S] -- COMMAND..." >&2; exit 2; }

# The guest's modules: 9p for its root, and what net_tap, the tests' namespaces and
# their bridge use. Each is loaded with what it depends on (modules.dep).
modules=(virtio_pci 9pnet_virtio 9p tun veth bridge sch_multiq sch_ingress cls_flower
	cls_u32 cls_bpf act_gact act_mirred act_skbedit act_bpf)
dl="" share=""
trap 'rm -rf "$dl" "$share"' EXIT

"$top/tools/deps.sh" vm

# Debian's kernel image package (the one linux-image-amd64 points at), unpacked.
deps="$top/deps/vm"
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1
}
kpkg=$(kernel_pkg)
if [ -z "$kpkg" ]; then
	apt-get update -qq
	kpkg=$(kernel_pkg)
fi
[ -n "$kpkg" ] || { echo "vm: apt knows no linux-image-amd64" >&2; exit 1; }
kdir="$deps/$kpkg"
if [ ! -d "$kdir/boot" ]; then
	dl=$(mktemp -d /tmp/vgvm-dl.XXXXXX)
	chown _apt "$dl" 2>/dev/null || chmod 777 "$dl" # apt downloads as _apt
	rm -rf "$kdir" "$kdir.part"
	mkdir -p "$deps"
	(cd "$dl" && apt-get download "$kpkg" >/dev/null)
	dpkg-deb -x "$dl"/"$kpkg"_*.deb "$kdir.part"
	rm -rf "$dl"
	depmod -b "$kdir.part" "${kpkg#linux-image-}"
	mv "$kdir.part" "$kdir"
fi
kver=${kpkg#linux-image-}
kernel=$(ls "$kdir"/boot/vmlinuz-*)
moddir="$kdir/lib/modules/$kver"

# The initramfs: busybox, the modules in load order, /init.
vm="$top/build/vm"
initrd="$vm/initrd-$kver.cpio.gz"
if [ ! -s "$initrd" ] || [ "$0" -nt "$initrd" ]; then
	root="$vm/initrd"
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,host,modules}
	cp /bin/busybox "$root/bin/busybox"
	order=()
	add_module() { # add_module NAME: its dependencies first, then itself
		local path dep
		path=$(sed -n "s|^\([^:]*/$1\.ko[^:]*\):.*|\1|p" "$moddir/modules.dep" | head -1)
		[ -n "$path" ] || { echo "vm: no module $1 in $kpkg" >&2; exit 1; }
		for dep in $(sed -n "s|^$path: *||p" "$moddir/modules.dep"); do
			dep=$(basename "$dep"); add_module "${dep%%.ko*}"
		done
		for dep in "${order[@]}"; do [ "$dep" = "$1" ] && return 0; done
		order+=("$1")
		case "$path" in
		*.xz) xz -dc "$moddir/$path" >"$root/modules/$1.ko" ;;
		*) cp "$moddir/$path" "$root/modules/$1.ko" ;;
		esac
	}
	for m in "${modules[@]}"; do add_module "$m"; done
	printf '%s\n' "${order[@]}" >"$root/modules/order"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do
	insmod "/modules/$m.ko" || echo "vm: module $m did not load"
done
p9=trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose
if ! mount -t 9p -o $p9 host /host; then
	echo "vm: the host's root did not mount"
	echo "vm-exit 125"
	poweroff -f
fi
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/shm /host/dev/pts
mount -t tmpfs shm /host/dev/shm
mount -t devpts pts /host/dev/pts
ln -sf /proc/self/fd /host/dev/fd
ln -sf /proc/self/fd/0 /host/dev/stdin
ln -sf /proc/self/fd/1 /host/dev/stdout
ln -sf /proc/self/fd/2 /host/dev/stderr
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mount -t bpf bpf /host/sys/fs/bpf 2>/dev/null
mkdir -p /host/run/vm
mount -t 9p -o $p9 cmd /host/run/vm
# the checkout at its own path, also where the guest's /tmp hides the host's
top=$(cat /host/run/vm/top)
mkdir -p "/host$top" 2>/dev/null
mount -t 9p -o $p9 top "/host$top" ||
	echo "vm: the checkout $top did not mount"
echo "vm-begin"
chroot /host /bin/bash /run/vm/cmd </dev/null 2>&1
echo "vm-exit $?"
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.part"
	mv "$initrd.part" "$initrd"
	rm -rf "$root"
fi

# The command reaches the guest as a script in a 9p share of its own (/run/vm).
share=$(mktemp -d /tmp/vgvm.XXXXXX)
echo "$top" >"$share/top"
{
	printf 'cd %q || exit 125\nip link set lo up\n' "$PWD"
	printf '%q ' "$@"
	echo
} >"$share/cmd"

# Emulated (TCG): KVM here is nested, and a guest under it hung before its kernel's
# first line.
echo "# vm: $kpkg, $cpus CPUs, emulated" >&2
set +e
timeout -k 5 "$limit" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp "$cpus" \
	-m 4096 -nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$share",mount_tag=cmd,security_model=none,readonly=on \
	-virtfs local,path="$top",mount_tag=top,security_model=none,readonly=on,multidevs=remap \
	</dev/null >"$share/out" 2>&1
rc=$?
set -e
# the command's lines, or all (the boot's) when it never began
tr -d '\r' <"$share/out" >"$share/lines"
if grep -q 'vm-begin$' "$share/lines"; then
	sed -n '/vm-begin$/,/^vm-exit /{/vm-begin$/d;/^vm-exit /d;p}' "$share/lines"
else
	cat "$share/lines"
fi
if [ $rc -eq 124 ]; then
	exit 124
fi
st=$(sed -n 's/^vm-exit \([0-9]*\)$/\1/p' "$share/lines" | tail -1)
exit "${st:-125}"
