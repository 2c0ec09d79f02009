#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The OVN benchmark: vnetrs-agent's OVN backend programming W1 or W2 into a
real OVN stack (Debian's OVS 3.1 and OVN 23.03), fed by tests/agent/fake_rs.

    bench/ovn.py [--workloads W1,W2] [--reps N] [--batches 100,1000]
                 [--no-churn] [--w2-timeout S] [--results DIR]
    bench/ovn.py --report --results DIR    (the table again, from the json)

Run as root after tools/build.sh. Per repetition, in a network namespace of
its own (vb-ovn), with every OVN/OVS file under bench/work/ovn/ (never
/var/run/openvswitch): ovsdb-server for the Open_vSwitch, OVN_Northbound
and OVN_Southbound databases, ovn-northd, ovs-vswitchd (br-int, userspace
datapath) and ovn-controller, one chassis (topotests/vnetrs_ovn.py's OvnLab,
driven through a shell in the namespace). The logical router "vnet" has a
port 10.1.1.1/24 on the switch "ls-nva"; the next hops are 10.1.1.11-14 on
that switch; a VM port (vm1, an OVS internal port bound to it) makes the
router's datapath local to the chassis, so ovn-controller installs its flows.

Figures, from the agent's start (it connects at once to fake_rs, which holds
the whole table and sends it as one snapshot):
  nb   the last Logical_Router_Static_Route row of the table in the NB
       database (an `ovsdb-client monitor` of the table, counting rows);
  sb   the last change of the SB Logical_Flow count (a monitor likewise),
       after `ovn-nbctl --wait=hv sync` (started when NB is complete; it
       adds one northd run) has returned and no count has moved for 5 s
       (W1; 20 s for W2);
  of   the last change of br-int's OpenFlow flow count (`ovs-ofctl
       dump-aggregate`, polled), likewise;
  rows/s: NB rows, lflows, OpenFlow flows changed, each divided by its
       time; CPU (utime+stime, /proc/PID/stat) of the daemons and the agent,
       from before the agent's start to the end of the quiet period. A phase
       not done within 300 s (W1) or --w2-timeout (default 1200 s) fails:
       its counts and CPU are kept, its NB progress every 5 s too.
Churn (unless --no-churn): the prefixes under the first /8s holding 10% of
the table are withdrawn in one fake_rs batch, then announced again; the same
figures from the batch's command. Batching (--batches N,...): W1 again with
fake_rs starting empty and sending the table as commits of N routes each,
all written at once. northd's and ovn-controller's `inc-engine/show-stats`,
`stopwatch/show` (both reset before each phase) and `coverage/show` are
saved after every phase, with the SB lflow rows inserted and deleted and the times the
agent lost its NB connection (its log).

Writes DIR/ovn-results.json (every phase of every run) and
DIR/ovn-results.md (the table), DIR/ovn-raw/ (per phase: the daemons'
statistics; the agent's log of every run).
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "topotests"))
import vnetrs_ovn  # noqa: E402  pylint: disable=wrong-import-position

NS = "vb-ovn"
WORK = os.path.join(HERE, "work", "ovn")
AGENT = os.path.join(ROOT, "agent", "vnetrs-agent")
FAKE_RS = os.path.join(ROOT, "tests", "agent", "fake_rs")
PREFIXES = os.path.join(HERE, "cache", "prefixes.txt")
OWNER = "bench"
PROTOCOL = 249
WORKLOADS = {"W1": (16000, 2), "W2": (250000, 4)}
NEXTHOPS = ["10.1.1.11", "10.1.1.12", "10.1.1.13", "10.1.1.14"]
CHURN_SHARE = 0.10


def log(msg):
    sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def nsx(args):
    "argv run in the namespace."
    return ["ip", "netns", "exec", NS] + args


class _Net:
    "What OvnLab needs of a topogen gear's net: a shell in the namespace."

    @staticmethod
    def cmd_status(cmd, warn=False):  # pylint: disable=unused-argument
        p = subprocess.run(nsx(["sh", "-c", cmd]), capture_output=True, text=True, check=False)
        return p.returncode, p.stdout, p.stderr


class _Node:
    "A stand-in for a topogen gear: the namespace vb-ovn."

    name = "ovn"
    logdir = WORK
    net = _Net()
    pid = None

    def stop(self):
        pass


# --- counters -----------------------------------------------------------------


class MonitorCount(threading.Thread):
    """
    Counts the rows of one table with `ovsdb-client monitor` (CSV, one line
    per row inserted or deleted, printed per update): .count and .last (the
    monotonic time of the last change) follow the database.
    """

    def __init__(self, remote, db, table, column):
        super().__init__(daemon=True)
        self.count = 0
        self.last = time.monotonic()
        self.events = {"insert": 0, "delete": 0, "modify": 0}
        self.started = threading.Event()
        self.proc = subprocess.Popen(
            ["ovsdb-client", "--format=csv", "--no-headings", "monitor", remote, db, table, column],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1 << 20,
        )

    def run(self):
        self.started.set()
        for line in self.proc.stdout:
            # row,action,column: the uuid, then insert|delete|initial|old|new
            action = line.split(b",", 2)[1:2]
            if action in ([b"insert"], [b"initial"]):
                self.count += 1
                self.events["insert"] += 1
            elif action == [b"delete"]:
                self.count -= 1
                self.events["delete"] += 1
            elif action == [b"old"]:  # a modify: its "old", then "new"
                self.events["modify"] += 1
            else:
                continue
            self.last = time.monotonic()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class FlowCount(threading.Thread):
    "Polls br-int's OpenFlow flow count (ovs-ofctl dump-aggregate)."

    def __init__(self, lab, interval):
        super().__init__(daemon=True)
        self.lab, self.interval = lab, interval
        self.count, self.last, self.polls = None, time.monotonic(), 0
        self.done = threading.Event()
        self.mgmt = os.path.join(lab.run_dir, "br-int.mgmt")

    def poll(self):
        p = subprocess.run(["ovs-ofctl", "dump-aggregate", "unix:" + self.mgmt],
                           capture_output=True, text=True, check=False)
        m = re.search(r"flow_count=(\d+)", p.stdout)
        return int(m.group(1)) if m else None

    def run(self):
        while not self.done.is_set():
            t = time.monotonic()
            n = self.poll()
            self.polls += 1
            if n is not None and n != self.count:
                self.count, self.last = n, t
            self.done.wait(self.interval)


def cpu_ticks(pid):
    "utime + stime of pid in seconds, or None."
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- the run ------------------------------------------------------------------


class Run:
    "One repetition: the lab, fake_rs, the agent, the counters."

    def __init__(self, wname, nprefixes, nnh, rawdir, tag, quiet, empty_start=False):
        self.wname, self.nprefixes, self.nnh = wname, nprefixes, nnh
        self.rawdir, self.tag, self.quiet = rawdir, tag, quiet
        self.empty_start = empty_start
        self.lab = None
        self.fake = self.agent = None
        self.nbmon = self.sbmon = self.of = None
        self.progress = []
        self.dir = os.path.join(WORK, "run")
        self.prefixes = read_prefixes(nprefixes)
        self.nh = NEXTHOPS[:nnh]

    # set-up and tear-down

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        subprocess.run(["ip", "netns", "add", NS], check=True)
        subprocess.run(nsx(["ip", "link", "set", "lo", "up"]), check=True)
        self.lab = vnetrs_ovn.OvnLab(_Node(), os.path.join(WORK, "lab"))
        self.lab.start()
        lab = self.lab
        # Logs at info: northd's and ovn-controller's engine messages.
        lab.add_router("vnet")
        lab.add_switch("ls-nva", "vnet", "02:00:00:00:01:01", ["10.1.1.1/24"])
        lab.add_port("ls-nva", "vm1", "02:00:00:01:01:04", ["10.1.1.4/24"])
        lab.vsctl("add-port", "br-int", "vm1", "--", "set", "interface", "vm1",
                  "type=internal", "external_ids:iface-id=vm1")
        lab._wait(  # pylint: disable=protected-access
            lambda: None if lab.nbctl("get", "Logical_Switch_Port", "vm1", "up").strip() == "true" else "down",
            "vm1 bound", 30, wait=0.2)
        lab.nbctl("--wait=hv", "sync", timeout=30)
        routes = os.path.join(self.dir, "routes")
        with open(routes, "w") as f:
            if not self.empty_start:
                for p in self.prefixes:
                    f.write("%s %s\n" % (p, ",".join(self.nh)))
        flog = open(os.path.join(self.dir, "fake_rs.log"), "w")  # pylint: disable=consider-using-with
        self.fake = subprocess.Popen(  # pylint: disable=consider-using-with
            nsx([FAKE_RS, "--listen", os.path.join(self.dir, "rs.sock"), "--routes", routes, "--name", "rs1"]),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=flog)
        deadline = time.monotonic() + 600
        while "listening" not in open(flog.name).read():
            if time.monotonic() > deadline or self.fake.poll() is not None:
                raise RuntimeError("fake_rs did not start: " + open(flog.name).read())
            time.sleep(0.2)
        self.nbmon = MonitorCount(lab.remote("nb"), "OVN_Northbound", "Logical_Router_Static_Route", "ip_prefix")
        self.sbmon = MonitorCount(lab.remote("sb"), "OVN_Southbound", "Logical_Flow", "table_id")
        self.of = FlowCount(lab, 0.2 if self.nprefixes <= 20000 else 1.0)
        for t in (self.nbmon, self.sbmon, self.of):
            t.start()
        time.sleep(2)

    def stop(self):
        for t in (self.nbmon, self.sbmon):
            if t:
                t.stop()
        if self.of:
            self.of.done.set()
        for p in (self.agent, self.fake):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        alog = os.path.join(self.dir, "agent-%s.log" % self.tag)
        if os.path.exists(alog):
            os.makedirs(self.rawdir, exist_ok=True)
            shutil.copy(alog, self.rawdir)
        if self.lab:
            self.lab.stop()
        subprocess.run(["ip", "netns", "del", NS], check=False, stderr=subprocess.DEVNULL)

    # pieces of a phase

    def pids(self):
        lab = self.lab
        d = {n: lab.pid(n) for n in ("ovsdb-nb", "ovsdb-sb", "ovn-northd", "ovn-controller", "ovs-vswitchd")}
        if self.agent:
            d["agent"] = self.agent.pid
        return d

    def cpu(self):
        return {n: cpu_ticks(p) for n, p in self.pids().items()}

    def appctl(self, daemon, *args):
        return self.lab.appctl(daemon, *args, check=False)

    def reset_stats(self):
        for d in ("ovn-northd", "ovn-controller"):
            self.appctl(d, "inc-engine/clear-stats")
            self.appctl(d, "stopwatch/reset")

    def save_stats(self, phase):
        os.makedirs(self.rawdir, exist_ok=True)
        out = {}
        for d in ("ovn-northd", "ovn-controller"):
            for cmd in ("inc-engine/show-stats", "stopwatch/show", "coverage/show"):
                out["%s %s" % (d, cmd)] = self.appctl(d, cmd)
        for n in ("ovsdb-nb", "ovsdb-sb"):
            out[n + " memory/show"] = self.appctl(n, "memory/show")
        with open(os.path.join(self.rawdir, "%s-%s.txt" % (self.tag, phase)), "w") as f:
            for k, v in out.items():
                f.write("### %s\n%s\n" % (k, v))
        return out

    def wait_nb(self, want, t0, timeout):
        deadline = t0 + timeout
        self.progress, next_sample = [], t0
        while self.nbmon.count != want:
            now = time.monotonic()
            if now >= next_sample:
                # (s, NB rows, SB lflows, OpenFlow flows) every 5 s
                self.progress.append((round(now - t0, 1), self.nbmon.count, self.sbmon.count, self.of.count))
                next_sample += 5
            if now > deadline:
                return None
            if self.agent and self.agent.poll() is not None:
                raise RuntimeError("the agent exited")
            time.sleep(0.01)
        return self.nbmon.last - t0

    def wait_quiet(self, t0, since, timeout):
        """
        Until SB and OpenFlow counts have not changed for self.quiet seconds
        after since (a monotonic time).
        """
        deadline = t0 + timeout
        while True:
            now = time.monotonic()
            if now - max(self.sbmon.last, self.of.last, since) >= self.quiet and self.of.count is not None:
                return True
            if now > deadline:
                return False
            time.sleep(0.1)

    def sync_hv(self, t0, timeout):
        """
        ovn-nbctl --wait=hv sync: returns when northd has processed the NB
        database as it is now and ovn-controller has installed the result;
        its time from t0, or None. (It bumps NB_Global.nb_cfg: one more
        northd run.)
        """
        left = max(1, int(t0 + timeout - time.monotonic()))
        rc, _, _ = self.lab.sh("ovn-nbctl --db=%s --timeout=%d --wait=hv sync" % (self.lab.remote("nb"), left),
                               check=False)
        return time.monotonic() - t0 if rc == 0 else None

    def phase(self, name, action, want_nb, timeout):
        """
        Run action() (which starts the work) and measure: NB rows reaching
        want_nb, then SB lflows and OpenFlow flows settling.
        """
        self.reset_stats()
        base = {"nb": self.nbmon.count, "sb": self.sbmon.count, "of": self.of.count}
        ev0 = {"nb": dict(self.nbmon.events), "sb": dict(self.sbmon.events)}
        load = loadavg()
        cpu0 = self.cpu()
        t0 = time.monotonic()
        action()
        cpu0.setdefault("agent", cpu_ticks(self.agent.pid) if self.agent else None)
        t_nb = self.wait_nb(want_nb, t0, timeout)
        t_hv = self.sync_hv(t0, timeout) if t_nb is not None else None
        settled = self.wait_quiet(t0, t0 + (t_hv or 0), timeout) if t_hv is not None else False
        cpu1 = self.cpu()
        with open(os.path.join(self.dir, "agent-%s.log" % self.tag)) as f:
            lost = sum("connection lost" in line for line in f)
        lost, self.lost_before = lost - getattr(self, "lost_before", 0), lost
        stats = self.save_stats(name)
        res = {
            "phase": name, "load_before": load, "load_after": loadavg(),
            "ok": t_nb is not None and settled,
            "nb_rows": self.nbmon.count, "nb_rows_changed": abs(self.nbmon.count - base["nb"]),
            "sb_lflows": self.sbmon.count, "sb_lflows_changed": self.sbmon.count - base["sb"],
            "of_flows": self.of.count, "of_flows_changed": (self.of.count or 0) - (base["of"] or 0),
            "t_nb_s": t_nb,
            "agent_nb_connections_lost": lost,
            "row_events": {db: {k: getattr(self, db + "mon").events[k] - ev0[db][k] for k in ev0[db]} for db in ev0},
            "nb_progress": self.progress,
            "t_hv_sync_s": t_hv,
            "t_sb_s": self.sbmon.last - t0 if settled else None,
            "t_of_s": self.of.last - t0 if settled else None,
            "cpu_s": {k: (round(cpu1[k] - cpu0[k], 2) if cpu1.get(k) is not None and cpu0.get(k) is not None else None)
                      for k in cpu1},
            "northd": engine_summary(stats.get("ovn-northd inc-engine/show-stats", "")),
            "northd_stopwatch": stopwatch_summary(stats.get("ovn-northd stopwatch/show", "")),
            "controller_stopwatch": stopwatch_summary(stats.get("ovn-controller stopwatch/show", "")),
        }
        for k, n in (("nb", "nb_rows_changed"), ("sb", "sb_lflows_changed"), ("of", "of_flows_changed")):
            t = res["t_%s_s" % k]
            res["%s_per_s" % k] = round(abs(res[n]) / t) if t else None
        log("  %s: %s" % (name, json.dumps({k: v for k, v in res.items() if k not in ("northd", "northd_stopwatch", "controller_stopwatch", "nb_progress")})))
        return res

    # the phases

    def start_agent(self):
        alog = open(os.path.join(self.dir, "agent-%s.log" % self.tag), "w")  # pylint: disable=consider-using-with
        self.agent = subprocess.Popen(  # pylint: disable=consider-using-with
            nsx([AGENT, "--connect", os.path.join(self.dir, "rs.sock"), "--ovn-nb", self.lab.remote("nb"),
                 "--ovn-router", "vnet", "--ovn-owner", OWNER, "--protocol", str(PROTOCOL), "--settle", "0"]),
            stdout=subprocess.DEVNULL, stderr=alog)

    def rs(self, text):
        self.fake.stdin.write(text.encode())
        self.fake.stdin.flush()

    def churn_set(self):
        by8 = {}
        for p in self.prefixes:
            by8.setdefault(int(p.split(".")[0]), []).append(p)
        chosen = []
        for first in sorted(by8):
            if len(chosen) >= CHURN_SHARE * len(self.prefixes):
                break
            chosen += by8[first]
        return chosen


def read_prefixes(n):
    if not os.path.exists(PREFIXES):
        os.makedirs(os.path.dirname(PREFIXES), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "genprefixes.py"), "250000", PREFIXES], check=True)
    with open(PREFIXES) as f:
        out = [line.strip() for _, line in zip(range(n), f)]
    return out


def engine_summary(text):
    "inc-engine/show-stats: {node: {recompute, compute, abort}} of the nodes that ran."
    out, node = {}, None
    for line in text.splitlines():
        m = re.match(r"Node:\s*(\S+)", line)
        if m:
            node = m.group(1)
            out[node] = {}
            continue
        m = re.match(r"\s*-\s*(recompute|compute|abort):\s*(\d+)", line)
        if node and m:
            out[node][m.group(1)] = int(m.group(2))
    return {k: v for k, v in out.items() if any(v.values()) and not k.startswith(("NB_", "SB_"))}


def stopwatch_summary(text):
    "stopwatch/show: {name: {samples, max_ms, p95_ms}} of the stopwatches that ran."
    out, name = {}, None
    keys = {"Total samples": "samples", "Maximum": "max_ms", "95th percentile": "p95_ms"}
    for line in text.splitlines():
        m = re.match(r"Statistics for '([^']+)'", line)
        if m:
            name = m.group(1)
            out[name] = {}
            continue
        m = re.match(r"\s*([A-Za-z0-9 ]+):\s*([\d.]+)", line)
        if name and m and m.group(1) in keys:
            out[name][keys[m.group(1)]] = float(m.group(2))
    return {k: v for k, v in out.items() if v.get("samples")}


def run_one(wname, rep, opts, rawdir, batch=None):
    nprefixes, nnh = WORKLOADS[wname]
    tag = "%s-%s-r%d" % (wname, "b%d" % batch if batch else "snap", rep)
    quiet = 5.0 if nprefixes <= 20000 else 20.0
    timeout = 300 if nprefixes <= 20000 else opts.w2_timeout
    run = Run(wname, nprefixes, nnh, rawdir, tag, quiet, empty_start=bool(batch))
    res = {"workload": wname, "rep": rep, "batch": batch or "snapshot", "phases": [], "ok": False}
    log("%s: start" % tag)
    try:
        run.start()
        res["base"] = {"nb": run.nbmon.count, "sb": run.sbmon.count, "of": run.of.count}
        want = nprefixes * nnh
        if batch:
            run.start_agent()
            run.wait_nb(0, time.monotonic(), 30)
            time.sleep(2)
            lines = []
            for i, p in enumerate(run.prefixes):
                lines.append("add %s %s\n" % (p, ",".join(run.nh)))
                if (i + 1) % batch == 0 or i + 1 == len(run.prefixes):
                    lines.append("commit\n")
            text = "".join(lines)
            res["phases"].append(run.phase("load", lambda: run.rs(text), want, timeout))
        else:
            res["phases"].append(run.phase("load", run.start_agent, want, timeout))
            if res["phases"][-1]["ok"] and opts.churn:
                churned = run.churn_set()
                res["churn_prefixes"] = len(churned)
                wd = "".join("del %s\n" % p for p in churned) + "commit\n"
                ann = "".join("add %s %s\n" % (p, ",".join(run.nh)) for p in churned) + "commit\n"
                res["phases"].append(run.phase("withdraw", lambda: run.rs(wd), want - len(churned) * nnh, timeout))
                res["phases"].append(run.phase("announce", lambda: run.rs(ann), want, timeout))
        res["ok"] = all(p["ok"] for p in res["phases"])
        for p in res["phases"]:
            if not p["ok"]:
                res.setdefault("error", "%s: NB rows %d of the %d wanted, or the flows not settled, after %d s" % (
                    p["phase"], p["nb_rows"], want, timeout))
    except Exception as e:  # pylint: disable=broad-except
        res["error"] = repr(e)
        log("%s: failed: %r" % (tag, e))
    finally:
        try:
            run.stop()
        except Exception as e:  # pylint: disable=broad-except
            log("%s: stop failed: %r" % (tag, e))
            subprocess.run(["ip", "netns", "del", NS], check=False, stderr=subprocess.DEVNULL)
    return res


# --- the report ---------------------------------------------------------------


def cell(values, fmt="%.2f"):
    vals = [v for v in values if v is not None]
    if not vals:
        return "-"
    s = fmt % statistics.median(vals)
    if len(vals) > 1:
        s += " [%s-%s]" % (fmt % min(vals), fmt % max(vals))
    return s + " (n=%d)" % len(vals)


def report(runs, machine):
    groups = {}
    for r in runs:
        groups.setdefault((r["workload"], str(r["batch"])), []).append(r)
    lines = ["# OVN benchmark (bench/ovn.py)", "", machine, "",
             "Median [min-max] (n = runs that reached the figure); failed runs are counted below.", ""]
    rows = [
        ("NB rows changed", "nb_rows_changed", "%d"),
        ("t to all rows in NB (s)", "t_nb_s", "%.2f"),
        ("NB rows/s", "nb_per_s", "%d"),
        ("SB lflows changed", "sb_lflows_changed", "%d"),
        ("t to SB lflows settled (s)", "t_sb_s", "%.2f"),
        ("SB lflows/s", "sb_per_s", "%d"),
        ("OpenFlow flows changed", "of_flows_changed", "%d"),
        ("t to OpenFlow flows settled (s)", "t_of_s", "%.2f"),
        ("OpenFlow flows/s", "of_per_s", "%d"),
        ("t to `ovn-nbctl --wait=hv sync` back, started at NB complete (s)", "t_hv_sync_s", "%.2f"),
    ]
    procs = ["agent", "ovsdb-nb", "ovn-northd", "ovsdb-sb", "ovn-controller", "ovs-vswitchd"]
    for (w, b), rs in sorted(groups.items()):
        phases = []
        for r in rs:
            for p in r["phases"]:
                if p["phase"] not in phases:
                    phases.append(p["phase"])
        failed = [r for r in rs if not r["ok"]]
        lines += ["## %s, %s" % (w, "snapshot" if b == "snapshot" else "commits of %s routes" % b), "",
                  "%d runs, %d failed%s; load averages: %s" % (
                      len(rs), len(failed),
                      (" (" + "; ".join(r.get("error", "a figure not reached") for r in failed) + ")") if failed else "",
                      ", ".join(p["load_before"] for r in rs for p in r["phases"][:1])), "",
                  "| | " + " | ".join(phases) + " |", "|---|" + "---|" * len(phases)]

        def get(ph, key, sub=None):
            out = []
            for r in rs:
                for p in r["phases"]:
                    if p["phase"] == ph:
                        v = p[key] if sub is None else (p[key] or {}).get(sub)
                        # A phase that failed has no times or rates.
                        out.append(v if p["ok"] or not (key.startswith("t_") or key.endswith("_per_s")) else None)
            return out

        for label, key, fmt in rows:
            lines.append("| %s | %s |" % (label, " | ".join(cell(get(ph, key), fmt) for ph in phases)))
        for pr in procs:
            lines.append("| CPU %s (s) | %s |" % (pr, " | ".join(cell(get(ph, "cpu_s", pr)) for ph in phases)))
        for ev in ("insert", "delete"):
            lines.append("| SB Logical_Flow rows %sed (s) | %s |".replace(" (s)", "") % (ev[:-1] if ev.endswith("e") else ev, " | ".join(
                cell([(p.get("row_events") or {}).get("sb", {}).get(ev) for r in rs for p in r["phases"]
                      if p["phase"] == ph], "%d") for ph in phases)))
        lines.append("| agent's NB connection lost (no reply within 2 s) | %s |" % " | ".join(
            cell([p.get("agent_nb_connections_lost") for r in rs for p in r["phases"] if p["phase"] == ph], "%d")
            for ph in phases))
        lines.append("| northd recomputes (lflow node) | %s |" % " | ".join(
            cell([(p.get("northd", {}).get("lflow") or {}).get("recompute") for r in rs for p in r["phases"]
                  if p["phase"] == ph], "%d") for ph in phases))
        lines.append("")
    return "\n".join(lines) + "\n"


def machine_line():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    ver = subprocess.run(["ovn-northd", "--version"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    return "Machine: %d CPUs, %s, kernel %s; %s; commit %s%s; %s" % (
        os.cpu_count(), cpu, platform.release(), ver, commit, " (modified)" if dirty else "",
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default="W1")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batches", default="", help="W1 fed as commits of N routes, e.g. 100,1000")
    ap.add_argument("--no-churn", dest="churn", action="store_false")
    ap.add_argument("--w2-timeout", type=int, default=1200, help="seconds per W2 phase")
    ap.add_argument("--results", default=os.path.join(HERE, "results", "ovn"))
    ap.add_argument("--report", action="store_true", help="only rewrite DIR/ovn-results.md from its json")
    opts = ap.parse_args()
    if opts.report:
        with open(os.path.join(opts.results, "ovn-results.json")) as f:
            d = json.load(f)
        with open(os.path.join(opts.results, "ovn-results.md"), "w") as f:
            f.write(report(d["runs"], d["machine"]))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("ovn.py: terminated"))
    if os.geteuid() != 0:
        sys.exit("ovn.py: run as root")
    for f in (AGENT, FAKE_RS):
        if not os.access(f, os.X_OK):
            sys.exit("ovn.py: %s missing: run tools/build.sh" % f)
    if subprocess.run(["ip", "netns", "pids", NS], capture_output=True, check=False).returncode == 0:
        sys.exit("ovn.py: namespace %s exists: another run? (ip netns del %s)" % (NS, NS))
    os.makedirs(opts.results, exist_ok=True)
    rawdir = os.path.join(opts.results, "ovn-raw")
    machine = machine_line()
    log(machine)
    runs = []
    jpath = os.path.join(opts.results, "ovn-results.json")
    plan = []
    for w in opts.workloads.split(","):
        for rep in range(1, opts.reps + 1):
            plan.append((w, rep, None))
    for b in [int(x) for x in opts.batches.split(",") if x]:
        for rep in range(1, opts.reps + 1):
            plan.append(("W1", rep, b))
    for w, rep, b in plan:
        runs.append(run_one(w, rep, opts, rawdir, b))
        with open(jpath, "w") as f:
            json.dump({"machine": machine, "runs": runs}, f, indent=1)
        with open(os.path.join(opts.results, "ovn-results.md"), "w") as f:
            f.write(report(runs, machine))
    sys.stdout.write(report(runs, machine))


if __name__ == "__main__":
    main()
