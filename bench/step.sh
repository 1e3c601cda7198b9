#!/usr/bin/env bash
# step.sh: one step of run.sh's voxgate ramp, at a load of your choice.
#
#   bench/step.sh N [SECONDS]     (default 30: the measured window)
#
# A voxgate of its own on a net_memif port (1 dp lcore on CPU 1, the set-up of
# run.sh), N calls set up by sipp through signaling, their media played and checked
# by tools/vgload; prints vgload's figures and sipp's failed calls. Raw figures go to
# bench/results/step-<UTC time>/ (not committed).
source "$(dirname "$0")/lib.sh"
n=${1:?usage: bench/step.sh N [SECONDS]}
secs=${2:-30}
mf_begin step-
f=$(mf_run "$n" "$secs")
cat "$f"
echo "raw figures: ${f#$top/}"
