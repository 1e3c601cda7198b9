#!/usr/bin/env bash
# trunks.sh: a trunk's own conditions, checked before anything is allocated.
#   - required header: Ameyo's static X-Workspace-ID (seed 001); a call carrying the
#     right value is answered, one with another value gets 403 naming the header
#   - the trunk's call limit: beyond it 503 with Retry-After, the call in progress
#     untouched
source "$(dirname "$0")/lib.sh"

conf_edit '{ name = "local"; allow = [ "198.18.0.0/16", "127.0.0.0/8" ];' \
	$'{ name = "ameyo"; allow = [ "198.18.0.0/24" ]; max_calls = 1;\n      require = ( { header = "X-Workspace-ID"; value = "2b37ba17-7b20-4b3e-b138-1161e351d5c5"; } );' \
	'retry_after = 5;' 'retry_after = 7;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with the trunk's conditions"; exit 1; }

check "the right X-Workspace-ID: answered" \
	sipp_caller "$top/tests/integration/sipp/uac_context.xml" -s 7001
check "another X-Workspace-ID: 403 with a Warning naming the header" \
	sipp_caller "$top/tests/integration/sipp/uac_403.xml" -s 7001
check "a call takes the trunk's only call" bye_call_start
check "the next call of the trunk: 503 with Retry-After: 7" \
	sipp_caller "$top/tests/integration/sipp/uac_503.xml" -s 7001
stats=$(vg_stats)
check "403 and 503 counted, no slot taken by them" \
	grep -q "invites 4 answered 2 ended 1 active 1; rejected 403 1 404 0 408 0 480 0 488 0 500 0 503 1; slots free 1023/1024" <<<"$stats"
check "each under its own reason: the header, the trunk's limit" \
	grep -q "refused by reason: header=1 trunk_full=1$" <<<"$stats"
check "voxgate stops cleanly" vg_stop
wait "$bye_pid"
check "the call in progress got its BYE" test $? -eq 0
