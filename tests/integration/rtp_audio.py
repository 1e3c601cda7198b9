#!/usr/bin/env python3
"""rtp_audio.py: make the test audio and check the RTP that came back.

  rtp_audio.py gen FILE --seconds S [--start T] [--law a|u]
      Write S seconds of a test signal as raw A-law (8 kHz, what sipp's rtp_stream
      plays; --law u: mu-law): a rising chirp plus a second tone under a slow
      envelope, so that any shift, gap or corruption of the audio shows; --start: the
      signal from second T on (another leg's audio, not the same).

  rtp_audio.py check PCAP --file FILE --gw IP --caller IP --pt PT --delay-ms D
                   [--gw-port P]
      Read a capture (libpcap, Ethernet) taken on the caller's media link and check:
      - the caller sent the file's bytes (the reference for what follows);
      - the stream from the gateway has one SSRC, sequence numbers +1 and timestamps
        +160 per packet, 160-byte payloads of payload type PT, and leaves at a 20 ms
        pace (mean within 0.5 ms, 99th percentile of |gap - 20 ms| within 5 ms, or
        --pace-p99-ms);
      - the gateway sends RTCP (RFC 3550 6.4.1): at least one SR from its RTP port + 1,
        with the RTP stream's SSRC, a packet count equal to the RTP packets it had
        sent by then (+-1), and an SDES CNAME;
      - the caller's audio comes back byte for byte (G.711 decode then encode is
        lossless), in order, D ms later (+-60 ms), all of it but the frames still
        inside the echo delay when the call ended; silence frames voxgate inserted
        when a late packet left its playout queue empty are allowed (at most 5%).
      Prints one JSON line of figures; exits 0 when every check holds, else 1 with
      the failed checks on stderr.

  rtp_audio.py relay PCAP --sent IP:PORT --got IP:PORT [--min-frames N]
      A bridged call: the audio the leg at --sent sent (RTP from there, PCMA or
      PCMU) is found in what the leg at --got got (RTP to there, either law), frame
      by frame in order: decoded, each frame within --min-snr dB (25) of the one
      sent, at least N frames (50), no frame that is not the sender's, silence sent
      while the relay had nothing and frames dropped on the way at most 5%.

  rtp_audio.py events PCAP --gw IP --caller IP --pt PT
      Print the key presses the gateway sent as RFC 4733 telephone-events, as
      "DIGIT:MS ..." in order, after checking each event: its first packet carries
      the marker bit, all its packets share one timestamp, the duration never
      shrinks, and it ends with exactly three end packets of the final duration
      (RFC 4733 2.5.1). Exits 1 on a violation.

Standard library only; the A-law encoder here is written from ITU-T G.711, apart
from voxgate's.
"""
import argparse
import json
import math
import struct
import sys

FRAME = 160
SILENCE = {8: 0xD5, 0: 0xFF}  # G.711 +0 by payload type


def alaw_encode(x):
    """One 16-bit sample to A-law (ITU-T G.711: 13-bit magnitude, 8 segments)."""
    v = x >> 3
    if v >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        v = -v - 1
    for seg, end in enumerate((31, 63, 127, 255, 511, 1023, 2047, 4095)):
        if v <= end:
            mant = (v >> 1) if seg < 2 else (v >> seg)
            return ((seg << 4) | (mant & 0x0F)) ^ mask
    return 0x7F ^ mask


def ulaw_encode(x):
    """One 16-bit sample to mu-law (ITU-T G.711: 14-bit magnitude, bias 33, 8
    segments); 0 is 0xFF."""
    v = x >> 2
    if v < 0:
        v, mask = -v, 0x7F
    else:
        mask = 0xFF
    v = min(v, 8159) + 33
    seg = 0
    while seg < 7 and v > (0x3F << seg):
        seg += 1
    return ((seg << 4) | ((v >> (seg + 1)) & 0x0F)) ^ mask


def gen(path, seconds, start=0.0, law="a"):
    enc = alaw_encode if law == "a" else ulaw_encode
    out = bytearray()
    for i in range(int(seconds * 8000)):
        t = start + i / 8000.0
        env = 0.6 + 0.4 * math.sin(2 * math.pi * 0.7 * t)
        s = env * (9000 * math.sin(2 * math.pi * (200 * t + 150 * t * t))
                   + 2500 * math.sin(2 * math.pi * 1337 * t))
        out.append(enc(int(s)))
    with open(path, "wb") as f:
        f.write(out)


def read_pcap(path):
    """Yield (time, src_ip, dst_ip, sport, dport, udp payload) of IPv4/UDP frames."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise ValueError("not a pcap file")
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("link type %d, want Ethernet" % linktype)
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if len(pkt) < 42 or pkt[12:14] != b"\x08\x00":
            continue
        ihl = (pkt[14] & 0x0F) * 4
        if pkt[23] != 17:
            continue
        src = ".".join(str(b) for b in pkt[26:30])
        dst = ".".join(str(b) for b in pkt[30:34])
        udp = pkt[14 + ihl:]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield t, src, dst, sport, dport, udp[8:ulen]


def parse_rtp(b):
    """(pt, seq, ts, ssrc, payload) of an RTP packet, or None (RFC 3550 5.1)."""
    if len(b) < 12 or b[0] >> 6 != 2:
        return None
    off = 12 + 4 * (b[0] & 0x0F)
    if b[0] & 0x10:
        off += 4 + 4 * struct.unpack(">H", b[off + 2:off + 4])[0]
    end = len(b) - (b[-1] if b[0] & 0x20 else 0)
    pt = b[1] & 0x7F
    seq, ts, ssrc = struct.unpack(">HII", b[2:12])
    return pt, seq, ts, ssrc, bytes(b[off:end])


def check(a):
    problems = []
    sent, back, srs = [], [], []
    for t, src, dst, sport, dport, payload in read_pcap(a.pcap):
        if a.gw_port and a.gw_port not in (sport & ~1, dport & ~1):
            continue  # another call's
        if src == a.gw and dst == a.caller and sport % 2 == 1:
            srs.append((t, payload))
            continue
        r = parse_rtp(payload)
        if r is None:
            continue
        if src == a.caller and dst == a.gw:
            sent.append((t,) + r)
        elif src == a.gw and dst == a.caller:
            back.append((t,) + r)
    with open(a.file, "rb") as f:
        audio = f.read()
    fig = {"sent": len(sent), "back": len(back)}
    if not sent or not back:
        print(json.dumps(fig))
        print("no RTP seen in one direction", file=sys.stderr)
        return 1

    # What the caller sent is the file, frame by frame.
    sent_frames = [s[5] for s in sorted(sent, key=lambda s: s[0])]
    if b"".join(sent_frames) != audio[:len(sent_frames) * FRAME]:
        problems.append("the caller's RTP is not the audio file")

    # The gateway's stream: RFC 3550 continuity and payload.
    ssrcs = {b[4] for b in back}
    fig["ssrcs"] = len(ssrcs)
    if len(ssrcs) != 1:
        problems.append("%d SSRCs from the gateway, want 1" % len(ssrcs))
    seq_err = sum(1 for p, q in zip(back, back[1:]) if (q[2] - p[2]) & 0xFFFF != 1)
    ts_err = sum(1 for p, q in zip(back, back[1:]) if (q[3] - p[3]) & 0xFFFFFFFF != FRAME)
    pt_err = sum(1 for b in back if b[1] != a.pt)
    size_err = sum(1 for b in back if len(b[5]) != FRAME)
    fig.update(seq_errors=seq_err, ts_errors=ts_err, pt_errors=pt_err, size_errors=size_err)
    for name, n in (("sequence", seq_err), ("timestamp", ts_err),
                    ("payload type", pt_err), ("payload size", size_err)):
        if n:
            problems.append("%d %s errors in the gateway's stream" % (n, name))

    # RTCP: our sender reports.
    good_sr = 0
    for t, b in srs:
        if len(b) < 28 or b[0] >> 6 != 2 or b[1] != 200:
            continue
        ssrc, _, _, _, count = struct.unpack(">IIIII", b[4:24])
        before = sum(1 for x in back if x[0] < t)
        if ssrc in ssrcs and abs(count - before) <= 1 and b"voxgate@" in b:
            good_sr += 1
    fig["rtcp_sr"] = good_sr
    if not good_sr:
        problems.append("no valid RTCP SR from the gateway (%d RTCP packets)" % len(srs))

    # Pace: one packet every 20 ms.
    gaps = sorted(abs((q[0] - p[0]) * 1000 - 20) for p, q in zip(back, back[1:]))
    mean = (back[-1][0] - back[0][0]) * 1000 / (len(back) - 1)
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
    fig.update(pace_mean_ms=round(mean, 3), pace_p99_dev_ms=round(p99, 3))
    if abs(mean - 20) > 0.5 or p99 > a.pace_p99_ms:
        problems.append("pace: mean %.3f ms, p99 deviation %.3f ms" % (mean, p99))

    # The echo: the sent frames appear again, intact and in order, D ms later. When
    # the caller's packets arrive late the echo's playout queue can run dry for a
    # tick and voxgate fills it with a silence frame (it keeps the 20 ms pace); such
    # inserted frames are counted and bounded, any other difference is a failure.
    silence = bytes([SILENCE[a.pt]]) * FRAME
    back_frames = [b[5] for b in back]
    matched, inserted, pending, delay = 0, 0, 0, None
    if sent_frames[0] in back_frames:
        i = back_frames.index(sent_frames[0])
        delay = (back[i][0] - min(s[0] for s in sent)) * 1000
        while i < len(back_frames) and matched < len(sent_frames):
            if back_frames[i] == sent_frames[matched]:
                matched += 1
                inserted += pending  # silence between two echoed frames
                pending = 0
            elif back_frames[i] == silence:
                pending += 1  # trailing silence after the last frame is no gap
            else:
                break
            i += 1
    expect = len(sent_frames) - a.delay_ms // 20
    fig.update(matched_frames=matched, expected_frames=expect, inserted_silence=inserted,
               delay_ms=None if delay is None else round(delay, 1))
    if matched < expect - 1:
        problems.append("only %d of %d frames came back intact and in order"
                        % (matched, expect))
    if inserted > expect // 20:
        problems.append("%d silence frames inserted (more than 5%%)" % inserted)
    if delay is None or abs(delay - a.delay_ms) > 60:
        problems.append("echo delay %s ms, want %d +-60" % (delay, a.delay_ms))
    print(json.dumps(fig))
    for p in problems:
        print("check failed: " + p, file=sys.stderr)
    return 1 if problems else 0


def events(a):
    evs = {}  # timestamp -> list of (time, marker, event, end, duration)
    order = []
    for t, src, dst, sport, _, payload in read_pcap(a.pcap):
        if src != a.gw or dst != a.caller or sport % 2:
            continue
        r = parse_rtp(payload)
        if r is None or r[0] != a.pt:
            continue
        pt, seq, ts, ssrc, pl = r
        if ts not in evs:
            evs[ts] = []
            order.append(ts)
        evs[ts].append((t, bool(payload[1] & 0x80), pl[0], bool(pl[1] & 0x80),
                        pl[2] << 8 | pl[3]))
    problems, out = [], []
    for ts in order:
        pkts = evs[ts]
        digit = "0123456789*#ABCD"[pkts[0][2]] if pkts[0][2] < 16 else "?"
        ends = [p for p in pkts if p[3]]
        durs = [p[4] for p in pkts]
        if not pkts[0][1] or any(p[1] for p in pkts[1:]):
            problems.append("%s: marker bit not on the first packet only" % digit)
        if durs != sorted(durs):
            problems.append("%s: duration shrinks" % digit)
        if len(ends) != 3 or any(p[4] != durs[-1] for p in ends) or not pkts[-1][3]:
            problems.append("%s: %d end packets" % (digit, len(ends)))
        out.append("%s:%d" % (digit, durs[-1] // 8))
    print(" ".join(out))
    for p in problems:
        print("check failed: " + p, file=sys.stderr)
    return 1 if problems else 0


def alaw_decode(a):
    """One A-law byte to a 16-bit sample (ITU-T G.711)."""
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = t + 8 if seg == 0 else (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def ulaw_decode(u):
    """One mu-law byte to a 16-bit sample (ITU-T G.711)."""
    u = ~u & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


DECODE = {8: [alaw_decode(b) for b in range(256)], 0: [ulaw_decode(b) for b in range(256)]}


def frame_snr(ref, got):
    """Signal to error ratio of got against ref (dB); 99 when identical."""
    sig = sum(x * x for x in ref)
    err = sum((x - y) * (x - y) for x, y in zip(ref, got))
    return 99.0 if err == 0 else 10 * math.log10(max(sig, 1) / err)


def relay(a):
    """The audio one leg sent, found in what the other leg got, decoded."""
    def addr(s):
        ip, port = s.rsplit(":", 1)
        return ip, int(port)
    src, dst = addr(a.sent), addr(a.got)
    sent, got = [], []
    for t, s_ip, d_ip, sport, dport, payload in read_pcap(a.pcap):
        r = parse_rtp(payload)
        if r is None or r[0] not in DECODE or len(r[4]) != FRAME:
            continue
        pcm = [DECODE[r[0]][b] for b in r[4]]
        if (s_ip, sport) == src:
            sent.append((t, pcm))
        elif (d_ip, dport) == dst:
            got.append((t, pcm))
    fig = {"sent": len(sent), "got": len(got)}
    loud = [i for i, (_, p) in enumerate(got) if max(abs(x) for x in p) > 500]
    g0 = si = None
    for i in loud[:50]:  # the first frame of the sender's audio among the loud
        snr, j = max((frame_snr(p, got[i][1]), j) for j, (_, p) in enumerate(sent))
        if snr >= a.min_snr:
            g0, si = i, j
            break
    if g0 is None:
        fig["matched"] = 0
        print(json.dumps(fig))
        print("check failed: none of the sender's audio in what the other leg got",
              file=sys.stderr)
        return 1
    matched = inserted = skipped = bad = 0
    snrs, delays = [], []
    for i in range(g0, len(got)):
        if si >= len(sent):
            break
        p = got[i][1]
        snr = frame_snr(sent[si][1], p)
        if snr >= a.min_snr:
            matched += 1
            snrs.append(snr)
            delays.append(got[i][0] - sent[si][0])
            si += 1
        elif max(abs(x) for x in p) <= 16:
            inserted += 1  # silence sent while the relay had nothing
        else:
            for k in (1, 2, 3):  # a frame dropped on the way
                if si + k < len(sent) and frame_snr(sent[si + k][1], p) >= a.min_snr:
                    skipped += k
                    matched += 1
                    si += k + 1
                    break
            else:
                bad += 1
                si += 1
    snrs.sort()
    delays.sort()
    fig.update(first_sent_frame=si - matched - skipped, matched=matched,
               inserted_silence=inserted, skipped=skipped, bad=bad,
               snr_min_db=round(snrs[0], 1),
               delay_p50_ms=round(1000 * delays[len(delays) // 2], 1))
    print(json.dumps(fig))
    problems = []
    if matched < a.min_frames:
        problems.append("%d frames relayed, want %d" % (matched, a.min_frames))
    if bad:
        problems.append("%d frames are not the sender's audio" % bad)
    if inserted + skipped > matched // 20:
        problems.append("%d gaps in %d frames (more than 5%%)" % (inserted + skipped, matched))
    for p in problems:
        print("check failed: " + p, file=sys.stderr)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("file")
    g.add_argument("--seconds", type=float, default=3)
    g.add_argument("--start", type=float, default=0, help="the signal from this second on")
    g.add_argument("--law", choices=["a", "u"], default="a")
    c = sub.add_parser("check")
    c.add_argument("pcap")
    c.add_argument("--file", required=True)
    c.add_argument("--gw", required=True)
    c.add_argument("--caller", required=True)
    c.add_argument("--pt", type=int, default=8)
    c.add_argument("--pace-p99-ms", type=float, default=5,
                   help="largest 99th percentile of |gap - 20 ms| (default 5)")
    c.add_argument("--gw-port", type=int, default=0,
                   help="only the call whose RTP port on the gateway is this")
    c.add_argument("--delay-ms", type=int, required=True)
    r = sub.add_parser("relay")
    r.add_argument("pcap")
    r.add_argument("--sent", required=True, help="IP:PORT the audio came from")
    r.add_argument("--got", required=True, help="IP:PORT it was relayed to")
    r.add_argument("--min-frames", type=int, default=50)
    r.add_argument("--min-snr", type=float, default=25)
    e = sub.add_parser("events")
    e.add_argument("pcap")
    e.add_argument("--gw", required=True)
    e.add_argument("--caller", required=True)
    e.add_argument("--pt", type=int, default=101)
    a = ap.parse_args()
    if a.cmd == "events":
        return events(a)
    if a.cmd == "relay":
        return relay(a)
    if a.cmd == "gen":
        gen(a.file, a.seconds, a.start, a.law)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
