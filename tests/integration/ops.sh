#!/usr/bin/env bash
# ops.sh: what operators run against voxgate: Prometheus metrics, voxctl, drain and
# the graceful stop.
#   - /metrics passes `promtool check metrics` and says what a known call did
#   - voxctl lists the call in progress (trunk, agent, numbers, codec, bot, RTP),
#     shows it, hangs it up; refuses clearly without the token or without voxgate
#   - voxctl drain: OPTIONS and new INVITEs get 503 with Retry-After, the call in
#     progress goes on; undrain takes calls again
#   - SIGTERM drains and stops once the last call has ended; with a call that does
#     not end, it ends it with BYE when signaling.stop_grace is over
source "$(dirname "$0")/lib.sh"

api=http://198.18.0.1:8088
voxctl() { ip netns exec "$gw" "$top/build/voxctl" "$@"; }
in_gw() { ip netns exec "$gw" "$@"; }

# metric NAME{LABELS}: its value in $tmp/metrics.txt ("" when absent).
metric() {
	awk -v m="$1" '$1 == m { print $2 }' "$tmp/metrics.txt"
}
export -f metric
export tmp
scrape() {
	in_gw curl -s -u "prom:s3cret" "$api/metrics" >"$tmp/metrics.txt"
}

net_up
conf_edit 'api = { address = "198.18.0.1"; port = 8088; };' \
	'api = { address = "198.18.0.1"; port = 8088; auth_token = "s3cret"; };' \
	'retry_after = 5;' 'retry_after = 7;
  node_id = 7;'
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

# 1. Refusals voxctl explains.
voxctl --api "$api" calls >"$tmp/v.out" 2>"$tmp/v.err"
rc=$?
check "voxctl without the token: exit 4, saying the token was refused" \
	bash -c '[ "$1" -eq 4 ] && grep -q "refused the token (401)" "$2"' _ "$rc" "$tmp/v.err"
check "/metrics without the token: 401" \
	test "$(in_gw curl -s -o /dev/null -w '%{http_code}' "$api/metrics")" = 401

# 2. A call in progress, as voxctl and the metrics show it.
check "a call is up" bye_call_start
sleep 0.5
voxctl --config "$tmp/voxgate.conf" calls >"$tmp/table.out" 2>&1
sed 's/^/# /' "$tmp/table.out"
check "voxctl calls (the config's API and token): one line for the call, answered, to echo" \
	bash -c 'grep -Eq "^CA[0-9a-f]{32} +answered +in +local +echo +\\+15550002 +echo .* PCMA +no +0 +ready" "$1" &&
		 grep -q "^1 call(s)$" "$1"' _ "$tmp/table.out"
voxctl --config "$tmp/voxgate.conf" calls --json >"$tmp/calls.json"
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["calls"][0]["sid"])' "$tmp/calls.json")
check "voxctl calls --json: the call's fields (call id, media addresses, RTP sent)" \
	python3 - "$tmp/calls.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["calls"][0]
ok = (c["state"] == "answered" and c["direction"] == "inbound" and c["trunk"] == "local"
      and c["agent"] == "echo" and c["to"] == "echo" and c["codec"] == "PCMA"
      and c["srtp"] is None and c["bot"] == "ready" and c["call_id"]
      and c["media"]["local"].startswith("198.18.1.1:")
      and c["media"]["remote"] == "198.18.1.2:6100" and c["rtp"]["tx_packets"] > 0
      and c["duration_s"] > 0 and c["answered_s"] is not None)
print("#", json.dumps(c))
sys.exit(not ok)
PY
check "the sid names the node (signaling.node_id 7): $sid" \
	bash -c '[[ $1 =~ ^CA[0-9a-f]{16}0000000000000007$ ]]' _ "$sid"
voxctl --config "$tmp/voxgate.conf" call "$sid" >"$tmp/call.json"
check "voxctl call SID: that call" grep -q "\"sid\": \"$sid\"" "$tmp/call.json"

scrape
check "/metrics passes promtool check metrics" \
	bash -c 'promtool check metrics <"$1" >"$2" 2>&1' _ "$tmp/metrics.txt" "$tmp/promtool.out"
sed 's/^/# promtool: /' "$tmp/promtool.out" | head -20
check "/metrics: 1 call active, on trunk local and agent echo, 1 INVITE received" \
	bash -c '[ "$(metric voxgate_calls_active)" = 1 ] &&
		 [ "$(metric "voxgate_trunk_calls_active{trunk=\"local\"}")" = 1 ] &&
		 [ "$(metric "voxgate_agent_calls_active{agent=\"echo\"}")" = 1 ] &&
		 [ "$(metric "voxgate_sip_requests_received_total{method=\"INVITE\"}")" = 1 ] &&
		 [ "$(metric voxgate_calls_answered_total)" = 1 ]'
check "/metrics: the dp lcore's packets sent and its latency histogram" \
	bash -c '[ "$(metric "voxgate_dp_tx_rtp_total{lcore=\"0\"}")" -gt 0 ] &&
		 [ "$(metric "voxgate_dp_latency_seconds_count{lcore=\"0\",hop=\"due_to_out\"}")" -gt 0 ] &&
		 [ "$(metric voxgate_port_sent_bytes_total)" -gt 0 ]'

# 3. Drain: new calls and probes get 503, the call goes on.
voxctl --config "$tmp/voxgate.conf" drain | sed 's/^/# /'
sipp_caller "$top/tests/integration/sipp/options_503.xml" -s echo
check "draining: OPTIONS gets 503 with Retry-After: 7 and a Warning" test $? -eq 0
sipp_caller "$top/tests/integration/sipp/uac_503.xml" -s echo
check "draining: a new INVITE gets 503 with Retry-After: 7" test $? -eq 0
voxctl --config "$tmp/voxgate.conf" calls >"$tmp/table.out"
check "draining: the call in progress goes on" grep -q "^1 call(s); draining" "$tmp/table.out"
voxctl --config "$tmp/voxgate.conf" undrain | sed 's/^/# /'
sipp_caller "$top/tests/integration/sipp/options.xml" -s echo
check "undrain: OPTIONS gets 200 again" test $? -eq 0

# 4. Hang-up by voxctl.
voxctl --config "$tmp/voxgate.conf" hangup "$sid" >"$tmp/hangup.out" 2>&1
check "voxctl hangup SID" grep -q '"status": "completed"' "$tmp/hangup.out"
wait "$bye_pid"
check "... and the caller got a BYE, which it answered" test $? -eq 0
sleep 0.3
voxctl --config "$tmp/voxgate.conf" call "$sid" >/dev/null 2>"$tmp/v.err"
rc=$?
check "voxctl call SID of an ended call: exit 1, no such call" \
	bash -c '[ "$1" -eq 1 ] && grep -q "404 No such call in progress" "$2"' _ "$rc" "$tmp/v.err"
scrape
check "/metrics after it: no call active, 1 ended by the bot (bot_hangup), 503s by reason draining" \
	bash -c '[ "$(metric voxgate_calls_active)" = 0 ] &&
		 [ "$(metric "voxgate_calls_ended_total{cause=\"bot_hangup\"}")" = 1 ] &&
		 [ "$(metric "voxgate_calls_refused_total{reason=\"draining\",code=\"503\"}")" = 1 ] &&
		 [ "$(metric voxgate_sip_options_drained_total)" = 1 ] &&
		 [ "$(metric "voxgate_sip_requests_received_total{method=\"OPTIONS\"}")" = 2 ]'
grep -E '^voxgate_calls_(ended|outcome)' "$tmp/metrics.txt" | sed 's/^/# /'

# 5. SIGTERM with a call up: drain, stop once it has ended.
check "a second call is up" bye_call_start
kill -TERM "$vg_pid"
sleep 1
sipp_caller "$top/tests/integration/sipp/options_503.xml" -s echo
check "SIGTERM: voxgate drains (OPTIONS 503) and keeps the call" \
	bash -c '[ "$1" -eq 0 ] && kill -0 "$2"' _ $? "$vg_pid"
sid=$(voxctl --config "$tmp/voxgate.conf" calls --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"][0]["sid"])')
voxctl --config "$tmp/voxgate.conf" hangup "$sid" >/dev/null
wait "$bye_pid"
stopped=1
for _ in $(seq 50); do kill -0 "$vg_pid" 2>/dev/null || { stopped=0; break; }; sleep 0.1; done
wait "$vg_pid"
rc=$?
vg_pid=""
check "SIGTERM: voxgate stopped (exit 0) once that call had ended" \
	bash -c '[ "$1" -eq 0 ] && [ "$2" -eq 0 ] && grep -q "drained: no call left, stopping" "$3"' \
	_ "$stopped" "$rc" "$tmp/voxgate.log"

voxctl --api "$api" calls >/dev/null 2>"$tmp/v.err"
rc=$?
check "voxctl with voxgate stopped: exit 3, saying it does not answer" \
	bash -c '[ "$1" -eq 3 ] && grep -q "voxgate does not answer at" "$2"' _ "$rc" "$tmp/v.err"

# 6. SIGTERM with a call that does not end: BYE at the grace's end.
mv "$tmp/voxgate.log" "$tmp/voxgate-1.log"
conf_edit 'retry_after = 5;' 'retry_after = 5;
  stop_grace = 2;'
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with stop_grace = 2"; exit 1; }
check "a call is up" bye_call_start
kill -TERM "$vg_pid"
start=$(date +%s%N)
wait "$bye_pid"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
check "SIGTERM with stop_grace 2: the call got voxgate's BYE after the grace ($took ms)" \
	bash -c '[ "$1" -eq 0 ] && [ "$2" -ge 1800 ] && [ "$2" -lt 5000 ]' _ "$rc" "$took"
for _ in $(seq 50); do kill -0 "$vg_pid" 2>/dev/null || break; sleep 0.1; done
wait "$vg_pid"
rc=$?
vg_pid=""
check "... and voxgate stopped (exit 0), saying the grace was over" \
	bash -c '[ "$1" -eq 0 ] && grep -q "grace over with 1 call(s) left" "$2"' _ "$rc" "$tmp/voxgate.log"
