#!/usr/bin/env bash
# originate.sh: calls voxgate places (Ultravox's outgoing calls with trunk
# credentials, seed 003) through the Twilio-shaped API, with sipp as the carrier's
# callee and a WebSocket bot that echoes.
#   - POST .../Calls.json with To, From, TwiML <Connect><Stream url> (naming the
#     agent) with a <Parameter>, StatusCallback: 201 with the call's sid, queued
#   - the INVITE goes to the endpoint's proxy with voxgate's offer, the endpoint's
#     header and P-Asserted-Identity; the 401 challenge is answered with the
#     endpoint's credentials (checked by sipp)
#   - ringing, in-progress and completed POSTed to the StatusCallback as Twilio
#     sends them; the bot's start names the call, its numbers and the parameter
#   - the callee's audio comes back through the bot intact
#   - a busy callee (its agent named agent:<id>): "busy" to the StatusCallback, the CDR says so; the answered
#     call's CDR billed from its INVITE (seed 003), the stats count both
#   - a callee that only rings: CANCEL after the request's Timeout, "no-answer"
#   - To as a SIP URI, called as given
#   - bad requests: no To, a Stream url no agent has
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "dialer"; url = "ws://198.18.0.2:8790/twilio"; }' \
	'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$cdr\";
  outbound = (
    { name = \"carrier\"; proxy = \"sip:198.18.0.2:5090\"; user = \"voxgate\";
      password = \"c4rrier\"; pai = true; headers = [ \"X-Account: 42\" ]; }
  );"
api=http://198.18.0.1:8088/2010-04-01/Accounts/AC0123/Calls.json
twiml='<Response><Connect><Stream url="ws://198.18.0.2:8790/twilio"><Parameter name="campaign" value="c7"/></Stream></Connect></Response>'

# place TO [TWIML [FIELD=VALUE]]: POST a new call; its answer in $tmp/place.json,
# the HTTP status printed
place() {
	in_caller curl -s -o "$tmp/place.json" -w '%{http_code}' -m 10 "$api" \
		--data-urlencode "To=$1" --data-urlencode "From=+15550001" \
		--data-urlencode "Twiml=${2:-$twiml}" \
		--data-urlencode "StatusCallback=http://198.18.0.2:8791/status" \
		${3:+--data-urlencode "$3"}
}
# placed_sid: the sid in the answer to the last place
placed_sid() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("sid",""))' \
		"$tmp/place.json" 2>/dev/null
}
# callee NAME: sipp/NAME.xml as the callee of one call at 198.18.0.2:5090, in the
# background (its pid in $callee_pid, its output in $tmp/NAME.out)
callee() {
	(cd "$tmp" && timeout 20 ip netns exec "$caller_ns" sipp -sf \
		"$top/tests/integration/sipp/$1.xml" -i 198.18.0.2 -p 5090 -m 1 -nostdin \
		-timeout 15 >"$tmp/$1.out" 2>&1) &
	callee_pid=$!
	bg_pids+=("$callee_pid")
	sleep 0.5
}
# callbacks SID: the CallStatus values POSTed for SID, in order, space separated
callbacks() {
	python3 -c '
import json, sys, urllib.parse
for l in open(sys.argv[1]):
    f = dict(urllib.parse.parse_qsl(json.loads(l)["body"]))
    if f.get("CallSid") == sys.argv[2]:
        print(f["CallStatus"], end=" ")' "$tmp/sink.log" "$1"
}

net_up
# the callee answers PCMU, the law of the Twilio dialect, so that its audio comes back
# from the bot byte for byte
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/callee.ul" --seconds 3 --law u
in_caller python3 "$top/tests/integration/http_sink.py" --addr 198.18.0.2 --port 8791 \
	--log "$tmp/sink.log" >"$tmp/sink.out" 2>&1 &
bg_pids+=($!)
bot 8790 echo || { not_ok "the test bot listens"; exit 1; }
for _ in $(seq 50); do grep -q listening "$tmp/sink.out" && break; sleep 0.1; done
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with an outbound endpoint"; exit 1; }

# the callee: 401, then 180/200, 4 s of the call, its BYE
sed "s|@AUDIO@|$tmp/callee.ul|; s|@HOLD_MS@|4000|" \
	"$top/tests/integration/sipp/uas_callee_auth.xml" >"$tmp/callee.xml"
capture "$tmp/call.pcap"
(cd "$tmp" && timeout 40 ip netns exec "$caller_ns" sipp -sf "$tmp/callee.xml" \
	-i 198.18.0.2 -p 5090 -mi 198.18.1.2 -mp 6200 -m 1 -nostdin -timeout 30 \
	-trace_logs -trace_msg -log_file "$tmp/callee.log" >"$tmp/callee.out" 2>&1) &
callee_pid=$!
bg_pids+=("$callee_pid")
sleep 0.5

code=$(place +15550100)
sid=$(placed_sid)
sed 's/^/# /' "$tmp/place.json"; echo
check "POST Calls.json: 201 with the call's sid, queued" \
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
assert sys.argv[2] == "201" and j["sid"].startswith("CA") and len(j["sid"]) == 34
assert j["status"] == "queued" and j["to"] == "+15550100" and j["from"] == "+15550001"
assert j["direction"] == "outbound-api" and j["account_sid"] == "AC0123"' \
	"$tmp/place.json" "$code"
wait "$callee_pid"
check "the callee's sipp ran its scenario: 401, then the call, its BYE answered" test $? -eq 0
capture_stop
sed -n 's/^\(auth\|offer\|hdrs\).*/# &/p' "$tmp/callee.log"
check "the second INVITE carried the endpoint's credentials (digest checked by sipp)" \
	grep -q "^auth true" "$tmp/callee.log"
check "to sip:+15550100@ the proxy, from +15550001" \
	grep -Eq "ruri sip:\+15550100@198\.18\.0\.2:5090 from .*<sip:\+15550001@" "$tmp/callee.log"
check "the endpoint's header and P-Asserted-Identity with the caller id on the INVITE" \
	grep -Eq "^hdrs account 42 pai <sip:\+15550001@198\.18\.0\.1>" "$tmp/callee.log"
check "voxgate's offer is on its media address" grep -q "^offer_ip 198.18.1.1 " "$tmp/callee.log"
port=$(sed -n 's/^offer_ip [0-9.]* offer_port \([0-9]*\).*/\1/p' "$tmp/callee.log")
check "the callee's audio came back through the WebSocket bot intact" \
	bash -c "python3 '$top/tests/integration/rtp_audio.py' check '$tmp/call.pcap' \
		--file '$tmp/callee.ul' --pt 0 --gw 198.18.1.1 --caller 198.18.1.2 --gw-port '$port' \
		--delay-ms 40 --pace-p99-ms 15 | sed 's/^/# /'; exit \${PIPESTATUS[0]}"
check "the bot's start names the call, its numbers and the custom parameter" \
	python3 -c 'import json,sys
st = [json.loads(l)["got"] for l in open(sys.argv[1]) if "got" in json.loads(l)]
st = [m for m in st if m.get("event") == "start"][0]["start"]
c = st["customParameters"]
assert st["callSid"][:18] == sys.argv[2][:18], st["callSid"]
assert c["direction"] == "outbound-api" and c["to_number"] == "+15550100"
assert c["from_number"] == "+15550001" and c["campaign"] == "c7", c' "$tmp/bot-echo" "$sid"
sleep 1
echo "# callbacks: $(callbacks "$sid")"
check "StatusCallback: ringing, in-progress, completed" \
	test "$(callbacks "$sid")" = "ringing in-progress completed "
check "as Twilio posts them (form fields, CallDuration with completed)" \
	python3 -c 'import json,sys,urllib.parse
ls = [json.loads(l) for l in open(sys.argv[1])]
f = [dict(urllib.parse.parse_qsl(l["body"])) for l in ls if l["path"] == "/status"][-1]
h = ls[-1]["headers"]
assert "application/x-www-form-urlencoded" in h.get("Content-Type", ""), h
assert f["CallSid"] == sys.argv[2] and f["AccountSid"] == "AC0123"
assert f["From"] == "+15550001" and f["To"] == "+15550100" and f["Direction"] == "outbound-api"
assert f["CallStatus"] == "completed" and int(f["CallDuration"]) >= 3, f' \
	"$tmp/sink.log" "$sid"

# a busy callee
callee uas_busy
code=$(place +15550199 '<Response><Connect><Stream url="agent:dialer"/></Connect></Response>')
sid2=$(placed_sid)
wait "$callee_pid"
sleep 1
check "a busy callee: 201, then busy to the StatusCallback" \
	test "$code $(callbacks "$sid2")" = "201 busy "
# a callee that rings and never answers, with a ring timeout of 2 s
callee uas_no_answer
code=$(place +15550177 "$twiml" Timeout=2)
sid3=$(placed_sid)
wait "$callee_pid"
rc=$?
sleep 0.5
check "no answer in 2 s: CANCEL, the 487 taken (sipp's scenario ran), ringing then no-answer" \
	test "$code $rc $(callbacks "$sid3")" = "201 0 ringing no-answer "
# To as a SIP URI (Twilio's SIP calling): called as given, through the proxy
callee uas_busy
code=$(place sip:alice@198.18.0.2:5090)
sid4=$(placed_sid)
wait "$callee_pid"
rc=$?
sleep 0.5
check "To sip:alice@198.18.0.2:5090: 201, INVITEd as given (sipp's scenario ran), busy" \
	bash -c '[ "$1 $2 $3" = "201 0 busy " ] &&
		grep -q "to sip:alice@198.18.0.2:5090 from +15550001 via outbound" "$4"' _ \
	"$code" "$rc" "$(callbacks "$sid4")" "$tmp/voxgate.log"
check "the CDRs: the call answered, ended by the callee, billed from its INVITE; busy; no answer" \
	python3 -c 'import json,sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 4, r
a, b, n, u = r
assert a["answered"] and a["to_number"] == "+15550100" and a["agent"] == "dialer", a
assert a["direction"] == "outbound-api" and a["outbound"] == "carrier", a
assert a["end"] == "callee_bye" and a["outcome"] == "disconnected", a
assert a["billing_units"] == (int((a["answer_s"] + a["duration_s"]) * 1000) + 5999) // 6000, a
assert not b["answered"] and b["end"] == "busy" and b["to_number"] == "+15550199", b
assert b["agent"] == "dialer", b  # named as agent:dialer
assert b["billing_units"] == 0 and b["outbound"] == "carrier", b
assert not n["answered"] and n["end"] == "no_answer" and n["duration_s"] == 0, n
assert u["end"] == "busy" and u["to_number"] == "sip:alice@198.18.0.2:5090", u' \
	"$cdr"
stats=$(vg_stats)
check "the stats: 4 calls placed, 1 answered, no INVITE taken" \
	bash -c 'grep -q "originated 4 answered 1$" <<<"$1" && grep -q "invites 0 answered 1 " <<<"$1"' \
	_ "$stats"

code=$(in_caller curl -s -o "$tmp/bad.json" -w '%{http_code}' -m 5 "$api" \
	--data-urlencode "From=+15550001" --data-urlencode "Twiml=$twiml")
check "no To: 400 with Twilio's error 21201" \
	bash -c "[ $code = 400 ] && grep -q '\"code\":21201' '$tmp/bad.json'"
code=$(place +15550100 '<Response><Connect><Stream url="ws://elsewhere/x"/></Connect></Response>')
code2=$(place +15550100 '<Response><Connect><Stream url="agent:nobody"/></Connect></Response>')
check "a Stream url no agent has, an agent:<id> no agent is: 400" \
	bash -c "[ $code$code2 = 400400 ] && grep -q 'no agent' '$tmp/place.json'"
check "voxgate stops cleanly" vg_stop
