# SPDX-License-Identifier: GPL-2.0-or-later
"""
The overview scenario with its data plane: vnetrs-agent in the VM's
namespace, connected to both route-server instances' SDN sockets, programs
the VM's kernel; traffic follows (SPEC §5, issue 4).

    VNet 10.1.0.0/16: rs1 10.1.0.4, rs2 10.1.0.5 (AS 65515, bgpd -M vnetrs,
    "sdn listen unix <logdir>/rsN/sdn.sock"), sdwan 10.1.1.4 (AS 65001) in
    front of onprem 10.250.0.0/16, firewall 10.1.1.5 (AS 65002) announcing
    0.0.0.0/0 in front of internet 203.0.113.0/24, vm 10.1.2.4 running
    vnetrs-agent --connect rs1 --connect rs2.
"""

import os
import signal
import subprocess
import time

import pytest

from lib.topogen import Topogen, get_topogen

import vnetrs_topo

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

SDWAN, FIREWALL = "10.1.1.4", "10.1.1.5"
PROTO = 245
WANT = {"10.250.0.0/16": [SDWAN], "default": [FIREWALL]}


def build_topo(tgen):
    vnetrs_topo.build_overview_topo(tgen)


def sock(rs):
    return os.path.join(get_topogen().logdir, rs, "sdn.sock")


def agent_files():
    d = os.path.join(get_topogen().logdir, "vm")
    return os.path.join(d, "agent.pid"), os.path.join(d, "agent.log")


def start_agent():
    pidfile, log = agent_files()
    vm = get_topogen().gears["vm"]
    vm.run(
        "{} --connect {} --connect {} --name vm-agent --daemon --pidfile {} 2>>{}".format(
            vnetrs_topo.agent_binary(), sock("rs1"), sock("rs2"), pidfile, log
        )
    )
    vnetrs_topo.poll(
        lambda: None if os.path.exists(pidfile) else "no pidfile", "the agent starts", timeout=10
    )


def agent_pid():
    pidfile, _ = agent_files()
    with open(pidfile) as f:
        return int(f.read().strip())


def wait_reconciled(*rs):
    "Wait until the running agent reconciled the kernel with each of rs."
    _, log = agent_files()
    tag = "vnetrs-agent[{}]: reconcile (".format(agent_pid())

    def check():
        with open(log) as f:
            done = [l for l in f.read().splitlines() if tag in l]
        missing = [r for r in rs if not any(sock(r) + " snapshot" in l for l in done)]
        return missing or None

    vnetrs_topo.poll(check, "the agent reconciles with its route servers", timeout=30)


def stop_agent(sig=signal.SIGTERM):
    pidfile, _ = agent_files()
    if not os.path.exists(pidfile):
        return
    pid = agent_pid()
    gone = vnetrs_topo.agent_stop_pid(pid, sig, 10)
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    # An agent that outlives its stop would keep programming the VM under
    # the next test's feet: that is a failure, not something to step over.
    if not gone:
        pytest.fail("vnetrs-agent pid {} survives signal {}".format(pid, sig))


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1", "rs2"))
    for rs in ("rs1", "rs2"):
        rc, out = vnetrs_topo.rs_config(tgen.gears[rs], "sdn listen unix " + sock(rs))
        assert rc == 0, out
    start_agent()


def teardown_module(mod):
    stop_agent(signal.SIGKILL)
    get_topogen().stop_topology()


gear = vnetrs_topo.router


def kernel_routes():
    "The VM's kernel routes of the agent: {prefix: [gateways]}, and the raw lines."
    # Not gear(): while a route server is stopped on purpose, the
    # framework would count it as a failure.
    out = get_topogen().gears["vm"].run("ip -4 route show proto {}".format(PROTO))
    return vnetrs_topo.parse_kernel_routes(out), [l for l in out.splitlines() if l.strip()]


def wait_kernel(want, what, timeout=30):
    vnetrs_topo.poll(
        lambda: None if kernel_routes()[0] == want else kernel_routes()[0], what, timeout=timeout
    )


def test_agent_programs_the_vm():
    wait_kernel(WANT, "the VM's kernel holds the effective routes", timeout=60)
    data = vnetrs_topo.vtysh_json(gear("rs1"), "show bgp vnet-route-server sdn json")
    names = [c["name"] for c in data["listeners"][0]["consumers"]]
    assert names == ["vm-agent"], data


def test_traffic_goes_through_the_right_nva():
    vm = gear("vm")
    for dest, hop in (("10.250.0.1", SDWAN), ("203.0.113.1", FIREWALL)):
        vnetrs_topo.poll(
            lambda: None
            if vm.net.cmd_status("ping -c 1 -W 1 {}".format(dest), warn=False)[0] == 0
            else "no reply",
            "VM pings {}".format(dest),
        )
        trace = vm.run("traceroute -n -q 1 -w 1 -m 4 {}".format(dest))
        hops = [line.split()[1] for line in trace.splitlines()[1:] if line.split()]
        assert hops and hops[0] == hop, trace


def test_withdraw_leaves_the_vm_kernel():
    onprem = gear("onprem")
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 10.250.0.0/16")
    start = time.monotonic()
    wait_kernel({"default": [FIREWALL]}, "the withdrawn route leaves the VM's kernel")
    gone = time.monotonic() - start
    onprem.vtysh_cmd("conf t\nrouter bgp 65100\naddress-family ipv4 unicast\nnetwork 10.250.0.0/16")
    start = time.monotonic()
    wait_kernel(WANT, "the re-announced route is back in the VM's kernel")
    back = time.monotonic() - start
    # A figure for the note, not an assertion.
    print("withdraw reached the VM in {:.2f} s, announce in {:.2f} s".format(gone, back))


def test_agent_restart_gives_the_same_table_without_duplicates():
    before = kernel_routes()[1]
    stop_agent(signal.SIGKILL)
    # Killed, it leaves the routes: the VM keeps forwarding.
    assert kernel_routes()[1] == before
    start_agent()
    wait_reconciled("rs1", "rs2")
    wait_kernel(WANT, "same table after the agent restarts")
    assert kernel_routes()[1] == before, kernel_routes()[1]
    assert len(before) == len(set(before)) == 2, before


def test_one_route_server_stopped_the_vm_keeps_its_routes():
    rs1 = gear("rs1")
    rs1.vtysh_cmd("write memory")  # its configuration, SDN socket included
    rs1.killDaemons(["bgpd"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert kernel_routes()[0] == WANT, kernel_routes()
        time.sleep(0.25)
    rs1.startDaemons(["bgpd"])

    def reconnected():
        data = vnetrs_topo.vtysh_json(rs1, "show bgp vnet-route-server sdn json")
        names = [c["name"] for l in data.get("listeners", []) for c in l["consumers"]]
        return None if names == ["vm-agent"] else data

    vnetrs_topo.poll(reconnected, "the agent reconnects to rs1", timeout=60)
    wait_kernel(WANT, "same table with both instances back")


def test_once_prints_the_merged_table():
    out = gear("vm").run(
        "{} --once --connect {} --connect {}".format(vnetrs_topo.agent_binary(), sock("rs1"), sock("rs2"))
    )
    lines = set(out.split("\n"))
    assert "10.250.0.0/16 via {}".format(SDWAN) in lines, out
    assert "0.0.0.0/0 via {}".format(FIREWALL) in lines, out
    assert "10.1.0.0/16 local" in lines, out


def test_sigterm_leaves_routes_unless_asked():
    stop_agent(signal.SIGTERM)
    assert kernel_routes()[0] == WANT
    pidfile, log = agent_files()
    gear("vm").run(
        "{} --connect {} --remove-on-exit --daemon --pidfile {} 2>>{}".format(
            vnetrs_topo.agent_binary(), sock("rs2"), pidfile, log
        )
    )
    vnetrs_topo.poll(lambda: None if os.path.exists(pidfile) else "no pid", "agent up", timeout=10)
    wait_reconciled("rs2")
    stop_agent(signal.SIGTERM)
    wait_kernel({}, "--remove-on-exit removes the agent's routes", timeout=10)


def test_agent_refuses_a_route_server_it_does_not_trust():
    "Only route servers run by a trusted user, of the expected AS, are believed."
    vm = gear("vm")
    d = os.path.join(get_topogen().logdir, "vm", "untrusted")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o777)
    routes = os.path.join(d, "routes")
    with open(routes, "w") as f:
        f.write("10.66.0.0/16 10.1.1.4\n")
    fake = os.path.join(vnetrs_topo.REPO_DIR, "tests", "agent", "fake_rs")
    path = os.path.join(d, "sdn.sock")
    # A route server impersonated by an unprivileged user (nobody).
    proc = vm.popen(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         fake, "--listen", path, "--routes", routes, "--asn", "65515"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        vnetrs_topo.poll(lambda: None if os.path.exists(path) else "no socket", "fake_rs listens")
        os.chmod(path, 0o666)
        out = vm.run("{} --once --timeout 2 --connect {} 2>&1; echo rc=$?".format(vnetrs_topo.agent_binary(), path))
        assert "refusing the route server" in out and "uid 65534" in out, out
        assert "10.66.0.0/16" not in out.replace("rc=1", ""), out
        assert out.strip().endswith("rc=1"), out
        # Told to trust that user, it takes the routes ...
        out = vm.run("{} --once --timeout 2 --trust-user nobody --connect {} 2>/dev/null".format(vnetrs_topo.agent_binary(), path))
        assert "10.66.0.0/16 via 10.1.1.4" in out, out
    finally:
        proc.kill()
        proc.wait()
    # ... and a real route server of another AS than expected is refused.
    out = vm.run("{} --once --timeout 2 --expect-as 65001 --connect {} 2>&1; echo rc=$?".format(vnetrs_topo.agent_binary(), sock("rs1")))
    assert "not the expected AS 65001" in out and out.strip().endswith("rc=1"), out
    out = vm.run("{} --once --timeout 5 --expect-as 65515 --connect {} 2>/dev/null".format(vnetrs_topo.agent_binary(), sock("rs1")))
    assert "0.0.0.0/0 via {}".format(FIREWALL) in out, out
