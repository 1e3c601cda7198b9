#!/usr/bin/env bash
# nat_sip.sh: a platform behind NAT (seed 004) on the SIP side.
#   - a request whose Via names a private address with ;rport (RFC 3581) is answered
#     to the address and port it really came from, with received= and rport= filled
#   - a call whose Via and Contact name an address voxgate cannot reach: answered,
#     and voxgate's own BYE (when it stops) reaches the caller at the address its
#     INVITE came from, not at the Contact
source "$(dirname "$0")/lib.sh"

net_up
vg_start || { not_ok "voxgate starts"; exit 1; }

out=$(in_caller python3 "$top/tests/integration/sip_probe.py" 198.18.0.2 198.18.0.1 5060 \
	udp OPTIONS 2 10.20.30.40:5999)
echo "# $(tr '\n' ' ' <<<"$out")"
check "OPTIONS with Via 10.20.30.40:5999;rport from 198.18.0.2: 200 back to the real \
source, Via with received=198.18.0.2 and the source port (also in the branch) as rport" \
	bash -c 'grep -qx "status 200" <<<"$1" && grep -Eq \
		"^via SIP/2.0/UDP 10.20.30.40:5999;rport=([0-9]+);branch=z9hG4bK-probe-\1;received=198.18.0.2$" \
		<<<"$1"' _ "$out"

# The caller's Via and Contact name 10.20.30.40:5999, where nothing is.
sed -e 's|Via: SIP/2.0/\[transport\] \[local_ip\]:\[local_port\];branch|Via: SIP/2.0/[transport] 10.20.30.40:5999;rport;branch|' \
	-e 's|Contact: <sip:+15550002@\[local_ip\]:\[local_port\]>|Contact: <sip:+15550002@10.20.30.40:5999>|' \
	"$top/tests/integration/sipp/uac_wait_bye.xml" >"$tmp/nat_bye.xml"
check "a call whose Via and Contact name a private address is answered" \
	bye_call_start echo "$tmp/nat_bye.xml"
check "voxgate stops cleanly, with the call up" vg_stop
wait "$bye_pid"
check "its BYE reached the caller at the address the INVITE came from, and the 200 was \
taken" test $? -eq 0
