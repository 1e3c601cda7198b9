#!/usr/bin/env bash
# tls.sh: SIP over TLS, as RingCX (recommended there) and Exotel (port 443) use it.
#   - voxgate presents the certificate of the listener's tls_dir (the client checks
#     it against its CA)
#   - OPTIONS and a call over TLS; every answer and voxgate's own BYE come back over
#     the connection the caller opened, never towards its Contact (seed 000)
#   - an RFC 5626 CRLF keepalive does not break the connection; over TCP it gets
#     its CRLF pong
#   - a listener with tls_verify_client: a client with a certificate from the CA of
#     its cafile.pem is served; one without a certificate, or with one from another
#     CA, gets no SIP service
source "$(dirname "$0")/lib.sh"

tls_certs
# A second TLS listener, on 5062, that wants client certificates from a CA of its own;
# one client certificate from that CA, one self-signed.
mkdir -p "$tmp/tlsv"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=voxgate test client CA" \
	-keyout "$tmp/tlsv/ca-key.pem" -out "$tmp/tlsv/cafile.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=198.18.0.2" -keyout "$tmp/client-key.pem" \
	-out "$tmp/client.csr" 2>/dev/null
openssl x509 -req -in "$tmp/client.csr" -CA "$tmp/tlsv/cafile.pem" \
	-CAkey "$tmp/tlsv/ca-key.pem" -CAcreateserial -days 2 -out "$tmp/client-cert.pem" 2>/dev/null
cat "$tmp/client-key.pem" "$tmp/client-cert.pem" >"$tmp/client.pem"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=198.18.0.2" \
	-keyout "$tmp/other-key.pem" -out "$tmp/other-cert.pem" 2>/dev/null
cat "$tmp/other-key.pem" "$tmp/other-cert.pem" >"$tmp/other.pem"
cp "$tmp/tls/agent.pem" "$tmp/tlsv/agent.pem"
tls_listener[1]="${tls_listener[1]},
    { transport = \"tls\"; address = \"198.18.0.1\"; port = 5062; tls_dir = \"$tmp/tlsv\"; tls_verify_client = true; }"
conf_edit "${tls_listener[@]}"
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a TLS listener"; exit 1; }
check "voxgate listens for TLS on 5061" grep -q "listening on sips:198.18.0.1:5061" "$tmp/voxgate.log"

tls() { in_caller timeout 30 python3 "$top/tests/integration/sip_tls.py" "$tmp/tls/cafile.pem" 198.18.0.1 5061 "$@"; }
check "OPTIONS over TLS (voxgate's certificate verified): 200 on the same connection" \
	tls options
check "a CRLF keepalive, then OPTIONS again on the same connection: 200" \
	tls options ping options

in_caller python3 - >"$tmp/pong.out" 2>&1 <<'PY'
import socket
s = socket.create_connection(("198.18.0.1", 5060), timeout=2)
s.sendall(b"\r\n\r\n")
print(repr(s.recv(10)))
PY
check "over TCP the keepalive gets its CRLF pong (RFC 5626 4.4.1)" grep -qx "b'\\\\r\\\\n'" "$tmp/pong.out"

# tlsv CERT STEP...: sip_tls.py to the verifying listener, presenting CERT ("": none)
tlsv() {
	local cert=$1
	shift
	in_caller env SIP_TLS_CERT="$cert" timeout 30 python3 "$top/tests/integration/sip_tls.py" \
		"$tmp/tls/cafile.pem" 198.18.0.1 5062 "$@"
}
# tlsv_refused CERT STEP...: sip_tls.py fails, and in the TLS handshake (an alert or
# the connection closed there), not for some other reason
tlsv_refused() {
	local out
	out=$(tlsv "$@" 2>&1) && return 1
	echo "$out" | tail -1 >>"$tmp/tlsv.out"
	grep -q "ssl.SSL" <<<"$out"
}
check "tls_verify_client: a client with a certificate from the listener's CA gets 200" \
	tlsv "$tmp/client.pem" options
check "... a client without a certificate gets no answer" tlsv_refused "" options
check "... nor one whose certificate another CA signed" tlsv_refused "$tmp/other.pem" options
sed 's/^/# /' "$tmp/tlsv.out"

tls call wait-bye 20 >"$tmp/call.out" 2>&1 &
call_pid=$!
bg_pids+=("$call_pid")
for _ in $(seq 100); do grep -q "^call" "$tmp/call.out" && break; sleep 0.1; done
sed 's/^/# /' "$tmp/call.out"
check "a call over TLS with a Contact where nothing listens is answered" grep -q "^call ok" "$tmp/call.out"
check "voxgate stops cleanly with the TLS call up" vg_stop
wait "$call_pid"
rc=$?
sed 's/^/# /' "$tmp/call.out"
check "its BYE came over the caller's own TLS connection, and the caller's 200 was taken" \
	test $rc -eq 0
