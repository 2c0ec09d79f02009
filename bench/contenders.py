# SPDX-License-Identifier: GPL-2.0-or-later
"""
The three route servers under test, each able to start in rs1/rs2 of a lab
and to answer the few questions the benchmark asks:

  vnetrs  bgpd -M vnetrs with zebra; the VM's kernel is programmed by
          vnetrs-agent from the SDN stream of every instance.
  vnetrs-tls  the same, the agent connected over TLS (sdn listen tls on
          the instance's address) instead of the Unix socket.
  plain   bgpd with zebra and the nearest native configuration (same
          neighbor settings, inbound route-map rejecting VNet overlaps and
          next hops outside the VNet, ECMP across NVAs); no module.
  bird    BIRD 2 with "rs client" peers, the kernel protocol exporting
          the BGP routes (ECMP merged) into its namespace's kernel.
"""

import json
import os
import re
import subprocess
import time

import lab as L


class Contender:
    name = "?"
    label = "?"
    has_agent = False
    only_recv = False

    def __init__(self, lab):
        self.lab = lab

    def limit(self):
        return self.lab.w["per_nva"] + 1000

    def kernel_ns(self):
        """Namespace whose kernel figure (b) is read from."""
        return L.ns("vm") if self.has_agent else L.ns("rs1")

    def kernel_label(self):
        return "VM kernel (agent)" if self.has_agent else \
            "route server's kernel"

    def pids(self, rs="rs1"):
        """{role: pid} of the route server's processes."""
        d = L.nodedir(rs)
        res = {}
        for daemon in ("bgpd", "zebra", "bird"):
            pid = L.pidof(os.path.join(d, daemon + ".pid"))
            if pid and L.alive(pid):
                res[daemon] = pid
        return res

    def stop(self):
        """Stop at once (SIGKILL) and flush what the daemons left in the
        kernels: the next contender starts from the same empty tables."""
        import signal
        for rs in self.lab.route_servers():
            for daemon in ("bgpd", "bird", "zebra"):
                L.kill_pidfile(os.path.join(L.nodedir(rs), daemon + ".pid"),
                               sig=signal.SIGKILL)
        L.kill_pidfile(os.path.join(L.nodedir("vm"), "agent.pid"),
                       sig=signal.SIGKILL)
        for n in self.lab.route_servers() + ["vm"]:
            for proto in ("bgp", "bird", str(L.AGENT_PROTO)):
                L.run(["ip", "-n", L.ns(n), "route", "flush", "proto",
                       proto], check=False, stderr=subprocess.DEVNULL,
                      stdout=subprocess.DEVNULL)
            L.run(["ip", "-n", L.ns(n), "nexthop", "flush"], check=False,
                  stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    # Counters read while the routes come in.
    def received(self):
        """Paths accepted from the NVAs by rs1."""
        j = bgp_summary("rs1")
        return sum(p.get("pfxRcd", 0) for a, p in j.items()
                   if a != L.SINK_ADDR)

    def effective(self):
        return None

    def sent(self):
        """Routes rs1 advertises, summed over its peers (the NVAs and the
        sink): the output side of the work."""
        j = bgp_summary("rs1")
        return sum(p.get("pfxSnt", 0) for p in j.values())

    def established(self, rs, addr):
        j = bgp_summary(rs, key="state")
        return j.get(addr) == "Established"


def bgp_summary(node, key="pfxRcd"):
    try:
        j = json.loads(L.vtysh(node, "show bgp ipv4 unicast summary json")
                       or "{}")
    except ValueError:
        return {}
    j = j.get("ipv4Unicast", j)
    peers = j.get("peers", {})
    if key == "state":
        return {a: p.get("state") for a, p in peers.items()}
    return peers


class Vnetrs(Contender):
    name = "vnetrs"
    label = "bgpd + vnetrs"
    has_agent = True

    def conf(self, rs):
        peers = self.lab.nvas()
        lines = ["hostname " + rs, "router bgp %d" % L.RS_AS,
                 " bgp router-id " + L.RS_ADDR[rs],
                 " vnet-route-server",
                 "  route-limit %d" % self.limit(),
                 "  max-peers %d" % (len(peers) + 1),
                 "  address-space " + L.VNET]
        for n in peers:
            i = int(n[3:])
            lines.append("  peer %s remote-as %d" % (L.nva_addr(i),
                                                      L.nva_as(i)))
        if rs == "rs1":
            lines.append("  peer %s remote-as %d description sink" %
                         (L.SINK_ADDR, L.SINK_AS))
        lines += ["  " + self.sdn_listen(rs), " exit", "exit", ""]
        return "\n".join(lines)

    # The SDN stream's transport: the Unix socket here, TLS in VnetrsTls.
    def sdn_listen(self, rs):
        return "sdn listen unix " + self.stream_name(rs)

    def stream_name(self, rs):
        """The instance's stream as the agent names it in its log."""
        return os.path.join(L.nodedir(rs), "sdn.sock")

    def agent_connect(self):
        args = []
        for rs in self.lab.route_servers():
            args += ["--connect", self.stream_name(rs)]
        return args

    def start(self):
        for rs in self.lab.route_servers():
            self.lab.start_bgpd(rs, self.conf(rs), zebra=True, module=True,
                                cpu=L.rs_cpu(rs))
        d = L.nodedir("vm")
        log = open(os.path.join(d, "agent.log"), "w")
        args = ["ip", "netns", "exec", L.ns("vm"), "taskset", "-c",
                L.LOAD_CPU, L.AGENT]
        args += self.agent_connect()
        args += ["--name", "vb-vm", "--daemon", "--pidfile",
                 os.path.join(d, "agent.pid")]
        subprocess.run(args, stderr=log, check=True)
        log.close()
        # Ready when the agent has every instance's snapshot.
        deadline = time.time() + 30
        want = len(self.lab.route_servers())
        while time.time() < deadline:
            with open(os.path.join(d, "agent.log")) as f:
                if f.read().count(": snapshot seq") >= want:
                    return
            time.sleep(0.1)
        raise RuntimeError("vnetrs-agent got no snapshot")

    def pids(self, rs="rs1"):
        # The agent's CPU too: what the stream costs at the VM's end (a
        # TLS stream is decrypted there).
        res = super().pids(rs)
        pid = L.pidof(os.path.join(L.nodedir("vm"), "agent.pid"))
        if pid and L.alive(pid):
            res["agent"] = pid
        return res

    def effective(self):
        try:
            j = json.loads(L.vtysh("rs1", "show bgp vnet-route-server json")
                           or "{}")
        except ValueError:
            return -1
        return j.get("effective-route-count", -1)


class VnetrsTls(Vnetrs):
    """vnetrs with the agent on the SDN stream over TLS 1.3: TCP from the
    VM's namespace to the instance's address over the lab's bridge, mutual
    certificates (made at start), as an agent on another host would."""
    name = "vnetrs-tls"
    label = "bgpd + vnetrs, SDN over TLS"

    def start(self):
        self.pki = L.make_pki()
        super().start()

    def sdn_listen(self, rs):
        crt, key = self.pki[rs]
        return "sdn listen tls %s port %d certificate %s key %s ca %s" % (
            L.RS_ADDR[rs], L.SDN_TLS_PORT, crt, key, self.pki["ca"][0])

    def stream_name(self, rs):
        return "tls://%s:%d" % (L.RS_ADDR[rs], L.SDN_TLS_PORT)

    def agent_connect(self):
        # The URL's address is checked against the instance certificate's
        # IP SAN: no --server-name.
        args = super().agent_connect()
        crt, key = self.pki["agent"]
        return args + ["--cert", crt, "--key", key, "--ca", self.pki["ca"][0]]


class Plain(Contender):
    name = "plain"
    label = "plain bgpd"

    def conf(self, rs):
        peers = [(L.nva_addr(int(n[3:])), L.nva_as(int(n[3:])))
                 for n in self.lab.nvas()]
        if rs == "rs1":
            peers.append((L.SINK_ADDR, L.SINK_AS))
        lines = ["hostname " + rs, "router bgp %d" % L.RS_AS,
                 " bgp router-id " + L.RS_ADDR[rs],
                 " no bgp ebgp-requires-policy",
                 " no bgp network import-check",
                 " bgp bestpath as-path multipath-relax"]
        for a, asn in peers:
            lines += [" neighbor %s remote-as %d" % (a, asn),
                      " neighbor %s ebgp-multihop 255" % a,
                      " neighbor %s timers 60 180" % a]
        lines += [" address-family ipv4 unicast",
                  "  network " + L.VNET,
                  "  maximum-paths 8"]
        for a, _ in peers:
            lines += ["  neighbor %s soft-reconfiguration inbound" % a,
                      "  neighbor %s maximum-prefix %d" % (a, self.limit()),
                      "  neighbor %s attribute-unchanged next-hop" % a,
                      "  neighbor %s route-map VB-IN in" % a]
        lines += [" exit-address-family", "exit",
                  "ip prefix-list VB-VNET seq 5 permit %s le 32" % L.VNET,
                  "route-map VB-IN deny 10",
                  " match ip address prefix-list VB-VNET",
                  "exit",
                  "route-map VB-IN permit 20",
                  " match ip next-hop prefix-list VB-VNET",
                  "exit", ""]
        return "\n".join(lines)

    def start(self):
        for rs in self.lab.route_servers():
            self.lab.start_bgpd(rs, self.conf(rs), zebra=True,
                                cpu=L.rs_cpu(rs))


class Bird(Contender):
    name = "bird"
    label = "BIRD 2 (rs client)"

    def conf(self, rs):
        peers = [("nva%d" % int(n[3:]), L.nva_addr(int(n[3:])),
                  L.nva_as(int(n[3:]))) for n in self.lab.nvas()]
        if rs == "rs1":
            peers.append(("sink", L.SINK_ADDR, L.SINK_AS))
        d = L.nodedir(rs)
        c = """log "%(d)s/bird.log" { info, warning, error, fatal };
router id %(rid)s;
protocol device { }
protocol direct { ipv4; interface "eth0"; }
protocol static vnet { ipv4; route %(vnet)s unreachable; }
protocol kernel kernel4 {
	merge paths on;
	ipv4 { import none; export where source = RTS_BGP; };
}
filter vb_in {
	if net ~ [ %(vnet)s+ ] then reject;
	if !(bgp_next_hop ~ %(vnet)s) then reject;
	accept;
}
template bgp nva {
	local %(rid)s as %(as)d;
	multihop;
	rs client;
	hold time 180;
	keepalive time 60;
	enable extended messages on;
	ipv4 {
		import filter vb_in;
		import keep filtered on;
		import limit %(limit)d action disable;
		export all;
		next hop keep;
	};
}
""" % {"d": d, "rid": L.RS_ADDR[rs], "vnet": L.VNET, "as": L.RS_AS,
            "limit": self.limit()}
        for name, a, asn in peers:
            c += "protocol bgp %s from nva { neighbor %s as %d; }\n" % (
                name, a, asn)
        return c

    def sock(self, rs="rs1"):
        return os.path.join(L.nodedir(rs), "bird.ctl")

    def birdc(self, *args, rs="rs1"):
        r = subprocess.run(["birdc", "-s", self.sock(rs)] + list(args),
                           capture_output=True, text=True, timeout=60)
        return r.stdout

    def start(self):
        for rs in self.lab.route_servers():
            d = L.nodedir(rs)
            with open(os.path.join(d, "bird.conf"), "w") as f:
                f.write(self.conf(rs))
            L.run(["ip", "netns", "exec", L.ns(rs), "taskset", "-c",
                   L.rs_cpu(rs), "bird", "-c", d + "/bird.conf", "-s",
                   self.sock(rs), "-P", d + "/bird.pid"])
            deadline = time.time() + 30
            while "BIRD" not in self.birdc("show status", rs=rs):
                if time.time() > deadline:
                    raise RuntimeError("BIRD does not answer")
                time.sleep(0.1)

    def received(self):
        text = self.birdc("show protocols all")
        total = 0
        proto = None
        for line in text.splitlines():
            m = re.match(r"^(\S+)\s+BGP\s", line)
            if m:
                proto = m.group(1)
                continue
            m = re.match(r"^\s+Routes:\s+(\d+) imported", line)
            if m and proto and proto.startswith("nva"):
                total += int(m.group(1))
                proto = None
        return total

    def sent(self):
        total = 0
        for line in self.birdc("show protocols all").splitlines():
            m = re.match(r"^\s+Routes:\s+\d+ imported, (?:\d+ filtered, )?"
                         r"(\d+) exported", line)
            if m:
                total += int(m.group(1))
        return total

    def established(self, rs, addr):
        text = self.birdc("show protocols", rs=rs)
        name = "sink" if addr == L.SINK_ADDR else \
            "nva%d" % (int(addr.split(".")[-1]) - 10)
        for line in text.splitlines():
            f = line.split()
            if f and f[0] == name:
                return "Established" in line
        return False


class Feed(Contender):
    """The feeders alone: a bgpd that only receives (no zebra, nothing
    advertised), to show how fast the feeders deliver."""
    name = "feed"
    label = "feeders alone (receive-only bgpd)"
    only_recv = True

    def conf(self, rs):
        peers = [(L.nva_addr(int(n[3:])), L.nva_as(int(n[3:])))
                 for n in self.lab.nvas()]
        if rs == "rs1":
            peers.append((L.SINK_ADDR, L.SINK_AS))
        lines = ["hostname " + rs, "router bgp %d" % L.RS_AS,
                 " bgp router-id " + L.RS_ADDR[rs],
                 " no bgp ebgp-requires-policy"]
        for a, asn in peers:
            lines += [" neighbor %s remote-as %d" % (a, asn),
                      " neighbor %s ebgp-multihop 255" % a]
        lines += [" address-family ipv4 unicast"]
        for a, _ in peers:
            lines += ["  neighbor %s route-map VB-NONE out" % a]
        lines += [" exit-address-family", "exit",
                  "route-map VB-NONE deny 10", "exit", ""]
        return "\n".join(lines)

    def start(self):
        for rs in self.lab.route_servers():
            self.lab.start_bgpd(rs, self.conf(rs), cpu=L.rs_cpu(rs))


CONTENDERS = {"vnetrs": Vnetrs, "vnetrs-tls": VnetrsTls, "plain": Plain,
              "bird": Bird, "feed": Feed}
