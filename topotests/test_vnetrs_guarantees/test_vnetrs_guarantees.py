# SPDX-License-Identifier: GPL-2.0-or-later
"""
The route server's guarantees hold whatever else is configured (issue 21):
ordinary bgpd commands that would switch the rules off are refused with a
message naming the module's command, what slips past is restored, local-as
and other address families are covered, and the user's own route-maps are
composed after the rules.

    one L2 segment, VNet 10.1.0.0/16 and 2001:db8:1::/48:
      rs1   10.1.0.4   route server, AS 65515, bgpd -M vnetrs
      sdwan 10.1.1.4   FRR NVA, AS 65001, a mix of good and bad routes:
                       10.250.0.0/16 good; 10.1.5.0/24 inside the VNet;
                       10.99.0.0/16 through AS 65100; 10.98.0.0/16 via
                       192.0.2.1; 10.96.0.0/16 via 10.1.255.255 (the
                       space's broadcast address); 10.95.0.0/16 via the
                       route server itself; IPv6 2001:db8:250::/48 and
                       2001:db8:1:5::/64 (inside the VNet), offered on the
                       IPv4 session
      fw    10.1.1.5   BIRD NVA, AS 65002: 0.0.0.0/0
      er    10.1.254.4 ExpressRoute gateway instance 1, FRR, iBGP:
                       10.200.0.0/16
      er2   10.1.254.5 ExpressRoute gateway instance 2, GoBGP, iBGP:
                       10.200.0.0/16
      stranger 10.1.3.4 FRR, AS 65009, no route-server peer: connects
                       through "bgp listen range" when a test allows it;
                       10.77.0.0/16
      vm    10.1.2.4   vnetrs-agent programs its kernel from rs1

Every test leaves the lab as it found it. The VM's kernel is watched with
"ip monitor route" from before the agent starts to the end: a rejected
route must never appear there, not even for a moment.
"""

import base64
import os
import signal
import subprocess

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_bird
import vnetrs_gobgp
import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

RS, SDWAN, FW, ER, ER2 = "10.1.0.4", "10.1.1.4", "10.1.1.5", "10.1.254.4", "10.1.254.5"
GOOD = {
    "10.250.0.0/16": [SDWAN],
    "10.99.0.0/16": [SDWAN],
    "10.200.0.0/16": [ER, ER2],
    "default": [FW],
}
REJECTED = {
    "10.1.5.0/24": "overlaps-vnet",
    "10.98.0.0/16": "nexthop-outside-vnet",
    "10.96.0.0/16": "nexthop-unusable",
    "10.95.0.0/16": "nexthop-unusable",
}
# What must never reach the VM or another peer.
NEVER = set(REJECTED) | {"2001:db8:1:5::/64"}

_lab = {}
gear = vnetrs_topo.router
poll = vnetrs_topo.poll


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "sdwan", "fw", "er", "er2", "vm", "stranger"))


sock = vnetrs_topo.sdn_sock
agent_files = vnetrs_topo.agent_files


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1",))
    fw = vnetrs_bird.BirdNva(tgen.gears["fw"], None, FW, 65002, kernel_export=False)
    fw.add_peer("rs1", RS, 65515, local_address=FW)
    fw.announce("0.0.0.0/0")
    fw.start()
    _lab["fw"] = fw
    er2 = vnetrs_gobgp.GobgpNva(tgen.gears["er2"], None, ER2, 65515)
    er2.add_peer("rs1", RS, 65515, local_address=ER2)
    er2.announce("10.200.0.0/16")
    er2.start()
    _lab["er2"] = er2
    rc, out = vnetrs_topo.rs_config(tgen.gears["rs1"], "sdn listen unix " + sock())
    assert rc == 0, out
    # Restarts read the saved configuration.
    tgen.gears["rs1"].vtysh_cmd("write memory")
    vm = tgen.gears["vm"]
    _lab["monitor"] = vm.popen(["ip", "-o", "monitor", "route"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    vnetrs_topo.start_agent(vm, [sock()], *agent_files())


def teardown_module(mod):
    vnetrs_topo.stop_agent(agent_files()[0])
    if "monitor" in _lab:
        _lab.pop("monitor").kill()
    if "fw" in _lab:
        _lab.pop("fw").stop()
    if "er2" in _lab:
        _lab.pop("er2").stop()
    get_topogen().stop_topology()


def vjson(name, cmd):
    return vnetrs_topo.vtysh_json(gear(name), cmd)


def effective():
    "{prefix: [next hops]} of rs1's effective routes, address spaces aside."
    routes = vjson("rs1", "show bgp vnet-route-server effective-routes json").get("routes", {})
    return {p: sorted(r["next-hops"]) for p, r in routes.items() if r["source"] != "local"}


def rejected():
    "{prefix: (reason, route-map)} of what rs1 rejected from the SD-WAN NVA."
    data = vjson("rs1", "show bgp vnet-route-server rejected-routes json")
    return {r["prefix"]: (r["reason"], r.get("route-map")) for r in data.get("routes", []) if r["peer"] == SDWAN}


def peer_json(addr):
    data = vjson("rs1", "show bgp vnet-route-server json")
    return [p for p in data["peers"] if p["address"] == addr][0]


def vm_routes(family="-4"):
    "The VM's kernel routes of the agent: {prefix: [gateways]}."
    return vnetrs_topo.kernel_routes(gear("vm"), family=family)


def fw_learned():
    return set(_lab["fw"].learned_routes())


def er_learned():
    "What both gateway instances learned from rs1 (FRR's, then GoBGP's)."
    data = vjson("er", "show bgp ipv4 unicast json")
    frr = {p for p, paths in data.get("routes", {}).items() if any(not x.get("local") and x.get("peerId") == RS for x in paths)}
    gobgp = set(_lab["er2"].learned_routes())
    return frr if frr == gobgp else {"frr": sorted(frr), "gobgp": sorted(gobgp)}


def vtysh(name, *lines):
    "Run lines in configuration mode as a user would: (exit status, output)."
    cmd = ["vtysh", "-c", "conf t"]
    for line in lines:
        cmd += ["-c", line]
    return gear(name).net.cmd_status(" ".join("'{}'".format(c) for c in cmd), warn=False)[:2]


def running_config():
    "bgpd's running configuration (vtysh also sends route-map lines to zebra)."
    return gear("rs1").vtysh_cmd("show running-config bgpd")


def wait_state(want_effective, want_vm, what, timeout=30):
    def check():
        eff, vm = effective(), vm_routes()
        if eff != want_effective or vm != want_vm:
            return {"effective": eff, "vm": vm}
        return None

    poll(check, what, timeout=timeout)


def baseline_effective():
    return {p if p != "default" else "0.0.0.0/0": nh for p, nh in GOOD.items()}


def without(prefix):
    "The baseline's effective routes and the VM's routes, less prefix."
    eff, vm = baseline_effective(), dict(GOOD)
    del eff[prefix], vm[prefix]
    return eff, vm


def deny_map(name):
    "A route-map of rs1's that denies 10.250.0.0/16 and permits the rest."
    rc, out = vtysh(
        "rs1",
        "ip prefix-list P250 seq 5 permit 10.250.0.0/16",
        "route-map {} deny 10".format(name),
        "match ip address prefix-list P250",
        "exit",
        "route-map {} permit 20".format(name),
        "set local-preference 200",
        "exit",
    )
    assert rc == 0, out


def wait_baseline(what, timeout=30):
    wait_state(baseline_effective(), GOOD, what, timeout)
    poll(lambda: None if {p: r[0] for p, r in rejected().items() if p in REJECTED} == REJECTED else rejected(),
         what + ": the rejected routes and their reasons", timeout=timeout)


def test_baseline_rules_and_matrix():
    "Before anything: the rules hold, each peer gets what the matrix says."
    poll(lambda: _lab["fw"].check_established(), "the BIRD NVA peers with rs1")
    poll(lambda: _lab["er2"].check_established(), "the GoBGP gateway peers with rs1")
    wait_baseline("the good routes are programmed, the bad ones rejected", timeout=60)
    want_fw = {"10.1.0.0/16", "10.250.0.0/16", "10.99.0.0/16"}
    poll(lambda: None if want_fw <= fw_learned() and not fw_learned() & (NEVER | {"10.200.0.0/16"}) else fw_learned(),
         "the firewall learns the VNet and the other NVA's good routes only")
    poll(lambda: None if er_learned() == {"10.1.0.0/16"} else er_learned(),
         "the gateway learns the VNet only (branch-to-branch off)")


# Ordinary bgpd commands that would undo a guarantee: (context lines, the
# command, a part of the message). Each is refused and changes nothing.
REFUSED = [
    # 1: an inbound filter of the user's replacing the rules
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.1.4 route-map MYPOL in",
     "peer 10.1.1.4 route-map NAME in"),
    (["router bgp 65515", "address-family ipv4 unicast"], "no neighbor 10.1.1.4 route-map vnetrs-in in",
     "peer 10.1.1.4 route-map NAME in"),
    # 2: editing the module's route-maps
    ([], "route-map vnetrs-in permit 20", "belongs to the VNet route server"),
    ([], "route-map vnetrs-to-nva deny 10", "belongs to the VNet route server"),
    ([], "no route-map vnetrs-in", "belongs to the VNet route server"),
    # 3: outbound maps that would undo isolation
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.1.5 route-map ALLOW out",
     "peer 10.1.1.5 route-map NAME out"),
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.254.4 route-map ALLOW out",
     "branch-to-branch"),
    (["router bgp 65515", "address-family ipv4 unicast"], "no neighbor 10.1.254.5 route-map vnetrs-to-expressroute out",
     "branch-to-branch"),
    # 4: a family without rules
    (["router bgp 65515", "address-family ipv4 multicast"], "neighbor 10.1.1.4 activate",
     "IPv4 and IPv6 unicast only"),
    (["router bgp 65515", "address-family ipv4 unicast"], "no neighbor 10.1.1.4 activate",
     "its own family"),
    # 5, 6: the neighbor itself
    (["router bgp 65515"], "no neighbor 10.1.1.4", "no peer 10.1.1.4"),
    (["router bgp 65515"], "neighbor 10.1.1.4 peer-group NVAS", "peer-group"),
    # 7, 8: routes of the route server's own
    (["router bgp 65515", "address-family ipv4 unicast"], "aggregate-address 10.0.0.0/8 summary-only",
     "summary-only"),
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.1.5 default-originate",
     "data path"),
    (["router bgp 65515", "address-family ipv4 unicast"], "network 10.1.0.0/16", "address space"),
    # 9: settings the module owns
    (["router bgp 65515", "address-family ipv4 unicast"], "no neighbor 10.1.1.4 attribute-unchanged next-hop",
     "attribute-unchanged"),
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.1.4 next-hop-self", "data path"),
    (["router bgp 65515", "address-family ipv4 unicast"], "no neighbor 10.1.1.4 soft-reconfiguration inbound",
     "soft-reconfiguration"),
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.1.4 maximum-prefix 1", "route-limit"),
    (["router bgp 65515"], "neighbor 10.1.1.4 remote-as 65099", "peer 10.1.1.4"),
    (["router bgp 65515"], "neighbor 10.1.1.4 remote-as internal", "peer 10.1.1.4"),
    # 11: loop protection
    (["router bgp 65515", "address-family ipv4 unicast"], "neighbor 10.1.1.5 route-server-client",
     "loop protection"),
]


@pytest.mark.parametrize("context,command,message", REFUSED, ids=[r[1] for r in REFUSED])
def test_native_command_refused(context, command, message):
    before = running_config()
    rc, out = vtysh("rs1", *(context + [command]))
    assert rc != 0, out
    assert message in out, out
    assert running_config() == before
    assert effective() == baseline_effective()


def test_other_family_gets_the_rules():
    "Row 4: IPv6 activated on an IPv4 NVA session: the rules apply there too."
    rc, out = vtysh("rs1", "router bgp 65515", "address-family ipv6 unicast", "neighbor 10.1.1.4 activate")
    assert rc == 0, out
    nbr = vjson("rs1", "show bgp neighbors 10.1.1.4 json")[SDWAN]["addressFamilyInfo"]["ipv6Unicast"]
    assert nbr.get("routeMapForIncomingAdvertisements") == "vnetrs-in", nbr
    assert nbr.get("routeMapForOutgoingAdvertisements") == "vnetrs-to-nva", nbr

    def v6():
        routes = vjson("rs1", "show bgp vnet-route-server effective-routes json").get("routes", {})
        got = {p: r["next-hops"] for p, r in routes.items() if ":" in p and r["source"] != "local"}
        rej = rejected()
        if got == {"2001:db8:250::/48": ["2001:db8:1::14"]} and rej.get("2001:db8:1:5::/64", ("",))[0] == "overlaps-vnet":
            return None
        return got, rej

    poll(v6, "the IPv6 routes are judged by the rules", timeout=60)
    poll(lambda: None if vm_routes("-6") == {"2001:db8:250::/48": ["2001:db8:1::14"]} else vm_routes("-6"),
         "the VM gets the good IPv6 route")
    rc, out = vtysh("rs1", "router bgp 65515", "address-family ipv6 unicast", "no neighbor 10.1.1.4 activate")
    assert rc == 0, out
    poll(lambda: None if not vm_routes("-6") else vm_routes("-6"), "the IPv6 route leaves the VM")


def set_fw_peer_as(asn):
    "The firewall (BIRD) peers with rs1 as AS asn."
    fw = _lab["fw"]
    fw.remove_peer("rs1", apply=False)
    fw.add_peer("rs1", RS, asn, local_address=FW)
    fw.reconfigure()


def test_local_as_counts_as_the_route_servers_own():
    "Row 10: with local-as 65100 towards one peer, a path through 65100 is a loop."
    rc, out = vtysh("rs1", "router bgp 65515", "neighbor 10.1.1.5 local-as 65100")
    assert rc == 0, out
    set_fw_peer_as(65100)
    wait_state(*without("10.99.0.0/16"), "10.99.0.0/16 (through AS 65100) leaves the effective routes and the VM", timeout=60)
    assert rejected()["10.99.0.0/16"][0] == "as-loop"
    poll(lambda: None if "10.99.0.0/16" not in fw_learned() and "10.250.0.0/16" in fw_learned() else fw_learned(),
         "the firewall does not get it")
    rc, out = vtysh("rs1", "router bgp 65515", "no neighbor 10.1.1.5 local-as 65100")
    assert rc == 0, out
    set_fw_peer_as(65515)
    wait_baseline("no local-as: 10.99.0.0/16 is back", timeout=60)


def test_user_route_map_in_composed_after_the_rules():
    "A user's inbound map may deny; it cannot let a rejected route in."
    deny_map("MYPOL")
    rc, out = vtysh("rs1", "route-map ANYTHING permit 10", "set ip next-hop 192.0.2.7", "exit")
    assert rc == 0, out
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "peer 10.1.1.4 route-map MYPOL in")
    assert rc == 0, out
    assert " peer 10.1.1.4 route-map MYPOL in" in running_config()
    assert peer_json(SDWAN)["route-map-in"] == {"name": "MYPOL", "exists": True}
    wait_state(*without("10.250.0.0/16"), "the user's map denies 10.250.0.0/16", timeout=30)
    assert rejected()["10.250.0.0/16"] == ("user-policy", "MYPOL")
    poll(lambda: None if "10.250.0.0/16" not in fw_learned() else fw_learned(), "the firewall loses 10.250.0.0/16")
    # A map that sets a next hop outside the VNet: the rules run again.
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "peer 10.1.1.4 route-map ANYTHING in")
    assert rc == 0, out
    wait_state({"0.0.0.0/0": [FW], "10.200.0.0/16": [ER, ER2]}, {"default": [FW], "10.200.0.0/16": [ER, ER2]},
               "every SD-WAN route is refused after ANYTHING", timeout=30)
    assert rejected()["10.250.0.0/16"][0] == "nexthop-outside-vnet"
    # A map that does not exist denies everything, as bgpd's own do.
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "peer 10.1.1.4 route-map NOSUCH in")
    assert rc == 0, out
    assert peer_json(SDWAN)["route-map-in"] == {"name": "NOSUCH", "exists": False}
    poll(lambda: None if rejected().get("10.250.0.0/16") == ("user-policy", "NOSUCH") else rejected(),
         "a missing map rejects for user-policy")
    # The module's own names stay its own.
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "peer 10.1.1.4 route-map vnetrs-in in")
    assert rc != 0 and "reserved" in out, out
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "no peer 10.1.1.4 route-map in")
    assert rc == 0, out
    assert "route-map-in" not in peer_json(SDWAN)
    wait_baseline("without the user's map, as before", timeout=30)


def test_user_route_map_out():
    "A user's outbound map on one NVA: that NVA alone receives less."
    deny_map("FWOUT")
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "peer 10.1.1.5 route-map FWOUT out")
    assert rc == 0, out
    poll(lambda: None if "10.250.0.0/16" not in fw_learned() and "10.1.0.0/16" in fw_learned() else fw_learned(),
         "the firewall no longer learns 10.250.0.0/16", timeout=30)
    rc, out = vnetrs_topo.rs_config(gear("rs1"), "no peer 10.1.1.5 route-map FWOUT out")
    assert rc == 0, out
    poll(lambda: None if "10.250.0.0/16" in fw_learned() else fw_learned(), "the firewall learns it again", timeout=30)


def test_own_routes_not_relayed():
    "Row 7: an aggregate of the route server's own goes to no route-server peer."
    rc, out = vtysh("rs1", "router bgp 65515", "address-family ipv4 unicast", "aggregate-address 10.0.0.0/8")
    assert rc == 0, out
    poll(lambda: None if "10.0.0.0/8" in vjson("rs1", "show bgp ipv4 unicast json").get("routes", {}) else "no aggregate",
         "rs1 makes the aggregate")
    assert "10.0.0.0/8" not in fw_learned()
    assert "10.0.0.0/8" not in er_learned()
    rc, out = vtysh("rs1", "router bgp 65515", "address-family ipv4 unicast", "no aggregate-address 10.0.0.0/8")
    assert rc == 0, out


def write_conf(router, text):
    router.run("echo {} | base64 -d > /etc/frr/bgpd.conf".format(base64.b64encode(text.encode()).decode()))


def test_listen_range_neighbor_is_no_route_server_peer():
    """
    Row 5: a neighbor that comes through "bgp listen range" is not a
    route-server peer: its routes reach no VM and no peer.
    """
    rc, out = vtysh(
        "rs1",
        "router bgp 65515",
        "no bgp ebgp-requires-policy",
        "neighbor DYN peer-group",
        "neighbor DYN remote-as 65009",
        "neighbor DYN ebgp-multihop 255",
        "bgp listen range 10.1.3.0/24 peer-group DYN",
    )
    assert rc == 0, out

    def learned():
        routes = vjson("rs1", "show bgp ipv4 unicast json").get("routes", {})
        return None if "10.77.0.0/16" in routes else sorted(routes)

    poll(learned, "rs1 learns the stranger's route through the listen range", timeout=60)
    vnetrs_topo.hold(lambda: None if "10.77.0.0/16" not in effective() and "10.77.0.0/16" not in vm_routes() else "programmed",
                     "the stranger's route is programmed nowhere", 3)
    assert "10.77.0.0/16" not in fw_learned()
    assert "10.77.0.0/16" not in er_learned()
    rc, out = vtysh(
        "rs1",
        "router bgp 65515",
        "no bgp listen range 10.1.3.0/24 peer-group DYN",
        "no neighbor DYN peer-group",
        "bgp ebgp-requires-policy",
    )
    assert rc == 0, out
    wait_baseline("without the listen range, as before")


def test_settings_from_a_file_are_restored_at_start():
    """
    A saved configuration edited by hand with native lines the guard would
    refuse (they come before the vnet-route-server block, when the neighbor
    is not yet a route-server peer): rs1 restores its settings at start,
    says so, and converges to the same state.
    """
    router = gear("rs1")
    router.vtysh_cmd("write memory")
    # The file bgpd was started with is in the router's own mount namespace.
    text = router.run("cat /etc/frr/bgpd.conf")
    edited = text.replace(
        " address-family ipv4 unicast\n",
        " address-family ipv4 unicast\n  neighbor 10.1.1.4 next-hop-self\n  neighbor 10.1.1.4 route-map OPEN in\n",
        1,
    )
    assert edited != text, text
    write_conf(router, edited)
    router.killDaemons(["bgpd"])
    router.startDaemons(["bgpd"])
    wait_baseline("rs1 converges to the same state", timeout=90)
    nbr = vjson("rs1", "show bgp neighbors 10.1.1.4 json")[SDWAN]["addressFamilyInfo"]["ipv4Unicast"]
    assert nbr.get("routeMapForIncomingAdvertisements") == "vnetrs-in", nbr
    assert not nbr.get("nextHopSelf"), nbr
    assert "warning" not in peer_json(SDWAN)
    log = open(os.path.join(get_topogen().logdir, "rs1", "bgpd.log")).read()
    assert "the route server's settings are restored" in log
    write_conf(router, text)


def test_no_rejected_route_ever_reached_the_vm():
    "Through every test above, the VM's kernel never had a rejected route."
    monitor = _lab.pop("monitor")
    monitor.send_signal(signal.SIGTERM)
    events, _ = monitor.communicate(timeout=10)
    seen = [l for l in events.splitlines() if "proto 245" in l]
    assert seen, "the monitor saw the agent's routes"
    bad = [l for l in seen if any(l.split()[0] in (p, "Deleted") and p in l for p in NEVER)]
    assert not bad, bad



def test_nothing_drifted_behind_the_guard():
    """
    Every command above was refused or allowed whole: rs1's watch never
    found a neighbor differing from the route server's settings (a false
    alarm here would also mean the settings being re-applied over and over).
    """
    log = open(os.path.join(get_topogen().logdir, "rs1", "bgpd.log")).read()
    drifted = [l for l in log.splitlines() if "differs from the route server's settings" in l]
    assert not drifted, drifted[:5]


def test_rejected_counts_agree():
    """
    The summary's rejected count of each peer is the number of its routes
    in rejected-routes and in the operational data.
    """
    poll(lambda: vnetrs_topo.rejected_counts_differ(gear("rs1")),
         "rejected counts of the summary and of rejected-routes")
