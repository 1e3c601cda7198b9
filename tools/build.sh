#!/usr/bin/env bash
# build.sh: configure (once) and build voxgate, its tools and tests into build/.
#
#   tools/build.sh        for running voxgate
#   tools/build.sh test   the same, and make sure the unit suites are configured: a
#                         build/ first set up without cmocka (by tools/run.sh) is set
#                         up again now that tools/deps.sh test has installed it
#
# SRTP: libsrtp2 from Debian's own source package, built against OpenSSL once by
# tools/srtp_openssl.sh into deps/ (Debian's binary package is built on NSS: 20-50
# times the cycles per packet here, bench/README.md). VOXGATE_SRTP=debian links
# Debian's libsrtp2 instead.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
srtp_prefix=""
if [ "${VOXGATE_SRTP:-openssl}" != debian ]; then
	srtp_prefix=$(tools/srtp_openssl.sh | tail -1)
fi
if [ -f build/build.ninja ] && [ "${1:-}" = test ] && ! grep -q "unit_g711" build/build.ninja; then
	meson setup --wipe build >/dev/null
fi
[ -f build/build.ninja ] || meson setup -Dsrtp_prefix="$srtp_prefix" build >/dev/null
# a build/ set up earlier with another libsrtp2 (or before the option existed)
if [ "$(meson introspect --buildoptions build | python3 -c 'import json, sys
print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "srtp_prefix"), "?"))')" \
	!= "$srtp_prefix" ]; then
	meson setup --reconfigure -Dsrtp_prefix="$srtp_prefix" build >/dev/null
fi
ninja -C build >/dev/null
