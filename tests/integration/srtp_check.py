#!/usr/bin/env python3
"""srtp_check.py: what srtp.sh checks of an SRTP call, from a capture and WAV files.

  srtp_check.py inject PCAP --gw IP --caller IP
      take the caller's first SRTP packet from the capture and send it to voxgate
      again 3 times (replays), then 3 copies with sequence numbers voxgate has not
      seen yet and the old tag, which does not match them (forged; a forged copy
      with an old sequence number would be refused as a replay first, RFC 3711
      3.3 step 2); prints "sent replay 3 forged 3"
  srtp_check.py wire PCAP --gw IP --caller IP
      voxgate's RTP carries a 10-byte tag (AES_CM_128_HMAC_SHA1_80: 12 + 160 + 10
      bytes), none of the caller's payloads comes back verbatim (a plain echo would
      send them back as they came), and voxgate's RTCP is SRTCP (E flag set)
  srtp_check.py tones WAV
      write 6 s of tones that change every 250 ms (8 kHz, 16 bit), what the test's
      baresip plays
  srtp_check.py echo SENT.wav HEARD.wav --delay-ms D [--settle-ms S]
      what the caller heard is what it said, D ms later (correlation above 0.99 at a
      lag within 40 ms of D), in every second of the recording; the delay may grow
      by whole 20 ms frames of silence (up to 100 ms), never shrink (echo()); with
      --settle-ms, from S ms into the recording on (a callee's first packets may
      reach voxgate before its side of the call has started)

Exit status 0 when the check holds; what was seen is printed either way.
"""
import argparse
import math
import os
import socket
import struct
import sys
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtp_audio import read_pcap  # noqa: E402

TAG = 10


def caller_rtp(pcap, gw, caller):
    """The caller's RTP packets to voxgate (even ports), in order."""
    return [(sport, dport, p) for _, s, d, sport, dport, p in read_pcap(pcap)
            if s == caller and d == gw and dport % 2 == 0 and len(p) >= 12]


def inject(a):
    pkts = caller_rtp(a.pcap, a.gw, a.caller)
    if not pkts:
        print("no SRTP packet from the caller in the capture")
        return 1
    _, dport, pkt = pkts[0]
    seq = struct.unpack(">H", pkt[2:4])[0]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):
        s.sendto(pkt, (a.gw, dport))
    for i in range(3):
        forged = bytearray(pkt)
        forged[2:4] = struct.pack(">H", (seq + 2000 + i) & 0xFFFF)
        s.sendto(bytes(forged), (a.gw, dport))
    print("sent replay 3 forged 3 to %s:%d (%d bytes)" % (a.gw, dport, len(pkt)))
    return 0


def wire(a):
    sent, back, rtcp, e_flag = set(), [], 0, 0
    for _, s, d, sport, dport, p in read_pcap(a.pcap):
        if s == a.caller and d == a.gw and dport % 2 == 0 and len(p) > 12 + TAG:
            sent.add(bytes(p[12:-TAG]))
        elif s == a.gw and d == a.caller and sport % 2 == 0:
            back.append(bytes(p))
        elif s == a.gw and d == a.caller and sport % 2 == 1 and len(p) > 8 + 4 + TAG:
            rtcp += 1
            e_flag += (p[-TAG - 4] & 0x80) != 0
    sizes = sorted({len(p) for p in back})
    verbatim = sum(1 for p in back if bytes(p[12:-TAG]) in sent)
    print("caller sent %d SRTP packets; voxgate sent %d, sizes %s, %d with a caller's "
          "payload verbatim; SRTCP %d, %d with the E flag" %
          (len(sent), len(back), sizes, verbatim, rtcp, e_flag))
    ok = (len(sent) > 100 and len(back) > 100 and sizes == [12 + 160 + TAG] and
          verbatim == 0 and rtcp >= 1 and e_flag == rtcp)
    return 0 if ok else 1


def samples(path):
    w = wave.open(path)
    if w.getframerate() != 8000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
        raise ValueError("%s: want 8 kHz mono 16-bit" % path)
    n = w.getnframes()
    return struct.unpack("<%dh" % n, w.readframes(n))


def corr(x, y):
    num = sum(p * q for p, q in zip(x, y))
    den = math.sqrt(sum(p * p for p in x) * sum(q * q for q in y))
    return num / den if den else 0.0


def best_lag(said, heard, start, n, lags):
    """The lag (samples) among lags at which heard matches said[start:start + n]
    best, and that correlation."""
    best = (0.0, 0)
    for lag in lags:
        if start + lag + n > len(heard):
            break
        c = corr(said[start:start + n:4], heard[start + lag:start + lag + n:4])
        if c > best[0]:
            best = (c, lag)
    return best


def echo(a):
    """Windows of 1 s, every 250 ms (the tones change every 250 ms, so each window's
    lag is unambiguous), each at its own best lag. The audio is intact when every
    window matches above 0.99, except where the delay grew: voxgate plays silence
    when the echoed frame is not there on its 20 ms tick (the caller or the bot
    worker late under load), and what follows comes 20 ms later. So a run of at most
    4 windows may match worse where the lag steps up by whole 20 ms frames (or at the
    start); the lag starts at D (within 40 ms), grows by 100 ms at most, never
    shrinks (audio lost), to the end of the recording."""
    said, heard = samples(a.sent), samples(a.heard)
    d, ms = a.delay_ms * 8, 8  # samples
    lags, wins = range(max(d - 40 * ms, 0), d + 140 * ms + 1, ms), []
    first = -(-a.settle_ms * ms // 2000) * 2000  # windows from --settle-ms on
    for start in range(first, len(said) - 8000 + 1, 2000):
        if start + d + 8000 > len(heard):
            break  # the recording ends (baresip's ends before the call)
        wins.append(best_lag(said, heard, start, 8000, lags))
    print("heard %.2f s; best lag (ms) and correlation of 1 s windows every 250 ms: %s" %
          (len(heard) / 8000, " ".join("%d:%.3f" % (lag // ms, c) for c, lag in wins)))
    good = [i for i, (c, _) in enumerate(wins) if c > 0.99]
    if len(wins) < 8 or not good:
        return 1  # too short
    if good[0] > 4 or good[-1] < len(wins) - 5:
        return 1
    if good[0] == 0 and abs(wins[0][1] - d) > 40 * ms:
        return 1
    if good[0] > 0 and wins[good[0]][1] < d + 10 * ms:
        return 1  # the first second matches worse, and no frame of delay added there
    base = wins[0][1] if good[0] == 0 else d  # the delay the call started with
    if wins[good[-1]][1] - base > 101 * ms:
        return 1  # the delay grew by more than 100 ms
    for i, j in zip(good, good[1:]):
        step = wins[j][1] - wins[i][1]
        if step < -ms or ms < step % 160 < 160 - ms:
            return 1  # the delay shrank, or grew by no whole frame
        if j - i > 1 and (j - i > 5 or step < 160 - ms):
            return 1  # windows that match worse, and no frame of delay added there
    if good[-1] < len(wins) - 1:
        # the delay grew in the last second: its last 100 ms, 20 ms later or more
        last = wins[good[-1]][1]
        end = (len(wins) - 1) * 2000 + 8000
        c, lag = best_lag(said, heard, end - 800, 800,
                          range(last + 160 - ms, base + 101 * ms + 1, ms))
        print("the last 100 ms at %d ms: %.4f" % (lag // ms, c))
        if c <= 0.99:
            return 1
    return 0


def tones(a):
    """6 s of tones that change every 250 ms, so that an echo's delay is unambiguous."""
    import random
    random.seed(7)
    x = []
    for _ in range(24):
        f = random.choice([300, 450, 600, 800, 1000, 1300, 1700, 2100])
        x += [int(12000 * math.sin(2 * math.pi * f * i / 8000)) for i in range(2000)]
    w = wave.open(a.wav, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(struct.pack("<%dh" % len(x), *x))
    w.close()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("tones").add_argument("wav")
    for name in ("inject", "wire"):
        p = sub.add_parser(name)
        p.add_argument("pcap")
        p.add_argument("--gw", required=True)
        p.add_argument("--caller", required=True)
    p = sub.add_parser("echo")
    p.add_argument("sent")
    p.add_argument("heard")
    p.add_argument("--delay-ms", type=int, required=True)
    p.add_argument("--settle-ms", type=int, default=0,
                   help="judge the windows from this far into the recording on")
    a = ap.parse_args()
    return {"inject": inject, "wire": wire, "echo": echo, "tones": tones}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
