# SPDX-License-Identifier: GPL-2.0-or-later
"""
Run a BIRD 2 NVA (Debian's bird2: "bird" and "birdc") inside a topogen
router's network namespace.

The router is an ordinary topogen router gear (tgen.add_router(name)) that
runs no FRR daemon but zebra (for its interface addresses), or none at all.
BIRD's files (bird.conf, control socket, pid file, log) live in one
directory under the topotest run directory, by default
<tgen.logdir>/<router>/bird.

    nva = vnetrs_bird.BirdNva(tgen.gears["r2"], None, "10.1.1.4", 65001)
    nva.add_peer("rs4", "10.1.0.4", 65515, local_address="10.1.1.4")
    nva.announce("10.250.0.0/16", prepend=2,
                 communities=[vnetrs_bird.NO_ADVERTISE])
    nva.start()                    # stopped with tgen.stop_topology()
    nva.protocol_state("rs4")      # -> "Established"
    nva.learned_routes()           # -> {"10.1.0.0/16": [{...}], ...}
    nva.withdraw("10.250.0.0/16")  # rewrites bird.conf, "birdc configure"

What the generated configuration does:

* BGP: every peer imports all, and exports only the routes announced with
  announce() (static blackhole routes of protocol "static4" or "static6",
  with the per-route attributes set by the peer's export filter). eBGP,
  next hop self. Multihop sessions need a source address (local_address).
* device and direct protocols, so that BIRD can resolve the recursive next
  hops of multihop sessions through the connected networks.
* Optionally (kernel_export, default on) protocols kernel4/kernel6 that put
  the routes learned from BGP into the namespace's main kernel table
  ("proto bird", metric 32), and take them out again when BIRD stops.

Times in "show protocols" and "show route" are printed as
YYYY-MM-DD_HH:MM:SS (one word) so that the output splits into columns.

Things to know (BIRD 2.0.12):

* Without routes to resolve them (here: protocol direct), the recursive
  next hops of multihop sessions make every learned route "unreachable",
  and the kernel protocol then installs "unreachable" kernel routes.
* "birdc configure" turns protocols switched off by "birdc disable" back
  on: disable() therefore also writes "disabled;" into bird.conf.
* BIRD prepends its own AS after the export filter has run.
* Export filter changes (announce(), withdraw()) are applied without
  resetting the BGP sessions.
* birdc exits 1 when BIRD answers with an error ("Network not found", an
  unknown command), 0 otherwise.
* An IPv6 source address that is still tentative (duplicate address
  detection) makes the first connect fail ("bind: Cannot assign requested
  address"); the session comes up on the retry (error wait time 1-10 s).
* BIRD logs its normal shutdown as "<FATAL> Shutdown completed".
"""

import atexit
import ipaddress
import json
import logging
import os
import re
import shlex
import signal
import time

import vnetrs_topo

logger = logging.getLogger("vnetrs_bird")

# Well-known communities (RFC 1997, RFC 7999).
NO_EXPORT = (65535, 65281)
NO_ADVERTISE = (65535, 65282)
NO_EXPORT_SUBCONFED = (65535, 65283)
BLACKHOLE = (65535, 666)

# Names of the generated non-BGP protocols.
STATIC4 = "static4"
STATIC6 = "static6"
KERNEL4 = "kernel4"
KERNEL6 = "kernel6"
_RESERVED_NAMES = {STATIC4, STATIC6, KERNEL4, KERNEL6, "device1", "direct1"}

# sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107

# One word, so that "show protocols" splits into columns.
_TIMEFORMAT = "%F_%T"

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

# A route line of "show route [all]": the network (only on its first path),
# the destination type, [protocol since (from neighbor)], flags, (preference
# [/igp metric]) and [summary].
_ROUTE_RE = re.compile(
    r"^(?P<net>\S+)?\s+(?P<dest>[a-z]+)\s+"
    r"\[(?P<proto>\S+)\s+(?P<since>\S+)(?:\s+from\s+(?P<from>\S+))?\]"
    r"\s*(?P<flags>[^(]*?)\s*"
    r"\((?P<pref>\d+)(?:/(?P<metric>[^)]*))?\)"
    r"(?:\s+\[(?P<summary>[^\]]*)\])?\s*$"
)

_live = set()  # BirdNva instances with a started BIRD, for the atexit hook


class BirdError(Exception):
    "BIRD could not be configured, started, stopped or queried."


def _network(prefix):
    "The ipaddress network for prefix (host bits must be zero)."
    try:
        return ipaddress.ip_network(prefix, strict=True)
    except ValueError as err:
        raise ValueError("not a prefix: {!r} ({})".format(prefix, err)) from None


def _address(addr):
    try:
        return ipaddress.ip_address(addr)
    except ValueError:
        raise ValueError("not an IP address: {!r}".format(addr)) from None


def _check_asn(asn):
    if not isinstance(asn, int) or isinstance(asn, bool) or not 0 < asn < 2**32:
        raise ValueError("not an AS number: {!r}".format(asn))
    return asn


def _community(value, size):
    if len(value) != size or not all(
        isinstance(v, int) and 0 <= v < (2**16 if size == 2 else 2**32) for v in value
    ):
        raise ValueError("bad {}community: {!r}".format("" if size == 2 else "large ", value))
    return tuple(value)


def parse_protocols(text):
    """
    Parse "birdc show protocols" into {name: {"proto", "table", "state",
    "since", "info"}}; "info" is the BGP state ("Established", "Active",
    "Connect", ...) for BGP protocols, possibly followed by more text such as
    "Socket: Connection refused" (kept in "detail").
    """
    result = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("BIRD ") or line.startswith("Name "):
            continue
        words = line.split(None, 5)
        if len(words) < 5:
            continue
        name, proto, table, state, since = words[:5]
        rest = words[5].strip() if len(words) > 5 else ""
        info, _, detail = rest.partition("  ")
        result[name] = {
            "proto": proto,
            "table": table,
            "state": state,
            "since": since,
            "info": info.strip(),
            "detail": detail.strip(),
        }
    return result


def _parse_attr(path, line):
    "One tab-indented line under a route of 'show route all'."
    text = line.strip()
    if text.startswith("via "):
        words = text.split()
        hop = {"via": words[1], "dev": None}
        if len(words) >= 4 and words[2] == "on":
            hop["dev"] = words[3]
        path["gateways"].append(hop)
        return
    if text.startswith("dev "):
        path["gateways"].append({"via": None, "dev": text.split()[1]})
        return
    key, sep, value = text.partition(":")
    if not sep:
        path["attributes"].setdefault("", []).append(text)
        return
    key, value = key.strip(), value.strip()
    path["attributes"][key] = value
    if key == "Type":
        path["type"] = value
        path["source"] = value.split()[0] if value else None
    elif key == "BGP.as_path":
        # AS sets and confederation segments are flattened.
        path["as-path"] = [int(x) for x in re.findall(r"\d+", value)]
    elif key == "BGP.next_hop":
        path["next-hops"] = value.split()
        path["next-hop"] = path["next-hops"][0] if path["next-hops"] else None
    elif key == "BGP.community":
        path["communities"] = [
            (int(a), int(b)) for a, b in re.findall(r"\((\d+),\s*(\d+)\)", value)
        ]
    elif key == "BGP.large_community":
        path["large-communities"] = [
            (int(a), int(b), int(c))
            for a, b, c in re.findall(r"\((\d+),\s*(\d+),\s*(\d+)\)", value)
        ]
    elif key == "BGP.med":
        path["med"] = int(value) if value.isdigit() else value
    elif key == "BGP.local_pref":
        path["local-pref"] = int(value) if value.isdigit() else value


def parse_routes(text):
    """
    Parse "birdc show route [all]" (any number of tables, several paths per
    network) into {prefix: [path, ...]}, paths in BIRD's order (the primary
    one first). Each path is a dict:

        prefix, table, from-protocol (the BIRD protocol it came from),
        from (BGP neighbor, when BIRD shows it), dest ("unicast",
        "blackhole", "unreachable", ...), primary (bool), preference,
        gateways ([{"via": addr or None, "dev": ifname or None}]),
        type ("BGP univ", ...) and source ("BGP", "static", "device", ...),
        next-hop (first address of BGP.next_hop, or None), next-hops (all),
        as-path (list of int, sets flattened; None if no BGP.as_path),
        communities ([(int, int)]), large-communities ([(int, int, int)]),
        attributes (every "Key: value" line as text).

    Type, BGP attributes and so on are only in "show route all" output.
    """
    routes = {}
    table = None
    net = None
    path = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("BIRD ") and line.rstrip().endswith("ready."):
            continue
        if line.startswith("Table ") and line.rstrip().endswith(":"):
            table = line.strip()[len("Table "):-1]
            net = None
            path = None
            continue
        if line.startswith("\t"):
            if path is not None:
                _parse_attr(path, line)
            continue
        m = _ROUTE_RE.match(line)
        if not m:
            # Not a route (e.g. "Network not found"): ignore it.
            path = None
            continue
        if m.group("net"):
            net = str(ipaddress.ip_network(m.group("net"), strict=False))
        if net is None:
            path = None
            continue
        path = {
            "prefix": net,
            "table": table,
            "from-protocol": m.group("proto"),
            "from": m.group("from"),
            "since": m.group("since"),
            "dest": m.group("dest"),
            "primary": "*" in m.group("flags"),
            "preference": int(m.group("pref")),
            "summary": m.group("summary"),
            "gateways": [],
            "type": None,
            "source": None,
            "next-hop": None,
            "next-hops": [],
            "as-path": None,
            "communities": [],
            "large-communities": [],
            "attributes": {},
        }
        routes.setdefault(net, []).append(path)
    return routes


class BirdNva:
    """
    A BIRD 2 daemon in the network namespace of a topogen router.

    router:      topogen router gear (tgen.gears[name]).
    rundir:      directory for bird.conf, the control socket, the pid file
                 and the log; None: <tgen.logdir>/<router>/bird.
    router_id:   BGP router ID (IPv4 address).
    local_as:    BIRD's AS number.
    kernel_export: True: export the routes learned from BGP into the kernel
                 (main table); False: no kernel protocols; a string: BIRD
                 export clause for the kernel channels, e.g.
                 "where source = RTS_BGP && net.len >= 16".
    debug:       BIRD "debug protocols" classes, e.g. ("states", "events").
    """

    def __init__(
        self,
        router,
        rundir,
        router_id,
        local_as,
        kernel_export=True,
        debug=("states", "events"),
    ):
        if _address(router_id).version != 4:
            raise ValueError("router ID must be an IPv4 address: " + str(router_id))
        self.router = router
        self.router_id = str(router_id)
        self.local_as = _check_asn(local_as)
        self.kernel_export = kernel_export
        self.debug = tuple(debug or ())
        if rundir is None:
            rundir = os.path.join(router.logdir, router.name, "bird")
        self.rundir = os.path.abspath(rundir)
        self.conf_path = os.path.join(self.rundir, "bird.conf")
        self.pid_path = os.path.join(self.rundir, "bird.pid")
        self.log_path = os.path.join(self.rundir, "bird.log")
        self.out_path = os.path.join(self.rundir, "bird.out")
        self.socket_path = os.path.join(self.rundir, "bird.ctl")
        if len(self.socket_path) > _MAX_SOCKET_PATH:
            raise BirdError(
                "control socket path too long for AF_UNIX ({} > {} bytes): {} "
                "(pass a shorter rundir)".format(
                    len(self.socket_path), _MAX_SOCKET_PATH, self.socket_path
                )
            )
        self.peers = {}  # name -> settings, in insertion order
        self.announcements = {}  # prefix -> settings, in insertion order
        self.disabled = set()  # protocols turned off by disable()
        self._hooked = False

    def __repr__(self):
        return "BirdNva({}, AS{}, {})".format(
            self.router.name, self.local_as, self.rundir
        )

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    def add_peer(
        self,
        name,
        address,
        remote_as,
        local_address=None,
        multihop=True,
        ipv6=None,
        passive=False,
        extra=(),
    ):
        """
        Add a BGP session (BIRD protocol `name`) to `address` in AS
        `remote_as`. multihop: True (BIRD's default TTL 64), False (direct
        session) or a TTL. Multihop sessions need local_address (BIRD's
        "source address"). ipv6: the channel, ipv6 or ipv4 unicast; None
        takes the address family of `address` (both must agree). extra: raw
        lines for the protocol block, e.g. ["hold time 9;"].
        Applied by start() or reconfigure().
        """
        if not _NAME_RE.match(name) or name in _RESERVED_NAMES:
            raise ValueError("bad BIRD protocol name: {!r}".format(name))
        if name in self.peers:
            raise ValueError("peer {} already exists".format(name))
        addr = _address(address)
        if ipv6 is None:
            ipv6 = addr.version == 6
        if bool(ipv6) != (addr.version == 6):
            raise ValueError(
                "peer {}: the channel must be of the session's address family "
                "({})".format(name, address)
            )
        if local_address is not None:
            if _address(local_address).version != addr.version:
                raise ValueError(
                    "peer {}: local address {} and neighbor {} differ in "
                    "family".format(name, local_address, address)
                )
        if multihop and local_address is None:
            raise ValueError(
                "peer {}: BIRD needs a source address (local_address) for "
                "multihop sessions".format(name)
            )
        if multihop is not True and multihop is not False:
            if not isinstance(multihop, int) or not 1 <= multihop <= 255:
                raise ValueError("peer {}: bad multihop TTL {!r}".format(name, multihop))
        if isinstance(extra, str):
            extra = [extra]
        self.peers[name] = {
            "address": str(addr),
            "remote_as": _check_asn(remote_as),
            "local_address": None if local_address is None else str(local_address),
            "multihop": multihop,
            "ipv6": bool(ipv6),
            "passive": bool(passive),
            "extra": list(extra),
        }
        return name

    def remove_peer(self, name, apply=True):
        "Remove a BGP session; reconfigures a running BIRD if apply."
        del self.peers[name]
        self._apply(apply)

    def announce(
        self,
        prefix,
        prepend=0,
        communities=(),
        large_communities=(),
        med=None,
        peers=None,
        apply=True,
    ):
        """
        Announce `prefix` (IPv4 or IPv6, to the peers of that family), or
        replace the attributes of an announced one. prepend: an int n adds n
        extra copies of the local AS (prepend=2 gives AS path
        "65001 65001 65001" at the peer); a list of AS numbers puts those
        after the local AS, in order. communities: (int, int) pairs, e.g.
        NO_ADVERTISE; large_communities: (int, int, int). med: MULTI_EXIT_DISC.
        peers: names of the peers to announce to (None: all).
        Reconfigures a running BIRD if apply.
        """
        net = _network(prefix)
        if isinstance(prepend, int) and not isinstance(prepend, bool):
            if prepend < 0:
                raise ValueError("prepend count must be >= 0")
            path = [self.local_as] * prepend
        else:
            path = [_check_asn(asn) for asn in prepend]
        if peers is not None:
            peers = [peers] if isinstance(peers, str) else list(peers)
            unknown = [p for p in peers if p not in self.peers]
            if unknown:
                raise ValueError("unknown peers: {}".format(", ".join(unknown)))
        if med is not None and (not isinstance(med, int) or not 0 <= med < 2**32):
            raise ValueError("bad MED: {!r}".format(med))
        self.announcements[str(net)] = {
            "network": net,
            "as_path": path,
            "communities": [_community(c, 2) for c in communities],
            "large_communities": [_community(c, 3) for c in large_communities],
            "med": med,
            "peers": peers,
        }
        self._apply(apply)

    def withdraw(self, prefix, apply=True):
        """
        Stop announcing `prefix` (KeyError if it is not announced).
        Reconfigures a running BIRD if apply.
        """
        del self.announcements[str(_network(prefix))]
        self._apply(apply)

    def _apply(self, apply):
        if apply and self.is_running():
            self.reconfigure()

    def _export_filter(self, name, peer):
        "The export filter of one peer: its announcements, with attributes."
        static = STATIC6 if peer["ipv6"] else STATIC4
        lines = [
            "filter vnetrs_out_{} {{".format(name),
            '  if source != RTS_STATIC || proto != "{}" then reject;'.format(static),
        ]
        for prefix, ann in self.announcements.items():
            if (ann["network"].version == 6) != peer["ipv6"]:
                continue
            if ann["peers"] is not None and name not in ann["peers"]:
                continue
            lines.append("  if net = {} then {{".format(prefix))
            # BIRD prepends the local AS after the export filter, so push the
            # extra ASes from last to first.
            for asn in reversed(ann["as_path"]):
                lines.append("    bgp_path.prepend({});".format(asn))
            for a, b in ann["communities"]:
                lines.append("    bgp_community.add(({}, {}));".format(a, b))
            for a, b, c in ann["large_communities"]:
                lines.append("    bgp_large_community.add(({}, {}, {}));".format(a, b, c))
            if ann["med"] is not None:
                lines.append("    bgp_med = {};".format(ann["med"]))
            lines.append("    accept;")
            lines.append("  }")
        lines.append("  reject;")
        lines.append("}")
        return lines

    def _disabled_line(self, name):
        return ["  disabled;"] if name in self.disabled else []

    def config_text(self):
        "The bird.conf for the current settings."
        out = [
            "# bird.conf for {} (AS {}), generated by vnetrs_bird.py".format(
                self.router.name, self.local_as
            ),
            'log "{}" all;'.format(self.log_path),
            "router id {};".format(self.router_id),
        ]
        for what in ("base", "protocol", "route"):
            out.append('timeformat {} "{}";'.format(what, _TIMEFORMAT))
        if self.debug:
            out.append("debug protocols {{ {} }};".format(", ".join(self.debug)))
        out += [
            "",
            "protocol device { scan time 10; }",
            "",
            "# Connected networks: they resolve the next hops of multihop sessions.",
            "protocol direct { ipv4; ipv6; }",
        ]
        if self.kernel_export:
            clause = self.kernel_export
            if clause is True:
                clause = "where source = RTS_BGP"
            for name, afi in ((KERNEL4, "ipv4"), (KERNEL6, "ipv6")):
                out += [
                    "",
                    "protocol kernel {} {{".format(name),
                ] + self._disabled_line(name) + [
                    "  merge paths on;",
                    "  {} {{ import none; export {}; }};".format(afi, clause),
                    "}",
                ]
        for name, version, afi in ((STATIC4, 4, "ipv4"), (STATIC6, 6, "ipv6")):
            out += ["", "protocol static {} {{".format(name)]
            out += self._disabled_line(name)
            out.append("  {};".format(afi))
            for prefix, ann in self.announcements.items():
                if ann["network"].version == version:
                    out.append("  route {} blackhole;".format(prefix))
            out.append("}")
        for name, peer in self.peers.items():
            out.append("")
            out += self._export_filter(name, peer)
            out += [
                "",
                "protocol bgp {} {{".format(name),
            ] + self._disabled_line(name) + [
                "  local as {};".format(self.local_as),
                "  neighbor {} as {};".format(peer["address"], peer["remote_as"]),
            ]
            if peer["local_address"]:
                out.append("  source address {};".format(peer["local_address"]))
            if peer["multihop"] is True:
                out.append("  multihop;")
            elif peer["multihop"]:
                out.append("  multihop {};".format(peer["multihop"]))
            else:
                out.append("  direct;")
            if peer["passive"]:
                out.append("  passive on;")
            # BIRD's defaults (5 s, 120 s, 60-300 s) are slow for tests.
            out += [
                "  connect delay time 1;",
                "  connect retry time 5;",
                "  error wait time 1, 10;",
            ]
            out += ["  " + line for line in peer["extra"]]
            out += [
                "  {} {{".format("ipv6" if peer["ipv6"] else "ipv4"),
                "    import all;",
                "    export filter vnetrs_out_{};".format(name),
                "    next hop self;",
                "  };",
                "}",
            ]
        return "\n".join(out) + "\n"

    def write_config(self):
        "Write bird.conf; returns its path."
        os.makedirs(self.rundir, exist_ok=True)
        tmp = self.conf_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.config_text())
        os.replace(tmp, self.conf_path)
        return self.conf_path

    def _check_config(self):
        rc, out, err = self._ns(["bird", "-p", "-c", self.conf_path])
        if rc != 0:
            raise BirdError(
                "{}: bird.conf rejected: {}\n{}".format(
                    self.router.name, (out + err).strip(), self.config_text()
                )
            )

    # ------------------------------------------------------------------
    # Process control
    # ------------------------------------------------------------------

    def _ns(self, cmd):
        "Run cmd (list: no shell; str: bash) in the router's namespaces."
        return self.router.net.cmd_status(cmd, warn=False)

    def pids(self):
        """
        PIDs of the live bird processes running this instance's bird.conf
        (normally zero or one).
        """
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/{}/cmdline".format(entry), "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            argv = [a.decode(errors="replace") for a in argv if a]
            if not argv or os.path.basename(argv[0]) != "bird":
                continue
            if self.conf_path in argv and vnetrs_topo.pid_alive(int(entry)):
                found.append(int(entry))
        return found

    def is_running(self):
        return bool(self.pids())

    def _kill(self, sig, pids):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def _wait_gone(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids or time.monotonic() >= deadline:
                return pids
            time.sleep(0.1)

    def start(self, timeout=15):
        """
        Write bird.conf and start BIRD in the router's namespaces; return
        once its control socket answers. BIRD is stopped by stop(), by
        tgen.stop_topology() (through the router's stop()), or at the latest
        when the Python process exits.
        """
        if self.is_running():
            raise BirdError("{}: BIRD already running".format(self))
        os.makedirs(self.rundir, exist_ok=True)
        for path in (self.socket_path, self.pid_path):
            if os.path.lexists(path):
                os.unlink(path)
        self.write_config()
        self._check_config()
        cmd = "bird -c {} -s {} -P {} </dev/null >{} 2>&1".format(
            shlex.quote(self.conf_path),
            shlex.quote(self.socket_path),
            shlex.quote(self.pid_path),
            shlex.quote(self.out_path),
        )
        self._hook_router_stop()
        _live.add(self)
        rc, out, err = self._ns(cmd)
        if rc != 0:
            raise BirdError(
                "{}: bird failed to start (exit {}): {}".format(
                    self, rc, (out + err + self._read(self.out_path)).strip()
                )
            )
        deadline = time.monotonic() + timeout
        while True:
            rc, out, err = self._ns(["birdc", "-s", self.socket_path, "show", "status"])
            if rc == 0 and "Daemon is up and running" in out:
                break
            if time.monotonic() >= deadline or not self.is_running():
                self.stop()
                raise BirdError(
                    "{}: BIRD did not come up: {}\nbird.out: {}\nlog: {}".format(
                        self, (out + err).strip(), self._read(self.out_path),
                        self.log_text()[-2000:],
                    )
                )
            time.sleep(0.2)
        logger.info("%s: BIRD started, pid %s", self, self.pids())

    def stop(self, timeout=10):
        """
        Stop BIRD ("birdc down", then SIGTERM, then SIGKILL) and wait until it
        is gone. Does nothing if it is not running.
        """
        pids = self.pids()
        if pids:
            self._ns(["birdc", "-s", self.socket_path, "down"])
            pids = self._wait_gone(timeout / 2)
        if pids:
            logger.warning("%s: BIRD ignored 'down', sending SIGTERM", self)
            self._kill(signal.SIGTERM, pids)
            pids = self._wait_gone(timeout / 4)
        if pids:
            logger.warning("%s: sending SIGKILL to BIRD", self)
            self._kill(signal.SIGKILL, pids)
            pids = self._wait_gone(timeout / 4)
        if pids:
            raise BirdError("{}: BIRD pids {} did not exit".format(self, pids))
        for path in (self.socket_path, self.pid_path):
            if os.path.lexists(path):
                os.unlink(path)
        _live.discard(self)

    def restart(self):
        self.stop()
        self.start()

    def _hook_router_stop(self):
        """
        Make the router gear's stop() (called by tgen.stop_topology()) stop
        BIRD before the router's FRR daemons.
        """
        if self._hooked:
            return
        vnetrs_topo.stop_before(self.router, self.stop, "BIRD of {}".format(self))
        self._hooked = True

    def reconfigure(self):
        """
        Rewrite bird.conf and make the running BIRD load it ("birdc
        configure"). A bad configuration raises BirdError and leaves the
        running one in place.
        """
        self.write_config()
        self._check_config()
        out = self.birdc("configure")
        if "Reconfigured" not in out and "Reconfiguration in progress" not in out:
            raise BirdError("{}: configure: {}".format(self, out.strip()))
        return out

    def disable(self, protocol):
        """
        Turn a protocol off: a peer (its session goes down), STATIC4 or
        STATIC6 (all announcements of that family are withdrawn), KERNEL4 or
        KERNEL6. It stays off across reconfigure() ("birdc configure" alone
        would turn it back on) until enable(). Works before start() too.
        """
        self.disabled.add(protocol)
        if self.is_running():
            self.write_config()
            return self.birdc("disable " + protocol)
        return ""

    def enable(self, protocol):
        "Undo disable(protocol)."
        self.disabled.discard(protocol)
        if self.is_running():
            self.write_config()
            return self.birdc("enable " + protocol)
        return ""

    def restart_protocol(self, protocol):
        return self.birdc("restart " + protocol)

    # ------------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------------

    def birdc(self, command, check=True):
        """
        Run "birdc -s SOCKET <command>" in the router's namespace; return its
        output without the "BIRD x.y ready." banner. birdc exits 1 when BIRD
        answers with an error (e.g. "Network not found"): BirdError if check.
        """
        rc, text, err = self._birdc(command)
        if rc != 0 and check:
            raise BirdError(
                "{}: birdc {} failed ({}): {}".format(
                    self, command, rc, (text + err).strip()
                )
            )
        return text

    def _birdc(self, command):
        "(exit status, output without the banner, stderr) of a birdc command."
        if isinstance(command, str):
            command = shlex.split(command)
        rc, out, err = self._ns(["birdc", "-s", self.socket_path] + list(command))
        lines = [
            line
            for line in out.splitlines()
            if not (line.startswith("BIRD ") and line.endswith(" ready."))
        ]
        return rc, "\n".join(lines) + ("\n" if lines else ""), err

    def protocols(self):
        "show protocols, parsed (see parse_protocols)."
        return parse_protocols(self.birdc("show protocols"))

    def protocol_state(self, name):
        """
        The Info column of one protocol: for BGP "Established", "Active",
        "Connect", ...; "" when it has none (e.g. disabled); None if BIRD
        does not know the protocol.
        """
        proto = self.protocols().get(name)
        return None if proto is None else proto["info"]

    def check_established(self, *names):
        """
        None if the BGP protocols `names` (default: every peer) are
        Established, else a description of their states; for
        topotest.run_and_expect(..., None, ...).
        """
        names = names or tuple(self.peers)
        try:
            protos = self.protocols()
        except BirdError as err:
            return str(err)
        bad = {
            n: (protos.get(n) or {}).get("info")
            for n in names
            if (protos.get(n) or {}).get("info") != "Established"
        }
        return None if not bad else "{}: not Established: {}".format(self, bad)

    def routes(self, prefix=None, protocol=None, table=None):
        """
        Routes of BIRD's tables ("show route all"), parsed (see
        parse_routes): {prefix: [path, ...]}. prefix: only that network;
        protocol: only the routes from that protocol; table: only that table
        (default: all, i.e. master4 and master6).
        """
        cmd = ["show", "route"]
        if prefix is not None:
            cmd.append(str(_network(prefix)))
        if table is not None:
            cmd += ["table", table]
        if protocol is not None:
            cmd += ["protocol", protocol]
        cmd.append("all")
        rc, out, err = self._birdc(cmd)
        if rc != 0:
            if out.strip() == "Network not found":
                return {}
            raise BirdError(
                "{}: birdc {}: {}".format(self, " ".join(cmd), (out + err).strip())
            )
        return parse_routes(out)

    def learned_routes(self, prefix=None, protocol=None):
        """
        The routes BIRD learned from BGP: {prefix: [path, ...]}, each path a
        dict with at least "next-hop", "as-path" (list of int) and
        "from-protocol" (see parse_routes). Includes paths that lost to
        another route (e.g. to a connected network): see "primary".
        """
        result = {}
        for net, paths in self.routes(prefix=prefix, protocol=protocol).items():
            bgp = [p for p in paths if p["source"] == "BGP"]
            if bgp:
                result[net] = bgp
        return result

    def kernel_routes(self, ipv6=False):
        """
        The routes BIRD put into the namespace's kernel main table ("proto
        bird"): {prefix: [{"gateway": addr or None, "dev": ifname}, ...]}.
        """
        cmd = ["ip", "-j", "-6" if ipv6 else "-4", "route", "show", "proto", "bird"]
        rc, out, err = self._ns(cmd)
        if rc != 0:
            raise BirdError("{}: {}: {}".format(self, " ".join(cmd), err.strip()))
        result = {}
        for entry in json.loads(out or "[]"):
            dst = entry.get("dst", "")
            if dst == "default":
                dst = "::/0" if ipv6 else "0.0.0.0/0"
            net = str(ipaddress.ip_network(dst, strict=False))
            hops = entry.get("nexthops") or [entry]
            result[net] = [
                {"gateway": h.get("gateway"), "dev": h.get("dev")} for h in hops
            ]
        return result

    def log_text(self):
        "BIRD's log file (empty if none yet)."
        return self._read(self.log_path)

    @staticmethod
    def _read(path):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


@atexit.register
def _stop_all():
    "Last resort: no BIRD outlives the test process."
    for nva in list(_live):
        try:
            nva.stop(timeout=4)
        except Exception:  # pylint: disable=broad-except
            pass
