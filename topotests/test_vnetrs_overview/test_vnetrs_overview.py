# SPDX-License-Identifier: GPL-2.0-or-later
"""
The overview scenario of the route server (SPEC §1, issue 3).

    VNet 10.1.0.0/16, one L2 segment "vnet":
      rs1 10.1.0.4, rs2 10.1.0.5   route servers, AS 65515, bgpd -M vnetrs
      sdwan 10.1.1.4               SD-WAN NVA, AS 65001
      firewall 10.1.1.5            firewall NVA, AS 65002
      vm 10.1.2.4                  a VM of the VNet
    onprem (AS 65100) behind sdwan: 10.250.0.0/16
    internet behind firewall: 203.0.113.0/24; the firewall announces 0.0.0.0/0

Both NVAs peer with both route servers over multihop eBGP. The tests check
what a user of the route server would: the NVAs' BGP tables, the effective
routes, the explanations of rejected routes, and traffic from the VM once
its kernel holds the effective routes (programmed by the SDN agent,
vnetrs-agent, from rs1's SDN socket).
"""

import json
import os

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

ROUTE_SERVERS = {"rs1": "10.1.0.4", "rs2": "10.1.0.5"}
SDWAN, FIREWALL = "10.1.1.4", "10.1.1.5"


def build_topo(tgen):
    vnetrs_topo.build_overview_topo(tgen)


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=tuple(ROUTE_SERVERS))


def teardown_module(mod):
    get_topogen().stop_topology()


gear = vnetrs_topo.router


def vjson(name, cmd):
    return vnetrs_topo.vtysh_json(gear(name), cmd)


poll = vnetrs_topo.poll


def rs_config(name, *lines):
    rc, out = vnetrs_topo.rs_config(gear(name), *lines)
    assert rc == 0, out


def bgp_paths(name, prefix):
    "{(peer, next hop)} of the paths of prefix in a router's BGP table."
    data = vjson(name, "show bgp ipv4 unicast {} json".format(prefix))
    paths = set()
    for path in data.get("paths", []):
        nexthops = [nh.get("ip") for nh in path.get("nexthops", [])]
        paths.add((path.get("peer", {}).get("peerId"), nexthops[0] if nexthops else None))
    return paths


def effective(name):
    return vjson(name, "show bgp vnet-route-server effective-routes json").get("routes", {})


def test_sessions_established():
    def check(rs):
        data = vjson(rs, "show bgp vnet-route-server json")
        states = {p["address"]: p["state"] for p in data.get("peers", [])}
        want = {SDWAN: "Established", FIREWALL: "Established"}
        return None if states == want else states

    for rs in ROUTE_SERVERS:
        poll(lambda: check(rs), "{}: NVA sessions".format(rs), timeout=60)


def test_nvas_learn_vnet_from_both_route_servers():
    want = {(addr, addr) for addr in ROUTE_SERVERS.values()}
    for nva in ("sdwan", "firewall"):
        poll(
            lambda: None if bgp_paths(nva, "10.1.0.0/16") == want else bgp_paths(nva, "10.1.0.0/16"),
            "{} learns 10.1.0.0/16 from both route servers, next hop the route server".format(nva),
        )


def test_sdwan_passes_vnet_on_to_onprem():
    poll(
        lambda: None
        if bgp_paths("onprem", "10.1.0.0/16") == {("192.168.250.1", "192.168.250.1")}
        else bgp_paths("onprem", "10.1.0.0/16"),
        "on-premises learns 10.1.0.0/16 through the SD-WAN NVA",
    )


EXPECTED_EFFECTIVE = {
    "10.1.0.0/16": {"source": "local", "peered": False, "next-hops": [], "peers": []},
    "10.250.0.0/16": {
        "source": "nva",
        "next-hops": [SDWAN],
        "peers": [SDWAN],
        "as-path-length": 2,
    },
    "0.0.0.0/0": {
        "source": "nva",
        "next-hops": [FIREWALL],
        "peers": [FIREWALL],
        "as-path-length": 1,
    },
}


def test_effective_routes():
    for rs in ROUTE_SERVERS:
        poll(
            lambda: None if effective(rs) == EXPECTED_EFFECTIVE else effective(rs),
            "{}: effective routes".format(rs),
        )


def test_nva_routes_relayed_with_next_hop_unchanged():
    rs_paths = lambda nh: {(addr, nh) for addr in ROUTE_SERVERS.values()}
    poll(
        lambda: None
        if bgp_paths("firewall", "10.250.0.0/16") == rs_paths(SDWAN)
        else bgp_paths("firewall", "10.250.0.0/16"),
        "the firewall reaches on-premises through the SD-WAN NVA, not the route server",
    )
    poll(
        lambda: None
        if bgp_paths("sdwan", "0.0.0.0/0") == rs_paths(FIREWALL)
        else bgp_paths("sdwan", "0.0.0.0/0"),
        "the SD-WAN NVA learns the default route with the firewall as next hop",
    )


def test_rejected_routes_are_explained():
    """
    The NVAs send the route servers' own routes back (FRR does by default):
    each is kept and explained, and none is programmed.
    """
    want = {
        (SDWAN, "10.1.0.0/16", "overlaps-vnet"),
        (FIREWALL, "10.1.0.0/16", "overlaps-vnet"),
        (SDWAN, "0.0.0.0/0", "as-loop"),
        (FIREWALL, "10.250.0.0/16", "as-loop"),
    }

    def check(rs):
        data = vjson(rs, "show bgp vnet-route-server rejected-routes json")
        got = {(r["peer"], r["prefix"], r["reason"]) for r in data.get("routes", [])}
        return None if got == want else got

    for rs in ROUTE_SERVERS:
        poll(lambda: check(rs), "{}: rejected routes".format(rs))
    text = gear("rs1").vtysh_cmd("show bgp vnet-route-server rejected-routes")
    assert "overlaps-vnet" in text and "as-loop" in text, text


def test_peer_learned_and_advertised_routes():
    learned = vjson("rs1", "show bgp vnet-route-server peer {} learned-routes json".format(SDWAN))
    assert learned["routes"]["10.250.0.0/16"] == {
        "next-hop": SDWAN,
        "as-path": "65001 65100",
        "effective": True,
    }, learned
    # Rejected routes are not "learned".
    assert "10.1.0.0/16" not in learned["routes"], learned

    adv = vjson("rs1", "show bgp vnet-route-server peer {} advertised-routes json".format(SDWAN))
    assert adv["routes"]["10.1.0.0/16"] == {"next-hop": "10.1.0.4", "as-path": "65515"}, adv
    assert adv["routes"]["0.0.0.0/0"] == {"next-hop": FIREWALL, "as-path": "65515 65002"}, adv
    # The NVAs share one update group, so the SD-WAN NVA is also sent its
    # own route back (it drops it as a loop): shown as bgpd sends it.
    assert adv["routes"]["10.250.0.0/16"]["as-path"] == "65515 65001 65100", adv


AGENT_PROTO = 245  # the agent's route protocol (its default)


def agent_files():
    d = os.path.join(get_topogen().logdir, "vm")
    return os.path.join(d, "agent.pid"), os.path.join(d, "agent.log")


def sdn_sock(rs):
    return os.path.join(get_topogen().logdir, rs, "sdn.sock")


def effective_with_hops(rs):
    """
    The effective routes of rs as the VM's kernel should hold them:
    {prefix as ip route prints it: sorted next hops}, routes with next
    hops only (address spaces are the VM's own link).
    """
    want = {}
    for prefix, route in effective(rs).items():
        if route["next-hops"]:
            want["default" if prefix == "0.0.0.0/0" else prefix] = sorted(route["next-hops"])
    return want


def test_vm_traffic_follows_effective_routes():
    """
    The SDN agent in the VM programs rs1's effective routes; the VM's
    traffic then goes through the NVA each route names. The test writes no
    route into the VM: without the agent it has no route off its link.
    """
    vm = gear("vm")
    for dest in ("10.250.0.1", "203.0.113.1"):
        out = vm.run("ip route get {} 2>&1".format(dest))
        assert "unreachable" in out, out
    rs_config("rs1", "sdn listen unix " + sdn_sock("rs1"))
    pidfile, log = agent_files()
    vnetrs_topo.start_agent(vm, [sdn_sock("rs1")], pidfile, log)
    try:
        want = effective_with_hops("rs1")
        assert want == {"10.250.0.0/16": [SDWAN], "default": [FIREWALL]}, want
        poll(
            lambda: None
            if vnetrs_topo.kernel_routes(vm, AGENT_PROTO) == want
            else vnetrs_topo.kernel_routes(vm, AGENT_PROTO),
            "the agent programs rs1's effective routes into the VM",
        )
        check_vm_traffic(vm)
    finally:
        vnetrs_topo.stop_agent(pidfile)
        vm.run("ip route flush proto {}".format(AGENT_PROTO))
        rs_config("rs1", "no sdn listen unix " + sdn_sock("rs1"))


def check_vm_traffic(vm):
    for dest, hop in (("10.250.0.1", SDWAN), ("203.0.113.1", FIREWALL)):
        out = vm.run("ip route get {}".format(dest))
        assert "via {} ".format(hop) in out, out
        poll(
            lambda: None
            if vm.net.cmd_status("ping -c 1 -W 1 {}".format(dest), warn=False)[0] == 0
            else "no reply",
            "VM pings {} through {}".format(dest, hop),
        )
        trace = vm.run("traceroute -n -q 1 -w 1 -m 4 {}".format(dest))
        hops = [line.split()[1] for line in trace.splitlines()[1:] if line.split()]
        assert hops and hops[0] == hop, trace


def test_withdraw_leaves_effective_routes():
    onprem = gear("onprem")
    onprem.vtysh_cmd(
        "conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 10.250.0.0/16"
    )
    for rs in ROUTE_SERVERS:
        poll(
            lambda: None if "10.250.0.0/16" not in effective(rs) else effective(rs),
            "{}: withdrawn prefix leaves the effective routes".format(rs),
            timeout=10,
        )
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nnetwork 10.250.0.0/16")
    for rs in ROUTE_SERVERS:
        poll(
            lambda: None if effective(rs).get("10.250.0.0/16") == EXPECTED_EFFECTIVE["10.250.0.0/16"] else effective(rs),
            "{}: re-announced prefix is back".format(rs),
        )


def session_marks(rs):
    "(established-count, up since) per NVA, as the route server sees them."
    marks = {}
    data = vjson(rs, "show bgp neighbors json")
    for addr in (SDWAN, FIREWALL):
        n = data[addr]
        marks[addr] = (n.get("connectionsEstablished"), n.get("bgpTimerUpEstablishedEpoch"))
    return marks


def assert_no_reset(before, after):
    "Same sessions: no new connection, up since the same second (+-1: rounding)."
    for addr, (count, since) in before.items():
        assert after[addr][0] == count, "session to {} was reset".format(addr)
        assert abs(after[addr][1] - since) <= 1, "session to {} was reset".format(addr)


def test_address_space_added_and_removed_at_run_time():
    before = {rs: session_marks(rs) for rs in ROUTE_SERVERS}
    for rs in ROUTE_SERVERS:
        rs_config(rs, "address-space 10.3.0.0/16")
    want = {(addr, addr) for addr in ROUTE_SERVERS.values()}
    for nva in ("sdwan", "firewall"):
        poll(
            lambda: None if bgp_paths(nva, "10.3.0.0/16") == want else bgp_paths(nva, "10.3.0.0/16"),
            "{} learns the new address space from both route servers".format(nva),
            timeout=10,
        )
    for rs in ROUTE_SERVERS:
        assert effective(rs)["10.3.0.0/16"]["source"] == "local"
        assert_no_reset(before[rs], session_marks(rs))

    for rs in ROUTE_SERVERS:
        rs_config(rs, "no address-space 10.3.0.0/16")
    for nva in ("sdwan", "firewall"):
        poll(
            lambda: None if not bgp_paths(nva, "10.3.0.0/16") else bgp_paths(nva, "10.3.0.0/16"),
            "{}: removed address space is withdrawn".format(nva),
            timeout=10,
        )
    for rs in ROUTE_SERVERS:
        assert "10.3.0.0/16" not in effective(rs)
        assert_no_reset(before[rs], session_marks(rs))


def test_yang_operational_state():
    out = gear("rs1").vtysh_cmd(
        "show yang operational-data /vnet-route-server:vnet-route-server bgpd"
    )
    data = json.loads(out)
    inst = data["vnet-route-server:vnet-route-server"]["instance"][0]
    routes = {r["prefix"]: r for r in inst["effective-route"]}
    assert routes["0.0.0.0/0"]["next-hop"] == [FIREWALL], routes
    assert routes["10.250.0.0/16"]["source"] == "nva", routes
    rejected = {(r["peer"], r["prefix"]): r["reason"] for r in inst["rejected-route"]}
    assert rejected[(SDWAN, "10.1.0.0/16")] == "overlaps-vnet", rejected
    peers = {p["address"]: p["state"] for p in inst["peer"]}
    assert peers[SDWAN]["routes-rejected"] == 2, peers
    assert peers[SDWAN]["session-state"] == "Established", peers
