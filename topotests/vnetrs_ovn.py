# SPDX-License-Identifier: GPL-2.0-or-later
"""
An OVN lab for the topotests: Debian's real OVN and OVS daemons in the
network namespace of one topogen gear (the "hypervisor", which also plays
the OVN central node), and other gears' namespaces attached to logical
switch ports through veth pairs.

    lab = vnetrs_ovn.OvnLab(tgen.gears["hv"])
    lab.start()                      # six daemons, each with its own files
    lab.add_router("vnet")
    lab.add_switch("ls-vm", "vnet", "02:00:00:00:02:01", ["10.1.2.1/24"])
    lab.attach(tgen.gears["vm1"], "ls-vm", "vm1", "02:00:00:01:02:04",
               ["10.1.2.4/24"], routes=[("default", "10.1.2.1")])
    lab.wait_bound()                 # every logical port is up
    lab.nbctl("lr-route-list", "vnet")
    lab.stop()                       # also done by the gear's stop()

The daemons: ovsdb-server three times (the Open_vSwitch database, OVN's
northbound and southbound databases), ovn-northd, ovs-vswitchd and
ovn-controller. Their databases, sockets, pid files, control sockets and
logs live under one directory of the run (<logdir>/<gear>/ovn by
default), never in /var/run/openvswitch or /var/run/ovn: another lab (or a
real OVS) can run beside this one.

Things to know (OVS 3.1, OVN 23.03, this kernel):

* The kernel has no openvswitch module: br-int uses the userspace
  datapath (datapath_type=netdev). A namespace is attached by a veth pair
  whose outer end is an OVS system port of br-int bound to the logical
  port (external_ids:iface-id), and whose inner end, in the namespace,
  has the logical port's MAC and addresses.
* TCP across the userspace datapath needs TX checksum offload off on the
  inner end ("ethtool -K DEV tx off"): the packets are otherwise forwarded
  with their checksums unfilled; ping works, BGP never comes up.
* ovn-controller has no --unixctl option: its control socket is
  <OVN_RUNDIR>/ovn-controller.PID.ctl.
* A daemon stopped with SIGTERM may stay a zombie until its parent reaps
  it: stop() waits until the process has exited (zombie or gone).
"""

import atexit
import glob
import json
import logging
import os
import shlex
import signal
import time

import vnetrs_topo

logger = logging.getLogger("vnetrs_ovn")

BRIDGE = "br-int"
SYSTEM_ID = "hv1"

_SCHEMAS = {
    "conf": "/usr/share/openvswitch/vswitch.ovsschema",
    "nb": "/usr/share/ovn/ovn-nb.ovsschema",
    "sb": "/usr/share/ovn/ovn-sb.ovsschema",
}

_live = set()  # OvnLab instances with daemons started, for the atexit hook


class OvnError(Exception):
    "The OVN lab could not be started, configured or queried."


def _read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


class OvnLab:
    """
    OVN and OVS daemons in the network namespace of node (a topogen gear),
    with their files under rundir (None: <logdir>/<node>/ovn).
    """

    DAEMONS = ("ovsdb-conf", "ovsdb-nb", "ovsdb-sb", "ovn-northd", "ovs-vswitchd", "ovn-controller")

    def __init__(self, node, rundir=None):
        self.node = node
        if rundir is None:
            rundir = os.path.join(node.logdir, node.name, "ovn")
        self.dir = os.path.abspath(rundir)
        self.run_dir = os.path.join(self.dir, "run")
        self.log_dir = os.path.join(self.dir, "log")
        self.db_dir = os.path.join(self.dir, "db")
        self.ports = {}  # lsp -> (gear, inner ifname, outer ifname)
        self._hooked = False
        longest = os.path.join(self.run_dir, "ovn-controller.4194304.ctl")
        if len(longest) > 107:
            raise OvnError("run directory too long for AF_UNIX sockets: " + self.run_dir)

    def __repr__(self):
        return "OvnLab({}, {})".format(self.node.name, self.dir)

    # --- files --------------------------------------------------------------

    def db(self, name):
        "The database file of name: conf, nb or sb."
        return os.path.join(self.db_dir, name + ".db")

    def sock(self, name):
        "The socket path of database name: conf, nb or sb."
        return os.path.join(self.run_dir, name + ".sock")

    def remote(self, name):
        "The OVSDB remote of database name, e.g. unix:/.../nb.sock."
        return "unix:" + self.sock(name)

    def pidfile(self, daemon):
        return os.path.join(self.run_dir, daemon + ".pid")

    def ctl(self, daemon):
        "The unixctl socket of daemon (for ovs-appctl -t)."
        if daemon == "ovn-controller":
            pid = _read_pid(self.pidfile(daemon))
            return os.path.join(self.run_dir, "ovn-controller.{}.ctl".format(pid))
        return os.path.join(self.run_dir, daemon + ".ctl")

    def logfile(self, daemon):
        return os.path.join(self.log_dir, daemon + ".log")

    def env(self):
        "Environment assignments that keep every OVS/OVN tool in this lab's dirs."
        pairs = []
        for prefix in ("OVS", "OVN"):
            pairs += [
                (prefix + "_RUNDIR", self.run_dir),
                (prefix + "_LOGDIR", self.log_dir),
                (prefix + "_DBDIR", self.db_dir),
                (prefix + "_SYSCONFDIR", self.dir),
            ]
        return " ".join("{}={}".format(k, shlex.quote(v)) for k, v in pairs)

    # --- commands -----------------------------------------------------------

    def sh(self, cmd, check=True):
        """
        Run the shell command cmd in the lab's namespace with the lab's
        environment; returns (rc, stdout, stderr), raises OvnError when
        check and it fails.
        """
        rc, out, err = self.node.net.cmd_status("env {} {}".format(self.env(), cmd), warn=False)
        if check and rc != 0:
            raise OvnError("{}: {} (exit {}): {}".format(self, cmd, rc, (out + err).strip()))
        return rc, out, err

    def _tool(self, tool, db, args, check, timeout=10):
        words = [tool, "--db=" + self.remote(db), "--timeout={}".format(timeout)] + [str(a) for a in args]
        return self.sh(" ".join(shlex.quote(w) for w in words), check=check)

    def nbctl(self, *args, check=True, timeout=10):
        "ovn-nbctl on the lab's NB database: its stdout."
        return self._tool("ovn-nbctl", "nb", args, check, timeout)[1]

    def sbctl(self, *args, check=True):
        return self._tool("ovn-sbctl", "sb", args, check)[1]

    def vsctl(self, *args, check=True):
        return self._tool("ovs-vsctl", "conf", args, check)[1]

    def appctl(self, daemon, *args, check=True):
        words = ["ovs-appctl", "-t", self.ctl(daemon)] + [str(a) for a in args]
        return self.sh(" ".join(shlex.quote(w) for w in words), check=check)[1]

    def trace(self, switch, flow, summary=True):
        "ovn-trace of flow entering logical switch switch: its output."
        words = ["ovn-trace", "--db=" + self.remote("sb")]
        if summary:
            words.append("--summary")
        words += [switch, flow]
        return self.sh(" ".join(shlex.quote(w) for w in words))[1]

    # --- daemons ------------------------------------------------------------

    def pid(self, daemon):
        "The pid of daemon if it runs, else None."
        pid = _read_pid(self.pidfile(daemon))
        return pid if pid is not None and vnetrs_topo.pid_alive(pid) else None

    def _detach(self, daemon):
        return "--pidfile={} --detach --log-file={}".format(
            shlex.quote(self.pidfile(daemon)), shlex.quote(self.logfile(daemon))
        )

    def start_ovsdb(self, name):
        "Start the ovsdb-server of database name (conf, nb or sb) on its file."
        daemon = "ovsdb-" + name
        self.sh(
            "ovsdb-server {} --remote=punix:{} --unixctl={} {}".format(
                shlex.quote(self.db(name)), shlex.quote(self.sock(name)),
                shlex.quote(self.ctl(daemon)), self._detach(daemon),
            )
        )
        self._wait_socket(self.sock(name), daemon)

    def start(self, timeout=30):
        """
        Create the databases and start the six daemons; return once
        ovn-controller has registered its chassis and br-int exists.
        """
        for d in (self.run_dir, self.log_dir, self.db_dir):
            os.makedirs(d, exist_ok=True)
        running = [d for d in self.DAEMONS if self.pid(d)]
        if running:
            raise OvnError("{}: already running: {}".format(self, running))
        for name, schema in _SCHEMAS.items():
            if os.path.exists(self.db(name)):
                os.unlink(self.db(name))
            self.sh("ovsdb-tool create {} {}".format(shlex.quote(self.db(name)), schema))
        self._hook_node_stop()
        _live.add(self)
        for name in ("conf", "nb", "sb"):
            self.start_ovsdb(name)
        self.vsctl("--no-wait", "init")
        # Few threads: the lab shares small machines.
        self.vsctl(
            "--no-wait", "set", "Open_vSwitch", ".",
            "other_config:n-handler-threads=1", "other_config:n-revalidator-threads=1",
            "external_ids:system-id=" + SYSTEM_ID,
            "external_ids:ovn-remote=" + self.remote("sb"),
            "external_ids:ovn-encap-type=geneve",
            "external_ids:ovn-encap-ip=127.0.0.1",
            "external_ids:hostname=" + SYSTEM_ID,
        )
        self.sh(
            "ovn-northd --ovnnb-db={} --ovnsb-db={} --unixctl={} {}".format(
                self.remote("nb"), self.remote("sb"),
                shlex.quote(self.ctl("ovn-northd")), self._detach("ovn-northd"),
            )
        )
        self.sh(
            "ovs-vswitchd {} --unixctl={} {}".format(
                self.remote("conf"), shlex.quote(self.ctl("ovs-vswitchd")),
                self._detach("ovs-vswitchd"),
            )
        )
        self.vsctl(
            "--may-exist", "add-br", BRIDGE, "--", "set", "bridge", BRIDGE,
            "datapath_type=netdev", "fail-mode=secure",
            "other_config:disable-in-band=true",
        )
        self.sh("ovn-controller {} {}".format(self.remote("conf"), self._detach("ovn-controller")))
        self._wait(
            lambda: None if SYSTEM_ID in self.sbctl("--bare", "--columns=name", "list", "Chassis", check=False) else "no chassis",
            "ovn-controller registers its chassis",
            timeout,
        )
        logger.info("%s: started: %s", self, {d: self.pid(d) for d in self.DAEMONS})

    def stop_daemon(self, daemon, timeout=10):
        """
        Stop daemon (SIGTERM, then SIGKILL) and wait until it has exited.
        Its pid file and sockets are removed.
        """
        pid = self.pid(daemon)
        if pid:
            for sig, wait in ((signal.SIGTERM, timeout * 0.8), (signal.SIGKILL, timeout * 0.2)):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait
                while vnetrs_topo.pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if not vnetrs_topo.pid_alive(pid):
                    break
            if vnetrs_topo.pid_alive(pid):
                raise OvnError("{}: {} pid {} survived SIGKILL".format(self, daemon, pid))
        for path in [self.pidfile(daemon)] + glob.glob(os.path.join(self.run_dir, daemon + "*.ctl")):
            if os.path.lexists(path):
                os.unlink(path)
        if daemon.startswith("ovsdb-"):
            sock = self.sock(daemon[len("ovsdb-"):])
            if os.path.lexists(sock):
                os.unlink(sock)

    def stop(self):
        """
        Remove the attached ports and the bridge, stop every daemon. Leaves
        nothing running and no interface behind; safe to call twice.
        """
        for lsp in list(self.ports):
            try:
                self.detach(lsp)
            except Exception:  # pylint: disable=broad-except
                logger.exception("%s: detaching %s failed", self, lsp)
        if self.pid("ovsdb-conf") and self.pid("ovs-vswitchd"):
            self.vsctl("--if-exists", "del-br", BRIDGE, check=False)
        # The clients first, the databases they talk to last.
        for daemon in ("ovn-controller", "ovn-northd", "ovs-vswitchd", "ovsdb-sb", "ovsdb-nb", "ovsdb-conf"):
            self.stop_daemon(daemon)
        _live.discard(self)

    def _hook_node_stop(self):
        "Make the gear's stop() (tgen.stop_topology()) stop the lab first."
        if self._hooked:
            return
        vnetrs_topo.stop_before(self.node, self.stop, "OVN of {}".format(self))
        self._hooked = True

    def _wait_socket(self, path, daemon, timeout=15):
        def check():
            if os.path.exists(path):
                return None
            return "no socket {}; log: {}".format(path, self.log_tail(daemon))

        self._wait(check, daemon + " listens", timeout)

    @staticmethod
    def _wait(check, what, timeout, wait=0.1):
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result is None:
                return
            if time.monotonic() > deadline:
                raise OvnError("{}: {}".format(what, result))
            time.sleep(wait)

    def log_tail(self, daemon, chars=2000):
        try:
            with open(self.logfile(daemon)) as f:
                return f.read()[-chars:]
        except OSError:
            return ""

    # --- the logical topology -----------------------------------------------

    def add_router(self, name):
        "A logical router."
        self.nbctl("--may-exist", "lr-add", name)

    def add_switch(self, name, router, mac, networks):
        """
        A logical switch attached to router by a router port
        (<router>-<switch>) with mac and networks (e.g. 10.1.2.1/24, and an
        IPv6 one).
        """
        lrp, lsp = "{}-{}".format(router, name), "{}-{}".format(name, router)
        self.nbctl("--may-exist", "ls-add", name)
        self.nbctl("--may-exist", "lrp-add", router, lrp, mac, *networks)
        self.nbctl(
            "--may-exist", "lsp-add", name, lsp, "--",
            "lsp-set-type", lsp, "router", "--",
            "lsp-set-addresses", lsp, "router", "--",
            "lsp-set-options", lsp, "router-port=" + lrp,
        )

    def add_port(self, switch, lsp, mac, addresses):
        "A logical switch port with its addresses (no port security)."
        ips = [a.split("/")[0] for a in addresses]
        self.nbctl("--may-exist", "lsp-add", switch, lsp)
        self.nbctl("lsp-set-addresses", lsp, " ".join([mac] + ips))

    def attach(self, gear, switch, lsp, mac, addresses, routes=(), ifname=None):
        """
        Attach gear's namespace to a new logical port lsp of switch: a veth
        pair, its inner end (ifname, default <gear>-ovn) in gear with mac
        and addresses (prefix notation) and TX checksum offload off, its
        outer end (o-<lsp>) an OVS system port of br-int bound to lsp.
        routes: (prefix, via) routes of the gear through the logical
        router, e.g. ("default", "10.1.2.1").
        """
        ifname = ifname or "{}-ovn".format(gear.name)
        outer = "o-" + lsp
        if len(ifname) > 15 or len(outer) > 15:
            raise ValueError("interface name too long: {} / {}".format(ifname, outer))
        self.add_port(switch, lsp, mac, addresses)
        self.sh("ip link add {} type veth peer name {} netns {}".format(outer, ifname, gear.net.pid))
        self.ports[lsp] = (gear, ifname, outer)
        cmds = [
            "sysctl -qw net.ipv6.conf.{}.accept_dad=0".format(ifname),
            "ip link set {} address {}".format(ifname, mac),
            "ethtool -K {} tx off".format(ifname),
        ]
        cmds += ["ip addr add {} dev {}".format(a, ifname) for a in addresses]
        cmds.append("ip link set {} up".format(ifname))
        for prefix, via in routes:
            cmds.append("ip {} route replace {} via {}".format("-6" if ":" in via else "-4", prefix, via))
        for cmd in cmds:
            rc, out, err = gear.net.cmd_status(cmd + " >/dev/null", warn=False)
            if rc != 0:
                raise OvnError("{}: {}: {}".format(gear.name, cmd, (out + err).strip()))
        self.sh("ethtool -K {} tx off >/dev/null".format(outer))
        self.sh("ip link set {} up".format(outer))
        self.vsctl(
            "--may-exist", "add-port", BRIDGE, outer, "--",
            "set", "interface", outer, "external_ids:iface-id=" + lsp,
        )

    def detach(self, lsp):
        "Undo attach(): the OVS port and the veth pair go; the logical port stays."
        gear, _, outer = self.ports.pop(lsp)
        if self.pid("ovsdb-conf"):
            self.vsctl("--if-exists", "del-port", BRIDGE, outer, check=False)
        self.sh("ip link del {}".format(outer), check=False)
        del gear

    def unbound_ports(self):
        "The attached logical ports that are not up (bound by ovn-controller)."
        down = []
        for lsp in self.ports:
            up = self.nbctl("--if-exists", "get", "Logical_Switch_Port", lsp, "up", check=False).strip()
            if up != "true":
                down.append(lsp)
        return down

    def wait_bound(self, timeout=30):
        """
        Wait until every attached logical port is up and ovn-controller has
        caught up with the NB database (ovn-nbctl --wait=hv sync).
        """
        self._wait(
            lambda: self.unbound_ports() or None, "logical ports bound", timeout, wait=0.2
        )
        self.nbctl("--wait=hv", "sync", timeout=timeout)

    # --- reading the router -------------------------------------------------

    def static_routes(self, router):
        """
        The static routes of router as {prefix: sorted next hops}, from
        ovn-nbctl lr-route-list (ECMP members included; policy dst-ip only).
        """
        routes = {}
        for line in self.nbctl("lr-route-list", router).splitlines():
            words = line.split()
            if len(words) < 3 or words[0] in ("IPv4", "IPv6") or words[2] != "dst-ip":
                continue
            routes.setdefault(words[0], []).append(words[1])
        return {p: sorted(n) for p, n in routes.items()}

    def route_rows(self, router):
        """
        The Logical_Router_Static_Route rows of router: a list of dicts with
        _uuid, ip_prefix, nexthop and external_ids (a dict).
        """

        def atom(value):
            "An OVSDB JSON value: uuid, set and map decoded."
            if isinstance(value, list) and value and value[0] == "uuid":
                return value[1]
            if isinstance(value, list) and value and value[0] == "set":
                return [atom(v) for v in value[1]]
            if isinstance(value, list) and value and value[0] == "map":
                return {k: atom(v) for k, v in value[1]}
            return value

        def table(*args):
            out = json.loads(self.nbctl("--format=json", *args))
            return [dict(zip(out["headings"], [atom(v) for v in row])) for row in out["data"]]

        found = [r for r in table("--columns=name,static_routes", "list", "Logical_Router") if r["name"] == router]
        if not found:
            raise OvnError("{}: no logical router {}".format(self, router))
        members = found[0]["static_routes"]
        members = set(members if isinstance(members, list) else [members])
        rows = table("--columns=_uuid,ip_prefix,nexthop,external_ids", "list", "Logical_Router_Static_Route")
        return [r for r in rows if r["_uuid"] in members]


@atexit.register
def _stop_all():
    "Last resort: no OVN daemon of a lab outlives the test process."
    for lab in list(_live):
        try:
            lab.stop()
        except Exception:  # pylint: disable=broad-except
            pass
