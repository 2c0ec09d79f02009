# SPDX-License-Identifier: GPL-2.0-or-later
"""
frr-reload.py (Debian's frr-pythontools, through reload/frr-reload.py): a
changed vnet-route-server block in frr.conf. "--test" shows the block's
lines that change and nothing else; "--reload" applies them with no session
reset; the running state is then the same as a restart from that frr.conf.

    r1: route server (zebra + bgpd -M vnetrs, AS 65515), 10.1.0.4/24
    r2: NVA (AS 65001), 10.1.0.10, a peer from the start
    r3: NVA (AS 65002), 10.1.0.11, added by the reload
"""

import difflib
import json
import os
import shlex
import shutil

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))
RELOAD = os.path.join(vnetrs_topo.REPO_DIR, "reload", "frr-reload.py")
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

# The edit of the block in the saved frr.conf: (old line, new lines).
EDITS = [
    ("  max-peers 4", ["  max-peers 6", "  branch-to-branch",
                       "  routing-preference as-path",
                       "  route-limit 3000 warning-only"]),
    ("  address-space 10.3.0.0/16", ["  address-space 10.2.0.0/16 peered"]),
    ("  peer 10.1.0.10 remote-as 65001 description SD-WAN NVA",
     ["  peer 10.1.0.10 remote-as 65001 description SD-WAN NVA, site 2",
      "  peer 10.1.0.10 route-map NVA-IN in",
      "  peer 10.1.0.11 remote-as 65002 description firewall NVA"]),
]
ROUTE_MAP = ["route-map NVA-IN permit 10", "exit"]

WANT_DELETED = [
    ["router bgp 65515", " vnet-route-server", "  no max-peers 4"],
    ["router bgp 65515", " vnet-route-server", "  no address-space 10.3.0.0/16"],
]
WANT_ADDED = [
    ["router bgp 65515", " vnet-route-server", "  max-peers 6"],
    ["router bgp 65515", " vnet-route-server", "  branch-to-branch"],
    ["router bgp 65515", " vnet-route-server", "  routing-preference as-path"],
    ["router bgp 65515", " vnet-route-server", "  route-limit 3000 warning-only"],
    ["router bgp 65515", " vnet-route-server", "  address-space 10.2.0.0/16 peered"],
    ["router bgp 65515", " vnet-route-server", "  peer 10.1.0.10 route-map NVA-IN in"],
    ["router bgp 65515", " vnet-route-server",
     "  peer 10.1.0.10 remote-as 65001 description SD-WAN NVA, site 2"],
    ["router bgp 65515", " vnet-route-server",
     "  peer 10.1.0.11 remote-as 65002 description firewall NVA"],
    ["route-map NVA-IN permit 10"],
]

_state = {}


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "s1", ("r1", "r2", "r3"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("r1",))


def teardown_module(mod):
    get_topogen().stop_topology()


def r1():
    return vnetrs_topo.router("r1")


def running_config(router):
    return router.vtysh_cmd("show running-config no-header")


def state(router):
    """
    The running-config, less the "log file" lines: the topotest framework
    gives each daemon a log file of its own, which a shared frr.conf cannot
    keep apart (not the route server's business).
    """
    return [l for l in running_config(router).splitlines() if not l.startswith("log file ")]


def block(text):
    "The vnet-route-server block of a running-config, its lines."
    lines = text.splitlines()
    start = lines.index(" vnet-route-server")
    return lines[start:lines.index(" exit", start) + 1]


def peer(router, addr):
    for p in vnetrs_topo.vtysh_json(router, "show bgp vnet-route-server json")["peers"]:
        if p["address"] == addr:
            return p
    return None


def established(router, addr):
    p = peer(router, addr)
    return None if p and p["state"] == "Established" else p


def sessions(router, addr):
    "How many times bgpd brought the session up, and since when (epoch)."
    n = vnetrs_topo.vtysh_json(router, "show bgp neighbors {} json".format(addr))[addr]
    return n["connectionsEstablished"], n["bgpTimerUpEstablishedEpoch"]


def reload(router, script, mode):
    "frr-reload.py --test or --reload of /etc/frr/frr.conf, in router."
    bindir = os.path.dirname(shutil.which("vtysh"))
    cmd = "/usr/bin/python3 {} {} --bindir {} --stdout /etc/frr/frr.conf".format(
        shlex.quote(script), mode, shlex.quote(bindir))
    rc, out, err = router.net.cmd_status(cmd, warn=False)
    return rc, out, err


def sections(out):
    "The 'Lines To Delete' and 'Lines To Add' of --test: each a list of lines."
    got, cur = {"delete": [], "add": []}, None
    for line in out.splitlines():
        if line.startswith("Lines To Delete"):
            cur = "delete"
        elif line.startswith("Lines To Add"):
            cur = "add"
        elif cur and line and not line.startswith("==="):
            got[cur].append(line)
    return got


def contains(lines, group):
    "Whether group appears in lines as consecutive lines."
    return any(lines[i:i + len(group)] == group for i in range(len(lines)))


def edited_config(router):
    "The running-config as 'write memory' saves it, with the block edited."
    lines = running_config(router).splitlines()
    for old, new in EDITS:
        i = lines.index(old)
        lines[i:i + 1] = new
    i = lines.index("router bgp 65515")
    lines[i:i] = ROUTE_MAP
    return "\n".join(lines) + "\n"


def write_frr_conf(router, text):
    router.run("cat > /etc/frr/frr.conf << 'VNETRS_EOF'\n{}VNETRS_EOF".format(text))


def test_sessions_up():
    router = r1()
    vnetrs_topo.poll(lambda: established(router, "10.1.0.10"), "NVA r2 established")
    _state["r2"] = sessions(router, "10.1.0.10")
    _state["r2_count"] = peer(router, "10.1.0.10")["established-count"]
    _state["r2_nva"] = sessions(vnetrs_topo.router("r2"), "10.1.0.4")
    assert peer(router, "10.1.0.11") is None


def test_reload_test_shows_the_block_diff():
    router = r1()
    # Debian's default (FRR's topotests turn it off; the running-config
    # shows it): frr-reload.py --reload requires it.
    router.run("echo 'service integrated-vtysh-config' > /etc/frr/vtysh.conf")
    text = edited_config(router)
    _state["file"] = text
    write_frr_conf(router, text)
    rc, out, err = reload(router, RELOAD, "--test")
    assert rc == 0, out + err
    got = sections(out)
    for group in WANT_DELETED:
        assert contains(got["delete"], group), "not deleted: {}\n{}".format(group, out)
    for group in WANT_ADDED:
        assert contains(got["add"], group), "not added: {}\n{}".format(group, out)
    # Nothing else: no neighbor line, nothing of the peers the module owns.
    for section in ("delete", "add"):
        assert not [l for l in got[section] if "neighbor" in l], out
    # The NVA whose description changes is changed in place, not removed.
    assert not [l for l in got["delete"] if "peer 10.1.0.10" in l], out
    # FRR's own frr-reload.py puts the block's lines under "router bgp"
    # (why reload/frr-reload.py exists): if this fails, FRR learnt the node.
    rc, out, err = reload(router, FRR_RELOAD, "--test")
    assert contains(sections(out)["add"], ["router bgp 65515", " max-peers 6"]), out + err


def test_reload_applies_without_session_reset():
    router = r1()
    rc, out, err = reload(router, RELOAD, "--reload")
    assert rc == 0, out + err
    # The block's lines (the running-config writes them in its own order).
    want = sorted(block(_state["file"]))
    vnetrs_topo.poll(lambda: None if sorted(block(running_config(router))) == want
                     else block(running_config(router)), "the block after --reload")
    vnetrs_topo.poll(lambda: established(router, "10.1.0.11"), "NVA r3 added by the reload")
    # The route server's view: the address spaces went to the NVA.
    r2 = vnetrs_topo.router("r2")
    def r2_routes():
        routes = vnetrs_topo.vtysh_json(r2, "show bgp ipv4 unicast json").get("routes", {})
        return None if "10.2.0.0/16" in routes and "10.3.0.0/16" not in routes else sorted(routes)
    vnetrs_topo.poll(r2_routes, "r2 learns 10.2.0.0/16 and no longer 10.3.0.0/16")
    # No session reset, seen from both ends: as many sessions, up since the
    # same time (bgpd derives the epoch from the uptime: 1 s of rounding).
    for got, before in ((sessions(router, "10.1.0.10"), _state["r2"]),
                        (sessions(r2, "10.1.0.4"), _state["r2_nva"])):
        assert got[0] == before[0] and abs(got[1] - before[1]) <= 1, (got, before)
    assert peer(router, "10.1.0.10")["established-count"] == _state["r2_count"]
    # Applied again, the file changes nothing.
    rc, out, err = reload(router, RELOAD, "--test")
    got = sections(out)
    assert rc == 0 and got == {"delete": [], "add": []}, out + err


def test_same_state_as_a_restart():
    router = r1()
    reloaded = state(router)
    effective = vnetrs_topo.vtysh_json(router, "show bgp vnet-route-server effective-routes json")
    # Restart bgpd with nothing, then the saved frr.conf through vtysh -b,
    # as frrinit.sh does.
    router.run("echo 'hostname r1' > /etc/frr/bgpd.conf")
    router.killDaemons(["bgpd"])
    router.startDaemons(["bgpd"])
    rc, out, err = router.net.cmd_status("vtysh -b", warn=False)
    assert rc == 0, out + err
    vnetrs_topo.poll(lambda: established(router, "10.1.0.10"), "r2 after the restart")
    vnetrs_topo.poll(lambda: established(router, "10.1.0.11"), "r3 after the restart")
    vnetrs_topo.poll(lambda: None if state(router) == reloaded else
                     "\n".join(difflib.unified_diff(reloaded, state(router),
                                                    "reloaded", "restarted", lineterm="")),
                     "running-config after a restart equal to the reloaded one")
    vnetrs_topo.expect_json(router, "show bgp vnet-route-server effective-routes json",
                            effective, "effective routes after a restart")
