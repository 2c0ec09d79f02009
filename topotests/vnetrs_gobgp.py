# SPDX-License-Identifier: GPL-2.0-or-later
"""
Run GoBGP (Debian's gobgpd: "gobgpd" and its CLI "gobgp") as an NVA or as a
gateway inside a topogen router's network namespace, so that the topotests
prove the route server against a BGP implementation other than FRR and
BIRD.

The router is an ordinary topogen router gear that runs no FRR daemon but
zebra (for its interface addresses), or none at all. GoBGP's files
(gobgpd.toml, its log) live in one directory under the topotest run
directory, by default <tgen.logdir>/<router>/gobgp. The API (gRPC) listens
on 127.0.0.1 inside the router's namespace only.

    nva = vnetrs_gobgp.GobgpNva(tgen.gears["fw2"], None, "10.1.1.5", 65002)
    nva.add_peer("rs1", "10.1.0.4", 65515, local_address="10.1.1.5")
    nva.announce("0.0.0.0/0", prepend=2,
                 communities=[vnetrs_gobgp.NO_ADVERTISE])
    nva.start()                    # stopped with tgen.stop_topology()
    nva.protocol_state("rs1")      # -> "Established"
    nva.learned_routes()           # -> {"10.1.0.0/16": [{...}], ...}
    nva.withdraw("0.0.0.0/0")      # "gobgp global rib del"

A gateway is the same object with local_as equal to the route server's
(iBGP): GobgpNva(router, None, "10.1.254.4", 65515).

What it does:

* gobgpd.toml holds the global settings and the neighbors; every neighbor
  has one address family (that of its address), receives everything and is
  sent every route of the global RIB (GoBGP's defaults: no policy).
* announce() and withdraw() change GoBGP's global RIB through the CLI
  ("gobgp global rib add|del"), at once when it runs, else when it starts.
  The routes have no explicit next hop: GoBGP sends its session's local
  address (next hop self).

Things to know (GoBGP 3.10):

* To eBGP peers GoBGP puts its own AS in front of the AS path given with
  "aspath": prepend=n gives n + 1 copies of the local AS at the peer, as
  vnetrs_bird.py does. To iBGP peers the AS path is sent as given.
* "gobgp global rib add" of an announced prefix replaces the route (the
  peers get an UPDATE, no withdrawal in between).
* After a session reset GoBGP waits idle-hold-time-after-reset (30 s by
  default) before it reconnects: the generated configuration sets 5 s.
* "gobgp neighbor -j" gives the session state as a number (6:
  established); protocol_state() turns it into FRR's names.
* Announcing to a subset of the peers would need GoBGP export policies:
  announce() has no "peers" argument.
"""

import ipaddress
import json
import logging
import os
import shlex

import vnetrs_peerproc as peerproc
from vnetrs_peerproc import (  # noqa: F401 (well-known communities)
    BLACKHOLE,
    NO_ADVERTISE,
    NO_EXPORT,
    NO_EXPORT_SUBCONFED,
    PeerError,
)

logger = logging.getLogger("vnetrs_gobgp")

# GoBGP's session states (its API's enum) in FRR's spelling.
SESSION_STATES = {
    0: "Unknown",
    1: "Idle",
    2: "Connect",
    3: "Active",
    4: "OpenSent",
    5: "OpenConfirm",
    6: "Established",
}

# Path attribute type codes in "gobgp global rib -j".
_ATTR_AS_PATH, _ATTR_NEXT_HOP, _ATTR_MED, _ATTR_LOCAL_PREF = 2, 3, 4, 5
_ATTR_COMMUNITIES, _ATTR_MP_REACH, _ATTR_LARGE_COMMUNITIES = 8, 14, 32


class GobgpError(PeerError):
    "GoBGP could not be configured, started, stopped or queried."


def _toml_str(value):
    return json.dumps(str(value))


def parse_rib(data):
    """
    Parse "gobgp global rib -a FAMILY -j" (a JSON object {prefix: [path,
    ...]}) into {prefix: [path, ...]}; each path a dict:

        prefix, best (bool), from (neighbor address, None for the local
        routes), next-hop, as-path (list of int, sets flattened),
        communities ([(int, int)]), large-communities ([(int, int, int)]),
        med, local-pref (None if absent), attrs (GoBGP's own list).
    """
    routes = {}
    for prefix, paths in (data or {}).items():
        net = str(ipaddress.ip_network(prefix, strict=False))
        for raw in paths:
            path = {
                "prefix": net,
                "best": bool(raw.get("best")),
                "from": raw.get("neighbor-ip"),
                "next-hop": None,
                "as-path": [],
                "communities": [],
                "large-communities": [],
                "med": None,
                "local-pref": None,
                "attrs": raw.get("attrs", []),
            }
            for attr in path["attrs"]:
                kind = attr.get("type")
                if kind == _ATTR_AS_PATH:
                    for seg in attr.get("as_paths", []):
                        path["as-path"] += list(seg.get("asns", []))
                elif kind == _ATTR_NEXT_HOP:
                    path["next-hop"] = attr.get("nexthop")
                elif kind == _ATTR_MP_REACH:
                    path["next-hop"] = attr.get("nexthop")
                elif kind == _ATTR_COMMUNITIES:
                    path["communities"] = [
                        (c >> 16, c & 0xFFFF) for c in attr.get("communities", [])
                    ]
                elif kind == _ATTR_LARGE_COMMUNITIES:
                    path["large-communities"] = [
                        (c.get("ASN"), c.get("LocalData1"), c.get("LocalData2"))
                        for c in attr.get("value", [])
                    ]
                elif kind == _ATTR_MED:
                    path["med"] = attr.get("metric")
                elif kind == _ATTR_LOCAL_PREF:
                    path["local-pref"] = attr.get("value")
            routes.setdefault(net, []).append(path)
    return routes


class GobgpNva(peerproc.NamespaceDaemon):
    """
    A gobgpd in the network namespace of a topogen router.

    router:     topogen router gear (tgen.gears[name]).
    rundir:     directory for gobgpd.toml and the log; None:
                <tgen.logdir>/<router>/gobgp.
    router_id:  BGP router ID (IPv4 address).
    local_as:   GoBGP's AS number (the route server's for a gateway: iBGP).
    api_port:   TCP port of the gRPC API on 127.0.0.1 in the namespace.
    log_level:  gobgpd's --log-level (debug, info, warn, ...).
    """

    PROGRAM = "gobgpd"

    def __init__(self, router, rundir, router_id, local_as, api_port=50051, log_level="info"):
        super().__init__(router, rundir, "gobgp")
        if peerproc.address(router_id).version != 4:
            raise ValueError("router ID must be an IPv4 address: " + str(router_id))
        self.router_id = str(router_id)
        self.local_as = peerproc.check_asn(local_as)
        self.api_port = int(api_port)
        self.log_level = log_level
        self.conf_path = os.path.join(self.rundir, "gobgpd.toml")
        self.log_path = os.path.join(self.rundir, "gobgpd.log")
        self.peers = {}  # name -> settings, in insertion order
        self.announcements = {}  # prefix -> settings, in insertion order

    def __repr__(self):
        return "GobgpNva({}, AS{}, {})".format(self.router.name, self.local_as, self.rundir)

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
        Add a BGP neighbor `address` in AS `remote_as`, known to the helper
        as `name`. multihop: True (TTL 255), False (direct) or a TTL, for
        eBGP only. ipv6: the address family, None: that of `address`.
        extra: raw TOML lines for the neighbor's [neighbors.config] table.
        Applied by start() (GoBGP's configuration is read once).
        """
        settings = peerproc.peer_settings(
            self.peers, name, address, remote_as, local_address, multihop, ipv6, passive, extra, local_required=False
        )
        if self.is_running():
            raise GobgpError("{}: add peers before start()".format(self))
        self.peers[name] = settings
        return name

    def config_text(self):
        "The gobgpd.toml for the current settings."
        out = [
            "# gobgpd.toml for {} (AS {}), generated by vnetrs_gobgp.py".format(
                self.router.name, self.local_as
            ),
            "[global.config]",
            "  as = {}".format(self.local_as),
            "  router-id = {}".format(_toml_str(self.router_id)),
        ]
        for peer in self.peers.values():
            out += [
                "",
                "[[neighbors]]",
                "  [neighbors.config]",
                "    neighbor-address = {}".format(_toml_str(peer["address"])),
                "    peer-as = {}".format(peer["remote_as"]),
            ]
            out += ["    " + line for line in peer["extra"]]
            out += ["  [neighbors.transport.config]"]
            if peer["local_address"]:
                out.append("    local-address = {}".format(_toml_str(peer["local_address"])))
            if peer["passive"]:
                out.append("    passive-mode = true")
            # GoBGP's defaults (120 s connect retry, 30 s idle hold after a
            # reset) are slow for tests.
            out += [
                "  [neighbors.timers.config]",
                "    connect-retry = 5",
                "    idle-hold-time-after-reset = 5",
            ]
            if peer["remote_as"] != self.local_as and peer["multihop"]:
                ttl = 255 if peer["multihop"] is True else peer["multihop"]
                out += [
                    "  [neighbors.ebgp-multihop.config]",
                    "    enabled = true",
                    "    multihop-ttl = {}".format(ttl),
                ]
            out += [
                "  [[neighbors.afi-safis]]",
                "    [neighbors.afi-safis.config]",
                '      afi-safi-name = "{}"'.format("ipv6-unicast" if peer["ipv6"] else "ipv4-unicast"),
            ]
        return "\n".join(out) + "\n"

    def write_config(self):
        "Write gobgpd.toml; returns its path."
        os.makedirs(self.rundir, exist_ok=True)
        tmp = self.conf_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.config_text())
        os.replace(tmp, self.conf_path)
        return self.conf_path

    def announce(self, prefix, prepend=0, communities=(), large_communities=(), med=None, apply=True):
        """
        Announce `prefix` (IPv4 or IPv6: to the peers of that family) to
        every peer, or replace the attributes of an announced one.
        prepend: an int n adds n extra copies of the local AS (to an eBGP
        peer: AS path of n + 1 local ASes); a list of AS numbers puts those
        after the local AS. communities: (int, int) pairs, e.g.
        NO_ADVERTISE; large_communities: (int, int, int); med:
        MULTI_EXIT_DISC. Applied at once if GoBGP runs (and apply).
        """
        ann = peerproc.announcement(self.local_as, prefix, prepend, communities, large_communities, med)
        key = str(ann["network"])
        self.announcements[key] = ann
        if apply and self.is_running():
            self._rib_add(key)

    def withdraw(self, prefix, apply=True):
        "Stop announcing `prefix` (KeyError if it is not announced)."
        key = str(peerproc.network(prefix))
        ann = self.announcements.pop(key)
        if apply and self.is_running():
            self.gobgp(["global", "rib", "del", key, "-a", self._family(ann["network"])])

    @staticmethod
    def _family(net):
        return "ipv6" if net.version == 6 else "ipv4"

    def _rib_add(self, key):
        ann = self.announcements[key]
        args = ["global", "rib", "add", key]
        if ann["as_path"]:
            args += ["aspath", ",".join(str(a) for a in ann["as_path"])]
        if ann["communities"]:
            args += ["community", ",".join("{}:{}".format(a, b) for a, b in ann["communities"])]
        if ann["large_communities"]:
            args += [
                "large-community",
                ",".join("{}:{}:{}".format(*c) for c in ann["large_communities"]),
            ]
        if ann["med"] is not None:
            args += ["med", str(ann["med"])]
        args += ["-a", self._family(ann["network"])]
        self.gobgp(args)

    # ------------------------------------------------------------------
    # Process control
    # ------------------------------------------------------------------

    def start(self, timeout=15):
        """
        Write gobgpd.toml (checked with gobgpd --dry-run), start gobgpd in
        the router's namespaces, wait until its API answers, and add the
        announced routes. Stopped by stop(), by tgen.stop_topology(), or at
        the latest when the Python process exits.
        """
        if self.is_running():
            raise GobgpError("{}: gobgpd already running".format(self))
        self.write_config()
        rc, out, err = self._ns(["gobgpd", "--dry-run", "-f", self.conf_path])
        if rc != 0:
            raise GobgpError(
                "{}: gobgpd.toml rejected: {}\n{}".format(self, (out + err).strip(), self.config_text())
            )
        self._spawn(
            "gobgpd -f {} -p -l {} --api-hosts 127.0.0.1:{} --pprof-disable >>{} 2>&1".format(
                shlex.quote(self.conf_path),
                shlex.quote(self.log_level),
                self.api_port,
                shlex.quote(self.log_path),
            )
        )
        last = []

        def ready():
            rc, out, err = self._gobgp(["global"])
            last[:] = [out + err]
            return rc == 0 and "AS" in out

        if not self._wait_up(ready, timeout):
            self.stop()
            raise GobgpError(
                "{}: gobgpd did not come up: {}\nlog: {}".format(
                    self, "".join(last).strip(), self.log_text()[-2000:]
                )
            )
        for key in self.announcements:
            self._rib_add(key)
        logger.info("%s: gobgpd started, pid %s", self, self.pids())

    # ------------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------------

    def _gobgp(self, args):
        return self._ns(["gobgp", "-u", "127.0.0.1", "-p", str(self.api_port)] + list(args))

    def gobgp(self, args, check=True):
        """
        Run "gobgp ARGS" (a list, or a string split like a shell) against
        this gobgpd; return its output. GobgpError if it fails and check.
        """
        if isinstance(args, str):
            args = shlex.split(args)
        rc, out, err = self._gobgp(args)
        if rc != 0 and check:
            raise GobgpError("{}: gobgp {} failed ({}): {}".format(self, " ".join(args), rc, (out + err).strip()))
        return out

    def neighbors(self):
        """
        {name: {"address", "state" (FRR's names: "Established", "Active",
        ...), "raw" (GoBGP's JSON)}} of the configured peers.
        """
        data = json.loads(self.gobgp(["neighbor", "-j"]) or "[]")
        by_addr = {}
        for entry in data or []:
            state = entry.get("state", {})
            addr = state.get("neighbor_address") or entry.get("conf", {}).get("neighbor_address")
            by_addr[addr] = {
                "address": addr,
                "state": SESSION_STATES.get(state.get("session_state", 0), str(state.get("session_state"))),
                "raw": entry,
            }
        return {name: by_addr.get(p["address"]) for name, p in self.peers.items()}

    def protocol_state(self, name):
        """
        The session state of peer `name` ("Established", "Active", ...);
        None if GoBGP does not know it.
        """
        entry = self.neighbors().get(name)
        return None if entry is None else entry["state"]

    def check_established(self, *names):
        """
        None if the peers `names` (default: all) are Established, else a
        description of their states; for vnetrs_topo.poll().
        """
        names = names or tuple(self.peers)
        try:
            neigh = self.neighbors()
        except (PeerError, ValueError) as err:
            return str(err)
        bad = {n: (neigh.get(n) or {}).get("state") for n in names if (neigh.get(n) or {}).get("state") != "Established"}
        return None if not bad else "{}: not Established: {}".format(self, bad)

    def rib(self, ipv6=False):
        "GoBGP's global RIB of one family, parsed (see parse_rib)."
        out = self.gobgp(["global", "rib", "-a", "ipv6" if ipv6 else "ipv4", "-j"])
        return parse_rib(json.loads(out) if out.strip() else {})

    def learned_routes(self, prefix=None, protocol=None, ipv6=None):
        """
        The routes GoBGP learned from its peers ("gobgp global rib", the
        locally announced ones left out): {prefix: [path, ...]} (see
        parse_rib), each path also with "from-protocol", the peer's name.
        prefix: only that network; protocol: only from that peer; ipv6:
        one family (None: the family of prefix, else both).
        """
        if prefix is not None:
            prefix = str(peerproc.network(prefix))
            ipv6 = ":" in prefix
        families = (False, True) if ipv6 is None else (bool(ipv6),)
        names = {p["address"]: n for n, p in self.peers.items()}
        result = {}
        for fam in families:
            for net, paths in self.rib(fam).items():
                if prefix is not None and net != prefix:
                    continue
                learned = []
                for path in paths:
                    if path["from"] is None:
                        continue
                    path["from-protocol"] = names.get(path["from"])
                    if protocol is None or path["from-protocol"] == protocol:
                        learned.append(path)
                if learned:
                    result[net] = learned
        return result

    def log_text(self):
        "gobgpd's log (empty if none yet)."
        return peerproc.read_text(self.log_path)
