# SPDX-License-Identifier: GPL-2.0-or-later
"""
Foundation: bgpd loads vnetrs, vtysh configures it, bad input is refused,
the configuration survives a restart and "vtysh -b", an NVA session comes up.

    r1: route server (zebra + bgpd -M vnetrs, AS 65515), 10.1.0.4/24
    r2: NVA (zebra + bgpd, AS 65001), 10.1.0.10/24, multihop eBGP to r1
"""

import difflib
import json
import os
import re
import shlex

import pytest

from lib import topotest
from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

RS_CONFIG = [
    "address-space 10.1.0.0/16",
    "address-space 10.2.0.0/16 peered",
    "address-space 2001:db8:1::/48",
    "peer 10.1.0.10 remote-as 65001 description SD-WAN NVA",
]

# The block "show running-config" must hold inside "router bgp 65515".
RS_BLOCK = [
    " vnet-route-server",
    "  address-space 10.1.0.0/16",
    "  address-space 10.2.0.0/16 peered",
    "  address-space 2001:db8:1::/48",
    "  peer 10.1.0.10 remote-as 65001 description SD-WAN NVA",
    " exit",
]


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "s1", ("r1", "r2"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("r1",))


def teardown_module(mod):
    get_topogen().stop_topology()


def r1():
    tgen = get_topogen()
    if tgen.routers_have_failure():
        pytest.skip(tgen.errors)
    return tgen.gears["r1"]


def vtysh_config(router, *lines):
    """
    Run configuration lines under "router bgp 65515" > "vnet-route-server"
    through vtysh, each as its own -c. Returns (exit status, output).
    """
    cmd = ["vtysh", "-c", "conf t", "-c", "router bgp 65515", "-c", "vnet-route-server"]
    for line in lines:
        cmd += ["-c", line]
    rc, out, err = router.net.cmd_status(" ".join(shlex.quote(c) for c in cmd), warn=False)
    return rc, out + err


def rs_json(router):
    return json.loads(router.vtysh_cmd("show bgp vnet-route-server json"))


def running_config(router):
    return router.vtysh_cmd("show running-config")


def router_bgp_block(text):
    "The lines of the 'router bgp' block of a running-config."
    lines = text.splitlines()
    start = lines.index("router bgp 65515")
    end = lines.index("exit", start)
    return lines[start:end + 1]


def poll(check, what, count=60, wait=0.5):
    "Poll check() until it returns None; fail with its last answer."
    _, result = topotest.run_and_expect(check, None, count=count, wait=wait)
    assert result is None, "{}: {}".format(what, result)


def test_module_loaded():
    router = r1()
    modules = router.vtysh_cmd("show modules", daemon="bgpd")
    assert "bgpd_vnetrs" in modules, modules
    log = router.run("cat bgpd.log")
    want = "vnetrs 0.1.0 loaded (built against FRR %s)" % vnetrs_topo.frr_version()
    assert want in log, log


def test_configure_through_vtysh():
    router = r1()
    rc, out = vtysh_config(router, *RS_CONFIG)
    assert rc == 0 and out.strip() == "", out

    def check():
        got = rs_json(router)
        want = {
            "vrf": "default",
            "local-as": 65515,
            "router-id": "10.1.0.4",
            "address-spaces": [
                {"prefix": "10.1.0.0/16", "peered": False},
                {"prefix": "10.2.0.0/16", "peered": True},
                {"prefix": "2001:db8:1::/48", "peered": False},
            ],
        }
        for key, value in want.items():
            if got.get(key) != value:
                return "{}: want {}, got {}".format(key, value, got.get(key))
        peers = got.get("peers", [])
        if len(peers) != 1:
            return "want one peer, got {}".format(peers)
        peer = peers[0]
        for key, value in (
            ("address", "10.1.0.10"),
            ("role", "nva"),
            ("remote-as", 65001),
            ("description", "SD-WAN NVA"),
        ):
            if peer.get(key) != value:
                return "peer {}: want {}, got {}".format(key, value, peer.get(key))
        return None

    poll(check, "configured state in show bgp vnet-route-server json", count=10)


def _peer_established(router):
    peers = rs_json(router).get("peers", [])
    states = [p.get("state") for p in peers]
    return None if states == ["Established"] else "peer states: {}".format(states)


def test_nva_session_established():
    router = r1()
    poll(lambda: _peer_established(router), "NVA session to r2")
    # The bgpd neighbor carries the route-server settings.
    nbr = json.loads(router.vtysh_cmd("show bgp neighbors 10.1.0.10 json"))["10.1.0.10"]
    assert nbr["remoteAs"] == 65001
    assert nbr["externalBgpNbrMaxHopsAway"] == 255
    assert nbr["bgpTimerConfiguredHoldTimeMsecs"] == 180000
    assert nbr["bgpTimerConfiguredKeepAliveIntervalMsecs"] == 60000
    # And r2 sees it from its side.
    r2 = get_topogen().gears["r2"]
    summary = json.loads(r2.vtysh_cmd("show bgp summary json"))
    assert summary["ipv4Unicast"]["peers"]["10.1.0.4"]["state"] == "Established"


def test_running_config_groups_node_under_router_bgp():
    router = r1()
    block = router_bgp_block(running_config(router))
    start = block.index(" vnet-route-server")
    got = block[start:start + len(RS_BLOCK)]
    if vnetrs_topo.frr_major() >= 10:
        # libyang 3 keeps a list's entries in key order, not as entered:
        # the same lines, the address spaces in another order
        # (docs/frr-versions.md).
        assert got[0] == RS_BLOCK[0] and got[-1] == RS_BLOCK[-1], "\n".join(block)
        assert sorted(got) == sorted(RS_BLOCK), "\n".join(block)
    else:
        assert got == RS_BLOCK, "\n".join(block)


def test_operational_data():
    router = r1()
    out = router.vtysh_cmd(
        "show yang operational-data /vnet-route-server:vnet-route-server bgpd"
    )
    data = json.loads(out)
    inst = data["vnet-route-server:vnet-route-server"]["instance"]
    assert [i["vrf"] for i in inst] == ["default"]
    peer = inst[0]["peer"][0]
    assert peer["address"] == "10.1.0.10"
    assert peer["state"]["role"] == "nva"
    assert peer["state"]["session-state"] == "Established"
    assert peer["state"]["established-count"] >= 1


# Each bad command, and what the message must say.
REFUSED = [
    ("peer 10.1.0.11 remote-as 8075", "AS 8075 is reserved"),
    ("peer 10.1.0.11 remote-as 12076", "AS 12076 is reserved"),
    ("peer 10.1.0.11 remote-as 23456", "AS_TRANS"),
    ("peer 10.1.0.11 remote-as 64500", "documentation"),
    ("peer 10.1.0.11 remote-as 65517", "AS 65517 is reserved by Azure"),
    ("peer 10.1.0.11 remote-as 65540", "documentation"),
    ("peer 10.1.0.11 remote-as 0", "AS 0 is reserved"),
    ("peer 10.1.0.11 remote-as 65515", "route server's own AS"),
    ("peer 10.1.0.300 remote-as 65002", "not an IP address"),
    ("peer fe80::1 remote-as 65002", "link-local"),
    ("peer 224.0.0.5 remote-as 65002", "not a unicast address"),
    ("peer 10.1.0.11 remote-as 65002 description " + "x" * 81, "at most 80"),
    ("address-space 10.1.0.0/33", "prefix length must be 0 to 32"),
    ("address-space 10.1.0", "is not a prefix"),
    ("address-space 10.1.0.1/16", "did you mean 10.1.0.0/16"),
    ("address-space 2001:db8:1::1/48", "did you mean 2001:db8:1::/48"),
    ("address-space 10.1.5.0/24", "overlaps address-space 10.1.0.0/16"),
    ("address-space 10.0.0.0/8", "overlaps address-space 10.1.0.0/16"),
    ("address-space 10.2.0.0/16 peered", None),  # already there: no change
    ("address-space 0.0.0.0/0", "default route cannot be an address space"),
]


def _case_id(case):
    "A test id without '::' (FRR's topolog splits node ids on it)."
    return re.sub(r"[^A-Za-z0-9.]+", "-", case[0])[:48]


@pytest.mark.parametrize("command,message", REFUSED, ids=[_case_id(c) for c in REFUSED])
def test_bad_input_refused_and_changes_nothing(command, message):
    router = r1()
    before_json = rs_json(router)
    before_cfg = running_config(router)
    rc, out = vtysh_config(router, command)
    if message is None:
        assert rc == 0, out
    else:
        assert rc != 0, "accepted: {}\n{}".format(command, out)
        assert message in out, "{}: message does not say '{}':\n{}".format(
            command, message, out
        )
    after_cfg = running_config(router)
    assert after_cfg == before_cfg, "running-config changed:\n" + "\n".join(
        difflib.unified_diff(before_cfg.splitlines(), after_cfg.splitlines(), lineterm="")
    )
    after_json = rs_json(router)
    for p in before_json["peers"] + after_json["peers"]:
        # The session and its counters may move meanwhile.
        for key in ("state", "established-count", "last-reset",
                    "routes-learned", "routes-advertised", "routes-rejected",
                    "routes-learned-by-afi", "routes-advertised-by-afi",
                    "routes-rejected-by-reason"):
            p.pop(key, None)
    assert after_json == before_json


def restart_bgpd(router):
    router.killDaemons(["bgpd"])
    router.startDaemons(["bgpd"])


def write_etc_frr(router, name, text):
    router.run("cat > /etc/frr/{} << 'VNETRS_EOF'\n{}\nVNETRS_EOF".format(name, text))


def test_debug_categories():
    "Debug categories like FRR's: terminal or configuration mode, shown, in the running-config, restarts keep them."
    router = r1()
    show = "show debugging bgp vnet-route-server"
    assert "debugging is on" not in router.vtysh_cmd(show)
    router.vtysh_cmd("configure terminal\ndebug bgp vnet-route-server sdn")
    out = router.vtysh_cmd(show)
    assert "VNet route server SDN debugging is on (configuration)" in out, out
    assert "policy debugging" not in out, out
    assert "debug bgp vnet-route-server sdn\n" in running_config(router)
    router.vtysh_cmd("configure terminal\ndebug bgp vnet-route-server")
    assert "debug bgp vnet-route-server\n" in running_config(router)
    # The debug category logs: an SDN batch shows up in bgpd's log.
    router.vtysh_cmd("configure terminal\nno debug bgp vnet-route-server")
    assert "debug bgp vnet-route-server" not in running_config(router)
    assert "debugging is on" not in router.vtysh_cmd(show)
    rc, out, err = router.net.cmd_status(
        "vtysh -c 'debug bgp vnet-route-server effective' -c '{}'".format(show), warn=False
    )
    assert rc == 0 and "effective debugging is on (terminal)" in out, out + err
    assert "debug bgp vnet-route-server" not in running_config(router)
    rc, out, err = router.net.cmd_status("vtysh -c 'debug bgp vnet-route-server nonsense'", warn=False)
    assert rc != 0, out + err
    router.vtysh_cmd("no debug bgp vnet-route-server")


def test_restart_with_saved_config_roundtrips():
    router = r1()
    saved = running_config(router)
    write_etc_frr(router, "bgpd.conf", saved)
    restart_bgpd(router)
    poll(lambda: None if router_bgp_block(running_config(router)) ==
         router_bgp_block(saved) else running_config(router),
         "running-config after restart", count=20)
    assert running_config(router) == saved
    poll(lambda: _peer_established(router), "NVA session after restart")


def test_vtysh_boot_integrated_config():
    router = r1()
    saved = running_config(router)
    # bgpd starts empty; "vtysh -b" applies an integrated frr.conf that
    # holds the module's lines.
    write_etc_frr(router, "bgpd.conf", "hostname r1\n")
    restart_bgpd(router)
    assert "vnet-route-server" not in running_config(router)
    write_etc_frr(router, "frr.conf", "\n".join(router_bgp_block(saved)) + "\n")
    rc, out, err = router.net.cmd_status("vtysh -b", warn=False)
    assert rc == 0, out + err
    poll(lambda: None if router_bgp_block(running_config(router)) ==
         router_bgp_block(saved) else running_config(router),
         "running-config after vtysh -b", count=20)
    poll(lambda: _peer_established(router), "NVA session after vtysh -b")


def test_no_peer_and_no_node_remove_cleanly():
    router = r1()
    rc, out = vtysh_config(router, "no peer 10.1.0.10")
    assert rc == 0, out
    poll(lambda: None if rs_json(router)["peers"] == [] else rs_json(router),
         "peer removed")
    nbrs = json.loads(router.vtysh_cmd("show bgp neighbors json"))
    assert "10.1.0.10" not in nbrs, "bgpd neighbor left behind"
    rc, out, err = router.net.cmd_status(
        "vtysh -c 'conf t' -c 'router bgp 65515' -c 'no vnet-route-server'",
        warn=False)
    assert rc == 0, out + err
    assert "vnet-route-server" not in running_config(router)
    assert rs_json(router) == {}


def test_no_router_bgp_drops_route_server():
    router = r1()
    rc, out = vtysh_config(router, "address-space 10.1.0.0/16",
                           "peer 10.1.0.10 remote-as 65001")
    assert rc == 0, out
    assert "address-space 10.1.0.0/16" in running_config(router)
    rc, out, err = router.net.cmd_status(
        "vtysh -c 'conf t' -c 'no router bgp 65515' -c 'router bgp 65515'",
        warn=False)
    assert rc == 0, out + err
    # The route server went with its BGP instance, and did not come back.
    cfg = running_config(router)
    assert "router bgp 65515" in cfg
    assert "vnet-route-server" not in cfg, cfg
    assert rs_json(router) == {}
    # A later commit through the vty does not resurrect it either.
    rc, out, err = router.net.cmd_status(
        "vtysh -c 'conf t' -c 'router bgp 65515' -c 'vnet-route-server'",
        warn=False)
    assert rc == 0, out + err
    got = rs_json(router)
    assert got["address-spaces"] == [] and got["peers"] == [], got
