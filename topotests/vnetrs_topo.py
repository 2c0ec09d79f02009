# SPDX-License-Identifier: GPL-2.0-or-later
"""
Glue between the vnetrs topotests and FRR's topotest library.

Nothing of FRR's is copied here: FRR's tests/topotests directory (from the
tree named by VNETRS_FRR_SRC, default <repo>/build/frr/src) is put on
sys.path, its library and conftest.py are imported at test time, and a few
functions that do not fit this machine are replaced after import:

* lib.topotest.module_present: reads /proc/modules, which this kernel does
  not have (open() raises). Replaced by a check that falls back to
  /sys/module and modprobe when /proc/modules is missing.
* lib.topogen.diagnose_env (as called by FRR's conftest.py): fails the whole
  session when a daemon it lists is missing; Debian 12's frr ships no pim6d.
  Wrapped so that errors about the daemons in [topogen] optional_daemons are
  ignored; every other diagnostic still fails the session.
* [topogen] settings: FRR's library reads them from FRR's own pytest.ini;
  ours (topotests/pytest.ini) are applied on top.

Test modules can import FRR's library the way FRR's tests do:

    from lib import topotest
    from lib.topogen import Topogen, TopoRouter, get_topogen
"""

import configparser
import importlib.util
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

TOPOTESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TOPOTESTS_DIR)
PYTEST_INI = os.path.join(TOPOTESTS_DIR, "pytest.ini")

# Name under which FRR's conftest.py is imported (it is not our conftest).
FRR_CONFTEST_MODNAME = "frr_topotests_conftest"

_bootstrapped = False


def frr_version():
    "The installed bgpd's version, e.g. 8.4.4 or 10.3 (None if unknown)."
    try:
        out = subprocess.run(
            ["/usr/lib/frr/bgpd", "--version"],
            capture_output=True, text=True, check=False
        ).stdout
        return out.split("bgpd version ", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def frr_major():
    "The installed FRR's major version (8 or 10), 0 if unknown."
    major = (frr_version() or "").split(".")[0]
    return int(major) if major.isdigit() else 0


# What FRR 10's "vtysh -b" prints while it works (8.4's printed nothing).
_VTYSH_B_PROGRESS = re.compile(
    r"^(\[\d+\|\w+\] (sending configuration|done)"
    r"|Waiting for children to finish applying config\.\.\."
    r"|MGMTD: No changes found to be committed!)$"
)


def without_vtysh_b_progress(out):
    "vtysh -b's output without FRR 10's progress lines."
    return "\n".join(
        line for line in out.splitlines() if not _VTYSH_B_PROGRESS.match(line)
    )


def frr_src():
    """
    The FRR source tree: $VNETRS_FRR_SRC, or where tools/prepare-frr.sh puts
    it for the installed FRR: $VNETRS_FRR_DIR/src if set (as for
    prepare-frr.sh), else <repo>/build/frr/src for 8.4,
    <repo>/build/frr-VERSION/src from 10.
    """
    src = os.environ.get("VNETRS_FRR_SRC")
    if not src and os.environ.get("VNETRS_FRR_DIR"):
        src = os.path.join(os.environ["VNETRS_FRR_DIR"], "src")
    if not src:
        ver = frr_version() or ""
        major = ver.split(".")[0]
        sub = "frr-" + ver if major.isdigit() and int(major) >= 10 else "frr"
        src = os.path.join(REPO_DIR, "build", sub, "src")
    return os.path.abspath(src)


def frr_topotests_dir():
    "FRR's tests/topotests directory (holds lib/ and conftest.py)."
    return os.path.join(frr_src(), "tests", "topotests")


def topogen_settings():
    "The [topogen] section of topotests/pytest.ini, uninterpolated."
    config = configparser.ConfigParser(interpolation=None)
    config.read(PYTEST_INI)
    if not config.has_section("topogen"):
        return {}
    return dict(config.items("topogen"))


def optional_daemons():
    value = topogen_settings().get("optional_daemons", "")
    return set(value.replace(",", " ").split())


def _setup_paths():
    topodir = frr_topotests_dir()
    if not os.path.isfile(os.path.join(topodir, "lib", "topogen.py")):
        raise RuntimeError(
            "FRR topotest library not found at {}/lib (set VNETRS_FRR_SRC to an "
            "FRR source tree, or run tools/prepare-frr.sh)".format(topodir)
        )
    # FRR's tests do "from lib import topotest": the parent of lib/ must win
    # over anything else called "lib". lib/ itself is deliberately not put on
    # sys.path: "import topotest" next to "from lib import topotest" would load
    # the library twice, with two separate copies of its global state.
    if topodir in sys.path:
        sys.path.remove(topodir)
    sys.path.insert(0, topodir)

    # The vtysh that knows the module's commands: $VNETRS_VTYSH_DIR, else the
    # one built in this work tree (Debian's would refuse them).
    vtysh_dir = os.environ.get("VNETRS_VTYSH_DIR")
    if not vtysh_dir and os.access(os.path.join(REPO_DIR, "vtysh", "vtysh"), os.X_OK):
        vtysh_dir = os.path.join(REPO_DIR, "vtysh")
    if vtysh_dir:
        vtysh_dir = os.path.abspath(vtysh_dir)
        path = os.environ.get("PATH", "").split(os.pathsep)
        if not path or path[0] != vtysh_dir:
            os.environ["PATH"] = os.pathsep.join([vtysh_dir] + path)


def _patch_module_present(topotest):
    "Replace lib.topotest.module_present on kernels without /proc/modules."
    orig = topotest.module_present

    def module_present(module, load=True):
        if os.path.exists("/proc/modules") or not sys.platform.startswith("linux"):
            return orig(module, load)
        # Loaded and built-in modules with parameters show up in /sys/module.
        if os.path.isdir(os.path.join("/sys/module", module.replace("-", "_"))):
            return True
        modprobe = shutil.which("modprobe") or shutil.which("/sbin/modprobe")
        if not modprobe:
            return False
        cmd = [modprobe] + ([] if load else ["-n"]) + [module]
        return (
            subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            == 0
        )

    module_present.vnetrs_orig = orig
    topotest.module_present = module_present


class _ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _make_diagnose_env(orig, topolog_logger):
    def diagnose_env(rundir):
        """
        Run FRR's diagnose_env(), but do not fail for the daemons listed in
        [topogen] optional_daemons, which this FRR build does not ship.
        """
        collector = _ErrorCollector()
        topolog_logger.addHandler(collector)
        try:
            ok = orig(rundir)
        finally:
            topolog_logger.removeHandler(collector)
        if ok:
            return True
        optional = optional_daemons()
        fatal = []
        for msg in collector.messages:
            words = msg.split()
            # FRR: "could not find {daemon} in {frrdir}"
            if (
                msg.startswith("could not find ")
                and len(words) >= 4
                and words[3] in optional
            ):
                topolog_logger.info("vnetrs: ignoring: %s (optional daemon)", msg)
                continue
            fatal.append(msg)
        # If FRR failed without logging an error we cannot tell why: keep it.
        return bool(collector.messages) and not fatal

    diagnose_env.vnetrs_orig = orig
    return diagnose_env


def _patch_topogen_config(topogen):
    "Make our [topogen] settings win over FRR's pytest.ini and defaults."
    settings = topogen_settings()
    # diagnose_env_linux() and Topogen._load_config() build their parser from
    # this dict at call time.
    topogen.tgen_defaults.update(settings)

    orig = topogen.Topogen._load_config

    def _load_config(self):
        orig(self)
        self.config.read(PYTEST_INI)

    _load_config.vnetrs_orig = orig
    topogen.Topogen._load_config = _load_config


# --- sanitizer mode ($VNETRS_SANITIZE=1, tools/check.sh) ---------------------
#
# Every bgpd started with the vnetrs module (its command line has
# "-M vnetrs") runs with the AddressSanitizer runtime preloaded (Debian's
# bgpd is not instrumented; VNETRS_MODULE names the instrumented module,
# tools/build-asan.sh), its reports written to <logdir>/<router>/bgpd.asan.PID
# and bgpd.ubsan.PID. tests/sanitizers/check-reports.sh fails on any.


def sanitize_mode():
    return os.environ.get("VNETRS_SANITIZE") == "1"


def sanitizer_runtime():
    "The ASan runtime to preload: $VNETRS_ASAN_RUNTIME, else gcc's."
    path = os.environ.get("VNETRS_ASAN_RUNTIME")
    if not path:
        path = subprocess.check_output(
            ["gcc", "-print-file-name=libasan.so"], text=True
        ).strip()
    return os.path.realpath(path)


def sanitizer_env(logdir):
    "Shell assignments for a sanitized bgpd whose reports go to logdir."
    # bgpd reads the suppressions when it exits, as the frr user: a copy in
    # logdir, since a user's clone (under /root, or mktemp -d) is not
    # readable by frr.
    supp = os.path.join(logdir, "lsan.supp")
    shutil.copyfile(os.path.join(REPO_DIR, "tests", "sanitizers", "lsan.supp"), supp)
    os.chmod(supp, 0o644)
    common = "print_stacktrace=1:halt_on_error=1"
    asan = "log_path={}/bgpd.asan:{}:detect_leaks=1:leak_check_at_exit=1".format(
        logdir, common
    )
    env = {
        "LD_PRELOAD": sanitizer_runtime(),
        "ASAN_OPTIONS": asan,
        "UBSAN_OPTIONS": "log_path={}/bgpd.ubsan:{}".format(logdir, common),
        "LSAN_OPTIONS": "suppressions={}:print_suppressions=0".format(supp),
    }
    return " ".join("{}={}".format(k, shlex.quote(v)) for k, v in env.items())


def _note_sanitized(router, logdir):
    """
    Check that the bgpd just started runs with the ASan runtime and the
    module named by VNETRS_MODULE mapped, and note it in
    <logdir>/bgpd.sanitized (check-reports.sh counts those): a test run
    that silently lost its sanitizers must not pass for a clean one.
    """
    module = os.path.realpath(vnetrs_module_path())
    maps, deadline = "", time.monotonic() + 10
    while time.monotonic() < deadline:
        maps = router.cmd(
            "cat /proc/$(cat /var/run/{}/bgpd.pid 2>/dev/null)/maps 2>/dev/null".format(
                router.routertype
            )
        )
        if module in maps:
            break
        time.sleep(0.1)
    if module not in maps:
        return  # bgpd did not start: the test itself fails on that
    if "libasan" not in maps:
        raise RuntimeError(
            "{}: bgpd runs {} without the ASan runtime".format(router.name, module)
        )
    with open(os.path.join(logdir, "bgpd.sanitized"), "a") as f:
        f.write("bgpd with {} and the ASan runtime\n".format(module))


def _patch_sanitize(topotest):
    """
    Wrap Router.startRouterDaemons so that the command starting a bgpd with
    the vnetrs module gets sanitizer_env() just before the binary (after
    FRR's own ASAN_OPTIONS, which it overrides).
    """
    orig = topotest.Router.startRouterDaemons

    def startRouterDaemons(self, daemons=None, tgen=None):
        bgpd = " " + os.path.join(self.daemondir, "bgpd") + " "
        logdir = os.path.join(self.logdir, self.name)
        cmd_raises = self.cmd_raises

        def sanitized_cmd_raises(cmd, *args, **kwargs):
            if isinstance(cmd, str) and bgpd in cmd and " -M vnetrs" in cmd:
                cmd = cmd.replace(bgpd, " {}{}".format(sanitizer_env(logdir), bgpd), 1)
            return cmd_raises(cmd, *args, **kwargs)

        self.cmd_raises = sanitized_cmd_raises
        try:
            ret = orig(self, daemons, tgen)
        finally:
            del self.cmd_raises
        if self.daemons.get("bgpd") == 1 and " -M vnetrs" in self.daemons_options.get(
            "bgpd", ""
        ) and (daemons is None or "bgpd" in daemons):
            _note_sanitized(self, logdir)
        return ret

    startRouterDaemons.vnetrs_orig = orig
    topotest.Router.startRouterDaemons = startRouterDaemons


# The namespace file in /proc/PID/ns of each of mutini's --unshare-flags.
_UNSHARE_FLAG_NS = {
    "C": "cgroup",
    "i": "ipc",
    "m": "mnt",
    "n": "net",
    "p": "pid_for_children",
    "T": "time",
    "U": "user",
    "u": "uts",
}


def _unshare_flags(cmd):
    "The --unshare-flags of a mutini command line (None if it is not one)."
    if not isinstance(cmd, (list, tuple)) or not cmd:
        return None
    if not os.path.basename(str(cmd[0])).startswith("mutini"):
        return None
    for arg in cmd[1:]:
        if str(arg).startswith("--unshare-flags="):
            return str(arg).split("=", 1)[1]
    return None


def _patch_munet_unshare_wait(base):
    """
    FRR 10's munet creates a node (a router) by starting, through the
    unet's popen, "nsenter <the unet's namespaces> mutini --unshare-flags",
    then waits until the new process's /proc/PID/ns/* differ from the
    unet's, taking that as the sign that mutini has unshared its own; then
    it makes the node's private mounts (tmpfs on /etc/frr, /var/run/frr,
    /var/lib/frr, /var/log) through nsenter --mount=/proc/PID/ns/mnt. But
    the process starts in the namespaces of pytest itself, which differ
    from the unet's too: when munet looks before nsenter has run, it sees
    "switched" at once (exec.log: "switched: original mnt:[unet's] current
    mnt:[pytest's]" after a few microseconds), and the mounts land in
    pytest's namespace or the unet's instead of the node's. That node's
    daemons then use the machine's /etc/frr and /run/frr: its config files
    are not read ("write memory" writes them to the machine's /etc/frr),
    and bgpd "Can't create pid lock file /run/frr/bgpd.pid (Permission
    denied)" when /run/frr is not frr's. Which node loses the race varies
    from run to run.

    The fix: the unet's popen of such a command returns only once the new
    process's namespaces differ from both pytest's and the unet's (it has
    entered the unet's and unshared its own), or it exited, or 30 s passed
    (then munet's own checks report it).
    """
    orig = base.BaseMunet.popen
    if getattr(orig, "vnetrs_orig", None):
        return

    def popen(self, cmd, **kwargs):
        p = orig(self, cmd, **kwargs)
        flags = _unshare_flags(cmd)
        if not flags or not getattr(self, "pid", None):
            return p
        names = [_UNSHARE_FLAG_NS[f] for f in flags if f in _UNSHARE_FLAG_NS]
        proc = str(getattr(self, "proc_path", None) or "/proc")
        try:
            ours = {n: os.readlink("/proc/self/ns/" + n) for n in names}
            unets = {n: os.readlink("{}/{}/ns/{}".format(proc, self.pid, n)) for n in names}
        except OSError:
            return p
        deadline = time.monotonic() + 30
        while p.poll() is None and time.monotonic() < deadline:
            try:
                now = {n: os.readlink("{}/{}/ns/{}".format(proc, p.pid, n)) for n in names}
            except OSError:
                now = None
            if now and all(now[n] not in (ours[n], unets[n]) for n in names):
                break
            time.sleep(0.005)
        return p

    popen.vnetrs_orig = orig
    base.BaseMunet.popen = popen


def bootstrap():
    """
    Put FRR's topotest library on sys.path, apply the overrides, and return
    FRR's conftest.py imported as a module (not as a conftest).
    Idempotent.
    """
    global _bootstrapped

    if _bootstrapped:
        return sys.modules[FRR_CONFTEST_MODNAME]

    _setup_paths()

    # pylint: disable=import-outside-toplevel
    from lib import topogen, topotest
    from lib.topolog import logger as topolog_logger

    _patch_module_present(topotest)
    _patch_topogen_config(topogen)
    try:
        from munet import base as munet_base  # FRR 10's library; 8.4 has micronet
    except ImportError:
        munet_base = None
    if munet_base is not None and hasattr(munet_base, "BaseMunet"):
        _patch_munet_unshare_wait(munet_base)
    if sanitize_mode():
        _patch_sanitize(topotest)
    diagnose = _make_diagnose_env(topogen.diagnose_env, topolog_logger)
    topogen.diagnose_env = diagnose

    path = os.path.join(frr_topotests_dir(), "conftest.py")
    spec = importlib.util.spec_from_file_location(FRR_CONFTEST_MODNAME, path)
    frr_conftest = importlib.util.module_from_spec(spec)
    sys.modules[FRR_CONFTEST_MODNAME] = frr_conftest
    spec.loader.exec_module(frr_conftest)
    # FRR's conftest did "from lib.topogen import diagnose_env" before we could
    # patch its copy of the name.
    frr_conftest.diagnose_env = diagnose

    _bootstrapped = True
    return frr_conftest


def pytest_objects(module):
    """
    The hooks (pytest_*) and fixtures of `module`, to re-export from a
    conftest.py so that pytest registers them.
    """
    objs = {}
    for name, obj in vars(module).items():
        if name.startswith("pytest_") and callable(obj):
            objs[name] = obj
        elif hasattr(obj, "_pytestfixturefunction") or (
            type(obj).__name__ == "FixtureFunctionDefinition"
        ):
            objs[name] = obj
    return objs


def vnetrs_module_path():
    """
    The bgpd_vnetrs.so under test: $VNETRS_MODULE, else the one built in
    this work tree.
    """
    path = os.environ.get("VNETRS_MODULE") or os.path.join(
        REPO_DIR, "frr-plugin", ".libs", "bgpd_vnetrs.so"
    )
    if not os.path.isfile(path):
        raise RuntimeError(
            "vnetrs module not found at {} (build it with tools/check.sh or "
            "make, or set VNETRS_MODULE)".format(path)
        )
    return os.path.abspath(path)


def vnetrs_bgpd_param():
    """
    bgpd options that load the vnetrs module under test by its name, as
    "bgpd -M vnetrs" does from FRR's module directory.
    """
    path = vnetrs_module_path()
    moddir = os.path.dirname(path)
    if os.path.basename(path) != "bgpd_vnetrs.so":
        raise ValueError("bgpd loads '-M vnetrs' from bgpd_vnetrs.so, not " + path)
    if ":" in moddir or " " in moddir:
        raise ValueError("module directory unusable by bgpd: " + moddir)
    return "--moduledir {} -M vnetrs".format(moddir)


def load_routers(tgen, testdir, module_routers=(), only=None):
    """
    Load the daemons' configs found in <testdir>/<router>/ (zebra.conf,
    staticd.conf, bfdd.conf, bgpd.conf) into every router of tgen (or those named in
    only), bgpd with the vnetrs module on the routers named in
    module_routers, then start them. A router with no config file at all
    (a BIRD NVA, a VM) is left alone.
    """
    from lib.topogen import TopoRouter  # imported late: FRR's path is set up

    daemons = (
        ("zebra.conf", TopoRouter.RD_ZEBRA),
        ("staticd.conf", TopoRouter.RD_STATIC),
        ("bfdd.conf", TopoRouter.RD_BFD),
        ("bgpd.conf", TopoRouter.RD_BGP),
    )
    for rname, router in tgen.routers().items():
        if only is not None and rname not in only:
            continue
        for fname, daemon in daemons:
            path = os.path.join(testdir, rname, fname)
            if not os.path.isfile(path):
                continue
            param = None
            if daemon == TopoRouter.RD_BGP and rname in module_routers:
                param = vnetrs_bgpd_param()
            router.load_config(daemon, path, param)
    tgen.start_router()


def pid_alive(pid):
    "True if pid is a process that has not exited (zombies count as gone)."
    try:
        with open("/proc/{}/stat".format(pid)) as f:
            stat = f.read()
    except OSError:
        return False
    # The state follows the parenthesised command name.
    state = stat.rsplit(")", 1)[-1].split()
    return bool(state) and state[0] not in ("Z", "X")


def stop_before(gear, stop, what):
    """
    Make gear.stop() (called by tgen.stop_topology()) call stop() first: a
    process a helper started in the gear's namespace (BIRD, OVN) ends
    before the gear's FRR daemons and its namespace. A failure of stop()
    is logged as "stopping WHAT failed" and the gear stops anyway.
    """
    orig_stop = gear.stop

    def stopping(*args, **kwargs):
        try:
            stop()
        except Exception:  # pylint: disable=broad-except
            logging.getLogger("topolog").exception("stopping %s failed", what)
        return orig_stop(*args, **kwargs)

    gear.stop = stopping


# --- helpers for the tests' assertions --------------------------------------


def poll(check, what, timeout=30.0, wait=0.25):
    """
    Call check() until it returns None (success) or timeout seconds pass,
    then fail the test with what and the last thing check() returned.
    """
    import pytest  # imported late: only tests call this

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is None:
            return
        if time.monotonic() > deadline:
            pytest.fail("{}: {}".format(what, result))
        time.sleep(wait)


def hold(check, what, seconds=3.0, wait=0.25):
    """
    The negative twin of poll(): check() must return None every time it is
    called during seconds; the test fails with what and check()'s answer
    the first time it does not. Poll for the positive event that shows the
    system acted first, then hold the negative.
    """
    import pytest  # imported late: only tests call this

    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result is not None:
            pytest.fail("{}: {}".format(what, result))
        if time.monotonic() > deadline:
            return
        time.sleep(wait)


def router(name):
    """
    The topology's router name; skips the test when a router's daemons have
    failed (the framework's own check).
    """
    import pytest  # imported late: only tests call this
    from lib.topogen import get_topogen

    tgen = get_topogen()
    if tgen.routers_have_failure():
        pytest.skip(tgen.errors)
    return tgen.gears[name]


def expect_json(router, cmd, expected, what, timeout=30.0, wait=0.5):
    """
    Poll the JSON of cmd on router until it contains expected, as upstream
    topotests do (topotest.router_json_cmp: dictionaries by subset, lists
    by their items in any order); fail the test with what and the
    difference.
    """
    import functools  # pylint: disable=import-outside-toplevel

    import pytest  # imported late: only tests call this
    from lib import topotest  # imported late: FRR's path is set up

    check = functools.partial(topotest.router_json_cmp, router, cmd, expected)
    ok, diff = topotest.run_and_expect(check, None, count=max(1, int(timeout / wait)), wait=wait)
    if not ok:
        pytest.fail("{}: {}".format(what, diff))


def vtysh_json(router, cmd):
    "The JSON output of a vtysh command ({} when there is none)."
    out = router.vtysh_cmd(cmd)
    return json.loads(out) if out.strip() else {}


def rs_config(router, *lines, asn=65515):
    """
    Run configuration lines in the vnet-route-server node of router, each as
    a vtysh -c of its own, as a user would. Returns (exit status, output).
    """
    cmd = ["vtysh", "-c", "conf t", "-c", "router bgp {}".format(asn)]
    cmd += ["-c", "vnet-route-server"]
    for line in lines:
        cmd += ["-c", line]
    rc, out, err = router.net.cmd_status(
        " ".join(shlex.quote(c) for c in cmd), warn=False
    )
    return rc, out + err


def add_segment(tgen, switch, names):
    """
    One L2 segment: a switch named switch, and the routers named (added
    when new) linked to it in that order (their ethN follow it).
    """
    for name in names:
        if name not in tgen.gears:
            tgen.add_router(name)
    sw = tgen.add_switch(switch)
    for name in names:
        sw.add_link(tgen.gears[name])
    return sw


def build_overview_topo(tgen):
    """
    The overview scenario's topology (SPEC §1): one VNet segment with two
    route servers, the SD-WAN and firewall NVAs and a VM; on-premises
    behind the SD-WAN NVA, "the Internet" behind the firewall. Every VNet
    member's eth0 is on the VNet; the NVAs' eth1 go outside.
    """
    add_segment(tgen, "vnet", ("rs1", "rs2", "sdwan", "firewall", "vm"))
    add_segment(tgen, "branch", ("sdwan", "onprem"))
    add_segment(tgen, "edge", ("firewall", "internet"))


# --- the data plane: vnetrs-agent and a VM's kernel routes ------------------


def sdn_sock(rs="rs1"):
    "The SDN socket of route server rs, in the running topology's log dir."
    from lib.topogen import get_topogen  # imported late: FRR's path is set up

    return os.path.join(get_topogen().logdir, rs, "sdn.sock")


def agent_files(node="vm", name="agent"):
    "(pidfile, log) of an agent called name, in node's log dir."
    from lib.topogen import get_topogen  # imported late: FRR's path is set up

    d = os.path.join(get_topogen().logdir, node)
    return os.path.join(d, name + ".pid"), os.path.join(d, name + ".log")


def agent_binary():
    "The vnetrs-agent under test: $VNETRS_AGENT (a wrapper in the sanitized run), else the built one."
    path = os.environ.get("VNETRS_AGENT") or os.path.join(REPO_DIR, "agent", "vnetrs-agent")
    if not os.access(path, os.X_OK):
        raise RuntimeError("vnetrs-agent not built: " + path)
    return path


def kernel_routes(node, proto=245, table=None, family="-4"):
    """
    The routes of route protocol proto in node's kernel (a VM programmed by
    the agent): {prefix: sorted gateways}, ECMP members included.
    """
    cmd = "ip {} route show proto {}".format(family, proto)
    if table is not None:
        cmd += " table {}".format(table)
    return parse_kernel_routes(node.run(cmd))


def parse_kernel_routes(text):
    "'ip route show' output as {prefix: sorted gateways}."
    routes, current = {}, None
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "nexthop":
            routes[current].append(words[words.index("via") + 1])
            continue
        current = words[0]
        routes[current] = [words[words.index("via") + 1]] if "via" in words else []
    return {p: sorted(g) for p, g in routes.items()}


def start_agent(node, sockets, pidfile, log, name="vm-agent", extra=()):
    """
    agent_start() with a name, for a test that needs the agent running:
    fails the test if it refused to start.
    """
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    out = agent_start(node, sockets, pidfile, log, "--name", name, *extra)
    if not out.strip().endswith("rc=0"):
        raise RuntimeError("vnetrs-agent did not start ({}): {}".format(log, out))


def stop_agent(pidfile, timeout=20):
    """
    Stop the agent of pidfile with SIGTERM (it exits cleanly: valgrind
    checks its leaks), SIGKILL if it is still there after timeout; raise if
    it survives even that.
    """
    import signal  # pylint: disable=import-outside-toplevel

    if not os.path.exists(pidfile):
        return
    pid = agent_pid(pidfile)
    if not agent_stop(pidfile, signal.SIGTERM, timeout) and not agent_stop_pid(pid, signal.SIGKILL, 5):
        raise RuntimeError("vnetrs-agent pid {} survived SIGKILL".format(pid))


def tcp_ext(node, name):
    """
    The kernel's TcpExt counter name (e.g. TCPMD5Failure, TCPMinTTLDrop) in
    node's network namespace, from /proc/net/netstat: the evidence that a
    peer did try, for a test that then holds a negative.
    """
    lines = [l.split() for l in node.run("cat /proc/net/netstat").splitlines() if l.startswith("TcpExt:")]
    names, values = lines[0], lines[1]
    return int(values[names.index(name)])


def pings(node, dest, count=1, timeout=1):
    "True if dest answers a ping from node (ping -6 for an IPv6 address)."
    family = "-6 " if ":" in dest else ""
    rc, _, _ = node.net.cmd_status(
        "ping {}-c {} -W {} {}".format(family, count, timeout, dest), warn=False
    )
    return rc == 0


def first_hop(node, dest):
    "The first hop of a traceroute from node to dest ('' if none answered)."
    family = "-6 " if ":" in dest else ""
    out = node.run("traceroute {}-n -q 1 -w 1 -m 2 {}".format(family, dest))
    hops = [line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1]
    return hops[0] if hops else ""


def kill_pidfile(pidfile, sig=None):
    "Signal (default SIGKILL) the process named by pidfile, if it runs."
    import signal  # pylint: disable=import-outside-toplevel

    if not os.path.exists(pidfile):
        return
    with open(pidfile) as f:
        try:
            os.kill(int(f.read().strip()), sig or signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


# --- bgpd's process in a router ---------------------------------------------


def bgpd_pid(router):
    "The pid of router's bgpd, as a string ('' if none)."
    return router.run("cat /var/run/frr/bgpd.pid").strip()


def bgpd_rss_kib(router):
    with open("/proc/{}/status".format(bgpd_pid(router))) as f:
        return int([l for l in f if l.startswith("VmRSS:")][0].split()[1])


def kill9_bgpd(router):
    "kill -9 router's bgpd: a crash, no NOTIFICATION, no clean-up."
    router.run("kill -9 {}".format(bgpd_pid(router)))


# --- a running vnetrs-agent ---------------------------------------------------


def agent_start(node, socks, pidfile, log, *extra):
    """
    Start vnetrs-agent (agent_binary(): under valgrind in the sanitized run)
    in node's namespace as a daemon connected to the SDN sockets socks,
    with its pidfile and log (stderr, appended); wait for the pidfile.
    Returns the shell's output (a refusal is printed there and in log).
    """
    cmd = [agent_binary()]
    for s in socks:
        cmd += ["--connect", s]
    cmd += ["--daemon", "--pidfile", pidfile] + list(extra)
    out = node.run(" ".join(shlex.quote(c) for c in cmd) + " 2>>" + shlex.quote(log) + "; echo rc=$?")
    if out.strip().endswith("rc=0"):
        poll(lambda: None if os.path.exists(pidfile) else "no pidfile", "the agent starts", timeout=10)
    return out


def agent_pid(pidfile):
    with open(pidfile) as f:
        return int(f.read().strip())


def agent_stop_pid(pid, sig, timeout):
    "Signal the process pid and wait until it is gone: whether it is."
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def agent_stop(pidfile, sig=None, timeout=10):
    """
    Signal (default SIGTERM) the agent of pidfile and wait until it is
    gone; the pidfile goes too. Returns whether the agent is gone.
    """
    import signal  # pylint: disable=import-outside-toplevel

    if not os.path.exists(pidfile):
        return True
    gone = agent_stop_pid(agent_pid(pidfile), sig or signal.SIGTERM, timeout)
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    return gone


def agent_status(node, *extra):
    "The output of 'vnetrs-agent --status' in node (the real binary: a quick client)."
    real = os.path.join(REPO_DIR, "agent", "vnetrs-agent")
    return node.run(" ".join([shlex.quote(real), "--status"] + list(extra)) + " 2>&1")


def rejected_counts_differ(router):
    """
    None when every route-server peer's rejected count agrees everywhere it
    is shown: the summary (JSON "routes-rejected" and the text's Rejected
    column), its entries in rejected-routes, and the operational data.
    Otherwise what differs. The summary is read before and after the
    others, so a table still changing is reported as such: poll this.
    """
    summary = "show bgp vnet-route-server json"

    def counts():
        peers = vtysh_json(router, summary).get("peers", [])
        return {p["address"]: p["routes-rejected"] for p in peers}

    before = counts()
    text = {}
    for line in router.vtysh_cmd("show bgp vnet-route-server").splitlines():
        cols = line.split()
        if len(cols) >= 7 and cols[0] in before:
            text[cols[0]] = int(cols[6])
    routes = vtysh_json(router, "show bgp vnet-route-server rejected-routes json").get("routes", [])
    walked = {a: 0 for a in before}
    for r in routes:
        walked[r["peer"]] = walked.get(r["peer"], 0) + 1
    oper = vtysh_json(router, "show yang operational-data /vnet-route-server:vnet-route-server bgpd")
    state = {}
    for inst in oper.get("vnet-route-server:vnet-route-server", {}).get("instance", []):
        if inst.get("vrf") == "default":
            for p in inst.get("peer", []):
                state[p["address"]] = p.get("state", {}).get("routes-rejected", 0)
    after = counts()
    if before != after:
        return {"changing": (before, after)}
    if before == text == walked == state:
        return None
    return {"summary": before, "text": text, "rejected-routes": walked, "oper": state}
