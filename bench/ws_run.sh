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
# The callers talk as people do (--talk 800: 800 ms, then a 200 ms pause): the
# pauses are where the worker trims a standing queue of the bot's audio.
# Part 2 gives the worker CPU 0 to itself: build/dp_bench --loop 1 --ws, no generator
# (each call's packets loop back through the port to its dp lcore on CPU 1, ws_echo
# beside it); a step is carried when every call's 50 frames a second reach the bot and
# come back, nothing is dropped, and the worker takes each frame within 20 ms (p99).
# Part 3 is part 1 over wss:// (TLS to ws_echo, a self-signed certificate made for
# the run and given to voxgate as bots.tls_ca); each step also prints the handshakes
# per second (every session's TCP, TLS and WebSocket set-up, all calls at once).
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

# gen_step N URL [dp_bench arguments]: N sessions with the generator (parts 1 and 3);
# prints the step's line and returns 0 when no frame was lost
gen_step() {
	local n=$1 url=$2 tag
	shift 2
	tag=${url%%:*}
	if [ "$tag" = wss ]; then
		taskset -c 1 "$top/build/ws_echo" 9901 "$out/bot-cert.pem" "$out/bot-key.pem" \
			>"$out/ws_echo-$tag-$n.txt" 2>&1 &
	else
		taskset -c 1 "$top/build/ws_echo" 9901 >"$out/ws_echo-$tag-$n.txt" 2>&1 &
	fi
	echo_pid=$!
	sleep 0.5
	f="$out/$tag-$n.txt"
	timeout $((secs + 90)) "$top/build/dp_bench" --calls "$n" --seconds "$secs" --talk 800 \
		--ws "$url" "$@" >"$f" 2>&1 &
	bench_pid=$!
	# the worker's and the peer's CPU over the middle of the measured window (after
	# the set-up, the handshakes and the 2 s warm-up)
	for _ in $(seq 600); do grep -q '^ws_handshakes' "$f" 2>/dev/null && break; sleep 0.1; done
	sleep 3
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
	echo "$tag sessions $n: handshakes $(val ws_connected "$f") at $(val ws_handshakes_per_second "$f")/s, sent $(val sent "$f"), lost $(val lost "$f"), dp drops $(val dp_drops "$f"), trimmed $(val bot_frames_trimmed "$f"); CPU: worker $(cpu "$w0" "$w1" $((secs / 2)))%, ws_echo $(cpu "$e0" "$e1" $((secs / 2)))%; p50/p99/p99.9 us: packet in -> worker $(lat in_to_bot "$f"), bot frame at worker -> on the wire $(lat bot_to_out "$f"), round trip $(lat round_trip "$f")"
	[ "$(val lost "$f")" = 0 ] && [ "$(val dp_drops "$f")" = 0 ]
}

best=0
for n in 200 400 600 800 1000 1500 2000; do
	gen_step "$n" ws://127.0.0.1:9901/ && best=$n || break
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

# Part 3: wss://, a certificate made for the run (127.0.0.1), voxgate told to trust it
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$out/bot-key.pem" \
	-out "$out/bot-cert.pem" 2>/dev/null
best=0
for n in 200 400 600 800 1000 1500 2000; do
	gen_step "$n" wss://127.0.0.1:9901/ --ws-ca "$out/bot-cert.pem" && best=$n || break
done
echo "largest number of wss:// bot sessions on one worker at zero frame loss: $best"
