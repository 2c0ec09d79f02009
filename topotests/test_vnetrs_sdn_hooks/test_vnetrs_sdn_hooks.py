# SPDX-License-Identifier: GPL-2.0-or-later
"""
The SDN hook API (<vnetrs/sdn.h>): a second bgpd module, the example
consumer examples/sdn-logger, is loaded beside vnetrs and logs every batch
of effective-route changes to a file.

    rs1 10.1.0.4: bgpd -M vnetrs -M bgpd_vnetrs_sdnlog.so:LOG, AS 65515
    nva1 10.1.1.4: FRR NVA, AS 65001, announces 10.250.0.0/16
"""

import os

import pytest

from lib.topogen import Topogen, TopoRouter, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]


def sdnlog_module():
    "The example consumer: $VNETRS_SDNLOG_MODULE (the sanitized run's), else the built one."
    path = os.environ.get("VNETRS_SDNLOG_MODULE") or os.path.join(
        vnetrs_topo.REPO_DIR, "examples", "sdn-logger", ".libs", "bgpd_vnetrs_sdnlog.so"
    )
    if not os.path.isfile(path):
        raise RuntimeError("example consumer not built: " + path)
    return path


def log_path():
    return os.path.join(get_topogen().logdir, "rs1", "sdn-batches.log")


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "nva1"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    for name, router in tgen.routers().items():
        router.load_config(TopoRouter.RD_ZEBRA, os.path.join(CWD, name, "zebra.conf"))
        param = None
        if name == "rs1":
            param = "{} -M {}:{}".format(
                vnetrs_topo.vnetrs_bgpd_param(), sdnlog_module(), log_path()
            )
        router.load_config(TopoRouter.RD_BGP, os.path.join(CWD, name, "bgpd.conf"), param)
    tgen.start_router()


def teardown_module(mod):
    get_topogen().stop_topology()


def batches():
    """
    The batches logged so far: [(seq, kind, {prefix: line or None}, count)],
    checking that each is well formed (begin, routes, commit, same seq).
    """
    if not os.path.exists(log_path()):
        return []
    out, cur = [], None
    with open(log_path()) as f:
        for line in f.read().splitlines():
            words = line.split()
            if words[0] == "begin":
                assert cur is None, "begin inside a batch: " + line
                cur = (int(words[2]), words[3], {})
            elif words[0] == "route":
                cur[2][words[1]] = " ".join(words[2:])
            elif words[0] == "delete":
                cur[2][words[1]] = None
            elif words[0] == "commit":
                assert cur is not None and int(words[2]) == cur[0], line
                assert int(words[3]) == len(cur[2]), line
                out.append(cur + (int(words[3]),))
                cur = None
    return out


def table():
    "The table a consumer holds after applying every batch."
    t = {}
    for seq, kind, routes, _ in batches():
        if kind == "snapshot":
            t = {}
        for prefix, line in routes.items():
            if line is None:
                t.pop(prefix, None)
            else:
                t[prefix] = line
    return t


def test_consumer_gets_the_table():
    get_topogen().gears["rs1"]  # noqa: the topology is up
    want = {
        "10.1.0.0/16": "local -",
        "10.2.0.0/16": "local peered -",
        "10.250.0.0/16": "nva 10.1.1.4",
    }
    vnetrs_topo.poll(
        lambda: None if table() == want else (table(), batches()),
        "the consumer's table follows the effective routes",
        timeout=60,
    )
    seqs = [b[0] for b in batches()]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
    # The snapshot asked for after the configuration was read.
    assert any(kind == "snapshot" for _, kind, _, _ in batches())


def test_withdraw_and_address_space_changes_arrive_as_batches():
    nva1 = get_topogen().gears["nva1"]
    nva1.vtysh_cmd("conf t\nrouter bgp 65001\naddress-family ipv4 unicast\nno network 10.250.0.0/16")
    vnetrs_topo.poll(
        lambda: None if "10.250.0.0/16" not in table() else table(),
        "the withdrawn route is deleted at the consumer",
    )
    last = batches()[-1]
    assert last[1] == "changes" and last[2] == {"10.250.0.0/16": None}, last

    rs1 = get_topogen().gears["rs1"]
    rc, out = vnetrs_topo.rs_config(rs1, "address-space 10.3.0.0/16")
    assert rc == 0, out
    vnetrs_topo.poll(
        lambda: None if table().get("10.3.0.0/16") == "local -" else table(),
        "a new address space reaches the consumer",
    )
