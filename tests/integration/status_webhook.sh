#!/usr/bin/env bash
# status_webhook.sh: call status webhooks (a trunk's or an agent's `status`), checked
# by an HTTP server that records what it gets (http_sink.py):
#   - the trunk's, as Twilio's StatusCallback form with the configured header:
#     initiated, in-progress, completed (CallDuration, EndCause, Outcome,
#     BillingUnits), SequenceNumber 0 1 2, the first retried after a 503
#   - an agent's, before the trunk's, as JSON and only the events it asks for
#     (ringing, completed): billing units, end cause, outcome, answer time
#   - a webhook that nobody answers: the call goes on, the failures are counted
source "$(dirname "$0")/lib.sh"

net_up
conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "timed"; builtin = "null"; answer_delay_ms = 300; end_after_ms = 1500;
      status = { url = "http://198.18.0.2:8793/status/agent"; format = "json";
                 events = [ "ringing", "completed" ]; retries = 1; timeout_ms = 1000; }; }' \
	'codecs = [ "PCMA", "PCMU" ]; }' \
	'codecs = [ "PCMA", "PCMU" ];
      status = { url = "http://198.18.0.2:8792/status/trunk?k=v"; headers = [ "X-Token: t0ken" ]; }; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^timed$"; agent = "timed"; }'

in_caller python3 "$top/tests/integration/http_sink.py" --addr 198.18.0.2 --port 8792 \
	--log "$tmp/trunk.jsonl" --status 503,200 >"$tmp/sink1.out" 2>&1 &
bg_pids+=($!)
# started straight (not through a function) so that $! is the server, to stop it
ip netns exec "$caller_ns" python3 "$top/tests/integration/http_sink.py" --addr 198.18.0.2 \
	--port 8793 --log "$tmp/agent.jsonl" >"$tmp/sink2.out" 2>&1 &
sink2=$!
bg_pids+=("$sink2")
for _ in $(seq 50); do
	grep -q listening "$tmp/sink1.out" && grep -q listening "$tmp/sink2.out" && break
	sleep 0.1
done
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

# wait_for FILE N: until FILE has N lines (5 s at most)
wait_for() {
	for _ in $(seq 50); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# 1. A call on the trunk's webhook: the caller hangs up after 2 s.
sipp_caller "$top/tests/integration/sipp/uac_pause_bye.xml" -s echo -d 2000
check "a call to echo, hung up by the caller after 2 s" test $? -eq 0
wait_for "$tmp/trunk.jsonl" 4
check "the trunk's webhook: initiated (retried after its 503), in-progress, completed" \
	python3 - "$tmp/trunk.jsonl" <<'PY'
import json, sys, urllib.parse as up
reqs = [json.loads(l) for l in open(sys.argv[1])]
forms = [dict(up.parse_qsl(r["body"])) for r in reqs]
for r, f in zip(reqs, forms):
    print("# %s %s %s" % (r["path"], r["headers"].get("Content-Type"), f))
# a retried event may come after the next one: order them by SequenceNumber
st = [f["CallStatus"] for f in sorted(forms, key=lambda f: int(f["SequenceNumber"]))]
seqs = sorted(f["SequenceNumber"] for f in forms)
last = max(forms, key=lambda f: int(f["SequenceNumber"]))
sids = {f["CallSid"] for f in forms}
ok = (st == ["initiated", "initiated", "in-progress", "completed"]
      and all(r["path"] == "/status/trunk?k=v" and r["headers"].get("X-Token") == "t0ken"
              and r["headers"].get("Content-Type") == "application/x-www-form-urlencoded"
              for r in reqs)
      and len(sids) == 1 and next(iter(sids)).startswith("CA") and len(next(iter(sids))) == 34
      and seqs == ["0", "0", "1", "2"]
      and all(f["From"] == "+919812345678" and f["To"] == "echo" and f["Direction"] == "inbound"
              and f["Trunk"] == "local" and f["Agent"] == "echo"
              and f["CallbackSource"] == "call-progress-events" and f["SipCallId"]
              for f in forms)
      and last["CallDuration"] == "2" and last["EndCause"] == "caller_bye"
      and last["Outcome"] == "disconnected" and last["BillingUnits"] == "1")
sys.exit(not ok)
PY

# 2. A call to an agent with a webhook of its own: JSON, ringing and completed only.
sipp_caller "$top/tests/integration/sipp/uac_wait_bye.xml" -s timed
check "a call to timed, which rings 0.3 s and hangs up 1.5 s after its start" test $? -eq 0
wait_for "$tmp/agent.jsonl" 2
check "the agent's webhook (not the trunk's): ringing and completed as JSON" \
	python3 - "$tmp/agent.jsonl" "$tmp/trunk.jsonl" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ev = [json.loads(r["body"]) for r in reqs]
for e in ev:
    print("#", json.dumps(e))
done = ev[-1]
ok = (len(reqs) == 2 and [e["event"] for e in ev] == ["ringing", "completed"]
      and [e["status"] for e in ev] == ["ringing", "completed"]
      and [e["sequence"] for e in ev] == [0, 1]
      and all(r["headers"].get("Content-Type") == "application/json" for r in reqs)
      and all(e["agent"] == "timed" and e["trunk"] == "local" and e["to"] == "timed"
              and e["from"] == "+15550002" and e["direction"] == "inbound"
              and e["call_sid"] == ev[0]["call_sid"] for e in ev)
      and done["end"] == "bot_hangup" and done["outcome"] == "success"
      and 0.25 < done["answer_s"] < 1.0 and 1.0 < done["duration_s"] < 2.5
      and done["billing_units"] == 1 and done["billed_s"] == 6 and done["sip_status"] is None
      and len(open(sys.argv[2]).readlines()) == 4)
sys.exit(not ok)
PY

# 3. Nobody answers the agent's webhook: the call is not held up, failures counted.
kill "$sink2"
wait "$sink2" 2>/dev/null
sipp_caller "$top/tests/integration/sipp/uac_wait_bye.xml" -s timed
check "with the agent's webhook down, the call goes as before" test $? -eq 0
sleep 1.5
in_gw() { ip netns exec "$gw" "$@"; }
in_gw curl -s http://198.18.0.1:8088/metrics >"$tmp/metrics.txt"
grep -E '^voxgate_webhook' "$tmp/metrics.txt" | sed 's/^/# /'
check "... its two events failed after 2 attempts each, counted: failed 2, retries 3, ok 5" \
	bash -c 'grep -qx "voxgate_webhooks_total{result=\"failed\"} 2" "$1" &&
		 grep -qx "voxgate_webhook_retries_total 3" "$1" &&
		 grep -qx "voxgate_webhooks_total{result=\"ok\"} 5" "$1"' _ "$tmp/metrics.txt"
check "voxgate stops cleanly" vg_stop
