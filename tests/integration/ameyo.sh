#!/usr/bin/env bash
# ameyo.sh: an Ameyo PBX call as the integration guide (seed 001) describes it: SIP
# over UDP with no digest auth, the From display name "<DID>|<CRT Object ID>", the
# static X-Workspace-ID header, PCMU offered before PCMA. The trunk requires the
# header's value and splits the display name with its own extractor.
#   - the 200 answers PCMA alone: the trunk's preference, not the offer's order; an
#     offer of PCMU alone is answered PCMU (the trunk takes both)
#   - the context the bot got: did and crt_object_id, the workspace header, the
#     display name, caller and callee, no errors
#   - a display name not in the "<DID>|<CRT Object ID>" form: the call is answered
#     all the same, and the context's errors say why there is no did
source "$(dirname "$0")/lib.sh"

workspace="7c9e6679-7425-40de-944b-e07fc1f90ae7"
display="+918045671234|5f1e2d3c4b5a69788796a5b4"
conf_edit 'level = "info";' 'level = "debug";' \
	'{ name = "local"; allow = [ "198.18.0.0/16", "127.0.0.0/8" ]; codecs = [ "PCMA", "PCMU" ]; }' \
	'{ name = "ameyo"; allow = [ "198.18.0.2/32" ]; codecs = [ "PCMA", "PCMU" ];
      require = ( { header = "X-Workspace-ID"; value = "'"$workspace"'"; } );
      extract = ( { field = "from_display_name"; pattern = "^([+]?[0-9]+)[|]([0-9A-Za-z-]+)$";
                    keys = [ "did", "crt_object_id" ]; } ); }'

# ameyo_call DISPLAY OFFER ANSWER: one call of uac_ameyo.xml to extension 8001 with
# this display name and offer, expecting this format alone in the answer.
ameyo_call() {
	sed -e "s#@DISPLAY@#$1#g" -e "s#@OFFER@#$2#g" -e "s#@ANSWER@#$3#g" \
		"$top/tests/integration/sipp/uac_ameyo.xml" >"$tmp/ameyo.xml"
	sipp_caller "$tmp/ameyo.xml" -s 8001
}


net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with an Ameyo trunk"; exit 1; }

check "an Ameyo call over UDP offering PCMU then PCMA: 200 with PCMA alone (trunk's preference)" \
	ameyo_call "$display" "0 8" 8
check "it came in on the ameyo trunk and was answered PCMA" \
	grep -q "from 198.18.0.2 trunk 'ameyo' to '8001' agent 'echo': PCMA/8" "$tmp/voxgate.log"
echo "# context: $(ctx_json 1 | cut -c1-400)..."
check "the bot's context: did and crt_object_id split from the display name" \
	ctx_has 1 'c["did"] == "+918045671234" and c["crt_object_id"] == "5f1e2d3c4b5a69788796a5b4"'
check "the bot's context: the display name whole, caller, callee, trunk" \
	ctx_has 1 'c["from_display_name"] == "+918045671234|5f1e2d3c4b5a69788796a5b4" and c["from_number"] == "+919812345678" and c["called"] == "8001" and c["to_number"] == "8001" and c["trunk"] == "ameyo" and c["source_ip"] == "198.18.0.2"'
check "the bot's context: X-Workspace-ID as workspace_id and in the headers list" \
	ctx_has 1 'c["workspace_id"] == "'"$workspace"'" and {"name": "X-Workspace-ID", "value": "'"$workspace"'"} in c["headers"]'
check "the bot's context: no errors" ctx_has 1 'c["errors"] == []'

check "an offer of PCMU alone: 200 with PCMU (the trunk takes both)" \
	ameyo_call "$display" 0 0
check "a display name without DID|CRT: answered all the same" \
	ameyo_call "Ameyo Campaign 7" "0 8" 8
check "and its context says the extractor did not match, with no did or crt_object_id" \
	ctx_has 3 'c["from_display_name"] == "Ameyo Campaign 7" and c["errors"] == ["extractor: from_display_name does not match its pattern"] and "did" not in c and "crt_object_id" not in c'
stats=$(vg_stats)
check "three calls answered and ended, every slot free" \
	grep -q "invites 3 answered 3 ended 3 active 0; rejected 403 0 404 0 408 0 480 0 488 0 500 0 503 0; slots free 1024/1024" <<<"$stats"
check "voxgate stops cleanly" vg_stop
