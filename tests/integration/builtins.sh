#!/usr/bin/env bash
# builtins.sh: the built-in bots play, record and null, with sipp as the caller.
#   - play: the caller hears the WAV file intact, at 20 ms pace, once
#   - record: the WAV file written holds the caller's audio sample for sample
#   - record_dir on the echo bot: both directions recorded, each sample for sample
#   - null: the call is answered, its frames are taken and dropped
source "$(dirname "$0")/lib.sh"

mkdir -p "$tmp/rec" "$tmp/rec2"
conf_edit '{ id = "echo"; builtin = "echo"; delay_ms = 500; }' \
	'{ id = "echo"; builtin = "echo"; delay_ms = 500; },
    { id = "play"; builtin = "play"; file = "'"$tmp/prompt.wav"'"; },
    { id = "record"; builtin = "record"; dir = "'"$tmp/rec"'"; },
    { id = "null"; builtin = "null"; },
    { id = "echorec"; builtin = "echo"; delay_ms = 0; record_dir = "'"$tmp/rec2"'"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; }' \
	'{ user = "^(echo|agent_echo)$"; agent = "echo"; },
    { user = "^play$"; agent = "play"; },
    { user = "^record$"; agent = "record"; },
    { user = "^null$"; agent = "null"; },
    { user = "^echorec$"; agent = "echorec"; }'

# the prompt: 2 s of tones (ws_bot.py's), 8 kHz mono PCM16
/usr/bin/python3 - "$top/tests/integration" "$tmp/prompt.wav" <<'PY'
import sys, wave
sys.path.insert(0, sys.argv[1])
import ws_bot
w = wave.open(sys.argv[2], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(ws_bot.tones(2, [330, 520, 760, 990, 1250], 2))
PY
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 3
call() { # call USER: 3 s of the caller's audio, 4 s in all, captured in $tmp/USER.pcap
	pcma_call "$1" 4000 -s "$1" -key sdp_ip 198.18.1.2
}

net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

check "a call to the play bot is answered and ended" call play
check "the caller hears the WAV file intact, at 20 ms pace, once" \
	/usr/bin/python3 - "$top/tests/integration" "$tmp/prompt.wav" "$tmp/play.pcap" <<'PY'
import audioop, struct, sys, wave
sys.path.insert(0, sys.argv[1])
import ws_bot
from rtp_audio import read_pcap
w = wave.open(sys.argv[2]); ref = w.readframes(w.getnframes())
pkts = [(t, p) for t, s, d, sp, dp, p in read_pcap(sys.argv[3])
        if s == "198.18.1.1" and sp % 2 == 0 and len(p) == 172]
pcm = b"".join(audioop.alaw2lin(p[12:], 2) for _, p in pkts)
c, first = ws_bot.best_lag(ref, pcm)
span = [t for t, _ in pkts[first:first + 100]]
steps = [b - a for a, b in zip(span, span[1:])]
after = [p for _, p in pkts[first + 100:]
         if max(abs(v) for v in struct.unpack("<160h", audioop.alaw2lin(p[12:], 2))) > 200]
print("# correlation %.4f from packet %d, steps %.1f-%.1f ms, %d loud packets after" %
      (c, first, 1000 * min(steps), 1000 * max(steps), len(after)))
sys.exit(not (c > 0.99 and max(abs(x - 0.02) for x in steps) < 0.008 and not after))
PY

check "a call to the record bot is answered and ended" call record
holds() { # holds WAV: the recording holds the caller's audio sample for sample
	/usr/bin/python3 - "$tmp/caller.al" "$1" <<'PY'
import audioop, sys, wave
said = audioop.alaw2lin(open(sys.argv[1], "rb").read(), 2)
w = wave.open(sys.argv[2])
ok = (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
rec = w.readframes(w.getnframes())
at = rec.find(said[:3200])  # the first 200 ms, then all of it from there
print("# %s: %d samples, the caller's audio at byte %d" % (sys.argv[2].split("/")[-1],
                                                          len(rec) // 2, at))
sys.exit(not (ok and at >= 0 and rec[at:at + len(said)] == said))
PY
}
rec=$(ls "$tmp"/rec/*-caller.wav 2>/dev/null | head -1)
check "the recording holds the caller's audio sample for sample" holds "${rec:-none}"

check "a call to the null bot is answered and ended" call null

check "a call to the echo bot with record_dir is answered and ended" call echorec
rec=$(ls "$tmp"/rec2/*-caller.wav 2>/dev/null | head -1)
check "its recording of the caller holds the caller's audio" holds "${rec:-none}"
check "its recording of the bot holds the echo, the same audio" holds "${rec%-caller.wav}-bot.wav"
stats=$(vg_stats)
check "4 sessions, every frame of the caller taken, none stale" \
	grep -qE "sessions active 0 started 4 stopped 4; frames in (6[0-9][0-9]|7[0-9][0-9]) .* stale 0" <<<"$stats"
check "voxgate stops cleanly" vg_stop
