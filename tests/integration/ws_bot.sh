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
#   - a bot that closes its socket mid-call: voxgate hangs up (BYE) within 2 s
source "$(dirname "$0")/lib.sh"

conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "talk"; url = "ws://198.18.0.2:8765/twilio"; },
    { id = "keys"; url = "ws://198.18.0.2:8766/twilio"; },
    { id = "dies"; url = "ws://198.18.0.2:8767/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^talk$"; agent = "talk"; },
    { user = "^keys$"; agent = "keys"; },
    { user = "^dies$"; agent = "dies"; }'

bot() { # bot PORT SCRIPT: the test bot in the caller namespace; its log $tmp/bot-SCRIPT
	in_caller timeout 60 /usr/bin/python3 "$top/tests/integration/ws_bot.py" serve \
		--port "$1" --script "$2" --log "$tmp/bot-$2" 2>"$tmp/bot-$2.err" &
	bg_pids+=($!)
	for _ in $(seq 50); do grep -q listen "$tmp/bot-$2" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

net_up
bot 8765 talk && bot 8766 dtmf && bot 8767 die || { not_ok "the test bots listen"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

# 1. talk: 4 s of the caller's audio; the call lasts 7 s.
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 4
sed "s|@AUDIO@|$tmp/caller.al|; s|@HOLD_MS@|7000|" \
	"$top/tests/integration/sipp/uac_pcma_echo.xml" >"$tmp/talk.xml"
capture "$tmp/talk.pcap"
sipp_caller "$tmp/talk.xml" -s talk -key sdp_ip 198.18.1.2
rc=$?
capture_stop
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
	grep -q "bot dies (ws://198.18.0.2:8767/twilio): the bot closed the WebSocket: the call ends" \
	"$tmp/voxgate.log"
check "the caller got BYE within 2 s of the bot going away ($(awk -v a="$died" -v b="$ended" 'BEGIN { printf "%.2f", b - a }') s)" \
	awk -v rc=$rc -v a="$died" -v b="$ended" 'BEGIN { exit !(rc == 0 && b - a < 2.0) }' 
stats=$(vg_stats)
check "every call slot is free again and no bot session is left" \
	grep -q "active 0; .* slots free 1024/1024" <<<"$stats"
check "voxgate stops cleanly" vg_stop
