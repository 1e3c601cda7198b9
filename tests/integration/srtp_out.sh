#!/usr/bin/env bash
# srtp_out.sh: SRTP on a call voxgate places. The outbound endpoint's trunk requires
# SRTP, so voxgate offers RTP/SAVP with an SDES key of its own (RFC 4568); baresip
# (libre's SRTP, its own SIP stack) is the callee, answering with its key.
#   - voxgate's offer: RTP/SAVP, one a=crypto:1 AES_CM_128_HMAC_SHA1_80 with a
#     30-byte key
#   - baresip runs SRTP with that suite; the call is up
#   - the audio baresip plays comes back to it through the echo bot, decrypted by it,
#     500 ms later (from 0.5 s on: its first packets may come before voxgate's side of
#     the call has started, as the 200 and its RTP cross)
#   - on the wire: tags on voxgate's RTP, no payload back verbatim, SRTCP both ways
#   - our key is in no log line
source "$(dirname "$0")/lib.sh"

conf_edit 'codecs = [ "PCMA", "PCMU" ]; }' 'codecs = [ "PCMA", "PCMU" ]; srtp = "required"; }' \
	'retry_after = 5;' 'retry_after = 5;
  outbound = ( { name = "carrier"; proxy = "sip:198.18.0.2:5090"; user = "voxgate"; } );'
api=http://198.18.0.1:8088/2010-04-01/Accounts/AC0123/Calls.json

net_up
python3 "$top/tests/integration/srtp_check.py" tones "$tmp/said.wav"
d="$tmp/callee"
baresip_dir "$d" 198.18.0.2:5090 "$tmp/said.wav" \
	"<sip:+15550100@198.18.0.2>;regint=0;answermode=auto;audio_codecs=PCMA,PCMU;mediaenc=srtp-mand"
(cd "$d" && HOME="$d" timeout 30 ip netns exec "$caller_ns" baresip -s -f "$d" -t 14 \
	>"$d/baresip.log" 2>&1) &
bs_pid=$!
bg_pids+=("$bs_pid")
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with an SRTP trunk"; exit 1; }
sleep 1

capture "$tmp/media.pcap"
code=$(in_caller curl -s -o "$tmp/place.json" -w '%{http_code}' -m 10 "$api" \
	--data-urlencode "To=+15550100" --data-urlencode "From=+15550001" \
	--data-urlencode 'Twiml=<Response><Connect><Stream url="agent:echo"/></Connect></Response>')
check "POST Calls.json to the SRTP endpoint: 201" test "$code" = 201
for _ in $(seq 100); do
	grep -q "Call established" "$d/baresip.log" && break
	sleep 0.1
done
wait "$bs_pid"
capture_stop
check "baresip answered; the call was established" grep -q "Call established" "$d/baresip.log"
check "baresip runs SRTP with AES_CM_128_HMAC_SHA1_80" \
	grep -q "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)" "$d/baresip.log"
# voxgate's INVITE, as baresip logs what it received
offer=$(tr -d '\r' <"$d/baresip.log" | sed -n '/^INVITE sip:+15550100/,/^a=sendrecv/{p;/^a=sendrecv/q}')
sed -n 's/^\(m=\|a=crypto\).*/# offer: &/p' <<<"$offer"
check "the offer is RTP/SAVP with one a=crypto:1 AES_CM_128_HMAC_SHA1_80" \
	bash -c 'grep -q "^m=audio 10000 RTP/SAVP 8 0 101" <<<"$1" &&
		[ "$(grep -c "^a=crypto:" <<<"$1")" = 1 ] &&
		grep -q "^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" <<<"$1"' _ "$offer"
our_key=$(sed -n 's/^a=crypto:1 [A-Z0-9_]* inline:\([A-Za-z0-9+\/=]*\).*/\1/p' <<<"$offer")
check "our key is 30 bytes and in no log line of voxgate's" \
	bash -c '[ "$(base64 -d <<<"$1" | wc -c)" = 30 ] && ! grep -qF -e "$1" "$2"' _ \
	"$our_key" "$tmp/voxgate.log"
heard=$(ls "$d"/dump-*-dec.wav 2>/dev/null | head -1)
check "baresip heard what it said through the echo bot, 500 ms later (from 0.5 s on)" \
	python3 "$top/tests/integration/srtp_check.py" echo "$tmp/said.wav" "${heard:-none}" \
	--delay-ms 500 --settle-ms 500
check "on the wire: tags, no payload back verbatim, SRTCP both ways" \
	python3 "$top/tests/integration/srtp_check.py" wire "$tmp/media.pcap" \
	--gw 198.18.1.1 --caller 198.18.1.2
check "voxgate logs the call's end with SRTCP from baresip read" \
	grep -qE "ended after .* rtcp in [1-9]" "$tmp/voxgate.log"
check "voxgate stops cleanly" vg_stop
