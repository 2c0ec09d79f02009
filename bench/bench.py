#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The vnetrs benchmark (run it through bench/run.sh, which builds first).

    bench.py [--quick] [--reps N] [--churn-seconds S] [--latency-samples N]
    bench.py --curve paths,peers [--reps N] [--contenders ...]

Every contender runs the same workload in the same lab, one after another,
REPS times; results go to bench/results/ (results.json, results.md,
convergence.png), those of the cost curve (curve.py) to
bench/results/curve/ (curve.json, curve.md, curve-*.png). See
bench/README.md for the method.
"""

import argparse
import datetime
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bgpcap  # noqa: E402
import contenders as C  # noqa: E402
import lab as L  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(BENCH, "results")
PREFIXES = os.path.join(BENCH, "cache", "prefixes.txt")
NPREFIXES = 250000
HZ = os.sysconf("SC_CLK_TCK")

# (a) is not polled during the runs: "show bgp vnet-route-server json"
# counts every peer's rejected routes by walking the whole table, which
# loads the route server being measured (at 1M paths, seconds of CPU). (a)
# is taken from the SDN stream instead: the agent's receipt of the batch
# that completes the table (its log, ms resolution), an upper bound of the
# moment effective-routes holds every route. The count is checked after.
WORKLOADS = {
    # 8 NVAs in active-active pairs (NVA k and k+4 announce the same
    # 4,000 prefixes), two route-server instances.
    "W1": {"nvas": 8, "per_nva": 4000, "sets": 4, "rs": 2,
           "poll": 0.02, "timeout": 60, "poll_effective": False},
    # 4 NVAs announcing the same 250,000 prefixes: 1M paths.
    "W2": {"nvas": 4, "per_nva": 250000, "sets": 1, "rs": 1,
           "poll": 0.1, "timeout": 300, "poll_effective": False},
}
CHURN_SHARE = 0.1


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# --- process figures -------------------------------------------------------
def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError):
        return None


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def fib_prefixes(nsname):
    """Prefixes in the main FIB trie of a namespace (cheap: no dump)."""
    pids = subprocess.run(["ip", "netns", "pids", nsname],
                          capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            with open("/proc/%s/net/fib_triestat" % pid) as f:
                text = f.read()
        except OSError:
            continue
        m = re.search(r"Main:.*?Prefixes:\s+(\d+)", text, re.S)
        if m:
            return int(m.group(1))
    return -1


class FibCounter:
    """fib_prefixes() through one process known to live in the namespace."""

    def __init__(self, nsname):
        self.ns = nsname
        self.path = None
        pids = subprocess.run(["ip", "netns", "pids", nsname],
                              capture_output=True, text=True).stdout.split()
        if pids:
            self.path = "/proc/%s/net/fib_triestat" % pids[0]

    def __call__(self):
        try:
            with open(self.path) as f:
                text = f.read()
        except (OSError, TypeError):
            return fib_prefixes(self.ns)
        m = re.search(r"Main:.*?Prefixes:\s+(\d+)", text, re.S)
        return int(m.group(1)) if m else -1


def sink_count():
    j = C.bgp_summary("sink")
    return j.get(L.RS_ADDR["rs1"], {}).get("pfxRcd", 0)


def ext_messages(lab):
    """Whether the first feeder negotiated extended messages with rs1."""
    try:
        j = json.loads(L.vtysh("nva1", "show bgp neighbors %s json" %
                               L.RS_ADDR["rs1"]) or "{}")
    except ValueError:
        return None
    caps = j.get(L.RS_ADDR["rs1"], {}).get("neighborCapabilities", {})
    v = caps.get("extendedMessage")
    return v if v else "not negotiated"


def start_capture(path):
    """tcpdump on every port of the VNet's bridge: what the NVAs send."""
    args = ["ip", "netns", "exec", L.ns("net"), "taskset", "-c",
            L.LOAD_CPU, "tcpdump", "-i", "any", "-Q", "in", "-s", "0", "-B", "131072",
            "-U", "--immediate-mode", "-n", "-w", path, "tcp and src net 10.1.1.0/24"]
    err = open(path + ".log", "w")
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 10
    while time.time() < deadline:
        with open(path + ".log") as f:
            if "listening on" in f.read():
                break
        time.sleep(0.05)
    return p


def stop_proc(p, drain=0.0):
    if drain:
        time.sleep(drain)
    if p and p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --- agent log -----------------------------------------------------------
LOG_TS = r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z vnetrs-agent\[\d+\]: "


def _ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def agent_figures(path, since, want, conn):
    """SDN stream and programming figures from the agent's log: rs1's
    stream until its table holds want routes, and the agent's work."""
    recv = []  # (ts, path, adds, table)
    applied = []  # (ts, adds+replaces)
    with open(path) as f:
        for line in f:
            m = re.match(LOG_TS + r"(\S+): batch seq \d+: (\d+) adds, "
                         r"(\d+) deletes \(table (\d+) routes\)", line)
            if m:
                t = _ts(m.group(1))
                if t >= since - 0.001:
                    recv.append((t, m.group(2), int(m.group(3)),
                                 int(m.group(5))))
                continue
            m = re.match(LOG_TS + r"(\S+) batch: \d+ prefixes changed: "
                         r"(\d+) adds, (\d+) replaces", line)
            if m:
                t = _ts(m.group(1))
                if t >= since - 0.001:
                    applied.append((t, int(m.group(3)) + int(m.group(4))))
    mine = []
    for r in recv:
        if r[1].endswith(conn):
            mine.append(r)
            if r[3] >= want:
                break
    res = {"batches": len(mine)}
    if mine:
        first = mine[0][0]
        last = mine[-1][0]
        routes = sum(r[2] for r in mine)
        res["stream_routes"] = routes
        res["stream_complete"] = mine[-1][3] >= want
        res["stream_first"] = first
        res["stream_last"] = last
        res["stream_rate"] = routes / (last - first) if last > first \
            else None
    # Each applied line follows its batch's received line.
    busy = 0.0
    progs = 0
    ri = 0
    for t, n in applied:
        while ri + 1 < len(recv) and recv[ri + 1][0] <= t:
            ri += 1
        if ri < len(recv) and recv[ri][0] <= t:
            busy += t - recv[ri][0]
            progs += n
    res["programmed"] = progs
    res["program_busy_s"] = busy
    res["program_rate"] = progs / busy if busy > 0 else None
    return res


# --- one run ---------------------------------------------------------------
def wait_for(cond, timeout, what, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(step)
    raise RuntimeError("timeout waiting for " + what)


def run_one(lab, cname, wname, rep, opts):
    w = lab.w
    c = C.CONTENDERS[cname](lab)
    rdir = os.path.join(L.WORK, "runs", "%s-%s-%d" % (wname, cname, rep))
    os.makedirs(rdir, exist_ok=True)
    res = {"workload": wname, "contender": cname, "rep": rep,
           "loadavg": [round(x, 2) for x in os.getloadavg()]}
    log("%s %s rep %d: starting %s (load average %s)" % (
        wname, cname, rep, c.label, " ".join("%.2f" % x
                                             for x in res["loadavg"])))
    c.start()
    log("  started")
    lab.sink_session(True)
    wait_for(lambda: c.established("rs1", L.SINK_ADDR), 30,
             "the sink's session")
    log("  sink established")
    nprefixes = w["sets"] * w["per_nva"]
    npaths = w["nvas"] * w["per_nva"]
    res.update(prefixes=nprefixes, paths=npaths)
    kern = FibCounter(c.kernel_ns())
    rskern = FibCounter(L.ns("rs1"))
    time.sleep(0.5)
    base = {"kernel": kern(), "rskernel": rskern(), "sink": sink_count(),
            "effective": c.effective()}
    pids = c.pids()
    main_pid = pids.get("bgpd") or pids.get("bird")
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    rss_idle = status_kib(main_pid, "VmRSS")
    cap = os.path.join(rdir, "conv.pcap")
    tcpd = start_capture(cap)
    perf = None
    if opts.perf:
        perf = subprocess.Popen(
            ["taskset", "-c", L.LOAD_CPU, "perf", "record", "-F", "499",
             "-g", "-p", str(main_pid), "-o", os.path.join(rdir, "perf.data")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
    t_enable = time.time()
    lab.feeders_session(True)
    targets = {"recv": lambda: c.received() >= npaths,
               "sink": lambda: sink_count() - base["sink"] >= nprefixes,
               "kernel": lambda: kern() - base["kernel"] >= nprefixes}
    if c.only_recv:
        targets = {"recv": targets["recv"]}
    if opts.no_fib and not c.has_agent and "kernel" in targets:
        # Its own kernel is all plain bgpd fills: not with -n.
        del targets["kernel"]
    if c.has_agent and not opts.no_fib:
        targets["rskernel"] = \
            lambda: rskern() - base["rskernel"] >= nprefixes
        if w["poll_effective"]:
            targets["effective"] = \
                lambda: c.effective() - base["effective"] >= nprefixes
    done = {}
    deadline = t_enable + w["timeout"]
    while len(done) < len(targets) and time.time() < deadline:
        for k, f in targets.items():
            if k not in done and f():
                done[k] = time.time()
        time.sleep(w["poll"])
    missing = [k for k in targets if k not in done]
    if missing:
        log("  not reached within %d s: %s" % (w["timeout"], missing))
        # Shown in the tables (the run's CPU and memory cover a different
        # window: they are left out of the medians).
        res["timed_out"] = missing
        res["timeout_s"] = w["timeout"]
    # Let the route server finish what it does after the last route (the
    # CPU figure covers it), then read the counters.
    time.sleep(1.0)
    cpu1 = {k: cpu_seconds(p) for k, p in pids.items()}
    res["routes_sent"] = c.sent()
    if c.has_agent:
        res["effective_count_at_end"] = c.effective() - base["effective"]
    res["cpu"] = {k: round(cpu1[k] - cpu0[k], 3) for k in pids
                  if cpu0.get(k) is not None and cpu1.get(k) is not None}
    if perf:
        stop_proc(perf)
        rep = subprocess.run(
            ["perf", "report", "-i", os.path.join(rdir, "perf.data"),
             "--no-children", "--sort", "dso,symbol", "--stdio", "-g",
             "none", "--percent-limit", "0.7"],
            capture_output=True, text=True).stdout
        with open(os.path.join(rdir, "perf.txt"), "w") as f:
            f.write(rep)
        res["perf"] = [ln.strip() for ln in rep.splitlines()
                       if ln.strip() and not ln.startswith("#")][:25]
    res["rss_idle_kib"] = rss_idle
    res["rss_kib"] = status_kib(main_pid, "VmRSS")
    res["hwm_kib"] = status_kib(main_pid, "VmHWM")
    if res["rss_kib"] and rss_idle:
        res["bytes_per_path"] = round((res["rss_kib"] - rss_idle) * 1024 /
                                      npaths, 1)
    stop_proc(tcpd, drain=0.5)
    nva_addrs = {L.nva_addr(int(n[3:])) for n in lab.nvas()}
    t0, t_feed_last = bgpcap.update_span(cap, nva_addrs, L.RS_ADDR["rs1"])
    res["t0_method"] = "first UPDATE with NLRI from an NVA on the VNet's " \
        "bridge (tcpdump)"
    if t0 is None:
        t0 = t_enable
        res["t0_method"] = "feeders' sessions enabled (no UPDATE captured)"
    res["enable_to_first_update_s"] = round(t0 - t_enable, 4)
    if t_feed_last:
        res["t_feed_last"] = round(t_feed_last - t0, 4)
    for k, t in done.items():
        res["t_" + k] = round(t - t0, 4)
    res["ext_messages"] = ext_messages(lab)
    res["kernel_of"] = c.kernel_label()
    if c.has_agent:
        res["agent"] = agent_figures(
            os.path.join(L.nodedir("vm"), "agent.log"), t0,
            base["effective"] + nprefixes, conn=c.stream_name("rs1"))
        a = res["agent"]
        if a.get("stream_last"):
            res["t_stream_last"] = round(a.pop("stream_last") - t0, 4)
            res["t_stream_first"] = round(a.pop("stream_first") - t0, 4)
    log("  " + brief(res))
    if wname == "W1" and opts.latency_samples and not c.only_recv:
        res["latency"] = latency(lab, c, rdir, opts.latency_samples)
        log("  single prefix to kernel: p50 %.1f ms, p99 %.1f ms (%d "
            "samples)" % (res["latency"]["p50_ms"],
                          res["latency"]["p99_ms"],
                          res["latency"]["samples"]))
    if wname == "W2" and opts.churn_seconds and not c.only_recv and \
            not (opts.no_fib and not c.has_agent):
        res["churn"] = churn(lab, c, kern, base["kernel"], nprefixes,
                             opts.churn_seconds)
        log("  churn: %s" % json.dumps(res["churn"]))
    lab.feeders_session(False)
    lab.sink_session(False)
    log("  sessions shut")
    c.stop()
    log("  stopped")
    if "latency" in res:
        remove_latency_prefixes(lab, opts.latency_samples)
    return res


def brief(r):
    parts = []
    for k in ("feed_last", "recv", "effective", "stream_last", "kernel", "rskernel",
              "sink"):
        if "t_" + k in r:
            parts.append("%s %.3f s" % (k, r["t_" + k]))
    parts.append("cpu %s" % r.get("cpu"))
    parts.append("hwm %d MB" % ((r.get("hwm_kib") or 0) // 1024))
    parts.append("ext-msg %s" % r.get("ext_messages"))
    return ", ".join(parts)


# --- single-prefix latency -------------------------------------------------
def lat_prefix(i):
    return "198.18.%d.%d/32" % (i // 256, i % 256)


def latency(lab, c, rdir, n):
    out = os.path.join(rdir, "nlwatch.txt")
    f = open(out, "w")
    watch = subprocess.Popen(["ip", "netns", "exec", c.kernel_ns(), "taskset",
                              "-c", L.LOAD_CPU, "/usr/bin/python3",
                              os.path.join(BENCH, "nlwatch.py")], stdout=f,
                             stderr=subprocess.DEVNULL)
    wait_for(lambda: "ready" in open(out).read(), 10, "nlwatch")
    cap = os.path.join(rdir, "latency.pcap")
    tcpd = start_capture(cap)
    src = L.nva_addr(1)
    rnd = random.Random(1)
    seen = {}
    for i in range(n):
        p = lat_prefix(i)
        L.vtysh("nva1", "conf t", "router bgp %d" % L.nva_as(1),
                "address-family ipv4 unicast", "network " + p)
        deadline = time.time() + 3
        while time.time() < deadline:
            with open(out) as fh:
                if (" %s " % p) in fh.read():
                    break
            time.sleep(0.005)
        time.sleep(rnd.uniform(0.02, 0.06))
    stop_proc(tcpd, drain=0.5)
    watch.terminate()
    watch.wait()
    f.close()
    with open(out) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                seen.setdefault(parts[1], float(parts[0]))
    wire = bgpcap.announce_times(cap, src)
    lat = sorted((seen[p] - wire[p]) * 1000 for p in
                 (lat_prefix(i) for i in range(n)) if p in seen and p in wire)
    res = {"samples": len(lat), "asked": n,
           "from": "first UPDATE leaving the NVA (tcpdump on the bridge)",
           "to": c.kernel_label() + " (netlink notification)"}
    if lat:
        res["p50_ms"] = round(percentile(lat, 50), 2)
        res["p99_ms"] = round(percentile(lat, 99), 2)
        res["min_ms"] = round(lat[0], 2)
        res["max_ms"] = round(lat[-1], 2)
    else:
        res.update(p50_ms=float("nan"), p99_ms=float("nan"))
    return res


def remove_latency_prefixes(lab, n):
    path = os.path.join(L.WORK, "nva1-unlat.cmds")
    with open(path, "w") as f:
        f.write("router bgp %d\naddress-family ipv4 unicast\n" % L.nva_as(1))
        for i in range(n):
            f.write("no network %s\n" % lat_prefix(i))
    L.vtysh_file("nva1", path)


def percentile(sorted_vals, q):
    if len(sorted_vals) == 1:
        return sorted_vals[0]
    k = (len(sorted_vals) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


# --- W3: churn -------------------------------------------------------------
def churn_prefix_list(lab):
    """Covering /8s holding about CHURN_SHARE of the W2 prefixes."""
    pfx = lab.set_prefixes(0)
    by8 = {}
    for p in pfx:
        by8.setdefault(int(p.split(".")[0]), []).append(p)
    chosen, count = [], 0
    for first in sorted(by8):
        # Only /8s whose prefixes are all longer than /8 (a covering /8
        # route would stay and hide nothing, but keep the count exact).
        if count >= CHURN_SHARE * len(pfx):
            break
        chosen.append(first)
        count += len(by8[first])
    return chosen, count


def churn(lab, c, kern, kbase, nprefixes, seconds):
    firsts, share = churn_prefix_list(lab)
    for node in lab.nvas():
        cmds = ["conf t"]
        for i, first in enumerate(firsts):
            cmds.append("ip prefix-list VB-CHURN seq %d permit %d.0.0.0/8 "
                        "le 32" % (5 * (i + 1), first))
        cmds += ["route-map VB-CHURN deny 10",
                 "match ip address prefix-list VB-CHURN", "exit",
                 "route-map VB-CHURN permit 20", "exit"]
        L.vtysh(node, *cmds)

    def flip(withdraw):
        procs = []
        for node in lab.nvas():
            cmds = ["conf t", "router bgp %d" % L.nva_as(int(node[3:])),
                    "address-family ipv4 unicast"]
            for rs in lab.route_servers():
                cmds.append(("" if withdraw else "no ") +
                            "neighbor %s route-map VB-CHURN out" %
                            L.RS_ADDR[rs])
            args = [L.VTYSH, "--vty_socket", L.nodedir(node), "-d", "bgpd"]
            for x in cmds:
                args += ["-c", x]
            procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        for p in procs:
            p.wait()

    pids = c.pids()
    main_pid = pids.get("bgpd") or pids.get("bird")
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    t_start = time.time()
    wd, ann = [], []
    cycles = 0
    timeouts = 0
    while time.time() - t_start < seconds:
        for withdraw in (True, False):
            t = time.time()
            flip(withdraw)
            want = nprefixes - share if withdraw else nprefixes
            deadline = t + 30
            while time.time() < deadline:
                got = kern() - kbase
                if (withdraw and got <= want) or (not withdraw and
                                                  got >= want):
                    break
                time.sleep(0.05)
            else:
                timeouts += 1
            (wd if withdraw else ann).append(time.time() - t)
        cycles += 1
    elapsed = time.time() - t_start
    cpu1 = {k: cpu_seconds(p) for k, p in pids.items()}
    res = {"share_prefixes": share, "share_paths": share * len(lab.nvas()),
           "cycles": cycles, "seconds": round(elapsed, 1),
           "timeouts": timeouts,
           "withdraw_to_kernel_s_median": round(statistics.median(wd), 3),
           "announce_to_kernel_s_median": round(statistics.median(ann), 3),
           "cpu": {k: round(cpu1[k] - cpu0[k], 2) for k in pids
                   if cpu0.get(k) is not None and cpu1.get(k) is not None},
           "hwm_kib": status_kib(main_pid, "VmHWM"),
           "kernel_of": c.kernel_label(),
           "clock": "from the feeders' policy change (vtysh) to the kernel "
                    "count reached, feeders' own work included"}
    return res


# --- summary ---------------------------------------------------------------
METRICS = [
    # key, label, unit, getter
    ("t_feed_last", "last UPDATE sent by the feeders to rs1", "s"),
    ("t_recv", "(0) all paths received by rs1", "s"),
    ("t_effective", "(a) all routes in effective-routes (polled)", "s"),
    ("t_stream_last", "(a) all effective routes delivered on the SDN stream "
     "(agent log)", "s"),
    ("t_kernel", "(b) all routes in the kernel", "s"),
    ("t_rskernel", "(b') all routes in rs1's own kernel (zebra)", "s"),
    ("t_sink", "(c) all routes re-advertised to the sink", "s"),
    ("cpu_rs", "route server CPU (bgpd or BIRD)", "s"),
    ("cpu_pipeline", "pipeline CPU (bgpd + zebra + vnetrs-agent; BIRD)",
     "s"),
    ("cpu_zebra", "zebra CPU", "s"),
    ("cpu_agent", "vnetrs-agent CPU (the VM)", "s"),
    ("hwm_mb", "route server peak RSS (VmHWM)", "MB"),
    ("bytes_per_path", "bytes per path over the idle process", "B"),
    ("routes_sent", "routes advertised by rs1, summed over its peers",
     "routes"),
    ("lat_p50", "single prefix to kernel p50", "ms"),
    ("lat_p99", "single prefix to kernel p99", "ms"),
    ("stream_rate", "SDN stream rate (routes/s at the agent)", "/s"),
    ("program_rate", "agent programming rate (routes/s)", "/s"),
    ("churn_wd", "W3: 10% withdrawn, to kernel (median)", "s"),
    ("churn_ann", "W3: 10% re-announced, to kernel (median)", "s"),
    ("churn_cpu", "W3: route server CPU over the churn", "s"),
]


def pipeline_cpu(cpu):
    """CPU of every process of the contender's pipeline: bgpd, zebra and
    vnetrs-agent (vnetrs), bgpd and zebra (plain), BIRD alone (bird)."""
    vals = [cpu[k] for k in ("bgpd", "zebra", "agent", "bird") if k in cpu]
    return round(sum(vals), 3) if vals else None


def flat(r):
    if r.get("failed"):
        return {}
    f = {k: r[k] for k in r if k.startswith("t_")}
    if r.get("timed_out"):
        # The times reached count; CPU and memory covered the timeout's
        # window, not a convergence: not in the medians (the cell's n
        # says so).
        return f
    cpu = r.get("cpu", {})
    f["cpu_rs"] = cpu.get("bgpd", cpu.get("bird"))
    f["cpu_pipeline"] = pipeline_cpu(cpu)
    f["cpu_zebra"] = cpu.get("zebra")
    f["cpu_agent"] = cpu.get("agent")
    if r.get("hwm_kib"):
        f["hwm_mb"] = r["hwm_kib"] / 1024.0
        if r.get("rss_idle_kib"):
            f["mem_growth_mb"] = (r["hwm_kib"] - r["rss_idle_kib"]) / 1024.0
    f["bytes_per_path"] = r.get("bytes_per_path")
    f["routes_sent"] = r.get("routes_sent")
    if "latency" in r:
        f["lat_p50"] = r["latency"].get("p50_ms")
        f["lat_p99"] = r["latency"].get("p99_ms")
    if "agent" in r:
        f["stream_rate"] = r["agent"].get("stream_rate")
        f["program_rate"] = r["agent"].get("program_rate")
    if "churn" in r:
        ch = r["churn"]
        f["churn_wd"] = ch["withdraw_to_kernel_s_median"]
        f["churn_ann"] = ch["announce_to_kernel_s_median"]
        ccpu = ch["cpu"]
        f["churn_cpu"] = ccpu.get("bgpd", ccpu.get("bird"))
    return {k: v for k, v in f.items() if v is not None}


def run_counts(runs):
    """{workload: {contender: {"runs", "failed", "timed_out"}}}: what each
    cell's n is out of."""
    out = {}
    for r in runs:
        d = out.setdefault(r["workload"], {}).setdefault(
            r["contender"], {"runs": 0, "failed": 0, "timed_out": 0})
        d["runs"] += 1
        if r.get("failed"):
            d["failed"] += 1
        elif r.get("timed_out"):
            d["timed_out"] += 1
    return out


def cell(m, unit, cnt=None):
    """median [min-max] n=N; n=N of RUNS (why) when runs lack the figure;
    a figure no run reached says so instead of n/a."""
    why = ""
    if cnt:
        parts = []
        if cnt.get("timed_out"):
            parts.append("%d timed out" % cnt["timed_out"])
        if cnt.get("failed"):
            parts.append("%d failed" % cnt["failed"])
        why = " (%s)" % ", ".join(parts) if parts else ""
    if not m:
        if cnt and why:
            return "none, n=0 of %d%s" % (cnt["runs"], why)
        return "n/a"
    if m["n"] == 1 or fmt(m["min"], unit) == fmt(m["max"], unit):
        text = fmt(m["median"], unit)
    else:
        text = "%s [%s-%s]" % (fmt(m["median"], unit), fmt(m["min"], unit),
                               fmt(m["max"], unit))
    if cnt and m["n"] < cnt["runs"]:
        return "%s n=%d of %d%s" % (text, m["n"], cnt["runs"], why)
    return "%s n=%d" % (text, m["n"])


def summarize(runs):
    s = {}
    for r in runs:
        d = s.setdefault(r["workload"], {}).setdefault(r["contender"], {})
        for k, v in flat(r).items():
            d.setdefault(k, []).append(v)
    out = {}
    for w, cs in s.items():
        for cn, ms in cs.items():
            for k, vals in ms.items():
                vals = [v for v in vals if v == v]
                if not vals:
                    continue
                out.setdefault(w, {}).setdefault(cn, {})[k] = {
                    "median": statistics.median(vals), "min": min(vals),
                    "max": max(vals), "n": len(vals)}
    return out


def tls_line(summ, w):
    """What the SDN stream over TLS changes, when both variants ran."""
    parts = []
    for k, name in (("stream_rate", "stream rate"),
                    ("t_kernel", "time to the VM's kernel"),
                    ("cpu_rs", "bgpd CPU")):
        rt = ratio(summ, w, k, "vnetrs-tls", "vnetrs")
        if rt:
            parts.append("%s %.2f" % (name, rt))
    if not parts:
        return None
    return "SDN stream over TLS / over the Unix socket (medians): " + \
        ", ".join(parts) + "."


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "/s":
        return "%.0f" % v
    if unit in ("MB", "B", "routes"):
        return "%.0f" % v
    if unit == "ms":
        return "%.1f" % v
    return "%.3f" % v


def ratio(summ, w, k, num="vnetrs", den="plain"):
    try:
        a = summ[w][num][k]["median"]
        b = summ[w][den][k]["median"]
    except KeyError:
        return None
    return a / b if b else None


def machine():
    def sh(cmd):
        return subprocess.run(cmd, shell=True, capture_output=True,
                              text=True).stdout.strip()
    return {
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
        "cpus": os.cpu_count(),
        "memory": sh("free -g | awk '/^Mem:/{print $2\" GB\"}'"),
        "kernel": sh("uname -r"),
        "os": sh(". /etc/os-release; echo $PRETTY_NAME"),
        "frr": sh("/usr/lib/frr/bgpd --version | head -1"),
        "bird": sh("bird --version 2>&1"),
        # In the Debian 13 root the tree is a copy without git: run.sh
        # passes the commit the copy was made from.
        "vnetrs": os.environ.get("VNETRS_DESCRIBE") or code_describe(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg": " ".join("%.2f" % x for x in os.getloadavg()),
        "args": "".join(" " + a for a in sys.argv[1:]),
    }


def code_describe():
    """git describe of the checkout, "-dirty" when a file changed outside
    bench/results (results written by an earlier run are not code)."""
    def sh(cmd):
        return subprocess.run(cmd, shell=True, capture_output=True,
                              text=True, cwd=L.TOP).stdout.strip()
    desc = sh("git describe --always")
    if desc and sh("git status --porcelain --untracked-files=no -- . "
                   "':(exclude)bench/results'"):
        desc += "-dirty"
    return desc


def code_version(start, end):
    """The commit the run started from (git describe): the tree may change
    during a long run; say so if it did."""
    if start["vnetrs"] == end["vnetrs"]:
        return start["vnetrs"]
    return "%s (the work tree was %s at the end)" % (start["vnetrs"],
                                                     end["vnetrs"])


def write_markdown(summ, runs, info, opts, path):
    names = [c for c in ("vnetrs", "vnetrs-tls", "plain", "bird", "feed")
             if any(r["contender"] == c for r in runs)]
    labels = {"vnetrs": "bgpd + vnetrs", "plain": "plain bgpd", "feed": "feeders alone",
              "bird": "BIRD 2", "vnetrs-tls": "bgpd + vnetrs, SDN over TLS"}
    lines = ["# vnetrs benchmark results", "",
             "Machine: %s, %s vCPUs, %s RAM; %s, kernel %s; %s; %s; vnetrs "
             "%s; %s." % (info["cpu"], info["cpus"], info["memory"],
                          info["os"], info["kernel"], info["frr"],
                          info["bird"], info["vnetrs"], info["date"]),
             ""] + ([info["note"], ""] if info.get("note") else []) + [
             "Command: `bench/run.sh%s` (%d repetitions per contender). "
             "Cells: median [min-max] n=N, N the runs that gave the figure; "
             "\"n=N of R (why)\" when some of the R runs timed out or "
             "failed (a timed-out run's times reached count, its CPU and "
             "memory do not). Times run from the first UPDATE "
             "carrying NLRI sent by an NVA (tcpdump on the VNet's bridge). "
             "Feeders: bgpd of the same FRR "
             "with `network` statements; extended messages (RFC 8654) "
             "with rs1: %s. rs1 (zebra and bgpd, or BIRD) pinned to CPU %s; "
             "feeders, sink, agent, tcpdump, the poller and W1's rs2 to CPU "
             "%s. See bench/README.md for the method." % (
                 info.get("args", " --quick" if opts.quick else ""),
                 opts.reps,
                 ", ".join(sorted({"%s: %s" % (r["contender"],
                                               r.get("ext_messages"))
                                   for r in runs if not r.get("failed")})),
                 L.RS_CPU, L.LOAD_CPU),
             ""]
    counts = run_counts(runs)
    for w in ("W1", "W2"):
        if w not in summ and w not in counts:
            continue
        wl = WORKLOADS[w]
        lines += ["## %s: %d NVAs x %d prefixes (%d distinct prefixes, "
                  "%d paths), %d route-server instance%s, a sink NVA" % (
                      w, wl["nvas"], wl["per_nva"],
                      wl["sets"] * wl["per_nva"],
                      wl["nvas"] * wl["per_nva"], wl["rs"],
                      "s" if wl["rs"] > 1 else ""), ""]
        hdr = "| figure | " + " | ".join(labels[c] for c in names) + \
            " | vnetrs / plain |"
        lines += [hdr, "|---" * (len(names) + 2) + "|"]
        sw = summ.get(w, {})
        cw = counts.get(w, {})
        lines.append("| runs | %s | |" % " | ".join(
            "%d (%d timed out, %d failed)" % (
                cw[c]["runs"], cw[c]["timed_out"], cw[c]["failed"])
            if c in cw else "0" for c in names))
        for k, label, unit in METRICS:
            # A figure no run gave is shown only for the three targets
            # (a workload that timed out or failed everywhere).
            if not any(k in sw.get(c, {}) for c in names) and \
                    k not in ("t_recv", "t_kernel", "t_sink"):
                continue
            cells = [cell(sw.get(c, {}).get(k), unit, cw.get(c))
                     for c in names]
            rt = ratio(summ, w, k)
            lines.append("| %s (%s) | %s | %s |" % (
                label, unit, " | ".join(cells),
                "%.2f" % rt if rt else ""))
        lines.append("")
        bad = [r for r in runs if r["workload"] == w and
               (r.get("failed") or r.get("timed_out"))]
        for r in bad:
            lines.append("- %s rep %d: %s" % (
                r["contender"], r["rep"],
                "failed: " + r["failed"] if r.get("failed") else
                "timed out after %s s (not reached: %s)" % (
                    r.get("timeout_s"), ", ".join(r["timed_out"]))))
        if bad:
            lines.append("")
        tls = tls_line(summ, w)
        if tls:
            lines += [tls, ""]
    lines += [
        "Kernel figures (b): for vnetrs the VM's kernel, programmed by "
        "vnetrs-agent from the SDN streams of every instance; for plain "
        "bgpd the route server's own kernel through zebra; for BIRD the "
        "route server's own kernel through its kernel protocol. (b') is "
        "vnetrs' rs1 kernel through zebra, the figure comparable with "
        "plain bgpd's (b). (a) applies to vnetrs only.", ""]
    targets = []
    for w in ("W1", "W2"):
        for k, name in (("t_sink", "convergence (c)"), ("cpu_rs", "CPU"),
                        ("hwm_mb", "peak memory")):
            rt = ratio(summ, w, k)
            if rt:
                lim = 1.15 if k == "hwm_mb" else 1.10
                targets.append("- %s %s: vnetrs / plain bgpd = %.2f "
                               "(target <= %.2f: %s)" % (
                                   w, name, rt, lim,
                                   "met" if rt <= lim else "NOT met"))
    v1 = summ.get("W1", {}).get("vnetrs", {})
    if "t_kernel" in v1:
        mx = v1["t_kernel"]["max"]
        targets.append("- W1 every route in the VM's kernel within 1 s of "
                       "the first UPDATE: median %.3f s, worst %.3f s (%s)"
                       % (v1["t_kernel"]["median"], mx,
                          "met" if mx <= 1.0 else "NOT met"))
    if "lat_p99" in v1:
        mx = v1["lat_p99"]["max"]
        targets.append("- W1 single prefix to the VM's kernel p99 < 50 ms: "
                       "median p99 %.1f ms, worst %.1f ms (%s)" % (
                           v1["lat_p99"]["median"], mx,
                           "met" if mx < 50 else "NOT met"))
    v2 = summ.get("W2", {})
    if "t_kernel" in v2.get("vnetrs", {}) and "t_recv" in v2.get("plain",
                                                                  {}):
        a = v2["vnetrs"]["t_kernel"]["median"]
        b = v2["plain"]["t_recv"]["median"]
        targets.append("- W2 all best routes in the VM's kernel within 1.5x "
                       "plain bgpd's receive time: %.3f s vs %.3f s = %.2fx "
                       "(%s)" % (a, b, a / b, "met" if a <= 1.5 * b
                                 else "NOT met"))
    if targets:
        lines += ["## Targets", ""] + targets + [""]
    if os.path.exists(os.path.join(RESULTS, "convergence.png")):
        lines += ["![convergence](convergence.png)", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def plot(summ, path):
    """convergence.png with gnuplot: times per workload, CPU and memory."""
    names = [c for c in ("vnetrs", "vnetrs-tls", "plain", "bird", "feed")]
    labels = {"vnetrs": "bgpd+vnetrs", "vnetrs-tls": "bgpd+vnetrs-TLS",
              "plain": "plain-bgpd",
              "bird": "BIRD2", "feed": "feeders-alone"}
    dat = path + ".dat"
    panels = []
    with open(dat, "w") as f:
        idx = 0
        for w in ("W1", "W2"):
            if w not in summ:
                continue
            for keys, title, unit in (
                    (("t_recv", "t_kernel", "t_sink"),
                     "%s: time from the first UPDATE" % w, "s"),
                    (("cpu_rs", "cpu_pipeline", "hwm_mb"),
                     "%s: CPU s / peak RSS MB" % w,
                     "")):
                f.write("# %s\n" % title)
                for c in names:
                    m = summ[w].get(c)
                    if not m:
                        continue
                    row = [labels[c]]
                    for k in keys:
                        v = m.get(k)
                        row += (["%g" % v["median"], "%g" % v["min"],
                                 "%g" % v["max"]] if v else ["0", "0", "0"])
                    f.write(" ".join(row) + "\n")
                f.write("\n\n")
                panels.append((idx, keys, title, unit))
                idx += 1
    if not panels:
        return
    titles = {"t_recv": "all received", "t_kernel": "all in kernel (b)",
              "t_sink": "all at the sink (c)", "cpu_rs": "CPU s",
              "cpu_pipeline": "pipeline CPU s",
              "hwm_mb": "peak RSS MB"}
    rows = (len(panels) + 1) // 2
    g = ["set terminal pngcairo size 1400,%d font ',10'" % (420 * rows),
         "set output '%s'" % path,
         "set multiplot layout %d,2" % rows,
         "set style data histogram",
         "set style histogram errorbars gap 2 lw 1",
         "set style fill solid 0.7 border -1",
         "set key top left", "set grid ytics", "set yrange [0:*]"]
    for idx, keys, title, unit in panels:
        g.append("set title '%s (median, min-max)'" % title)
        g.append("set ylabel '%s'" % unit)
        parts = []
        for j, k in enumerate(keys):
            col = 2 + 3 * j
            parts.append("'%s' index %d using %d:%d:%d%s title '%s'" % (
                dat, idx, col, col + 1, col + 2,
                ":xtic(1)" if j == 0 else "", titles[k]))
        if "hwm_mb" in keys:
            g.append("set logscale y")
            g.append("set yrange [0.01:*]")
        else:
            g.append("unset logscale y")
            g.append("set yrange [0:*]")
        g.append("plot " + ", ".join(parts))
    g.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(g), text=True, check=True)


def quick_lines(summ):
    labels = {"vnetrs": "bgpd + vnetrs", "plain": "plain bgpd", "feed": "feeders alone",
              "bird": "BIRD 2", "vnetrs-tls": "vnetrs (TLS)"}
    w = "W1"
    for c in ("vnetrs", "vnetrs-tls", "plain", "bird"):
        m = summ.get(w, {}).get(c)
        if not m:
            continue

        def g(k, unit):
            return fmt(m[k]["median"], unit) if k in m else "n/a"
        rc = ratio(summ, w, "t_sink", c, "plain")
        ru = ratio(summ, w, "cpu_rs", c, "plain")
        rm = ratio(summ, w, "hwm_mb", c, "plain")
        print("%-14s W1: received %s s, effective (SDN) %s s, kernel %s s, sink "
              "%s s, 1-prefix p50/p99 %s/%s ms, CPU %s s, peak RSS %s MB | "
              "%s/plain-bgpd: convergence %s, CPU %s, memory %s" % (
                  labels[c], g("t_recv", "s"), g("t_stream_last", "s"),
                  g("t_kernel", "s"), g("t_sink", "s"), g("lat_p50", "ms"),
                  g("lat_p99", "ms"), g("cpu_rs", "s"), g("hwm_mb", "MB"),
                  c if c != "plain" else "plain",
                  "%.2f" % rc if rc else "n/a",
                  "%.2f" % ru if ru else "n/a",
                  "%.2f" % rm if rm else "n/a"), flush=True)


def report_only(opts):
    """Rewrite results.md and the plot from a results.json."""
    with open(opts.from_json) as f:
        data = json.load(f)
    if "curves" in data:
        import curve
        return curve.report_only(
            opts.from_json, os.path.dirname(os.path.abspath(opts.from_json))
            if opts.results in (RESULTS, os.path.join(RESULTS, "curve"))
            else opts.results, sys.modules[__name__])
    runs = data["runs"]
    opts.quick = data.get("quick", False)
    opts.reps = data.get("reps", 1)
    summ = summarize(runs)
    data["summary"] = summ
    os.makedirs(opts.results, exist_ok=True)
    with open(os.path.join(opts.results, "results.json"), "w") as f:
        json.dump(data, f, indent=1)
    plot(summ, os.path.join(opts.results, "convergence.png"))
    write_markdown(summ, runs, data["machine"], opts,
                   os.path.join(opts.results, "results.md"))
    quick_lines(summ)
    return 0


def failed_run(lab, wname, cname, rep, why):
    return {"workload": wname, "contender": cname, "rep": rep,
            "failed": why, "prefixes": lab.w["sets"] * lab.w["per_nva"],
            "paths": lab.w["nvas"] * lab.w["per_nva"],
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def run_workload(lab, w, opts, runs, extra=None):
    """Create the lab, load the feeders, run every contender REPS times;
    every run goes into runs, a failed one too (a failed lab fails them
    all)."""
    log("%s: creating the lab and loading the feeders (load average %s)"
        % (w, " ".join("%.2f" % x for x in os.getloadavg())))
    t = time.time()
    try:
        lab.create()
        lab.start_load()
    except Exception as e:  # noqa: BLE001
        log("%s: the lab failed: %s" % (w, e))
        for rep in range(1, opts.reps + 1):
            for cname in opts.contenders.split(","):
                r = failed_run(lab, w, cname, rep, "lab: %s" % e)
                r.update(extra or {})
                runs.append(r)
        lab.destroy()
        return
    log("%s: lab ready in %.1f s" % (w, time.time() - t))
    for rep in range(1, opts.reps + 1):
        for cname in opts.contenders.split(","):
            try:
                r = run_one(lab, cname, w, rep, opts)
            except Exception as e:  # noqa: BLE001
                log("  %s %s rep %d failed: %s" % (w, cname, rep, e))
                r = failed_run(lab, w, cname, rep, str(e))
                C.CONTENDERS[cname](lab).stop()
                lab.feeders_session(False)
                lab.sink_session(False)
            r.update(extra or {})
            runs.append(r)
    log("%s: removing the lab" % w)
    lab.destroy()
    log("%s: removed" % w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--workloads", default=None)
    ap.add_argument("--contenders", default=None)
    ap.add_argument("--churn-seconds", type=int, default=60)
    ap.add_argument("--latency-samples", type=int)
    ap.add_argument("--results", default=RESULTS)
    ap.add_argument("--from-json", metavar="PATH",
                    help="only rewrite the table and plot from a results.json")
    ap.add_argument("--no-fib", action="store_true",
                    help="route servers' bgpd with -n: nothing installed "
                    "in their own kernel (BIRD unchanged)")
    ap.add_argument("--perf", action="store_true",
                    help="perf record rs1's route server during convergence")
    ap.add_argument("--curve", default=None, metavar="paths,peers",
                    help="the cost curve: W2's shape at 100k-1M paths "
                    "(paths), 8-64 NVAs x 4,000 prefixes (peers); results "
                    "in bench/results/curve/ (see bench/README.md)")
    # Other sizes, for trying the curve quickly: KIND=N,N,... (or N,N,...
    # with a single curve); paths in paths, peers in NVAs.
    ap.add_argument("--curve-sizes", action="append", default=[],
                    help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.no_fib:
        L.RS_BGPD_ARGS = ["-n"]
    if opts.curve:
        opts.reps = opts.reps or 1
        opts.contenders = opts.contenders or "vnetrs,plain,bird"
        opts.churn_seconds = 0
        opts.latency_samples = 0
        if opts.results == RESULTS:
            opts.results = os.path.join(RESULTS, "curve")
    if opts.quick:
        opts.reps = opts.reps or 1
        opts.contenders = opts.contenders or "vnetrs,plain,bird"
        opts.workloads = opts.workloads or "W1"
        opts.latency_samples = opts.latency_samples if \
            opts.latency_samples is not None else 40
    else:
        opts.reps = opts.reps or 3
        opts.contenders = opts.contenders or "feed,vnetrs,plain,bird"
        opts.workloads = opts.workloads or "W1,W2"
        opts.latency_samples = opts.latency_samples if \
            opts.latency_samples is not None else 200
    if opts.from_json:
        return report_only(opts)
    os.sched_setaffinity(0, {int(L.LOAD_CPU)})
    if not os.path.exists(PREFIXES):
        os.makedirs(os.path.dirname(PREFIXES), exist_ok=True)
        log("generating %d prefixes into %s" % (NPREFIXES, PREFIXES))
        subprocess.run(["/usr/bin/python3",
                        os.path.join(BENCH, "genprefixes.py"),
                        str(NPREFIXES), PREFIXES], check=True)
    with open(PREFIXES) as f:
        prefixes = f.read().split()
    runs = []
    t_begin = time.time()
    info_start = machine()

    def cleanup(*_):
        L.destroy_all()
        sys.exit(1)
    signal.signal(signal.SIGTERM, cleanup)
    if opts.curve:
        import curve
        return curve.main(opts, prefixes, info_start, sys.modules[__name__])
    try:
        for w in opts.workloads.split(","):
            run_workload(L.Lab(WORKLOADS[w], prefixes), w, opts, runs)
    finally:
        L.destroy_all()
    summ = summarize(runs)
    info = machine()
    info["loadavg"] = "%s at the start, %s at the end" % (
        info_start["loadavg"], info["loadavg"])
    info["vnetrs"] = code_version(info_start, info)
    os.makedirs(opts.results, exist_ok=True)
    with open(os.path.join(opts.results, "results.json"), "w") as f:
        json.dump({"machine": info, "quick": opts.quick, "reps": opts.reps,
                   "workloads": {w: WORKLOADS[w]
                                 for w in opts.workloads.split(",")},
                   "summary": summ, "runs": runs,
                   "seconds": round(time.time() - t_begin, 1)}, f, indent=1)
    try:
        plot(summ, os.path.join(opts.results, "convergence.png"))
    except (subprocess.CalledProcessError, OSError) as e:
        log("plot failed: %s" % e)
    write_markdown(summ, runs, info, opts,
                   os.path.join(opts.results, "results.md"))
    log("results in %s (%.0f s)" % (opts.results, time.time() - t_begin))
    quick_lines(summ)
    failed = [r for r in runs if r.get("failed")]
    if failed:
        # In the tables too; the exit status tells a script.
        log("%d of %d runs failed: %s" % (
            len(failed), len(runs),
            sorted({r["failed"] for r in failed})))
        return 1
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main())
