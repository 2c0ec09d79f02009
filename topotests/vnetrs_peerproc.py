# SPDX-License-Identifier: GPL-2.0-or-later
"""
What the third-party BGP peer helpers (vnetrs_gobgp.py, vnetrs_exabgp.py)
share: a daemon run in the network namespace of a topogen router, found
again by its command line, stopped with the topology and at the latest when
the test process exits.

vnetrs_bird.py predates this module and keeps its own copy of the process
control; the argument checks (prefixes, addresses, AS numbers, communities)
and the well-known communities are taken from it, so that every helper
accepts the same values.
"""

import atexit
import logging
import os
import signal
import time

from vnetrs_bird import (  # noqa: F401 (re-exported for the helpers' users)
    BLACKHOLE,
    NO_ADVERTISE,
    NO_EXPORT,
    NO_EXPORT_SUBCONFED,
    _address,
    _check_asn,
    _community,
    _network,
)
from vnetrs_topo import pid_alive

logger = logging.getLogger("vnetrs_peerproc")

_live = set()  # started daemons, for the atexit hook

# Names BGP gives the session states (FRR's and BIRD's spelling).
ESTABLISHED = "Established"


def address(value):
    "The ipaddress address of value (ValueError if it is none)."
    return _address(value)


def network(value):
    "The ipaddress network of value (host bits must be zero)."
    return _network(value)


def check_asn(value):
    return _check_asn(value)


def community(value, size):
    "A standard (size 2) or large (size 3) community as a tuple of ints."
    return _community(value, size)


def peer_settings(peers, name, address_, remote_as, local_address, multihop, ipv6, passive, extra, local_required):
    """
    The settings of a new BGP neighbor of a helper (GoBGP, ExaBGP), checked:
    a name not in peers yet, the session's family, a local address of that
    family (required when local_required), a multihop TTL of 1 to 255.
    """
    if name in peers:
        raise ValueError("peer {} already exists".format(name))
    addr = address(address_)
    if ipv6 is None:
        ipv6 = addr.version == 6
    if bool(ipv6) != (addr.version == 6):
        raise ValueError("peer {}: the family must be the session's ({})".format(name, address_))
    if local_address is None:
        if local_required:
            raise ValueError("peer {}: needs a local address of the neighbor's family".format(name))
    elif address(local_address).version != addr.version:
        raise ValueError(
            "peer {}: {}".format(
                name,
                "needs a local address of the neighbor's family"
                if local_required
                else "local address and neighbor differ in family",
            )
        )
    if multihop is not True and multihop is not False:
        if not isinstance(multihop, int) or not 1 <= multihop <= 255:
            raise ValueError("peer {}: bad multihop TTL {!r}".format(name, multihop))
    return {
        "address": str(addr),
        "remote_as": check_asn(remote_as),
        "local_address": None if local_address is None else str(local_address),
        "multihop": multihop,
        "ipv6": bool(ipv6),
        "passive": bool(passive),
        "extra": [extra] if isinstance(extra, str) else list(extra),
    }


def announcement(local_as, prefix, prepend, communities, large_communities, med):
    """
    The attributes of an announced prefix, checked. prepend: an int n adds
    n extra copies of local_as; a list of AS numbers goes after local_as.
    communities: (int, int) pairs; large_communities: (int, int, int); med:
    MULTI_EXIT_DISC or None.
    """
    net = network(prefix)
    if isinstance(prepend, int) and not isinstance(prepend, bool):
        if prepend < 0:
            raise ValueError("prepend count must be >= 0")
        path = [local_as] * prepend
    else:
        path = [check_asn(asn) for asn in prepend]
    if med is not None and (not isinstance(med, int) or not 0 <= med < 2**32):
        raise ValueError("bad MED: {!r}".format(med))
    return {
        "network": net,
        "as_path": path,
        "communities": [community(c, 2) for c in communities],
        "large_communities": [community(c, 3) for c in large_communities],
        "med": med,
    }


def read_text(path):
    "A file's text ('' if it does not exist yet)."
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class PeerError(Exception):
    "A third-party BGP daemon could not be configured, started, stopped or queried."


class NamespaceDaemon:
    """
    A daemon in the network namespace of a topogen router, recognised in
    /proc by a program name and its configuration file's path on its
    command line. Subclasses set PROGRAM (a basename: argv[0], or argv[1]
    for a script run by an interpreter) and conf_path, and implement
    start().
    """

    PROGRAM = None

    def __init__(self, router, rundir, default_subdir):
        self.router = router
        if rundir is None:
            rundir = os.path.join(router.logdir, router.name, default_subdir)
        self.rundir = os.path.abspath(rundir)
        self.conf_path = None
        self._hooked = False

    # -- running commands in the namespace --------------------------------

    def _ns(self, cmd):
        "Run cmd (list: no shell; str: bash) in the router's namespaces."
        return self.router.net.cmd_status(cmd, warn=False)

    def _spawn(self, shell_cmd, env=""):
        """
        Start shell_cmd in the router's namespaces in a session of its own,
        stdin from /dev/null: it outlives the shell that started it. env:
        shell assignments (VAR=value ...) for it.
        """
        self._hook_router_stop()
        _live.add(self)
        rc, out, err = self._ns("{} setsid {} </dev/null &".format(env, shell_cmd).strip())
        if rc != 0:
            raise PeerError("{}: could not start: {}".format(self, (out + err).strip()))

    def _wait_up(self, ready, timeout, grace=3.0):
        """
        Poll ready() until it is true; False after timeout, or once the
        daemon is not running (checked only after grace seconds: the shell
        that starts it may not have exec'd it yet).
        """
        start = time.monotonic()
        while not ready():
            elapsed = time.monotonic() - start
            if elapsed >= timeout or (elapsed >= grace and not self.is_running()):
                return False
            time.sleep(0.2)
        return True

    # -- processes ---------------------------------------------------------

    def pids(self):
        "PIDs of the live processes running this instance's configuration."
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/{}/cmdline".format(entry), "rb") as f:
                    argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
            except OSError:
                continue
            names = [os.path.basename(a) for a in argv[:2]]
            if self.PROGRAM in names and self.conf_path in argv and pid_alive(int(entry)):
                found.append(int(entry))
        return found

    def is_running(self):
        return bool(self.pids())

    def wait_gone(self, timeout):
        "Wait until no process runs; return those still running."
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids or time.monotonic() >= deadline:
                return pids
            time.sleep(0.1)

    def stop(self, timeout=10):
        """
        Stop the daemon (SIGTERM, then SIGKILL) and wait until it is gone.
        Does nothing if it is not running.
        """
        for sig, share in ((signal.SIGTERM, 0.7), (signal.SIGKILL, 0.3)):
            pids = self.pids()
            if not pids:
                break
            if sig == signal.SIGKILL:
                logger.warning("%s: did not stop on SIGTERM, sending SIGKILL", self)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            self.wait_gone(timeout * share)
        pids = self.pids()
        if pids:
            raise PeerError("{}: pids {} did not exit".format(self, pids))
        _live.discard(self)

    def restart(self):
        self.stop()
        self.start()

    def start(self, timeout=15):
        raise NotImplementedError

    def _hook_router_stop(self):
        """
        Make the router gear's stop() (called by tgen.stop_topology()) stop
        this daemon before the router's FRR daemons.
        """
        if self._hooked:
            return
        router = self.router
        orig_stop = router.stop
        daemon = self

        def stop(*args, **kwargs):
            try:
                daemon.stop()
            except Exception:  # pylint: disable=broad-except
                logger.exception("%s: stopping failed", daemon)
            return orig_stop(*args, **kwargs)

        router.stop = stop
        self._hooked = True


@atexit.register
def _stop_all():
    "Last resort: no daemon outlives the test process."
    for daemon in list(_live):
        try:
            daemon.stop(timeout=4)
        except Exception:  # pylint: disable=broad-except
            pass
