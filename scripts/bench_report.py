#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The data half of scripts/bench-report: split the VM's output into JSON lines,
then render gnuplot charts and docs/benchmarks-report.md from them.

  bench_report.py split  --out DIR            < VM output
  bench_report.py render --in DIR [--plots DIR] [--md FILE] [--img-prefix P]
                         [--keep-gp DIR] [--quiet]
  bench_report.py plot   --in DIR --plots DIR [--keep-gp DIR] [--quiet]

split reads what scripts/bench-report's guest script prints: marker lines
(@@meta KEY VALUE, @@begin WORKLOAD, @@end WORKLOAD RC, @@stderr TEXT) and,
between @@begin and @@end, the workload's stdout, which must be JSON lines
only (gosync-stress --json; its progress and errors go to stderr, which the
guest script sends back as @@stderr lines). It writes DIR/WORKLOAD.jsonl,
DIR/WORKLOAD.stderr and DIR/meta.json, and prints a progress line on stderr
per measured row (point, floor, torture run) as it arrives and one per
workload as it ends. Exit status: 1 if a workload printed a non-JSON line on
stdout, printed no point, or never ended; 0 otherwise. A workload that exits
77 was skipped (torture without GOSYNC_IOC_TORTURE in the module): no failure.

render reads DIR/meta.json and DIR/*.jsonl (the workloads in the order the
meta lists them, else sorted) and writes one chart per workload and variant
(PNG and SVG, via gnuplot) and the Markdown report. Only numbers from those
files appear in the report.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

PEER_PREFIXES = ("pthread-", "c11-", "urcu-")
SKIPPED = 77		# exit status: the workload cannot run here (torture)
# rows that are measurements: counted as points, shown as progress
MEASURED = ("point", "torture")

# ---------------------------------------------------------------- split


def split(args):
    os.makedirs(args.out, exist_ok=True)
    meta_path = os.path.join(args.out, "meta.json")
    meta = {}
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    meta.setdefault("workloads", [])
    runs = {}
    cur = None		# the workload between @@begin and @@end
    out = err = None
    bad = 0
    t_start = time.monotonic()

    def say(msg):
        print(msg, file=sys.stderr, flush=True)

    for raw in sys.stdin:
        line = raw.rstrip("\r\n")
        if line.startswith("@@meta "):
            parts = line.split(" ", 2)
            if len(parts) == 3:
                meta[parts[1]] = parts[2].strip()
            continue
        if line.startswith("@@begin "):
            cur = line.split()[1]
            out = open(os.path.join(args.out, cur + ".jsonl"), "w")
            err = open(os.path.join(args.out, cur + ".stderr"), "w")
            runs[cur] = {"name": cur, "t0": time.monotonic(), "points": 0,
                         "rows": 0, "stray": 0, "rc": None}
            say("bench: %-14s running ..." % cur)
            continue
        if line.startswith("@@end "):
            parts = line.split()
            name = parts[1]
            r = runs.get(name)
            if r is None:
                continue
            r["rc"] = int(parts[2]) if len(parts) > 2 else None
            r["elapsed"] = round(time.monotonic() - r["t0"], 1)
            if len(parts) > 3:
                r["cmd"] = " ".join(parts[3:])
            out.close()
            err.close()
            out = err = None
            cur = None
            if r["rc"] == SKIPPED:
                say("bench: %-14s skipped (exit %d: cannot run here, see %s.stderr)"
                    % (name, SKIPPED, name))
                continue
            say("bench: %-14s %3d points, %3d other rows, exit %s, %6.1f s%s"
                % (name, r["points"], r["rows"] - r["points"], r["rc"],
                   r["elapsed"], ", %d NON-JSON stdout lines" % r["stray"]
                   if r["stray"] else ""))
            continue
        if line.startswith("@@cmd "):
            if cur:
                runs[cur]["cmd"] = line[6:].strip()
            continue
        if line.startswith("@@stderr "):
            if err:
                err.write(line[9:] + "\n")
            continue
        if cur is None:
            if line.strip():
                say("vm: " + line)
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError:
            runs[cur]["stray"] += 1
            err.write("STDOUT (not JSON): " + line + "\n")
            continue
        out.write(json.dumps(row) + "\n")
        runs[cur]["rows"] += 1
        if row.get("kind") in MEASURED:
            runs[cur]["points"] += 1
        if row.get("kind") in MEASURED + ("floor",):
            # a long workload (map-bench: minutes) is not silent meanwhile
            say("bench: %-14s %4d  %6.1f s  %s" % (
                cur, runs[cur]["points"], time.monotonic() - runs[cur]["t0"],
                progress_text(row)))
    if out:
        out.close()
        err.close()
    for r in runs.values():
        r.pop("t0", None)
        if r["rc"] is None:
            say("bench: %s never ended (VM died or timed out?)" % r["name"])
            bad = 1
        if r["stray"]:
            say("bench: %s printed %d non-JSON lines on stdout (see %s.stderr)"
                % (r["name"], r["stray"], r["name"]))
            bad = 1
        if not r["points"] and r["rc"] != SKIPPED:
            say("bench: %s printed no point" % r["name"])
            bad = 1
    names = [w["name"] for w in meta["workloads"]]
    for name, r in runs.items():
        if name in names:
            meta["workloads"][names.index(name)] = r
        else:
            meta["workloads"].append(r)
    meta["vm_elapsed"] = round(time.monotonic() - t_start, 1)
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    return bad


def progress_text(row):
    """One measured row, short: what it was and what it measured."""
    if row.get("kind") == "torture":
        return "%s %dw %dr: %s ns/op in the kernel, %s through the ioctl%s" % (
            row.get("type"), row.get("writers", 0), row.get("readers", 0),
            si(row.get("kernel_write_ns_per_op")),
            si(row.get("ioctl_write_ns_per_op")),
            "" if row.get("ok", True) else "  FAIL")
    what = " ".join(str(x) for x in (row.get("backend") or row.get("kind"),
                                     row.get("variant")) if x)
    if "msg_bytes" in row:
        what += " %s" % size_name(int(row["msg_bytes"]))
    return "%s %st: %s ops/s%s" % (
        what, row.get("threads", "?"), si(row.get("ops_per_sec")),
        "" if row.get("ok", True) else "  FAIL" +
        (" (%s)" % row["error"] if row.get("error") else ""))

# ---------------------------------------------------------------- loading


def load(indir):
    meta = {}
    p = os.path.join(indir, "meta.json")
    if os.path.exists(p):
        with open(p) as f:
            meta = json.load(f)
    order = [w["name"] for w in meta.get("workloads", [])]
    found = sorted(f[:-6] for f in os.listdir(indir) if f.endswith(".jsonl"))
    names = [n for n in order if n in found] + [n for n in found if n not in order]
    data = {}
    for n in names:
        rows = []
        with open(os.path.join(indir, n + ".jsonl")) as f:
            for i, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError as e:
                    sys.exit("%s.jsonl:%d: %s" % (n, i, e))
        data[n] = rows
    return meta, data


def is_peer(meta, backend):
    kinds = meta.get("backends", {})
    if backend in kinds:
        return kinds[backend] == "peer"
    return backend.startswith(PEER_PREFIXES)


def points(rows):
    """The point rows (failed ones too: ops_per_sec may be null)."""
    return [r for r in rows if r.get("kind") == "point" and "threads" in r]


def value(r):
    """The median ops/s as measured (tables show it, failed or not)."""
    v = r.get("ops_per_sec")
    return v if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else None


def rate(r):
    """ops/s of a point that passed: a failed one (lost updates in an exact
    mode, exclusion broken, a worker error) is no valid measurement."""
    return value(r) if r.get("ok") is not False else None


def chart_group(wl, variant):
    """(chart key, label suffix): counter-bench's -approx variants join their
    plain variant's chart as extra lines (only percpu has them); chan-bench's
    stream-SIZE variants make one chart over the message size."""
    if wl == "counter-bench" and variant and variant.endswith("-approx"):
        return variant[:-len("-approx")], " (approx)"
    if wl == "chan-bench" and variant and variant.startswith("stream-"):
        return "stream", ""
    return variant or "", ""


def by_size(wl):
    """chan-bench's points differ in message size (msg_bytes), not threads."""
    return wl == "chan-bench"


def xval(wl, r):
    return int(r["msg_bytes"]) if by_size(wl) and "msg_bytes" in r else int(r["threads"])


def size_name(b):
    for div, suf in ((1 << 20, "MiB"), (1 << 10, "KiB")):
        if b >= div and b % div == 0:
            return "%d %s" % (b // div, suf)
    return "%d B" % b


def xname(wl, x):
    if by_size(wl):
        return size_name(x)
    return "%d thread%s" % (x, "s" if x > 1 else "")


def groups(wl, meta, rows):
    """{chart key: {line label: {x: row}}}, in first-seen order; x is the
    thread count (chan-bench: the message size)."""
    g = {}
    for r in points(rows):
        key, suffix = chart_group(wl, r.get("variant", ""))
        be = r.get("backend") or "-"
        label = be + suffix
        if r.get("procs") and not by_size(wl):
            label += " (procs)"
        g.setdefault(key, {}).setdefault(label, {})[xval(wl, r)] = r
    # gosync lines first, then peers, each in first-seen order
    for key in g:
        lines = g[key]
        g[key] = dict(sorted(lines.items(),
                             key=lambda kv: is_peer(meta, kv[0].split(" ")[0])))
    return g

# ---------------------------------------------------------------- formatting


def si(v):
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "-"
    a = abs(v)
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            x = v / div
            return ("%.3g" % x if x < 100 else "%.0f" % x) + suf
    return "%.3g" % v if a < 100 else "%.0f" % v


def cell(r):
    if r is None:
        return ""
    s = si(r.get("ops_per_sec"))
    lo, hi = r.get("ops_per_sec_min"), r.get("ops_per_sec_max")
    if value(r) and r.get("reps", 1) > 1 and lo is not None and hi is not None and si(lo) != si(hi):
        s += " [%s-%s]" % (si(lo), si(hi))
    if r.get("ok") is False:
        s = (s + " " if value(r) else "") + "**FAIL**" + (" (%s)" % r["error"] if r.get("error") else "")
    if r.get("fairness") in ("starved", "unfair"):
        s += " !!" + r["fairness"]
    return s


def md_table(head, body, align=None):
    align = align or ["l"] * len(head)
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    for row in body:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(out)


def slug(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-") or "all"

# ---------------------------------------------------------------- plots

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
          "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#000000", "#aec7e8"]

VARIANT_TITLES = {
    ("counter-bench", "single"): "one Add per ioctl (GOSYNC_IOC_COUNTER)",
    ("counter-bench", "batch"): "batched Adds (GOSYNC_IOC_BATCH)",
    ("chan-bench", "pingpong"): "round trips of 8-byte messages between two processes "
                                "(go-chan: two goroutines)",
    ("chan-bench", "stream"): "messages one way between two processes, by size "
                              "(go-chan: two goroutines)",
}


def gp_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def plot_chart(wl, key, lines, meta, plotdir, quiet=False, keep_gp=None):
    """Write plotdir/<wl>[-<key>].{png,svg}; return the file stem."""
    stem = slug(wl + ("-" + key if key else ""))
    threads = sorted({t for pts in lines.values() for t in pts})
    vals = []
    for pts in lines.values():
        for r in pts.values():
            if rate(r) is None:		# not plotted: not in the scale either
                continue
            for k in ("ops_per_sec", "ops_per_sec_min", "ops_per_sec_max"):
                v = r.get(k)
                if isinstance(v, (int, float)) and v > 0:
                    vals.append(v)
    logy = bool(vals) and max(vals) / min(vals) > 20
    reps = max((r.get("reps", 1) for pts in lines.values() for r in pts.values()),
               default=1)
    vcpus = meta.get("guest_nproc", "?")
    title = "%s%s" % (wl, ": " + key if key else "")
    extra = VARIANT_TITLES.get((wl, key))
    go = next((r.get("go") for pts in lines.values() for r in pts.values()
               if r.get("go")), None)
    sub = extra or go or ""
    sub2 = "QEMU TCG, %s vCPUs; median of %d rep%s, bars: min-max" % (
        vcpus, reps, "s" if reps > 1 else "")
    data = []
    plots = []
    sized = by_size(wl)
    span = max(1, threads[-1] - threads[0]) if threads else 1
    for i, (label, pts) in enumerate(lines.items()):
        # nudge each line a little along x so the min-max bars stay apart
        # (by a factor on chan-bench's log2 x axis)
        dx = (i - (len(lines) - 1) / 2) * 0.012 * span
        fx = 2 ** ((i - (len(lines) - 1) / 2) * 0.03)
        peer = is_peer(meta, label.split(" ")[0])
        color = COLORS[i % len(COLORS)]
        block = "$d%d" % i
        data.append("%s << EOD" % block)
        for t in sorted(pts):
            r = pts[t]
            v = rate(r)
            if v is None:	# a failed point (ok false, no rate): a gap
                data.append("")
                continue
            lo = r.get("ops_per_sec_min") or v
            hi = r.get("ops_per_sec_max") or v
            data.append("%.4f %.10g %.10g %.10g" % (t * fx if sized else t + dx, v, lo, hi))
        if not any(rate(r) for r in pts.values()):
            data.append("%d NaN NaN NaN" % min(pts))	# keep the legend entry
        data.append("EOD")
        pt = (6 + 2 * (i % 4)) if peer else (7 + 2 * (i % 4))   # open vs filled
        plots.append(
            "%s using 1:2:3:4 with yerrorlines lw 2 lc rgb '%s' dt %d pt %d ps 1.3 "
            "title %s" % (block, color, 2 if peer else 1, pt,
                          gp_str(label + ("  [peer]" if peer else ""))))
    pad = 0.25 * max(1, threads[-1] - threads[0]) if threads else 0.5
    if sized:
        xaxis = [
            "set xlabel 'message size (bytes); two processes pinned one per vCPU "
            "(go-chan: goroutines in one unpinned Go process)'",
            "set ylabel 'throughput (messages or round trips/s)'",
            "set logscale x 2",
            "set xtics (%s)" % ", ".join("'%s' %d" % (size_name(t), t) for t in threads),
            "set xrange [%g:%g]" % (threads[0] / 1.6, threads[-1] * 1.6) if threads else "",
        ]
    else:
        xaxis = [
            "set xlabel 'threads (workers, pinned one per vCPU)'",
            "set ylabel 'throughput (ops/s, all workers)'",
            "set xtics (%s)" % ", ".join("'%d' %d" % (t, t) for t in threads),
            "set xrange [%g:%g]" % (threads[0] - pad, threads[-1] + pad) if threads else "",
        ]
    common = "\n".join(data) + "\n" + "\n".join([
        "set title %s noenhanced" % gp_str(title + ("\n" + sub if sub else "")
                                          + "\n" + sub2)] + xaxis + [
        "set grid ytics mytics xtics lc rgb '#dddddd'",
        "set key outside right top vertical Left reverse noenhanced box opaque spacing 1.2 width 1",
        "set bars small",
    ])
    return plot_with(stem, common, plots, logy, plotdir, keep_gp, quiet)


def plot_with(stem, common, plots, logy, plotdir, keep_gp, quiet):
    """Add the y axis and frame every chart shares, then plot @plots."""
    common += "\n" + "\n".join([
        "set logscale y 10" if logy else "set yrange [0:*]",
        "set format y '%.0s%c'" if logy else "set format y '%.1s%c'",
        "set border 3",
        "set tics nomirror",
        "set lmargin 10",
        "plot " + ", \\\n     ".join(plots),
    ])
    run_gnuplot(stem, common, plotdir, keep_gp)
    if not quiet:
        print("plot: %s/%s.{png,svg}" % (plotdir, stem), file=sys.stderr)
    return stem


def run_gnuplot(stem, common, plotdir, keep_gp=None):
    """Draw @common (data and plot commands) to plotdir/stem.{png,svg}."""
    for term, ext in (("pngcairo size 1000,560 font 'DejaVu Sans,10'", "png"),
                      ("svg size 1000,560 dynamic font 'DejaVu Sans,11'", "svg")):
        path = os.path.join(plotdir, stem + "." + ext)
        script = "set terminal %s\nset output %s\n%s\nunset output\n" % (
            term, gp_str(path), common)
        if keep_gp:
            os.makedirs(keep_gp, exist_ok=True)
            with open(os.path.join(keep_gp, stem + "." + ext + ".gp"), "w") as f:
                f.write(script)
        p = subprocess.run(["gnuplot"], input=script, text=True,
                           capture_output=True)
        if p.returncode or p.stderr.strip():
            sys.stderr.write("gnuplot (%s): %s\n" % (path, p.stderr.strip()))
            if p.returncode:
                raise SystemExit(1)


def torture_rows(rows):
    return [r for r in rows if r.get("kind") == "torture"]


def alone(r):
    """A lone writer: its ns/op is one op's latency, not a contended average."""
    return r.get("writers") == 1 and not r.get("readers")


def torture_configs(rows):
    """{"1-writer": [rows], "contended": [rows]}, in first-seen order."""
    g = {}
    for r in torture_rows(rows):
        g.setdefault("1-writer" if alone(r) else "contended", []).append(r)
    return g


def ns(r, key, failed_too=False):
    """A torture run's ns/op, or None: no such ops, or (unless @failed_too,
    as tables show them beside FAIL) the run failed, a gap in the chart."""
    v = r.get(key)
    ok = failed_too or (r.get("ok") is not False and
                        not (key.startswith("ioctl") and r.get("ioctl_error")))
    return v if ok and isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else None


TORTURE_BARS = (("kernel_write_ns_per_op", "writes in the kernel"),
                ("ioctl_write_ns_per_op", "writes through the ioctl"),
                ("kernel_read_ns_per_op", "reads in the kernel"),
                ("ioctl_read_ns_per_op", "reads through the ioctl"))


def plot_torture(key, rs, meta, plotdir, quiet=False, keep_gp=None):
    """Bars: ns/op of each type in the kernel and through the ioctl."""
    stem = slug("torture-" + key)
    bars = [(k, t) for k, t in TORTURE_BARS if any(ns(r, k) for r in rs)]
    if not bars:
        return None
    vals = [ns(r, k) for r in rs for k, _ in bars if ns(r, k)]
    logy = max(vals) / min(vals) > 20
    who = "; ".join(sorted({"%d writer%s, %d reader%s" % (
        r.get("writers", 0), "" if r.get("writers") == 1 else "s",
        r.get("readers", 0), "" if r.get("readers") == 1 else "s") for r in rs}))
    data = ["$d << EOD"]
    for r in rs:	# a failed run or a missing kind: '?', a gap
        data.append(" ".join([gp_str(r.get("type", "?"))] +
                             ["%.6g" % ns(r, k) if ns(r, k) else "?" for k, _ in bars]))
    data.append("EOD")
    plots = ["$d using %d:xtic(1) lc rgb '%s' title %s" % (i + 2, COLORS[i], gp_str(t))
             for i, (_, t) in enumerate(bars)]
    common = "\n".join(data) + "\n" + "\n".join([
        "set title %s noenhanced" % gp_str(
            "torture: %s; kernel threads vs the same work through ioctls\n"
            "QEMU TCG, %s vCPUs; %s" % (
                who, meta.get("guest_nproc", "?"),
                "1 thread: ns/op is one op's latency" if key == "1-writer" else
                "ns/op = wall time / ops (aggregate, contended)")),
        "set datafile missing '?'",
        "set style data histogram",
        "set style histogram cluster gap 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set xrange [-0.6:%g]" % (len(rs) - 0.4),
        "set ylabel 'ns per op (lower is faster)'",
        "set grid ytics lc rgb '#dddddd'",
        "set key outside right top vertical Left reverse noenhanced box opaque",
        "set xtics noenhanced",
    ])
    return plot_with(stem, common, plots, logy, plotdir, keep_gp, quiet)


def plot_all(meta, data, plotdir, quiet=False, keep_gp=None):
    os.makedirs(plotdir, exist_ok=True)
    charts = {}
    for wl, rows in data.items():
        for key, lines in groups(wl, meta, rows).items():
            charts[(wl, key)] = plot_chart(wl, key, lines, meta, plotdir, quiet,
                                            keep_gp)
        for key, rs in torture_configs(rows).items():
            charts[(wl, "torture-" + key)] = plot_torture(key, rs, meta, plotdir,
                                                          quiet, keep_gp)
    return charts

# ---------------------------------------------------------------- report


RATIO_STD = {"workload", "kind", "ratio", "backend", "of", "variant", "threads",
             "procs", "value", "inverse", "ops_per_sec", "peer_ops_per_sec", "peer"}


def ratio_fmt(v):
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        return "-"
    return "%.3gx" % v


def ratio_tables(rows):
    """Markdown for the rows of kind 'ratio', one table per ratio name."""
    ratios = [r for r in rows if r.get("kind") == "ratio"]
    out = []
    names = []
    for r in ratios:
        if r.get("ratio") not in names:
            names.append(r.get("ratio"))
    for name in names:
        rs = [r for r in ratios if r.get("ratio") == name]
        out.append("Ratio **%s** (as the workload printed it, of medians):\n" % name)
        if any("peer" in r for r in rs):
            # the peer's own variant when it is not the gosync point's
            # (counter-bench: peers Add one at a time, so a batch point is
            # held to their single)
            pv = any(r.get("peer_variant", r.get("variant", "")) != r.get("variant", "")
                     for r in rs)
            body = [[r.get("variant", ""), r.get("threads", ""), r.get("backend", ""),
                     r.get("peer", "")]
                    + ([r.get("peer_variant", r.get("variant", ""))] if pv else [])
                    + [si(r.get("ops_per_sec")), si(r.get("peer_ops_per_sec")),
                       "%.3gx" % r["value"]]
                    for r in rs]
            out.append(md_table(["variant", "threads", "gosync", "peer"]
                                + (["peer variant"] if pv else [])
                                + ["gosync ops/s", "peer ops/s", "gosync/peer"], body,
                                ["l", "r", "l", "l"] + (["l"] if pv else [])
                                + ["r", "r", "r"]))
        else:
            # narrow rows (backend, of, value) or wide ones (map-bench: a
            # numeric column per backend or pair, one row per variant)
            extras = []
            for r in rs:
                for k, v in r.items():
                    if (k not in RATIO_STD and k not in extras
                            and isinstance(v, (int, float)) and not isinstance(v, bool)):
                        extras.append(k)
            ctx = [k for k in ("variant", "threads") if any(k in r for r in rs)]
            if extras:
                head = ctx + ["of"] + extras
                body = [[r.get(k, "") for k in ctx] + [r.get("of", "")]
                        + [ratio_fmt(r.get(k)) for k in extras] for r in rs]
                align = ["l"] * (len(ctx) + 1) + ["r"] * len(extras)
            else:
                head = ["backend"] + ctx + ["of", name]
                body = [[r.get("backend", "")] + [r.get(k, "") for k in ctx]
                        + [r.get("of", ""), ratio_fmt(r.get("value"))] for r in rs]
                align = ["l"] * (len(ctx) + 2) + ["r"]
            out.append(md_table(head, body, align))
        out.append("")
    return "\n".join(out)


def workload_section(wl, rows, meta, charts, img_prefix):
    out = ["## %s\n" % wl]
    run = next((w for w in meta.get("workloads", []) if w.get("name") == wl), {})
    if run.get("cmd"):
        out.append("Guest command: `%s` (exit %s, %s s wall in the guest run).\n"
                   % (run["cmd"], run.get("rc"), run.get("elapsed")))
    rc = run.get("rc")
    if rc == SKIPPED:
        out.append("**Skipped** (exit %d): it cannot run here; for torture, the "
                   "booted module has no GOSYNC_IOC_TORTURE (built without "
                   "GOSYNC_TORTURE=1) or the guest is not root.\n" % SKIPPED)
        tail = run.get("stderr_tail")
        if tail:
            out.append("Its stderr:\n\n```\n%s\n```\n" % "\n".join(tail))
        return "\n".join(out)
    if rc not in (None, 0):
        why = {139: " (SIGSEGV: it crashed)", 134: " (SIGABRT)", 124: " (timeout)",
               1: " (a point failed or an exact backend lost updates)"}.get(rc, "")
        out.append("**%s exited %s%s**: the rows below are what it printed before "
                   "that; ratios and floors it prints at the end may be missing.\n"
                   % (wl, rc, why))
        tail = run.get("stderr_tail")
        if tail:
            out.append("Its stderr ended with:\n\n```\n%s\n```\n" % "\n".join(tail))
    if torture_rows(rows):
        out.append(torture_section(wl, rows, charts, img_prefix))
    pts = points(rows)
    if not pts:
        return "\n".join(out)
    nfail = sum(1 for r in pts if r.get("ok") is False)
    out.append("%d points%s. Cells: median ops/s [min-max] over the reps, all "
               "workers together; `[peer]` rows are userspace peers measured in the "
               "same run.\n" % (len(pts), ", **%d failed**" % nfail if nfail else ""))
    for key, lines in groups(wl, meta, rows).items():
        threads = sorted({t for p in lines.values() for t in p})
        if key:
            go = next((r.get("go") for p in lines.values() for r in p.values()
                       if r.get("go")), None)
            out.append("### %s: %s\n" % (wl, key) + ("\nGo: %s\n" % go if go else ""))
        body = []
        for label, p in lines.items():
            name = label + (" [peer]" if is_peer(meta, label.split(" ")[0]) else "")
            body.append([name] + [cell(p.get(t)) for t in threads])
        out.append(md_table(["backend"] + [xname(wl, t) for t in threads], body,
                            ["l"] + ["r"] * len(threads)))
        out.append("")
        if any(isinstance(r.get("mb_per_sec"), (int, float)) for p in lines.values()
               for r in p.values()):
            out.append("MB/s (medians):\n")
            body = [[label + (" [peer]" if is_peer(meta, label.split(" ")[0]) else "")]
                    + [si((p.get(t) or {}).get("mb_per_sec")) if p.get(t) else ""
                       for t in threads] for label, p in lines.items()]
            out.append(md_table(["backend"] + [xname(wl, t) for t in threads], body,
                                ["l"] + ["r"] * len(threads)))
            out.append("")
        stem = charts.get((wl, key))
        if stem:
            out.append("![%s %s](%s%s.png)\n\n[SVG](%s%s.svg)\n"
                       % (wl, key, img_prefix, stem, img_prefix, stem))
    unfair = [r for r in pts if r.get("fairness") in ("starved", "unfair")]
    if unfair:
        out.append("Fairness alarms (per-worker ops of the most lopsided rep):\n")
        out.append(md_table(["backend", "variant", "threads", "acq min", "acq max",
                             "fairness"],
                            [[r.get("backend"), r.get("variant"), r.get("threads"),
                              r.get("acq_min"), r.get("acq_max"), r.get("fairness")]
                             for r in unfair]))
        out.append("")
    floors = [r for r in rows if r.get("kind") == "floor"]
    if floors:
        # "when": before or after the workload's points (counter-bench: both)
        when = any("when" in r for r in floors)
        out.append("Floors (the cheapest calls, 1 thread%s):\n"
                   % (", measured before and/or after the points" if when else ""))
        out.append(md_table(["floor", "what"] + (["measured"] if when else [])
                            + ["ops/s", "ns/op"],
                            [[r.get("variant"), r.get("what", "")]
                             + (["%s the points" % r["when"] if r.get("when") else "-"]
                                if when else [])
                             + [cell(r),
                                "%.0f" % r["ns_per_op"] if r.get("ns_per_op") else "-"]
                             for r in floors],
                            ["l", "l"] + (["l"] if when else []) + ["r", "r"]))
        out.append("")
    rt = ratio_tables(rows)
    if rt:
        out.append(rt)
    return "\n".join(out)


def torture_section(wl, rows, charts, img_prefix):
    """torture's runs: ns/op in the kernel and through the ioctl, per config."""
    out = []
    rs = torture_rows(rows)
    nfail = sum(1 for r in rs if r.get("ok") is False)
    out.append("%d runs%s. Each runs `GOSYNC_IOC_TORTURE` (kernel threads, no "
               "syscall in the way), then as many userspace threads doing the "
               "same through ioctls for as long. ns/op = wall time / ops of that "
               "kind: with 1 writer and no reader it is one op's latency, and "
               "ioctl - kernel is what the syscall, fd lookup and dispatch add; "
               "with more threads it is aggregate and contended, and only the "
               "ratio compares. `max/min`: ops of the busiest / idlest thread "
               "in the kernel (min 0: starved, a failure).\n"
               % (len(rs), ", **%d failed**" % nfail if nfail else ""))

    def f(v):
        return "%.0f" % v if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else "-"

    def x(a, b):
        return ratio_fmt(a / b) if a and b else "-"

    for key, group in torture_configs(rows).items():
        one = key == "1-writer"
        out.append("### %s: %s\n" % (wl, "1 writer alone" if one else
                                      "contended (writers and readers)"))
        head = ["type", "writers", "readers", "kernel write ns/op", "ioctl write ns/op",
                "ioctl/kernel"]
        head += ["syscall + dispatch ns"] if one else [
            "kernel read ns/op", "ioctl read ns/op", "ioctl/kernel (reads)"]
        head += ["writes max/min", "reads max/min", "errors", "ok"]
        body = []
        for r in group:
            kw = ns(r, "kernel_write_ns_per_op", True)
            iw = ns(r, "ioctl_write_ns_per_op", True)
            row = [r.get("type", "?"), r.get("writers", "?"), r.get("readers", "?"),
                   f(kw), f(iw), x(iw, kw)]
            if one:
                row.append(f(iw - kw) if kw and iw else "-")
            else:
                kr = ns(r, "kernel_read_ns_per_op", True)
                ir = ns(r, "ioctl_read_ns_per_op", True)
                row += [f(kr), f(ir), x(ir, kr)]
            row += ["%s/%s" % (r.get("write_max"), r.get("write_min"))
                    if r.get("writers") else "-",
                    "%s/%s" % (r.get("read_max"), r.get("read_min"))
                    if r.get("readers") else "-",
                    r.get("errors", "?"),
                    "yes" if r.get("ok") else "**FAIL**" +
                    (" (ioctl path: %s)" % r["ioctl_error"] if r.get("ioctl_error") else "")]
            body.append(row)
        out.append(md_table(head, body, ["l"] + ["r"] * (len(head) - 1)))
        out.append("")
        stem = charts.get((wl, "torture-" + key))
        if stem:
            out.append("![%s %s](%s%s.png)\n\n[SVG](%s%s.svg)\n"
                       % (wl, key, img_prefix, stem, img_prefix, stem))
    return "\n".join(out)


def report(meta, data, charts, img_prefix):
    m = meta
    out = ["# Benchmark report\n",
           "<!-- Generated by scripts/bench-report; do not edit by hand. -->\n",
           "Every number below comes from one run of `%s`: all workloads ran "
           "one after the other in one boot of the test VM, so the ratios "
           "compare points measured side by side. Absolute numbers mean "
           "little: the guest runs under QEMU TCG (binary translation, no "
           "KVM), so every instruction, syscall and context switch costs far "
           "more than on hardware, and the host may be shared. Read the "
           "ratios inside one run. See docs/benchmarks.md for what each "
           "workload measures.\n" % m.get("command", "scripts/bench-report"),
           "## Setup\n"]
    setup = [
        ("date", m.get("date", "?")),
        ("command", "`%s`" % m.get("command", "?")),
        ("commit", "`%s`" % m.get("commit", "?")),
        ("host", "%s, %s CPUs, %s memory" % (m.get("host_cpu", "?"),
                                             m.get("host_nproc", "?"),
                                             m.get("host_mem", "?"))),
        ("host kernel", m.get("host_kernel", "?")),
        ("host load", m.get("host_load", "none")),
        ("emulator", "%s, `-accel tcg` (no KVM)" % m.get("qemu", "QEMU")),
        ("guest", "kernel %s, %s vCPUs, %s memory" % (m.get("guest_kernel", "?"),
                                                      m.get("guest_nproc", "?"),
                                                      m.get("guest_mem", "?"))),
        ("module", m.get("module", "build/stock/gosync.ko")),
        ("per point", m.get("point_args", "?")),
        ("wall time", "%s s for the VM run (boot included)" % m.get("vm_elapsed", "?")),
    ]
    out.append(md_table(["", ""], setup))
    out.append("")
    runs = m.get("workloads", [])
    if runs:
        out.append(md_table(["workload", "points", "exit", "elapsed (s)"],
                            [[w["name"], w.get("points", ""),
                              "%d (skipped)" % SKIPPED if w.get("rc") == SKIPPED
                              else w.get("rc", ""),
                              w.get("elapsed", "")] for w in runs],
                            ["l", "r", "r", "r"]))
        out.append("")
    for wl, rows in data.items():
        out.append(workload_section(wl, rows, meta, charts, img_prefix))
    return "\n".join(out).rstrip() + "\n"


def render(args):
    meta, data = load(args.indir)
    for w in meta.get("workloads", []):
        p = os.path.join(args.indir, w.get("name", "") + ".stderr")
        if os.path.exists(p):
            with open(p) as f:
                w["stderr_tail"] = [l.rstrip("\n") for l in f][-5:]
    if not data:
        sys.exit("bench_report: no *.jsonl in %s" % args.indir)
    charts = plot_all(meta, data, args.plots, args.quiet,
                      args.keep_gp) if args.plots else {}
    if args.md:
        if args.img_prefix is None:
            rel = os.path.relpath(args.plots, os.path.dirname(os.path.abspath(args.md)))
            args.img_prefix = rel.rstrip("/") + "/"
        text = report(meta, data, charts, args.img_prefix)
        os.makedirs(os.path.dirname(os.path.abspath(args.md)), exist_ok=True)
        with open(args.md, "w") as f:
            f.write(text)
        if not args.quiet:
            print("report: %s" % args.md, file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("--out", required=True)
    for name in ("render", "plot"):
        r = sub.add_parser(name)
        r.add_argument("--in", dest="indir", required=True)
        r.add_argument("--plots", required=(name == "plot"))
        r.add_argument("--md")
        r.add_argument("--img-prefix")
        r.add_argument("--quiet", action="store_true")
        r.add_argument("--keep-gp", metavar="DIR",
                       help="also write each chart's gnuplot script to DIR")
    args = ap.parse_args()
    if args.cmd == "split":
        return split(args)
    if args.cmd == "plot":
        args.md = None
    return render(args)


if __name__ == "__main__":
    sys.exit(main())
