# SPDX-License-Identifier: GPL-2.0-or-later
"""
A BIRD 2 NVA (vnetrs_bird.BirdNva) against a plain FRR route server.

    r1: FRR zebra + bgpd, AS 65515, no vnetrs module
        r1-eth0 10.1.0.4/16, 2001:db8:1::4/48
        lo 10.255.0.1/32, 2001:db8:255::1/128
        announces 10.1.0.0/16, 10.255.0.1/32, 2001:db8:1::/48,
        2001:db8:255::1/128
    r2: BIRD, AS 65001 (zebra only for the interface addresses)
        r2-eth0 10.1.1.4/16, 2001:db8:1:1::4/48
        announces 10.250.0.0/16, 10.251.0.0/16 (NO_ADVERTISE) over IPv4,
        2001:db8:250::/48 over IPv6

Multihop eBGP between them, one session over IPv4, one over IPv6.
"""

import json
import os
import subprocess

import pytest

from lib import topotest
from lib.topogen import Topogen, TopoRouter, get_topogen

import vnetrs_bird
import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd]

RS_AS, NVA_AS = 65515, 65001
RS4, RS6 = "10.1.0.4", "2001:db8:1::4"
NVA4, NVA6 = "10.1.1.4", "2001:db8:1:1::4"
P4 = "10.250.0.0/16"
P4_NOADV = "10.251.0.0/16"
P6 = "2001:db8:250::/48"
RS_LO4, RS_LO6 = "10.255.0.1", "2001:db8:255::1"

# The BirdNva of r2, set by setup_module.
NVA = None


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "s1", ("r1", "r2"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    r1, r2 = tgen.gears["r1"], tgen.gears["r2"]
    r1.load_config(TopoRouter.RD_ZEBRA, os.path.join(CWD, "r1", "zebra.conf"))
    r1.load_config(TopoRouter.RD_BGP, os.path.join(CWD, "r1", "bgpd.conf"))
    # r2 runs BIRD; zebra only sets its interface addresses.
    r2.load_config(TopoRouter.RD_ZEBRA, os.path.join(CWD, "r2", "zebra.conf"))
    tgen.start_router()

    nva = vnetrs_bird.BirdNva(r2, None, NVA4, NVA_AS)
    nva.add_peer("rs4", RS4, RS_AS, local_address=NVA4)
    nva.add_peer("rs6", RS6, RS_AS, local_address=NVA6, ipv6=True)
    nva.announce(P4)
    nva.announce(P4_NOADV, communities=[vnetrs_bird.NO_ADVERTISE])
    nva.announce(P6)
    nva.start()
    mod.NVA = nva


def _bird_processes(conf_path):
    "pgrep -af for BIRD processes running conf_path (run without a shell)."
    pattern = "bird -c " + conf_path.replace(".", "[.]")
    proc = subprocess.run(
        ["pgrep", "-af", pattern], stdout=subprocess.PIPE, universal_newlines=True
    )
    return proc.stdout.strip()


def teardown_module(mod):
    get_topogen().stop_topology()
    # Stopping the topology stopped BIRD.
    if mod.NVA is not None:
        left = _bird_processes(mod.NVA.conf_path)
        assert left == "", "BIRD left running: " + left
        assert not os.path.exists(mod.NVA.socket_path)


def routers():
    tgen = get_topogen()
    if tgen.routers_have_failure():
        pytest.skip(tgen.errors)
    return tgen.gears["r1"], tgen.gears["r2"]


def poll(check, what, count=60, wait=0.5):
    "Poll check() until it returns None; fail with its last answer."
    _, result = topotest.run_and_expect(check, None, count=count, wait=wait)
    if result is not None and NVA is not None:
        result = "{}\n--- bird.log (tail) ---\n{}".format(result, NVA.log_text()[-3000:])
    assert result is None, "{}: {}".format(what, result)


# --------------------------------------------------------------------------
# Checks on r1 (FRR)
# --------------------------------------------------------------------------


def rs_sessions(r1):
    summary = json.loads(r1.vtysh_cmd("show bgp summary json"))
    expected = {
        "ipv4Unicast": {"peers": {NVA4: {"state": "Established"}}},
        "ipv6Unicast": {"peers": {NVA6: {"state": "Established"}}},
    }
    return topotest.json_cmp(summary, expected)


def rs_paths(r1, prefix):
    "r1's paths for prefix ([] if none), from show bgp <afi> unicast json."
    afi = "ipv6" if ":" in prefix else "ipv4"
    table = json.loads(r1.vtysh_cmd("show bgp {} unicast json".format(afi)))
    return table.get("routes", {}).get(prefix, [])


def rs_route_from_nva(r1, prefix, nexthop, aspath):
    "None if r1's best path for prefix has that next hop and AS path."
    paths = rs_paths(r1, prefix)
    best = [p for p in paths if p.get("bestpath") and p.get("valid")]
    if len(best) != 1:
        return "{}: no single valid best path: {}".format(prefix, paths)
    path = best[0]
    hops = [h.get("ip") for h in path.get("nexthops", [])]
    if nexthop not in hops:
        return "{}: next hops {}, want {}".format(prefix, hops, nexthop)
    if path.get("path") != aspath:
        return "{}: AS path {!r}, want {!r}".format(prefix, path.get("path"), aspath)
    return None


def rs_route_absent(r1, prefix):
    paths = rs_paths(r1, prefix)
    return None if not paths else "{} still there: {}".format(prefix, paths)


def rs_connections(r1, peer):
    nbr = json.loads(r1.vtysh_cmd("show bgp neighbors {} json".format(peer)))[peer]
    return nbr.get("connectionsEstablished")


# --------------------------------------------------------------------------
# Checks on r2 (BIRD)
# --------------------------------------------------------------------------


def nva_route_from_rs(prefix, protocol, nexthop, aspath):
    "None if BIRD learned prefix over `protocol` with that next hop, AS path."
    paths = NVA.learned_routes().get(prefix, [])
    for path in paths:
        if (
            path["from-protocol"] == protocol
            and path["next-hop"] == nexthop
            and path["as-path"] == aspath
        ):
            return None
    return "{}: no path from {} via {} with AS path {}: {}".format(
        prefix, protocol, nexthop, aspath, paths
    )


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_sessions_established():
    r1, _ = routers()
    poll(NVA.check_established, "BIRD sessions")
    assert NVA.protocol_state("rs4") == "Established"
    assert NVA.protocol_state("rs6") == "Established"
    poll(lambda: rs_sessions(r1), "r1 sessions to the NVA")


def test_rs_learns_nva_routes():
    r1, _ = routers()
    poll(lambda: rs_route_from_nva(r1, P4, NVA4, "65001"), "r1: " + P4)
    poll(lambda: rs_route_from_nva(r1, P6, NVA6, "65001"), "r1: " + P6)


def test_rs_sees_communities():
    r1, _ = routers()
    poll(lambda: rs_route_from_nva(r1, P4_NOADV, NVA4, "65001"), "r1: " + P4_NOADV)
    detail = json.loads(r1.vtysh_cmd("show bgp ipv4 unicast {} json".format(P4_NOADV)))
    community = detail["paths"][0].get("community", {})
    assert community.get("list") == ["noAdvertise"], detail


def test_nva_learns_rs_routes():
    routers()
    checks = [
        ("10.1.0.0/16", "rs4", RS4),
        (RS_LO4 + "/32", "rs4", RS4),
        ("2001:db8:1::/48", "rs6", RS6),
        (RS_LO6 + "/128", "rs6", RS6),
    ]
    for prefix, proto, nexthop in checks:
        poll(
            lambda: nva_route_from_rs(prefix, proto, nexthop, [RS_AS]),
            "BIRD: " + prefix,
        )
    # Only BGP routes, and with the parsed fields.
    learned = NVA.learned_routes()
    assert all(p["source"] == "BGP" for paths in learned.values() for p in paths)
    assert P4 not in learned and P6 not in learned
    # One prefix asked for.
    one = NVA.learned_routes(prefix="10.1.0.0/16")
    assert list(one) == ["10.1.0.0/16"], one
    assert NVA.learned_routes(prefix="10.99.0.0/16") == {}


def test_nva_exports_to_kernel():
    _, r2 = routers()

    def check(ipv6, prefix):
        routes = NVA.kernel_routes(ipv6=ipv6)
        hops = routes.get(prefix)
        if not hops:
            return "{} not in r2's kernel table: {}".format(prefix, routes)
        if [h["dev"] for h in hops] != ["r2-eth0"]:
            return "{}: {}".format(prefix, hops)
        return None

    poll(lambda: check(False, RS_LO4 + "/32"), "r2 kernel: " + RS_LO4)
    poll(lambda: check(True, RS_LO6 + "/128"), "r2 kernel: " + RS_LO6)
    assert NVA.kernel_routes()[RS_LO4 + "/32"][0]["gateway"] == RS4

    def ping(cmd):
        rc, out, err = r2.net.cmd_status(cmd, warn=False)
        return None if rc == 0 else out + err

    poll(lambda: ping("ping -c 1 -W 1 " + RS_LO4), "r2 pings r1's loopback", count=10)
    poll(lambda: ping("ping -6 -c 1 -W 1 " + RS_LO6), "r2 pings r1's IPv6 loopback",
         count=10)


def test_withdraw_removes_route():
    r1, _ = routers()
    before = rs_connections(r1, NVA4)
    NVA.withdraw(P4)
    poll(lambda: rs_route_absent(r1, P4), "r1 after withdraw of " + P4)
    # The other route is still there: reconfiguring did not reset the session.
    assert rs_route_from_nva(r1, P4_NOADV, NVA4, "65001") is None
    assert rs_connections(r1, NVA4) == before
    assert "route {} blackhole".format(P4) not in NVA.config_text()


def test_reannounce_prepended():
    r1, _ = routers()
    NVA.announce(P4, prepend=2)
    poll(lambda: rs_route_from_nva(r1, P4, NVA4, "65001 65001 65001"),
         "r1: prepended " + P4)
    # An explicit list goes after the local AS.
    NVA.announce(P4, prepend=[65002, 65003])
    poll(lambda: rs_route_from_nva(r1, P4, NVA4, "65001 65002 65003"),
         "r1: " + P4 + " with AS path list")
    NVA.announce(P4)
    poll(lambda: rs_route_from_nva(r1, P4, NVA4, "65001"), "r1: plain " + P4)


def test_disable_enable_static():
    r1, _ = routers()
    NVA.disable(vnetrs_bird.STATIC6)
    poll(lambda: rs_route_absent(r1, P6), "r1 after disable " + vnetrs_bird.STATIC6)
    assert rs_route_from_nva(r1, P4, NVA4, "65001") is None
    # A reconfiguration (here by announce()) keeps it disabled.
    NVA.announce(P6, med=10)
    assert NVA.protocols()[vnetrs_bird.STATIC6]["state"] == "down"
    assert rs_route_absent(r1, P6) is None
    NVA.enable(vnetrs_bird.STATIC6)
    poll(lambda: rs_route_from_nva(r1, P6, NVA6, "65001"), "r1: " + P6 + " again")
    assert [p.get("metric") for p in rs_paths(r1, P6)] == [10]


def test_bad_config_is_refused():
    routers()
    NVA.peers["rs4"]["extra"].append("this is not bird syntax;")
    try:
        with pytest.raises(vnetrs_bird.BirdError, match="rejected"):
            NVA.reconfigure()
    finally:
        NVA.peers["rs4"]["extra"].pop()
    NVA.reconfigure()
    assert NVA.check_established() is None


def test_stop_and_start_again():
    r1, _ = routers()
    NVA.stop()
    assert not NVA.is_running()
    assert _bird_processes(NVA.conf_path) == ""
    assert not os.path.exists(NVA.socket_path)
    assert NVA.kernel_routes() == {}, "BIRD left its routes in the kernel"
    poll(lambda: rs_route_absent(r1, P4), "r1 after BIRD stopped")
    NVA.start()
    poll(NVA.check_established, "BIRD sessions after restart")
    poll(lambda: rs_sessions(r1), "r1 sessions after BIRD restart")
    poll(lambda: rs_route_from_nva(r1, P4, NVA4, "65001"), "r1: " + P4 + " back")
    # Left running: teardown_module checks that stop_topology() stops it.
