#!/usr/bin/env bash
# polyai.sh: what a PolyAI-style bot reads from the call (seed 002): every SIP header
# (conv.sip_headers), the caller's number and the dialled number.
#   - the context's headers list is the INVITE's headers exactly as sipp sent them
#     (taken from sipp's own trace): same order, names as sent, values as sent,
#     repeated headers (two Diversion, two X-Foo) each kept
#   - caller and callee numbers, and the P-Asserted-Identity
source "$(dirname "$0")/lib.sh"

conf_edit 'level = "info";' 'level = "debug";'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

check "a carrier call to +442079460000 with repeated headers is answered and ended" \
	sipp_caller "$top/tests/integration/sipp/uac_polyai.xml" -s +442079460000
ctx_json 1 >"$tmp/ctx.json"

# The INVITE's header lines as sipp's message trace shows them sent, as JSON.
python3 - "$tmp/sipp.msg" >"$tmp/sent.json" <<'PY'
import json, re, sys
blocks = re.split(r"^-{20,}.*$", open(sys.argv[1]).read(), flags=re.M)
for b in blocks:
    lines = b.strip("\n").split("\n")
    if len(lines) > 2 and "message sent" in lines[0] and lines[2].startswith("INVITE "):
        hdrs = []
        for line in lines[3:]:
            if not line.strip():
                break
            name, _, value = line.partition(":")
            hdrs.append({"name": name, "value": value.strip()})
        print(json.dumps(hdrs))
        break
PY

# diff_headers: the sent headers and the bot's list, side by side where they differ.
diff_headers() {
	python3 - "$tmp/sent.json" "$tmp/ctx.json" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2])).get("headers", [])
for i in range(max(len(sent), len(got))):
    s = sent[i] if i < len(sent) else None
    g = got[i] if i < len(got) else None
    if s != g:
        print("# header %d sent %s, bot got %s" % (i, json.dumps(s), json.dumps(g)))
sys.exit(0 if sent and sent == got else 1)
PY
}
echo "# sent: $(wc -c <"$tmp/sent.json") bytes of headers: $(cut -c1-300 "$tmp/sent.json")..."
check "the bot got every header of the INVITE as sent: order, names, values, repeats" \
	diff_headers
check "both Diversion headers, in the order sent" \
	ctx_has 1 '[h["value"].split(";")[0] for h in c["headers"] if h["name"] == "Diversion"] == ["<sip:+442079460001@carrier.example>", "<sip:+442079460002@carrier.example>"]'
check "both X-Foo headers, in the order sent" \
	ctx_has 1 '[h["value"] for h in c["headers"] if h["name"] == "X-Foo"] == ["first", "second"]'
check "caller number, dialled number, P-Asserted-Identity, no errors" \
	ctx_has 1 'c["from_number"] == "+447700900123" and c["called"] == "+442079460000" and c["to_number"] == "+442079460000" and c["p_asserted_identity"] == "\"+447700900123\" <sip:+447700900123@carrier.example>" and c["errors"] == []'
check "voxgate stops cleanly" vg_stop
