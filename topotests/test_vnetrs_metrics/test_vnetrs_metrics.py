# SPDX-License-Identifier: GPL-2.0-or-later
"""
Prometheus metrics (docs/metrics.md), scraped by Debian's own prometheus.

The overview scenario of test_vnetrs_agent (its router configurations are
used as they are): rs1 10.1.0.4 and rs2 10.1.0.5 with SDN sockets, the
SD-WAN NVA 10.1.1.4 in front of onprem, the firewall 10.1.1.5 announcing
the default, and the VM running vnetrs-agent --metrics-file into a
textfile directory. On this machine's loopback, on free ports, as child
processes of the test with their files in the run directory:
- one vnetrs-exporter per route server (vtysh entered into the router's
  namespaces), and a third one pointed at the VM, which has no bgpd: the
  failing scrape (vnetrs_up 0);
- prometheus-node-exporter, textfile collector only, on the agent's file;
- prometheus, scraping the four every second.
After onprem announces more routes (one of them inside the VNet: rejected),
PromQL queries over prometheus' HTTP API must return what the route
servers and the VM's kernel hold, and promtool must find both outputs
clean.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from lib.topogen import Topogen, get_topogen
from lib.topolog import logger

import vnetrs_topo

CONFIGS = os.path.join(vnetrs_topo.TOPOTESTS_DIR, "test_vnetrs_agent")
EXPORTER = os.path.join(vnetrs_topo.REPO_DIR, "exporter", "vnetrs-exporter")

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

SDWAN, FIREWALL = "10.1.1.4", "10.1.1.5"
PROTO = 245
# onprem's extra prefixes, and one inside the VNet's 10.1.0.0/16, which the
# route servers reject (overlaps-vnet).
EXTRA = ["10.251.{}.0/24".format(i) for i in range(20)]
INSIDE = "10.1.200.0/24"
# Scrape and poll: prometheus scrapes every second; a value is there
# within a few scrapes (longer under valgrind in the sanitized run).
TIMEOUT = 90

PROCS = {}
PORTS = {}
# When onprem announced its routes (Unix time).
ANNOUNCED = {}


def build_topo(tgen):
    vnetrs_topo.build_overview_topo(tgen)


def sock(rs):
    return os.path.join(get_topogen().logdir, rs, "sdn.sock")


def mon_path(*names):
    "A file of the monitoring side, in the run's log directory."
    return os.path.join(get_topogen().logdir, "metrics", *names)


def free_port():
    "A TCP port free on 127.0.0.1 now (the kernel's choice)."
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, cmd):
    """
    A monitoring process of the test's own, logging to metrics/NAME.out:
    not NAME.log, which FRR 10's conftest reads after every test as ASCII
    (every <logdir>/*/*.log, looking for daemons' backtraces), and
    Prometheus's log is UTF-8.
    """
    log = open(mon_path(name + ".out"), "w")
    PROCS[name] = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()


def stop_all():
    for name, p in PROCS.items():
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
    PROCS.clear()


def vtysh_in(node):
    "vtysh run inside node's namespaces, as the exporter on that host would."
    return "/usr/bin/nsenter -a -t {} {}".format(node.net.pid, shutil.which("vtysh"))


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


def exporter_url(name):
    return "http://127.0.0.1:{}/metrics".format(PORTS[name])


def promql(query):
    "The samples of an instant query: {frozenset(labels.items()): value}."
    url = "http://127.0.0.1:{}/api/v1/query?{}".format(
        PORTS["prometheus"], urllib.parse.urlencode({"query": query})
    )
    _, body = http_get(url)
    data = json.loads(body)
    assert data["status"] == "success", data
    return {frozenset(r["metric"].items()): float(r["value"][1]) for r in data["data"]["result"]}


def expect_promql(query, want, what, timeout=TIMEOUT):
    """
    Poll prometheus until query gives exactly want: a number (one sample of
    that value) or {label value of key: number} with key given as want's
    "by" entry.
    """

    def check():
        try:
            got = promql(query)
        except OSError as e:
            return "prometheus: {}".format(e)
        if isinstance(want, dict):
            by = want["by"]
            have = {dict(k).get(by): v for k, v in got.items()}
            exp = {k: v for k, v in want.items() if k != "by"}
            return None if have == exp else "{} gives {}, want {}".format(query, have, exp)
        vals = list(got.values())
        return None if vals == [want] else "{} gives {}, want [{}]".format(query, got, want)

    vnetrs_topo.poll(check, what, timeout=timeout, wait=0.5)
    logger.info("PromQL %s = %s (%s)", query, want, what)


def kernel():
    return vnetrs_topo.kernel_routes(get_topogen().gears["vm"], proto=PROTO)


def write_prometheus_config():
    targets = {
        "vnetrs": ["127.0.0.1:{}".format(PORTS["rs1"]), "127.0.0.1:{}".format(PORTS["rs2"])],
        "vnetrs-no-bgpd": ["127.0.0.1:{}".format(PORTS["vm"])],
        "node": ["127.0.0.1:{}".format(PORTS["node"])],
    }
    with open(mon_path("prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
        for job, tgts in targets.items():
            f.write("  - job_name: {}\n    static_configs:\n      - targets: {}\n".format(job, json.dumps(tgts)))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CONFIGS, module_routers=("rs1", "rs2"))
    for rs in ("rs1", "rs2"):
        rc, out = vnetrs_topo.rs_config(tgen.gears[rs], "sdn listen unix " + sock(rs))
        assert rc == 0, out
    tgen.gears["onprem"].vtysh_cmd("conf t\nrouter bgp 65100\nno bgp network import-check")
    # A fresh TSDB: series of an earlier run would answer the queries.
    shutil.rmtree(mon_path(), ignore_errors=True)
    os.makedirs(mon_path("textfile"))
    pidfile, log = vnetrs_topo.agent_files()
    vnetrs_topo.start_agent(
        tgen.gears["vm"],
        [sock("rs1"), sock("rs2")],
        pidfile,
        log,
        extra=("--metrics-file", mon_path("textfile", "vnetrs-agent.prom")),
    )
    for name in ("rs1", "rs2", "vm", "node", "prometheus"):
        PORTS[name] = free_port()
    for name in ("rs1", "rs2", "vm"):
        start(
            "exporter-" + name,
            [
                "/usr/bin/python3",
                EXPORTER,
                "--listen",
                "127.0.0.1:{}".format(PORTS[name]),
                "--vtysh",
                vtysh_in(tgen.gears[name]),
            ],
        )
    start(
        "node-exporter",
        [
            "/usr/bin/prometheus-node-exporter",
            "--web.listen-address=127.0.0.1:{}".format(PORTS["node"]),
            "--collector.disable-defaults",
            "--collector.textfile",
            "--collector.textfile.directory=" + mon_path("textfile"),
        ],
    )
    write_prometheus_config()
    start(
        "prometheus",
        [
            "/usr/bin/prometheus",
            "--config.file=" + mon_path("prometheus.yml"),
            "--storage.tsdb.path=" + mon_path("prometheus-data"),
            "--web.listen-address=127.0.0.1:{}".format(PORTS["prometheus"]),
            "--storage.tsdb.retention.time=1h",
        ],
    )


def teardown_module(mod):
    stop_all()
    vnetrs_topo.stop_agent(vnetrs_topo.agent_files()[0])
    get_topogen().stop_topology()


def test_processes_run():
    for name, p in PROCS.items():
        assert p.poll() is None, "{} exited {} (see {})".format(name, p.returncode, mon_path(name + ".out"))
    expect_promql("sum(up)", 4, "prometheus scrapes the three exporters and node-exporter")


def test_vm_programmed():
    vnetrs_topo.router("vm")
    want = {"10.250.0.0/16": [SDWAN], "default": [FIREWALL]}
    vnetrs_topo.poll(lambda: None if kernel() == want else kernel(), "the VM's kernel holds the routes", timeout=60)


def test_nva_announces_routes():
    "onprem announces more prefixes through the SD-WAN NVA, one of them inside the VNet."
    onprem = get_topogen().gears["onprem"]
    lines = ["conf t", "router bgp 65100", "address-family ipv4 unicast"]
    lines += ["network " + p for p in EXTRA + [INSIDE]]
    ANNOUNCED["at"] = time.time()
    onprem.vtysh_cmd("\n".join(lines))
    want = {"10.250.0.0/16": [SDWAN], "default": [FIREWALL]}
    want.update({p: [SDWAN] for p in EXTRA})
    vnetrs_topo.poll(lambda: None if kernel() == want else len(kernel()), "the VM's kernel holds them", timeout=60)


def test_azure_peer_metrics():
    "Azure Route Server's three metrics, per route server (the target) and peer."
    learned = len(EXTRA) + 1
    expect_promql('count(vnetrs_peer_up{job="vnetrs"} == 1)', 4, "BGP Peer Status: 2 peers up on each route server")
    expect_promql(
        'sum by (instance) (vnetrs_peer_routes_learned{job="vnetrs",peer="%s",afi="ipv4"})' % SDWAN,
        {"by": "instance", "127.0.0.1:{}".format(PORTS["rs1"]): learned, "127.0.0.1:{}".format(PORTS["rs2"]): learned},
        "Count of Routes Learned from the SD-WAN NVA, on each route server",
    )
    expect_promql(
        'vnetrs_peer_routes_learned{peer="%s",afi="ipv4",instance="127.0.0.1:%d"}' % (FIREWALL, PORTS["rs1"]),
        1,
        "the firewall's default route",
    )
    expect_promql(
        'vnetrs_peer_up{peer="%s",instance="127.0.0.1:%d"}' % (SDWAN, PORTS["rs1"]),
        1,
        "the SD-WAN NVA's session, with its role",
    )
    assert [dict(k)["role"] for k in promql('vnetrs_peer_up{peer="%s"}' % SDWAN)] == ["nva", "nva"]
    # Advertised: what the module's own per-peer walk counts.
    for rs in ("rs1", "rs2"):
        router = get_topogen().gears[rs]
        for peer in (SDWAN, FIREWALL):
            n = vnetrs_topo.vtysh_json(
                router, "show bgp vnet-route-server peer {} advertised-routes json".format(peer)
            )["route-count"]
            assert n > 0
            expect_promql(
                'sum(vnetrs_peer_routes_advertised{peer="%s",instance="127.0.0.1:%d"})' % (peer, PORTS[rs]),
                n,
                "Count of Routes Advertised to {} by {}".format(peer, rs),
            )


def rejected_by_reason(rs, peer):
    "{reason: count} of peer's routes in rs's rejected-routes list (the module's other count)."
    data = vnetrs_topo.vtysh_json(get_topogen().gears[rs], "show bgp vnet-route-server rejected-routes json")
    counts = {}
    for r in data.get("routes", []):
        if r["peer"] == peer:
            counts[r["reason"]] = counts.get(r["reason"], 0) + 1
    return counts, data


def test_rejected_and_effective_metrics():
    "Rejected by reason: the same counts as the rejected-routes list, the route inside the VNet among them."
    for rs in ("rs1", "rs2"):
        for peer in (SDWAN, FIREWALL):
            query = 'vnetrs_peer_routes_rejected{peer="%s",instance="127.0.0.1:%d"} > 0' % (peer, PORTS[rs])

            def check():
                want, data = rejected_by_reason(rs, peer)
                if peer == SDWAN and not any(
                    r["prefix"] == INSIDE and r["reason"] == "overlaps-vnet" for r in data["routes"]
                ):
                    return "{} is not rejected as overlaps-vnet: {}".format(INSIDE, data)
                have = {dict(k)["reason"]: int(v) for k, v in promql(query).items()}
                return None if have == want else "{} gives {}, the list {}".format(query, have, want)

            vnetrs_topo.poll(check, "{}'s rejected routes of {} by reason".format(rs, peer), timeout=TIMEOUT, wait=0.5)
    expect_promql(
        'vnetrs_effective_routes{instance="127.0.0.1:%d"}' % PORTS["rs1"],
        {"by": "source", "local": 1, "nva": len(EXTRA) + 2, "expressroute": 0, "vpn": 0, "other": 0},
        "effective routes by source",
    )
    count = vnetrs_topo.vtysh_json(
        get_topogen().gears["rs1"], "show bgp vnet-route-server effective-routes json"
    )["route-count"]
    expect_promql('sum(vnetrs_effective_routes{instance="127.0.0.1:%d"})' % PORTS["rs1"], count, "as many as listed")


def test_sdn_consumer_metrics():
    for rs in ("rs1", "rs2"):
        inst = "127.0.0.1:{}".format(PORTS[rs])
        expect_promql('vnetrs_sdn_consumers{instance="%s"}' % inst, 1, "the agent is {}'s consumer".format(rs))
        expect_promql(
            'vnetrs_sdn_consumer_live{consumer="vm-agent",instance="%s"}' % inst, 1, "it is live on " + rs
        )
        expect_promql(
            'vnetrs_sdn_consumer_lag_seq{consumer="vm-agent",instance="%s"}' % inst,
            0,
            "it acknowledged every batch of " + rs,
        )
        # Every reason is there at 0 (the exporter fills in those that did
        # not happen yet): 2 for a Unix listener, 3 for drops.
        expect_promql('count(vnetrs_sdn_refused_total{instance="%s"})' % inst, 2, "refusal reasons on " + rs)
        expect_promql('sum(vnetrs_sdn_refused_total{instance="%s"})' % inst, 0, "nobody refused on " + rs)
        expect_promql('count(vnetrs_sdn_consumers_dropped_total{instance="%s"})' % inst, 3, "drop reasons on " + rs)
        expect_promql('sum(vnetrs_sdn_consumers_dropped_total{instance="%s"})' % inst, 0, "nobody dropped on " + rs)


def test_agent_metrics_match_the_kernel():
    n = len(kernel())
    assert n == len(EXTRA) + 2
    expect_promql('vnetrs_agent_routes_programmed{backend="kernel",table="254"}', n, "routes programmed = the kernel's")
    expect_promql('vnetrs_agent_routes_wanted{job="node"}', n, "routes wanted")
    expect_promql("vnetrs_agent_route_servers_connected", 2, "both route servers connected")
    expect_promql("vnetrs_agent_up", 1, "the agent runs")
    expect_promql("vnetrs_agent_operations_failed_total", 0, "no netlink error")
    expect_promql(
        "vnetrs_agent_last_sync_timestamp_seconds >= bool %f" % ANNOUNCED["at"],
        1,
        "the agent synced after the NVA announced its routes",
    )
    expect_promql(
        'sum(vnetrs_agent_route_server_seq) - sum(vnetrs_sdn_seq{job="vnetrs"})',
        0,
        "the agent has the last batch of both route servers",
    )


def test_restored_routes_are_counted():
    "A route someone else deletes: the agent puts it back and counts it."
    vm = get_topogen().gears["vm"]
    vm.run("ip route del {} proto {}".format(EXTRA[0], PROTO))
    expect_promql("vnetrs_agent_routes_restored_total", 1, "one route restored")
    assert EXTRA[0] in kernel()


def test_failed_scrape_is_up_0():
    "The VM has no bgpd: its exporter answers 200 with vnetrs_up 0, and says why."
    status, body = http_get(exporter_url("vm"))
    assert status == 200
    assert "\nvnetrs_up 0\n" in "\n" + body, body
    expect_promql('vnetrs_up{job="vnetrs-no-bgpd"}', 0, "the failing target is scraped with vnetrs_up 0")
    expect_promql('up{job="vnetrs-no-bgpd"}', 1, "the scrape itself worked")
    expect_promql('vnetrs_up{job="vnetrs"}', {"by": "instance", "127.0.0.1:{}".format(PORTS["rs1"]): 1, "127.0.0.1:{}".format(PORTS["rs2"]): 1}, "the route servers are up")
    with open(mon_path("exporter-vm.out")) as f:
        log = f.read()
    assert "scrape failed, vnetrs_up 0:" in log, log
    assert "Traceback" not in log, log


def test_promtool_check_metrics():
    "promtool check metrics is silent on the exporter's output and the agent's file."
    outputs = {"exporter": http_get(exporter_url("rs1"))[1]}
    with open(mon_path("textfile", "vnetrs-agent.prom")) as f:
        outputs["agent"] = f.read()
    for what, text in outputs.items():
        p = subprocess.run(
            ["/usr/bin/promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
        )
        assert p.returncode == 0 and not (p.stdout + p.stderr).strip(), "{}: {}{}\n{}".format(
            what, p.stdout, p.stderr, text
        )


def test_documented_queries_run():
    "Every example query of docs/metrics.md is valid PromQL for this prometheus; its prometheus.yml is valid."
    with open(os.path.join(vnetrs_topo.REPO_DIR, "docs", "metrics.md")) as f:
        text = f.read()
    block = text.split("```promql\n", 1)[1].split("```", 1)[0]
    queries = [l for l in block.splitlines() if l.strip() and not l.startswith("#")]
    assert len(queries) >= 10, block
    for q in queries:
        promql(q)
    # And its scrape configuration is one promtool accepts.
    path = mon_path("documented.yml")
    with open(path, "w") as f:
        f.write(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    p = subprocess.run(["/usr/bin/promtool", "check", "config", path], capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def test_agent_exit_says_up_0():
    "The agent's last write, as it exits: vnetrs_agent_up 0."
    vnetrs_topo.stop_agent(vnetrs_topo.agent_files()[0])
    expect_promql("vnetrs_agent_up", 0, "the agent's file says it exited")
