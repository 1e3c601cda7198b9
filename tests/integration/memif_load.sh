#!/usr/bin/env bash
# memif_load.sh: voxgate on a memif port, with calls placed by sipp and media from the
# load generator (tools/vgload) on the other end: the path bench/run.sh measures.
# 40 calls for 4 s: every packet's echo comes back to its own call with the tone
# intact, and voxgate's shared stats files (vgstat, vgload --stats) carry the
# counters and latency histograms of the dp lcore and the bot worker.
source "$(dirname "$0")/lib.sh"

calls=40
secs=4
sock="$tmp/memif.sock"
net_up
conf_edit '"--vdev=net_af_packet0,iface=vgm0"' \
	"\"--file-prefix=${prefix}g\", \"--vdev=net_memif0,role=server,socket=$sock,socket-abstract=no\"" \
	'port = "net_af_packet0";' 'port = "net_memif0";' \
	'playout_ms = 2000;' 'playout_ms = 200;' \
	'delay_ms = 500;' 'delay_ms = 0;'
vg_start "$tmp/voxgate.conf" || exit 1

# sipp holds each call until the generator is done (learn, 2 s warm-up, the run)
sipp_load sipp "$calls" 20 12000
timeout 60 "$top/build/vgload" --calls "$calls" --seconds "$secs" --warmup 2 --learn 10 \
	--stats "$vg_pid" --linger 20 -- -l 0 --no-huge -m 256 --no-shconf --no-pci \
	--file-prefix "${prefix}l" "--vdev=net_memif0,role=client,socket=$sock,socket-abstract=no" \
	--log-level=lib.eal:error >"$tmp/vgload.out" 2>"$tmp/vgload.err"
rc=$?
sed 's/^/# vgload: /' "$tmp/vgload.out" "$tmp/vgload.err"
v() { sed -n "s/^$1 //p" "$tmp/vgload.out" | head -1; }

check "vgload ran to the end (exit 0)" [ "$rc" = 0 ]
check "it heard voxgate send to every call (no call left out)" [ "$(v calls)" = "$calls" ]
check "every call sent 50 packets/s for $secs s" [ "$(v sent)" = $((calls * 50 * secs)) ]
check "every packet's echo came back: none lost" \
	test "$(v lost)" = 0 -a "$(v echoed)" = "$(v sent)"
check "each echo came back on its own call, with the 1 kHz tone byte for byte" \
	test "$(v echo_wrong_call)" = 0 -a "$(v echo_bad_audio)" = 0
check "voxgate dropped none of the window's packets or echoes (dp lcore, bot worker)" \
	test "$(v dp_drops)" = 0 -a "$(v bot_drops)" = 0
check "and its port dropped none unseen (imissed, rx_nombuf, errors from the stats file)" \
	test "$(v port_missed)" = 0 -a "$(v port_errors)" = 0
check "its dp lcore's cycles per packet are read from the stats file" \
	[ "$(v cycles_per_packet)" -gt 0 ]
check "the bot worker's histogram has packet in -> frame at the worker (p99 in µs)" \
	test "$(v in_to_bot_us_p99)" -gt 0 -a "$(v in_to_bot_us_p99)" -lt 1000000
check "a frame is on the worker's ring before the worker takes it (in_to_ring <= in_to_bot)" \
	test -n "$(v in_to_ring_us_p99)" -a "$(v in_to_ring_us_p99)" -le "$(v in_to_bot_us_p99)"
check "send slots are served within one packet time of their due time (p99.9 < 20 ms)" \
	test -n "$(v due_to_out_us_p999)" -a "$(v due_to_out_us_p999)" -lt 20000
check "bot frame -> packet out includes the wait for the 20 ms send slot (p99 >= 1 ms)" \
	test "$(v bot_to_out_us_p99)" -ge 1000 -a "$(v bot_to_out_us_p99)" -lt 1000000

"$top/build/vgstat" "$vg_pid" >"$tmp/vgstat.out" 2>&1
sed 's/^/# vgstat: /' "$tmp/vgstat.out" | cut -c1-300
check "vgstat prints the bot worker's counters and latency from its stats file" \
	grep -Eq "^bot worker 0: sessions_started=$calls .*frames_in=[1-9][0-9]* .*in_to_bot_us=[0-9]+/[0-9]+/[0-9]+" \
	"$tmp/vgstat.out"
check "and the dp lcore's latencies" \
	grep -Eq "^lcore 0: .*in_to_ring_us=[0-9]+/[0-9]+/[0-9]+ bot_to_dp_us=[0-9]+/[0-9]+/[0-9]+ bot_to_out_us=[1-9][0-9]*/[0-9]+/[0-9]+ due_to_out_us=[0-9]+/" \
	"$tmp/vgstat.out"
check "and the port's counters (packets in and out, none missed)" \
	grep -Eq "^port: ipackets=[1-9][0-9]* opackets=[1-9][0-9]* ibytes=[1-9][0-9]* obytes=[1-9][0-9]* imissed=0 ierrors=0 oerrors=0 rx_nombuf=0$" \
	"$tmp/vgstat.out"

wait "$sipp_pid"
check "sipp's $calls calls all ended well (BYE answered)" \
	grep -q "Successful call.*| *$calls *$" <(tr -d '\r' <"$tmp/sipp.out")
vg_stats >/dev/null 2>&1
check "every slot is back in the dataplane and the bot worker" \
	grep -Eq "^lcore 0: .*calls_active=0 " <("$top/build/vgstat" "$vg_pid")
vg_stop
check "voxgate removed its stats files at exit" \
	test ! -e "/dev/shm/voxgate-$vg_pid.stats" -a ! -e "/dev/shm/voxgate-$vg_pid.bots"
