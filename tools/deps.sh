#!/usr/bin/env bash
# deps.sh: install the Debian 12 packages voxgate needs, if any is missing.
#
#   tools/deps.sh run    to build and run voxgate
#   tools/deps.sh test   the same, plus what the tests drive it with
#   tools/deps.sh bench  the same, plus the peer the benchmarks measure (rtpengine)
#   tools/deps.sh vm     only what tools/vm.sh boots its guest with
set -euo pipefail

run_pkgs=(build-essential meson ninja-build pkg-config libdpdk-dev libnuma-dev libwebsockets-dev
	libwebsockets-evlib-ev libev-dev libspeexdsp-dev
	libsofia-sip-ua-dev libsrtp2-dev libconfig-dev libjemalloc-dev libjansson-dev
	libcurl4-openssl-dev libxml2-dev libsystemd-dev libpcap-dev
	iproute2 ethtool procps)
vm_pkgs=(qemu-system-x86 busybox-static cpio xz-utils kmod)
test_pkgs=(libcmocka-dev sip-tester baresip-core kamailio tcpdump python3 python3-websockets iputils-ping openssl
	curl prometheus tshark
	"${vm_pkgs[@]}")

pkgs=("${run_pkgs[@]}")
[ "${1:-run}" = vm ] && pkgs=("${vm_pkgs[@]}")
[ "${1:-run}" = test ] && pkgs+=("${test_pkgs[@]}")
[ "${1:-run}" = bench ] && pkgs+=("${test_pkgs[@]}" rtpengine-daemon util-linux)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: run as root to install packages" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
