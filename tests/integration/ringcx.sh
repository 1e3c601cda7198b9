#!/usr/bin/env bash
# ringcx.sh: a RingCentral RingCX IVA call (seed 000): the bot's updates go to the
# platform as in-dialog SIP INFO with a JSON body, the last with "final": true; then
# the platform sends BYE. TLS implies SRTP on this trunk; UDP takes plain RTP.
#   - over TLS (sip_tls.py: it listens nowhere but its own connection): RTP/SAVP
#     answered with SRTP; a built-in bot's final update arrives as an INFO on that
#     connection, JSON exact; the platform's BYE ends the call; CDR outcome success
#     with the final intent
#   - no BYE within the trunk's wait_bye_ms: voxgate sends it, and says so
#   - the final INFO refused (415): counted, the call goes on with the bot
#   - a plain RTP offer over TLS: 488 (srtp_tls = "required"); over UDP it is taken
#   - a WebSocket bot's update, then its final one, over UDP (sipp): two INFOs in
#     order; the same answered 415: the bot is told update_failed, twice
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
tls_certs
conf_edit "${tls_listener[@]}" \
	'{ name = "local"; allow = [ "198.18.0.0/16", "127.0.0.0/8" ]; codecs = [ "PCMA", "PCMU" ]; }' \
	'{ name = "ringcx"; allow = [ "198.18.0.0/16" ]; codecs = [ "PCMA", "PCMU" ];
      srtp = "optional"; srtp_tls = "required";
      end = { mode = "info_final"; wait_bye_ms = 3000; }; }' \
	'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$cdr\";" \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "iva"; builtin = "echo"; delay_ms = 0; end_after_ms = 1000;
      end_update = "{\"intent\":\"Technical Support\",\"ani\":\"+16058779330\"}"; },
    { id = "wsupd"; url = "ws://198.18.0.2:8782/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^iva$"; agent = "iva"; },
    { user = "^wsupd$"; agent = "wsupd"; }'

tls() { # tls STEP...: sip_tls.py over its own TLS connection; its output in $tmp/tls.out
	in_caller env SIP_TLS_INFO_LOG="$tmp/info.log" timeout 40 python3 \
		"$top/tests/integration/sip_tls.py" "$tmp/tls/cafile.pem" 198.18.0.1 5061 "$@" \
		>"$tmp/tls.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$tmp/tls.out"
	return $rc
}
final='{"intent": "Technical Support", "ani": "+16058779330", "final": true}'
cdr_x=$final

net_up
in_caller timeout 120 /usr/bin/python3 "$top/tests/integration/ws_bot.py" serve --port 8782 \
	--script updates --log "$tmp/bot-updates" 2>"$tmp/bot.err" &
bg_pids+=($!)
for _ in $(seq 50); do grep -q listen "$tmp/bot-updates" 2>/dev/null && break; sleep 0.1; done
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a RingCX trunk"; exit 1; }

# 1. The bot's final intent over TLS, then the platform's BYE.
check "TLS: RTP/SAVP answered, the final INFO on the caller's connection, the platform's BYE" \
	tls call-savp-to iva expect-info 10 200 bye
check "the answer is SRTP (RTP/SAVP with a=crypto)" grep -q "^m=audio [0-9]* RTP/SAVP" "$tmp/tls.out"
check "the INFO is application/json" grep -q "^info application/json " "$tmp/tls.out"
check "its body is the bot's payload with \"final\": true, exactly" \
	python3 -c 'import json, sys; sys.exit(json.loads(open(sys.argv[1]).readline()) != json.loads(sys.argv[2]))' \
	"$tmp/info.log" "$final"
sleep 0.5
check "its CDR: outcome success, the final intent delivered, SRTP, ended by the platform" \
	cdr_has 1 'r["outcome"] == "success" and r["final_intent"] == x and r["final_delivered"] and r["end"] == "caller_bye" and r["media"]["srtp"] == "AES_CM_128_HMAC_SHA1_80"'

# 2. The platform does not hang up.
check "TLS: no BYE from the platform within wait_bye_ms: nothing for 2 s, then voxgate's BYE" \
	tls call-savp-to iva expect-info 10 200 no-msg 2 wait-bye 5
check "voxgate logs the wait that ran out" \
	grep -q "no BYE from the platform within 3000 ms of the bot's end: BYE" "$tmp/voxgate.log"
sleep 0.5
check "its CDR: outcome success (the intent was taken), ended wait_bye_timeout" \
	cdr_has 2 'r["outcome"] == "success" and r["final_delivered"] and r["end"] == "wait_bye_timeout"'

# 3. The platform refuses the final INFO: the call goes on.
check "TLS: the final INFO answered 415: no BYE from voxgate, the platform's BYE later" \
	tls call-savp-to iva expect-info 10 415 no-msg 2 bye
check "voxgate logs the refusal" grep -q "final INFO answered 415: the bot is told, the call goes on" "$tmp/voxgate.log"
sleep 0.5
check "its CDR: the intent asked but not delivered; the platform hung up on the bot" \
	cdr_has 3 'r["final_intent"] == x and not r["final_delivered"] and r["outcome"] == "disconnected"'

# 4. TLS implies SRTP on this trunk; UDP does not.
tls call-to iva
check "TLS with a plain RTP/AVP offer: 488 (srtp_tls = \"required\")" grep -q "FAILED: SIP/2.0 488" "$tmp/tls.out"

# 5. A WebSocket bot's updates over UDP (plain RTP), sipp as the platform.
check "UDP: the bot's update and its final one as two INFOs, then the platform's BYE" \
	sipp_caller "$top/tests/integration/sipp/uac_info.xml" -s wsupd
python3 - "$tmp/sipp.msg" >"$tmp/infos.json" <<'PY'
import json, re, sys
for b in re.split(r"^-{20,}.*$", open(sys.argv[1]).read(), flags=re.M):
    lines = b.strip("\n").split("\n")
    if len(lines) > 2 and "message received" in lines[0] and lines[2].startswith("INFO "):
        print(json.dumps(json.loads(b.split("\n\n", 2)[-1].strip() or "null")))
PY
sed 's/^/# INFO body: /' "$tmp/infos.json"
check "the INFO bodies, in order: the update's payload, then the final one with \"final\": true" \
	python3 -c 'import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(got != [{"progress": "identified", "customer": {"tier": "gold"}},
                 {"intent": "Technical Support", "final": True}])' "$tmp/infos.json"
sed 's/SIP\/2.0 200 OK/SIP\/2.0 415 Unsupported Media Type/' \
	"$top/tests/integration/sipp/uac_info.xml" >"$tmp/info415.xml"
check "UDP: both INFOs answered 415: the call goes on until the platform's BYE" \
	sipp_caller "$tmp/info415.xml" -s wsupd
check "the bot was told update_failed (415, refused) for each" \
	test "$(grep -c '"got": {"event": "update_failed", .*"update": {"status": 415, "reason": "refused"}' "$tmp/bot-updates")" -eq 2

sleep 0.5
stats=$(vg_stats)
check "the counters: 7 INFOs, 3 refused; 1 wait that ran out; every slot free" \
	bash -c 'grep -q "infos 7 failed 3;" <<<"$1" && grep -q "wait_bye_timeouts 1;" <<<"$1" &&
		grep -q "active 0;.* slots free 1024/1024" <<<"$1"' _ "$stats"
check "voxgate stops cleanly" vg_stop
