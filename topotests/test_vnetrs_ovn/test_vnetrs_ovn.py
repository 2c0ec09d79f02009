# SPDX-License-Identifier: GPL-2.0-or-later
"""
The VNet on a real OVN data plane (SPEC §7): vnetrs-agent keeps the
effective routes as static routes of an OVN logical router.

Everything in the VNet is attached through OVN (topotests/vnetrs_ovn.py:
Debian's ovsdb-server for the Open_vSwitch, northbound and southbound
databases, ovn-northd, ovs-vswitchd on the userspace datapath and
ovn-controller, in the namespace of "hv"), so BGP itself runs over OVN:

    logical router "vnet", one logical switch per subnet:
      ls-rs   10.1.0.0/24 2001:db8:1::/64    rs1 .4, rs2 .5 (AS 65515)
      ls-nva  10.1.1.0/24 2001:db8:1:1::/64  sdwan .4 (FRR, AS 65001),
                                             firewall .5 (BIRD, AS 65002)
      ls-vm   10.1.2.0/24 2001:db8:1:2::/64  vm1 .4, vm2 .5
    (the router's port on each is .1)

    sdwan: on-premises 10.250.0.0/16 (learned from onprem) and 10.77.0.0/16
    firewall: 0.0.0.0/0 (the Internet: 203.0.113.0/24, 192.0.2.0/24),
              10.77.0.0/16 (ECMP with sdwan), 2001:db8:99::/48

One vnetrs-agent in hv (the node that reaches the NB database) follows
both route servers and programs the router through the NB database. The
operator's own static route (192.0.2.0/24 via the firewall) is on the
same router and must survive everything the agent does.
"""

import os
import re
import signal
import subprocess
import time

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_bird
import vnetrs_ovn
import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

ROUTER = "vnet"
OWNER = "hv1"  # the agent's mark on its rows: external_ids:vnetrs-agent
SDWAN, FIREWALL, FIREWALL6 = "10.1.1.4", "10.1.1.5", "2001:db8:1:1::5"
RS = {"rs1": ("10.1.0.4", "2001:db8:1::4"), "rs2": ("10.1.0.5", "2001:db8:1::5")}
VMS = {"vm1": ("10.1.2.4", "2001:db8:1:2::4"), "vm2": ("10.1.2.5", "2001:db8:1:2::5")}

# Logical switch -> (router port MAC, router port networks).
SWITCHES = {
    "ls-rs": ("02:00:00:00:00:01", ["10.1.0.1/24", "2001:db8:1::1/64"]),
    "ls-nva": ("02:00:00:00:01:01", ["10.1.1.1/24", "2001:db8:1:1::1/64"]),
    "ls-vm": ("02:00:00:00:02:01", ["10.1.2.1/24", "2001:db8:1:2::1/64"]),
}

# The operator's own route, added by hand before the agent starts.
OPERATOR = ("192.0.2.0/24", FIREWALL)

# What lr-route-list must show with every NVA announcing.
WANT = {
    "10.250.0.0/16": [SDWAN],
    "0.0.0.0/0": [FIREWALL],
    "10.77.0.0/16": [SDWAN, FIREWALL],
    "2001:db8:99::/48": [FIREWALL6],
    OPERATOR[0]: [OPERATOR[1]],
}

# Destinations the VMs ping, and the NVA the traffic must cross.
PING_DESTS = {"10.250.0.1": SDWAN, "203.0.113.1": FIREWALL}

OPERATOR_ROW = []  # the uuid of the operator's row, once added
BIRD = None  # the firewall's BirdNva, set by setup_module
LAB = None  # the OvnLab, set by setup_module


def build_topo(tgen):
    for name in ("hv", "rs1", "rs2", "vm1", "vm2"):
        tgen.add_router(name)
    vnetrs_topo.add_segment(tgen, "branch", ("sdwan", "onprem"))
    vnetrs_topo.add_segment(tgen, "edge", ("firewall", "internet"))


def mac(switch_octet, host_octet):
    return "02:00:00:01:{:02x}:{:02x}".format(switch_octet, host_octet)


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    gears = tgen.gears

    lab = vnetrs_ovn.OvnLab(gears["hv"])
    mod.LAB = lab
    lab.start()
    lab.add_router(ROUTER)
    for switch, (rmac, nets) in SWITCHES.items():
        lab.add_switch(switch, ROUTER, rmac, nets)

    def subnet_routes(switch_index):
        return [
            ("10.1.0.0/16", "10.1.{}.1".format(switch_index)),
            ("2001:db8:1::/48", "2001:db8:1:{}::1".format(switch_index)),
        ]

    for i, (name, (a4, a6)) in enumerate(sorted(RS.items())):
        lab.attach(gears[name], "ls-rs", name, mac(0, 4 + i), [a4 + "/24", a6 + "/64"], routes=subnet_routes(0))
    lab.attach(gears["sdwan"], "ls-nva", "sdwan", mac(1, 4), [SDWAN + "/24", "2001:db8:1:1::4/64"], routes=subnet_routes(1))
    lab.attach(gears["firewall"], "ls-nva", "firewall", mac(1, 5), [FIREWALL + "/24", FIREWALL6 + "/64"], routes=subnet_routes(1))
    for i, (name, (a4, a6)) in enumerate(sorted(VMS.items())):
        lab.attach(
            gears[name], "ls-vm", name, mac(2, 4 + i), [a4 + "/24", a6 + "/64"],
            routes=[("default", "10.1.2.1"), ("default", "2001:db8:1:2::1")],
        )
    lab.wait_bound()

    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1", "rs2"))
    for rs in RS:
        rc, out = vnetrs_topo.rs_config(gears[rs], "sdn listen unix " + vnetrs_topo.sdn_sock(rs))
        assert rc == 0, out
        # A restarted bgpd reads the saved configuration, the listener included.
        gears[rs].vtysh_cmd("write memory")

    bird = vnetrs_bird.BirdNva(gears["firewall"], None, FIREWALL, 65002, kernel_export=False)
    for rs, (a4, a6) in sorted(RS.items()):
        bird.add_peer(rs + "v4", a4, 65515, local_address=FIREWALL)
        bird.add_peer(rs + "v6", a6, 65515, local_address=FIREWALL6)
    for prefix in ("0.0.0.0/0", "10.77.0.0/16", "2001:db8:99::/48"):
        bird.announce(prefix)
    bird.start()
    mod.BIRD = bird


def teardown_module(mod):
    # SIGTERM: the agent exits cleanly (under valgrind, its leaks are checked).
    vnetrs_topo.stop_agent(agent_files()[0])
    get_topogen().stop_topology()


gear = vnetrs_topo.router


# --- the agent ----------------------------------------------------------------


def agent_files():
    return vnetrs_topo.agent_files("hv", "agent")


def start_agent():
    pidfile, log = agent_files()
    vnetrs_topo.start_agent(
        get_topogen().gears["hv"],
        [vnetrs_topo.sdn_sock("rs1"), vnetrs_topo.sdn_sock("rs2")],
        pidfile, log, name="ovn-agent",
        extra=("--ovn-nb", LAB.remote("nb"), "--ovn-router", ROUTER, "--ovn-owner", OWNER),
    )


def agent_running():
    pidfile, _ = agent_files()
    pid = vnetrs_topo.agent_pid(pidfile) if os.path.exists(pidfile) else None
    return pid is not None and vnetrs_topo.pid_alive(pid)


# --- reading the state ------------------------------------------------------


def routes():
    "ovn-nbctl lr-route-list of the VNet's router as {prefix: next hops}."
    return LAB.static_routes(ROUTER)


def wait_routes(want, what, timeout=60):
    vnetrs_topo.poll(lambda: None if routes() == want else routes(), what, timeout=timeout)


def row_ids():
    "The uuids of the router's static routes, by (prefix, next hop)."
    return {(r["ip_prefix"], r["nexthop"]): r["_uuid"] for r in LAB.route_rows(ROUTER)}


def pings(node, dest):
    return vnetrs_topo.pings(get_topogen().gears[node], dest)


def wait_ping(node, dest, what, timeout=30):
    vnetrs_topo.poll(lambda: None if pings(node, dest) else "no reply", what, timeout=timeout)


def trace(vm, dest):
    "ovn-trace of a packet from vm to dest: its output, one string."
    a4, a6 = VMS[vm]
    i = sorted(VMS).index(vm)
    rmac = SWITCHES["ls-vm"][0]
    if ":" in dest:
        flow = 'inport=="{}" && eth.src=={} && eth.dst=={} && ip6.src=={} && ip6.dst=={} && ip.ttl==64'
        flow = flow.format(vm, mac(2, 4 + i), rmac, a6, dest)
    else:
        flow = 'inport=="{}" && eth.src=={} && eth.dst=={} && ip4.src=={} && ip4.dst=={} && ip.ttl==64'
        flow = flow.format(vm, mac(2, 4 + i), rmac, a4, dest)
    return LAB.trace("ls-vm", flow)


def hops(node, dest):
    "The addresses traceroute from node shows on the way to dest."
    family = "-6 " if ":" in dest else ""
    out = get_topogen().gears[node].run("traceroute {}-n -q 1 -w 1 -m 4 {}".format(family, dest))
    return [line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1]


class Pinger:
    "A ping running in the background from a node, every 0.2 s."

    def __init__(self, node, dest):
        self.proc = get_topogen().gears[node].popen(
            ["ping", "-n", "-i", "0.2", "-W", "1", dest],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )

    def stop(self):
        "(sent, received) once it stopped."
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=10)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
        assert m, "ping printed no summary (stopped before it started?): " + repr(out)
        return int(m.group(1)), int(m.group(2))


# --- the lab itself, before any agent ----------------------------------------


def test_bgp_runs_over_ovn():
    "Every NVA's sessions with both route servers cross the OVN router."
    for rs in RS:

        def established(rs=rs):
            data = vnetrs_topo.vtysh_json(gear(rs), "show bgp vnet-route-server json")
            states = {p["address"]: p["state"] for p in data.get("peers", [])}
            want = {SDWAN: "Established", FIREWALL: "Established", FIREWALL6: "Established"}
            return None if states == want else states

        vnetrs_topo.poll(established, "{}'s NVAs establish over OVN".format(rs), timeout=60)
    vnetrs_topo.poll(BIRD.check_established, "BIRD's sessions", timeout=30)


def test_operator_route_by_hand():
    "The lab forwards: a static route added by hand with ovn-nbctl carries a ping."
    LAB.nbctl("lr-route-add", ROUTER, *OPERATOR)
    assert routes() == {OPERATOR[0]: [OPERATOR[1]]}, routes()
    OPERATOR_ROW.append(row_ids()[OPERATOR])
    for vm in VMS:
        wait_ping(vm, "192.0.2.1", "{} pings through the operator's route".format(vm))


# --- the agent drives the router ----------------------------------------------


def test_agent_programs_the_router():
    start_agent()
    wait_routes(WANT, "lr-route-list shows the NVAs' routes, ECMP included", timeout=90)
    # One row per ECMP next hop, each marked as the agent's; the operator's unmarked.
    rows = LAB.route_rows(ROUTER)
    assert len(rows) == sum(len(n) for n in WANT.values()), rows
    for r in rows:
        ours = (r["ip_prefix"], r["nexthop"]) != OPERATOR
        assert r["external_ids"].get("vnetrs-agent") == (OWNER if ours else None), r


def test_vms_ping_through_the_right_nva():
    for vm in VMS:
        for dest, nva in PING_DESTS.items():
            wait_ping(vm, dest, "{} pings {}".format(vm, dest))
            assert nva in hops(vm, dest), (vm, dest, hops(vm, dest))


def test_ovn_trace_agrees():
    out = trace("vm1", "10.250.0.1")
    assert 'output to "sdwan"' in out or '"sdwan"' in out, out
    assert '"firewall"' not in out, out
    out = trace("vm1", "203.0.113.1")
    assert '"firewall"' in out and '"sdwan"' not in out, out


def test_withdraw_and_reannounce():
    onprem = gear("onprem")
    want = {p: n for p, n in WANT.items() if p != "10.250.0.0/16"}
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 10.250.0.0/16")
    start = time.monotonic()
    wait_routes(want, "the withdrawn route's row goes")
    gone = time.monotonic() - start
    # ovn-northd and ovn-controller take the row's flows away moments later.
    vnetrs_topo.poll(
        lambda: "still answers" if pings("vm1", "10.250.0.1") else None,
        "the ping to on-premises fails without its route", timeout=10,
    )
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nnetwork 10.250.0.0/16")
    start = time.monotonic()
    wait_routes(WANT, "the re-announced route's row is back")
    back = time.monotonic() - start
    wait_ping("vm1", "10.250.0.1", "the ping is back")
    # Figures for the record, not assertions.
    print("withdraw reached lr-route-list in {:.2f} s, announce in {:.2f} s".format(gone, back))


def test_operator_route_survives_and_our_rows_come_back():
    before = row_ids()
    LAB.nbctl("lr-route-del", ROUTER, "10.250.0.0/16", SDWAN)
    assert "10.250.0.0/16" not in routes()
    wait_routes(WANT, "a row of the agent's deleted by hand comes back")
    after = row_ids()
    assert after[OPERATOR] == before[OPERATOR], (before, after)


def test_kill9_rs1_then_the_agent_no_ping_lost():
    before = row_ids()
    rs1 = gear("rs1")
    pingers = {dest: Pinger("vm1", dest) for dest in PING_DESTS}
    try:
        vnetrs_topo.kill9_bgpd(rs1)
        vnetrs_topo.hold(lambda: None if row_ids() == before else row_ids(), "rows stay with rs1 dead", seconds=4)
        pidfile, _ = agent_files()
        vnetrs_topo.kill_pidfile(pidfile)
        vnetrs_topo.poll(lambda: None if not agent_running() else "still running", "the agent dies")
        vnetrs_topo.hold(lambda: None if row_ids() == before else row_ids(), "rows stay with the agent dead", seconds=2)
        start_agent()
        rs1.startDaemons(["bgpd"])
        # Both instances back and the agent reconciled: nothing removed or re-added.
        for rs in RS:

            def consumer(rs=rs):
                data = vnetrs_topo.vtysh_json(get_topogen().gears[rs], "show bgp vnet-route-server sdn json")
                names = [c["name"] for l in data.get("listeners", []) for c in l["consumers"]]
                return None if names == ["ovn-agent"] else data

            vnetrs_topo.poll(consumer, "the agent is {}'s consumer".format(rs), timeout=90)
        vnetrs_topo.hold(lambda: None if row_ids() == before else row_ids(), "rows unchanged after the restarts", seconds=3)
    finally:
        lost = {dest: p.stop() for dest, p in pingers.items()}
    for dest, (sent, received) in lost.items():
        assert sent > 20 and received == sent, (dest, sent, received)


def test_nb_restart_agent_reconnects_and_reconciles():
    sdwan = gear("sdwan")
    LAB.stop_daemon("ovsdb-nb")
    # While the NB database is away, the data plane forwards ...
    wait_ping("vm1", "10.250.0.1", "forwarding without the NB database")
    # ... and the effective routes change: the agent must catch up after.
    sdwan.vtysh_cmd("conf t\nrouter bgp 65001\naddress-family ipv4 unicast\nno network 10.77.0.0/16")
    time_withdrawn = time.monotonic()
    LAB.start_ovsdb("nb")
    want = dict(WANT)
    want["10.77.0.0/16"] = [FIREWALL]
    wait_routes(want, "the agent reconnects and reconciles with the restarted NB database", timeout=60)
    print("reconciled {:.1f} s after the withdraw".format(time.monotonic() - time_withdrawn))
    sdwan.vtysh_cmd("conf t\nrouter bgp 65001\naddress-family ipv4 unicast\nnetwork 10.77.0.0/16")
    wait_routes(WANT, "ECMP again")


def test_ipv6_prefix_reaches_the_router_and_a_vm_pings_it():
    assert routes().get("2001:db8:99::/48") == [FIREWALL6], routes()
    for vm in VMS:
        wait_ping(vm, "2001:db8:99::1", "{} pings the IPv6 prefix behind the firewall".format(vm))
    out = trace("vm1", "2001:db8:99::1")
    assert '"firewall"' in out, out


def test_operator_route_is_still_there():
    "The operator's row is untouched after everything the agent did."
    assert routes().get(OPERATOR[0]) == [OPERATOR[1]], routes()
    # The same row, never deleted and re-added.
    assert OPERATOR_ROW and row_ids().get(OPERATOR) == OPERATOR_ROW[0], (OPERATOR_ROW, row_ids())
    for vm in VMS:
        wait_ping(vm, "192.0.2.1", "{} still pings through the operator's route".format(vm))
