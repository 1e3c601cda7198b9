#!/usr/bin/env bash
# ws_run.sh: WebSocket bot sessions per bot worker thread (Twilio dialect, echo).
#
#   bench/ws_run.sh [SECONDS]      (default 10 per step)
#
# build/dp_bench --ws runs voxgate's dp lcore and one bot worker whose every session
# is a WebSocket to build/ws_echo (127.0.0.1, an echo bot in the Twilio dialect): the
# caller's frames go out as media messages and come back as the bot's audio. N goes
# up until a step loses a frame; the largest N at zero loss is the figure. The same
# N with the built-in echo bot (no socket) is the figure beside it. ws_echo runs on
# CPU 1 beside the dp lcore (which naps 20 us when idle in this mode); the generator
# and the bot worker share CPU 0. Each step prints the worker's and ws_echo's CPU and
# the hop latencies.
# Part 2 gives the worker CPU 0 to itself: build/dp_bench --loop 1 --ws, no generator
# (each call's packets loop back through the port to its dp lcore on CPU 1, ws_echo
# beside it); a step is carried when every call's 50 frames a second reach the bot and
# come back, nothing is dropped, and the worker takes each frame within 20 ms (p99).
# Raw figures go to bench/results/.
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
bench_start run "ws-"
echo_pid=""
cleanup() { [ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null && wait "$echo_pid" 2>/dev/null; true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)"

# ticks THREAD_DIR: user + system time of a thread or process (/proc/.../stat), in
# clock ticks
ticks() { awk '{ print $14 + $15 }' "$1/stat" 2>/dev/null || echo 0; }
# cpu A B SECONDS: percent of one CPU between two tick readings
cpu() { awk -v a="$1" -v b="$2" -v s="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / s }'; }

best=0
for n in 200 400 600 800 1000 1500 2000; do
	taskset -c 1 "$top/build/ws_echo" 9901 >"$out/ws_echo-$n.txt" 2>&1 &
	echo_pid=$!
	sleep 0.5
	f="$out/ws-$n.txt"
	timeout $((secs + 60)) "$top/build/dp_bench" --calls "$n" --seconds "$secs" \
		--ws ws://127.0.0.1:9901/ >"$f" 2>&1 &
	bench_pid=$!
	# the worker's and the peer's CPU over the middle of the measured window (after
	# the set-up and the 2 s warm-up)
	sleep $((n / 500 + 4))
	# (bench_pid is timeout's; dp_bench is its child)
	worker=$(grep -l '^vg-bot0$' /proc/"$(pgrep -P "$bench_pid" | head -1)"/task/*/comm \
		2>/dev/null | head -1 || true)
	worker=${worker%/comm}
	w0=$(ticks "$worker") e0=$(ticks /proc/$echo_pid)
	sleep $((secs / 2))
	w1=$(ticks "$worker") e1=$(ticks /proc/$echo_pid)
	wait "$bench_pid"
	cleanup
	echo_pid=""
	echo "ws sessions $n: sent $(val sent "$f"), lost $(val lost "$f"), dp drops $(val dp_drops "$f"); CPU: worker $(cpu "$w0" "$w1" $((secs / 2)))%, ws_echo $(cpu "$e0" "$e1" $((secs / 2)))%; p50/p99/p99.9 us: packet in -> worker $(lat in_to_bot "$f"), bot frame at worker -> on the wire $(lat bot_to_out "$f"), round trip $(lat round_trip "$f")"
	[ "$(val lost "$f")" = 0 ] && [ "$(val dp_drops "$f")" = 0 ] && best=$n || break
done
echo "largest number of WebSocket bot sessions on one worker at zero frame loss: $best"

best=0
for n in 200 400 600 800 1000 1500 2000 2500; do
	taskset -c 1 "$top/build/ws_echo" 9901 >"$out/ws_echo-loop-$n.txt" 2>&1 &
	echo_pid=$!
	sleep 0.5
	f="$out/ws-loop-$n.txt"
	timeout $((secs + 60)) "$top/build/dp_bench" --loop 1 --calls "$n" --seconds "$secs" \
		--ws ws://127.0.0.1:9901/ >"$f" 2>&1 &
	bench_pid=$!
	sleep $((n / 500 + 4))
	e0=$(ticks /proc/$echo_pid)
	sleep $((secs / 2))
	e1=$(ticks /proc/$echo_pid)
	wait "$bench_pid" || true # dp_bench --loop exits 3 when a call was not carried
	cleanup
	echo_pid=""
	echo "ws sessions $n, worker on a CPU of its own: carried $(val carried "$f"), frames to the bot / back per call-second $(val bot_frames_in_per_call_second "$f") / $(val bot_msgs_in_per_call_second "$f"), lost $(val lost "$f"); CPU: worker $(val worker0_cpu_percent "$f")%, ws_echo $(cpu "$e0" "$e1" $((secs / 2)))%, dp lcore $(val lcore0_cpu_percent "$f")%; p50/p99/p99.9 us: packet in -> worker $(lat in_to_bot "$f"), bot frame -> dp lcore $(lat lcore0_bot_to_dp "$f")"
	[ "$(val carried "$f")" = 1 ] && best=$n || break
done
echo "largest number of WebSocket bot sessions on a worker with a CPU of its own: $best"
