#!/usr/bin/env bash
# dtmf_timeout.sh: what the dataplane makes of the caller's stream besides audio.
#   - RFC 4733 key presses (sipp replays real telephone-event captures: updates and
#     three end packets each) reach the bot once each, in order, with durations
#   - the echo bot sends them back, and voxgate puts them on the wire as proper
#     RFC 4733 events (marker, one timestamp per event, three end packets)
#   - a call whose peer sends no RTP is ended by voxgate with BYE after
#     dataplane.rtp_timeout_ms (1.5 s here), and its slot comes back
source "$(dirname "$0")/lib.sh"

conf_edit 'rtp_latch = true;' $'rtp_latch = true;\n  rtp_timeout_ms = 1500;'
pcaps=/usr/share/sip-tester
sed "s|@PCAPS@|$pcaps|g" "$top/tests/integration/sipp/uac_dtmf.xml" >"$tmp/dtmf.xml"

net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

capture "$tmp/dtmf.pcap"
check "a call pressing 1 5 9 # with telephone-events is answered and ended" \
	sipp_caller "$tmp/dtmf.xml" -s echo
capture_stop
digits=$(sed -n "s/.*DTMF '\(.\)' (\([0-9]*\) ms).*/\1/p" "$tmp/voxgate.log" | tr -d '\n')
echo "# the bot got: $digits"
grep "DTMF" "$tmp/voxgate.log" | sed 's/^/# /'
check "the bot got each key press once, in order: 159#" test "$digits" = "159#"
check "with its duration (280 ms for the 5, from its final end packet)" \
	grep -q "DTMF '5' (280 ms)" "$tmp/voxgate.log"

sent=$(python3 "$top/tests/integration/rtp_audio.py" events "$tmp/dtmf.pcap" \
	--gw 198.18.1.1 --caller 198.18.1.2 --pt 101 2>"$tmp/events.err")
rc=$?
echo "# voxgate sent: $sent"
sed 's/^/# /' "$tmp/events.err"
check "the echo bot's key presses went back as RFC 4733 events: 1 5 9 #, 280 ms each" \
	test $rc -eq 0 -a "$sent" = "1:280 5:280 9:280 #:280"

start=$(date +%s%N)
check "a call that sends no RTP gets BYE from voxgate" \
	sipp_caller "$top/tests/integration/sipp/uac_wait_bye.xml" -s echo
secs=$(( ($(date +%s%N) - start) / 1000000 ))
check "after the 1.5 s RTP timeout (call lasted ${secs} ms)" \
	test "$secs" -ge 1500 -a "$secs" -lt 5000
sleep 0.3
stats=$(vg_stats)
check "the timeout and the four key presses are counted, every slot is free" \
	bash -c 'grep -q "dtmf_events=4 dtmf_tx=4 rtp_timeouts=1 " <<<"$1" && grep -q "slots free 1024/1024" <<<"$1"' \
	_ "$stats"
check "voxgate stops cleanly" vg_stop
