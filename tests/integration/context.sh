#!/usr/bin/env bash
# context.sh: the call context the bot receives, built from a real INVITE.
#
# sipp sends an INVITE shaped like Ameyo's (display name "<DID>|<CRT Object ID>",
# X-Workspace-ID), with Ultravox-style X- headers (one a JSON value) and a
# P-Asserted-Identity, over TCP; the trunk has an extractor for the display name.
# The echo bot logs the context it was given (at debug level); the JSON is checked
# key by key.
source "$(dirname "$0")/lib.sh"

conf_edit 'level = "info";' 'level = "debug";' \
	'codecs = [ "PCMA", "PCMU" ]; }' $'codecs = [ "PCMA", "PCMU" ];\n      extract = ( { field = "from_display_name"; pattern = "^([0-9]+)[|](.+)$"; keys = [ "did", "crt_object_id" ]; } ); }'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with an extractor"; exit 1; }
check "an Ameyo/Ultravox-style call over TCP is answered and ended" \
	sipp_caller "$top/tests/integration/sipp/uac_context.xml" -s 7001 -t t1
ctx_json 1 >"$tmp/ctx.json"
echo "# context: $(cut -c1-400 "$tmp/ctx.json")..."
check "the bot got one JSON document for the call" ctx_has 1 'isinstance(c, dict)'
check "callee, caller number, display name, From URI, source, trunk" \
	ctx_has 1 'c["called"] == "7001" and c["from_number"] == "+15550006" and c["from_display_name"] == "00919990152080|d444-69139d35-vce-daf-3883" and c["from_uri"].startswith("sip:+15550006@198.18.0.2") and c["source_ip"] == "198.18.0.2" and c["trunk"] == "local"'
check "Ameyo: did and crt_object_id split from the display name by the trunk's extractor" \
	ctx_has 1 'c["did"] == "00919990152080" and c["crt_object_id"] == "d444-69139d35-vce-daf-3883"'
check "X- headers as snake_case keys, a JSON value as JSON" \
	ctx_has 1 'c["customer_name"] == "Bob" and c["complex_value"] == {"subkey": "value"} and c["workspace_id"] == "2b37ba17-7b20-4b3e-b138-1161e351d5c5"'
check "P-Asserted-Identity, and every header in order with names as sent" \
	ctx_has 1 'c["p_asserted_identity"] == "<sip:+918888888888@pstn.example>" and [h["name"] for h in c["headers"]][:2] == ["Via", "From"] and "X-Complex-Value" in [h["name"] for h in c["headers"]]'
check "no errors" ctx_has 1 'c["errors"] == []'
check "voxgate stops cleanly" vg_stop
