#!/usr/bin/env bash
# ws_dialects.sh: calls to bots that speak Telnyx, Plivo, Exotel and Vonage as
# Pipecat's serializers do (ws_dialect.py, in the caller's namespace), sipp as the
# caller. For each dialect:
#   - talk: the start message, field for field, and what Pipecat's runner makes of
#     it; the caller's audio at the bot, intact and in 20 ms messages; the bot's audio
#     (sent at twice real time in 40 ms messages) heard intact at 20 ms pace; its
#     marks back when heard; its clear stopping the caller hearing it within 20 ms;
#     stop where the provider sends one
#   - keys: the caller's key presses 1 5 9 # in the dialect's dtmf messages
#   - bye: the bot sends 1 s of audio and closes its socket: BYE from voxgate
source "$(dirname "$0")/lib.sh"

dialects=(telnyx plivo exotel vonage)
agents= routes= port=8790
for d in "${dialects[@]}"; do
	for s in talk keys bye; do
		agents+=",
    { id = \"${d}_$s\"; url = \"ws://198.18.0.2:$port/$d/$s\"; dialect = \"$d\"; }"
		routes+=",
    { user = \"^${d}_$s\$\"; agent = \"${d}_$s\"; }"
	done
	port=$((port + 1))
done
conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	"{ id = \"echo\"; builtin = \"echo\"; delay_ms = 500; }$agents" \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	"{ user = \"^(echo|agent_echo)\$\"; agent = \"echo\"; }$routes"

net_up
port=8790
for d in "${dialects[@]}"; do
	in_caller timeout 120 /usr/bin/python3 "$top/tests/integration/ws_dialect.py" serve \
		--port "$port" --dialect "$d" --log "$tmp/bot-$d" 2>"$tmp/bot-$d.err" &
	bg_pids+=($!)
	for _ in $(seq 50); do grep -q listen "$tmp/bot-$d" 2>/dev/null && break; sleep 0.1; done
	port=$((port + 1))
done
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 4
sed "s|@PCAPS@|/usr/share/sip-tester|g" "$top/tests/integration/sipp/uac_dtmf.xml" \
	>"$tmp/keys.xml"

for d in "${dialects[@]}"; do
	check "$d: the call to the bot is answered and ends with BYE/200" \
		pcma_call "$d" 6500 -s "${d}_talk" -key sdp_ip 198.18.1.2
	sleep 0.3
	/usr/bin/python3 "$top/tests/integration/ws_dialect.py" check "$tmp/bot-$d-talk" \
		--dialect "$d" --pcap "$tmp/$d.pcap" --caller-audio "$tmp/caller.al" \
		--from +918888888888 | sed "s/^\(not \)\?ok - /&$d: /"
	check "$d: the call with key presses is answered and ended" \
		sipp_caller "$tmp/keys.xml" -s "${d}_keys"
	sleep 0.3
	keys=$(/usr/bin/python3 "$top/tests/integration/ws_dialect.py" keys \
		"$tmp/bot-$d-keys" --dialect "$d")
	check "$d: the caller's key presses reach the bot as its dtmf messages: $keys" \
		test "$keys" = "1 5 9 #"
	bye_call_start "${d}_bye" || not_ok "$d: the call to the bot that closes is up"
	wait "$bye_pid"
	check "$d: the bot closing its socket ends the call: BYE from voxgate, answered" \
		test $? -eq 0
done
stats=$(vg_stats)
check "nothing the bots sent was refused (msgs bad 0)" grep -q "msgs bad 0" <<<"$stats"
check "voxgate stops cleanly" vg_stop
