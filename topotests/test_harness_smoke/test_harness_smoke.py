# SPDX-License-Identifier: GPL-2.0-or-later
"""
Harness smoke test: proves FRR's topotest framework runs here.

    r1 (AS 65515) --- s1 --- r2 (AS 65001)
    10.0.0.1/24               10.0.0.2/24
    lo 10.255.0.1/32

Plain eBGP between the installed zebra+bgpd, no vnetrs module. r1
announces 10.255.0.1/32; r2 must learn it from r1 and install it.
"""

import functools
import json
import os

import pytest

from lib import topotest
from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd]

PEERS = {"r1": "10.0.0.2", "r2": "10.0.0.1"}
PREFIX = "10.255.0.1/32"


def build_topo(tgen):
    "r1 and r2 on one switch."
    vnetrs_topo.add_segment(tgen, "s1", ("r1", "r2"))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD)


def teardown_module(mod):
    del mod
    get_topogen().stop_topology()


def _bgp_established(router, peer):
    output = json.loads(router.vtysh_cmd("show bgp summary json"))
    expected = {"ipv4Unicast": {"peers": {peer: {"state": "Established"}}}}
    return topotest.json_cmp(output, expected)


def test_bgp_session_established():
    tgen = get_topogen()
    if tgen.routers_have_failure():
        pytest.skip(tgen.errors)

    for rname, peer in sorted(PEERS.items()):
        router = tgen.gears[rname]
        check = functools.partial(_bgp_established, router, peer)
        _, result = topotest.run_and_expect(check, None, count=60, wait=0.5)
        assert result is None, "{}: session to {} not Established:\n{}".format(
            rname, peer, result
        )


def _route_learned(router):
    output = json.loads(router.vtysh_cmd("show bgp ipv4 unicast {} json".format(PREFIX)))
    expected = {
        "prefix": PREFIX,
        "paths": [
            {
                "valid": True,
                "bestpath": {"overall": True},
                "aspath": {"string": "65515"},
                "nexthops": [{"ip": "10.0.0.1"}],
            }
        ],
    }
    return topotest.json_cmp(output, expected)


def _route_installed(router):
    output = json.loads(router.vtysh_cmd("show ip route {} json".format(PREFIX)))
    expected = {
        PREFIX: [
            {
                "protocol": "bgp",
                "selected": True,
                "installed": True,
                "nexthops": [{"ip": "10.0.0.1", "active": True}],
            }
        ]
    }
    return topotest.json_cmp(output, expected)


def test_r2_learns_r1_network():
    tgen = get_topogen()
    if tgen.routers_have_failure():
        pytest.skip(tgen.errors)

    r2 = tgen.gears["r2"]
    check = functools.partial(_route_learned, r2)
    _, result = topotest.run_and_expect(check, None, count=60, wait=0.5)
    assert result is None, "r2: {} from r1 not in BGP table:\n{}".format(PREFIX, result)

    check = functools.partial(_route_installed, r2)
    _, result = topotest.run_and_expect(check, None, count=20, wait=0.5)
    assert result is None, "r2: {} not installed in RIB:\n{}".format(PREFIX, result)
