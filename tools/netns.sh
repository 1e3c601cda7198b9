#!/usr/bin/env bash
# netns.sh: the two-namespace network that the default config expects.
#
#   tools/netns.sh up PREFIX     create PREFIX-gw and PREFIX-caller and their links
#   tools/netns.sh down PREFIX   delete them (and everything in them)
#
# PREFIX-gw holds voxgate: vgs0 198.18.0.1/24 for SIP on the kernel stack and vgm0,
# with no kernel address, for DPDK's net_af_packet. PREFIX-caller holds the caller:
# vgs1 198.18.0.2/24 and vgm1 198.18.1.2/24 (media towards voxgate's 198.18.1.1).
# 198.18.0.0/15 is the benchmarking range (RFC 2544); nothing leaves the namespaces.
set -euo pipefail

cmd=${1:?usage: netns.sh up|down PREFIX}
p=${2:?usage: netns.sh up|down PREFIX}
gw="$p-gw"
caller="$p-caller"

down() {
	ip netns del "$gw" 2>/dev/null || true
	ip netns del "$caller" 2>/dev/null || true
}

up() {
	down
	ip netns add "$gw"
	ip netns add "$caller"
	ip -n "$gw" link set lo up
	ip -n "$caller" link set lo up
	# Created straight inside the namespaces: the names never exist in the host's.
	ip link add vgs0 netns "$gw" type veth peer name vgs1 netns "$caller"
	ip link add vgm0 netns "$gw" type veth peer name vgm1 netns "$caller"
	ip -n "$gw" addr add 198.18.0.1/24 dev vgs0
	ip -n "$caller" addr add 198.18.0.2/24 dev vgs1
	ip -n "$caller" addr add 198.18.1.2/24 dev vgm1
	for dev in vgs0 vgm0; do ip -n "$gw" link set "$dev" up; done
	for dev in vgs1 vgm1; do ip -n "$caller" link set "$dev" up; done
	# The caller's kernel leaves UDP checksums to the NIC on veth; have it fill them
	# in, as a real NIC would, so voxgate sees finished packets.
	ip netns exec "$caller" ethtool -K vgm1 tx off >/dev/null 2>&1 || true
	# The media port is DPDK's: keep the kernel off it.
	ip netns exec "$gw" sysctl -qw net.ipv6.conf.vgm0.disable_ipv6=1 || true
}

case "$cmd" in
up) up ;;
down) down ;;
*) echo "usage: netns.sh up|down PREFIX" >&2; exit 2 ;;
esac
