#!/usr/bin/env python3
"""hep3.py: read HEP3 packets out of a pcap file (UDP payloads), as a Homer collector
would, and print one line per packet:

  version capture_id src_ip dst_ip src_port dst_port proto_type first_line_of_payload

Each packet is checked against the HEP3 layout (sipcapture's HEP3 specification):
"HEP3", a 16-bit total length equal to the datagram's, then chunks of vendor id (16),
type id (16), length (16, header included) and data, which must tile the packet
exactly. A packet that breaks the layout ends the program with exit 1. Needs
Debian's tshark only to take the UDP payloads out of the pcap (Debian 12's Wireshark,
4.0, has no HEP dissector of its own).

  hep3.py FILE.pcap PORT
"""
import ipaddress
import struct
import subprocess
import sys


def decode(b):
    if b[:4] != b"HEP3":
        raise ValueError("no HEP3 magic")
    total = struct.unpack("!H", b[4:6])[0]
    if total != len(b):
        raise ValueError("length %d, datagram %d" % (total, len(b)))
    chunks, at = {}, 6
    while at < total:
        vendor, ctype, clen = struct.unpack("!HHH", b[at:at + 6])
        if clen < 6 or at + clen > total:
            raise ValueError("chunk %#x of length %d at %d" % (ctype, clen, at))
        if vendor == 0:
            chunks[ctype] = b[at + 6:at + clen]
        at += clen
    return chunks


def main():
    path, port = sys.argv[1], sys.argv[2]
    out = subprocess.run(["tshark", "-r", path, "-Y", "udp.dstport == %s" % port,
                          "-T", "fields", "-e", "udp.payload"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.split():
        c = decode(bytes.fromhex(line.replace(":", "")))
        fam = c[1][0]
        ip = (lambda x: str(ipaddress.ip_address(x)))
        first = c[0x0f].split(b"\r\n", 1)[0].decode(errors="replace")
        print("%d %d %s %s %d %d %d %s" % (
            3 if fam in (2, 10) else 0, struct.unpack("!I", c[0x0c])[0],
            ip(c[3] if fam == 2 else c[5]), ip(c[4] if fam == 2 else c[6]),
            struct.unpack("!H", c[7])[0], struct.unpack("!H", c[8])[0], c[0x0b][0],
            first))


if __name__ == "__main__":
    try:
        main()
    except ValueError as e:
        sys.exit("hep3.py: not HEP3: %s" % e)
