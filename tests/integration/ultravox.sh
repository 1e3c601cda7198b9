#!/usr/bin/env bash
# ultravox.sh: incoming calls as Ultravox takes them (seed 003), over UDP.
#   - per-agent regexes on the Request-URI user, checked in order, the first match
#     wins: the guide's own example ^15551234567$|^15557654321$ before a broader
#     ^1555, and the default pattern agent_{agent_id}; a user no regex takes, with no
#     catch-all agent (allowAllAgents off), is rejected: 404
#     (routing.sh covers routing by header and 404 in general)
#   - X- headers become context keys: X-Customer-Name: Bob -> "customer_name": "Bob",
#     a JSON value is JSON (an object, a number, true), anything else stays a string;
#     exactly these keys, beside voxgate's own
#   - the values Ultravox adds by itself: caller id, display name, from URI
#   - an offer of G.722, Opus, PCMU, PCMA: answered PCMA and telephone-event only
source "$(dirname "$0")/lib.sh"

conf_edit 'level = "info";' 'level = "debug";' \
	'delay_ms = 500; }' 'delay_ms = 500; },
    { id = "sales"; builtin = "echo"; delay_ms = 0; },
    { id = "support"; builtin = "echo"; delay_ms = 0; }' \
	'routes = (' 'routes = (
    { user = "^15551234567$|^15557654321$"; agent = "sales"; },
    { user = "^1555"; agent = "support"; },
    { user = "^agent_sales$"; agent = "sales"; },
    { user = "^agent_support$"; agent = "support"; },' \
	$'default_agent = "echo";\n' ''
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with per-agent routes"; exit 1; }

routed() { # routed USER AGENT: voxgate logged the call to USER as taken by AGENT
	grep -q "trunk 'local' to '$1' agent '$2'" "$tmp/voxgate.log"
}

check "a call to 15557654321 over UDP with G.722/Opus/PCMU/PCMA offered: 200 with PCMA and telephone-event" \
	sipp_caller "$top/tests/integration/sipp/uac_ultravox.xml" -s 15557654321
check "taken by the first route that matches (sales), not the broader ^1555 after it" \
	routed 15557654321 sales
echo "# context: $(ctx_json 1 | cut -c1-600)..."
check "X- headers as context keys, JSON values as JSON, others as strings, and no other keys" \
	ctx_has 1 '{k: v for k, v in c.items() if k not in ("call_id", "request_uri", "called", "to_number", "from_number", "from_display_name", "from_uri", "p_asserted_identity", "source_ip", "trunk", "headers", "errors")} == {"customer_name": "Bob", "complex_value": {"subkey": "value"}, "account_tier": "gold", "order_count": 42, "opted_in": True, "note": "42 apples", "crm_record_id": "00Q5e00000AbCdE"}'
check "caller id, display name and from URI, the called user, no errors" \
	ctx_has 1 'c["from_number"] == "+14155550100" and c["from_display_name"] == "Bob Smith" and c["from_uri"] == "sip:+14155550100@198.18.0.2:5070" and c["called"] == "15557654321" and c["errors"] == []'
check "a call to 15559990000 is answered" \
	sipp_caller "$top/tests/integration/sipp/uac_ultravox.xml" -s 15559990000
check "by the agent of the broader route (support)" routed 15559990000 support
check "a call to agent_support (the default pattern agent_{agent_id}) is answered" \
	sipp_caller "$top/tests/integration/sipp/uac_ultravox.xml" -s agent_support
check "by that agent" routed agent_support support
check "a call to agent_nobody, which no route takes and no default agent: 404 with a Warning" \
	sipp_caller "$top/tests/integration/sipp/uac_404.xml" -s agent_nobody
stats=$(vg_stats)
check "three calls answered and ended, the 404 counted, every slot free" \
	grep -q "invites 4 answered 3 ended 3 active 0; rejected 403 0 404 1 408 0 480 0 488 0 500 0 503 0; slots free 1024/1024" <<<"$stats"
check "voxgate stops cleanly" vg_stop
