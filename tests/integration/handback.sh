#!/usr/bin/env bash
# handback.sh: the Ameyo hand-back (seed 001): when the bot is done, voxgate POSTs the
# trunk's JSON template to the platform's REST API and waits for the PBX's BYE
# instead of sending one. http_sink.py plays the REST API, sipp the PBX.
#   - a bot's final update: the POST carries uniqueId (the CRT object id from the
#     From display name), the fixed fields and the bot's key/values as properties,
#     with the configured Authorization, Host and policy-name headers, exactly; no
#     BYE from voxgate, the PBX's BYE ends the call; CDR outcome success, hand-back
#     200; the token and the URL's query string never appear in the log
#   - a bot that hangs up without an update: the POST with empty properties; the PBX
#     never hangs up: voxgate's BYE after wait_bye_ms
#   - the REST API answers 500: three attempts (the first and two retries), then
#     voxgate's BYE; CDR outcome failed, hand-back 500
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
body='{"notificationId": "95", "uniqueId": "${ctx.crt_object_id}", "callResponse": true, "sessionId": "na", "properties": "${bot}"}'
conf_edit '{ name = "local"; allow = [ "198.18.0.0/16", "127.0.0.0/8" ]; codecs = [ "PCMA", "PCMU" ]; }' \
	'{ name = "ameyo"; allow = [ "198.18.0.0/16" ]; codecs = [ "PCMA", "PCMU" ];
      extract = ( { field = "from_display_name"; pattern = "^([+]?[0-9]+)[|]([0-9A-Za-z-]+)$";
                    keys = [ "did", "crt_object_id" ]; } );
      end = { mode = "http_notify"; wait_bye_ms = 4000;
              http = { url = "http://198.18.0.2:8090/ameyorestapi/voice/sendAgentResponseForCallNotification?key=q-s3cret";
                       headers = [ "Authorization: tok-s3cret", "Host: tenant.ameyo.example", "policy-name: token" ];
                       body = "'"${body//\"/\\\"}"'";
                       timeout_ms = 1000; retries = 2; }; }; }' \
	'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$cdr\";" \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "done"; builtin = "echo"; delay_ms = 0; end_after_ms = 1500;
      end_update = "{\"disposition\":\"interested\",\"campaign\":\"diwali\"}"; },
    { id = "quits"; builtin = "echo"; delay_ms = 0; end_after_ms = 1000; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^8001$"; agent = "done"; },
    { user = "^8002$"; agent = "quits"; }'

sink() { # sink PORT STATUS: the platform's REST API in the caller namespace
	in_caller timeout 120 python3 "$top/tests/integration/http_sink.py" --addr 198.18.0.2 \
		--port "$1" --log "$tmp/posts-$1.jsonl" --status "$2" >"$tmp/sink-$1.out" 2>&1 &
	bg_pids+=($!)
	for _ in $(seq 50); do grep -q listening "$tmp/sink-$1.out" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
post_has() { # post_has PORT N EXPR: the Nth request the sink got makes EXPR (on p,
	# its body as b) true
	python3 - "$tmp/posts-$1.jsonl" "$2" "$3" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
p = json.loads(lines[int(sys.argv[2]) - 1]) if len(lines) >= int(sys.argv[2]) else {}
b = json.loads(p["body"]) if p.get("body") else None
ok = eval(sys.argv[3])
if not ok:
    print("# request:", json.dumps(p))
sys.exit(0 if ok else 1)
PY
}

net_up
sink 8090 200 || { not_ok "the REST API listens"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with an http_notify trunk"; exit 1; }

# 1. The bot's final update, then the PBX hangs up 4 s into the call.
check "an Ameyo call whose bot ends with a final update: no BYE from voxgate, the PBX's BYE" \
	sipp_caller "$top/tests/integration/sipp/uac_pause_bye.xml" -s 8001 -d 4000
check "one POST to the configured path, query string kept" \
	post_has 8090 1 'p["method"] == "POST" and p["path"] == "/ameyorestapi/voice/sendAgentResponseForCallNotification?key=q-s3cret"'
check "its JSON: uniqueId the CRT object id, the fixed fields, the bot's properties" \
	post_has 8090 1 'b == {"notificationId": "95", "uniqueId": "5f1e2d3c4b5a69788796a5b4", "callResponse": True, "sessionId": "na", "properties": {"disposition": "interested", "campaign": "diwali"}}'
check "its headers: Authorization, Host, policy-name, Content-Type: application/json" \
	post_has 8090 1 'p["headers"]["Authorization"] == "tok-s3cret" and p["headers"]["Host"] == "tenant.ameyo.example" and p["headers"]["policy-name"] == "token" and p["headers"]["Content-Type"] == "application/json"'
sleep 0.5
check "its CDR: outcome success, hand-back 200, ended by the PBX" \
	cdr_has 1 'r["outcome"] == "success" and r["handback"] == {"status": 200} and r["end"] == "caller_bye" and r["final_intent"] == {"disposition": "interested", "campaign": "diwali", "final": True}'

# 2. A bot that hangs up without an update; the PBX never hangs up.
check "a bot that hangs up, the PBX silent: voxgate's BYE after wait_bye_ms" \
	bye_call_start 8002
wait "$bye_pid"
rc=$?
byed=$(date +%s.%N)
posted=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[1])["t"])' "$tmp/posts-8090.jsonl" 2>/dev/null || echo 0)
check "the BYE came 4 s after the POST ($(awk -v a="$posted" -v b="$byed" 'BEGIN { printf "%.1f", b - a }') s), answered" \
	awk -v rc=$rc -v a="$posted" -v b="$byed" 'BEGIN { exit !(rc == 0 && b - a >= 3.9 && b - a < 6) }'
check "the POST's properties: empty (the bot sent none); uniqueId null (no display name)" \
	post_has 8090 2 'b["properties"] == {} and b["uniqueId"] is None'
sleep 0.5
check "its CDR: outcome success, hand-back 200, ended wait_bye_timeout" \
	cdr_has 2 'r["outcome"] == "success" and r["handback"] == {"status": 200} and r["end"] == "wait_bye_timeout"'
check "neither the token nor the URL's query string is in the log" \
	bash -c '! grep -q "s3cret" "$1"' _ "$tmp/voxgate.log"

# 3. The REST API fails.
vg_stop
sink 8091 500 || { not_ok "the failing REST API listens"; exit 1; }
sed -i 's/198.18.0.2:8090/198.18.0.2:8091/' "$tmp/voxgate.conf"
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts again"; exit 1; }
check "the REST API answers 500: voxgate's BYE once the attempts are over" \
	bye_call_start 8001
wait "$bye_pid"
check "... answered" test $? -eq 0
check "three attempts: the first and two retries" \
	test "$(wc -l <"$tmp/posts-8091.jsonl")" -eq 3
check "voxgate logs the failure" grep -q "the hand-back failed (answered 500 after 3 attempt(s)): BYE" "$tmp/voxgate.log"
sleep 0.5
check "its CDR: outcome failed, hand-back 500, ended handback_failed" \
	cdr_has 3 'r["outcome"] == "failed" and r["handback"] == {"status": 500} and r["end"] == "handback_failed"'
stats=$(vg_stats)
check "counted: one hand-back, failed; every slot free" \
	bash -c 'grep -q "handbacks 1 failed 1;" <<<"$1" && grep -q "active 0;.* slots free 1024/1024" <<<"$1"' _ "$stats"
check "voxgate stops cleanly" vg_stop
