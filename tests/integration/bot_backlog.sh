#!/usr/bin/env bash
# bot_backlog.sh: a bot may send its audio as fast as it likes. With bots over
# WebSocket (ws_bot.py) in the caller's namespace and sipp as the caller:
#   - 8 s sent at once (four times dataplane.playout_ms): all of it heard, intact, at
#     20 ms pace; its mark back when it has been heard; the dataplane drops nothing
#   - clear empties all of it, the part waiting in the worker too: silence within
#     20 ms, the pending mark back, the next audio heard at once
#   - beyond bots.backlog_s (10 s here): dropped, counted, the bot told once
#   - a bot in real time after a start-up burst: its standing queue trimmed from its
#     pauses, every word heard
#   - no backlog memory left once the calls are over
source "$(dirname "$0")/lib.sh"

conf_edit 'workers = 1;' 'workers = 1;
  backlog_s = 10;' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "burst"; url = "ws://198.18.0.2:8780/twilio"; },
    { id = "burstclear"; url = "ws://198.18.0.2:8781/twilio"; },
    { id = "flood"; url = "ws://198.18.0.2:8782/twilio"; },
    { id = "paced"; url = "ws://198.18.0.2:8783/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^burst$"; agent = "burst"; },
    { user = "^burstclear$"; agent = "burstclear"; },
    { user = "^flood$"; agent = "flood"; },
    { user = "^paced$"; agent = "paced"; }'

backlog_check() { # backlog_check SCRIPT: ws_bot.py's checks of what the caller heard
	/usr/bin/python3 "$top/tests/integration/ws_bot.py" backlogcheck "$tmp/bot-$1" \
		--pcap "$tmp/$1.pcap" --mode "$1"
}
counter() { # counter NAME: a bot worker counter from the stats lines in $stats
	sed -n "s/.*bot worker 0:.* $1 \([0-9]*\).*/\1/p" <<<"$stats"
}

net_up
bot 8780 burst && bot 8781 burstclear && bot 8782 flood && bot 8783 paced ||
	{ not_ok "the test bots listen"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 2

check "a call to a bot that sends 8 s at once" pcma_call burst 10000 -s burst -key sdp_ip 198.18.1.2
backlog_check burst
stats=$(vg_stats)
check "... the dataplane dropped none of it (no playout_full)" \
	bash -c '! grep -q "playout_full=[1-9]" <<<"$1"' _ "$stats"

check "a call to a bot that sends 8 s at once and clears it" pcma_call burstclear 6500 -s burstclear -key sdp_ip 198.18.1.2
backlog_check burstclear

check "a call to a bot that sends 14 s at once" pcma_call flood 2500 -s flood -key sdp_ip 198.18.1.2
backlog_check flood
stats=$(vg_stats)
full=$(counter "backlog full")
check "... what is beyond 10 s ahead is dropped and counted: backlog full $full (about 200)" \
	test "${full:-0}" -ge 150 -a "${full:-0}" -le 200

check "a call to a bot that sends in real time after a burst of 1 s" pcma_call paced 8500 -s paced -key sdp_ip 198.18.1.2
backlog_check paced
stats=$(vg_stats)
trimmed=$(counter trimmed)
check "... the worker trimmed about that second: $trimmed frames" \
	test "${trimmed:-0}" -ge 40 -a "${trimmed:-0}" -le 60
check "no backlog memory is left once the calls are over (bytes $(counter bytes))" \
	test "$(counter bytes)" = 0
check "every call slot is free again and no bot session is left" \
	grep -q "sessions active 0 " <<<"$stats"
check "voxgate stops cleanly" vg_stop
