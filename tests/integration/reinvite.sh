#!/usr/bin/env bash
# reinvite.sh: re-INVITEs change a call's media in the dataplane (RFC 3264 8).
#   - hold (a=sendonly offered): answered a=recvonly with a new SDP version, and
#     voxgate stops sending RTP
#   - resume with the media moved to another port: answered sendrecv, and RTP goes
#     to the new port
#   - the same with UPDATE (RFC 3311) in place of the re-INVITEs
#   - the call's CDR names the media it ended with (port 6300), not the first offer's
source "$(dirname "$0")/lib.sh"

# moved PCAP: RTP went to 6000, none during the hold, then to 6300
moved() {
	python3 - "$top/tests/integration" "$1" >"$tmp/hold.out" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import rtp_audio
to = {6000: [], 6300: []}
for t, src, dst, sport, dport, pl in rtp_audio.read_pcap(sys.argv[2]):
    if src == "198.18.1.1" and sport % 2 == 0 and dport in to:
        to[dport].append(t)
a, b = to[6000], to[6300]
gap = (b[0] - a[-1]) if a and b else -1
print("to 6000: %d packets, to 6300: %d packets, silence between: %.2f s" % (len(a), len(b), gap))
sys.exit(0 if len(a) >= 30 and len(b) >= 30 and gap >= 1.2 else 1)
PY
	local rc=$?
	sed 's/^/# /' "$tmp/hold.out"
	return $rc
}

conf_edit 'retry_after = 5;' "retry_after = 5;
  cdr_file = \"$tmp/cdr.jsonl\";"
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }
capture "$tmp/hold.pcap"
check "hold and resume by re-INVITE: 200 recvonly (version 2), then 200 sendrecv (version 3)" \
	sipp_caller "$top/tests/integration/sipp/uac_hold.xml" -s echo
capture_stop
check "RTP to port 6000, none during the hold, then to the new port 6300" moved "$tmp/hold.pcap"
sleep 0.3
sed 's/^/# cdr: /' "$tmp/cdr.jsonl"
check "its CDR names the media it ended with (198.18.1.2:6300, PCMA)" \
	python3 -c 'import json, sys; m = json.loads(open(sys.argv[1]).readline())["media"];
sys.exit(0 if m["remote"] == "198.18.1.2:6300" and m["codec"] == "PCMA" else 1)' "$tmp/cdr.jsonl"

# The same two offers in UPDATEs (no ACK follows an UPDATE).
python3 - "$top/tests/integration/sipp/uac_hold.xml" "$tmp/update.xml" <<'PY'
import re, sys
x = open(sys.argv[1]).read()
blocks = re.split(r"(?s)(<send.*?</send>)", x)
out = []
for b in blocks:
    if re.search(r"CSeq: [23] INVITE", b):
        b = b.replace("INVITE sip:", "UPDATE sip:").replace(" INVITE\n", " UPDATE\n")
    elif re.search(r"CSeq: [23] ACK", b):
        continue
    out.append(b)
open(sys.argv[2], "w").write("".join(out))
PY
capture "$tmp/update.pcap"
check "hold and resume by UPDATE: 200 recvonly (version 2), then 200 sendrecv (version 3)" \
	sipp_caller "$tmp/update.xml" -s echo
capture_stop
check "by UPDATE too: RTP to 6000, none during the hold, then to 6300" moved "$tmp/update.pcap"
check "voxgate stops cleanly" vg_stop
