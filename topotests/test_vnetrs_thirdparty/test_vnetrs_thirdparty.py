# SPDX-License-Identifier: GPL-2.0-or-later
"""
The route server with third-party BGP peers, proven where a user looks: the
VM's kernel routes programmed by vnetrs-agent, pings from the VM through the
NVAs' namespaces, and what each peer learned by its own CLI or API (issue 16).
Each peer is another BGP implementation than the route server's FRR: BIRD 2,
GoBGP and ExaBGP (Debian's packages).

    VNet 10.1.0.0/16 and 2001:db8:1::/48, one segment "vnet"; peered
    address spaces 10.2.0.0/16 and 2001:db8:2::/48:
      rs1 10.1.0.4, 2001:db8:1::4    route server, AS 65515, bgpd -M vnetrs,
                                      "sdn listen unix <logdir>/rs1/sdn.sock"
      fw1 10.1.1.4                    firewall NVA, BIRD, AS 65001
      fw2 10.1.1.5                    firewall NVA, GoBGP, AS 65002
                                      both announce 0.0.0.0/0 (ECMP), in
                                      front of "internet" (203.0.113.1)
      sdwan 10.1.1.6, 2001:db8:1:1::6 SD-WAN NVA, ExaBGP, AS 65003, one
                                      session per family; in front of
                                      onprem: 10.250.0.0/16,
                                      10.251.0.0/16 (NO_ADVERTISE),
                                      2001:db8:250::/48
      ergw 10.1.254.4                 ExpressRoute gateway, GoBGP, iBGP;
                                      10.240.0.1 (on-premises 2) on its lo
      vm 10.1.2.4, 2001:db8:1:2::4    runs vnetrs-agent --connect rs1

One lab for every test (module scope): the tests run in order, each leaves
the announcements as it found them.
"""

import os

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_bird
import vnetrs_exabgp
import vnetrs_gobgp
import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

RS_AS = 65515
RS4, RS6 = "10.1.0.4", "2001:db8:1::4"
FW1, FW2 = "10.1.1.4", "10.1.1.5"
FW1_AS, FW2_AS, SDWAN_AS = 65001, 65002, 65003
SDWAN, SDWAN6 = "10.1.1.6", "2001:db8:1:1::6"
ERGW = "10.1.254.4"
ER_ONPREM, ER_HOST = "10.240.0.0/16", "10.240.0.1"
VNET4, VNET6 = "10.1.0.0/16", "2001:db8:1::/48"
PEERED4, PEERED6 = "10.2.0.0/16", "2001:db8:2::/48"
DEFAULT = "0.0.0.0/0"
ONPREM4, NOADV4, ONPREM6 = "10.250.0.0/16", "10.251.0.0/16", "2001:db8:250::/48"
INTERNET_HOST, ONPREM_HOST4, NOADV_HOST, ONPREM_HOST6 = (
    "203.0.113.1",
    "10.250.0.1",
    "10.251.0.1",
    "2001:db8:250::1",
)

# The peers, set by setup_module.
PEERS = {}


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "fw1", "fw2", "sdwan", "ergw", "vm"))
    vnetrs_topo.add_segment(tgen, "edge", ("fw1", "fw2", "internet"))
    vnetrs_topo.add_segment(tgen, "branch", ("sdwan", "onprem"))


sock = vnetrs_topo.sdn_sock
agent_files = vnetrs_topo.agent_files


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1",))
    rc, out = vnetrs_topo.rs_config(tgen.gears["rs1"], "sdn listen unix " + sock())
    assert rc == 0, out

    # The routes learned by the firewalls stay out of their kernels: their
    # own static route to the Internet is all they forward with.
    fw1 = vnetrs_bird.BirdNva(tgen.gears["fw1"], None, FW1, FW1_AS, kernel_export=False)
    fw1.add_peer("rs1", RS4, RS_AS, local_address=FW1)
    fw1.announce(DEFAULT)

    fw2 = vnetrs_gobgp.GobgpNva(tgen.gears["fw2"], None, FW2, FW2_AS)
    fw2.add_peer("rs1", RS4, RS_AS, local_address=FW2)
    fw2.announce(DEFAULT)

    sdwan = vnetrs_exabgp.ExabgpNva(tgen.gears["sdwan"], None, SDWAN, SDWAN_AS)
    sdwan.add_peer("rs1", RS4, RS_AS, local_address=SDWAN)
    sdwan.add_peer("rs1v6", RS6, RS_AS, local_address=SDWAN6)
    sdwan.announce(ONPREM4)
    sdwan.announce(NOADV4, communities=[vnetrs_exabgp.NO_ADVERTISE])
    sdwan.announce(ONPREM6)

    ergw = vnetrs_gobgp.GobgpNva(tgen.gears["ergw"], None, ERGW, RS_AS)
    ergw.add_peer("rs1", RS4, RS_AS, local_address=ERGW)

    for name, peer in (("fw1", fw1), ("fw2", fw2), ("sdwan", sdwan), ("ergw", ergw)):
        PEERS[name] = peer
        peer.start()

    pidfile, log = agent_files()
    vnetrs_topo.start_agent(tgen.gears["vm"], [sock()], pidfile, log)


def teardown_module(mod):
    try:
        vnetrs_topo.stop_agent(agent_files()[0])
    finally:
        # Stops BIRD, GoBGP and ExaBGP too (their helpers hook the routers).
        get_topogen().stop_topology()
    left = {name: peer.pids() for name, peer in PEERS.items() if peer.pids()}
    assert not left, "peers left running after the topology stopped: {}".format(left)


gear = vnetrs_topo.router
poll, hold = vnetrs_topo.poll, vnetrs_topo.hold


def kernel(family="-4"):
    "The VM's routes programmed by the agent: {prefix: sorted gateways}."
    return vnetrs_topo.kernel_routes(gear("vm"), family=family)


def wait_kernel(prefix, want, what, family="-4", timeout=30):
    "Poll until the VM's kernel route for prefix has exactly the gateways want."

    def check():
        got = kernel(family)
        return None if got.get(prefix) == sorted(want) else got

    poll(check, what, timeout=timeout)


def wait_pings(dest, what, timeout=20):
    vm = gear("vm")
    poll(lambda: None if vnetrs_topo.pings(vm, dest) else "no reply", what, timeout=timeout)


def wait_first_hop(dest, hops, what):
    "Poll until a traceroute from the VM to dest has its first hop in hops."
    vm = gear("vm")

    def check():
        hop = vnetrs_topo.first_hop(vm, dest)
        return None if hop in hops else "first hop {!r}".format(hop)

    poll(check, what, timeout=15)


def learned(peer, prefix):
    "{(next hop, AS path)} of the paths peer learned for prefix from rs1."
    paths = PEERS[peer].learned_routes(prefix=prefix).get(prefix, [])
    return {(p["next-hop"], tuple(p["as-path"] or ())) for p in paths}


def wait_learned(peer, prefix, want, what, timeout=30):
    poll(lambda: None if learned(peer, prefix) == want else learned(peer, prefix), what, timeout=timeout)


def rs_has_path(prefix, peer_addr):
    "True if rs1's BGP table has a path for prefix from peer_addr."
    data = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp ipv4 unicast {} json".format(prefix))
    return any(p.get("peer", {}).get("peerId") == peer_addr for p in data.get("paths", []))


def test_sessions_established():
    "Every third-party peer has its sessions up, seen from its own side."
    for name in ("fw1", "fw2", "sdwan", "ergw"):
        poll(lambda: PEERS[name].check_established(), name + " Established", timeout=90)

    def rs_side():
        data = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp vnet-route-server json")
        states = {p["address"]: p["state"] for p in data.get("peers", [])}
        want = {a: "Established" for a in (FW1, FW2, SDWAN, SDWAN6)}
        return None if all(states.get(a) == s for a, s in want.items()) else states

    poll(rs_side, "rs1 sees its NVA sessions Established", timeout=30)


# --- ECMP across implementations --------------------------------------------


def test_ecmp_bird_and_gobgp_one_multipath_route():
    "Equal AS-path length from BIRD (AS 65001) and GoBGP (AS 65002): both next hops."
    wait_kernel("default", [FW1, FW2], "the VM's default route has both firewalls as next hops")
    # One multipath route, not two routes of which the kernel uses one.
    lines = gear("vm").run("ip -4 route show proto 245 exact 0.0.0.0/0").splitlines()
    assert [l.split()[0] for l in lines if l.strip()] == ["default", "nexthop", "nexthop"], lines
    wait_pings(INTERNET_HOST, "the VM reaches the Internet through the firewalls")
    wait_first_hop(INTERNET_HOST, (FW1, FW2), "traffic to the Internet goes through a firewall")


def _active_passive(passive, active, passive_name):
    """
    passive prepends: only the active next hop stays and traffic goes
    through it; then passive withdraws: still reachable through the active
    one.
    """
    nva = PEERS[passive_name]
    nva.announce(DEFAULT, prepend=2)
    wait_kernel("default", [active], "{} prepends: only {} remains".format(passive, active))
    wait_pings(INTERNET_HOST, "the VM reaches the Internet through " + active)
    wait_first_hop(INTERNET_HOST, (active,), "traffic goes through " + active)

    nva.withdraw(DEFAULT)
    poll(
        lambda: None if not rs_has_path(DEFAULT, passive) else "still there",
        "rs1 gets {}'s withdrawal".format(passive),
    )
    hold(
        lambda: None if kernel().get("default") == [active] else kernel(),
        "after {}'s withdrawal the VM keeps its route through {}".format(passive, active),
        seconds=2,
    )
    wait_pings(INTERNET_HOST, "the VM still reaches the Internet through " + active)
    wait_first_hop(INTERNET_HOST, (active,), "traffic still goes through " + active)

    nva.announce(DEFAULT)
    wait_kernel("default", [FW1, FW2], "{} announces again: ECMP is back".format(passive))


def test_gobgp_prepends_then_withdraws():
    _active_passive(FW2, FW1, "fw2")


def test_bird_prepends_then_withdraws():
    _active_passive(FW1, FW2, "fw1")


# --- IPv6 -------------------------------------------------------------------


def test_ipv6_onprem_route_through_the_nva():
    "An IPv6 prefix from ExaBGP over its IPv6 session: in the VM's kernel, ping -6 through it."
    wait_kernel(ONPREM6, [SDWAN6], "the VM's kernel routes 2001:db8:250::/48 via the SD-WAN NVA", family="-6")
    wait_pings(ONPREM_HOST6, "the VM pings on-premises over IPv6")
    wait_first_hop(ONPREM_HOST6, (SDWAN6,), "IPv6 traffic to on-premises goes through the SD-WAN NVA")


def test_ipv6_nva_learns_the_vnet_space():
    "The NVA learns the VNet's IPv6 space over its IPv6 session, next hop the route server."
    want = {(RS6, (RS_AS,))}
    wait_learned("sdwan", VNET6, want, "ExaBGP learns 2001:db8:1::/48 from rs1")
    wait_learned("sdwan", PEERED6, want, "ExaBGP learns the peered 2001:db8:2::/48 from rs1")
    # ... over the IPv6 session, none of it over IPv4.
    paths = PEERS["sdwan"].learned_routes(prefix=VNET6)[VNET6]
    assert [p["from-protocol"] for p in paths] == ["rs1v6"], paths


def test_exabgp_changes_through_its_api_reach_the_vm_and_the_nvas():
    "ExaBGP's run-time withdrawal and prepended re-announcement: in the VM's kernel and at GoBGP."
    sdwan, vm = PEERS["sdwan"], gear("vm")
    wait_pings(ONPREM_HOST6, "the VM pings on-premises over IPv6")
    sdwan.withdraw(ONPREM6)
    poll(
        lambda: None if ONPREM6 not in kernel("-6") else kernel("-6"),
        "ExaBGP's withdrawal takes 2001:db8:250::/48 out of the VM's kernel",
    )
    hold(
        lambda: None if not vnetrs_topo.pings(vm, ONPREM_HOST6) else "on-premises answers",
        "without the route the VM cannot reach on-premises over IPv6",
        seconds=2,
    )
    sdwan.announce(ONPREM6)
    wait_kernel(ONPREM6, [SDWAN6], "ExaBGP's re-announcement is back in the VM's kernel", family="-6")
    wait_pings(ONPREM_HOST6, "the VM pings on-premises over IPv6 again")

    sdwan.announce(ONPREM4, prepend=2)
    wait_learned(
        "fw2",
        ONPREM4,
        {(SDWAN, (RS_AS, SDWAN_AS, SDWAN_AS, SDWAN_AS))},
        "GoBGP learns ExaBGP's prepended 10.250.0.0/16, next hop kept",
    )
    wait_kernel(ONPREM4, [SDWAN], "the prepended route stays in the VM's kernel (only path)")
    sdwan.announce(ONPREM4)
    wait_learned("fw2", ONPREM4, {(SDWAN, (RS_AS, SDWAN_AS))}, "GoBGP learns the plain path again")


# --- NO_ADVERTISE -------------------------------------------------------------


def test_no_advertise_programmed_not_advertised():
    "ExaBGP's NO_ADVERTISE route: in the VM's kernel, learned by no other NVA."
    wait_kernel(NOADV4, [SDWAN], "the NO_ADVERTISE route is in the VM's kernel")
    wait_kernel(ONPREM4, [SDWAN], "the plain on-premises route is in the VM's kernel")
    wait_pings(NOADV_HOST, "the VM reaches the NO_ADVERTISE prefix through the SD-WAN NVA")
    # The firewalls do get the SD-WAN NVA's other route (next hop kept) ...
    want = {(SDWAN, (RS_AS, SDWAN_AS))}
    wait_learned("fw2", ONPREM4, want, "GoBGP learns 10.250.0.0/16 from rs1")
    wait_learned("fw1", ONPREM4, want, "BIRD learns 10.250.0.0/16 from rs1")
    # ... and never the NO_ADVERTISE one.
    hold(
        lambda: learned("fw2", NOADV4) or learned("fw1", NOADV4) or None,
        "a NO_ADVERTISE route reached another NVA",
        seconds=3,
    )


# --- peered address spaces -----------------------------------------------------


def test_peered_spaces_reach_the_nvas():
    "The VNet's and the peered address spaces, next hop the route server, at every NVA."
    want = {(RS4, (RS_AS,))}
    for prefix in (VNET4, PEERED4):
        wait_learned("fw2", prefix, want, "GoBGP learns {} from rs1".format(prefix))
        wait_learned("fw1", prefix, want, "BIRD learns {} from rs1".format(prefix))
        wait_learned("sdwan", prefix, want, "ExaBGP learns {} from rs1".format(prefix))


def test_peered_spaces_reach_the_gateway():
    "The ExpressRoute gateway (GoBGP, iBGP) gets both spaces, and no NVA route (branch-to-branch off)."
    want = {(RS4, ())}
    for prefix in (VNET4, PEERED4):
        wait_learned("ergw", prefix, want, "the gateway learns {} from rs1".format(prefix))
    hold(
        lambda: {p: r for p, r in PEERS["ergw"].learned_routes().items() if p not in (VNET4, PEERED4)} or None,
        "the gateway gets nothing but the address spaces",
        seconds=2,
    )


def test_gateway_route_in_the_vm_not_at_the_nvas():
    "A route from the GoBGP gateway: in the VM's kernel and pinged; no NVA gets it (branch-to-branch off)."
    PEERS["ergw"].announce(ER_ONPREM)
    wait_kernel(ER_ONPREM, [ERGW], "the gateway's route is in the VM's kernel")
    wait_pings(ER_HOST, "the VM reaches the gateway's on-premises address")
    hold(
        lambda: learned("fw2", ER_ONPREM) or learned("fw1", ER_ONPREM) or learned("sdwan", ER_ONPREM) or None,
        "a gateway route reached an NVA with branch-to-branch off",
        seconds=2,
    )
