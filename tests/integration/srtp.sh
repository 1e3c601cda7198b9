#!/usr/bin/env bash
# srtp.sh: SRTP with SDES keys over SIP/TLS, as RingCX (TLS implies RTP/SAVP, seed 000)
# and Exotel (TLS + SRTP, seed 004) use it, with baresip as the caller: its own SRTP
# (libre's, not libsrtp2) and its own SIP stack. The trunk says srtp = "required".
#   - a plain RTP/AVP offer gets 488 saying why
#   - an RTP/SAVP offer with a=crypto is answered RTP/SAVP with the offer's tag and
#     our own key; the key is in no log
#   - the audio baresip plays comes back to it, decrypted by it, 500 ms later; the
#     delay may grow by silent 20 ms frames where the echo came late (srtp_check.py)
#   - on the wire: voxgate's RTP carries the tag and none of the caller's payloads
#     verbatim; its RTCP is SRTCP; the caller's SRTCP is read
#   - replayed packets and packets with a tag that does not match are counted as
#     drops, and the call goes on
source "$(dirname "$0")/lib.sh"

tls_certs
conf_edit "${tls_listener[@]}" \
	'codecs = [ "PCMA", "PCMU" ]; }' 'codecs = [ "PCMA", "PCMU" ]; srtp = "required"; }'

python3 "$top/tests/integration/srtp_check.py" tones "$tmp/said.wav"

# baresip_call NAME MEDIAENC SECONDS: one call from baresip (no sound card: aufile
# plays said.wav, sndfile writes what it hears) to echo over TLS; its folder is
# $tmp/NAME, its log (with the SIP trace) $tmp/NAME/baresip.log. MEDIAENC "" for
# plain RTP. Runs in the background: sets bs_pid.
baresip_call() {
	local d="$tmp/$1" enc=${2:+;mediaenc=$2}
	baresip_dir "$d" 198.18.0.2:5080 "$tmp/said.wav" \
		"<sip:caller@198.18.0.2;transport=tls>;regint=0;audio_codecs=PCMA,PCMU$enc" \
		"sip_cafile $tmp/tls/cafile.pem"
	(cd "$d" && HOME="$d" timeout $(($3 + 15)) ip netns exec "$caller_ns" baresip -s \
		-f "$d" -t "$3" -e "/dial sip:echo@198.18.0.1:5061;transport=tls" \
		>"$d/baresip.log" 2>&1) &
	bs_pid=$!
	bg_pids+=("$bs_pid")
}

net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a TLS listener"; exit 1; }

# 1. Plain RTP on a trunk that requires SRTP.
baresip_call plain "" 3
wait "$bs_pid"
check "a plain RTP/AVP offer gets 488 from a trunk that requires SRTP, saying why" \
	bash -c 'grep -q "^SIP/2.0 488 " "$1" &&
		grep -q "^Warning: 399 voxgate \"the trunk requires SRTP (RTP/SAVP)" "$1"' _ \
	"$tmp/plain/baresip.log"
check "voxgate logs why" grep -q "RTP/AVP was offered: 488" "$tmp/voxgate.log"

# 2. An SRTP call, captured on the caller's media link.
capture "$tmp/media.pcap"
baresip_call srtp srtp-mand 9
for _ in $(seq 100); do
	grep -q "Call established" "$tmp/srtp/baresip.log" && break
	sleep 0.1
done
sleep 3
in_caller python3 "$top/tests/integration/srtp_check.py" inject "$tmp/media.pcap" \
	--gw 198.18.1.1 --caller 198.18.1.2 | sed 's/^/# /'
wait "$bs_pid"
capture_stop
check "baresip's call was established" grep -q "Call established" "$tmp/srtp/baresip.log"
check "baresip runs SRTP with AES_CM_128_HMAC_SHA1_80" \
	grep -q "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)" "$tmp/srtp/baresip.log"
# the first INVITE (baresip's offer ends with a=ptime) and its 200 (ours, a=sendrecv)
offer=$(tr -d '\r' <"$tmp/srtp/baresip.log" | sed -n '/^INVITE sip:echo/,/^a=ptime/{p;/^a=ptime/q}')
answer=$(tr -d '\r' <"$tmp/srtp/baresip.log" | sed -n '/^SIP\/2.0 200 OK/,/^a=sendrecv/{p;/^a=sendrecv/q}')
sed 's/^/# /' <<<"$answer"
offer_tag=$(sed -n 's/^a=crypto:\([0-9]*\) AES_CM_128_HMAC_SHA1_80 .*/\1/p' <<<"$offer" | head -1)
check "the answer is RTP/SAVP with PCMA" grep -q "^m=audio 10000 RTP/SAVP 8 " <<<"$answer"
check "the answer's one a=crypto has the offer's tag for AES_CM_128_HMAC_SHA1_80" \
	test "$(grep -c '^a=crypto:' <<<"$answer")" = 1 -a -n "$offer_tag" \
	-a "$(sed -n 's/^a=crypto:\([0-9]*\) AES_CM_128_HMAC_SHA1_80 inline:.*/\1/p' <<<"$answer")" = "$offer_tag"
our_key=$(sed -n 's/^a=crypto:[0-9]* [A-Z0-9_]* inline:\([A-Za-z0-9+\/=]*\).*/\1/p' <<<"$answer")
their_key=$(sed -n "s/^a=crypto:$offer_tag [A-Z0-9_]* inline:\([A-Za-z0-9+\/=]*\).*/\1/p" <<<"$offer")
check "our key is 30 bytes, not the offer's" \
	test "$(base64 -d <<<"$our_key" | wc -c)" = 30 -a "$our_key" != "$their_key"
check "neither key is in voxgate's log" \
	bash -c '[ ${#1} = 40 ] && [ ${#2} = 40 ] && ! grep -qF -e "$1" -e "$2" "$3"' _ \
	"$our_key" "$their_key" "$tmp/voxgate.log"
check "voxgate logs the call as SRTP" \
	grep -q "SRTP AES_CM_128_HMAC_SHA1_80, slot" "$tmp/voxgate.log"
heard=$(ls "$tmp"/srtp/dump-*-dec.wav 2>/dev/null | head -1)
check "baresip heard what it said, 500 ms later (or whole frames more), to the end" \
	python3 "$top/tests/integration/srtp_check.py" echo "$tmp/said.wav" "${heard:-none}" \
	--delay-ms 500
check "on the wire: tags, no payload back verbatim, SRTCP both ways" \
	python3 "$top/tests/integration/srtp_check.py" wire "$tmp/media.pcap" \
	--gw 198.18.1.1 --caller 198.18.1.2
stats=$(vg_stats)
check "the 3 replays are counted as srtp_replay" grep -q "srtp_replay=3\b" <<<"$stats"
check "the 3 forged packets are counted as srtp_auth" grep -q "srtp_auth=3\b" <<<"$stats"
check "the call's SRTCP from baresip was read" \
	grep -qE "ended after .* rtcp in [1-9]" "$tmp/voxgate.log"
check "the call ended with baresip's BYE, not before" \
	grep -q "^BYE sip:" "$tmp/srtp/baresip.log"
check "voxgate stops cleanly" vg_stop
