#!/usr/bin/env bash
# exotel.sh: an Exotel vSIP call as the integration guide (seed 004) describes it: SIP
# over TCP to port 5070, the Exophone number as the Request-URI user, the caller in
# From and P-Asserted-Identity, PCMA preferred with telephone-event 96.
#   - the 200 answers PCMA and telephone-event 96 (0-16) from the media address
#   - the context the bot got holds the callee, the caller and the PAI
source "$(dirname "$0")/lib.sh"

conf_edit 'level = "info";' 'level = "debug";' \
	'{ transport = "tcp"; address = "198.18.0.1"; port = 5060; }' \
	'{ transport = "tcp"; address = "198.18.0.1"; port = 5060; },
    { transport = "tcp"; address = "198.18.0.1"; port = 5070; }'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a TCP listener on 5070"; exit 1; }
check "an Exotel-style call over TCP to 5070: 200 with PCMA and telephone-event 96 (0-16)" \
	bash -c 'cd "$1" && timeout 40 ip netns exec "$2" sipp -sf "$3" -s +918047112233 -t t1 \
		-i 198.18.0.2 -p 5075 -mi 198.18.1.2 -m 1 -nostdin -timeout 30 \
		198.18.0.1:5070 >"$1/sipp.out" 2>&1' _ "$tmp" "$caller_ns" \
	"$top/tests/integration/sipp/uac_exotel.xml"
echo "# context: $(ctx_json 1 | cut -c1-300)..."
check "the bot's context: the Exophone number called, the caller, the PAI, over TCP" \
	ctx_has 1 'c["called"] == "+918047112233" and c["to_number"] == "+918047112233" and
		c["from_number"] == "+919876543210" and c["errors"] == [] and
		c["p_asserted_identity"] == "<sip:+919876543210@exotel.example>"'
check "voxgate stops cleanly" vg_stop
