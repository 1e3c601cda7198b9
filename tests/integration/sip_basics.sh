#!/usr/bin/env bash
# sip_basics.sh: voxgate's media address and SIP answers that need no audio.
#   - the DPDK port answers ARP and ICMP echo for the media address
#   - OPTIONS out of dialog gets 200 with an Allow header naming INVITE
#   - an offer without G.711 gets 488 with a Warning saying why, and costs no slot
#   - CANCEL before the answer gets 200 and the INVITE 487; the slot comes back
#   - a Session-Expires under the minimum gets 422 with Min-SE
#   - the TCP listener answers too
#   - malloc is jemalloc's
#   - `voxgate --check` accepts the default config and rejects a bad one with
#     file:line and exit code 2; EAL arguments after "--" replace the config's
source "$(dirname "$0")/lib.sh"

# The default config plus an agent that rings 3 s before answering (for CANCEL).
conf_edit 'delay_ms = 500; }' $'delay_ms = 500; },\n    { id = "ring"; builtin = "echo"; answer_delay_ms = 3000; }' \
	'routes = (' $'routes = (\n    { user = "^ring$"; agent = "ring"; },'
# A stats file left by a voxgate that was killed: the next start removes it.
true & dead_pid=$!
wait "$dead_pid"
stale="/dev/shm/voxgate-$dead_pid.stats"
: >"$stale"
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts on the default config"; exit 1; }
check "a stats file of a process that is gone is removed at start-up" test ! -e "$stale"
rm -f "$stale"
ok "voxgate starts on the default config"
check "malloc is served by jemalloc (checked at start-up)" \
	grep -q "allocator: jemalloc .* (malloc verified)" "$tmp/voxgate.log"

check "media address 198.18.1.1 answers ICMP echo (ARP resolved by the DPDK port)" \
	in_caller ping -c 3 -i 0.2 -W 1 -q 198.18.1.1
check "OPTIONS gets 200 with Allow: INVITE, and rport filled in (RFC 3581)" \
	sipp_caller "$top/tests/integration/sipp/options.xml" -s echo
check "OPTIONS over TCP gets 200 (TCP listener)" \
	sipp_caller "$top/tests/integration/sipp/options.xml" -s echo -t t1
check "an offer of G.729 only gets 488 with a Warning" \
	sipp_caller "$top/tests/integration/sipp/uac_488.xml" -s echo
check "INVITE cancelled while ringing: 180, then 200 to CANCEL and 487 to the INVITE" \
	sipp_caller "$top/tests/integration/sipp/uac_cancel.xml" -s ring
sleep 0.3
stats=$(vg_stats)
check "the 488 is counted, the cancelled call ended unanswered, every slot is free" \
	grep -q "invites 2 answered 0 ended 1 active 0; rejected 403 0 404 0 408 0 480 0 488 1 500 0 503 0; slots free 1024/1024" <<<"$stats"
check "counted as an offer with no usable media" \
	grep -q "refused by reason: offer=1$" <<<"$stats"
check "dataplane counted the ICMP echo requests it answered" \
	grep -Eq "icmp_replies=[3-9]" <<<"$stats"
"$top/build/vgstat" "$vg_pid" >"$tmp/vgstat.out" 2>&1
sed 's/^/# vgstat: /' "$tmp/vgstat.out"
check "vgstat reads the same counters from the stats file while voxgate runs" \
	grep -Eq "^lcore 0: rx_packets=[0-9]+ .*icmp_replies=[3-9] .*drops:" "$tmp/vgstat.out"
check "a session timer under the minimum gets 422 with Min-SE (RFC 4028)" \
	sipp_caller "$top/tests/integration/sipp/uac_422.xml" -s echo
stats_file="/dev/shm/voxgate-$vg_pid.stats"
check "voxgate stops cleanly on SIGINT" vg_stop
check "and removes its stats file" test ! -e "$stats_file"

check "voxgate --check accepts config/voxgate.conf" \
	"$top/build/voxgate" --config "$top/config/voxgate.conf" --check
sed 's/max_calls = 1024;/max_calls = "many";/' "$top/config/voxgate.conf" >"$tmp/bad.conf"
line=$(grep -n 'max_calls' "$tmp/bad.conf" | cut -d: -f1)
"$top/build/voxgate" --config "$tmp/bad.conf" --check >"$tmp/check.out" 2>&1
rc=$?
check "a mistyped key exits 2" test "$rc" -eq 2
check "and names file:line" \
	grep -q "$tmp/bad.conf:$line: 'dataplane.max_calls' must be an integer" "$tmp/check.out"

# EAL arguments on the command line replace eal.args: with one lcore there is no
# dp lcore, and voxgate must say so.
"$top/build/voxgate" --config "$top/config/voxgate.conf" -- -l 0 --no-huge -m 64 \
	--no-shconf --no-pci --log-level=lib.eal:error >"$tmp/eal.out" 2>&1
rc=$?
check "EAL arguments after -- replace the config's (one lcore: refused, exit 1)" \
	bash -c '[ "$1" -eq 1 ] && grep -q "the EAL gives 0 worker lcore(s)" "$2"' _ "$rc" "$tmp/eal.out"
