#!/usr/bin/python3
"""ws_bot.py: a bot for the tests, speaking the Twilio Media Streams dialect.

  ws_bot.py serve --port P --log FILE [--script SCRIPT] [--cert PEM --key PEM]
      listen on 0.0.0.0:P for voxgate; one line of JSON per event to FILE, each with
      "t" (wall clock, s): every message voxgate sent, and what the bot did. Scripts:
        talk: keep the caller's audio; 0.5 s after "start" play audio A (2 s of tones,
              sent at twice real time in 100 ms chunks), then mark "a"; 3.5 s after
              "start" play audio B (3 s) and mark "b", and 0.5 s later "clear"
        dtmf: only listen
        die:  close the socket 1 s after "start"
        goodbye: 0.5 s after "start" send the first 1.5 s of audio A and 100 bytes
              more (a partial frame) at once, within the default playout queue of
              2 s, then close the socket at once (as Pipecat ends a call)
        cmds: 0.5 s after "start" have "5#" played to the caller (voxgate's "dtmf"),
              send an update (final) and a transfer (refer), 1.5 s after hang up
        junk: 0.3 s after "start" send what is not a Twilio message: text that is
              not JSON, media whose payload is not base64, a binary frame, an
              unknown event; then stay
        raw:  the raw dialect: send every binary frame (PCM16) straight back
        echo: send every media message straight back (not logged, the rest is)
        updates: 0.5 s after "start" send an update (not final), 0.5 s later the
              final one; then stay (the platform hangs up)
        bridge: 0.5 s after "start" ask for a bridged transfer to +15550100 with
              caller id +15559999 and X-Ticket: T-42; stay when it is accepted (the
              bot's session then ends), hang up 0.5 s after transfer_failed
        try_refer: the same with mode try_refer (REFER first, then the bridge)
        warm: the first call's session asks a warm transfer to +15550100 (caller id
              and X-Ticket as bridge's), later ones to +15550101 (hanging up 0.5 s after transfer_failed); a second
              leg's session (customParameters.transfer "warm") sends complete 1 s
              after its start when it is +15550100's, else cancel
  ws_bot.py rawcheck FILE --pcap PCAP --caller-audio RAW --rate R
      what the raw script saw (the start message, binary frames of 20 ms at R Hz) and
      that the caller heard its own audio back through the bot
  ws_bot.py byecheck FILE --pcap PCAP --bye-at T
      what the caller heard of the goodbye script before its BYE (at T, wall clock)
  ws_bot.py check FILE --pcap PCAP --caller-audio RAW --from N --to N
      what the talk script saw and what the caller heard (checks printed one a line
      as "ok - ..." / "not ok - ..."; exit status 1 when any failed)

Audio A and B are made here (audio_a(), audio_b()) so that check knows them too.
Needs Debian's python3-websockets.
"""
import argparse
import asyncio
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import audioop  # noqa: E402 (Debian 12's python3 is 3.11, which has it)
import base64  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def tones(seconds, freqs, seed):
    """Linear PCM16: tones of 250 ms, each from freqs in a fixed order."""
    x = []
    for k in range(int(seconds * 4)):
        f = freqs[(k * 7 + seed) % len(freqs)]
        x += [int(9000 * math.sin(2 * math.pi * f * i / 8000)) for i in range(2000)]
    return struct.pack("<%dh" % len(x), *x)


def audio_a():
    return audioop.lin2ulaw(tones(2, [350, 500, 700, 900, 1200], 1), 2)


def audio_b():
    return audioop.lin2ulaw(tones(3, [400, 650, 850, 1100, 1500], 3), 2)


def audio_long(seconds):
    """Mu-law tones without a pause: what a bot says in one long answer."""
    return audioop.lin2ulaw(tones(seconds, [300, 450, 600, 800, 1000, 1300], 5), 2)


def audio_words(seconds):
    """Mu-law: words (250 ms tones) and pauses (250 ms of silence) by turns."""
    pcm = bytearray(tones(seconds, [350, 550, 750, 950], 2))
    for k in range(1, int(seconds * 4), 2):
        pcm[4000 * k:4000 * (k + 1)] = bytes(4000)
    return audioop.lin2ulaw(bytes(pcm), 2)


def loud(frame_pcm):
    """Whether 20 ms of PCM16 holds more than the quiet of a pause."""
    return max(abs(v) for v in struct.unpack("<%dh" % (len(frame_pcm) // 2), frame_pcm)) > 500


async def serve(a):
    import websockets

    log = open(a.log, "a", buffering=1)
    results = {}  # the last transfer_* event each connection got

    def note(**kv):
        kv["t"] = time.time()
        log.write(json.dumps(kv) + "\n")

    async def play(ws, sid, audio):
        for off in range(0, len(audio), 800):  # 100 ms chunks every 50 ms: 2x
            await ws.send(json.dumps({"event": "media", "streamSid": sid, "media": {
                "payload": base64.b64encode(audio[off:off + 800]).decode()}}))
            await asyncio.sleep(0.05)

    async def talk(ws, sid):
        await asyncio.sleep(0.5)
        note(did="play", audio="a")
        await play(ws, sid, audio_a())
        await ws.send(json.dumps({"event": "mark", "streamSid": sid, "mark": {"name": "a"}}))
        note(did="mark", name="a")
        await asyncio.sleep(3.5 - 0.5 - 1.0)
        note(did="play", audio="b")
        await play(ws, sid, audio_b())
        await ws.send(json.dumps({"event": "mark", "streamSid": sid, "mark": {"name": "b"}}))
        note(did="mark", name="b")
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"event": "clear", "streamSid": sid}))
        note(did="clear")

    async def cmds(ws):
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"event": "dtmf", "dtmf": {"digits": "5#",
                                                            "duration": 100}}))
        note(did="dtmf")
        await ws.send(json.dumps({"event": "update", "update": {
            "final": True, "payload": {"intent": "billing", "score": 0.5}}}))
        await ws.send(json.dumps({"event": "transfer", "transfer": {
            "mode": "refer", "target": "sip:+15550100@pbx.example",
            "headers": {"X-Reason": "agent"}}}))
        note(did="commands")
        await asyncio.sleep(1.5)
        await ws.send(json.dumps({"event": "hangup"}))
        note(did="hangup")

    async def updates(ws):
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"event": "update", "update": {
            "payload": {"progress": "identified", "customer": {"tier": "gold"}}}}))
        note(did="update")
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"event": "update", "update": {
            "final": True, "payload": {"intent": "Technical Support"}}}))
        note(did="final")

    async def bridge(ws, mode="bridge"):
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"event": "transfer", "transfer": {
            "mode": mode, "target": "+15550100", "caller_id": "+15559999",
            "headers": {"X-Ticket": "T-42"}}}))
        note(did="transfer")
        for _ in range(100):  # the result, 10 s at most
            if id(ws) in results:
                break
            await asyncio.sleep(0.1)
        if results.get(id(ws)) != "transfer_accepted":
            await asyncio.sleep(0.5)
            await ws.send(json.dumps({"event": "hangup"}))
            note(did="hangup")

    warm_asked = []  # the targets the first legs' sessions asked for, in order

    async def warm(ws, start):
        c = start.get("customParameters", {})
        if c.get("transfer") == "warm":  # the second leg's session: brief the target
            await asyncio.sleep(1)
            mode = "complete" if c.get("to_number") == "+15550100" else "cancel"
            await ws.send(json.dumps({"event": "transfer", "transfer": {"mode": mode}}))
            note(did=mode)
            return
        target = "+15550100" if not warm_asked else "+15550101"
        warm_asked.append(target)
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"event": "transfer", "transfer": {
            "mode": "warm", "target": target, "caller_id": "+15559999",
            "headers": {"X-Ticket": "T-42"}}}))
        note(did="warm", target=target)
        for _ in range(100):  # a failure (refused, canceled), 10 s at most
            if results.get(id(ws)) == "transfer_failed":
                await asyncio.sleep(0.5)
                await ws.send(json.dumps({"event": "hangup"}))
                note(did="hangup")
                return
            await asyncio.sleep(0.1)

    async def media(ws, sid, audio):
        """audio at once, in 100 ms messages"""
        for off in range(0, len(audio), 800):
            await ws.send(json.dumps({"event": "media", "streamSid": sid, "media": {
                "payload": base64.b64encode(audio[off:off + 800]).decode()}}))

    async def mark(ws, sid, name):
        await ws.send(json.dumps({"event": "mark", "streamSid": sid, "mark": {"name": name}}))
        note(did="mark", name=name)

    async def burst(ws, sid):  # 8 s sent at once, far beyond the dataplane's queue
        await asyncio.sleep(0.5)
        note(did="play", audio="long")
        await media(ws, sid, audio_long(8))
        await mark(ws, sid, "end")

    async def burstclear(ws, sid):  # the same, cleared after 2.5 s, then audio a
        await asyncio.sleep(0.5)
        await media(ws, sid, audio_long(8))
        await mark(ws, sid, "long")
        await asyncio.sleep(2.5)
        await ws.send(json.dumps({"event": "clear", "streamSid": sid}))
        note(did="clear")
        await asyncio.sleep(0.5)
        note(did="play", audio="a")
        await media(ws, sid, audio_a())
        await mark(ws, sid, "a")

    async def flood(ws, sid):  # 14 s at once: beyond bots.backlog_s = 10
        await asyncio.sleep(0.5)
        await media(ws, sid, audio_long(14))
        note(did="flood")

    async def paced(ws, sid):  # 1 s at once, then words in real time, frame by frame
        await asyncio.sleep(0.5)
        said = audio_words(6)
        await media(ws, sid, said[:8000])
        t0 = time.monotonic()
        for k, off in enumerate(range(8000, len(said), 160)):
            await ws.send(json.dumps({"event": "media", "streamSid": sid, "media": {
                "payload": base64.b64encode(said[off:off + 160]).decode()}}))
            await asyncio.sleep(max(0, t0 + 0.02 * (k + 1) - time.monotonic()))
        await mark(ws, sid, "end")

    async def junk(ws, sid):
        await asyncio.sleep(0.3)
        await ws.send("this is not JSON")
        await ws.send(json.dumps({"event": "media", "streamSid": sid,
                                  "media": {"payload": "!!not base64!!"}}))
        await ws.send(b"\x00\x01binary")
        await ws.send(json.dumps({"event": "no-such-event"}))
        note(did="junk", count=4)

    async def handler(ws, path=None):
        task = None
        async for text in ws:
            if isinstance(text, bytes):  # raw dialect audio
                note(binary=len(text))
                await ws.send(text)
                continue
            m = json.loads(text)
            if str(m.get("event")).startswith("transfer_"):
                results[id(ws)] = m["event"]
            if a.script == "echo" and m.get("event") == "media":
                await ws.send(json.dumps({"event": "media", "streamSid": m["streamSid"],
                                          "media": {"payload": m["media"]["payload"]}}))
                continue
            note(got=m)
            if m.get("event") == "start":
                sid = m.get("streamSid") or m["start"]["streamSid"]
                if a.script == "talk":
                    task = asyncio.ensure_future(talk(ws, sid))
                elif a.script == "die":
                    await asyncio.sleep(1)
                    note(did="die")
                    await ws.close()
                    return
                elif a.script == "goodbye":
                    await asyncio.sleep(0.5)
                    said = audio_a()[:12000] + audio_b()[:100]
                    for off in range(0, len(said), 800):
                        await ws.send(json.dumps({"event": "media", "streamSid": sid,
                                                  "media": {"payload": base64.b64encode(
                                                      said[off:off + 800]).decode()}}))
                    note(did="close")
                    await ws.close()
                    return
                elif a.script == "cmds":
                    task = asyncio.ensure_future(cmds(ws))
                elif a.script == "junk":
                    task = asyncio.ensure_future(junk(ws, sid))
                elif a.script == "updates":
                    task = asyncio.ensure_future(updates(ws))
                elif a.script in ("bridge", "try_refer"):
                    task = asyncio.ensure_future(bridge(ws, a.script))
                elif a.script == "warm":
                    task = asyncio.ensure_future(warm(ws, m["start"]))
                elif a.script == "echo":
                    pass  # media comes back below
                elif a.script in ("burst", "burstclear", "flood", "paced"):
                    task = asyncio.ensure_future(
                        {"burst": burst, "burstclear": burstclear, "flood": flood,
                         "paced": paced}[a.script](ws, sid))
        if task:
            task.cancel()

    ssl_ctx = None
    if a.cert:  # wss://
        import ssl
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_ctx.load_cert_chain(a.cert, a.key)
    async with websockets.serve(handler, "0.0.0.0", a.port, ssl=ssl_ctx):
        note(did="listen", port=a.port)
        await asyncio.Future()


class Checks:
    """TAP lines: ok(cond, what) prints one; rc() is the exit status."""

    def __init__(self):
        self.fails = 0

    def __call__(self, cond, what):
        print(("ok - " if cond else "not ok - ") + what)
        self.fails += not cond

    def rc(self):
        return 1 if self.fails else 0


def to_caller(pcap):
    """voxgate's RTP to the caller in a capture: (time, packet) of 20 ms of G.711."""
    from rtp_audio import read_pcap

    return [(t, p) for t, s_, d, sp, dp, p in read_pcap(pcap)
            if s_ == "198.18.1.1" and d == "198.18.1.2" and sp % 2 == 0 and len(p) == 172]


def check(a):
    ev = [json.loads(line) for line in open(a.log)]
    got = [e["got"] for e in ev if "got" in e]
    did = {(e["did"], e.get("name") or e.get("audio")): e["t"] for e in ev if "did" in e}
    ok = Checks()

    kinds = [m.get("event") for m in got]
    ok(kinds[:2] == ["connected", "start"] and kinds[-1] == "stop",
       "the bot got connected, start, ..., stop (%s ... %s)" % (kinds[:2], kinds[-1:]))
    st = next((m for m in got if m.get("event") == "start"), {})
    s = st.get("start", {})
    ok(st.get("sequenceNumber") == "1" and s.get("streamSid", "").startswith("MZ") and
       len(s.get("streamSid", "")) == 34 and s.get("callSid", "").startswith("CA") and
       s.get("accountSid", "").startswith("AC") and s.get("tracks") == ["inbound"] and
       s.get("mediaFormat") == {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                "channels": 1} and st.get("streamSid") == s.get("streamSid"),
       "start has Twilio's fields: %s" % json.dumps(st)[:300])
    cp = s.get("customParameters", {})
    ok(cp.get("from_number") == a.from_number and cp.get("to_number") == a.to_number and
       all(isinstance(v, str) for v in cp.values()),
       "customParameters carry the call context as strings (from %s, to %s)" %
       (cp.get("from_number"), cp.get("to_number")))
    media = [m for m in got if m.get("event") == "media"]
    seqs = [int(m["sequenceNumber"]) for m in got if m.get("event") != "connected"]
    ok(seqs == list(range(1, len(seqs) + 1)) and
       [int(m["media"]["chunk"]) for m in media] == list(range(1, len(media) + 1)) and
       all(m["media"]["track"] == "inbound" and
           int(m["media"]["timestamp"]) == 20 * (int(m["media"]["chunk"]) - 1) and
           m["streamSid"] == s.get("streamSid") for m in media),
       "sequenceNumber, chunk and timestamp count up without a gap (%d media)" % len(media))
    heard = b"".join(base64.b64decode(m["media"]["payload"]) for m in media)
    ok(len(media) > 100 and all(len(base64.b64decode(m["media"]["payload"])) == 160
                                for m in media), "each media message is 160 bytes of mu-law")
    said = audioop.alaw2lin(open(a.caller_audio, "rb").read(), 2)
    bot_pcm = audioop.ulaw2lin(heard, 2)
    c, frame = best_lag(said[:8000 * 2], bot_pcm)
    ok(c > 0.99, "the caller's first second reached the bot intact (A-law to mu-law): "
       "correlation %.4f, %d ms into the stream" % (c, 20 * frame))

    # what the caller heard: voxgate's RTP, A-law
    pkts = to_caller(a.pcap)
    times = [t for t, _ in pkts]
    pcm = b"".join(audioop.alaw2lin(p[12:], 2) for _, p in pkts)
    for name, audio in (("a", audio_a()), ("b", audio_b())):
        ref = audioop.ulaw2lin(audio, 2)
        n = len(ref) // 2 if name == "a" else 8000 * 2 // 5  # b: its first 400 ms
        c, first = best_lag(ref[:2 * n], pcm)
        span = times[first:first + n // 160]
        steps = [b - a_ for a_, b in zip(span, span[1:])]
        ok(c > 0.99 and steps and max(abs(x - 0.02) for x in steps) < 0.008,
           "audio %s reached the caller intact (%.4f) at 20 ms pace (steps %.1f-%.1f ms)" %
           (name, c, 1000 * min(steps or [0]), 1000 * max(steps or [0])))
        if name == "a":
            a_end = span[-1] if span else 0
        else:
            b_start = span[0] if span else 0
    marks = [(m["mark"]["name"], e["t"]) for e, m in ((e, e["got"]) for e in ev if "got" in e)
             if m.get("event") == "mark"]
    ok([n for n, _ in marks] == ["a", "b"], "marks came back in order: %s" % marks)
    ma = dict(marks).get("a", 0)
    ok(abs(ma - a_end) < 0.06, "mark a came back when the caller had heard audio a "
       "(%.0f ms after its last packet)" % (1000 * (ma - a_end)))
    clear_t = did.get(("clear", None), 0)
    after = [t for t, p in pkts if t > clear_t and t < clear_t + 1.0 and
             max(abs(v) for v in struct.unpack("<160h", audioop.alaw2lin(p[12:], 2))) > 500]
    last_b = max((t for t, p in pkts if b_start <= t <= clear_t + 1.0 and
                  max(abs(v) for v in struct.unpack("<160h",
                                                    audioop.alaw2lin(p[12:], 2))) > 500),
                 default=0)
    ok(clear_t and last_b - clear_t < 0.025 and len(after) <= 1,
       "after clear the caller hears audio b stop within 20 ms (last packet %.1f ms "
       "after clear)" % (1000 * (last_b - clear_t)))
    mb = dict(marks).get("b", 0)
    ok(mb and mb - clear_t < 0.05, "the pending mark b came back on clear (%.0f ms)" %
       (1000 * (mb - clear_t)))
    return ok.rc()


def byecheck(a):
    """The goodbye script: the caller heard all of audio A and the partial frame after
    it, and the BYE came once that had played, not when the socket closed."""
    closed = [json.loads(line)["t"] for line in open(a.log) if '"close"' in line][0]
    ok = Checks()

    pkts = to_caller(a.pcap)
    pcm = b"".join(audioop.alaw2lin(p[12:], 2) for _, p in pkts)
    ref = audioop.ulaw2lin(audio_a()[:12000], 2)
    c, first = best_lag(ref, pcm)
    tail = pkts[first + len(ref) // 320] if first + len(ref) // 320 < len(pkts) else None
    ok(c > 0.99, "the caller heard all of what the bot said before closing (%.4f)" % c)
    ok(tail is not None and
       max(abs(v) for v in struct.unpack("<100h", audioop.alaw2lin(tail[1][12:112], 2))) > 500
       and max(abs(v) for v in struct.unpack("<60h", audioop.alaw2lin(tail[1][112:], 2))) < 50,
       "... and its last partial frame, completed with silence")
    end = tail[0] if tail else 0
    ok(end and end < a.bye_at < end + 0.5 and a.bye_at - closed > 1.3,
       "the BYE came once that had played: %.2f s after the socket closed, %.0f ms after "
       "the last packet" % (a.bye_at - closed, 1000 * (a.bye_at - end)))
    return ok.rc()


def rawcheck(a):
    ev = [json.loads(line) for line in open(a.log)]
    ok = Checks()

    got = [e["got"] for e in ev if "got" in e]
    st = got[0] if got else {}
    ok(st.get("event") == "start" and st.get("audio") == {
        "encoding": "pcm16le", "sample_rate": a.rate, "channels": 1, "frame_ms": 20} and
       st.get("callSid", "").startswith("CA") and
       st.get("context", {}).get("from_number") == "+918888888888",
       "raw: the first message is start with the audio format and the call context")
    sizes = [e["binary"] for e in ev if "binary" in e]
    ok(len(sizes) > 100 and set(sizes) == {a.rate // 50 * 2},
       "raw: the caller's audio comes as %d binary frames of %s bytes (20 ms at %d Hz)" %
       (len(sizes), sorted(set(sizes)), a.rate))
    said = audioop.alaw2lin(open(a.caller_audio, "rb").read(), 2)
    pkts = [p for _, p in to_caller(a.pcap)]
    heard = struct.unpack("<%dh" % (160 * len(pkts)),
                          b"".join(audioop.alaw2lin(p[12:], 2) for p in pkts))
    x = struct.unpack("<%dh" % (len(said) // 2), said)[8000:16000]  # its second second
    xx = math.sqrt(sum(v * v for v in x[::2])) or 1
    def corr(lag):
        seg = heard[lag:lag + len(x):2]
        return sum(p * q for p, q in zip(x[::2], seg)) / (xx * (math.sqrt(sum(
            q * q for q in seg)) or 1))

    # every 4th sample, then each sample around the best (the resamplers' delay is
    # not a whole number of frames)
    best = max((corr(lag), lag) for lag in range(0, max(1, len(heard) - len(x)), 4))
    best = max((corr(lag), lag) for lag in range(max(0, best[1] - 4), best[1] + 5))
    ok(best[0] > 0.98, "raw: the caller heard its own audio back through the bot "
       "(%s Hz and back): correlation %.4f" % (a.rate, best[0]))
    return ok.rc()


def backlogcheck(a):
    """What the caller heard of a bot that sends faster than real time (burst,
    burstclear, flood) or in real time after a start-up burst (paced)."""
    ev = [json.loads(line) for line in open(a.log)]
    got = [e["got"] for e in ev if "got" in e]
    did = {(e["did"], e.get("name") or e.get("audio")): e["t"] for e in ev if "did" in e}
    marks = {m["mark"]["name"]: e["t"] for e, m in ((e, e["got"]) for e in ev if "got" in e)
             if m.get("event") == "mark"}
    ok = Checks()

    pkts = to_caller(a.pcap)
    times = [t for t, _ in pkts]
    pcm = b"".join(audioop.alaw2lin(p[12:], 2) for _, p in pkts)

    def heard(ref, name, after=0.0):
        """ref found intact in what was heard after `after`, at 20 ms pace; the time
        its last frame was sent"""
        skip = next((i for i, t in enumerate(times) if t >= after), len(times))
        c, first = best_lag(ref, pcm[320 * skip:])
        first += skip
        span = times[first:first + len(ref) // 320]
        steps = [y - x for x, y in zip(span, span[1:])]
        ok(c > 0.99 and len(span) == len(ref) // 320 and
           max(abs(x - 0.02) for x in steps) < 0.008,
           "%s: the caller heard all %.1f s of it intact (%.4f) at 20 ms pace (steps "
           "%.1f-%.1f ms)" % (name, len(ref) / 16000, c, 1000 * min(steps or [0]),
                              1000 * max(steps or [0])))
        return span[-1] if span else 0

    if a.mode == "burst":
        end = heard(audioop.ulaw2lin(audio_long(8), 2), "8 s sent at once")
        ok(abs(marks.get("end", 0) - end) < 0.06, "its mark came back when it had been "
           "heard (%.0f ms after the last packet)" % (1000 * (marks.get("end", 0) - end)))
    elif a.mode == "burstclear":
        clear_t = did.get(("clear", None), 0)
        last = max((t for t, p in pkts if t <= clear_t + 0.4 and
                    loud(audioop.alaw2lin(p[12:], 2))), default=0)
        ok(clear_t and last - clear_t < 0.025, "after clear the caller hears the 8 s stop "
           "within 20 ms, 5.5 s of it unheard (last packet %.1f ms after clear)" %
           (1000 * (last - clear_t)))
        ok(0 <= marks.get("long", 0) - clear_t < 0.05, "its pending mark came back on "
           "clear (%.0f ms)" % (1000 * (marks.get("long", 0) - clear_t)))
        end = heard(audioop.ulaw2lin(audio_a(), 2), "audio a after the clear", clear_t)
        ok(abs(marks.get("a", 0) - end) < 0.06 and
           marks.get("a", 0) - did.get(("play", "a"), 0) < 2.2,
           "... without waiting for what was cleared: mark a %.2f s after it was sent" %
           (marks.get("a", 0) - did.get(("play", "a"), 0)))
    elif a.mode == "flood":
        full = [m for m in got if m.get("event") == "playout_full"]
        ok(len(full) == 1 and full[0].get("playout_full") == {"max_ms": 10000} and
           full[0].get("streamSid", "").startswith("MZ"),
           "the bot was told once that its audio beyond 10 s is dropped: %s" % full)
    elif a.mode == "paced":
        said = audioop.ulaw2lin(audio_words(6), 2)
        sent = sum(loud(said[i:i + 320]) for i in range(0, len(said), 320))
        got_loud = sum(loud(audioop.alaw2lin(p[12:], 2)) for _, p in pkts)
        ok(got_loud == sent, "every word was heard: %d frames of words sent, %d heard" %
           (sent, got_loud))
        lag = marks.get("end", 0) - did.get(("mark", "end"), 0)
        ok(0 <= lag < 0.1, "the 1 s queue of its start was trimmed from its pauses: the "
           "last frame was heard %.0f ms after it was sent (1 s without)" % (1000 * lag))
    return ok.rc()


def best_lag(ref, pcm):
    """Best correlation of ref in pcm (PCM16 bytes) at whole 20 ms frames: every frame
    on either side is one RTP packet or one media message. Returns (corr, frame)."""
    r = struct.unpack("<%dh" % (len(ref) // 2), ref)[::2]
    x = struct.unpack("<%dh" % (len(pcm) // 2), pcm)
    rr = math.sqrt(sum(v * v for v in r)) or 1
    best = (0.0, 0)
    for frame in range(0, (len(x) - 2 * len(r)) // 160 + 1):
        seg = x[160 * frame:160 * frame + 2 * len(r):2]
        num = sum(p * q for p, q in zip(r, seg))
        c = num / (rr * (math.sqrt(sum(q * q for q in seg)) or 1))
        if c > best[0]:
            best = (c, frame)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert", help="serve wss:// with this certificate (PEM)")
    p.add_argument("--key", help="and this key")
    p.add_argument("--script", default="talk",
                   choices=["talk", "dtmf", "die", "goodbye", "cmds", "junk", "raw", "echo",
                            "updates", "bridge", "try_refer", "warm", "burst", "burstclear",
                            "flood", "paced"])
    p = sub.add_parser("backlogcheck")
    p.add_argument("log")
    p.add_argument("--pcap", required=True)
    p.add_argument("--mode", required=True,
                   choices=["burst", "burstclear", "flood", "paced"])
    p = sub.add_parser("byecheck")
    p.add_argument("log")
    p.add_argument("--pcap", required=True)
    p.add_argument("--bye-at", type=float, required=True)
    p = sub.add_parser("rawcheck")
    p.add_argument("log")
    p.add_argument("--pcap", required=True)
    p.add_argument("--caller-audio", required=True)
    p.add_argument("--rate", type=int, required=True)
    p = sub.add_parser("check")
    p.add_argument("log")
    p.add_argument("--pcap", required=True)
    p.add_argument("--caller-audio", required=True)
    p.add_argument("--from", dest="from_number", required=True)
    p.add_argument("--to", dest="to_number", required=True)
    a = ap.parse_args()
    if a.cmd == "serve":
        asyncio.run(serve(a))
        return 0
    if a.cmd == "byecheck":
        return byecheck(a)
    if a.cmd == "backlogcheck":
        return backlogcheck(a)
    return rawcheck(a) if a.cmd == "rawcheck" else check(a)


if __name__ == "__main__":
    sys.exit(main())
