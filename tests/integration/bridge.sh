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
#   - the counters: one transfer, one failed, relayed frames, every slot free
source "$(dirname "$0")/lib.sh"

cdr="$tmp/cdr.jsonl"
conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "bridge"; url = "ws://198.18.0.2:8781/twilio"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^bridge$"; agent = "bridge"; }' \
	'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$cdr\";
  outbound = ( { name = \"carrier\"; proxy = \"sip:198.18.0.2:5090\"; user = \"voxgate\"; } );"

net_up
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 3
# the target's audio: the signal from its second 1 on, in mu-law
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/target.ul" --seconds 3 --start 1 --law u
bot 8781 bridge || { not_ok "the test bot listens"; exit 1; }
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
relay_ok() { # relay_ok FROM_PORT TO_PORT MIN_FRAMES: rtp_audio.py relay, figures shown
	python3 "$top/tests/integration/rtp_audio.py" relay "$tmp/bridged.pcap" \
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

sleep 0.5
check "the CDRs: each leg names the other; the busy leg and its caller's" \
	python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
a = [x for x in r if x["direction"] == "inbound"]
b = [x for x in r if x["direction"] == "outbound-dial"]
assert len(a) == 2 and len(b) == 2, r
bb = [x for x in b if x["answered"]][0]
aa = [x for x in a if x["transfer"] and x["transfer"]["status"] == 200][0]
assert aa["transfer"] == {"mode": "bridge", "target": "+15550100", "status": 200,
                          "leg": bb["call_id"]}, aa
assert aa["outcome"] == "success" and aa["end"] == "caller_bye", aa
assert bb["bridge_of"] == aa["call_id"] and bb["end"] == "bridge_ended", bb
assert bb["to_number"] == "+15550100" and bb["from_number"] == "+15559999", bb
assert bb["media"]["codec"] == "PCMU" and aa["media"]["codec"] == "PCMA"
busy = [x for x in b if not x["answered"]][0]
assert busy["end"] == "busy", busy' "$cdr"
stats=$(vg_stats)
check "the counters: 1 transfer, 1 failed; frames relayed; every slot free" \
	bash -c 'grep -q "transfers 1 failed 1 " <<<"$1" && grep -Eq "relay_frames=[1-9]" <<<"$1" &&
		grep -q "active 0;.* slots free 1024/1024" <<<"$1"' _ "$stats"
check "voxgate stops cleanly" vg_stop
