#!/usr/bin/env python3
"""sip_tls.py: a SIP client over TLS (Python's ssl, OpenSSL) for tls.sh.

  sip_tls.py CAFILE HOST PORT STEP...

Opens one TLS connection to voxgate, checking its certificate against CAFILE (and
presenting the client certificate of the PEM file $SIP_TLS_CERT, if set), and
runs the steps in order, printing one line per step and exiting 1 at the first that
fails:
  options       OPTIONS -> 200 on this connection
  ping          RFC 5626 CRLFCRLF keepalive; the connection must go on working
  call          INVITE (PCMA) with a Contact where nothing listens -> 200, then ACK
  wait-bye S    a BYE arrives on this connection within S seconds; answered 200
Responses and requests can only come back over this connection: the client listens
nowhere else (seed 000: RingCX does not accept anything sent towards Contact).
"""
import os
import re
import socket
import ssl
import sys
import time


def main():
    cafile, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    steps = sys.argv[4:]
    ctx = ssl.create_default_context(cafile=cafile)
    if os.environ.get("SIP_TLS_CERT"):  # a client certificate (PEM: key and chain)
        ctx.load_cert_chain(os.environ["SIP_TLS_CERT"])
    s = ctx.wrap_socket(socket.create_connection((host, port), timeout=5),
                        server_hostname=host)
    me = "198.18.0.2:%d" % s.getsockname()[1]
    buf = b""

    def read_msg(timeout):
        nonlocal buf
        s.settimeout(timeout)
        while True:
            buf = buf.lstrip(b"\r\n")  # a pong or keepalive between messages
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                n = int(m.group(1)) if m else 0
                if len(rest) >= n:
                    buf = rest[n:]
                    return head.decode(errors="replace")
            data = s.recv(65536)
            if not data:
                raise ConnectionError("voxgate closed the connection")
            buf += data

    def hdr(msg, name):
        m = re.search(r"(?im)^%s:\s*(.*)$" % name, msg)
        return m.group(1).strip() if m else ""

    to_tag = ""
    i = 0
    while i < len(steps):
        step = steps[i]
        i += 1
        if step == "options":
            s.sendall(("OPTIONS sip:echo@%s:%d;transport=tls SIP/2.0\r\n"
                       "Via: SIP/2.0/TLS %s;rport;branch=z9hG4bK-o%d\r\n"
                       "From: <sip:probe@198.18.0.2>;tag=o\r\nTo: <sip:echo@%s>\r\n"
                       "Call-ID: opt%d@198.18.0.2\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                       "Content-Length: 0\r\n\r\n" % (host, port, me, i, host, i)).encode())
            r = read_msg(5)
            ok = r.startswith("SIP/2.0 200")
        elif step == "ping":
            s.sendall(b"\r\n\r\n")
            time.sleep(0.3)
            ok = True
        elif step == "call":
            sdp = ("v=0\r\no=- 1 1 IN IP4 198.18.1.2\r\ns=-\r\nc=IN IP4 198.18.1.2\r\nt=0 0\r\n"
                   "m=audio 6200 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n")
            s.sendall(("INVITE sip:echo@%s:%d;transport=tls SIP/2.0\r\n"
                       "Via: SIP/2.0/TLS %s;rport;branch=z9hG4bK-inv\r\n"
                       "From: <sip:+15550007@198.18.0.2>;tag=c\r\nTo: <sip:echo@%s>\r\n"
                       "Call-ID: tlscall@198.18.0.2\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                       "Contact: <sip:+15550007@198.18.0.2:5999;transport=tls>\r\n"
                       "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
                       % (host, port, me, host, len(sdp), sdp)).encode())
            r = read_msg(5)
            while r.startswith("SIP/2.0 1"):
                r = read_msg(5)
            ok = r.startswith("SIP/2.0 200")
            to_tag = hdr(r, "To")
            s.sendall(("ACK sip:echo@%s:%d;transport=tls SIP/2.0\r\n"
                       "Via: SIP/2.0/TLS %s;rport;branch=z9hG4bK-ack\r\n"
                       "From: <sip:+15550007@198.18.0.2>;tag=c\r\nTo: %s\r\n"
                       "Call-ID: tlscall@198.18.0.2\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
                       "Content-Length: 0\r\n\r\n" % (host, port, me, to_tag)).encode())
        elif step == "wait-bye":
            secs = float(steps[i])
            i += 1
            r = read_msg(secs)
            ok = r.startswith("BYE ")
            if ok:
                s.sendall(("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
                           "CSeq: %s\r\nContent-Length: 0\r\n\r\n"
                           % (hdr(r, "Via"), hdr(r, "From"), hdr(r, "To"), hdr(r, "Call-ID"),
                              hdr(r, "CSeq"))).encode())
                time.sleep(0.3)
        else:
            sys.exit("sip_tls: unknown step " + step)
        print("%s %s" % (step, "ok" if ok else "FAILED: " + r.splitlines()[0]))
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
