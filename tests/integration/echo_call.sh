#!/usr/bin/env bash
# echo_call.sh: one G.711 call end to end through voxgate with the echo bot.
#
# sipp (kernel stack, caller namespace) offers PCMA PCMU telephone-event/8000 and
# streams 4 s of A-law audio; voxgate (DPDK port on a veth) answers and its echo bot
# plays the audio back after 500 ms. Checked: the answer SDP, that the audio coming
# back is the audio sent (byte for byte, in order, 20 ms pace, correct RTP headers),
# that BYE gets 200, that the dp lcore took no page fault (no trip into the kernel on
# the packet path) and every slot is free again; then the same call from a caller
# whose SDP address is unreachable (NAT): voxgate must answer to where RTP came from;
# finally voxgate must end a live call with BYE when it stops.
source "$(dirname "$0")/lib.sh"

echo_ok() { # echo_ok PCAP: the audio came back
	python3 "$top/tests/integration/rtp_audio.py" check "$1" --file "$tmp/caller.al" \
		--gw 198.18.1.1 --caller 198.18.1.2 --pt 8 --delay-ms 500 >"$tmp/check.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$tmp/check.out"
	return "$rc"
}

net_up
vg_start || { not_ok "voxgate starts"; exit 1; }
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 4

# 1. A plain call.
flt=$(dp_minflt)
pcma_call call 5000 -s echo -key sdp_ip 198.18.1.2 -trace_logs -log_file "$tmp/sipp.log"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/sipp.err" 2>/dev/null | tail -5
check "200 OK answers PCMA/8 with telephone-event 101 (fmtp 0-16), ptime 20, sendrecv, c=198.18.1.1; BYE gets 200" \
	test $rc -eq 0
port=$(sed -n 's/^answer_port \([0-9]*\).*/\1/p' "$tmp/sipp.log" | head -1)
check "the answer's RTP port ($port) is even and in 10000-20000" \
	test -n "$port" -a $((port % 2)) -eq 0 -a "$port" -ge 10000 -a "$port" -le 20000
check "the audio that came back is the audio sent: byte for byte, 500 ms later, at 20 ms pace, one SSRC, seq +1, ts +160" \
	echo_ok "$tmp/call.pcap"
flt=$(($(dp_minflt) - flt))
check "the dp lcore took no page fault carrying it ($flt): its memory was made resident at start" \
	test "$flt" -eq 0
sleep 0.5
stats=$(vg_stats)
check "after BYE every call slot is free and no call, session or dp call is left" \
	grep -q "ended 1 active 0; .* slots free 1024/1024" <<<"$stats"
check "the bot session and the dataplane call are gone too" \
	bash -c 'grep -q "sessions active 0 started 1 stopped 1" <<<"$1" &&
		 grep -q "calls_active=0 " <<<"$1"' _ "$stats"

# 2. A caller behind NAT: its SDP names an address voxgate cannot reach.
pcma_call nat 5000 -s echo -key sdp_ip 203.0.113.7
rc=$?
check "NAT: the call with an unreachable SDP address is answered and ended" test $rc -eq 0
check "NAT: voxgate answers to the address RTP came from (symmetric RTP), audio intact" \
	echo_ok "$tmp/nat.pcap"
check "NAT: nothing was sent towards the SDP address" \
	test "$(tcpdump -r "$tmp/nat.pcap" -n 'host 203.0.113.7' 2>/dev/null | wc -l)" -eq 0

# 3. voxgate ends a live call with BYE when it stops.
check "a call is up" bye_call_start
check "voxgate stops cleanly with a call up" vg_stop
wait "$bye_pid"
check "and that call got a BYE, which the caller answered" test $? -eq 0
