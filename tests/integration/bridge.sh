#!/usr/bin/env bash
# bridge.sh: a bridged transfer (PolyAI's handoff.invite, Ultravox's bridge: seeds
# 002, 003). A PCMA caller talks to a WebSocket bot that asks for a bridge to
# +15550100 with its caller id and an X- header; voxgate places the second leg
# through its outbound endpoint to sipp (the carrier's callee, answering PCMU).
#   - the second leg's INVITE: the target at the proxy, the bot's caller id, its
#     X-Ticket header
#   - the bot is told transfer_accepted (200) and its session stops
#   - the caller's audio reaches the target and the target's the caller, by content
#     (A-law to mu-law and back, decoded and compared frame by frame)
#   - the caller's BYE ends the second leg (voxgate's BYE, sipp answers)
#   - the CDRs name each other: the first leg's transfer (bridge, the second leg's
#     call id), the second leg's bridge_of
#   - a busy target: the bot is told transfer_failed (486, refused), hangs up, the
#     caller gets BYE
#   - try_refer: the caller's platform refuses the REFER (405), the bridge follows
#   - the caller's key presses once bridged reach the target as its RFC 4733 events
#   - a warm transfer: the target's own bot session briefs it, then completes (the
#     legs bridged, audio both ways) or cancels (the target gets BYE, the caller's
#     session is told)
#   - the counters: transfers, failures, relayed frames, every slot free
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "bridge"; url = "ws://198.18.0.2:8781/twilio"; },
    { id = "tryrefer"; url = "ws://198.18.0.2:8782/twilio"; },
    { id = "warm"; url = "ws://198.18.0.2:8783/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^bridge$"; agent = "bridge"; },
    { user = "^tryrefer$"; agent = "tryrefer"; },
    { user = "^warm$"; agent = "warm"; }' \
	'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$cdr\";
  outbound = ( { name = \"carrier\"; proxy = \"sip:198.18.0.2:5090\"; user = \"voxgate\"; } );"

net_up
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 3
# the target's audio: the signal from its second 1 on, in mu-law
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/target.ul" --seconds 3 --start 1 --law u
bot 8781 bridge && bot 8782 try_refer && bot 8783 warm ||
	{ not_ok "the test bots listen"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with an outbound endpoint"; exit 1; }

# target NAME SCENARIO: sipp as the second leg's callee at 198.18.0.2:5090 (media
# 198.18.1.2:6200), one call, in the background; its pid in $target_pid
target() {
	(cd "$tmp" && timeout 40 ip netns exec "$caller_ns" sipp -sf "$2" -i 198.18.0.2 \
		-p 5090 -mi 198.18.1.2 -mp 6200 -m 1 -nostdin -timeout 30 -trace_logs \
		-log_file "$tmp/$1.log" >"$tmp/$1.out" 2>&1) &
	target_pid=$!
	bg_pids+=("$target_pid")
	sleep 0.5
}

sed "s|@AUDIO@|$tmp/target.ul|" "$top/tests/integration/sipp/uas_bridge_target.xml" \
	>"$tmp/target.xml"
target target "$tmp/target.xml"
check "the caller's call to the bridging bot: answered, its BYE answered" \
	pcma_call bridged 5000 -s bridge -key sdp_ip 198.18.1.2
wait "$target_pid"
check "the target's sipp: answered, then voxgate's BYE after the caller's" test $? -eq 0
sed -n 's/^target .*/# &/p' "$tmp/target.log"
check "the second leg: +15550100 at the proxy, the bot's caller id, its X-Ticket" \
	grep -Eq '^target ruri sip:\+15550100@198\.18\.0\.2:5090 from .*<sip:\+15559999@.* ticket +T-42' \
	"$tmp/target.log"
check "the bot was told transfer_accepted (200), then its session stopped" \
	python3 -c 'import json, sys
got = [json.loads(l)["got"] for l in open(sys.argv[1]) if "got" in json.loads(l)]
ev = [g.get("event") for g in got]
acc = [g for g in got if g.get("event") == "transfer_accepted"]
assert acc and acc[0]["transfer"]["status"] == 200, got
assert "stop" in ev[ev.index("transfer_accepted"):], ev' "$tmp/bot-bridge"
relay_ok() { # relay_ok FROM_PORT TO_PORT MIN_FRAMES [NAME]: rtp_audio.py relay on
	# $tmp/NAME.pcap (bridged), figures shown
	python3 "$top/tests/integration/rtp_audio.py" relay "$tmp/${4:-bridged}.pcap" \
		--sent "198.18.1.2:$1" --got "198.18.1.2:$2" --min-frames "$3" \
		>"$tmp/relay.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$tmp/relay.out"
	return $rc
}
check "the caller's A-law reached the target as mu-law, in order, >= 50 frames" \
	relay_ok 6000 6200 50
check "the target's mu-law reached the caller as A-law, in order, >= 100 frames" \
	relay_ok 6200 6000 100

# a busy target: the bot is told, hangs up, the caller gets BYE
target busy "$top/tests/integration/sipp/uas_busy.xml"
check "a bridge to a busy target: the caller's call answered, then BYE" \
	bye_call_start bridge
wait "$bye_pid"
rc=$?
wait "$target_pid"
check "... sipp's scenarios ran (486 answered, the caller's BYE from voxgate)" \
	test "$rc $?" = "0 0"
check "the bot was told transfer_failed (486, refused)" \
	grep -q '"got": {"event": "transfer_failed", .*"transfer": {"status": 486, "reason": "refused"}' \
	"$tmp/bot-bridge"

# try_refer: the caller's platform refuses the REFER (405), the bridge follows
target tryrefer "$tmp/target.xml"
check "try_refer: the REFER refused 405, the call stays up, the caller hangs up" \
	sipp_caller "$top/tests/integration/sipp/uac_refer_405.xml" -s tryrefer
wait "$target_pid"
check "... then the bridge: the target answered and got voxgate's BYE after the caller's" \
	bash -c '[ "$1" = 0 ] && grep -q "^target ruri sip:+15550100@" "$2"' _ $? "$tmp/tryrefer.log"
check "the bot was told transfer_accepted (200, the bridge's) after the REFER's 405" \
	grep -q '"got": {"event": "transfer_accepted", .*"transfer": {"status": 200' \
	"$tmp/bot-try_refer"

# key presses once bridged: the caller's 1 5 9 # become the target's own events
sed "s|@PCAPS@|/usr/share/sip-tester|g; 0,/<pause milliseconds=\"300\"\/>/s//<pause milliseconds=\"2000\"\/>/" \
	"$top/tests/integration/sipp/uac_dtmf.xml" >"$tmp/dtmf.xml"
target dtmftarget "$tmp/target.xml"
capture "$tmp/dtmf.pcap"
check "a caller that presses keys once bridged: answered and ended" \
	sipp_caller "$tmp/dtmf.xml" -s bridge
wait "$target_pid"
rc=$?
capture_stop
keys=$(python3 "$top/tests/integration/rtp_audio.py" events "$tmp/dtmf.pcap" --gw 198.18.1.1 \
	--caller 198.18.1.2 --pt 101 2>&1)
echo "# the target got: $keys"
check "the target got 1 5 9 # as RFC 4733 events of its own leg (pt 101)" \
	bash -c '[ "$1" = 0 ] && [ "$(sed "s/:[0-9]*//g" <<<"$2")" = "1 5 9 #" ]' _ "$rc" "$keys"

# a warm transfer completed: the second leg's own bot session briefs the target, then
# completes; the legs are bridged
target warmtarget "$tmp/target.xml"
check "a warm transfer: the caller's call answered, its BYE answered" \
	pcma_call warmed 5000 -s warm -key sdp_ip 198.18.1.2
wait "$target_pid"
check "... the target answered and got voxgate's BYE after the caller's" test $? -eq 0
check "the bots: the target's session (warm, bridge_of) completed; both sessions stopped" \
	python3 -c 'import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
starts = [l["got"]["start"] for l in ls if l.get("got", {}).get("event") == "start"]
leg = [x for x in starts if x["customParameters"].get("transfer") == "warm"][0]
assert leg["customParameters"]["to_number"] == "+15550100", leg
assert leg["customParameters"]["bridge_of"], leg
assert any(l.get("did") == "complete" for l in ls), ls
assert sum(1 for l in ls if l.get("got", {}).get("event") == "stop") >= 2, ls' \
	"$tmp/bot-warm"
check "the caller's audio reached the target once completed (>= 30 frames)" \
	relay_ok 6000 6200 30 warmed
check "the target's audio reached the caller once completed (>= 50 frames)" \
	relay_ok 6200 6000 50 warmed
# a warm transfer canceled: the target gets BYE, the caller stays with the bot
target warmcancel "$tmp/target.xml"
check "a warm transfer canceled: the caller's call answered, then the bot's BYE" \
	bye_call_start warm
wait "$bye_pid"
rc=$?
wait "$target_pid"
check "... the target answered, then got voxgate's BYE (the cancel); the caller too" \
	test "$rc $?" = "0 0"
check "the caller's session was told transfer_failed, canceled" \
	grep -q '"got": {"event": "transfer_failed", .*"transfer": {"status": 0, "reason": "canceled"}' \
	"$tmp/bot-warm"

sleep 0.5
check "the CDRs: each leg names the other; the busy leg and its caller's" \
	python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
a = [x for x in r if x["direction"] == "inbound"]
b = [x for x in r if x["direction"] == "outbound-dial"]
assert len(a) == 6 and len(b) == 6, r
bb = [x for x in b if x["answered"]][0]
aa = [x for x in a if x["transfer"] and x["transfer"].get("leg") == bb["call_id"]][0]
assert aa["transfer"] == {"mode": "bridge", "target": "+15550100", "status": 200,
                          "leg": bb["call_id"]}, aa
assert aa["outcome"] == "success" and aa["end"] == "caller_bye", aa
assert bb["bridge_of"] == aa["call_id"] and bb["end"] == "bridge_ended", bb
assert bb["to_number"] == "+15550100" and bb["from_number"] == "+15559999", bb
assert bb["media"]["codec"] == "PCMU" and aa["media"]["codec"] == "PCMA"
busy = [x for x in b if not x["answered"]][0]
assert busy["end"] == "busy", busy
t = [x for x in a if x["agent"] == "tryrefer"][0]
assert t["transfer"]["mode"] == "bridge" and t["transfer"]["status"] == 200, t
w = [x for x in a if x["agent"] == "warm"]
assert w[0]["transfer"]["mode"] == "warm" and w[0]["transfer"]["status"] == 200, w
assert w[0]["transfer"]["leg"] and w[1]["transfer"]["status"] == 0, w
c = [x for x in b if x["end"] == "transfer_canceled"]
assert len(c) == 1 and c[0]["to_number"] == "+15550101", c' "$cdr"
stats=$(vg_stats)
check "the counters: 1 REFER, 4 bridged, 2 failed (busy, canceled), 1 bridge after a REFER; frames and 4 keys relayed; every slot free" \
	bash -c 'grep -q "refers 1 transfers 4 failed 2 notify_bad 0 bridged_after_refer 1;" <<<"$1" &&
		grep -Eq "relay_frames=[1-9].* relay_dtmf=4 " <<<"$1" &&
		grep -q "active 0;.* slots free 1024/1024" <<<"$1"' _ "$stats"
check "voxgate stops cleanly" vg_stop
