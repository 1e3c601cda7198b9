#!/usr/bin/env bash
# srtp_openssl.sh: build Debian's own libsrtp2 source against OpenSSL, as a static
# library for voxgate to link.
#
#   tools/srtp_openssl.sh [OUT]     (default deps/libsrtp2-openssl; tools/build.sh
#                                    runs it and points meson's srtp_prefix there)
#
# Why: Debian builds libsrtp2 on NSS, which costs 45,000-63,000 cycles to protect a
# 172-byte packet here with 1000 calls' sessions (6,000-10,000 with one), and takes a
# lock per packet, so two threads doing SRTP at once mostly wait. The same source
# built with --enable-openssl costs 1,300-2,500 and takes no lock (bench/README.md).
#
# What it does, with nothing but Debian's archive: adds a deb-src entry for the
# mirror apt already uses (if there is none), installs dpkg-dev and libssl-dev, runs
# `apt-get source libsrtp2` for exactly the version of the installed libsrtp2-dev
# (Debian's patches applied), configures it with --enable-openssl and installs the
# static library, headers and libsrtp2.pc under OUT/prefix. Nothing is installed
# system-wide; Debian's libsrtp2 stays as it is. Does nothing when OUT/prefix already
# holds the library. Prints OUT/prefix last.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$top/deps/libsrtp2-openssl}")
prefix="$out/prefix"
if [ -f "$prefix/lib/libsrtp2.a" ] && [ -f "$prefix/lib/pkgconfig/libsrtp2.pc" ]; then
	echo "$prefix"
	exit 0
fi
"$top/tools/deps.sh" run
if [ "$(id -u)" -ne 0 ]; then
	echo "srtp_openssl: run as root (apt-get)" >&2
	exit 1
fi

# A deb-src entry for the mirror of the deb entries, unless one exists.
# (grep -q is 0 on a match even when some of the names do not exist)
if ! grep -qsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
	src=/etc/apt/sources.list.d/voxgate-src.sources
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src"
	else
		sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list >"${src%.sources}.list"
	fi
	echo "srtp_openssl: added Debian source entries ($src)" >&2
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	dpkg-dev libssl-dev build-essential pkg-config >/dev/null

version=$(dpkg-query -W -f='${Version}' libsrtp2-dev)
rm -rf "$out/src"
mkdir -p "$out/src"
# (apt-get warns that it downloads as root: the folder is not _apt's; harmless)
(cd "$out/src" && apt-get source -qq "libsrtp2=$version" >"$out/source.log" 2>&1) ||
	{ cat "$out/source.log" >&2; exit 1; }
srcdir=$(find "$out/src" -maxdepth 1 -mindepth 1 -type d -name 'libsrtp2-*' | head -1)
[ -n "$srcdir" ] || { echo "srtp_openssl: apt-get source left no source folder" >&2; exit 1; }
cd "$srcdir"
# -fPIC: Debian's gcc links position-independent executables.
./configure --quiet --prefix="$prefix" --enable-openssl CFLAGS="-O2 -fPIC -g" >/dev/null
make -j"$(nproc)" libsrtp2.a >/dev/null
make install >/dev/null
grep -q -- '-lcrypto' "$prefix/lib/pkgconfig/libsrtp2.pc" ||
	{ echo "srtp_openssl: libsrtp2.pc does not name OpenSSL's libcrypto" >&2; exit 1; }
echo "srtp_openssl: libsrtp2 $version with OpenSSL in $prefix" >&2
echo "$prefix"
