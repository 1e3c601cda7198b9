# lib.sh: what every integration script shares (sourced, not run).
#
# Gives each script its own pair of namespaces (tools/netns.sh, prefix vgt<pid>), a
# temporary folder, TAP output helpers, voxgate start/stop, and a trap that removes
# the namespaces, processes and files whatever happens (VG_KEEP_TMP=1 keeps the
# files, for a failure's logs).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
prefix="vgt$$"
gw="$prefix-gw"
caller_ns="$prefix-caller"
tmp=$(mktemp -d /tmp/vgtest.XXXXXX)
vg_pid=""
bg_pids=()

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: one TAP line for the command's success.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

in_caller() { ip netns exec "$caller_ns" "$@"; }

cleanup() {
	local p
	for p in "${bg_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	if [ -n "$vg_pid" ] && kill -0 "$vg_pid" 2>/dev/null; then
		kill -INT "$vg_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$vg_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$vg_pid" 2>/dev/null
	fi
	# what a function started in the background (in_caller ... &) left behind
	local ns
	for ns in "$caller_ns" "$gw"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null
	done
	"$top/tools/netns.sh" down "$prefix"
	if [ -n "${VG_KEEP_TMP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

net_up() { "$top/tools/netns.sh" up "$prefix"; }

# vg_start [CONFIG]: start voxgate in the gateway namespace and wait until it
# accepts calls (20 s at most). Its log is $tmp/voxgate.log.
vg_start() {
	local conf=${1:-$top/config/voxgate.conf}
	ip netns exec "$gw" "$top/build/voxgate" --config "$conf" >"$tmp/voxgate.log" 2>&1 &
	vg_pid=$!
	for _ in $(seq 200); do
		grep -q "voxgate accepting calls" "$tmp/voxgate.log" && return 0
		kill -0 "$vg_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# voxgate did not start:"
	sed 's/^/# /' "$tmp/voxgate.log"
	return 1
}

# vg_stats: have voxgate print its counters; return them (the lines after the
# request) and show them as TAP comments on stderr.
vg_stats() {
	local before
	before=$(wc -l <"$tmp/voxgate.log")
	kill -USR1 "$vg_pid"
	sleep 0.3
	tail -n +"$((before + 1))" "$tmp/voxgate.log" | grep ' stats ' | tee >(sed 's/^/# /' >&2)
}

# dp_minflt: the minor page faults voxgate's dp lcore threads have taken so far.
dp_minflt() {
	local t sum=0
	for t in /proc/"$vg_pid"/task/*; do
		[[ $(cat "$t/comm" 2>/dev/null) == rte-worker-* ]] || continue
		# minflt is the 10th field, the 8th after the ")" that closes comm
		sum=$((sum + $(sed 's/.*) //' "$t/stat" | cut -d' ' -f8)))
	done
	echo "$sum"
}

# vg_stop: SIGINT, wait for a clean exit (10 s). Returns voxgate's exit status.
vg_stop() {
	local rc
	kill -INT "$vg_pid"
	for _ in $(seq 100); do kill -0 "$vg_pid" 2>/dev/null || break; sleep 0.1; done
	wait "$vg_pid"
	rc=$?
	vg_pid=""
	return "$rc"
}

# sipp_caller SCENARIO [ARGS...]: run sipp in the caller namespace against voxgate,
# one call, bounded in time; its logs go to $tmp.
sipp_caller() {
	local sf=$1
	shift
	(cd "$tmp" && timeout 60 ip netns exec "$caller_ns" sipp -sf "$sf" \
		-i 198.18.0.2 -p 5070 -mi 198.18.1.2 -m 1 -nostdin -timeout 40 \
		-trace_msg -trace_err -message_file "$tmp/sipp.msg" -error_file "$tmp/sipp.err" \
		"$@" 198.18.0.1:5060) >"$tmp/sipp.out" 2>&1
}

# sipp_load TAG N RATE HOLD_MS: N calls to the echo bot placed by sipp in the
# background (bench/uac_cps.xml, RATE a second, each held HOLD_MS), their media
# address the load generator's (198.18.1.2); sets sipp_pid. Its statistics go to
# $tmp/TAG.csv, its output to $tmp/TAG.out.
sipp_load() {
	(cd "$tmp" && timeout 60 ip netns exec "$caller_ns" sipp -sf "$top/bench/uac_cps.xml" \
		-key media_addr 198.18.1.2 -i 198.18.0.2 -p 5070 -s echo -r "$3" -m "$2" \
		-d "$4" -nostdin -timeout 50 -trace_stat -stf "$tmp/$1.csv" 198.18.0.1:5060) \
		>"$tmp/$1.out" 2>&1 &
	sipp_pid=$!
	bg_pids+=("$sipp_pid")
}

# pcma_scenario OUT AUDIO HOLD_MS [ANSWER_IP]: sipp/uac_pcma_echo.xml streaming the
# A-law file AUDIO in a call held HOLD_MS, written to OUT; the answer's c= address
# must match the regular expression ANSWER_IP (default: 198.18.1.1, the default
# config's media address).
pcma_scenario() {
	local ip=${4:-'198\.18\.1\.1'}
	sed "s|@AUDIO@|$2|; s|@HOLD_MS@|$3|; s|@ANSWER_IP@|${ip//\\/\\\\}|" \
		"$top/tests/integration/sipp/uac_pcma_echo.xml" >"$1"
}

# concurrent_scenario OUT: 3 s of A-law in $tmp/caller.al and a scenario (OUT) for
# several concurrent echo calls, each streaming it from its own RTP port, held 4.5 s,
# answered on 198.18.1.1 or 198.18.1.3.
concurrent_scenario() {
	python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 3
	pcma_scenario "$1" "$tmp/caller.al" 4500 '198\.18\.1\.[13]'
	sed -i 's|\[media_port\]|[rtpstream_audio_port]|' "$1"
}

# answers LOG: the media address:port of each answer in sipp's log LOG (sorted, each
# followed by a space).
answers() {
	sed -n 's/^answer_port \([0-9]*\) answer_ip \([0-9.]*\).*/\2:\1/p' "$1" | sort | tr '\n' ' '
}

# echo_intact PCAP ADDRESS:PORT: the call answered on ADDRESS:PORT, captured in PCAP,
# got $tmp/caller.al back intact from there (rtp_audio.py, echo 500 ms late, pace
# p99 under 15 ms, or VG_PACE_P99_MS); its figures as TAP comments.
echo_intact() {
	local rc
	python3 "$top/tests/integration/rtp_audio.py" check "$1" --file "$tmp/caller.al" \
		--gw "${2%:*}" --caller 198.18.1.2 --delay-ms 500 --gw-port "${2#*:}" \
		--pace-p99-ms "${VG_PACE_P99_MS:-15}" >"$tmp/check.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/check.out"
	return $rc
}

# pcma_call NAME HOLD_MS SIPP_ARG...: a call streaming $tmp/caller.al, held HOLD_MS
# (scenario $tmp/NAME.xml), placed by sipp_caller with SIPP_ARGs (-s USER ...), the
# caller's side captured in $tmp/NAME.pcap. Returns sipp's status.
pcma_call() {
	local name=$1 hold=$2 rc
	shift 2
	pcma_scenario "$tmp/$name.xml" "$tmp/caller.al" "$hold"
	capture "$tmp/$name.pcap"
	sipp_caller "$tmp/$name.xml" "$@"
	rc=$?
	capture_stop
	return $rc
}

# bot PORT SCRIPT [NAME [ARGS...]]: the test WebSocket bot (ws_bot.py) in the caller
# namespace, at most 300 s; its log is $tmp/bot-NAME (NAME: the script's). Returns
# once it listens.
bot() {
	local port=$1 script=$2 name=${3:-$2}
	shift $(($# < 3 ? $# : 3))
	in_caller timeout 300 /usr/bin/python3 "$top/tests/integration/ws_bot.py" serve \
		--port "$port" --script "$script" --log "$tmp/bot-$name" "$@" \
		2>"$tmp/bot-$name.err" &
	bg_pids+=($!)
	for _ in $(seq 50); do grep -q listen "$tmp/bot-$name" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# baresip_dir DIR LISTEN WAV ACCOUNT [LINE]: a baresip configuration in DIR with no
# sound card (aufile plays WAV; sndfile writes what it hears as DIR/dump-*-dec.wav),
# G.711 and SRTP, listening on LISTEN, with the one account ACCOUNT and an extra
# config LINE
baresip_dir() {
	mkdir -p "$1"
	cat >"$1/config" <<CONF
poll_method epoll
sip_listen $2
${5:-}
audio_player aubridge,sink
audio_alert aubridge,sink
audio_source aufile,$3
rtp_ports 30000-30010
module_path /usr/lib/baresip/modules
module aubridge.so
module g711.so
module aufile.so
module sndfile.so
module srtp.so
module_tmp account.so
module_app menu.so
snd_path $1
CONF
	echo "$4" >"$1/accounts"
	: >"$1/contacts"
}

# bye_call_start [USER [SCENARIO]]: place a call to USER (echo) that waits for
# voxgate's BYE (SCENARIO, sipp/uac_wait_bye.xml by default), in the background, and
# wait until it is up. Sets bye_pid (wait on it for sipp's verdict). Returns 0 once
# the call is established.
bye_call_start() {
	rm -f "$tmp/bye.log" # a call before this one must not pass for it
	(cd "$tmp" && timeout 40 ip netns exec "$caller_ns" sipp -sf \
		"${2:-$top/tests/integration/sipp/uac_wait_bye.xml}" -s "${1:-echo}" -i 198.18.0.2 -p 5072 \
		-mi 198.18.1.2 -mp 6100 -m 1 -nostdin -timeout 35 -trace_logs \
		-log_file "$tmp/bye.log" 198.18.0.1:5060 >"$tmp/bye.out" 2>&1) &
	bye_pid=$!
	bg_pids+=("$bye_pid")
	for _ in $(seq 100); do
		grep -q established "$tmp/bye.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ctx_json N: the call context the bot got for the Nth call of the run, as voxgate
# logs it at debug level (log.level = "debug").
ctx_json() {
	sed -n 's/.*bot  call [^ ]*: context //p' "$tmp/voxgate.log" | sed -n "${1}p"
}

# ctx_has N EXPRESSION: true when the Nth call's context, as c, makes the Python
# expression true.
ctx_has() {
	ctx_json "$1" | python3 -c "import json, sys; c = json.load(sys.stdin); sys.exit(not ($2))"
}

# conf_edit OLD NEW [OLD NEW ...]: write $tmp/voxgate.conf, the default config with
# the first OLD replaced by NEW, for each pair. An OLD the default config does not
# hold ends the script with a failure: the test would no longer test what it says.
conf_edit() {
	python3 - "$top/config/voxgate.conf" "$tmp/voxgate.conf" "$@" <<'PY' ||
import sys
conf = open(sys.argv[1]).read()
args = sys.argv[3:]
for old, new in zip(args[0::2], args[1::2]):
    if old not in conf:
        sys.exit("conf_edit: %r is not in config/voxgate.conf" % old)
    conf = conf.replace(old, new, 1)
open(sys.argv[2], "w").write(conf)
PY
		{ not_ok "the test's changes to the default config apply"; exit 1; }
}

# capture PCAP: tcpdump on the caller's media link, in the background, until
# capture_stop. Started directly, not in a subshell, so that $cap_pid is tcpdump
# itself; immediate mode, so that stopping it loses nothing not yet read.
capture() {
	ip netns exec "$caller_ns" tcpdump -i vgm1 -n -U --immediate-mode -w "$1" udp \
		2>/dev/null &
	cap_pid=$!
	bg_pids+=("$cap_pid")
	sleep 1
}
capture_stop() {
	sleep 0.5
	kill -TERM "$cap_pid" 2>/dev/null
	wait "$cap_pid" 2>/dev/null
}

# cdr_has N EXPR: the Nth record (1-based) of the CDR file $cdr makes the Python EXPR
# true, on r (the record) and x (the JSON in $cdr_x, if set); prints the record when not.
cdr_has() {
	python3 - "$cdr" "$1" "$2" "${cdr_x:-null}" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
x = json.loads(sys.argv[4])
ok = eval(sys.argv[3])
if not ok:
    print("# record:", json.dumps(r))
sys.exit(0 if ok else 1)
PY
}

# tls_certs: a self-signed certificate for 198.18.0.1 in $tmp/tls (agent.pem: key and
# certificate, cafile.pem: the certificate, for clients to check it), and in
# tls_listener the conf_edit pair that adds a TLS listener on 5061 using it.
tls_certs() {
	mkdir -p "$tmp/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=198.18.0.1" \
		-addext "subjectAltName=IP:198.18.0.1" -keyout "$tmp/tls/key.pem" \
		-out "$tmp/tls/cert.pem" 2>/dev/null
	cat "$tmp/tls/key.pem" "$tmp/tls/cert.pem" >"$tmp/tls/agent.pem"
	cp "$tmp/tls/cert.pem" "$tmp/tls/cafile.pem"
	tls_listener=('{ transport = "tcp"; address = "198.18.0.1"; port = 5060; }'
		$'{ transport = "tcp"; address = "198.18.0.1"; port = 5060; },\n    { transport = "tls"; address = "198.18.0.1"; port = 5061; tls_dir = "'"$tmp/tls"'"; }')
}
