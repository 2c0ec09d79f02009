#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
frr-reload.py for a bgpd with the vnetrs module.

FRR 8.4's frr-reload.py (package frr-pythontools) is run as it is on disk,
with the same options and output, with two things taught to it:

1. The "vnet-route-server" node under "router bgp". FRR's script knows the
   nodes it can diff from a fixed table, which a module cannot extend:
   without it the block's lines are taken for lines of "router bgp", and
   the block's "exit" for the end of "router bgp".

2. The bgpd lines the module derives from the block. For each route-server
   peer and gateway, bgpd's running-config (and so a file saved with
   "write memory") holds "neighbor" lines the module set: remote-as,
   description, its route-maps, maximum-prefix, soft-reconfiguration,
   attribute-unchanged, route-reflector-client, the address family, and the
   multihop and timers it starts a peer with. They follow the block: after
   the block changes, the saved ones are stale, and bgpd refuses them when
   applied. The comparison leaves them out on both sides, so the block alone
   decides them, as it does when bgpd starts from the file.

3. A route-server peer whose line changes in the same AS (a new or no
   description) is changed in place, not deleted and added again, which
   would reset its session.

    /usr/lib/vnetrs/frr-reload.py --test /etc/frr/frr.conf
    /usr/lib/vnetrs/frr-reload.py --reload /etc/frr/frr.conf

For "frrinit.sh reload" (systemctl reload frr), in /etc/frr/daemons:
    RELOAD_SCRIPT=/usr/lib/vnetrs/frr-reload.py
"""
import ipaddress
import os
import re
import sys
import textwrap

FRR_RELOAD = os.environ.get("VNETRS_FRR_RELOAD", "/usr/lib/frr/frr-reload.py")
NODE_TABLE = '"router bgp ": {\n'
MAIN = '\nif __name__ == "__main__":\n'
BLOCK = "vnet-route-server"

# What the module sets on a route-server peer's neighbor (vnetrs_policy.c,
# vnetrs_instance.c): the rest of the "neighbor" line after the address.
# The multihop TTL 255 is written "ebgp-multihop 255" by FRR 8.4's bgpd and
# "ebgp-multihop" (255 being its default) by 10's.
DERIVED = re.compile(
    r"^(remote-as .*|description .*|soft-reconfiguration inbound"
    r"|maximum-prefix .*|route-map vnetrs-\S+ (in|out)"
    r"|attribute-unchanged next-hop|route-reflector-client"
    r"|ebgp-multihop|ebgp-multihop 255|timers 60 180)$"
)


def is_address(word):
    try:
        ipaddress.ip_address(word)
        return True
    except ValueError:
        return False


def route_server_peers(config):
    "{'router bgp N': {address: version}} of every vnet-route-server block."
    peers = {}
    for keys, ctx in config.contexts.items():
        if len(keys) != 2 or keys[1] != BLOCK:
            continue
        found = peers.setdefault(keys[0], {})
        for line in ctx.lines:
            words = line.split()
            if len(words) >= 2 and words[0] == "peer" and is_address(words[1]):
                found[words[1]] = ipaddress.ip_address(words[1]).version
            elif len(words) >= 3 and words[0] == "gateway":
                for w in words[2:]:
                    if w == "remote-as":
                        break
                    if is_address(w):
                        found[w] = ipaddress.ip_address(w).version
    return peers


def derived(line, family, peers):
    "Whether a line of 'router bgp' (family: its address-family) is the module's."
    words = line.split(None, 2)
    if len(words) == 3 and words[0] == "no" and words[1] == "neighbor":
        # An IPv6 peer is deactivated in IPv4 unicast.
        addr, rest = words[2].split(None, 1) if " " in words[2] else (words[2], "")
        return (
            rest == "activate" and peers.get(addr) == 6 and family == "ipv4 unicast"
        )
    if len(words) < 3 or words[0] != "neighbor" or words[1] not in peers:
        return False
    rest = words[2]
    if rest == "activate":
        return family == "ipv{} unicast".format(peers[words[1]])
    return bool(DERIVED.match(rest))


def leave_out_derived(configs):
    "Take the module's derived lines out of every config given."
    peers = {}
    for config in configs:
        for router, found in route_server_peers(config).items():
            peers.setdefault(router, {}).update(found)
    for config in configs:
        for keys in list(config.contexts.keys()):
            if keys[0] not in peers or len(keys) > 2:
                continue
            family = None
            if len(keys) == 2:
                if not keys[1].startswith("address-family "):
                    continue
                family = keys[1][len("address-family "):]
            ctx = config.contexts[keys]
            kept = [l for l in ctx.lines if not derived(l, family, peers[keys[0]])]
            if len(kept) == len(ctx.lines):
                continue
            if not kept and len(keys) == 2:
                del config.contexts[keys]
                continue
            ctx.lines = kept
            ctx.dlines = dict.fromkeys(kept, True)


def peer_line(keys, line):
    "(router, address, remote-as) of a block's 'peer ADDR remote-as' line, or None."
    if line is None:  # a whole context
        return None
    words = line.split()
    if (len(keys) == 2 and keys[1] == BLOCK and len(words) >= 4
            and words[0] == "peer" and words[2] == "remote-as"):
        return keys[0], words[1], words[3]
    return None


def peers_changed_in_place(lines_to_add, lines_to_del):
    """
    A peer whose line changes (its description) in the same AS is changed
    in place by the added line, as "peer ADDR remote-as ASN description
    ..." does at the prompt; deleting the old line first would remove the
    peer, and reset its session. The delete is dropped, or becomes
    "no peer ADDR description" when the new line has none.
    """
    added = {}
    for keys, line in lines_to_add:
        p = peer_line(keys, line)
        if p:
            added[p] = "description" in line.split()
    kept = []
    for keys, line in lines_to_del:
        p = peer_line(keys, line)
        if p and p in added:
            if "description" in line.split() and not added[p]:
                kept.append((keys, "peer {} description".format(p[1])))
            continue
        kept.append((keys, line))
    return kept


def main():
    try:
        with open(FRR_RELOAD) as f:
            source = f.read()
    except OSError as e:
        sys.exit(
            "vnetrs: cannot read {} ({}): install frr-pythontools".format(
                FRR_RELOAD, e.strerror
            )
        )
    if source.count(NODE_TABLE) != 1 or source.count(MAIN) != 1:
        sys.exit(
            "vnetrs: {} is not the frr-reload.py this wrapper knows (one "
            "'router bgp' entry in its node table, one main block)".format(FRR_RELOAD)
        )
    source = source.replace(NODE_TABLE, NODE_TABLE + '"{}": {{}},\n'.format(BLOCK))
    body, main_block = source.split(MAIN)
    sys.argv[0] = FRR_RELOAD
    script = {"__name__": "__main__", "__file__": FRR_RELOAD}
    exec(compile(body, FRR_RELOAD, "exec"), script)

    compare = script["compare_context_objects"]

    def compare_context_objects(newconf, running):
        leave_out_derived((newconf, running))
        lines_to_add, lines_to_del = compare(newconf, running)
        return lines_to_add, peers_changed_in_place(lines_to_add, lines_to_del)

    script["compare_context_objects"] = compare_context_objects
    exec(compile(textwrap.dedent(main_block), FRR_RELOAD, "exec"), script)


if __name__ == "__main__":
    main()
