#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Prefix generator of the vnetrs benchmark.

Writes COUNT unique IPv4 prefixes, one per line, with a length mix close to
the Internet's IPv4 table (mostly /24, then /22-/23, a tail of shorter and a
few longer prefixes), from a fixed seed: the same file on every machine.
Addresses avoid the lab's networks (10/8), the benchmark's single-prefix
range (198.18/15) and the special-purpose blocks, and no prefix overlaps them.

    genprefixes.py COUNT OUT
"""

import ipaddress
import random
import sys

# Share of each prefix length, in percent (sums to 100), after public
# statistics of the IPv4 default-free zone.
LENGTH_MIX = {
    8: 0.01, 9: 0.01, 10: 0.03, 11: 0.08, 12: 0.15, 13: 0.3, 14: 0.5,
    15: 0.8, 16: 1.4, 17: 0.9, 18: 1.5, 19: 2.6, 20: 4.2, 21: 4.6,
    22: 11.5, 23: 10.2, 24: 60.3, 25: 0.3, 26: 0.25, 27: 0.15, 28: 0.1,
    29: 0.1, 30: 0.05, 31: 0.01, 32: 0.01,
}

EXCLUDED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/3")]

SEED = 7


def generate(count):
    rnd = random.Random(SEED)
    lengths = list(LENGTH_MIX)
    weights = [LENGTH_MIX[n] for n in lengths]
    seen = set()
    out = []
    while len(out) < count:
        plen = rnd.choices(lengths, weights)[0]
        addr = rnd.randrange(1 << 24, 224 << 24)
        addr &= ~((1 << (32 - plen)) - 1) & 0xFFFFFFFF
        key = (addr, plen)
        if key in seen:
            continue
        net = ipaddress.IPv4Network(key)
        if any(net.overlaps(x) for x in EXCLUDED):
            continue
        seen.add(key)
        out.append(str(net))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: genprefixes.py COUNT OUT")
    count = int(sys.argv[1])
    prefixes = generate(count)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(prefixes) + "\n")
    import os
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
