# SPDX-License-Identifier: GPL-2.0-or-later
"""
The route server's rules (SPEC §2, issue 3): ECMP and active-passive across
NVA instances, every rejection reason, NO_ADVERTISE, the limits, IPv6.

    one L2 segment, VNet 10.1.0.0/16 and 2001:db8:1::/48:
      rs1 10.1.0.4 2001:db8:1::4   route server, AS 65515, bgpd -M vnetrs
      nva1 10.1.1.4 2001:db8:1::14 SD-WAN instance 1, FRR, AS 65001, over
                                   IPv4 and IPv6: 10.250.0.0/16,
                                   10.251.0.0/16 (NO_ADVERTISE),
                                   2001:db8:250::/48, 2001:db8:1:5::/64
      nva2 10.1.1.6                SD-WAN instance 2, BIRD 2, AS 65011:
                                   10.250.0.0/16
      bad 10.1.1.7                 a misbehaving NVA, FRR, AS 65003:
                                   10.1.5.0/24 (inside the VNet),
                                   10.99.0.0/16 (65515 in the path),
                                   10.98.0.0/16 (next hop 192.0.2.1),
                                   10.97.0-4.0/24 (valid, for the limits)
"""

import os

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_bird
import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

RS, NVA1, NVA2, BAD = "10.1.0.4", "10.1.1.4", "10.1.1.6", "10.1.1.7"
RS6, NVA1_6 = "2001:db8:1::4", "2001:db8:1::14"
BAD_VALID = ["10.97.{}.0/24".format(i) for i in range(5)]

_bird = {}


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "nva1", "nva2", "bad"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1",))
    nva2 = vnetrs_bird.BirdNva(tgen.gears["nva2"], None, NVA2, 65011)
    nva2.add_peer("rs1", RS, 65515, local_address=NVA2)
    nva2.announce("10.250.0.0/16")
    nva2.start()
    _bird["nva2"] = nva2


def teardown_module(mod):
    if "nva2" in _bird:
        _bird.pop("nva2").stop()
    get_topogen().stop_topology()


gear = vnetrs_topo.router


def vjson(name, cmd):
    return vnetrs_topo.vtysh_json(gear(name), cmd)


poll = vnetrs_topo.poll


def rs_config(*lines):
    "Configure lines in rs1's vnet-route-server node: (exit status, output)."
    return vnetrs_topo.rs_config(gear("rs1"), *lines)


def effective():
    return vjson("rs1", "show bgp vnet-route-server effective-routes json").get("routes", {})


def rejected():
    data = vjson("rs1", "show bgp vnet-route-server rejected-routes json")
    return {(r["peer"], r["prefix"]): r["reason"] for r in data.get("routes", [])}


def peers():
    data = vjson("rs1", "show bgp vnet-route-server json")
    return {p["address"]: p for p in data.get("peers", [])}


def bgp_prefixes(name, afi="ipv4"):
    return set(vjson(name, "show bgp {} unicast json".format(afi)).get("routes", {}))


def test_sessions_established():
    want = {NVA1, NVA1_6, NVA2, BAD}

    def check():
        up = {a for a, p in peers().items() if p["state"] == "Established"}
        return None if up == want else peers()

    poll(check, "route-server sessions, BIRD included", timeout=60)
    assert _bird["nva2"].check_established("rs1") is None


def test_ecmp_across_instances_of_different_asns():
    want = {"source": "nva", "next-hops": [NVA1, NVA2], "peers": [NVA1, NVA2], "as-path-length": 1}
    poll(
        lambda: None if effective().get("10.250.0.0/16") == want else effective().get("10.250.0.0/16"),
        "10.250.0.0/16 from two SD-WAN instances (AS 65001 FRR, AS 65011 BIRD): ECMP",
    )


def test_prepended_instance_is_passive():
    nva2 = _bird["nva2"]
    nva2.announce("10.250.0.0/16", prepend=2)
    want = {"source": "nva", "next-hops": [NVA1], "peers": [NVA1], "as-path-length": 1}
    poll(
        lambda: None if effective().get("10.250.0.0/16") == want else effective().get("10.250.0.0/16"),
        "the prepended instance is passive",
    )
    assert rejected().get((NVA2, "10.250.0.0/16")) == "lost-preference", rejected()
    learned = vjson("rs1", "show bgp vnet-route-server peer {} learned-routes json".format(NVA2))
    assert learned["routes"]["10.250.0.0/16"] == {
        "next-hop": NVA2,
        "as-path": "65011 65011 65011",
        "effective": False,
    }, learned

    # Active again when the prepend goes.
    nva2.announce("10.250.0.0/16")
    poll(
        lambda: None
        if effective().get("10.250.0.0/16", {}).get("next-hops") == [NVA1, NVA2]
        else effective().get("10.250.0.0/16"),
        "ECMP again without the prepend",
    )
    assert (NVA2, "10.250.0.0/16") not in rejected()


def test_each_rejection_reason():
    want = {
        (BAD, "10.1.5.0/24"): "overlaps-vnet",
        (BAD, "10.99.0.0/16"): "as-loop",
        (BAD, "10.98.0.0/16"): "nexthop-outside-vnet",
        (NVA1_6, "2001:db8:1:5::/64"): "overlaps-vnet",
    }

    def check():
        got = rejected()
        missing = {k: v for k, v in want.items() if got.get(k) != v}
        return missing or None

    poll(check, "rejected routes with their reasons")
    routes = effective()
    for prefix in ("10.1.5.0/24", "10.99.0.0/16", "10.98.0.0/16", "2001:db8:1:5::/64"):
        assert prefix not in routes or routes[prefix]["source"] == "local", routes
    for prefix in BAD_VALID:
        assert routes[prefix]["next-hops"] == [BAD], routes
    # The count in the summary is that of the list (which also holds the
    # route servers' own routes the NVA sends back).
    assert peers()[BAD]["routes-rejected"] == len([k for k in rejected() if k[0] == BAD])
    assert peers()[BAD]["routes-learned"] == len(BAD_VALID), peers()[BAD]
    # Rejected routes are not relayed to other NVAs.
    assert not {"10.1.5.0/24", "10.99.0.0/16", "10.98.0.0/16"} & bgp_prefixes("nva1")


def test_no_advertise_is_programmed_and_advertised_to_nobody():
    poll(
        lambda: None if "10.251.0.0/16" in effective() else effective(),
        "the NO_ADVERTISE route is programmed",
    )
    assert effective()["10.251.0.0/16"]["next-hops"] == [NVA1]
    poll(
        lambda: None if "10.250.0.0/16" in bgp_prefixes("bad") else bgp_prefixes("bad"),
        "other NVAs' routes reach the misbehaving NVA",
    )
    assert "10.251.0.0/16" not in bgp_prefixes("bad")
    assert "10.251.0.0/16" not in _bird["nva2"].learned_routes()
    for peer in (NVA2, BAD):
        adv = vjson("rs1", "show bgp vnet-route-server peer {} advertised-routes json".format(peer))
        assert "10.251.0.0/16" not in adv["routes"], adv


def test_ipv6_address_space_and_routes():
    want = {
        "source": "nva",
        "next-hops": [NVA1_6],
        "peers": [NVA1_6],
        "as-path-length": 1,
    }
    poll(
        lambda: None if effective().get("2001:db8:250::/48") == want else effective(),
        "the IPv6 route from the NVA is programmed",
    )
    assert effective()["2001:db8:1::/48"]["source"] == "local"

    def check_nva():
        data = vjson("nva1", "show bgp ipv6 unicast 2001:db8:1::/48 json")
        hops = [
            nh.get("ip")
            for path in data.get("paths", [])
            for nh in path.get("nexthops", [])
            if nh.get("scope", "global") == "global"
        ]
        return None if RS6 in hops else data

    poll(check_nva, "the NVA learns the IPv6 address space, next hop the route server")
    adv = vjson("rs1", "show bgp vnet-route-server peer {} advertised-routes json".format(NVA1_6))
    assert adv["routes"]["2001:db8:1::/48"]["next-hop"] == RS6, adv
    # The IPv6 session carries IPv6 only.
    assert all(":" in p for p in adv["routes"]), adv


def test_ninth_nva_refused():
    extra = ["10.1.1.{}".format(20 + i) for i in range(4)]
    for i, addr in enumerate(extra):
        rc, out = rs_config("peer {} remote-as {}".format(addr, 65100 + i))
        assert rc == 0, out
    assert len(peers()) == 8
    rc, out = rs_config("peer 10.1.1.30 remote-as 65200")
    assert rc != 0 and "max-peers 8 reached" in out, out
    assert "10.1.1.30" not in peers()
    rc, out = rs_config("max-peers 5")
    assert rc != 0 and "has 8 NVA peers" in out, out
    # Raised, the ninth is welcome.
    rc, out = rs_config("max-peers 9", "peer 10.1.1.30 remote-as 65200")
    assert rc == 0, out
    assert len(peers()) == 9
    rc, out = rs_config(*["no peer " + a for a in extra + ["10.1.1.30"]] + ["no max-peers"])
    assert rc == 0, out
    assert set(peers()) == {NVA1, NVA1_6, NVA2, BAD}
    assert "max-peers" not in gear("rs1").vtysh_cmd("show running-config")


def test_route_limit_warning_only_rejects_the_excess():
    rc, out = rs_config("route-limit 3 warning-only")
    assert rc == 0, out

    def check():
        limited = {k for k, v in rejected().items() if v == "route-limit"}
        p = peers()[BAD]
        if len(limited) == 2 and p["routes-learned"] == 3 and p["state"] == "Established":
            return None
        return limited, p

    poll(check, "route-limit 3 warning-only: 3 routes kept, 2 rejected, session up")
    assert {k[0] for k, v in rejected().items() if v == "route-limit"} == {BAD}
    # The other peers are below the limit and keep everything.
    assert effective()["10.250.0.0/16"]["next-hops"] == [NVA1, NVA2]

    rc, out = rs_config("no route-limit")
    assert rc == 0, out


def test_route_limit_tears_the_session_down():
    rc, out = rs_config("route-limit 3")
    assert rc == 0, out

    def down():
        p = peers()[BAD]
        if p["state"] != "Established" and p.get("last-reset") == "route-limit exceeded":
            return None
        return p

    poll(down, "route-limit 3: the session with the NVA sending 5 routes goes down")
    poll(
        lambda: None if not set(BAD_VALID) & set(effective()) else effective(),
        "its routes leave the effective routes",
    )
    assert peers()[NVA1]["state"] == "Established"
    text = gear("rs1").vtysh_cmd("show bgp vnet-route-server")
    assert "route-limit exceeded" in text, text

    # Raising the limit brings the session back.
    rc, out = rs_config("no route-limit")
    assert rc == 0, out
    poll(
        lambda: None if peers()[BAD]["state"] == "Established" else peers()[BAD],
        "the session comes back under the default limit",
        timeout=60,
    )
    poll(
        lambda: None if set(BAD_VALID) <= set(effective()) else effective(),
        "its routes are programmed again",
    )


def test_native_neighbor_knobs_stay_usable():
    """
    A native knob on a route-server peer (here its timers) is bgpd's as
    usual: it takes effect, survives route-server changes, and the module's
    policy stays in place.
    """
    rs1 = gear("rs1")
    rs1.vtysh_cmd("conf t\nrouter bgp 65515\nneighbor {} timers 20 60".format(BAD))
    rc, out = rs_config("route-limit 5000")
    assert rc == 0, out
    nbr = vjson("rs1", "show bgp neighbors {} json".format(BAD))[BAD]
    assert nbr["bgpTimerConfiguredHoldTimeMsecs"] == 60000, nbr
    assert "neighbor {} timers 20 60".format(BAD) in rs1.vtysh_cmd("show running-config")
    rs1.vtysh_cmd("clear bgp {}".format(BAD))
    poll(
        lambda: None
        if peers()[BAD]["state"] == "Established" and rejected().get((BAD, "10.1.5.0/24")) == "overlaps-vnet"
        else peers()[BAD],
        "the peer comes back under the module's policy",
        timeout=60,
    )
    rc, out = rs_config("no route-limit")
    assert rc == 0, out
