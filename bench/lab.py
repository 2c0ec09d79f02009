# SPDX-License-Identifier: GPL-2.0-or-later
"""
The benchmark lab: network namespaces (prefix "vb-") on one bridge, FRR
bgpd feeders and sink, and the route-server contenders (bgpd + vnetrs,
plain bgpd, BIRD 2), with their configurations.

Addresses (VNet 10.1.0.0/16, one L2 segment):
  rs1 10.1.0.4, rs2 10.1.0.5, NVA i 10.1.1.(10+i) in AS 65000+i,
  sink 10.1.1.100 in AS 65100, VM 10.1.2.4 (vnetrs-agent).
"""

import os
import shutil
import signal
import subprocess
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRR = "/usr/lib/frr"
VTYSH = os.path.join(TOP, "vtysh", "vtysh")
# VNETRS_BENCH_MODULE: measure another build of the module (e.g. a patch
# in a separate work tree) with the same lab.
MODULE = os.environ.get("VNETRS_BENCH_MODULE") or \
    os.path.join(TOP, "frr-plugin", ".libs", "bgpd_vnetrs.so")
AGENT = os.path.join(TOP, "agent", "vnetrs-agent")
# The lab's files (configurations, logs, captures, per-run files): outside
# the checkout, where the daemons (user frr) can write whatever directory the
# checkout is in (a clone only root can read, as tools/demo.sh allows).
WORK = os.environ.get("VNETRS_BENCH_WORK") or "/var/tmp/vnetrs-bench"
# Extra options of the route servers' bgpd (those with zebra): "-n" with
# bench.py --no-fib.
RS_BGPD_ARGS = []

RS_AS = 65515
SINK_AS = 65100
VNET = "10.1.0.0/16"
RS_ADDR = {"rs1": "10.1.0.4", "rs2": "10.1.0.5"}
SINK_ADDR = "10.1.1.100"
VM_ADDR = "10.1.2.4"
AGENT_PROTO = 245
# The SDN stream over TLS: the module's default port, certificates made at
# bench time in PKI (see make_pki()).
SDN_TLS_PORT = 7179
PKI = os.path.join(WORK, "pki")

# Cores: rs1 (the route server measured) on one, everything else
# (feeders, sink, agent, tcpdump, this script, and rs2, the second
# instance of W1, as if on another machine) on the other.
RS_CPU = "1"
LOAD_CPU = "0"


def rs_cpu(rs):
    return RS_CPU if rs == "rs1" else LOAD_CPU


def nva_addr(i):
    return "10.1.1.%d" % (10 + i)


def nva_as(i):
    return 65000 + i


def ns(node):
    return "vb-" + node


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


def out(cmd, check=True, timeout=60):
    return subprocess.run(cmd, check=check, capture_output=True, text=True,
                          timeout=timeout).stdout


def nodedir(node):
    return os.path.join(WORK, node)


def vtysh(node, *cmds, check=False, timeout=60):
    args = [VTYSH, "--vty_socket", nodedir(node), "-d", "bgpd"]
    for c in cmds:
        args += ["-c", c]
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("vtysh %s %s: %s%s" % (node, cmds, r.stdout,
                                                  r.stderr))
    return r.stdout


def vtysh_file(node, path, timeout=600):
    r = subprocess.run([VTYSH, "--vty_socket", nodedir(node), "-d", "bgpd",
                        "-f", path], capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode


def pidof(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    """A process that runs (a zombie waiting for its reaper does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def started_with(pid, path):
    """Was pid started with path on its command line? Every daemon of the
    lab is given its pid file's path (-i, -P, --pidfile): a pid file left
    from an earlier run may name a pid reused since by anything else
    (pid_max is 32768 here), which must not be killed."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return os.fsencode(path) in args or \
        any(a.endswith(b"=" + os.fsencode(path)) for a in args)


def kill_pidfile(path, sig=signal.SIGTERM, wait=5.0):
    pid = pidof(path)
    if not pid or not alive(pid) or not started_with(pid, path):
        return
    try:
        os.kill(pid, sig)
    except OSError:
        return
    deadline = time.time() + wait
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


class Lab:
    """Namespaces and the FRR feeders/sink of one workload."""

    def __init__(self, workload, prefixes):
        self.w = workload
        self.prefixes = prefixes
        self.nodes = ["rs1"] + (["rs2"] if workload["rs"] == 2 else []) + \
            ["nva%d" % i for i in range(1, workload["nvas"] + 1)] + \
            ["sink", "vm"]

    # --- namespaces -------------------------------------------------------
    def addr(self, node):
        if node in RS_ADDR:
            return RS_ADDR[node]
        if node == "sink":
            return SINK_ADDR
        if node == "vm":
            return VM_ADDR
        return nva_addr(int(node[3:]))

    def route_servers(self):
        return [n for n in self.nodes if n.startswith("rs")]

    def nvas(self):
        return [n for n in self.nodes if n.startswith("nva")]

    def nva_set(self, node):
        """Index of the prefix set an NVA announces."""
        return (int(node[3:]) - 1) % self.w["sets"]

    def set_prefixes(self, k):
        n = self.w["per_nva"]
        return self.prefixes[k * n:(k + 1) * n]

    def create(self):
        destroy_all()
        os.makedirs(WORK, exist_ok=True)
        run(["ip", "netns", "add", ns("net")])
        run(["ip", "-n", ns("net"), "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", ns("net"), "link", "set", "br0", "up"])
        for node in self.nodes:
            run(["ip", "netns", "add", ns(node)])
            run(["ip", "-n", ns(node), "link", "set", "lo", "up"])
            run(["ip", "link", "add", "vb-" + node, "netns", ns("net"),
                 "type", "veth", "peer", "name", "eth0", "netns", ns(node)])
            run(["ip", "-n", ns("net"), "link", "set", "vb-" + node,
                 "master", "br0", "up"])
            run(["ip", "-n", ns(node), "addr", "add",
                 self.addr(node) + "/16", "dev", "eth0"])
            run(["ip", "-n", ns(node), "link", "set", "eth0", "up"])
            d = nodedir(node)
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        run(["chown", "-R", "frr:frr", WORK])

    # --- FRR feeders and sink -----------------------------------------------
    def start_bgpd(self, node, conf, zebra=False, module=False, cpu=LOAD_CPU):
        d = nodedir(node)
        with open(os.path.join(d, "bgpd.conf"), "w") as f:
            f.write(conf)
        if zebra:
            with open(os.path.join(d, "zebra.conf"), "w") as f:
                f.write("hostname %s\n" % node)
        run(["chown", "-R", "frr:frr", d])
        base = ["ip", "netns", "exec", ns(node), "taskset", "-c", cpu]
        if zebra:
            run(base + [FRR + "/zebra", "-d", "-f", d + "/zebra.conf",
                        "-i", d + "/zebra.pid", "-z", d + "/zserv.api",
                        "--vty_socket", d, "-P", "0",
                        "--log", "file:" + d + "/zebra.log"],
                stderr=subprocess.DEVNULL)
        args = [FRR + "/bgpd", "-d", "-f", d + "/bgpd.conf",
                "-i", d + "/bgpd.pid", "-z", d + "/zserv.api",
                "--vty_socket", d, "-P", "0",
                "--log", "file:" + d + "/bgpd.log"]
        if not zebra:
            args.append("-Z")
        else:
            args += RS_BGPD_ARGS
        if module:
            args += ["-M", MODULE]
        run(base + args, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            if "BGP router identifier" in vtysh(node, "show bgp summary") or \
                    "No BGP neighbors" in vtysh(node, "show bgp summary"):
                return
            time.sleep(0.1)
        raise RuntimeError("bgpd of %s does not answer" % node)

    def stop_node(self, node):
        d = nodedir(node)
        for daemon in ("bgpd", "zebra", "bird", "agent"):
            kill_pidfile(os.path.join(d, daemon + ".pid"))

    def feeder_conf(self, node):
        asn = nva_as(int(node[3:]))
        lines = ["hostname " + node, "router bgp %d" % asn,
                 " bgp router-id " + self.addr(node),
                 " no bgp ebgp-requires-policy",
                 " no bgp network import-check"]
        for rs in self.route_servers():
            a = RS_ADDR[rs]
            lines += [" neighbor %s remote-as %d" % (a, RS_AS),
                      " neighbor %s ebgp-multihop 255" % a,
                      " neighbor %s timers connect 1" % a,
                      " neighbor %s shutdown" % a]
        lines += [" address-family ipv4 unicast"]
        lines += ["  network " + p for p in
                  self.set_prefixes(self.nva_set(node))]
        # A feeder announces its own networks only, and keeps nothing of
        # what the route servers send it (it would re-advertise it to the
        # other instance, and its CPU goes to feeding).
        for rs in self.route_servers():
            lines += ["  neighbor %s route-map VB-OWN out" % RS_ADDR[rs],
                      "  neighbor %s route-map VB-NONE in" % RS_ADDR[rs]]
        lines += [" exit-address-family", "exit",
                  "bgp as-path access-list VB-LOCAL seq 5 permit ^$",
                  "route-map VB-OWN permit 10",
                  " match as-path VB-LOCAL", "exit",
                  "route-map VB-NONE deny 10", "exit", ""]
        return "\n".join(lines)

    def sink_conf(self):
        a = RS_ADDR["rs1"]
        return "\n".join([
            "hostname sink", "router bgp %d" % SINK_AS,
            " bgp router-id " + SINK_ADDR,
            " no bgp ebgp-requires-policy",
            " neighbor %s remote-as %d" % (a, RS_AS),
            " neighbor %s ebgp-multihop 255" % a,
            " neighbor %s timers connect 1" % a,
            # BIRD's "rs client" is transparent (adds no AS of its own):
            # FRR 10 checks the first AS by default, 8.4 did not.
            " no neighbor %s enforce-first-as" % a,
            " neighbor %s shutdown" % a,
            " address-family ipv4 unicast",
            "  neighbor %s route-map VB-NONE out" % a,
            " exit-address-family",
            "exit", "route-map VB-NONE deny 10", "exit", ""])

    def start_load(self):
        """Start the feeders and the sink, wait for their tables."""
        for node in self.nvas():
            self.start_bgpd(node, self.feeder_conf(node))
        self.start_bgpd("sink", self.sink_conf())
        want = self.w["per_nva"]
        deadline = time.time() + 600
        for node in self.nvas():
            while True:
                got = bgp_table_count(node)
                if got >= want:
                    break
                if time.time() > deadline:
                    raise RuntimeError("%s loaded %d of %d" % (node, got,
                                                               want))
                time.sleep(0.2)

    def feeders_session(self, up, nodes=None):
        """Enable (up) or shut every feeder's sessions, all at once."""
        procs = []
        for node in nodes or self.nvas():
            cmds = ["conf t", "router bgp %d" % nva_as(int(node[3:]))]
            for rs in self.route_servers():
                cmds.append(("no " if up else "") + "neighbor %s shutdown" %
                            RS_ADDR[rs])
            args = [VTYSH, "--vty_socket", nodedir(node), "-d", "bgpd"]
            for c in cmds:
                args += ["-c", c]
            procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        for p in procs:
            p.wait()

    def sink_session(self, up):
        vtysh("sink", "conf t", "router bgp %d" % SINK_AS,
              ("no " if up else "") + "neighbor %s shutdown" %
              RS_ADDR["rs1"])

    def destroy(self):
        destroy_all()


def make_pki():
    """A CA, a certificate per route-server instance (its address as IP
    SAN: the agent connects to tls://ADDR and checks it) and the agent's
    client certificate, all EC P-256 (quick to make, the handshake's cost
    is not what is measured), with the openssl CLI. Made again at each
    start: no key is kept from one run to the next. Returns {name:
    (crt, key)}."""
    shutil.rmtree(PKI, ignore_errors=True)
    os.makedirs(PKI)

    def ossl(*args):
        run(["openssl"] + list(args), cwd=PKI, capture_output=True)

    def newkey(name):
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", name + ".key", "-subj", "/CN=vb-" + name]

    ossl("req", "-x509", *newkey("ca"), "-out", "ca.crt", "-days", "2",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    leaves = {rs: "IP:" + a for rs, a in RS_ADDR.items()}
    leaves["agent"] = None
    for name, san in leaves.items():
        ossl("req", "-new", *newkey(name), "-out", name + ".csr")
        with open(os.path.join(PKI, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            if san:
                f.write("subjectAltName=%s\n" % san)
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
             "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".crt",
             "-days", "2", "-extfile", name + ".ext")
    # bgpd runs as frr and reads its certificate and key (bench keys only).
    run(["chown", "-R", "frr:frr", PKI])
    return {n: (os.path.join(PKI, n + ".crt"), os.path.join(PKI, n + ".key"))
            for n in ["ca"] + list(leaves)}


def bgp_table_count(node):
    import json
    try:
        j = json.loads(vtysh(node, "show bgp ipv4 unicast summary json") or
                       "{}")
    except ValueError:
        return -1
    return j.get("ipv4Unicast", j).get("ribCount", 0)


def our_pids():
    """Processes in our namespaces."""
    pids = set()
    try:
        names = out(["ip", "netns", "list"]).split()
    except subprocess.CalledProcessError:
        return pids
    for name in names:
        if not name.startswith("vb-"):
            continue
        for p in out(["ip", "netns", "pids", name], check=False).split():
            pids.add(int(p))
    return pids


def destroy_all():
    """Stop every process in a vb- namespace and delete the namespaces."""
    if os.path.isdir(WORK):
        for node in os.listdir(WORK):
            for daemon in ("bgpd", "zebra", "bird", "agent"):
                kill_pidfile(os.path.join(WORK, node, daemon + ".pid"),
                             sig=signal.SIGKILL, wait=2.0)
    for pid in our_pids():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for name in out(["ip", "netns", "list"], check=False).split():
        if name.startswith("vb-"):
            run(["ip", "netns", "del", name], check=False)
