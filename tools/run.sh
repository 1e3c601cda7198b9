#!/usr/bin/env bash
# run.sh: install, build and start voxgate on the default config, in the foreground.
#
# voxgate runs in the network namespace vg-gw with its DPDK port on a veth; calls
# come from the namespace vg-caller (see tools/netns.sh). Nothing leaves those two
# namespaces. Prints "voxgate ready: <SIP URI> from netns vg-caller" once it accepts
# calls; Ctrl-C stops voxgate (calls get BYE) and removes the namespaces.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh run
tools/build.sh

prefix=vg
cleanup() {
	pkill -INT -f "^$top/build/voxgate --config" 2>/dev/null && sleep 1 || true
	tools/netns.sh down "$prefix"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
tools/netns.sh up "$prefix"

# The ready line names the first SIP listener and the default route's user.
# The reader ignores Ctrl-C so that it keeps reading while voxgate shuts down.
ip netns exec "$prefix-gw" "$top/build/voxgate" --config config/voxgate.conf 2>&1 |
{ trap '' INT; while IFS= read -r line; do
	printf '%s\n' "$line"
	case "$line" in
	*"listening on sip:"*) listen=${line##*listening on sip:}; listen=${listen%%;*} ;;
	*"voxgate accepting calls"*)
		echo "voxgate ready: sip:echo@${listen:-198.18.0.1:5060} from netns $prefix-caller"
		echo "  e.g.: ip netns exec $prefix-caller sipp -sn uac -s echo -m 1" \
			"-i 198.18.0.2 -mi 198.18.1.2 -rtp_echo ${listen:-198.18.0.1:5060}"
		;;
	esac
done; }
