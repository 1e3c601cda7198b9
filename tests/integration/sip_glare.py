#!/usr/bin/env python3
"""sip_glare.py: two re-INVITEs back to back in one dialog, for dialog.sh.

  sip_glare.py SRC DST PORT USER

A call over UDP from SRC: INVITE, 200, ACK; then a re-INVITE putting the call on hold
(CSeq 2, a=sendonly) and, in the same instant, a second one (CSeq 3, a=sendrecv),
before any answer can come (sipp cannot send two requests without reading between
them). Every final answer is ACKed (a non-2xx one on its INVITE's branch, RFC 3261
17.1.1.3), then BYE. Prints one line per final answer, "CSEQ STATUS [a=DIRECTION]",
and exits 1 unless the second got 500 with Retry-After (RFC 3261 14.2: a second
INVITE before the final answer to the first; 491 is for a UAS with an INVITE of its
own pending), the first 200 with a=recvonly and the BYE 200.
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sip_probe import SDP, request  # noqa: E402


def main():
    src, dst, port, user = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    sport = s.getsockname()[1]
    to_tag = ""

    def send(method, cseq, branch, body=""):
        s.sendto(request(method, src, sport, dst, port, user=user, cseq=cseq,
                         branch=branch, to_tag=to_tag, sdp=body).encode(), (dst, port))

    def finals(want, seconds):
        """Final responses by CSeq number until all of want came: {cseq: text}."""
        got = {}
        end = time.monotonic() + seconds
        while set(want) - set(got) and time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                text = s.recv(65536).decode(errors="replace")
            except socket.timeout:
                break
            m = re.match(r"SIP/2.0 (\d+)", text)
            c = re.search(r"(?im)^CSeq:\s*(\d+)", text)
            if m and c and int(m.group(1)) >= 200:
                got[int(c.group(1))] = text
        return got

    def status(text):
        return int(text.split()[1]) if text else 0

    send("INVITE", 1, "i1", SDP % (1, 6300, "sendrecv"))
    r = finals([1], 5).get(1, "")
    if status(r) != 200:
        print("INVITE got %s" % (status(r) or "nothing"))
        return 1
    to_tag = re.search(r"(?im)^To:.*;tag=([^;>\s]+)", r).group(1)
    send("ACK", 1, "a1")

    send("INVITE", 2, "i2", SDP % (2, 6300, "sendonly"))
    send("INVITE", 3, "i3", SDP % (3, 6300, "sendrecv"))
    got = finals([2, 3], 5)
    for cseq in (2, 3):
        text = got.get(cseq, "")
        d = re.search(r"(?m)^a=(sendrecv|sendonly|recvonly|inactive)", text)
        print("%d %s%s" % (cseq, status(text) or "nothing", " a=" + d.group(1) if d else ""))
        if text:
            send("ACK", cseq, "a%d" % cseq if status(text) < 300 else "i%d" % cseq)
    send("BYE", 4, "b4")
    bye = status(finals([4], 5).get(4, ""))
    print("4 %s" % (bye or "nothing"))
    ok = (status(got.get(2)) == 200 and "a=recvonly" in got.get(2, "") and
          status(got.get(3)) == 500 and
          re.search(r"(?im)^Retry-After:\s*\d+", got.get(3, "")) and bye == 200)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
