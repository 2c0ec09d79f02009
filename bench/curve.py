# SPDX-License-Identifier: GPL-2.0-or-later
"""
The benchmark's cost curve (bench.py --curve paths,peers): how time to the
kernels, CPU and memory grow with the work.

  paths  W2's shape, 4 NVAs announcing the same prefix set, at 100k, 250k,
         500k and 1M paths: 25,000, 62,500, 125,000 and 250,000 prefixes
         per NVA, the first N of bench/cache/prefixes.txt. One route-server
         instance.
  peers  8, 32 and 64 NVAs x 4,000 prefixes, in active-active pairs as in
         W1 (NVA k and k+P/2 announce the same 4,000): P/2 x 4,000
         prefixes, P x 4,000 paths, each prefix a 2-way ECMP route. One
         instance, max-peers P+1 (the sink is a peer too). Pairs, not
         P distinct sets: 64 x 4,000 distinct prefixes would be more than
         the 250,000 of the prefix file.

Every NVA is its own namespace and FRR bgpd (its own address 10.1.1.(10+i)
and AS 65000+i), as in the other workloads. Each size is a lab of its own
(created, loaded, removed); every contender runs in it REPS times with
bench.run_one(), the figures and their method are the benchmark's.

Output (in --results, default bench/results/curve/): curve.json (every run),
curve.md (a table per curve, the linearity statement) and curve-KIND.png.
"""

import json
import math
import os
import subprocess
import time

import lab as L

CURVES = {"paths": [100000, 250000, 500000, 1000000],
          "peers": [8, 32, 64]}
PEER_PREFIXES = 4000
# NVA i is 10.1.1.(10+i) and AS 65000+i; the sink is 10.1.1.100, AS 65100.
MAX_PEERS = 88
POLL = 0.05
TIMEOUT = 180

# The curve's figures: (key, column label, unit).
COLUMNS = [
    ("t_recv", "(0) all paths at rs1", "s"),
    ("t_kernel", "(b) all routes in the kernel", "s"),
    ("t_sink", "(c) all routes at the sink", "s"),
    ("cpu_rs", "route server CPU (bgpd or BIRD)", "s"),
    ("cpu_pipeline", "pipeline CPU (bgpd+zebra+agent; BIRD)", "s"),
    ("hwm_mb", "peak RSS (VmHWM)", "MB"),
    ("routes_sent", "routes sent, all peers", "routes"),
]
# Linearity: the figures whose cost per unit of work is compared across
# sizes (memory as the peak's growth over the idle process: the idle
# process is a fixed cost).
LINEAR = [("t_kernel", "time to the kernel (b)"),
          ("t_sink", "time to the sink (c)"),
          ("cpu_rs", "route server CPU"),
          ("cpu_pipeline", "pipeline CPU"),
          ("mem_growth_mb", "peak RSS over the idle process")]
LABELS = {"vnetrs": "bgpd + vnetrs", "vnetrs-tls": "bgpd + vnetrs (TLS)",
          "plain": "plain bgpd", "bird": "BIRD 2", "feed": "feeders alone"}
# Within this share the cost per unit of work is "linear".
LINEAR_TOL = 0.15


def workload(kind, size):
    """(name, workload dict) of one point of a curve."""
    if kind == "paths":
        if size % 4 or not 4 <= size <= 1000000:
            raise ValueError("paths: a multiple of 4 up to 1,000,000")
        w = {"nvas": 4, "per_nva": size // 4, "sets": 1}
    elif kind == "peers":
        if size % 2 or not 2 <= size <= MAX_PEERS:
            raise ValueError("peers: an even number up to %d" % MAX_PEERS)
        w = {"nvas": size, "per_nva": PEER_PREFIXES, "sets": size // 2}
    else:
        raise ValueError("no curve %r (paths, peers)" % kind)
    w.update(rs=1, poll=POLL, timeout=TIMEOUT, poll_effective=False,
             curve=kind, size=size)
    return "%s-%d" % (kind, size), w


def sizes_of(opts):
    kinds = opts.curve.split(",")
    sizes = {k: list(CURVES.get(k, [])) for k in kinds}
    for spec in opts.curve_sizes:
        if "=" in spec:
            k, v = spec.split("=", 1)
        elif len(kinds) == 1:
            k, v = kinds[0], spec
        else:
            raise SystemExit("--curve-sizes KIND=N,... with several curves")
        sizes[k] = [int(float(x)) for x in v.split(",")]
    for k in kinds:
        for n in sizes[k]:
            workload(k, n)
    return kinds, sizes


def main(opts, prefixes, info_start, B):
    kinds, sizes = sizes_of(opts)
    runs = []
    workloads = {}
    t_begin = time.time()
    try:
        for kind in kinds:
            for size in sizes[kind]:
                name, w = workload(kind, size)
                workloads[name] = w
                B.run_workload(L.Lab(w, prefixes), name, opts, runs,
                               extra={"curve": kind, "size": size})
    finally:
        L.destroy_all()
    info = B.machine()
    info["loadavg"] = "%s at the start, %s at the end" % (
        info_start["loadavg"], info["loadavg"])
    info["vnetrs"] = B.code_version(info_start, info)
    data = {"machine": info, "reps": opts.reps, "curves": kinds,
            "sizes": sizes, "contenders": opts.contenders.split(","),
            "workloads": workloads, "runs": runs,
            "seconds": round(time.time() - t_begin, 1)}
    report(data, opts.results, B)
    B.log("curve results in %s (%.0f s)" % (opts.results,
                                            time.time() - t_begin))
    failed = [r for r in runs if r.get("failed")]
    if failed:
        B.log("%d of %d runs failed: %s" % (
            len(failed), len(runs), sorted({r["failed"] for r in failed})))
        return 1
    return 0 if runs else 1


def report(data, outdir, B):
    """curve.json, curve.md and the plots from the runs."""
    runs = data["runs"]
    summ = B.summarize(runs)
    counts = B.run_counts(runs)
    data["summary"] = summ
    data["linearity"] = {k: linearity(summ, data, k)
                         for k in data["curves"]}
    data["linearity_per_route"] = {k: linearity(summ, data, k, "route")
                                   for k in data["curves"]}
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "curve.json"), "w") as f:
        json.dump(data, f, indent=1)
    for kind in data["curves"]:
        try:
            plot(summ, data, kind, os.path.join(outdir,
                                                "curve-%s.png" % kind))
        except (subprocess.CalledProcessError, OSError) as e:
            B.log("plot failed: %s" % e)
    write_markdown(summ, counts, data, outdir, B)


def points(data, kind):
    """[(name, size, paths, prefixes)] of a curve, smallest first."""
    res = []
    for n in sorted(data["sizes"][kind]):
        name = "%s-%d" % (kind, n)
        w = data["workloads"][name]
        res.append((name, n, w["nvas"] * w["per_nva"],
                    w["sets"] * w["per_nva"]))
    return res


def linearity(summ, data, kind, per="path"):
    """Per contender and figure: the cost per unit of work (per path
    received; or, per="route", per route exchanged: paths received plus
    routes sent to the peers, as measured) at each size relative to the
    smallest, the exponent of a power law through the smallest and the
    largest point, and a verdict."""
    pts = points(data, kind)
    out = {}
    for c in data["contenders"]:
        for k, _ in LINEAR:
            xs, ys = [], []
            for name, _, paths, _ in pts:
                s = summ.get(name, {}).get(c, {})
                m = s.get(k)
                x = paths
                if per == "route":
                    if "routes_sent" not in s:
                        continue
                    x = paths + s["routes_sent"]["median"]
                if m and m["median"] > 0:
                    xs.append(x)
                    ys.append(m["median"])
            if len(xs) < 2:
                continue
            unit0 = ys[0] / xs[0]
            rel = [round((y / x) / unit0, 3) for x, y in zip(xs, ys)]
            expo = math.log(ys[-1] / ys[0]) / math.log(xs[-1] / xs[0])
            dev = max(abs(r - 1) for r in rel)
            worst = max(rel, key=lambda r: abs(r - 1))
            if dev <= LINEAR_TOL:
                verdict = "linear"
            elif worst > 1:
                verdict = "faster than linear"
            else:
                verdict = "sublinear"
            out.setdefault(c, {})[k] = {
                "paths": xs, "median": ys, "per_path_rel": rel,
                "exponent": round(expo, 3),
                "max_deviation": round(dev, 3), "verdict": verdict,
                "complete": len(xs) == len(pts)}
    return out


def write_markdown(summ, counts, data, outdir, B):
    info = data["machine"]
    loads = [r["loadavg"][0] for r in data["runs"] if r.get("loadavg")]
    lines = [
        "# vnetrs benchmark: the cost curve", "",
        "Machine: %s, %s vCPUs, %s RAM; %s, kernel %s; %s; %s; vnetrs %s; "
        "%s." % (info["cpu"], info["cpus"], info["memory"], info["os"],
                 info["kernel"], info["frr"], info["bird"], info["vnetrs"],
                 info["date"]), "",
        "Command: `bench/run.sh%s` (%d repetition%s per contender and "
        "size, %.0f s in all). Load average (1, 5, 15 min): %s; 1-minute "
        "load at the start of the runs: %s." % (
            info.get("args", ""), data["reps"],
            "s" if data["reps"] > 1 else "", data.get("seconds", 0),
            info.get("loadavg", "?"),
            "%.2f-%.2f" % (min(loads), max(loads)) if loads else "?"), "",
        "Cells: median [min-max] n=N (a single value when min = max), N "
        "the runs that gave the figure; \"n=N of R (why)\" when some of "
        "the R runs timed out (%d s) or failed: a timed-out run's times "
        "reached count, its CPU and memory do not. Times from the first "
        "UPDATE carrying NLRI sent by an NVA (tcpdump on the VNet's "
        "bridge), polled every %.0f ms. (b): the VM's kernel for vnetrs "
        "(programmed by vnetrs-agent), the route server's own kernel for "
        "plain bgpd and BIRD. Pipeline CPU: bgpd + zebra + vnetrs-agent "
        "(vnetrs), bgpd + zebra (plain), BIRD (bird). Peak RSS: bgpd or "
        "BIRD. See bench/README.md." % (TIMEOUT, POLL * 1000), ""]
    for kind in data["curves"]:
        pts = points(data, kind)
        if kind == "paths":
            lines += ["## Paths: W2's shape, 4 NVAs announcing the same "
                      "prefixes, one instance", ""]
        else:
            lines += ["## Peers: P NVAs x %d prefixes in active-active "
                      "pairs (P/2 x %d prefixes, 2-way ECMP), one instance, "
                      "max-peers P+1" % (PEER_PREFIXES, PEER_PREFIXES), ""]
        lines += ["| %s | prefixes | contender | runs | %s |" % (
            kind, " | ".join("%s (%s)" % (lab, u) for _, lab, u in COLUMNS)),
            "|---" * (len(COLUMNS) + 4) + "|"]
        for name, size, paths, prefixes in pts:
            for c in data["contenders"]:
                cnt = counts.get(name, {}).get(c)
                if not cnt:
                    continue
                m = summ.get(name, {}).get(c, {})
                lines.append("| %s | %s | %s | %s | %s |" % (
                    "{:,}".format(size), "{:,}".format(prefixes),
                    LABELS.get(c, c),
                    runs_text(cnt),
                    " | ".join(B.cell(m.get(k), u, cnt)
                               for k, _, u in COLUMNS)))
        lines.append("")
        bad = [r for r in data["runs"] if r.get("curve") == kind and
               (r.get("failed") or r.get("timed_out"))]
        for r in bad:
            lines.append("- %s %s rep %d: %s" % (
                r["workload"], r["contender"], r["rep"],
                "failed: " + r["failed"] if r.get("failed") else
                "timed out after %s s (not reached: %s)" % (
                    r.get("timeout_s"), ", ".join(r["timed_out"]))))
        if bad:
            lines.append("")
        lines += linearity_lines(data["linearity"][kind], kind, pts)
        lines += linearity_lines(data["linearity_per_route"][kind], kind,
                                 pts, "route")
        if os.path.exists(os.path.join(outdir, "curve-%s.png" % kind)):
            lines += ["![%s](curve-%s.png)" % (kind, kind), ""]
    with open(os.path.join(outdir, "curve.md"), "w") as f:
        f.write("\n".join(lines))


def runs_text(cnt):
    bad = [("%d timed out" % cnt[k] if k == "timed_out" else
            "%d failed" % cnt[k]) for k in ("timed_out", "failed") if cnt[k]]
    return "%d%s" % (cnt["runs"], " (%s)" % ", ".join(bad) if bad else "")


def linearity_lines(lin, kind, pts, per="path"):
    if not lin:
        return []
    sizes = ", ".join("{:,}".format(p[2]) for p in pts)
    if per == "path":
        lines = ["### Linearity (%s), per path received" % kind, "",
                 "Cost per path at each size (%s paths) relative to the "
                 "smallest size, from the medians; exponent: b of cost ~ "
                 "paths^b through the smallest and the largest size (1: "
                 "linear). Verdict \"linear\" when every size's cost per "
                 "path is within %d%% of the smallest's." % (
                     sizes, LINEAR_TOL * 100), ""]
    else:
        lines = ["### Linearity (%s), per route exchanged" % kind, "",
                 "The same with the work counted as paths received plus "
                 "routes sent to the peers (the sink and every NVA: an NVA "
                 "receives the other NVAs' routes), as counted by rs1 "
                 "after each run: the output grows with peers x "
                 "prefixes.", ""]
    lines += ["| contender | figure | cost per %s, relative | exponent | "
              "verdict |" % per, "|---|---|---|---|---|"]
    for c, figs in lin.items():
        for k, label in LINEAR:
            v = figs.get(k)
            if not v:
                continue
            lines.append("| %s | %s | %s%s | %.2f | %s (%s%.0f%%) |" % (
                LABELS.get(c, c), label,
                ", ".join("%.2f" % r for r in v["per_path_rel"]),
                "" if v["complete"] else " (sizes missing)",
                v["exponent"], v["verdict"],
                "within " if v["verdict"] == "linear" else "up to ",
                v["max_deviation"] * 100))
    lines.append("")
    v = lin.get("vnetrs", {})
    main = [(label, v[k]) for k, label in LINEAR
            if k in v and k != "mem_growth_mb"]
    if main:
        worst = max(main, key=lambda x: max(x[1]["per_path_rel"]))
        peak = max(worst[1]["per_path_rel"])
        superl = [lab for lab, x in main
                  if x["verdict"] == "faster than linear"]
        lines += ["**vnetrs %s** on this curve (per %s): its highest time "
                  "or CPU per %s at any size is %.2fx the smallest size's "
                  "(%s; exponent %.2f)%s." % (
                      "does not stay linear" if superl else
                      "stays linear (or better)", per, per, peak, worst[0],
                      worst[1]["exponent"],
                      "; faster than linear: " + ", ".join(superl)
                      if superl else "; tolerance %.0f%%" % (
                          LINEAR_TOL * 100)), ""]
    return lines


def short(n):
    for div, suf in ((1000000, "M"), (1000, "k")):
        if n >= div:
            return ("%g" % (n / div)) + suf
    return str(n)


def plot(summ, data, kind, path):
    """x = paths (or peers), y = time / CPU / memory, a line per
    contender (min-max error bars), gnuplot as convergence.png."""
    pts = points(data, kind)
    keys = ["t_kernel", "t_sink", "cpu_rs", "cpu_pipeline", "hwm_mb"]
    dat = path + ".dat"
    names = []
    with open(dat, "w") as f:
        for c in data["contenders"]:
            f.write("# %s: x, then median min max of %s\n" % (
                c, " ".join(keys)))
            for name, size, paths, _ in pts:
                m = summ.get(name, {}).get(c, {})
                row = [str(size if kind == "peers" else paths)]
                for k in keys:
                    v = m.get(k)
                    row += (["%g" % v["median"], "%g" % v["min"],
                             "%g" % v["max"]] if v else ["NaN"] * 3)
                f.write(" ".join(row) + "\n")
            f.write("\n\n")
            names.append(c)
    xl = "paths (4 NVAs)" if kind == "paths" else \
        "NVA peers (x %d prefixes, pairs)" % PEER_PREFIXES
    panels = [("time from the first UPDATE to all routes in the kernel (b)",
               "s", [("t_kernel", "")]),
              ("time to all routes at the sink (c)", "s",
               [("t_sink", "")]),
              ("CPU: route server (solid), pipeline (dashed)", "CPU s",
               [("cpu_rs", ""), ("cpu_pipeline", " pipeline")]),
              ("peak RSS of bgpd or BIRD", "MB", [("hwm_mb", "")])]
    # A panel no contender has a value for (the feeders alone have no
    # kernel figure) is left out: gnuplot refuses a plot of no points.
    panels = [p for p in panels
              if any(summ.get(name, {}).get(c, {}).get(k)
                     for name, _, _, _ in pts for c in names
                     for k, _ in p[2])]
    if not panels:
        return
    g = ["set terminal pngcairo size 1400,900 font ',10'",
         "set output '%s'" % path,
         "set multiplot layout 2,2 title 'cost curve: %s (median, min-max)'"
         % kind,
         "set key top left", "set grid", "set yrange [0:*]",
         "set xlabel '%s'" % xl,
         "set xtics (%s)" % ", ".join(
             "'%s' %d" % (short(x), x) for x in
             (p[1] if kind == "peers" else p[2] for p in pts)),
         "set xrange [0:*]", "set offsets graph 0.03, graph 0.03, 0, 0"]
    for title, unit, series in panels:
        g += ["set title '%s'" % title, "set ylabel '%s'" % unit]
        parts = []
        for ci, c in enumerate(names):
            for dash, (k, suffix) in enumerate(series):
                if k == "cpu_pipeline" and c in ("bird", "feed"):
                    continue  # one process: the same line
                if not any(summ.get(name, {}).get(c, {}).get(k)
                           for name, _, _, _ in pts):
                    continue
                col = 2 + 3 * keys.index(k)
                parts.append(
                    "'%s' index %d using 1:%d:%d:%d with yerrorlines lc %d "
                    "dt %d pt %d title '%s%s'" % (
                        dat, ci, col, col + 1, col + 2, ci + 1, dash + 1,
                        ci + 5, LABELS.get(c, c), suffix))
        g.append("plot " + ", ".join(parts))
    g.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(g), text=True, check=True,
                   capture_output=True)


def report_only(path, outdir, B):
    """Rewrite curve.md and the plots from a curve.json."""
    with open(path) as f:
        data = json.load(f)
    report(data, outdir, B)
    return 0
