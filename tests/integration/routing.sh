#!/usr/bin/env bash
# routing.sh: which agent (bot) takes a call.
#   - routes in order, first match wins: by Request-URI user, or by a named header's
#     value (RingCX: "bot selection can also be based on a specific SIP header")
#   - no route and no default agent: 404 with a Warning
source "$(dirname "$0")/lib.sh"

conf_edit 'delay_ms = 500; }' $'delay_ms = 500; },\n    { id = "sales"; builtin = "echo"; delay_ms = 0; }' \
	'routes = (' $'routes = (\n    { header = "X-Bot"; match = "^sales$"; agent = "sales"; },' \
	$'default_agent = "echo";\n' ''
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with header routes"; exit 1; }

check "a call carrying X-Bot: sales is answered" \
	sipp_caller "$top/tests/integration/sipp/uac_context.xml" -s 7001
check "by the agent its header names" grep -q "to '7001' agent 'sales'" "$tmp/voxgate.log"
sed "s|@PCAPS@|/usr/share/sip-tester|g" "$top/tests/integration/sipp/uac_dtmf.xml" >"$tmp/dtmf.xml"
check "a call to echo goes by its Request-URI user" sipp_caller "$tmp/dtmf.xml" -s echo
grep -q "to 'echo' agent 'echo'" "$tmp/voxgate.log"
check "to the echo agent" test $? -eq 0
check "a call no route takes, with no default agent: 404 with a Warning" \
	sipp_caller "$top/tests/integration/sipp/uac_404.xml" -s 7001
check "voxgate stops cleanly" vg_stop
