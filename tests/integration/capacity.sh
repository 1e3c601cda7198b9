#!/usr/bin/env bash
# capacity.sh: a call that finds every call slot busy gets 503 with the configured
# Retry-After, costs nothing, and the call that holds the slot goes on (it gets its
# BYE when voxgate stops).
source "$(dirname "$0")/lib.sh"

sed 's/max_calls = 1024;/max_calls = 1;/; s/retry_after = 5;/retry_after = 7;/' \
	"$top/config/voxgate.conf" >"$tmp/voxgate.conf"
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with one call slot"; exit 1; }

(cd "$tmp" && timeout 40 ip netns exec "$caller_ns" sipp -sf \
	"$top/tests/integration/sipp/uac_wait_bye.xml" -s echo -i 198.18.0.2 -p 5072 \
	-mi 198.18.1.2 -mp 6100 -m 1 -nostdin -timeout 35 -trace_logs \
	-log_file "$tmp/hold.log" 198.18.0.1:5060 >"$tmp/hold.out" 2>&1) &
hold_pid=$!
bg_pids+=("$hold_pid")
for _ in $(seq 100); do grep -q established "$tmp/hold.log" 2>/dev/null && break; sleep 0.1; done
check "the first call takes the only slot" grep -q established "$tmp/hold.log"
check "a second call gets 503 with Retry-After: 7" \
	sipp_caller "$top/tests/integration/sipp/uac_503.xml" -s echo
stats=$(vg_stats)
check "the 503 is counted and the first call is still up" \
	grep -q "invites 2 answered 1 ended 0 active 1; rejected 403 0 404 0 488 0 503 1; slots free 0/1" <<<"$stats"
check "voxgate stops cleanly" vg_stop
wait "$hold_pid"
check "the call holding the slot got its BYE" test $? -eq 0
