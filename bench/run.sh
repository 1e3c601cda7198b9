#!/usr/bin/env bash
# run.sh: voxgate's dataplane capacity and latency, with rtpengine measured in the
# same run on the same machine.
#
#   bench/run.sh [SECONDS]       (default 30: the length of each confirming run)
#
# voxgate: the voxgate binary on the default config (made room for 25,000 calls, for
# 30,000 in the steps past that; the echo bot without delay), its dataplane on a
# net_memif port with one dp lcore on CPU 1. Calls are set up through signaling: sipp
# (bench/uac_cps.xml, 1,000 calls/s) places N calls whose media address is the load
# generator's; tools/vgload, on the other end of the memif, plays the callers' media
# (50 G.711 packets/s per call) and reads voxgate's stats files. Signaling, the bot
# worker, sipp and vgload share CPU 0.
# Ramped over N (5,000 to 20,000, then up 2,500 at a time until a step loses or N
# reaches 30,000: vgload's limit, below), then the largest N with zero loss is run
# again for SECONDS.
# With SRTP the figures come from build/dp_bench --srtp (the same dataplane and bot
# code in one process, calls through the control path; vgload has no SRTP).
# rtpengine (Debian's rtpengine-daemon, userspace only: --table=-1, one media thread,
# pinned to CPU 1, in a loopback-only network namespace this script creates) gets the
# same offered load: N calls of 50 PCMU packets/s, transcoded to PCMA (codec mask +
# transcode over NG), so it decodes and encodes every packet as voxgate does;
# build/udp_load (CPU 0) offers it and counts.
# Prints one table; every run's raw figures go to bench/results/ (not committed).
source "$(dirname "$0")/lib.sh"
secs=${1:-30}
bench_start bench ""
ns=vgbench$$
mf=vgmf$$
rt_pid=""
cleanup() {
	[ -n "$rt_pid" ] && kill "$rt_pid" 2>/dev/null && wait "$rt_pid" 2>/dev/null
	mf_cleanup
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- voxgate itself, on a memif port (mf_run, lib.sh) ----
mf_sock="$out/memif.sock"

# ---- voxgate ----
vg_run() { # vg_run MODE N SECONDS -> file; MODE plain (voxgate on memif) or srtp
	local f="$out/voxgate-$1-$2-$3s.txt"
	if [ "$1" = plain ]; then
		mf_edits=() # past lib.sh's 25,000 calls: room for vg_ceiling on one address
		[ "$2" -le 25000 ] || mf_edits=('rtp_ports = "10000-60000";' 'rtp_ports = "1024-65535";'
			'max_calls = 25000;' "max_calls = $vg_ceiling;")
		mf_run "$2" "$3"
		return
	fi
	timeout $(($3 + 60)) "$top/build/dp_bench" --srtp --calls "$2" --seconds "$3" >"$f" 2>&1 || true
	echo "$f"
}
vg_report() { # vg_report MODE N FILE: one line of the ramp
	local f=$3
	echo "voxgate $1 $2 calls: lost $(val lost "$f"), dp drops $(val dp_drops "$f")$(drop_reasons "$f"), $([ "$1" = plain ] && echo "port missed $(val port_missed "$f"), generator late up to $(val gen_late_max_us "$f") us, CPU 0: bot worker $(val bot_cpu_percent "$f")% generator $(val gen_cpu_percent "$f")%, ")$(val cycles_per_packet "$f") cycles/packet, dp busy $(val dp_busy_percent "$f")%"
}
# The fixed steps, then 2,500 calls more at a time until a step loses (lib.sh's ramp
# stops at the first step that fails) or N reaches vg_ceiling: a lcore about 60% busy
# at 20,000 calls carries more, and the ratio by calls should say how many.
# The ceiling is the load generator's: tools/vgload takes at most 30,000 calls
# (--calls), and it plays every call against the one voxgate address it hears first
# (calls are keyed by voxgate's RTP port alone), so it cannot drive calls on
# dataplane.extra_addresses. One address holds 32,255 calls, so the ramp stays on one
# address and needs no extra_addresses; past 25,000 calls (the 10000-60000 ports
# lib.sh gives) vg_run widens rtp_ports to 1024-65535 and max_calls to vg_ceiling.
# At 30,000 calls the memif rings (16,384 packets) hold about 11 ms of traffic.
vg_ceiling=30000
vg_steps=(5000 10000 12500 15000 17500 20000)
for ((n = 22500; n <= vg_ceiling; n += 2500)); do vg_steps+=("$n"); done
ramp "voxgate plain" "vg_run plain" vg_ok "vg_report plain" "${vg_steps[@]}"
best_vg=$best vg_final=$final
vg_stop="beyond it a step or the ${secs} s run lost packets"
[ "$best_vg" != "$vg_ceiling" ] ||
	vg_stop="the ceiling (vgload's, one media address), not the lcore's limit: nothing lost"

# ---- voxgate with SRTP: the same ramp, every call AES_CM_128_HMAC_SHA1_80 ----
# The generator does the same SRTP work for its side of every call on the other
# core, so the ramp stops where the generator saturates; cycles/packet tell the rest.
ramp "voxgate srtp" "vg_run srtp" vg_ok "vg_report srtp" 500 1000 1500 2000 2500 3000
best_vgs=$best vgs_final=$final

# libsrtp2 alone, through voxgate's wrapper: Debian's NSS build and the OpenSSL one
taskset -c 1 "$top/build/srtp_ops_openssl" --sessions 1000 --suite gcm >"$out/srtp-gcm-1.txt"
for lib in nss openssl; do
	taskset -c 1 "$top/build/srtp_ops_$lib" --sessions 1000 >"$out/srtp-$lib-1.txt"
	"$top/build/srtp_ops_$lib" --sessions 1000 --threads 2 --packets 100000 \
		>"$out/srtp-$lib-2.txt"
done
ops() { # ops LIB THREADS OP: cycles per OP (protect, unprotect) of thread 0
	awk -v t="$2" -v op="$3_cycles" '$1 == "threads" && $2 == t && $4 == 0 {
		for (i = 5; i < NF; i++) if ($i == op) print $(i + 1) }' "$out/srtp-$1-$2.txt"
}

# ---- rtpengine ----
ip netns add "$ns"
ip -n "$ns" link set lo up
rt_start() {
	ip netns exec "$ns" taskset -c 1 rtpengine --foreground --log-stderr --table=-1 \
		--interface=127.0.0.1 --listen-ng=127.0.0.1:2223 --port-min=30000 \
		--port-max=60000 --num-threads=1 --log-level=3 >"$out/rtpengine.log" 2>&1 &
	rt_pid=$!
	for _ in $(seq 50); do
		ip netns exec "$ns" python3 -c 'import socket,sys; s=socket.socket(2,2); s.settimeout(0.2); s.sendto(b"p d7:command4:pinge",("127.0.0.1",2223)); s.recv(99)' 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
rt_stop() { kill "$rt_pid"; wait "$rt_pid" 2>/dev/null || true; rt_pid=""; }
rt_run() { # rt_run N SECONDS -> file
	local f="$out/rtpengine-$1-$2s.txt"
	rt_start
	ip netns exec "$ns" python3 "$top/bench/ng_calls.py" "$1" 2223 >"$out/ports-$1"
	ip netns exec "$ns" taskset -c 0 "$top/build/udp_load" "$out/ports-$1" "$2" "$rt_pid" \
		>"$f" 2>&1 || true
	rt_stop
	echo "$f"
}
rt_ok() { [ "$(val lost "$1")" = 0 ]; }

rt_report() { # rt_report N FILE: one line of the ramp
	echo "rtpengine $1 calls: lost $(val lost "$2"), $(val cycles_per_packet "$2") cycles/packet, cpu $(val peer_cpu_percent "$2")%"
}
ramp rtpengine rt_run rt_ok rt_report 250 500 1000 1250 1500 2000 3000
best_rt=$best rt_final=$final

# ---- the table ----
proj() { awk -v c="$1" 'BEGIN { if (c > 0) printf "%d", 3e9 / (c * 100); else print "-" }'; }
vg_c=$(val cycles_per_packet "$vg_final")
rt_c=$(val cycles_per_packet "$rt_final")
cat <<EOT | tee "$out/summary.txt"

machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), TSC $(val tsc_ghz "$vg_final") GHz
date: $(date -u +%Y-%m-%d), run: bench/run.sh $secs; raw figures: ${out#$top/}
load: N calls, each 50 packets/s in and 50 out (G.711, 20 ms); zero loss over ${secs} s
voxgate ramp: ${vg_steps[*]} calls, 10 s each, until one lost; largest N at zero loss $best_vg, $vg_stop
voxgate: the voxgate binary, $(val dp_lcores "$vg_final") dp lcore on a net_memif port; calls set up by sipp through signaling, media from tools/vgload
dp lcores: 1 of $(nproc) cores (CPU 0 holds signaling, the bot worker, sipp and the generator), so scaling over lcores is not measured here

| figure | voxgate (1 dp lcore, memif) | rtpengine (userspace, 1 thread) |
|---|---|---|
| largest N measured at zero loss | $best_vg | $best_rt |
| packets/s at that N (in + out) | $(val dp_pps "$vg_final") | $(val peer_pps "$rt_final") |
| CPU of the gateway core at that N | $(val dp_busy_percent "$vg_final")% (loop busy) | $(val peer_cpu_percent "$rt_final")% |
| cycles per packet (in + out) | $vg_c | $rt_c |
| calls per 3 GHz core, from cycles/packet | $(proj "$vg_c") | $(proj "$rt_c") |
| packets the port dropped unseen (imissed, rx_nombuf) | $(val port_missed "$vg_final") | - |
| the generator's send tick (250 us), latest (us; a late tick sends its packets in a burst) | $(val gen_late_max_us "$vg_final") | - |
| CPU 0 (shared) over the window: bot worker / generator | $(val bot_cpu_percent "$vg_final")% / $(val gen_cpu_percent "$vg_final")% | - |
| page faults the dp lcore took, warm-up / window | $(val dp_minflt_warmup "$vg_final") / $(val dp_minflt "$vg_final") | - |
| CPU 1's time stolen by the host over the window (its TSC ran on) | $(val steal_percent_cpu1 "$vg_final")% | - |
| latency packet in -> frame on the bot worker's ring p50/p99/p99.9 (us) | $(lat in_to_ring "$vg_final") | - |
| latency packet in -> frame taken by the bot worker p50/p99/p99.9 (us) | $(lat in_to_bot "$vg_final") | - |
| latency bot frame -> taken by the dp lcore p50/p99/p99.9 (us) | $(lat bot_to_dp "$vg_final") | - |
| latency send slot due -> served p50/p99/p99.9 (us) | $(lat due_to_out "$vg_final") | - |
| latency bot frame -> packet out p50/p99/p99.9 (us, includes the wait for the call's 20 ms send slot) | $(lat bot_to_out "$vg_final") | - |
| round trip in -> echo out p50/p99/p99.9 (us, the same wait) | $(lat round_trip "$vg_final") | - |
| dataplane bytes per call (+ playout queue) | $(val dp_bytes_per_call "$vgs_final") (+ $(val playout_bytes_per_call "$vgs_final")) | - |

ratio voxgate/rtpengine, calls per core from cycles/packet: $(awk -v a="$vg_c" -v b="$rt_c" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "-" }')
ratio voxgate/rtpengine, largest N measured at zero loss: $(awk -v a="$best_vg" -v b="$best_rt" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')

SRTP (AES_CM_128_HMAC_SHA1_80 both ways, SDES keys), voxgate, same run:

| figure | plain RTP | SRTP |
|---|---|---|
| largest N measured at zero loss | $best_vg | $best_vgs (the generator's own SRTP saturates its core beyond) |
| cycles per packet (in + out) | $vg_c | $(val cycles_per_packet "$vgs_final") |
| calls per 3 GHz core, from cycles/packet | $(proj "$vg_c") | $(proj "$(val cycles_per_packet "$vgs_final")") |
| heap per call (libsrtp2 contexts) | - | $(val heap_bytes_per_call "$vgs_final") |

libsrtp2 2.5.0 per 172-byte packet, 1000 calls round-robin (bench/srtp_ops.c), cycles:

| build | protect, 1 thread | unprotect, 1 thread | protect, 2 threads at once |
|---|---|---|---|
| Debian's (NSS) | $(ops nss 1 protect) | $(ops nss 1 unprotect) | $(ops nss 2 protect) |
| Debian's source with OpenSSL (tools/srtp_openssl.sh) | $(ops openssl 1 protect) | $(ops openssl 1 unprotect) | $(ops openssl 2 protect) |

AEAD_AES_128_GCM on the OpenSSL build, 1 thread: protect $(ops gcm 1 protect), unprotect $(ops gcm 1 unprotect) cycles
ratio NSS/OpenSSL, protect, 1 thread: $(awk -v a="$(ops nss 1 protect)" -v b="$(ops openssl 1 protect)" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
EOT
