#!/usr/bin/env bash
# overload.sh: the calls-per-second limit (signaling.max_cps).
# Six INVITEs within a few milliseconds against max_cps = 2: two are answered, four
# get 503 before anything is allocated. (The bucket refills at 2/s, so anything timed
# after the burst would race it; Retry-After on 503 is checked in capacity.sh.)
source "$(dirname "$0")/lib.sh"

conf_edit 'retry_after = 5;' $'retry_after = 5;\n  max_cps = 2;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with max_cps = 2"; exit 1; }

# sipp counts the refused calls as failed: its verdict is not the point here.
sipp_caller "$top/tests/integration/sipp/uac_context.xml" -s 7001 -m 6 -l 6 -r 1000
sleep 0.5
stats=$(vg_stats)
check "of the burst, two answered and four refused with 503; no slot held" \
	grep -q "invites 6 answered 2 ended 2 active 0; rejected 403 0 404 0 408 0 480 0 488 0 500 0 503 4; slots free 1024/1024" <<<"$stats"
check "the four counted as over max_cps, not as a full gateway" \
	grep -q "refused by reason: cps=4$" <<<"$stats"
check "voxgate stops cleanly" vg_stop
