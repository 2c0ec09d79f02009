# SPDX-License-Identifier: GPL-2.0-or-later
"""
Gateways and branch-to-branch (SPEC §2-§3, issue 5).

    VNet 10.1.0.0/16 (one segment):
      rs1 10.1.0.4          route server, AS 65515, bgpd -M vnetrs
      sdwan 10.1.1.4        SD-WAN NVA, AS 65001, in front of on-premises 1
                            (onprem1, AS 65100, 10.250.0.0/16)
      ergw 10.1.254.4       ExpressRoute gateway (FRR), iBGP in AS 65515, in
                            front of on-premises 2 (onprem2, AS 65200,
                            10.240.0.0/16)
      vpn1 10.1.253.4,      VPN gateway, active-active (FRR, AS 65010), both
      vpn2 10.1.253.5       in front of a third site (site3, 10.230.0.0/16)
    10.200.0.0/16 comes from both the SD-WAN NVA (AS path 65001) and the
    ExpressRoute gateway (AS path 12076 12076): routing preference decides.
    10.201.0.0/16 comes from the ExpressRoute gateway (12076 12076) and
    both VPN instances (65010 65010): a tie of lengths, which as-path gives
    to ExpressRoute (bgpd alone would prefer the eBGP VPN path). Together
    the two prefixes tell the three preferences apart.
"""

import os

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

SDWAN, ERGW, VPN1, VPN2 = "10.1.1.4", "10.1.254.4", "10.1.253.4", "10.1.253.5"
ONPREM1, ONPREM2, SITE3 = "10.250.0.0/16", "10.240.0.0/16", "10.230.0.0/16"
VNET = "10.1.0.0/16"


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "sdwan", "ergw", "vpn1", "vpn2"))
    vnetrs_topo.add_segment(tgen, "branch1", ("sdwan", "onprem1"))
    vnetrs_topo.add_segment(tgen, "branch2", ("ergw", "onprem2"))
    vnetrs_topo.add_segment(tgen, "branch3", ("vpn1", "vpn2", "site3"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1",))


def teardown_module(mod):
    get_topogen().stop_topology()


gear = vnetrs_topo.router


def prefixes(name):
    return set(vnetrs_topo.vtysh_json(gear(name), "show bgp ipv4 unicast json").get("routes", {}))


def rs_json():
    return vnetrs_topo.vtysh_json(gear("rs1"), "show bgp vnet-route-server json")


def effective():
    return vnetrs_topo.vtysh_json(
        gear("rs1"), "show bgp vnet-route-server effective-routes json"
    ).get("routes", {})


def config(*lines):
    rc, out = vnetrs_topo.rs_config(gear("rs1"), *lines)
    assert rc == 0, out


def expect_tables(want, what):
    "want: {router: (must have, must not have)}"

    def check():
        bad = {}
        for name, (have, lack) in want.items():
            got = prefixes(name)
            if not have <= got or got & lack:
                bad[name] = sorted(got)
        return bad or None

    vnetrs_topo.poll(check, what, timeout=30)


def ping(src_router, src, dst):
    return gear(src_router).net.cmd_status(
        "ping -c 1 -W 1 -I {} {}".format(src, dst), warn=False
    )[0] == 0


def sessions():
    return {p["address"]: (p["role"], p["state"]) for p in rs_json()["peers"]}


def test_gateways_peer_with_their_roles():
    want = {
        SDWAN: ("nva", "Established"),
        ERGW: ("expressroute", "Established"),
        VPN1: ("vpn", "Established"),
        VPN2: ("vpn", "Established"),
    }
    vnetrs_topo.poll(lambda: None if sessions() == want else sessions(), "sessions", timeout=60)
    # The route server made the sessions: iBGP to ExpressRoute by default.
    nbr = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp neighbors {} json".format(ERGW))[ERGW]
    assert nbr["remoteAs"] == 65515 and nbr["localAs"] == 65515, nbr
    # Gateways do not count towards max-peers.
    assert rs_json()["max-peers"] == 8


def test_branch_to_branch_off_keeps_branches_apart():
    expect_tables(
        {
            "sdwan": ({VNET}, {ONPREM2, SITE3}),
            "ergw": ({VNET}, {ONPREM1, SITE3}),
            "vpn1": ({VNET}, {ONPREM1, ONPREM2}),
            "vpn2": ({VNET}, {ONPREM1, ONPREM2}),
        },
        "with branch-to-branch off, everyone has the VNet and no other branch",
    )
    # The VNet itself reaches every branch.
    vnetrs_topo.poll(
        lambda: None
        if {ONPREM1, ONPREM2, SITE3} <= set(effective())
        else (effective(), rejected_for(ONPREM2), gear("rs1").vtysh_cmd("show bgp ipv4 unicast " + ONPREM2)),
        "the VNet's effective routes hold every branch",
    )
    routes = effective()
    assert routes[SITE3]["next-hops"] == [VPN1, VPN2], routes[SITE3]
    assert routes[SITE3]["source"] == "vpn"
    # The branches cannot reach each other. First the proof that a failed
    # ping would mean that: each source reaches its own gateway's VNet
    # address, and on-premises 2 answers its gateway.
    for src_router, src, dst in (
        ("onprem1", "10.250.0.1", SDWAN),
        ("site3", "10.230.0.1", VPN1),
        ("ergw", ERGW, "10.240.0.1"),
    ):
        vnetrs_topo.poll(
            lambda: None if ping(src_router, src, dst) else "no reply",
            "{} ({}) pings {}".format(src_router, src, dst),
        )

    def apart():
        if ping("onprem1", "10.250.0.1", "10.240.0.1"):
            return "on-premises 1 reaches on-premises 2"
        if ping("site3", "10.230.0.1", "10.240.0.1"):
            return "the VPN site reaches on-premises 2"
        return None

    vnetrs_topo.hold(apart, "with branch-to-branch off, the branches stay apart", seconds=3)


def test_branch_to_branch_on_exchanges_routes():
    before = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp neighbors json")
    config("branch-to-branch")
    expect_tables(
        {
            "sdwan": ({VNET, ONPREM2, SITE3}, set()),
            "ergw": ({VNET, ONPREM1, SITE3}, set()),
            "vpn1": ({VNET, ONPREM1, ONPREM2}, set()),
        },
        "with branch-to-branch on, each branch learns the others",
    )
    vnetrs_topo.poll(
        lambda: None if ping("onprem1", "10.250.0.1", "10.240.0.1") else "no reply",
        "on-premises 1 reaches on-premises 2",
    )
    trace = gear("onprem1").run("traceroute -n -q 1 -w 1 -m 5 -s 10.250.0.1 10.240.0.1")
    hops = [line.split()[1] for line in trace.splitlines()[1:] if line.split()]
    assert hops[:2] == ["192.168.250.1", ERGW], trace
    # The third site, behind the VPN gateway, reaches on-premises 2 through
    # the VPN gateway and ExpressRoute.
    vnetrs_topo.poll(
        lambda: None if ping("site3", "10.230.0.1", "10.240.0.1") else "no reply",
        "the VPN site reaches on-premises 2",
    )
    trace = gear("site3").run("traceroute -n -q 1 -w 1 -m 5 -s 10.230.0.1 10.240.0.1")
    hops = [line.split()[1] for line in trace.splitlines()[1:] if line.split()]
    assert hops[:2] == ["192.168.230.1", ERGW], trace
    after = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp neighbors json")
    for addr in (SDWAN, ERGW, VPN1, VPN2):
        assert after[addr]["connectionsEstablished"] == before[addr]["connectionsEstablished"]
    assert rs_json()["branch-to-branch"] is True


def test_branch_to_branch_off_again_withdraws():
    config("no branch-to-branch")
    expect_tables(
        {
            "sdwan": ({VNET}, {ONPREM2, SITE3}),
            "ergw": ({VNET}, {ONPREM1, SITE3}),
            "vpn2": ({VNET}, {ONPREM1, ONPREM2}),
        },
        "switched off again, the branches' routes are withdrawn",
    )
    vnetrs_topo.poll(
        lambda: None
        if not ping("onprem1", "10.250.0.1", "10.240.0.1")
        and not ping("site3", "10.230.0.1", "10.240.0.1")
        else "still replies",
        "the sites no longer reach each other",
    )


def chosen(prefix="10.200.0.0/16"):
    r = effective().get(prefix, {})
    return r.get("source"), r.get("next-hops")


def rejected_for(prefix="10.200.0.0/16"):
    data = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp vnet-route-server rejected-routes json")
    return {r["peer"]: r["reason"] for r in data.get("routes", []) if r["prefix"] == prefix}


def test_routing_preference():
    # Default: ExpressRoute, even with the longer AS path.
    vnetrs_topo.poll(
        lambda: None if chosen() == ("expressroute", [ERGW]) else chosen(),
        "expressroute preferred by default",
    )
    assert rejected_for() == {SDWAN: "lost-preference"}, rejected_for()
    config("routing-preference vpn-nva")
    vnetrs_topo.poll(
        lambda: None if chosen() == ("nva", [SDWAN]) else chosen(), "vpn-nva: the NVA wins"
    )
    assert rejected_for() == {ERGW: "lost-preference"}, rejected_for()
    config("routing-preference as-path")
    vnetrs_topo.poll(
        lambda: None if chosen() == ("nva", [SDWAN]) else chosen(),
        "as-path: the shorter path (the NVA's) wins",
    )
    assert rs_json()["routing-preference"] == "as-path"
    config("no routing-preference")
    vnetrs_topo.poll(
        lambda: None if chosen() == ("expressroute", [ERGW]) else chosen(), "back to default"
    )


SHARED, TIE = "10.200.0.0/16", "10.201.0.0/16"


def peer_best(name, prefix):
    "The next hop and AS path of the best path a peer has for prefix."
    data = vnetrs_topo.vtysh_json(gear(name), "show bgp ipv4 unicast {} json".format(prefix))
    for path in data.get("paths", []):
        if path.get("bestpath", {}).get("overall"):
            return path["nexthops"][0]["ip"], path["aspath"]["string"]
    return None


def peer_paths(name, prefix):
    "Every path a peer has for prefix: {next hop: local preference}."
    data = vnetrs_topo.vtysh_json(gear(name), "show bgp ipv4 unicast {} json".format(prefix))
    return {p["nexthops"][0]["ip"]: p.get("locPrf") for p in data.get("paths", [])}


# Per preference, for each prefix: the effective route (source, next hops),
# what a peer that is not a source receives (next hop(s), AS path) and the
# paths the route server's rejected view lists as lost-preference. vpn1 observes SHARED (from ergw and
# sdwan), sdwan observes TIE (from ergw, vpn1 and vpn2).
ER_SHARED = ("vpn1", {ERGW}, "65515 12076 12076")
NVA_SHARED = ("vpn1", {SDWAN}, "65515 65001")
ER_TIE = ("sdwan", {ERGW}, "65515 12076 12076")
VPN_TIE = ("sdwan", {VPN1, VPN2}, "65515 65010 65010")
EXPECT = {
    "expressroute": {
        SHARED: (("expressroute", [ERGW]), ER_SHARED, {SDWAN: "lost-preference"}),
        TIE: (("expressroute", [ERGW]), ER_TIE,
              {VPN1: "lost-preference", VPN2: "lost-preference"}),
    },
    "vpn-nva": {
        SHARED: (("nva", [SDWAN]), NVA_SHARED, {ERGW: "lost-preference"}),
        TIE: (("vpn", [VPN1, VPN2]), VPN_TIE, {ERGW: "lost-preference"}),
    },
    "as-path": {
        # The shorter AS path, the NVA's ...
        SHARED: (("nva", [SDWAN]), NVA_SHARED, {ERGW: "lost-preference"}),
        # ... and a tie to ExpressRoute, though it is iBGP and VPN eBGP.
        TIE: (("expressroute", [ERGW]), ER_TIE,
              {VPN1: "lost-preference", VPN2: "lost-preference"}),
    },
}


def preference_mismatch(pref):
    "What differs from EXPECT[pref], or None."
    bad = {}
    for prefix, (route, (observer, hops, aspath), rejected) in EXPECT[pref].items():
        best = peer_best(observer, prefix)
        # Peers also echo routes back (their AS path has the route
        # server's AS: as-loop); the choice is what lost-preference says.
        lost = {p: r for p, r in rejected_for(prefix).items() if r == "lost-preference"}
        got = (chosen(prefix), best, lost)
        if (
            got[0] != route
            or best is None
            or best[0] not in hops
            or best[1] != aspath
            or got[2] != rejected
        ):
            bad[prefix] = got
    return bad or None


def test_routing_preference_reaches_peers():
    """
    With branch-to-branch on, what NVAs and gateways receive is the path
    the route server chose under each preference, as in the effective
    routes and the rejected view.
    """
    config("branch-to-branch")
    for pref in ("expressroute", "vpn-nva", "as-path", "expressroute"):
        config("routing-preference " + pref)
        vnetrs_topo.poll(
            lambda: preference_mismatch(pref),
            "routing-preference {}: effective routes, rejected view and "
            "peers agree".format(pref),
        )
        # The ranking stays in the route server: the iBGP ExpressRoute
        # gateway gets the default local preference on what it receives
        # (here the NVA's path when that wins).
        if pref == "vpn-nva":
            vnetrs_topo.poll(
                lambda: None
                if peer_paths("ergw", SHARED).get(SDWAN) == 100
                else peer_paths("ergw", SHARED),
                "the ExpressRoute gateway gets local preference 100",
            )
    config("no routing-preference", "no branch-to-branch")
    vnetrs_topo.poll(
        lambda: None if peer_best("sdwan", TIE) is None else peer_best("sdwan", TIE),
        "branch-to-branch off: the gateways' routes leave the NVA",
    )


def test_vpn_gateway_needs_two_instances():
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "gateway vpn 10.1.253.9")
    assert rc != 0 and "must be active-active" in out, out
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "gateway expressroute " + SDWAN)
    assert rc != 0 and "is an NVA peer" in out, out
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "peer {} remote-as 65009".format(VPN1))
    assert rc != 0 and "is a gateway instance" in out, out
    running = gear("rs1").vtysh_cmd("show running-config")
    assert "  gateway expressroute {}\n".format(ERGW) in running, running
    assert "  gateway vpn {} {} remote-as 65010\n".format(VPN1, VPN2) in running, running


def test_no_gateway_removes_its_sessions():
    config("no gateway vpn")
    vnetrs_topo.poll(
        lambda: None if set(sessions()) == {SDWAN, ERGW} else sessions(), "VPN sessions gone"
    )
    nbrs = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp neighbors json")
    assert VPN1 not in nbrs and VPN2 not in nbrs
    vnetrs_topo.poll(lambda: None if SITE3 not in effective() else effective(), "site 3 withdrawn")
