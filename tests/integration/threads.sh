#!/usr/bin/env bash
# threads.sh: which CPUs voxgate's threads run on.
#
# Bot workers are EAL control threads: they run on the CPUs the process may use that
# no lcore is pinned to, and on the main lcore's CPU only when every CPU holds an
# lcore. Here the main lcore and the one dp lcore are both put on CPU 0 (--lcores
# 0@0,1@0, the lcores napping when idle), so the bot worker must be on CPU 1 and up
# (CPU 0 on a machine of one CPU).
# Checked from voxgate's log and from the kernel's view of each thread
# (/proc/PID/task/*/status); then an echo call gets its audio back with its bot on
# its own CPU.
source "$(dirname "$0")/lib.sh"

last=$(($(nproc) - 1))
free=1
[ "$last" -gt 1 ] && free="1-$last"
[ "$last" -lt 1 ] && free=0 # one CPU: none is free, the main lcore's it is
conf_edit '"-l", "0-1",' '"--lcores=0@0,1@0",' \
	'rtp_latch = true;' $'rtp_latch = true;\n  idle_sleep_us = 100;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with both lcores on CPU 0"; exit 1; }
ok "voxgate starts with both lcores on CPU 0"

check "the log says the bot worker runs on the CPUs free of lcores ($free)" \
	grep -q "bot  worker 0 running on CPU(s) $free$" "$tmp/voxgate.log"
affinity() { # affinity THREAD_NAME: its allowed CPUs, as the kernel lists them
	local t
	for t in /proc/"$vg_pid"/task/*; do
		[ "$(cat "$t/comm")" = "$1" ] && sed -n 's/^Cpus_allowed_list:\s*//p' "$t/status"
	done
}
echo "# vg-bot0: $(affinity vg-bot0), rte-worker-1: $(affinity rte-worker-1)"
check "the kernel has the bot worker thread on CPU(s) $free" [ "$(affinity vg-bot0)" = "$free" ]
check "and the dp lcore on CPU 0" [ "$(affinity rte-worker-1)" = 0 ]

python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 3
pcma_call call 4500 -s echo -key sdp_ip 198.18.1.2
rc=$?
[ $rc -eq 0 ] || { sed 's/^/# sipp: /' "$tmp/sipp.out" "$tmp/sipp.err" 2>/dev/null | tail -20; echo; }
check "an echo call is answered and ended" test $rc -eq 0
python3 "$top/tests/integration/rtp_audio.py" check "$tmp/call.pcap" --file "$tmp/caller.al" \
	--gw 198.18.1.1 --caller 198.18.1.2 --pt 8 --delay-ms 500 --pace-p99-ms 15 \
	>"$tmp/check.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/check.out"
check "its audio came back intact from the bot worker on CPU(s) $free" test $rc -eq 0
check "voxgate stops cleanly" vg_stop
