#!/usr/bin/env bash
# cdr.sh: call detail records (signaling.cdr_file), one JSON line per ended call.
#   - a CDR file voxgate cannot open stops it at start-up, saying why
#   - an echo call the caller hangs up: its record, field by field (who, when, how
#     long and in 6-second billing units, why it ended and the outcome, media
#     addresses and codec, RTP and RTCP figures)
#   - the file moved away and SIGHUP: voxgate opens the path again, the next record
#     goes there, the moved file keeps its one
#   - a call still up when voxgate stops: recorded with end "shutdown"
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
conf_edit 'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$tmp/no-such-dir/cdr.jsonl\";"
net_up
timeout 30 ip netns exec "$gw" "$top/build/voxgate" --config "$tmp/voxgate.conf" \
	>"$tmp/bad.log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/bad.log" | grep -i cdr
check "a CDR file that cannot be opened stops voxgate at start-up (exit $rc), saying why" \
	bash -c '[ "$1" -ne 0 ] && grep -q "signaling.cdr_file $2: No such file or directory" "$3"' \
	_ "$rc" "$tmp/no-such-dir/cdr.jsonl" "$tmp/bad.log"

sed -i "s|$tmp/no-such-dir/cdr.jsonl|$cdr|" "$tmp/voxgate.conf"
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a CDR file"; exit 1; }
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 2
check "an echo call streaming 2 s of audio, hung up by the caller after 2.5 s" \
	pcma_call call 2500 -s echo -key sdp_ip 198.18.1.2 -trace_logs -log_file "$tmp/sipp.log"
port=$(sed -n 's/^answer_port \([0-9]*\).*/\1/p' "$tmp/sipp.log" | head -1)
sleep 0.5
sed 's/^/# cdr: /' "$cdr"
# record FILE PORT: the first record of FILE checked against what the test knows of
# the echo call (answered on RTP port PORT); prints what differs, fails if anything
# does
record() {
	python3 - "$@" <<'PY'
import json, sys, time, calendar
path, port = sys.argv[1], sys.argv[2]
r = json.loads(open(path).readline())
bad = []
def want(what, ok):
    if not ok:
        bad.append(what)
want("call_id", len(r["call_id"]) > 0)
start = calendar.timegm(time.strptime(r["start"][:19], "%Y-%m-%dT%H:%M:%S"))
want("start within the last minute (%s)" % r["start"], 0 <= time.time() - start < 60)
want("end %s" % r["end"], r["end"] == "caller_bye")
want("answered %s" % r["answered"], r["answered"] is True and 0 <= r["answer_s"] < 5)
want("trunk, agent, called", (r["trunk"], r["agent"], r["called"]) == ("local", "echo", "echo"))
want("from_number %s" % r["from_number"], r["from_number"] == "+918888888888")
want("source_ip %s" % r["source_ip"], r["source_ip"] == "198.18.0.2")
m = r["media"]
want("media.local %s" % m["local"], m["local"] == "198.18.1.1:%s" % port)
want("media.remote %s" % m["remote"], m["remote"].startswith("198.18.1.2:"))
want("codec %s, srtp %s" % (m["codec"], m["srtp"]), m["codec"] == "PCMA" and m["srtp"] is None)
rtp = r["rtp"]  # 2 s of audio from the caller, the call held 2.5 s
want("duration_s %s" % r["duration_s"], 2.4 <= r["duration_s"] < 6)
want("billing %s units, %s s" % (r["billing_units"], r["billed_s"]),
     (r["billing_units"], r["billed_s"]) == (1, 6))
want("outcome %s (the caller hung up on the bot)" % r["outcome"], r["outcome"] == "disconnected")
want("no final intent, transfer, hand-back",
     (r["final_intent"], r["final_delivered"], r["transfer"], r["handback"]) == (None, False, None, None))
want("rtp in %s (100 sent)" % rtp["in"], rtp["in"] == 100)
want("latched %s" % m["latched"], m["latched"] == m["remote"])
want("rtp out %s" % rtp["out"], 100 <= rtp["out"] <= 300)
want("in_dropped, in_lost", rtp["in_dropped"] == 0 and rtp["in_lost"] == 0)
print("# record: %s" % ("; ".join(bad) if bad else "as expected"))
sys.exit(1 if bad else 0)
PY
}
check "the record: who, when, how long, why (caller_bye), media, RTP figures" \
	record "$cdr" "$port"

mv "$cdr" "$tmp/cdr.1"
kill -HUP "$vg_pid"
sleep 0.3
check "SIGHUP: voxgate opens the CDR path again" grep -q "CDR file $cdr opened again" \
	"$tmp/voxgate.log"
check "a call that is up when voxgate stops" bye_call_start
stats=$(vg_stats)
check "voxgate counts the CDR it wrote (cdrs 1, none lost)" grep -q "cdrs 1 (lost 0)" <<<"$stats"
check "voxgate stops cleanly" vg_stop
wait "$bye_pid"
check "the call got its BYE" test $? -eq 0
sed 's/^/# cdr: /' "$cdr"
check "the moved file keeps its one record, the new one has the next" \
	test "$(wc -l <"$tmp/cdr.1")" -eq 1 -a "$(wc -l <"$cdr")" -eq 1
check "its record says it ended at shutdown" \
	python3 -c 'import json, sys; r = json.loads(open(sys.argv[1]).readline());
sys.exit(0 if r["end"] == "shutdown" and r["answered"] and r["agent"] == "echo" else 1)' "$cdr"
