# SPDX-License-Identifier: GPL-2.0-or-later
"""
The SDN stream ("sdn listen unix PATH", docs/sdn-protocol.md) with several
consumers, well-behaved and not.

    rs1 10.1.0.4: bgpd -M vnetrs, AS 65515, streams on <logdir>/rs1/sdn.sock
    nva1 10.1.1.4 (AS 65001), nva2 10.1.1.6 (AS 65011): 10.250.0.0/16 (ECMP)

The consumers are vnetrs_sdn_client.SdnClient, a decoder written from the
protocol document; a misbehaving one sends garbage, one stops reading, and
hundreds connect and leave.
"""

import json
import os
import socket
import threading
import time

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_sdn_client
import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

ECMP = ("nva", ["10.1.1.4", "10.1.1.6"])
_clients = {}


def build_topo(tgen):
    for name in ("rs1", "nva1", "nva2"):
        tgen.add_router(name)
    sw = tgen.add_switch("vnet")
    for name in ("rs1", "nva1", "nva2"):
        sw.add_link(tgen.gears[name])


def sock_path():
    return os.path.join(get_topogen().logdir, "rs1", "sdn.sock")


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1",))
    rc, out = vnetrs_topo.rs_config(tgen.gears["rs1"], "sdn listen unix " + sock_path())
    assert rc == 0, out


def teardown_module(mod):
    for c in _clients.values():
        c.close()
    get_topogen().stop_topology()


def rs1():
    tgen = get_topogen()
    if tgen.routers_have_failure():
        pytest.skip(tgen.errors)
    return tgen.gears["rs1"]


def sdn_json():
    return vnetrs_topo.vtysh_json(rs1(), "show bgp vnet-route-server sdn json")


def nva_network(name, asn, present):
    get_topogen().gears[name].vtysh_cmd(
        "conf t\nrouter bgp {}\naddress-family ipv4 unicast\n{}network 10.250.0.0/16".format(
            asn, "" if present else "no "
        )
    )


def follow(client, want, what, timeout=30):
    def check():
        client.pump(0.2)
        return None if client.table == want else client.table

    vnetrs_topo.poll(check, what, timeout=timeout, wait=0)


def test_socket_is_private_to_frr():
    rs1()
    st = os.stat(sock_path())
    assert oct(st.st_mode & 0o777) == "0o660", oct(st.st_mode)
    assert "sdn listen unix " + sock_path() in rs1().vtysh_cmd("show running-config")
    # Another user cannot connect: a hard link in an open directory leaves
    # only the socket's own mode in the way.
    d = os.path.join(get_topogen().logdir, "open")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o777)
    link = os.path.join(d, "sdn.sock")
    if os.path.exists(link):
        os.unlink(link)
    os.link(sock_path(), link)
    out = rs1().run(
        "setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c "
        "'import socket; socket.socket(socket.AF_UNIX).connect(\"{}\")' 2>&1; echo rc=$?".format(link)
    )
    assert "PermissionError" in out and "rc=1" in out, out


def test_consumer_gets_hello_and_snapshot():
    c = _clients["a"] = vnetrs_sdn_client.SdnClient(sock_path(), "consumer-a")
    follow(
        c,
        {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP},
        "consumer A's table: the VNet and the ECMP route",
        timeout=60,
    )
    assert c.server_hello["asn"] == 65515
    assert c.server_hello["router-id"] == "10.1.0.4"
    assert c.seqs[0][1] is True, c.seqs  # the first batch is a snapshot
    consumers = sdn_json()["listeners"][0]["consumers"]
    assert [x["name"] for x in consumers] == ["consumer-a"], consumers


def test_changes_arrive_as_batches_with_increasing_seq():
    c = _clients["a"]
    nva_network("nva2", 65011, False)
    follow(
        c,
        {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ("nva", ["10.1.1.4"])},
        "one ECMP member withdrawn",
    )
    nva_network("nva1", 65001, False)
    follow(c, {"10.1.0.0/16": ("local", [])}, "the route deleted")
    nva_network("nva1", 65001, True)
    nva_network("nva2", 65011, True)
    follow(c, {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP}, "back")
    seqs = [s for s, _, _ in c.seqs]
    assert seqs == sorted(set(seqs)), seqs


def test_garbage_is_refused_and_changes_nothing():
    before = sdn_json()["listeners"][0]["dropped-error"]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path())
    s.settimeout(10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: rs1\r\n\r\n" + b"\xff" * 64)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    # At most the server's HELLO, then the door.
    assert not data or data[5] == vnetrs_sdn_client.HELLO, data[:16].hex()
    vnetrs_topo.poll(
        lambda: None
        if sdn_json()["listeners"][0]["dropped-error"] == before + 1
        else sdn_json(),
        "the garbage consumer is counted as dropped",
    )
    follow(_clients["a"], {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP}, "A untouched")


def test_stalled_consumer_disturbs_nothing():
    stalled = _clients["stalled"] = vnetrs_sdn_client.SdnClient(sock_path(), "stalled")
    a = _clients["a"]
    for _ in range(10):
        nva_network("nva2", 65011, False)
        follow(a, {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ("nva", ["10.1.1.4"])}, "flap")
        nva_network("nva2", 65011, True)
        follow(a, {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP}, "flap back")
    # BGP is unaffected and the stalled consumer is still there.
    state = vnetrs_topo.vtysh_json(rs1(), "show bgp vnet-route-server json")
    assert all(p["state"] == "Established" for p in state["peers"]), state
    names = [x["name"] for x in sdn_json()["listeners"][0]["consumers"]]
    assert "stalled" in names, names
    # Once it reads, it catches up.
    follow(stalled, a.table, "the stalled consumer catches up when it reads")


def sdn_memory():
    "bgpd's allocations of the SDN stream: {memory type: count in use}."
    out = rs1().vtysh_cmd("show memory bgpd")
    counts = {}
    for line in out.splitlines():
        if line.strip().startswith("vnetrs SDN"):
            name, _, rest = line.partition(":")
            counts[name.strip()] = int(rest.split()[0])
    return counts


def test_hundreds_of_connections_come_and_go():
    before = sdn_json()["listeners"][0]["connections"]
    rounds, rss = 500, []
    for i in range(rounds):
        c = vnetrs_sdn_client.SdnClient(sock_path(), "churn-{}".format(i), hello=i % 2 == 0)
        c.close()
        if i in (99, rounds - 1):
            vnetrs_topo.poll(
                lambda: None if len(sdn_json()["listeners"][0]["consumers"]) == 2 else sdn_json(),
                "connections cleaned up",
            )
            rss.append(vnetrs_topo.bgpd_rss_kib(rs1()))
    vnetrs_topo.poll(
        lambda: None
        if sdn_json()["listeners"][0]["connections"] == before + rounds
        and len(sdn_json()["listeners"][0]["consumers"]) == 2
        else sdn_json(),
        "{} connections accepted and cleaned up".format(rounds),
    )
    # Memory stays bounded: one consumer structure per live consumer, and
    # bgpd does not grow with the churn (after 100 and after 500).
    mem = sdn_memory()
    assert mem.get("vnetrs SDN consumer") == 2, mem
    # (Under AddressSanitizer freed memory is held back on purpose: its
    # leak check covers this there.)
    if not vnetrs_topo.sanitize_mode():
        assert rss[1] - rss[0] < 4096, rss
    print("bgpd RSS after 100 and {} connections: {} KiB".format(rounds, rss))
    follow(_clients["a"], {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP}, "A untouched")


def many_networks(present, count=3000):
    "nva1 announces (or withdraws) count /32s in one vtysh run (under route-limit)."
    tgen = get_topogen()
    path = os.path.join(tgen.logdir, "nva1", "networks.cmds")
    lines = ["configure terminal", "router bgp 65001", "address-family ipv4 unicast"]
    for i in range(count):
        lines.append(
            "{}network 10.100.{}.{}/32".format("" if present else "no ", i // 250, i % 250 + 1)
        )
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    tgen.gears["nva1"].run("vtysh -f {}".format(path))


def test_stuck_consumer_is_dropped_and_resyncs():
    small = os.path.join(get_topogen().logdir, "rs1", "small.sock")
    rc, out = vnetrs_topo.rs_config(rs1(), "sdn listen unix {} queue-limit 64".format(small))
    assert rc == 0, out
    assert "sdn listen unix {} queue-limit 64".format(small) in rs1().vtysh_cmd(
        "show running-config"
    )
    stuck = vnetrs_sdn_client.SdnClient(small, "stuck")
    good = vnetrs_sdn_client.SdnClient(small, "good")
    follow(good, {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP}, "good consumer's snapshot")

    def listener():
        return [x for x in sdn_json()["listeners"] if x["path"] == small][0]

    # The good consumer reads all along, from a thread, while nva1 floods.
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            good.pump(0.05)

    def wait_table(size):
        deadline = time.monotonic() + 60
        while len(good.table) != size and time.monotonic() < deadline:
            time.sleep(0.1)

    # The kernel's socket buffers take a few hundred KiB before the
    # route server's queue grows: flap until the stuck consumer is gone.
    t = threading.Thread(target=reader)
    t.start()
    try:
        for _ in range(10):
            many_networks(True)
            wait_table(3002)
            if listener()["dropped-slow"]:
                break
            many_networks(False)
            wait_table(2)
    finally:
        stop.set()
        t.join()
    vnetrs_topo.poll(
        lambda: good.pump(0.2) or (None if len(good.table) == 3002 else len(good.table)),
        "the good consumer follows 3000 routes coming and going",
        timeout=60,
        wait=0,
    )
    vnetrs_topo.poll(
        lambda: None if listener()["dropped-slow"] == 1 else listener(),
        "the consumer that never reads is dropped when its queue passes 64 KiB",
    )
    assert [x["name"] for x in listener()["consumers"]] == ["good"], listener()
    # Reconnected, it starts over from a snapshot of the whole table.
    again = vnetrs_sdn_client.SdnClient(small, "stuck-again")
    follow(again, good.table, "the reconnected consumer resyncs", timeout=60)
    assert not good.closed
    assert again.seqs[0][1] is True
    stuck.close()

    many_networks(False)
    want = {"10.1.0.0/16": ("local", []), "10.250.0.0/16": ECMP}
    follow(good, want, "the withdrawals reach the good consumer", timeout=60)
    follow(again, want, "and the resynced one", timeout=60)
    assert listener()["dropped-slow"] == 1, listener()
    again.close()
    good.close()
    rc, out = vnetrs_topo.rs_config(rs1(), "no sdn listen unix " + small)
    assert rc == 0, out


def test_no_sdn_listen_disconnects_and_removes_the_socket():
    rc, out = vnetrs_topo.rs_config(rs1(), "no sdn listen unix " + sock_path())
    assert rc == 0, out
    a = _clients["a"]
    vnetrs_topo.poll(lambda: a.pump(0.2) or (None if a.closed else "still open"), "disconnected")
    assert not os.path.exists(sock_path())
    rc, out = vnetrs_topo.rs_config(rs1(), "sdn listen unix /nonexistent-dir/sdn.sock")
    assert rc != 0 and "/nonexistent-dir/sdn.sock" in out, out
    assert "sdn listen" not in rs1().vtysh_cmd("show running-config")
    # Neither the removed listener nor the refused one is in the operational
    # state: no listener is left at all.
    assert sdn_json()["listeners"] == [], sdn_json()
