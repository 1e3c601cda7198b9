#!/usr/bin/env bash
# session_timer.sh: session timers (RFC 4028), with the caller as the refresher.
#   - a Session-Expires of 90 s (signaling.min_se) is taken: the 200 carries
#     Session-Expires 90;refresher=uac and Require: timer
#   - the caller's refresh by UPDATE 30 s in gets 200 with Session-Expires
#   - then the caller goes quiet: voxgate ends the call with BYE before the session
#     expires (RFC 4028 10: 32 s or a third of it before, so about 60 s after the
#     refresh), not counted from the INVITE, and the slot comes back
#   - a caller that asks voxgate to refresh (refresher=uas) gets refresher=uas in the
#     200, and an UPDATE that makes no offer and carries Session-Expires about half
#     the interval in (nua's choice, before the caller's 60 s), beside the call above
# The calls send no RTP, so the RTP timeout is off here. About 95 s.
source "$(dirname "$0")/lib.sh"

conf_edit 'rtp_latch = true;' 'rtp_latch = true; rtp_timeout_ms = 0;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }
(cd "$tmp" && exec timeout 100 ip netns exec "$caller_ns" sipp \
	-sf "$top/tests/integration/sipp/uac_session_timer_uas.xml" -s echo -i 198.18.0.2 \
	-p 5074 -mi 198.18.1.2 -mp 6200 -m 1 -nostdin -timeout 90 -trace_err -trace_logs \
	-log_file "$tmp/uas.log" 198.18.0.1:5060 >"$tmp/uas.out" 2>&1) &
uas_pid=$!
bg_pids+=("$uas_pid")
(cd "$tmp" && timeout 150 ip netns exec "$caller_ns" sipp \
	-sf "$top/tests/integration/sipp/uac_session_timer.xml" -s echo -i 198.18.0.2 \
	-p 5070 -mi 198.18.1.2 -m 1 -nostdin -timeout 140 -trace_err -trace_logs \
	-log_file "$tmp/timer.log" 198.18.0.1:5060 >"$tmp/sipp.out" 2>&1)
rc=$?
sed 's/^/# /' "$tmp/timer.log"
check "Session-Expires 90;refresher=uac and Require: timer in the 200, the refresh by \
UPDATE answered 200 with Session-Expires, then BYE from voxgate" test $rc -eq 0
at() { sed -n "s/^$1 \([0-9]*\)$/\1/p" "$tmp/timer.log"; }
refreshed=$(at refreshed)
bye=$(at bye)
check "the BYE came about 60 s after the refresh ($(( (bye - refreshed) / 1000 )) s), so \
the refresh counted" \
	test -n "$bye" -a -n "$refreshed" -a $((bye - refreshed)) -gt 55000 -a \
	$((bye - refreshed)) -lt 66000
check "voxgate logs the expiry with the call id" \
	grep -q "call .*session timer expired" "$tmp/voxgate.log"
wait "$uas_pid"
rc=$?
sed 's/^/# /' "$tmp/uas.log"
update=$(sed -n 's/^update \([0-9]*\)$/\1/p' "$tmp/uas.log")
check "refresher=uas asked for: the 200 says refresher=uas and voxgate refreshes with \
an UPDATE without an offer, with Session-Expires, $((update / 1000)) s in (before the \
caller would give up at 60 s)" \
	test $rc -eq 0 -a -n "$update" -a "${update:-0}" -gt 30000 -a "${update:-0}" -lt 58000
stats=$(vg_stats)
check "both calls ended and their slots are free" \
	grep -q "answered 2 ended 2 active 0; .* slots free 1024/1024" <<<"$stats"
check "voxgate stops cleanly" vg_stop
