#!/usr/bin/env bash
# refer.sh: cold transfers by REFER (RFC 3515), as PolyAI's handoff.refer and
# Ultravox's cold transfer ask for them (seeds 002, 003), with sipp as the platform.
#   - a built-in bot's transfer (end_transfer) to a SIP URI with a custom X- header:
#     REFER on the caller's dialog (UDP, then TCP: over the caller's own connection)
#     with Refer-To carrying the header as a URI header, the header itself, and
#     Referred-By; 202, NOTIFY 100 then 200: voxgate sends BYE; the CDR says success
#   - a number as the target becomes sip:NUMBER@transfer.domain; REFER answered 405:
#     the call stays up with the bot until the platform hangs up
#   - 202 then a NOTIFY whose sipfrag is 603: the transfer failed, the call stays up
#   - a NOTIFY whose body is not message/sipfrag: counted and logged (sofia-sip has
#     answered it 200 already: it is the REFER's subscription's)
#   - Twilio's REST call update with TwiML <Refer><Sip> for a WebSocket bot's call: the
#     REFER goes out and the bot is told transfer_accepted; unsupported TwiML, Url=
#     and an unknown CallSid get Twilio's error bodies
#   - a bridged transfer without an outbound endpoint: the bot is told transfer_failed,
#     no_endpoint
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
conf_edit 'codecs = [ "PCMA", "PCMU" ]; }' 'codecs = [ "PCMA", "PCMU" ];
      transfer = { domain = "pbx.example.com"; uri_headers = true; notify_timeout_ms = 5000; bye_ms = 1000; }; }' \
	'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$cdr\";" \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "xfer"; builtin = "echo"; delay_ms = 0; end_after_ms = 1500;
      end_transfer = "{\"mode\":\"refer\",\"target\":\"sip:support@example.com\",\"headers\":{\"X-Caller-ID\":\"+15550001\"}}"; },
    { id = "xfernum"; builtin = "echo"; delay_ms = 0; end_after_ms = 1000;
      end_transfer = "{\"mode\":\"refer\",\"target\":\"+15550100\",\"headers\":{\"X-Reason\":\"agent\"}}"; },
    { id = "wsb"; url = "ws://198.18.0.2:8780/twilio"; },
    { id = "bridge"; url = "ws://198.18.0.2:8781/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^xfer$"; agent = "xfer"; },
    { user = "^xfernum$"; agent = "xfernum"; },
    { user = "^wsb$"; agent = "wsb"; },
    { user = "^bridge$"; agent = "bridge"; }'

# refer_msg: the REFER sipp received, from its message trace
refer_msg() {
	python3 - "$tmp/sipp.msg" <<'PY'
import re, sys
for b in re.split(r"^-{20,}.*$", open(sys.argv[1]).read(), flags=re.M):
    lines = b.strip("\n").split("\n")
    if len(lines) > 2 and "message received" in lines[0] and lines[2].startswith("REFER "):
        print("\n".join(lines[2:]))
PY
}

net_up
bot 8780 dtmf && bot 8781 bridge || { not_ok "the test bots listen"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with transfers"; exit 1; }

# 1. A transfer the platform carries out, over UDP.
check "REFER over UDP to a SIP URI: 202, NOTIFY 100 and 200, then voxgate's BYE" \
	sipp_caller "$top/tests/integration/sipp/uac_refer.xml" -s xfer
refer_msg >"$tmp/refer1.txt"
sed 's/^/# /' "$tmp/refer1.txt"
check "Refer-To carries the bot's X- header as a URI header (transfer.uri_headers)" \
	grep -q '^Refer-To: <sip:support@example.com?X-Caller-ID=+15550001>' "$tmp/refer1.txt"
check "the header is on the REFER too, and Referred-By names the called user at voxgate" \
	bash -c 'grep -q "^X-Caller-ID: +15550001" "$1" && grep -q "^Referred-By: <sip:xfer@198.18.0.1:5060>" "$1"' _ "$tmp/refer1.txt"
check "voxgate let the bot's audio play first, then sent REFER, saw 202 and the final NOTIFY" \
	bash -c 'grep -q "the bot.s last audio has played" "$1" && grep -q "REFER accepted (202)" "$1" &&
		grep -q "the transfer reports 200 (final)" "$1"' _ "$tmp/voxgate.log"
sleep 0.5
check "its CDR: outcome success, ended transferred, the transfer's target and status" \
	cdr_has 1 'r["outcome"] == "success" and r["end"] == "transferred" and r["transfer"] == {"mode": "refer", "target": "sip:support@example.com?X-Caller-ID=+15550001", "status": 200}'

# 2. The same over TCP: the REFER comes back over the caller's own connection.
check "REFER over TCP, on the connection the caller opened" \
	sipp_caller "$top/tests/integration/sipp/uac_refer.xml" -s xfer -t t1

# 3. A number as the target, and the platform refuses the REFER.
check "REFER answered 405: the call stays up with the bot until the platform's BYE" \
	sipp_caller "$top/tests/integration/sipp/uac_refer_405.xml" -s xfernum
refer_msg >"$tmp/refer3.txt"
check "a number target became sip:NUMBER@transfer.domain, with its header" \
	grep -q '^Refer-To: <sip:+15550100@pbx.example.com?X-Reason=agent>' "$tmp/refer3.txt"
check "voxgate logs the refusal" \
	grep -q "the transfer to sip:+15550100@pbx.example.com?X-Reason=agent failed (refused, status 405)" "$tmp/voxgate.log"
sleep 0.5
check "its CDR: the caller hung up on the bot (disconnected), the transfer's 405" \
	cdr_has 3 'r["outcome"] == "disconnected" and r["end"] == "caller_bye" and r["transfer"]["status"] == 405'

# 4. 202, then a NOTIFY reporting 603.
check "NOTIFY with 603: the transfer failed, the call stays up" \
	sipp_caller "$top/tests/integration/sipp/uac_refer_603.xml" -s xfer
check "voxgate logs the failed NOTIFY" \
	grep -q "failed (notify, status 603)" "$tmp/voxgate.log"
sleep 0.5
check "its CDR: the transfer's 603" cdr_has 4 'r["transfer"]["status"] == 603'

# 5. A NOTIFY whose body is not a sipfrag.
python3 - "$top/tests/integration/sipp/uac_refer_603.xml" "$tmp/refer_plain.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("Content-Type: message/sipfrag;version=2.0", "Content-Type: text/plain")
open(sys.argv[2], "w").write(s)
PY
check "a NOTIFY of text/plain: the call goes on" \
	sipp_caller "$tmp/refer_plain.xml" -s xfer
check "voxgate logs it, and takes no news of the transfer from it" \
	grep -q "NOTIFY of the REFER with a body of text/plain, not message/sipfrag: no news of the transfer" "$tmp/voxgate.log"

# 6. Twilio's REST call update with TwiML, for a WebSocket bot's call.
sed -e '/header="X-Caller-ID:"/d' "$top/tests/integration/sipp/uac_refer.xml" >"$tmp/refer_any.xml"
sipp_caller "$tmp/refer_any.xml" -s wsb &
sipp_bg=$!
for _ in $(seq 50); do grep -q '"start"' "$tmp/bot-dtmf" 2>/dev/null && break; sleep 0.1; done
sid=$(python3 -c 'import json, sys
print([json.loads(l)["got"]["start"]["callSid"] for l in open(sys.argv[1])
       if "\"start\"" in l and "got" in json.loads(l)][-1])' "$tmp/bot-dtmf")
# update CALLSID FORM: POST the form to the call's resource; prints "STATUS BODY"
update() {
	in_caller python3 - "$1" "$2" <<'PY'
import sys, urllib.error, urllib.request
url = "http://198.18.0.1:8088/2010-04-01/Accounts/AC0/Calls/%s.json" % sys.argv[1]
req = urllib.request.Request(url, data=sys.argv[2].encode(), method="POST")
req.add_header("Content-Type", "application/x-www-form-urlencoded")
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}
form=$(python3 -c 'import urllib.parse; print(urllib.parse.urlencode({"Twiml": "<Response><Refer><Sip>sip:support@example.com</Sip></Refer></Response>"}))')
out=$(update "$sid" "$form")
echo "# $out"
check "TwiML <Refer><Sip> in a call update: 200, the call in progress" \
	grep -q "^200 .*\"sid\": *\"$sid\".*\"status\": *\"in-progress\"" <<<"$out"
wait "$sipp_bg"
check "the platform got the REFER for sip:support@example.com, and voxgate's BYE" test $? -eq 0
check "the bot was told the transfer was accepted" \
	grep -q '"got": {"event": "transfer_accepted", .*"transfer": {"status": 202}' "$tmp/bot-dtmf"
out=$(update "$sid" "$(python3 -c 'import urllib.parse; print(urllib.parse.urlencode({"Twiml": "<Response><Say>hello</Say></Response>"}))')")
echo "# $out"
check "unsupported TwiML (<Say>): 400 with Twilio's error body" \
	grep -q '^400 {"code": *12200, *"message":.*"more_info": *"https://www.twilio.com/docs/errors/12200", *"status": *400}' <<<"$out"
out=$(update "$sid" "Url=http%3A%2F%2F198.18.0.2%2Ftwiml")
check "Url= (voxgate fetches no TwiML): 400, code 21205" grep -q '^400 {"code": *21205' <<<"$out"
out=$(update "$sid" "$form")
check "the call being over: 404" grep -q '^404 {"code": *20404' <<<"$out"
out=$(update "CA0000000000000000" "Twiml=%3CResponse%3E%3CFoo%3E")
check "TwiML that does not parse: 400, code 12100" grep -q '^400 {"code": *12100' <<<"$out"

# 7. A bridged transfer with no outbound endpoint to place its second leg.
check "a bot that asks for a bridged transfer, then hangs up: answered, BYE" \
	bye_call_start bridge
wait "$bye_pid"
check "the bot was told transfer_failed, no_endpoint (no signaling.outbound here)" \
	grep -q '"got": {"event": "transfer_failed", .*"transfer": {"status": 0, "reason": "no_endpoint"}' "$tmp/bot-bridge"

stats=$(vg_stats)
check "the counters: 6 REFERs, 3 transfers done, 3 failed (405, 603, bridge), 1 bad NOTIFY" \
	grep -q "refers 6 transfers 3 failed 3 notify_bad 1" <<<"$stats"
check "every call slot is free" grep -q "active 0;.* slots free 1024/1024" <<<"$stats"
check "voxgate stops cleanly" vg_stop
