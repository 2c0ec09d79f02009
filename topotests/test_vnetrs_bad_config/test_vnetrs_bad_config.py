# SPDX-License-Identifier: GPL-2.0-or-later
"""
Bad configuration (issue 6): every malformed or conflicting command of the
module is refused with a message that says what is wrong, and changes
nothing; the running config stays loadable.

    rs1 10.1.0.4/16    route server, AS 65515, bgpd -M vnetrs, with a full
                       configuration: address spaces, eight NVA peers (the
                       limit), both gateways, an SDN socket
    nva1 10.1.0.10/16  the one live NVA (AS 65001), announces 10.250.0.0/16

For each bad input of the table: vtysh exits non-zero, its output holds the
reason, and "show running-config", "show bgp vnet-route-server json",
the effective routes and the NVA's session (state, connection counters,
uptime still growing) are as they were.

Multi-line input, as FRR 8.4 handles it (lib/northbound_cli.c,
vtysh/vtysh_main.c, vtysh/vtysh_config.c):
- "vtysh -c A -c B -c C": every line is a commit of its own; vtysh stops at
  the first refused line and exits 1. Lines before it stay applied, lines
  after it are not run.
- A file ("vtysh -f FILE", "vtysh -b" with frr.conf): the module's lines of
  a vnet-route-server block are one transaction, committed at the block's
  "exit". A line refused by validation refuses the whole block (FRR prints
  the grouped lines); vtysh 8.4 then still exits 0, because it ignores the
  result of the commit. A line the module refuses before validation
  (malformed prefix, VPN gateway with one address, ...) also refuses the
  whole block (the module discards the lines before it and refuses the
  lines after it, "% Not applied"), and vtysh exits 13.
  Either way nothing of the block is applied.
"""

import difflib
import json
import os
import re
import shlex

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

NVA = "10.1.0.10"
NODE = ["conf t", "router bgp 65515", "vnet-route-server"]

# Bad inputs tried, by category; written to <logdir>/bad_inputs.txt.
TRIED = {}


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "nva1"))


def logdir_path(*names):
    return os.path.join(get_topogen().logdir, "rs1", *names)


def sdn_path():
    return logdir_path("sdn.sock")


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1",))
    rc, out = vnetrs_topo.rs_config(tgen.gears["rs1"], "sdn listen unix " + sdn_path())
    assert rc == 0, out


def teardown_module(mod):
    write_tried()
    get_topogen().stop_topology()


def write_tried():
    """
    How many bad inputs were tried, by category, for the issue's note. Not
    a test: the count is of the count() calls the tests make, so comparing
    it to the tables would only repeat pytest's own report of each case
    (a case that did not run is a failed or skipped test there).
    """
    total = sum(TRIED.values())
    lines = ["{} {}".format(k, v) for k, v in sorted(TRIED.items())]
    lines.append("total {}".format(total))
    with open(os.path.join(get_topogen().logdir, "bad_inputs.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def rs1():
    return vnetrs_topo.router("rs1")


def vtysh(router, lines, *, args=()):
    "vtysh with each line as a -c of its own: (exit status, output)."
    cmd = ["vtysh"] + list(args)
    for line in lines:
        cmd += ["-c", line]
    rc, out, err = router.net.cmd_status(
        " ".join(shlex.quote(c) for c in cmd), warn=False
    )
    return rc, out + err


def nva_session(router):
    nbr = vnetrs_topo.vtysh_json(router, "show bgp neighbors {} json".format(NVA))
    return nbr.get(NVA, {})


def snapshot(router):
    """
    What a bad input must leave as it was. Sessions to the absent peers and
    gateways may move between Active and Connect: only the live NVA's
    session state is kept.
    """
    state = vnetrs_topo.vtysh_json(router, "show bgp vnet-route-server json")
    for peer in state.get("peers", []):
        if peer.get("address") != NVA:
            for key in ("state", "last-reset", "established-count"):
                peer.pop(key, None)
    nbr = nva_session(router)
    return {
        "running-config": router.vtysh_cmd("show running-config"),
        "vnet-route-server": state,
        "effective-routes": vnetrs_topo.vtysh_json(
            router, "show bgp vnet-route-server effective-routes json"
        ),
        "nva-session": {
            k: nbr.get(k)
            for k in ("bgpState", "connectionsEstablished", "connectionsDropped")
        },
        "nva-uptime-msec": nbr.get("bgpTimerUpMsec", 0),
    }


def assert_unchanged(before, after, what):
    if after["running-config"] != before["running-config"]:
        diff = "\n".join(
            difflib.unified_diff(
                before["running-config"].splitlines(),
                after["running-config"].splitlines(),
                lineterm="",
            )
        )
        pytest.fail("{}: running-config changed:\n{}".format(what, diff))
    for key in ("vnet-route-server", "effective-routes", "nva-session"):
        assert after[key] == before[key], "{}: {} changed:\n{}\n->\n{}".format(
            what, key, json.dumps(before[key], indent=1), json.dumps(after[key], indent=1)
        )
    # The session was not reset in between: its uptime kept growing.
    assert after["nva-uptime-msec"] >= before["nva-uptime-msec"], what


def count(category, n=1):
    TRIED[category] = TRIED.get(category, 0) + n


def long_path():
    "An absolute path one character longer than sun_path can hold."
    base = logdir_path("")
    return base + "s" * (108 - len(base))


# (category, commands run in the vnet-route-server node, message fragment).
# A callable command is called at run time (paths under the run's logdir).
CASES = [
    # --- malformed values -------------------------------------------------
    ("malformed", ["address-space 10.1.0"], "'10.1.0' is not a prefix"),
    ("malformed", ["address-space 10.1.0.0/"], "has no prefix length"),
    ("malformed", ["address-space 10.1.0.0/33"], "prefix length must be 0 to 32"),
    ("malformed", ["address-space 2001:db8:1::/129"], "prefix length must be 0 to 128"),
    ("malformed", ["address-space 10.300.0.0/16"], "not a valid IPv4 or IPv6 address"),
    ("malformed", ["address-space 10.9.0.1/16"], "host bits set: did you mean 10.9.0.0/16"),
    ("malformed", ["address-space 2001:db8:9::1/48"], "did you mean 2001:db8:9::/48"),
    ("malformed", ["address-space 0.0.0.0/0"], "default route cannot be an address space"),
    ("malformed", ["address-space ::/0"], "default route cannot be an address space"),
    ("malformed", ["address-space 224.0.0.0/4"], "224.0.0.0/4, multicast"),
    ("malformed", ["address-space 239.1.0.0/16"], "multicast, which a VNet cannot use"),
    ("malformed", ["address-space ff02::/16"], "ff00::/8, multicast"),
    ("malformed", ["address-space 127.0.0.0/8"], "loopback"),
    ("malformed", ["address-space 169.254.0.0/16"], "link-local"),
    ("malformed", ["address-space fe80::/64"], "fe80::/10, link-local"),
    ("malformed", ["address-space 168.63.129.16/32"], "Azure's platform address"),
    ("malformed", ["address-space 0.0.0.0/1"], "'this network'"),
    ("malformed", ["address-space 255.255.255.255/32"], "broadcast"),
    ("malformed", ["peer 10.1.0.300 remote-as 65020"], "peer 10.1.0.300: not an IP address"),
    ("malformed", ["peer 10.1.0 remote-as 65020"], "not an IP address"),
    ("malformed", ["peer 10.1.0.20/32 remote-as 65020"], "not an IP address"),
    ("malformed", ["peer 0.0.0.0 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer 255.255.255.255 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer 127.0.0.1 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer 224.0.0.5 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer :: remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer ::1 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer ff02::1 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer ::ffff:10.1.0.20 remote-as 65020"], "not a unicast address"),
    ("malformed", ["peer fe80::1 remote-as 65020"], "link-local addresses cannot be used"),
    ("malformed", ["peer 10.1.0.20 remote-as 0"], "AS 0 is reserved"),
    ("malformed", ["peer 10.1.0.20 remote-as 23456"], "AS_TRANS"),
    ("malformed", ["peer 10.1.0.20 remote-as 65515"], "route server's own AS"),
    ("malformed", ["peer 10.1.0.20 remote-as 8074"], "AS 8074 is reserved by Azure"),
    ("malformed", ["peer 10.1.0.20 remote-as 8075"], "AS 8075 is reserved by Azure"),
    ("malformed", ["peer 10.1.0.20 remote-as 12076"], "AS 12076 is reserved by Azure"),
    ("malformed", ["peer 10.1.0.20 remote-as 64496"], "documentation"),
    ("malformed", ["peer 10.1.0.20 remote-as 64511"], "documentation"),
    ("malformed", ["peer 10.1.0.20 remote-as 65517"], "AS 65517 is reserved by Azure"),
    ("malformed", ["peer 10.1.0.20 remote-as 65520"], "AS 65520 is reserved by Azure"),
    ("malformed", ["peer 10.1.0.20 remote-as 65535"], "AS 65535 is reserved (RFC 7300)"),
    ("malformed", ["peer 10.1.0.20 remote-as 65536"], "documentation"),
    ("malformed", ["peer 10.1.0.20 remote-as 65551"], "documentation"),
    ("malformed", ["peer 10.1.0.20 remote-as 4294967295"], "AS 4294967295 is reserved"),
    ("malformed", ["peer 10.1.0.11 remote-as 23456"], "AS_TRANS"),  # existing peer
    ("malformed", ["peer 10.1.0.20 remote-as 65020 description " + "d" * 81], "at most 80"),
    ("malformed", ["route-limit 0"], "route-limit 0: give a number from 1 to 4294967295"),
    ("malformed", ["route-limit 4294967296"], "from 1 to 4294967295"),
    ("malformed", ["route-limit -5 warning-only"], "from 1 to 4294967295"),
    ("malformed", ["route-limit many"], "from 1 to 4294967295"),
    ("malformed", ["max-peers 0"], "max-peers 0: give a number from 1 to 1024"),
    ("malformed", ["max-peers 1025"], "from 1 to 1024"),
    ("malformed", ["max-peers 100000"], "from 1 to 1024"),
    ("malformed", ["sdn listen unix relative/sdn.sock"], "the path must be absolute"),
    ("malformed", ["sdn listen unix /nonexistent-dir/sdn.sock"], "No such file or directory"),
    ("malformed", ["sdn listen unix /etc/frr/bgpd.conf/sdn.sock"], "Not a directory"),
    ("malformed", [lambda: "sdn listen unix " + long_path()], "a Unix socket path has at most 107"),
    ("malformed", [lambda: "sdn listen unix " + logdir_path("ro", "sdn.sock")], "Read-only file system"),
    ("malformed", [lambda: "sdn listen unix " + logdir_path("plain-file")], "exists and is not a socket"),
    ("malformed", ["sdn listen unix /var/run/frr/bgpd.vty"], "a program is listening on this socket already"),
    ("malformed", [lambda: "sdn listen unix " + logdir_path("it's.sock")], "a quote cannot be part of the path"),
    ("malformed", [lambda: "sdn listen unix {} queue-limit 10".format(sdn_path())], "give a number from 64 to 4194304"),
    ("malformed", ["gateway expressroute 224.0.0.1"], "gateway expressroute 224.0.0.1: not a unicast address"),
    ("malformed", ["gateway expressroute 10.1.254.4 fe80::1"], "link-local addresses cannot be used"),
    ("malformed", ["gateway vpn 10.1.253.4 10.1.253.5 remote-as 0"], "gateway vpn: AS 0 is reserved"),
    ("malformed", ["gateway vpn 10.1.253.4 10.1.253.5 remote-as 23456"], "AS_TRANS"),
    ("malformed", ["gateway expressroute 10.1.254.4 remote-as 12076"], "AS 12076 is reserved by Azure"),
    # --- conflicting ------------------------------------------------------
    ("conflicting", ["address-space 10.1.5.0/24"], "overlaps address-space 10.1.0.0/16"),
    ("conflicting", ["address-space 10.0.0.0/8"], "overlaps address-space 10.1.0.0/16"),
    ("conflicting", ["address-space 10.2.128.0/17 peered"], "overlaps address-space 10.2.0.0/16"),
    ("conflicting", ["address-space 2001:db8::/32"], "overlaps address-space 2001:db8:1::/48"),
    ("conflicting", ["peer 10.1.254.4 remote-as 65020"], "10.1.254.4 is a gateway instance (of the expressroute gateway)"),
    ("conflicting", ["peer 10.1.253.5 remote-as 65020"], "is a gateway instance (of the vpn gateway)"),
    ("conflicting", ["gateway expressroute 10.1.0.10"], "10.1.0.10 is an NVA peer"),
    ("conflicting", ["gateway vpn 10.1.253.4 2001:db8:1::17"], "2001:db8:1::17 is an NVA peer"),
    ("conflicting", ["gateway expressroute 10.1.253.4"], "10.1.253.4 is an instance of the vpn gateway"),
    ("conflicting", ["gateway vpn 10.1.254.4 10.1.254.5"], "is an instance of the expressroute gateway"),
    ("conflicting", ["gateway expressroute 10.1.254.4 10.1.254.4"], "the same address twice"),
    ("conflicting", ["gateway vpn 10.1.253.9 10.1.253.9"], "the same address twice"),
    ("conflicting", ["gateway vpn 10.1.253.9"], "a VPN gateway must be active-active"),
    ("conflicting", ["gateway vpn 10.1.253.4"], "a VPN gateway must be active-active"),
    ("conflicting", ["peer 10.1.0.20 remote-as 65020"], "max-peers 8 reached"),  # ninth NVA
    ("conflicting", ["peer 2001:db8:1::20 remote-as 65020"], "max-peers 8 reached"),
    ("conflicting", ["max-peers 7"], "the route server has 8 NVA peers"),
    ("conflicting", ["max-peers 1"], "the route server has 8 NVA peers"),
    ("conflicting", ["peer 10.1.0.4 remote-as 65020"], "10.1.0.4 is an address of the route server itself"),
    ("conflicting", ["gateway expressroute 10.1.0.4"], "is an address of the route server itself"),
    ("conflicting", ["peer 10.1.0.30 remote-as 65030"], "member of peer-group PG"),
]

# Commands outside the vnet-route-server node: (category, lines, message).
WRONG_NODE = [
    ("wrong-node", ["conf t", "address-space 10.9.0.0/16"], "Unknown command: address-space"),
    ("wrong-node", ["conf t", "peer 10.1.0.20 remote-as 65020"], "Unknown command: peer"),
    ("wrong-node", ["conf t", "vnet-route-server"], "Unknown command: vnet-route-server"),
    ("wrong-node", ["conf t", "router bgp 65515", "address-space 10.9.0.0/16"], "Unknown command: address-space"),
    ("wrong-node", ["conf t", "router bgp 65515", "max-peers 4"], "Unknown command: max-peers"),
    ("wrong-node", ["conf t", "router bgp 65515", "gateway vpn 10.1.253.8 10.1.253.9"], "Unknown command: gateway"),
    ("wrong-node", ["conf t", "router bgp 65515", "address-family ipv4 unicast", "peer 10.1.0.20 remote-as 65020"], "Unknown command: peer"),
    ("wrong-node", ["route-limit 100"], "Unknown command: route-limit"),
    ("wrong-node", NODE + ["exit", "sdn listen unix /tmp/x.sock"], "Unknown command: sdn listen"),
]


def _case_id(case):
    "A test id without '::' (FRR's topolog splits node ids on it)."
    text = " ".join(c if isinstance(c, str) else c.__name__ for c in case[1])
    return re.sub(r"[^A-Za-z0-9.]+", "-", text)[:60].strip("-")


def test_good_config_and_live_nva():
    router = rs1()

    def check():
        s = nva_session(router)
        if s.get("bgpState") != "Established":
            return "NVA session: {}".format(s.get("bgpState"))
        eff = vnetrs_topo.vtysh_json(
            router, "show bgp vnet-route-server effective-routes json"
        )
        if "10.250.0.0/16" not in json.dumps(eff):
            return "no NVA route in the effective routes: {}".format(eff)
        return None

    vnetrs_topo.poll(check, "the live NVA's session and route", timeout=60)
    # The address spaces reach the NVA after the session is up: wait until
    # the state stops moving, the baseline of every case.
    last = [None]

    def settled():
        cur = snapshot(router)
        nva = [p for p in cur["vnet-route-server"]["peers"] if p["address"] == NVA]
        cur.pop("nva-uptime-msec")
        if not nva or nva[0].get("routes-advertised", 0) < 2 or cur != last[0]:
            last[0] = cur
            return "still moving: {}".format(nva)
        return None

    vnetrs_topo.poll(settled, "a settled route server", timeout=90, wait=3)
    cfg = router.vtysh_cmd("show running-config")
    for line in (
        "  peer 2001:db8:1::17 remote-as 65017",
        "  gateway vpn 10.1.253.4 10.1.253.5 remote-as 65010",
        "  sdn listen unix " + sdn_path(),
    ):
        assert line in cfg.splitlines(), cfg
    state = vnetrs_topo.vtysh_json(router, "show bgp vnet-route-server json")
    nvas = [p for p in state["peers"] if p["role"] == "nva"]
    assert len(nvas) == 8 and state["max-peers"] == 8, state
    # What some cases need: a read-only directory, a plain file.
    router.run("mkdir -p {0} && mount -t tmpfs -o ro tmpfs {0}".format(logdir_path("ro")))
    router.run("touch " + logdir_path("plain-file"))


@pytest.mark.parametrize("category,commands,message", CASES, ids=[_case_id(c) for c in CASES])
def test_refused_and_changes_nothing(category, commands, message):
    router = rs1()
    lines = [c() if callable(c) else c for c in commands]
    before = snapshot(router)
    rc, out = vtysh(router, NODE + lines)
    count(category)
    assert rc != 0, "accepted: {}\n{}".format(lines, out)
    assert message in out, "{}: the message does not say '{}':\n{}".format(lines, message, out)
    assert_unchanged(before, snapshot(router), lines)


@pytest.mark.parametrize("category,lines,message", WRONG_NODE, ids=[_case_id(c) for c in WRONG_NODE])
def test_wrong_node_refused(category, lines, message):
    router = rs1()
    before = snapshot(router)
    rc, out = vtysh(router, lines)
    count(category)
    assert rc != 0, "accepted: {}\n{}".format(lines, out)
    assert message in out, "{}: the message does not say '{}':\n{}".format(lines, message, out)
    assert_unchanged(before, snapshot(router), lines)


def test_same_input_again_is_no_change():
    "Lines already in the configuration: accepted, nothing changes."
    router = rs1()
    before = snapshot(router)
    rc, out = vtysh(router, NODE + [
        "address-space 10.1.0.0/16",
        "peer 10.1.0.10 remote-as 65001 description SD-WAN NVA",
        "gateway vpn 10.1.253.4 10.1.253.5 remote-as 65010",
        "sdn listen unix " + sdn_path(),
    ])
    assert rc == 0, out
    assert_unchanged(before, snapshot(router), "the same lines again")


def test_vtysh_c_lines_commit_one_by_one():
    """
    vtysh -c: each line commits alone; vtysh stops at the refused line.
    The line before it stays, the line after it is not run.
    """
    router = rs1()
    before = snapshot(router)
    rc, out = vtysh(router, NODE + [
        "address-space 10.7.0.0/16",
        "address-space 10.7.128.0/17",
        "address-space 10.8.0.0/16",
    ])
    count("multi-line")
    assert rc == 1, out
    assert "overlaps address-space 10.7.0.0/16" in out, out
    cfg = router.vtysh_cmd("show running-config").splitlines()
    assert "  address-space 10.7.0.0/16" in cfg
    assert "  address-space 10.7.128.0/17" not in cfg
    assert "  address-space 10.8.0.0/16" not in cfg
    rc, out = vtysh(router, NODE + ["no address-space 10.7.0.0/16"])
    assert rc == 0, out

    # The effective routes are recomputed a moment later.
    def check():
        try:
            assert_unchanged(before, snapshot(router), "after removing 10.7.0.0/16")
        except AssertionError as e:
            return str(e)
        return None

    vnetrs_topo.poll(check, "back as before", timeout=10)


def block_file(router, name, body):
    "A config file with one vnet-route-server block holding body's lines."
    path = logdir_path(name)
    text = "router bgp 65515\n vnet-route-server\n"
    text += "".join("  {}\n".format(line) for line in body)
    text += " exit\nexit\n"
    router.run("cat > {} << 'VNETRS_EOF'\n{}VNETRS_EOF".format(path, text))
    return path


FILE_CASES = [
    # (id, block lines, vtysh exit status, message fragments)
    (
        "validation-error",
        ["address-space 10.7.0.0/16", "address-space 10.1.5.0/24", "peer 10.1.0.20 remote-as 65020"],
        0,
        ["overlaps address-space 10.1.0.0/16", "dynamically grouped into the same transaction and rejected"],
    ),
    (
        "refused-before-validation",
        ["address-space 10.7.0.0/16", "address-space 10.1.0.1/24", "max-peers 9"],
        13,
        ["did you mean 10.1.0.0/24", "Discarded with it", "- " + "  address-space 10.7.0.0/16",
         "Not applied: an earlier line of this vnet-route-server block was refused"],
    ),
    (
        "vpn-one-address",
        ["max-peers 9", "gateway vpn 10.1.253.9", "address-space 10.7.0.0/16"],
        13,
        ["a VPN gateway must be active-active", "Discarded with it", "Not applied"],
    ),
    (
        "ninth-nva",
        ["address-space 10.7.0.0/16", "peer 10.1.0.20 remote-as 65020"],
        0,
        ["max-peers 8 reached", "rejected"],
    ),
]


@pytest.mark.parametrize("name,body,status,messages", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_vtysh_f_file_with_a_bad_line_applies_nothing(name, body, status, messages):
    router = rs1()
    path = block_file(router, name + ".conf", body)
    before = snapshot(router)
    rc, out = vtysh(router, [], args=["-f", path])
    count("multi-line")
    assert rc == status, "vtysh -f exit status {} (want {}):\n{}".format(rc, status, out)
    for m in messages:
        assert m in out, "vtysh -f: the output does not say '{}':\n{}".format(m, out)
    assert_unchanged(before, snapshot(router), "vtysh -f " + name)


def without_log_files(snap):
    """
    snap with no "log file" lines in its running-config. vtysh -b sends the
    saved config's global lines to every daemon: the three per-daemon "log
    file" lines of this (non-integrated) setup leave each daemon with the
    last one. That is vtysh's, not the module's; restore_log_files() undoes
    it.
    """
    snap = dict(snap)
    snap["running-config"] = "\n".join(
        l for l in snap["running-config"].splitlines() if not l.startswith("log file ")
    )
    return snap


def restore_log_files(router):
    for daemon in ("zebra", "bgpd", "staticd"):
        router.run("vtysh -d {0} -c 'conf t' -c 'log file {1}'".format(
            daemon, logdir_path(daemon + ".log")))


def saved_frr_conf(router, bad=None):
    """
    The full saved configuration (show running-config) as frr.conf, bad
    appended to the vnet-route-server block. At the block's end: the block
    is one transaction, validated as a whole, so a bad line before the
    saved line of the same peer would be overridden by it and nothing
    refused (what made "vtysh -b" silent with a bad line at the block's
    top).
    """
    lines = config_text(router.vtysh_cmd("show running-config")).splitlines()
    if bad:
        block = lines.index(" vnet-route-server")
        lines.insert(lines.index(" exit", block), "  " + bad)
    text = "\n".join(lines)
    router.run("cat > /etc/frr/frr.conf << 'VNETRS_EOF'\n{}\nVNETRS_EOF".format(text))
    return text


B_CASES = [
    # (id, line added to the saved block, vtysh -b exit status, messages)
    # A line refused by validation: vtysh 8.4 ignores the commit's result
    # (see the module's docstring), so it exits 0 and only says it.
    ("validation-error", "peer 10.1.0.10 remote-as 64500", 0,
     ["AS 64500 is reserved for documentation",
      "dynamically grouped into the same transaction and rejected"]),
    # A line the module refuses before validation: exit status 13.
    ("refused-before-validation", "address-space 10.1.0.1/24", 13,
     ["did you mean 10.1.0.0/24", "Discarded with it", "- " + "  address-space 10.1.0.0/16"]),
]


def test_vtysh_b_saved_frr_conf_loads_cleanly():
    "The saved configuration as frr.conf: vtysh -b exits 0, says nothing, changes nothing."
    router = rs1()
    wait_nva(router)  # the snapshot holds the live NVA's session
    text = saved_frr_conf(router)
    before = snapshot(router)
    rc, out = vtysh(router, [], args=["-b"])
    restore_log_files(router)
    router.run("rm -f /etc/frr/frr.conf")
    msg = "vtysh -b exit status {}, frr.conf:\n{}\noutput:\n{}".format(rc, text, out)
    out = vnetrs_topo.without_vtysh_b_progress(out)
    assert rc == 0 and out.strip() == "", msg
    assert_unchanged(without_log_files(before), without_log_files(snapshot(router)), "vtysh -b")


@pytest.mark.parametrize("name,bad,status,messages", B_CASES, ids=[c[0] for c in B_CASES])
def test_vtysh_b_frr_conf_with_a_bad_line_applies_nothing(name, bad, status, messages):
    """
    vtysh -b with an integrated frr.conf: the full saved configuration with
    a bad line added to the vnet-route-server block.
    """
    router = rs1()
    wait_nva(router)  # the snapshot holds the live NVA's session
    text = saved_frr_conf(router, bad)
    before = snapshot(router)
    rc, out = vtysh(router, [], args=["-b"])
    restore_log_files(router)
    router.run("rm -f /etc/frr/frr.conf")
    count("multi-line")
    msg = "vtysh -b exit status {} (want {}), frr.conf:\n{}\noutput:\n{}".format(rc, status, text, out)
    assert rc == status, msg
    for m in messages:
        assert m in out, msg
    assert_unchanged(without_log_files(before), without_log_files(snapshot(router)), "vtysh -b " + name)


def restart_bgpd(router, conf):
    router.run("cat > /etc/frr/bgpd.conf << 'VNETRS_EOF'\n{}\nVNETRS_EOF".format(conf))
    router.killDaemons(["bgpd"])
    router.startDaemons(["bgpd"])


def config_text(running):
    "A running-config as a config file (without vtysh's header lines)."
    return "\n".join(
        l for l in running.splitlines() if not l.startswith(("Building", "Current configuration"))
    )


def bgp_block(text):
    "The 'router bgp' block of a running-config."
    lines = text.splitlines()
    start = lines.index("router bgp 65515")
    return "\n".join(lines[start: lines.index("exit", start) + 1])


def wait_same_config(router, want, what, part=lambda text: text):
    want = part(want)

    def check():
        got = part(router.vtysh_cmd("show running-config"))
        if got == want:
            return None
        return "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), lineterm=""))

    vnetrs_topo.poll(check, what, timeout=30)


def wait_nva(router):
    vnetrs_topo.poll(
        lambda: None if nva_session(router).get("bgpState") == "Established"
        else nva_session(router).get("bgpState"),
        "NVA session back", timeout=60)


def test_running_config_loads_back_after_restart():
    "Saved running-config, bgpd restarted with it: the same running-config."
    router = rs1()
    saved = router.vtysh_cmd("show running-config")
    restart_bgpd(router, config_text(saved))
    wait_same_config(router, saved, "running-config after a restart with the saved one")
    wait_nva(router)
    # The SDN socket of the killed bgpd was stale: the new one took it over.
    assert "sdn.sock" in router.run("ls " + logdir_path())


def test_running_config_loads_back_through_vtysh_f():
    "Saved running-config applied with vtysh -f to an empty bgpd: the same."
    router = rs1()
    saved = router.vtysh_cmd("show running-config")
    path = logdir_path("saved.conf")
    router.run("cat > {} << 'VNETRS_EOF'\n{}\nVNETRS_EOF".format(path, config_text(saved)))
    restart_bgpd(router, "hostname rs1")
    assert "vnet-route-server" not in router.vtysh_cmd("show running-config")
    rc, out = vtysh(router, [], args=["-f", path])
    assert rc == 0, out
    # vtysh sends the saved "log file" lines to every daemon (the last one
    # wins): compare the BGP configuration.
    wait_same_config(router, saved, "running-config after vtysh -f of the saved one",
                     part=bgp_block)
    wait_nva(router)
