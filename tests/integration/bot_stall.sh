#!/usr/bin/env bash
# bot_stall.sh: a bot worker that stops for 150 ms loses no frame when the rings to it
# hold more (bots.ring_ms = 200, the default), and does with rings of 40 ms: the stall
# is what the setting absorbs. The stall is real: a busy loop at real-time priority on
# the worker's CPU, 150 ms of every second, as a noisy neighbour or a burst of TLS
# handshakes would take it. The callers (tools/vgload on a memif port, at a higher
# real-time priority) and the dp lcore (CPU 1) go on meanwhile.
# 500 calls placed by sipp (as many as the call slots, so that a ring of 40 ms holds
# 82 ms of them, rounded up to a power of two, and one of 200 ms 328 ms), 4 s
# measured, each ring size with a voxgate of its own. The echoes queue behind the first
# stall and that queue absorbs the next ones; vgload's tone has no quiet frame, so
# the worker trims none of it (bots/bot.c, bot_window).
source "$(dirname "$0")/lib.sh"

calls=500
secs=4
net_up

# run TAG RING_MS: voxgate with that ring, the calls, the stalls; vgload's figures in
# $tmp/TAG.out, voxgate's log in $tmp/TAG.log.
run() {
	local tag=$1 sock="$tmp/$1.sock" cpu stall_pid rc
	conf_edit '"--vdev=net_af_packet0,iface=vgm0"' \
		"\"--file-prefix=${prefix}g\", \"--vdev=net_memif0,role=server,socket=$sock,socket-abstract=no\"" \
		'port = "net_af_packet0";' 'port = "net_memif0";' \
		'max_calls = 1024;' "max_calls = $calls;" 'workers = 1;' "workers = 1; ring_ms = $2;" \
		'delay_ms = 500;' 'delay_ms = 0;'
	vg_start "$tmp/voxgate.conf" || return 1
	cpu=$(sed -n 's/.*bot  worker 0 running on CPU(s) \([0-9]*\)$/\1/p' "$tmp/voxgate.log")
	sipp_load "$tag-sipp" "$calls" 250 14000
	# 25 stalls at most, one a second, until vgload is done
	python3 - "${cpu:-0}" 25 150 <<'PY' &
import os, sys, time
cpu, n, ms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
os.sched_setaffinity(0, {cpu})
os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(5))
for _ in range(n):
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        pass
    time.sleep(1 - ms / 1000)
PY
	stall_pid=$!
	bg_pids+=("$stall_pid")
	timeout 60 "$top/build/vgload" --calls "$calls" --seconds "$secs" --warmup 2 --learn 10 \
		--fifo 10 --stats "$vg_pid" --linger 20 -- -l "${cpu:-0}" --no-huge -m 256 \
		--no-shconf --no-pci --file-prefix "${prefix}l" \
		"--vdev=net_memif0,role=client,socket=$sock,socket-abstract=no" \
		--log-level=lib.eal:error >"$tmp/$tag.out" 2>"$tmp/$tag.err"
	rc=$?
	kill "$stall_pid" 2>/dev/null
	wait "$stall_pid" 2>/dev/null
	sed "s/^/# $tag: /" "$tmp/$tag.out" "$tmp/$tag.err"
	wait "$sipp_pid"
	vg_stop
	cp "$tmp/voxgate.log" "$tmp/$tag.log"
	grep "bot worker [0-9]*: sessions" "$tmp/$tag.log" | sed "s/^/# $tag: /"
	return "$rc"
}
v() { sed -n "s/^$2 //p" "$tmp/$1.out" | head -1; }

run deep 200
rc=$?
check "200 ms rings: vgload ran to the end with all $calls calls" \
	test "$rc" = 0 -a "$(v deep calls)" = "$calls"
check "voxgate says what the rings hold (8192 frames, 200 ms of every call)" \
	grep -q "frame rings to the bot workers: 8192 frames each, 200 ms of every call" \
	"$tmp/deep.log"
check "the worker was stalled: frames waited 50 ms or more for it (p99)" \
	[ "$(v deep in_to_bot_us_p99)" -ge 50000 ]
trimmed=$(sed -n 's/.*bot worker 0:.* trimmed \([0-9]*\) .*/\1/p' "$tmp/deep.log")
check "yet no frame was dropped for want of room (rings, playout queue, backlog)" \
	test "$(v deep dp_drops)" = 0 -a "$(v deep bot_drops)" = 0 \
	-a "$(grep -c "backlog full [1-9]" "$tmp/deep.log")" = 0
check "and every packet's echo came back (lost $(v deep lost)), none trimmed: a tone is speech (trimmed ${trimmed:-?})" \
	test "$(v deep lost)" = 0 -a "$(v deep echoed)" = "$(v deep sent)" -a "${trimmed:-x}" = 0
check "each echo on its own call with its audio intact" \
	test "$(v deep echo_wrong_call)" = 0 -a "$(v deep echo_bad_audio)" = 0
check "and sipp's $calls calls all ended well (BYE answered)" \
	grep -q "Successful call.*| *$calls *$" <(tr -d '\r' <"$tmp/deep-sipp.out")

run shallow 40
rc=$?
check "40 ms rings: vgload ran to the end with all $calls calls" \
	test "$rc" = 0 -a "$(v shallow calls)" = "$calls"
check "the same stalls overflow them: frames dropped as bot_ring_full, echoes lost" \
	test "$(v shallow dp_drop_bot_ring_full)" -gt 0 -a "$(v shallow lost)" -gt 0
check "the other calls' audio was not harmed: no echo on a wrong call or corrupted" \
	test "$(v shallow echo_wrong_call)" = 0 -a "$(v shallow echo_bad_audio)" = 0
