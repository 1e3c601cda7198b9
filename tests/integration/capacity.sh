#!/usr/bin/env bash
# capacity.sh: a call that finds every call slot busy gets 503 with the configured
# Retry-After, costs nothing, and the call that holds the slot goes on (it gets its
# BYE when voxgate stops).
source "$(dirname "$0")/lib.sh"

conf_edit 'max_calls = 1024;' 'max_calls = 1;' 'retry_after = 5;' 'retry_after = 7;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with one call slot"; exit 1; }

check "the first call takes the only slot" bye_call_start
check "a second call gets 503 with Retry-After: 7" \
	sipp_caller "$top/tests/integration/sipp/uac_503.xml" -s echo
stats=$(vg_stats)
check "the 503 is counted and the first call is still up" \
	grep -q "invites 2 answered 1 ended 0 active 1; rejected 403 0 404 0 408 0 480 0 488 0 500 0 503 1; slots free 0/1" <<<"$stats"
check "voxgate stops cleanly" vg_stop
wait "$bye_pid"
check "the call holding the slot got its BYE" test $? -eq 0
