#!/usr/bin/env bash
# dialog.sh: requests that arrive at awkward moments of a call's life.
#   - OPTIONS inside an established dialog (an SBC's keepalive probe) gets 200 and
#     the call goes on: RTP keeps flowing, and the BYE after it gets 200
#   - a CANCEL that crossed the 200 on the wire (sent on the INVITE's branch after
#     the 200 came in): answered 481 (RFC 3261 9.2: the INVITE's transaction is over;
#     200 would be as legal), no 487 follows, the call stays up until the caller's
#     BYE, and its slot comes back after
#   - CANCEL right behind the INVITE (as soon as its 100 Trying is in), 20 calls at
#     100 a second, so that it lands while the call's media and bot are being set up:
#     200 to each CANCEL, 487 to each INVITE, and afterwards every slot back, no call
#     active in signaling, dataplane or bot workers
#   - two re-INVITEs back to back (RFC 3261 14.2): 500 with Retry-After to the second,
#     200 to the first
source "$(dirname "$0")/lib.sh"

# The default config plus an agent that rings 1 s before answering.
conf_edit 'delay_ms = 500; }' $'delay_ms = 500; },\n    { id = "ring"; builtin = "echo"; answer_delay_ms = 1000; }' \
	'routes = (' $'routes = (\n    { user = "^ring$"; agent = "ring"; },'

# rtp_flows PCAP SECONDS: RTP from voxgate's media address to the caller for at least
# SECONDS, with no gap over 200 ms.
rtp_flows() {
	python3 - "$top/tests/integration" "$1" "$2" >"$tmp/rtp.out" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import rtp_audio
ts = [t for t, src, dst, sport, dport, pl in rtp_audio.read_pcap(sys.argv[2])
      if src == "198.18.1.1" and dport == 6000]
span = ts[-1] - ts[0] if ts else 0
gap = max((b - a for a, b in zip(ts, ts[1:])), default=0)
print("RTP from voxgate: %d packets over %.2f s, longest gap %.3f s" % (len(ts), span, gap))
sys.exit(0 if span >= float(sys.argv[3]) and gap <= 0.2 else 1)
PY
	local rc=$?
	sed 's/^/# /' "$tmp/rtp.out"
	return $rc
}

# stats_settle PATTERN: voxgate's counters match PATTERN within 10 s (calls end
# only once the dp lcore and the bot worker have both let go of them); the last
# counters are shown either way.
stats_settle() {
	local stats
	for _ in $(seq 20); do
		stats=$(vg_stats 2>/dev/null)
		grep -q "$1" <<<"$stats" && break
		sleep 0.5
	done
	sed 's/^/# /' <<<"$stats"
	grep -q "$1" <<<"$stats"
}

net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a ringing agent"; exit 1; }

# (a) OPTIONS in the dialog
capture "$tmp/options.pcap"
check "OPTIONS inside an answered call (To tag, CSeq 2) gets 200 with Allow, and the BYE after it 200" \
	sipp_caller "$top/tests/integration/sipp/uac_options_dialog.xml" -s echo
capture_stop
check "the call went on after the OPTIONS: RTP from voxgate for 1.8 s, no gap over 200 ms" \
	rtp_flows "$tmp/options.pcap" 1.8
check "the call ended by the caller's BYE, slot back" \
	stats_settle "invites 1 answered 1 ended 1 active 0; .*slots free 1024/1024"

# (b) CANCEL after the 200
check "CANCEL on the INVITE's branch after 180 and 200: 481 (CSeq CANCEL), no 487, ACK, BYE gets 200" \
	sipp_caller "$top/tests/integration/sipp/uac_cancel_after_200.xml" -s ring
grep -E "^SIP/2.0 [0-9]+" "$tmp/sipp.msg" | sed 's/^/# received: /'
cid=$(sed -n 's/^Call-ID: //p' "$tmp/sipp.msg" | head -1 | tr -d '\r')
check "voxgate ended that call on the caller's BYE, with no 487 sent" \
	bash -c 'grep -q "call $1: BYE from the peer" "$2" && ! grep -q "^SIP/2.0 487" "$3"' \
	_ "$cid" "$tmp/voxgate.log" "$tmp/sipp.msg"
check "the call was answered once and ended once, its slot back" \
	stats_settle "invites 2 answered 2 ended 2 active 0; .*slots free 1024/1024"

# (c) CANCEL right behind the INVITE, 20 times
check "20 INVITEs each followed at once by CANCEL (100 calls/s): 200 to every CANCEL, 487 to every INVITE" \
	bash -c 'cd "$1" && timeout 60 ip netns exec "$2" sipp -sf "$3" -s ring \
		-i 198.18.0.2 -p 5070 -mi 198.18.1.2 -m 20 -r 100 -nostdin -timeout 40 \
		-trace_msg -message_file "$1/cancel.msg" -trace_err -error_file "$1/cancel.err" \
		198.18.0.1:5060 >"$1/cancel.out" 2>&1' \
	_ "$tmp" "$caller_ns" "$top/tests/integration/sipp/uac_cancel_at_once.xml"
# The CANCELs that came while the media set-up was in flight: no 180 before them.
rang=$(grep -c '^SIP/2.0 180' "$tmp/cancel.msg" 2>/dev/null)
echo "# $((20 - ${rang:-0})) of 20 CANCELs came before the call's media was ready (no 180)"
check "afterwards every slot is back and no call is active (22 invites, 2 answered, 22 ended)" \
	stats_settle "invites 22 answered 2 ended 22 active 0; rejected 403 0 404 0 408 0 480 0 488 0 500 0 503 0; slots free 1024/1024"
stats=$(vg_stats 2>/dev/null)
check "the dataplane and the bot worker hold no call either" \
	bash -c 'grep -q "calls_active=0 " <<<"$1" && grep -q "sessions active 0 " <<<"$1"' _ "$stats"

# (d) two re-INVITEs at once
in_caller timeout 30 python3 "$top/tests/integration/sip_glare.py" 198.18.0.2 198.18.0.1 \
	5060 echo >"$tmp/glare.out" 2>&1
rc=$?
sed 's/^/# CSeq /' "$tmp/glare.out"
check "two re-INVITEs back to back: 500 with Retry-After to the second (RFC 3261 14.2), \
200 (hold: recvonly) to the first, then BYE gets 200" test $rc -eq 0
check "that call ended once, its slot back" \
	stats_settle "invites 23 answered 3 ended 23 active 0; .*slots free 1024/1024"
check "voxgate stops cleanly" vg_stop
