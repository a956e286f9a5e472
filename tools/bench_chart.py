#!/usr/bin/env python3
"""Draws bench.csv (from tools/bench_report.py) as a PNG of ratios.

usage: bench_chart.py bench.csv bench.png [meta.txt]

Four panels of horizontal bars, one bar per case, ratio ours/reference on
a log scale: throughput (higher is better), latency and memory (lower is
better), and CPU time per message (lower is better; no target, green where
ours costs less than the reference). A bar is green where the case meets its issue #6 target (or, with
no target, beats the reference), red where it does not; a failed case is a
grey "FAIL", a skipped one (pgm without a network namespace) is left out.
The black line is parity (1.0), the tick on each row its target.
Runs with matplotlib (tools/bench.sh installs it into build/bench-venv).
"""
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["ratio"] = float(r["ratio"])
        t = r["target"]
        r["target_value"] = float(t[2:]) if t else None
    return rows


def good(r):
    ratio, target = r["ratio"], r["target_value"]
    if target is None:
        target = 1.0
    return ratio >= target if r["better"] == "higher" else ratio <= target


def panel(ax, rows, title):
    names = [r["case"] for r in rows][::-1]
    rows = rows[::-1]
    finite = [r["ratio"] for r in rows if not math.isnan(r["ratio"]) and r["ratio"] > 0]
    lo = min(finite + [0.5]) / 1.5
    hi = max(finite + [2.0]) * 1.5
    for y, r in enumerate(rows):
        if math.isnan(r["ratio"]) or r["ratio"] <= 0:
            ax.barh(y, hi, left=lo, color="#dddddd")
            ax.text(1.0, y, "FAIL", va="center", ha="center", fontsize=8)
            continue
        color = "#3a9a48" if good(r) else "#c8403a"
        ax.barh(y, r["ratio"] - lo, left=lo, color=color, height=0.7)
        ax.text(r["ratio"] * 1.03, y, "%.2f" % r["ratio"], va="center", fontsize=7)
        if r["target_value"] is not None:
            ax.plot([r["target_value"]] * 2, [y - 0.45, y + 0.45], color="#333333",
                    linewidth=1.2, linestyle=":")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_xlim(lo, hi)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_title(title, fontsize=10)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "%g" % v))
    ax.grid(axis="x", color="#eeeeee")


def main():
    rows = [r for r in load(sys.argv[1]) if r["meets_target"] != "SKIPPED"]
    meta = ""
    if len(sys.argv) > 3:
        try:
            with open(sys.argv[3]) as f:
                lines = [l.strip() for l in f if l.startswith(("date", "mode", "ours", "reference"))]
            meta = " | ".join(l[:90] for l in lines)
        except OSError:
            pass
    thr = [r for r in rows if r["group"] == "thr"]
    lat = [r for r in rows if r["group"] == "lat"]
    mem = [r for r in rows if r["group"] == "mem"]
    cpu = [r for r in rows if r["group"] == "cpu"]
    heights = [max(len(thr), 1), max(len(lat), 1) + max(len(mem), 1) + 3, max(len(cpu), 1)]
    fig = plt.figure(figsize=(19, 0.28 * max(heights) + 2.2))
    gs = fig.add_gridspec(max(len(lat), 1) + max(len(mem), 1) + 3, 3)
    ax_thr = fig.add_subplot(gs[:, 0])
    ax_lat = fig.add_subplot(gs[: max(len(lat), 1), 1])
    ax_mem = fig.add_subplot(gs[max(len(lat), 1) + 3:, 1])
    ax_cpu = fig.add_subplot(gs[:, 2])
    panel(ax_thr, thr, "throughput, ours / reference (higher is better)")
    panel(ax_lat, lat, "latency, ours / reference (LOWER is better)")
    panel(ax_mem, mem, "memory per connection, ours / reference (LOWER is better)")
    panel(ax_cpu, cpu, "CPU per message, ours / reference (LOWER is better)")
    fig.suptitle("Rust libzmq vs reference libzmq (medians; dotted tick = issue #6 target)",
                 fontsize=11)
    if meta:
        fig.text(0.01, 0.005, meta, fontsize=6, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
