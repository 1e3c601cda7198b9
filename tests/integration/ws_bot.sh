#!/usr/bin/env bash
# ws_bot.sh: calls to bots over WebSocket in the Twilio Media Streams dialect, with a
# bot written for the test (ws_bot.py, Debian's python3-websockets) in the caller's
# namespace and sipp as the caller.
#   - the bot gets connected, start (Twilio's fields, the call context as
#     customParameters), media (the caller's audio, intact), stop
#   - the bot's audio, sent at twice real time, reaches the caller intact at 20 ms
#     pace; its marks come back in order when their audio has been heard; clear stops
#     the caller hearing it within 20 ms and gives the pending mark back
#   - the caller's key presses reach the bot as dtmf messages
#   - a bot that closes its socket mid-call: voxgate hangs up (BYE) within 2 s, or
#     once the audio the bot sent before closing has played; a bot that cannot be
#     reached: 480 and no answer
#   - voxgate's own commands in the dialect: key presses to the caller, hang up, and
#     update and transfer reaching signaling as typed commands
#   - Twilio's REST hang-up (what Pipecat calls) on voxgate's HTTP API
#   - what is not a Twilio message is counted and dropped; the call goes on
#   - the raw dialect: PCM16 at 16 kHz both ways (resampled with speexdsp)
#   - wss://, the bot's certificate checked against bots.tls_ca
source "$(dirname "$0")/lib.sh"

# the trunk takes no REFER: the bots' transfers are refused to them (refer.sh has REFER)
conf_edit 'codecs = [ "PCMA", "PCMU" ]; }' 'codecs = [ "PCMA", "PCMU" ]; transfer = { refer = false; }; }' \
	'workers = 1;' 'workers = 1;
  tls_ca = "'"$tmp/bottls/cert.pem"'";' \
	'port = 8088; };' 'port = 8088; auth_token = "s3cret"; };' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "talk"; url = "ws://198.18.0.2:8765/twilio"; },
    { id = "keys"; url = "ws://198.18.0.2:8766/twilio"; },
    { id = "dies"; url = "ws://198.18.0.2:8767/twilio"; on_failure = "transfer";
      fallback = "sip:+15550199@fallback.example"; },
    { id = "cmds"; url = "ws://198.18.0.2:8768/twilio"; },
    { id = "bye"; url = "ws://198.18.0.2:8773/twilio"; },
    { id = "junk"; url = "ws://198.18.0.2:8769/twilio"; },
    { id = "gone"; url = "ws://198.18.0.2:8799/twilio"; connect_timeout_ms = 1000; },
    { id = "mute"; url = "ws://198.18.0.2:8798/twilio"; connect_timeout_ms = 1000; },
    { id = "raw"; url = "ws://198.18.0.2:8770/raw"; dialect = "raw"; sample_rate = 16000; },
    { id = "tls"; url = "wss://198.18.0.2:8771/twilio"; },
    { id = "tlsbad"; url = "wss://198.18.0.2:8772/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^talk$"; agent = "talk"; },
    { user = "^keys$"; agent = "keys"; },
    { user = "^dies$"; agent = "dies"; },
    { user = "^cmds$"; agent = "cmds"; },
    { user = "^bye$"; agent = "bye"; },
    { user = "^junk$"; agent = "junk"; },
    { user = "^gone$"; agent = "gone"; },
    { user = "^mute$"; agent = "mute"; },
    { user = "^raw$"; agent = "raw"; },
    { user = "^tls$"; agent = "tls"; },
    { user = "^tlsbad$"; agent = "tlsbad"; }'

# wss://: a certificate for the bot's address, and voxgate told to trust it
mkdir -p "$tmp/bottls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=198.18.0.2" \
	-addext "subjectAltName=IP:198.18.0.2" -keyout "$tmp/bottls/key.pem" \
	-out "$tmp/bottls/cert.pem" 2>/dev/null
# and one voxgate has not been told to trust
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=198.18.0.2" \
	-addext "subjectAltName=IP:198.18.0.2" -keyout "$tmp/bottls/other-key.pem" \
	-out "$tmp/bottls/other.pem" 2>/dev/null

net_up
bot 8765 talk && bot 8766 dtmf && bot 8767 die && bot 8768 cmds && bot 8769 junk &&
	bot 8770 raw && bot 8773 goodbye && bot 8771 dtmf tls --cert "$tmp/bottls/cert.pem" --key "$tmp/bottls/key.pem" &&
	bot 8772 dtmf tlsbad --cert "$tmp/bottls/other.pem" --key "$tmp/bottls/other-key.pem" ||
	{ not_ok "the test bots listen"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

# 1. talk: 4 s of the caller's audio; the call lasts 7 s.
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 4
pcma_call talk 7000 -s talk -key sdp_ip 198.18.1.2
rc=$?
check "the call to the WebSocket bot is answered and ends with BYE/200" test $rc -eq 0
sleep 0.5
/usr/bin/python3 "$top/tests/integration/ws_bot.py" check "$tmp/bot-talk" \
	--pcap "$tmp/talk.pcap" --caller-audio "$tmp/caller.al" --from +918888888888 --to talk

# 2. keys: sipp sends 1, 5, 9, # as RFC 4733 events (Debian's sipp captures).
sed "s|@PCAPS@|/usr/share/sip-tester|g" "$top/tests/integration/sipp/uac_dtmf.xml" \
	>"$tmp/keys.xml"
check "the call with key presses to the bot is answered and ended" \
	sipp_caller "$tmp/keys.xml" -s keys
check "the caller's key presses reach the bot as dtmf messages: 1 5 9 #" \
	test "$(/usr/bin/python3 -c 'import json, sys
print(" ".join(json.loads(l)["got"]["dtmf"]["digit"] for l in open(sys.argv[1])
               if "\"dtmf\"" in l and "got" in json.loads(l)))' "$tmp/bot-dtmf")" = "1 5 9 #"

# 3. dies: the bot closes its socket 1 s into the call.
bye_call_start dies || not_ok "the call to the bot that dies is up"
wait "$bye_pid"
rc=$?
ended=$(date +%s.%N)
died=$(/usr/bin/python3 -c 'import json, sys
print([json.loads(l)["t"] for l in open(sys.argv[1]) if "\"die\"" in l][0])' "$tmp/bot-die")
check "voxgate logs the bot's socket closing, with the call id" \
	grep -q "bot dies (ws://198.18.0.2:8767/twilio) closed the WebSocket; the call ends once its last audio has played" \
	"$tmp/voxgate.log"
check "the agent's fallback went to signaling as a transfer (refused here: the trunk takes no REFER), then BYE" \
	grep -qF "the bot's transfer {\"mode\":\"refer\",\"target\":\"sip:+15550199@fallback.example\",\"reason\":\"the bot closed the WebSocket\"}: not carried out (not_allowed)" \
	"$tmp/voxgate.log"
check "the caller got BYE within 2 s of the bot going away ($(awk -v a="$died" -v b="$ended" 'BEGIN { printf "%.2f", b - a }') s)" \
	awk -v rc=$rc -v a="$died" -v b="$ended" 'BEGIN { exit !(rc == 0 && b - a < 2.0) }' 
# 3b. goodbye: the bot sends 1.5 s of audio at once and closes its socket.
capture "$tmp/bye.pcap"
bye_call_start bye || not_ok "the call to the bot that says goodbye is up"
wait "$bye_pid"
rc=$?
ended=$(date +%s.%N)
capture_stop
check "the call to the bot that says goodbye and closes ends with BYE/200" test $rc -eq 0
/usr/bin/python3 "$top/tests/integration/ws_bot.py" byecheck "$tmp/bot-goodbye" \
	--pcap "$tmp/bye.pcap" --bye-at "$ended"
check "voxgate logs that it waited for the bot's last audio" \
	grep -q "the bot's last audio has played" "$tmp/voxgate.log"

# 4. gone: nothing listens where the bot should be: 480, the call is never answered.
sed -e 's/response="403"/response="480"/' -e '/<action>/,/<\/action>/d' \
	-e '/Reference variables/d' "$top/tests/integration/sipp/uac_403.xml" >"$tmp/gone.xml"
check "a bot that cannot be reached: the caller gets 480, never a 200" \
	sipp_caller "$tmp/gone.xml" -s gone
check "voxgate logs why, with the call id" \
	grep -q "bot gone (ws://198.18.0.2:8799/twilio): .*: the call ends" "$tmp/voxgate.log"
# a bot whose TCP port answers but whose WebSocket never does: connect_timeout_ms
in_caller python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 8798)); s.listen(8)
c = [s.accept() for _ in range(1)]; time.sleep(10)' &
bg_pids+=($!)
# the listener must be up before the call, or the connection is refused at once
for _ in $(seq 50); do in_caller ss -Hltn 'sport = :8798' | grep -q . && break; sleep 0.1; done
t0=$(date +%s.%N)
check "a bot that never completes its handshake: 480 after connect_timeout_ms" \
	sipp_caller "$tmp/gone.xml" -s mute
t1=$(date +%s.%N)
check "... about 1 s after the INVITE ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s), logged" \
	bash -c 'awk -v a="$1" -v b="$2" "BEGIN { exit !(b - a > 0.9 && b - a < 2.5) }" &&
		grep -q "bot mute (ws://198.18.0.2:8798/twilio): no WebSocket within connect_timeout_ms" "$3"' \
	_ "$t0" "$t1" "$tmp/voxgate.log"

# 5. cmds: the bot has 5 and # played to the caller, then hangs up.
# (the waiting caller's offer, with telephone-event 101 added)
sed 's|^\( *\)m=audio \[media_port\] RTP/AVP 0 8$|\1m=audio [media_port] RTP/AVP 0 8 101\n\1a=rtpmap:101 telephone-event/8000|' \
	"$top/tests/integration/sipp/uac_wait_bye.xml" >"$tmp/wait_dtmf.xml"
capture "$tmp/cmds.pcap"
bye_call_start cmds "$tmp/wait_dtmf.xml" || not_ok "the call to the commanding bot is up"
wait "$bye_pid"
rc=$?
capture_stop
check "the bot's final update ends the call with BYE (the trunk's end mode is bye)" test $rc -eq 0
check "the update reached signaling as a typed command, JSON intact" \
	grep -qF 'bot update (final) {"intent":"billing","score":0.5,"final":true}' \
	"$tmp/voxgate.log"
check "its transfer too, refused (the trunk takes no REFER)" \
	grep -qF "the bot's transfer {\"mode\":\"refer\",\"target\":\"sip:+15550100@pbx.example\",\"headers\":{\"X-Reason\":\"agent\"}}: not carried out (not_allowed)" \
	"$tmp/voxgate.log"
check "and the bot was told: transfer_failed, reason not_allowed" \
	grep -q '"got": {"event": "transfer_failed", .*"transfer": {"status": 0, "reason": "not_allowed"}' "$tmp/bot-cmds"
check "the bot's key presses reach the caller as RFC 4733 events: 5 and #" \
	bash -c 'python3 "$1/tests/integration/rtp_audio.py" events "$2" --gw 198.18.1.1 \
		--caller 198.18.1.2 --pt 101 | grep -q "^5:[0-9]* #:[0-9]*$"' _ "$top" "$tmp/cmds.pcap"

# 6. Twilio's REST hang-up on the HTTP API, for a call to the listening bot.
bye_call_start keys || not_ok "the call to hang up over HTTP is up"
sleep 0.5
sid=$(/usr/bin/python3 -c 'import json, sys
print([json.loads(l)["got"]["start"]["callSid"] for l in open(sys.argv[1])
       if "\"start\"" in l and "got" in json.loads(l)][-1])' "$tmp/bot-dtmf")
api() { # api CALLSID [TOKEN]: POST Status=completed as AC0:TOKEN (s3cret); prints
	# "STATUS BODY"
	in_caller python3 - "$1" "${2-s3cret}" <<'PY'
import base64, sys, urllib.error, urllib.request
url = "http://198.18.0.1:8088/2010-04-01/Accounts/AC0/Calls/%s.json" % sys.argv[1]
req = urllib.request.Request(url, data=b"Status=completed", method="POST")
req.add_header("Authorization", "Basic " +
               base64.b64encode(("AC0:" + sys.argv[2]).encode()).decode())
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}
reply=$(api "$sid" wrong)
check "without the API's auth token: 401, and the call stays up" \
	bash -c '[ "${1%% *}" = 401 ] && kill -0 "$2"' _ "$reply" "$bye_pid"
reply=$(api "$sid")
echo "# $reply"
wait "$bye_pid"
rc=$?
check "POST .../Calls/{CallSid}.json Status=completed: 200 with the call, and BYE" \
	test "$rc" -eq 0 -a "${reply%% *}" = 200 -a -n "$(grep -F "\"sid\":\"$sid\"" <<<"$reply")"
reply=$(api "$sid")
check "the same CallSid again, the call being over: 404" test "${reply%% *}" = 404
reply=$(api "CA00000000ffffffff0000000000000000")
check "a CallSid of no call: 404" test "${reply%% *}" = 404

# 7. junk: four messages that are not Twilio's; the call goes on to its BYE.
check "a call to a bot that sends junk is answered and ended normally" \
	sipp_caller "$tmp/talk.xml" -s junk -key sdp_ip 198.18.1.2
# 8. raw: PCM16 at 16 kHz both ways, the bot sending the caller's audio back.
capture "$tmp/raw.pcap"
check "a call to a raw-dialect bot is answered and ended" \
	sipp_caller "$tmp/talk.xml" -s raw -key sdp_ip 198.18.1.2
capture_stop
/usr/bin/python3 "$top/tests/integration/ws_bot.py" rawcheck "$tmp/bot-raw" \
	--pcap "$tmp/raw.pcap" --caller-audio "$tmp/caller.al" --rate 16000

# 9. wss://: the same dialect over TLS, the bot's certificate checked against tls_ca.
check "a call to a wss:// bot is answered and ended" \
	sipp_caller "$tmp/talk.xml" -s tls -key sdp_ip 198.18.1.2
check "the wss:// bot got start, the caller's media and stop" \
	bash -c 'grep -q "\"event\": \"start\"" "$1" && grep -q "\"event\": \"media\"" "$1" &&
		grep -q "\"event\": \"stop\"" "$1"' _ "$tmp/bot-tls"
check "a wss:// bot whose certificate voxgate does not trust: 480" \
	sipp_caller "$tmp/gone.xml" -s tlsbad
check "... and that bot got no message" bash -c '! grep -q "\"event\"" "$1"' _ "$tmp/bot-tlsbad"

stats=$(vg_stats)
check "the junk is counted (bot_msgs_bad=4) and nothing else is lost" \
	grep -q "msgs bad 4" <<<"$stats"
check "every call slot is free again and no bot session is left" \
	grep -q "active 0; .* slots free 1024/1024" <<<"$stats"
check "voxgate stops cleanly" vg_stop
