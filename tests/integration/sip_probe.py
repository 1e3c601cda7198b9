#!/usr/bin/env python3
"""sip_probe.py: send one SIP request from a chosen source address and report every
response that comes back, for allowlist.sh.

  sip_probe.py SRC DST PORT udp|tcp METHOD WAIT [VIA]

Binds SRC (port chosen by the kernel), sends METHOD (OPTIONS, or INVITE with a PCMA
offer) to DST:PORT and prints one line per response status received within WAIT
seconds ("status 100", "status 403"). Over TCP, a connection that cannot be made
within WAIT prints "no connection: ..." instead. Prints "silence" when nothing came
back at all. An INVITE's final response is acknowledged. With VIA (host:port), the
Via header names that address instead of the real one, with ;rport, as a client
behind NAT writes it (RFC 3581), and each response's Via is printed ("via ...").
"""
import re
import socket
import sys
import time


# A PCMA offer from the caller's media address: o= version, port, direction.
SDP = ("v=0\r\no=- 1 %d IN IP4 198.18.1.2\r\ns=-\r\nc=IN IP4 198.18.1.2\r\nt=0 0\r\n"
       "m=audio %d RTP/AVP 8\r\na=ptime:20\r\na=%s\r\n")


def request(method, src, sport, dst, port, transport="udp", via=None, user="echo",
            cseq=1, branch=None, to_tag="", sdp=""):
    """One SIP request from src:sport to user@dst:port (also used by sip_glare.py).
    via (host:port): a Via naming that address instead, with ;rport, as a client
    behind NAT writes it. branch: the end of the Via branch (default: the source
    port). to_tag: inside a dialog. sdp: a body of type application/sdp."""
    via = via + ";rport" if via else "%s:%d" % (src, sport)
    return ("%s sip:%s@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/%s %s;branch=z9hG4bK-probe-%s\r\n"
            "From: <sip:+15550001@%s>;tag=probe\r\n"
            "To: <sip:%s@%s>%s\r\n"
            "Call-ID: probe-%d@%s\r\n"
            "CSeq: %d %s\r\n"
            "Contact: <sip:+15550001@%s:%d;transport=%s>\r\n"
            "Max-Forwards: 70\r\n"
            "%s"
            "Content-Length: %d\r\n\r\n%s" %
            (method, user, dst, port, transport.upper(), via,
             sport if branch is None else branch, src, user, dst,
             ";tag=" + to_tag if to_tag else "", sport, src, cseq, method, src, sport,
             transport, "Content-Type: application/sdp\r\n" if sdp else "", len(sdp),
             sdp))


def main():
    src, dst, port, transport, method, wait = sys.argv[1:7]
    via = sys.argv[7] if len(sys.argv) > 7 else None
    port, wait = int(port), float(wait)
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    s = socket.socket(socket.AF_INET, kind)
    s.bind((src, 0))
    s.settimeout(wait)
    if transport == "tcp":
        try:
            s.connect((dst, port))
        except OSError as e:
            print("no connection: %s" % e)
            return
    msg = request(method, src, s.getsockname()[1], dst, port, transport, via,
                  sdp=SDP % (1, 6000, "sendrecv") if method == "INVITE" else "").encode()
    if transport == "udp":
        s.sendto(msg, (dst, port))
    else:
        s.sendall(msg)
    end = time.monotonic() + wait
    got = False
    buf = b""
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        buf += data
        while b"\r\n\r\n" in buf:
            head, buf = buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode(errors="replace")
            if not line.startswith("SIP/2.0 "):
                continue
            status = int(line.split()[1])
            got = True
            print("status %d" % status)
            if via:
                v = re.search(r"(?im)^Via:\s*(.*)$", head.decode()).group(1)
                print("via %s" % v.strip())
            if status >= 200 and method == "INVITE":
                ack = request("ACK", src, s.getsockname()[1], dst, port, transport, via)
                (s.sendto(ack.encode(), (dst, port)) if transport == "udp"
                 else s.sendall(ack.encode()))
                end = 0
    if not got:
        print("silence")


if __name__ == "__main__":
    main()
