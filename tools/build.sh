#!/usr/bin/env bash
# build.sh: configure (once) and build voxgate, its tools and tests into build/.
#
#   tools/build.sh        for running voxgate
#   tools/build.sh test   the same, and make sure the unit suites are configured: a
#                         build/ first set up without cmocka (by tools/run.sh) is set
#                         up again now that tools/deps.sh test has installed it
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ -f build/build.ninja ] && [ "${1:-}" = test ] && ! grep -q "unit_g711" build/build.ninja; then
	meson setup --wipe build >/dev/null
fi
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
