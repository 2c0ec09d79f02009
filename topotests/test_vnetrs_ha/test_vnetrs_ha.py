# SPDX-License-Identifier: GPL-2.0-or-later
"""
The HA pair under failure (issue 6): NVAs and the VM's agent use both
route-server instances; stopping either (kill -9, clean stop) loses no
route in the VM's kernel and no ping; a restarted instance converges to
the same table; a bgpd restart leaves nothing stale anywhere. Graceful
maintenance: rs1 drained, stopped, started and undrained while the VM
pings: the NVAs move to rs2 and back, nothing is lost or withdrawn.

The overview lab of test_vnetrs_agent (its configs are reused):
    VNet 10.1.0.0/16: rs1 10.1.0.4, rs2 10.1.0.5 (AS 65515), sdwan 10.1.1.4
    (AS 65001) in front of onprem 10.250.0.0/16, firewall 10.1.1.5
    (AS 65002) announcing 0.0.0.0/0 in front of internet 203.0.113.0/24,
    vm 10.1.2.4.
In the VM two agents run: "vm-agent" with both instances, into the main
table (protocol 245); "lone-agent" with rs1 only, into table 100
(protocol 246): a consumer with no second instance to cover for a
restart, the hard case for "nothing stale, nothing lost"; "keep-agent"
with both instances and --keep-routes 3, into table 101 (protocol 247):
when both instances are gone its routes leave after 3 s, while the
others (the default, --keep-routes forever) keep theirs.
"""

import os
import re
import signal
import threading
import time
from datetime import datetime

import pytest

from lib.topogen import Topogen, TopoRouter, get_topogen
from lib.topolog import logger

import vnetrs_bird
import vnetrs_topo
from vnetrs_nlwatch import RouteWatch

CWD = os.path.dirname(os.path.realpath(__file__))
CONFIGS = os.path.join(os.path.dirname(CWD), "test_vnetrs_agent")

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

SDWAN, FIREWALL = "10.1.1.4", "10.1.1.5"
WANT = {"10.250.0.0/16": [SDWAN], "default": [FIREWALL]}
AGENTS = {
    # name: (route servers, table, protocol, more options)
    "vm-agent": (("rs1", "rs2"), 254, 245, ()),
    "lone-agent": (("rs1",), 100, 246, ()),
    "keep-agent": (("rs1", "rs2"), 101, 247, ("--keep-routes", "3")),
}
TABLES = tuple(a[1] for a in AGENTS.values())
KEEP_S = 3
PING_DESTS = ("10.250.0.1", "203.0.113.1")
# The BIRD NVA of the maintenance test: name, address, AS.
BIRD = ("birdnva", "10.1.1.6", 65003)
# The route Watch adds and awaits in ip monitor: (prefix, table).
MARKER = ("198.51.100.77", 201)

gear = vnetrs_topo.router


def build_topo(tgen):
    vnetrs_topo.build_overview_topo(tgen)
    # A BIRD NVA on the VNet, peered with the route servers only in the
    # maintenance test (BIRD does not honour GRACEFUL_SHUTDOWN by default).
    tgen.add_router(BIRD[0])
    tgen.gears["vnet"].add_link(tgen.gears[BIRD[0]])


def sock(rs):
    return os.path.join(get_topogen().logdir, rs, "sdn.sock")


def agent_files(name):
    d = os.path.join(get_topogen().logdir, "vm")
    return os.path.join(d, name + ".pid"), os.path.join(d, name + ".log")


def start_agent(name):
    servers, table, proto, extra = AGENTS[name]
    pidfile, log = agent_files(name)
    connects = " ".join("--connect " + sock(rs) for rs in servers)
    get_topogen().gears["vm"].run(
        "{} {} --name {} --table {} --protocol {} --daemon --pidfile {} {} 2>>{}".format(
            vnetrs_topo.agent_binary(), connects, name, table, proto, pidfile, " ".join(extra), log
        )
    )
    vnetrs_topo.poll(lambda: None if os.path.exists(pidfile) else "no pidfile", name + " starts", timeout=10)


def stop_agents():
    # SIGTERM, then SIGKILL; an agent that survives both fails the test
    # (vnetrs_topo.stop_agent raises), rather than living on in the VM.
    for name in AGENTS:
        vnetrs_topo.stop_agent(agent_files(name)[0])


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    # zebra only sets the BIRD NVA's address.
    conf = os.path.join(tgen.logdir, BIRD[0] + "-zebra.conf")
    with open(conf, "w") as f:
        f.write("hostname {0}\ninterface {0}-eth0\n ip address {1}/16\nexit\n".format(*BIRD))
    tgen.gears[BIRD[0]].load_config(TopoRouter.RD_ZEBRA, conf)
    vnetrs_topo.load_routers(tgen, CONFIGS, module_routers=("rs1", "rs2"))
    for rs in ("rs1", "rs2"):
        rc, out = vnetrs_topo.rs_config(tgen.gears[rs], "sdn listen unix " + sock(rs))
        assert rc == 0, out
        # Restarts read the saved configuration, SDN socket included.
        tgen.gears[rs].vtysh_cmd("write memory")
    for name in AGENTS:
        start_agent(name)


def teardown_module(mod):
    stop_agents()
    get_topogen().stop_topology()


def kernel_routes(table):
    "The agent's routes in table of the VM: {prefix: [gateways]}."
    proto = [a[2] for a in AGENTS.values() if a[1] == table][0]
    return vnetrs_topo.kernel_routes(get_topogen().gears["vm"], proto, table)


def wait_kernel(want, what, tables=TABLES, timeout=30):
    def check():
        got = {t: kernel_routes(t) for t in tables}
        return None if all(g == want for g in got.values()) else got

    vnetrs_topo.poll(check, what, timeout=timeout)


def effective(rs):
    "rs's effective routes: {prefix: (source, [next hops])}."
    data = vnetrs_topo.vtysh_json(get_topogen().gears[rs], "show bgp vnet-route-server effective-routes json")
    return {p: (r["source"], sorted(r["next-hops"])) for p, r in data.get("routes", {}).items()}


def consumers(rs):
    data = vnetrs_topo.vtysh_json(get_topogen().gears[rs], "show bgp vnet-route-server sdn json")
    return sorted((c["name"], c["state"]) for l in data.get("listeners", []) for c in l["consumers"])


class Watch:
    """
    What the VM sees while an instance fails: pings to on-premises and the
    Internet every 20 ms, and the kernel's route events (ip monitor).
    """

    def __init__(self):
        vm = get_topogen().gears["vm"]
        self.pings = [
            vm.popen(["ping", "-n", "-i", "0.02", "-W", "1", d], stdout=-1, stderr=-1, text=True)
            for d in PING_DESTS
        ]
        self.monitor = vm.popen(["ip", "-o", "monitor", "route"], stdout=-1, stderr=-1, text=True)
        self.events = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        # No route event is missed once the monitor has shown one we cause:
        # a marker route in a table of its own (not one the checks read),
        # added again until it is seen (one added before the monitor
        # subscribed is never reported).
        marker = "blackhole {} table {}".format(*MARKER)

        def marker_seen():
            seen = [l for l in list(self.events) if MARKER[0] in l and "table {}".format(MARKER[1]) in l]
            if seen:
                return None
            vm.run("ip route del {} 2>/dev/null; ip route add {}".format(marker, marker))
            return ("ip monitor has not shown the marker route", self.monitor.poll())

        vnetrs_topo.poll(marker_seen, "ip monitor listens", timeout=10, wait=0.1)
        vm.run("ip route del {}".format(marker))

    def _read(self):
        for line in self.monitor.stdout:
            self.events.append(line.rstrip("\n"))

    def stop(self):
        "Returns ({dest: (sent, lost)}, [route events])."
        result = {}
        for dest, p in zip(PING_DESTS, self.pings):
            p.send_signal(signal.SIGINT)
            out, _ = p.communicate(timeout=10)
            m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
            assert m, out
            result[dest] = (int(m.group(1)), int(m.group(1)) - int(m.group(2)))
        self.monitor.terminate()
        self.monitor.wait(timeout=10)
        self.reader.join(timeout=10)
        return result, [l for l in self.events if "proto 245" in l or "table 100" in l]


def restart_instance(rs, how):
    "Stop bgpd of rs (how: 'kill9' or 'stop'), check the VM meanwhile, start it again."
    router = get_topogen().gears[rs]
    before = effective(rs)
    if how == "kill9":
        vnetrs_topo.kill9_bgpd(router)
    else:
        router.killDaemons(["bgpd"])
    start = time.monotonic()
    # Down for 3 s: the VM's routes stay as they are all along.
    while time.monotonic() - start < 3:
        got = {t: kernel_routes(t) for t in TABLES}
        assert all(g == WANT for g in got.values()), got
        time.sleep(0.1)
    router.startDaemons(["bgpd"])
    want = sorted((name, "live") for name, a in AGENTS.items() if rs in a[0])
    vnetrs_topo.poll(lambda: None if consumers(rs) == want else consumers(rs), rs + "'s consumers are back", timeout=60)
    vnetrs_topo.poll(lambda: None if effective(rs) == before else effective(rs), rs + " converges to the same table")
    wait_kernel(WANT, "the VM's tables are unchanged")
    return time.monotonic() - start


def test_both_tables_programmed():
    wait_kernel(WANT, "both agents programmed the VM", timeout=60)
    assert consumers("rs1") == [("keep-agent", "live"), ("lone-agent", "live"), ("vm-agent", "live")], consumers(
        "rs1"
    )
    assert consumers("rs2") == [("keep-agent", "live"), ("vm-agent", "live")], consumers("rs2")


@pytest.mark.parametrize("rs,how", [("rs1", "kill9"), ("rs2", "stop"), ("rs1", "stop"), ("rs2", "kill9")])
def test_instance_failure_loses_no_route_and_no_ping(rs, how):
    watch = Watch()
    took = restart_instance(rs, how)
    pings, events = watch.stop()
    deleted = [e for e in events if e.startswith("Deleted")]
    logger.info("{} {}: back in {:.1f} s; pings (sent, lost): {}".format(rs, how, took, pings))
    assert not deleted, deleted
    for dest, (sent, lost) in pings.items():
        assert sent > 100 and lost == 0, (dest, sent, lost)


def test_restart_with_changes_leaves_nothing_stale():
    "rs1 restarts while on-premises withdrew its prefix: nowhere does it stay."
    rs1, onprem = get_topogen().gears["rs1"], get_topogen().gears["onprem"]
    rs1.killDaemons(["bgpd"])
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 10.250.0.0/16")
    gone = {"default": [FIREWALL]}
    # rs2 tells the VM's main agents; the lone agent keeps what it had.
    wait_kernel(gone, "the withdraw reaches the main table via rs2", tables=(254, 101))
    assert kernel_routes(100) == WANT
    rs1.startDaemons(["bgpd"])
    # The lone agent's snapshot from the restarted rs1 removes it.
    wait_kernel(gone, "no stale route after rs1's restart", timeout=60)
    assert "10.250.0.0/16" not in effective("rs1")
    assert effective("rs1") == effective("rs2")
    out = get_topogen().gears["vm"].run(
        "{} --once --connect {} 2>/dev/null".format(vnetrs_topo.agent_binary(), sock("rs1"))
    )
    assert "0.0.0.0/0 via {}".format(FIREWALL) in out and "10.250.0.0/16" not in out, out
    _, log = agent_files("lone-agent")
    with open(log) as f:
        text = f.read()
    assert re.search(r"reconcile \(\S+rs1/sdn.sock snapshot\).*0 adds, 0 replaces, 1 deletes", text), text[-3000:]
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nnetwork 10.250.0.0/16")
    wait_kernel(WANT, "the re-announced prefix is back everywhere")


def test_snapshot_waits_for_convergence():
    "After a restart, rs1 holds its snapshot until its table is whole."
    rs1 = get_topogen().gears["rs1"]
    log = os.path.join(get_topogen().logdir, "rs1", "bgpd.log")
    with open(log) as f:
        text = f.read()
    held = re.findall(r"SDN consumer (\S+) on \S+: snapshot held until the table converges", text)
    conv = re.findall(r"converged after ([0-9.]+) s \(([^)]*)\): (\d+) routes", text)
    assert held and conv, text[-3000:]
    # Four starts: the lab's, kill -9, stop, and the restart after the
    # withdraw. The failure restarts converged with the whole table (the
    # address space, on-premises, the default route), the last without
    # the withdrawn prefix. (At the lab's start on-premises' prefix may
    # still be on its way to the NVA.)
    assert [int(n) for _, _, n in conv][1:] == [3, 3, 2], conv
    data = vnetrs_topo.vtysh_json(rs1, "show bgp vnet-route-server sdn json")
    assert data["table-converged"] is True and data["converged-after-ms"] < 60000, data
    logger.info("rs1 converged after (s, why): {}".format([(s, w) for s, w, _ in conv]))


def agent_status(name):
    _, table, proto, _ = AGENTS[name]
    return vnetrs_topo.agent_status(get_topogen().gears["vm"], "--table", str(table), "--protocol", str(proto))


def status_says(name, text):
    "A poll check: None once name's --status holds text."
    out = agent_status(name)
    return None if text in out else out


def test_keep_routes_when_both_instances_are_gone():
    """
    Both instances stop: the agent with --keep-routes 3 removes its routes
    (only its own) about 3 s after the second is gone, and does not put
    them back; the others, with the default (forever), keep theirs for a
    window well past 3 s.
    """
    tgen = get_topogen()
    wait_kernel(WANT, "every table programmed before both instances stop")
    tgen.gears["rs1"].killDaemons(["bgpd"])
    # The timer starts when the last live instance goes.
    start = time.monotonic()
    tgen.gears["rs2"].killDaemons(["bgpd"])
    stopped = time.monotonic()
    vnetrs_topo.poll(
        lambda: status_says("keep-agent", "no instance: routes kept for another"),
        "keep-agent counts down",
        timeout=KEEP_S,
        wait=0.1,
    )
    vnetrs_topo.poll(
        lambda: kernel_routes(101) or None, "keep-agent's routes leave", timeout=KEEP_S + 10, wait=0.05
    )
    gone = time.monotonic()
    logger.info(
        "keep-agent's routes left {:.2f} s after rs2's stop began, {:.2f} s after it returned".format(
            gone - start, gone - stopped
        )
    )
    assert gone - start >= KEEP_S - 0.1, gone - start
    assert gone - stopped <= KEEP_S + 2, gone - stopped

    def others_kept():
        got = {t: kernel_routes(t) for t in TABLES}
        return None if got == {254: WANT, 100: WANT, 101: {}} else got

    # Held to twice the timeout: the default keeps them, and nothing
    # (restore, retry) brings keep-agent's back.
    vnetrs_topo.hold(others_kept, "the default keeps its routes, keep-agent's stay out", seconds=KEEP_S * 2)
    assert "no instance: routes removed after 3 s (2 routes)" in agent_status("keep-agent")
    for name in ("vm-agent", "lone-agent"):
        out = agent_status(name)
        assert "no instance: routes kept forever" in out, out
    with open(agent_files("keep-agent")[1]) as f:
        text = f.read()
    # The agent's own clock: from rs2's disconnect to the removal.
    began = re.findall(r"^(\S+)Z \S+ no route server is live: keeping the routes for 3 s", text, re.M)
    removed = re.findall(r"^(\S+)Z \S+ no route server was live for 3 s: removed 2 routes", text, re.M)
    assert len(began) == 1 and len(removed) == 1, text[-3000:]
    took = (datetime.fromisoformat(removed[0]) - datetime.fromisoformat(began[0])).total_seconds()
    logger.info("keep-agent: removed {:.3f} s after the last instance left".format(took))
    assert KEEP_S <= took < KEEP_S + 0.5, took


def test_keep_routes_back_with_an_instance():
    "rs1 back: its snapshot programs keep-agent's routes again; then rs2."
    tgen = get_topogen()
    tgen.gears["rs1"].startDaemons(["bgpd"])
    vnetrs_topo.poll(
        lambda: None if kernel_routes(101) == WANT else kernel_routes(101),
        "keep-agent's routes come back with rs1",
        timeout=60,
    )
    out = agent_status("keep-agent")
    assert "no instance:" not in out, out
    with open(agent_files("keep-agent")[1]) as f:
        assert "a route server is live again: its routes are programmed" in f.read()
    tgen.gears["rs2"].startDaemons(["bgpd"])
    for rs in ("rs1", "rs2"):
        want = sorted((name, "live") for name, a in AGENTS.items() if rs in a[0])
        vnetrs_topo.poll(lambda: None if consumers(rs) == want else consumers(rs), rs + "'s consumers are back", timeout=60)
    wait_kernel(WANT, "every table as before")


# --- graceful maintenance ----------------------------------------------------

RS_ADDR = {"rs1": "10.1.0.4", "rs2": "10.1.0.5"}
# What each NVA learns through the route servers: the VNet, and the other
# NVA's prefix (installed in its kernel by bgpd: proto bgp, 186).
NVA_PREFIXES = {"sdwan": ("10.1.0.0/16", "0.0.0.0/0"), "firewall": ("10.1.0.0/16", "10.250.0.0/16")}
NVA_KERNEL = {"sdwan": "0.0.0.0/0", "firewall": "10.250.0.0/16"}
# What BIRD learns through the route servers and installs (proto bird),
# with the AS path after the route server's.
BIRD_PREFIXES = {"10.250.0.0/16": [65001, 65100], "0.0.0.0/0": [65002]}
RTPROT_BIRD = 12
# The BirdNva while the maintenance test runs.
bird_nva = None
# rs1's outbound map of the user towards the firewall during the test: it
# replaces the communities, and cannot remove the maintenance's.
USER_TAG = "65515:100"


# How many of a relayed prefix's two paths (one from each route server, the
# same next hop: the NVA that announced it) an FRR NVA uses. FRR 8.4's
# multipath selection leaves out a candidate whose next hop equals the one
# before it (bgp_mpath.c, bgp_path_info_mpath_update through
# bgp_path_info_nexthop_cmp): the best path alone. FRR 10.3's walks the
# candidates without comparing next hops: both paths are marked multipath.
# Either way the kernel gets the one next hop.
RELAYED_PATHS_USED = 1 if vnetrs_topo.frr_major() < 10 else 2


def bird_paths(prefix):
    "BIRD's paths of prefix from the route servers: {rs: (primary, AS path, communities)}."
    return {
        p["from-protocol"]: (p["primary"], p["as-path"], p["communities"])
        for p in bird_nva.learned_routes(prefix=prefix).get(prefix, [])
    }


def nva_paths(nva, prefix):
    """
    The NVA's BGP paths of prefix from the route servers, as its vtysh shows
    them: {rs: (used (best or multipath), AS path, communities)}.
    """
    data = vnetrs_topo.vtysh_json(get_topogen().gears[nva], "show ip bgp {} json".format(prefix))
    out = {}
    for p in data.get("paths", []):
        rs = [n for n, a in RS_ADDR.items() if p.get("peer", {}).get("peerId") == a]
        if rs:
            used = bool(p.get("bestpath", {}).get("overall") or p.get("multipath"))
            out[rs[0]] = (used, p["aspath"]["string"], p.get("community", {}).get("string", ""))
    return out


def nvas_see(draining):
    """
    A poll check: every NVA has both route servers' paths of its prefixes;
    with draining, rs1's carry graceful-shutdown and rs1's AS twice and are
    not used (rs2's are); without, both are plain again, and the VNet
    (next hop: each route server) is used through both (ECMP). A relayed
    prefix has the same next hop from both: bgpd 8.4 uses one of the two
    paths (its tie-breaks: the older path), 10.3 both as multipath
    (RELAYED_PATHS_USED), the same forwarding either way.
    The firewall's paths from rs1 carry the community of the user's
    outbound map as well (the maintenance's come after it).
    """
    bad = {}
    for nva, prefixes in NVA_PREFIXES.items():
        for prefix in prefixes:
            got = nva_paths(nva, prefix)
            vnet = prefix == "10.1.0.0/16"
            tail = "" if vnet else (" 65002" if nva == "sdwan" else " 65001 65100")
            tag = USER_TAG if nva == "firewall" else ""
            if draining:
                ok = got == {
                    "rs1": (False, "65515 65515" + tail, (tag + " graceful-shutdown").strip()),
                    "rs2": (True, "65515" + tail, ""),
                }
            else:
                plain = {"rs1": ("65515" + tail, tag), "rs2": ("65515" + tail, "")}
                ok = {rs: g[1:] for rs, g in got.items()} == plain
                used = sum(g[0] for g in got.values())
                ok = ok and used == (2 if vnet else RELAYED_PATHS_USED)
            if not ok:
                bad[(nva, prefix)] = got
    # BIRD, with its default policy: moved by the AS path alone.
    for prefix, tail in BIRD_PREFIXES.items():
        got = bird_paths(prefix)
        if draining:
            ok = got == {"rs1": (False, [65515, 65515] + tail, [(65535, 0)]), "rs2": (True, [65515] + tail, [])}
        else:
            ok = sorted(got) == ["rs1", "rs2"] and all(g[1:] == ([65515] + tail, []) for g in got.values())
            ok = ok and sum(g[0] for g in got.values()) == 1
        if not ok:
            bad[("bird", prefix)] = got
    return bad or None


def sessions_established(rs):
    "How many times each FRR NVA's session with rs came up: {nva: count}."
    out = {}
    for nva in NVA_KERNEL:
        data = vnetrs_topo.vtysh_json(get_topogen().gears[nva], "show ip bgp neighbors {} json".format(RS_ADDR[rs]))
        out[nva] = data.get(RS_ADDR[rs], {}).get("connectionsEstablished")
    return out


def maintenance_json(rs):
    return vnetrs_topo.vtysh_json(get_topogen().gears[rs], "show bgp vnet-route-server json").get("maintenance")


def agent_says_draining(draining):
    "A poll check: the agents' --status about rs1's drain."
    missing = {}
    for name, (servers, _, _, _) in AGENTS.items():
        out = agent_status(name)
        rs1 = re.split(r"^instance ", out, flags=re.M)[1 + servers.index("rs1")] if "rs1" in servers else ""
        if draining:
            # Another instance counts: rs1's routes are left out; alone
            # (lone-agent) it still counts.
            role = "not counted (draining" if len(servers) > 1 else "synced, counted"
            ok = "draining (maintenance)" in rs1 and role in rs1
        else:
            ok = "draining" not in rs1 and "counted" in rs1 and "not counted" not in rs1
        if not ok:
            missing[name] = out
    return missing or None


def test_graceful_maintenance_loses_nothing():
    """
    maintenance on rs1: the NVAs move to rs2 (rs1's routes with
    GRACEFUL_SHUTDOWN and a longer AS path), the agents leave rs1 out; rs1
    is killed and started again, comes back still in maintenance; no
    maintenance: the NVAs use both again. Meanwhile the VM pings through
    both NVAs every 20 ms: none lost, and no route withdrawn in the VM or in
    the NVAs' kernels.
    """
    global bird_nva
    tgen = get_topogen()
    rs1 = tgen.gears["rs1"]
    name, addr, asn = BIRD
    for rs in ("rs1", "rs2"):
        rc, out = vnetrs_topo.rs_config(tgen.gears[rs], "peer {} remote-as {} description BIRD NVA".format(addr, asn))
        assert rc == 0, out
        tgen.gears[rs].vtysh_cmd("write memory")
    bird_nva = vnetrs_bird.BirdNva(tgen.gears[name], None, addr, asn)
    for rs in ("rs1", "rs2"):
        bird_nva.add_peer(rs, RS_ADDR[rs], 65515, local_address=addr)
    bird_nva.start()
    vnetrs_topo.poll(lambda: bird_nva.check_established("rs1", "rs2"), "BIRD peers with both route servers")
    rs1.vtysh_cmd("conf t\nroute-map TAG permit 10\n set community {}".format(USER_TAG))
    rc, out = vnetrs_topo.rs_config(rs1, "peer {} route-map TAG out".format(FIREWALL))
    assert rc == 0, out
    rs1.vtysh_cmd("write memory")
    wait_kernel(WANT, "every table programmed before the maintenance")
    vnetrs_topo.poll(lambda: nvas_see(False), "the NVAs use both route servers")
    assert maintenance_json("rs1") == {"state": "off"}, maintenance_json("rs1")

    nva_watch = {
        nva: RouteWatch(tgen.gears[nva], os.path.join(tgen.logdir, nva, "maintenance-routes.log"))
        for nva in list(NVA_KERNEL) + [name]
    }
    watch = Watch()

    sessions = sessions_established("rs1")
    rc, out = vnetrs_topo.rs_config(rs1, "maintenance")
    assert rc == 0, out
    rs1.vtysh_cmd("write memory")
    vnetrs_topo.poll(lambda: nvas_see(True), "the NVAs move to rs2")
    # Re-advertised, not reset.
    assert sessions_established("rs1") == sessions, (sessions, sessions_established("rs1"))
    m = maintenance_json("rs1")
    assert m["state"] == "draining" and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", m["since"]), m
    assert maintenance_json("rs2") == {"state": "off"}, maintenance_json("rs2")
    text = rs1.vtysh_cmd("show bgp vnet-route-server")
    assert "Maintenance: draining since " in text, text
    assert "  maintenance\n" in rs1.vtysh_cmd("show running-config")
    vnetrs_topo.poll(lambda: agent_says_draining(True), "the agents see rs1 drain")

    # Stopped (a crash, the worst case) and started: nothing moves.
    took = restart_instance("rs1", "kill9")
    vnetrs_topo.poll(
        lambda: None if (maintenance_json("rs1") or {}).get("state") == "draining" else maintenance_json("rs1"),
        "rs1 comes back in maintenance",
    )
    vnetrs_topo.poll(lambda: nvas_see(True), "the NVAs keep rs2 after rs1's restart", timeout=60)
    vnetrs_topo.poll(lambda: agent_says_draining(True), "the agents see rs1 drain after its restart")

    sessions = sessions_established("rs1")
    rc, out = vnetrs_topo.rs_config(rs1, "no maintenance")
    assert rc == 0, out
    rs1.vtysh_cmd("write memory")
    vnetrs_topo.poll(lambda: nvas_see(False), "the NVAs use both route servers again")
    assert sessions_established("rs1") == sessions, (sessions, sessions_established("rs1"))
    vnetrs_topo.poll(lambda: agent_says_draining(False), "the agents count rs1 again")
    m = maintenance_json("rs1")
    assert m["state"] == "off" and "since" in m, m
    assert "maintenance" not in rs1.vtysh_cmd("show running-config")
    wait_kernel(WANT, "the VM's tables are unchanged")

    pings, events = watch.stop()
    deleted = [e for e in events if e.startswith("Deleted")]
    logger.info("maintenance of rs1 (restart in {:.1f} s): pings (sent, lost): {}".format(took, pings))
    assert not deleted, deleted
    for dest, (sent, lost) in pings.items():
        assert sent > 100 and lost == 0, (dest, sent, lost)
    for nva, w in nva_watch.items():
        evs = w.events(0, proto=RTPROT_BIRD if nva == name else 186)
        w.stop()
        watched = BIRD_PREFIXES if nva == name else (NVA_KERNEL[nva],)
        gone = [e for e in evs if e[1] == "del" and e[3] in watched]
        assert not gone, (nva, evs)
    # Logged once at each change: the command before the restart; at the
    # start (the start's lines go to two log targets: as often as the
    # instance's creation), then the end.
    with open(os.path.join(tgen.logdir, "rs1", "bgpd.log")) as f:
        runs = f.read().split("vnetrs 0.1.0 loaded")
    before, after = runs[-2], runs[-1]
    assert before.count("maintenance started for VRF default") == 1, before[-3000:]
    assert "maintenance ended" not in before, before[-3000:]
    created = after.count("route server enabled for VRF default")
    assert created >= 1 and after.count("maintenance started for VRF default") == created, after[-3000:]
    assert after.count("maintenance ended for VRF default") == 1, after[-3000:]

    rc, out = vnetrs_topo.rs_config(rs1, "no peer {} route-map TAG out".format(FIREWALL))
    assert rc == 0, out
    rs1.vtysh_cmd("conf t\nno route-map TAG")
    for rs in ("rs1", "rs2"):
        rc, out = vnetrs_topo.rs_config(tgen.gears[rs], "no peer " + addr)
        assert rc == 0, out
        tgen.gears[rs].vtysh_cmd("write memory")
    bird_nva.stop()
