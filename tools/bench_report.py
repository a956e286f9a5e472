#!/usr/bin/env python3
"""Turns tools/bench.sh's raw runs into the comparison table and bench.csv.

usage: bench_report.py RAW.tsv OUT.csv

RAW.tsv has one line per run: case, group, metric keys, library (ours, ref
or omq), repetition, status (OK, FAIL, SKIPPED, or NA for an omq that did
not build), seconds, CPU seconds of all the run's processes, a note (why it
failed), and the program's RESULT line. For every case and metric this
takes the median over the runs that succeeded, for each library, and the
ratio ours/reference (and ours/omq when omq ran); a case whose runs were
all skipped (pgm without a network namespace) shows as SKIPPED.
Throughput (group thr) is better when higher; latency and memory (lat,
mem) when lower. Targets are issue #6's.

Under every throughput and latency case a "cpu" row (group cpu, lower is
better, no target): CPU microseconds per message, that is CPU seconds per
million messages, from the run's CPU seconds and the msgs= of its RESULT
line. Standard library only.
"""
import csv
import math
import statistics
import sys

UNITS = {
    "msg_per_s": "msg/s",
    "in_msg_per_s": "msg/s",
    "out_msg_per_s": "msg/s",
    "latency_us": "us",
    "per_conn_kib": "KiB/conn",
    "dealer_per_conn_kib": "KiB/conn",
    "mbit_per_s": "Mb/s",
    "half_mbit_per_s": "Mb/s",
    "received": "msgs",
    "rss_per_dealer_kib": "KiB/conn",
    "cpu_us_per_msg": "cpu us/msg",
}

# Metrics of a throughput case that are memory figures (lower is better).
METRIC_GROUP = {"rss_per_dealer_kib": "mem"}

# Suffixes that tell apart the rows of a case that reports several metrics.
ROW_SUFFIX = {
    "in_msg_per_s": " in",
    "out_msg_per_s": " out",
    "per_conn_kib": " router",
    "dealer_per_conn_kib": " dealer",
    "mbit_per_s": " Mb/s",
    "half_mbit_per_s": " Mb/s 2nd half",
    "received": " received",
    "rss_per_dealer_kib": " KiB/dealer",
    "cpu_us_per_msg": " cpu",
}


def target_for(case, group):
    """(better, target ratio or None) for a case, per issue #6."""
    words = case.split()
    if group == "thr":
        if words[0] == "thr":
            return "higher", 1.2 if words[1] == "inproc" else 1.5
        return "higher", None
    if group == "lat":
        return "lower", 0.8
    if group == "cpu":
        return "lower", None
    return "lower", 1.0


def parse_result(line):
    fields = {}
    for word in line.split()[1:]:
        key, _, value = word.partition("=")
        fields[key] = value
    return fields


def fmt_value(value, unit):
    if value is None or math.isnan(value):
        return "FAIL"
    if unit == "msg/s":
        if value >= 1e6:
            return "%.2fM" % (value / 1e6)
        return "%.1fk" % (value / 1e3)
    if unit == "Mb/s":
        return "%.1f Mb/s" % value
    if unit == "msgs":
        return "%.0f" % value
    if unit == "us":
        return "%.1f us" % value
    if unit == "cpu us/msg":
        return "%.3g us" % value
    return "%.1f KiB" % value


def cpu_per_msg(run, fields):
    """CPU microseconds per message of one successful run, or None."""
    try:
        cpu, msgs = float(run.get("cpu_s") or ""), float(fields["msgs"])
    except (KeyError, ValueError):
        return None
    return cpu * 1e6 / msgs if msgs > 0 else None


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    raw_path, csv_path = sys.argv[1], sys.argv[2]
    rows = {}  # (case, metric) -> dict
    order = []
    pgm = {}  # case -> (rate_kbit, msg_count), from pgm_thr's RESULT lines
    fail_notes = {}  # (case, lib) -> first failure note
    na_notes = []  # why omq is n/a
    libs = ["ours", "ref"]
    with open(raw_path, newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        for run in reader:
            lib = run["lib"]
            if lib not in libs:
                libs.append(lib)
            fields = parse_result(run["result"] or "") if run["status"] == "OK" else {}
            if "rate_kbit" in fields and "msg_count" in fields:
                pgm[run["case"]] = (float(fields["rate_kbit"]), float(fields["msg_count"]))
            if run["status"] == "FAIL" and run.get("note"):
                fail_notes.setdefault((run["case"], lib), run["note"])
            if run["status"] == "NA" and run.get("note") and run["note"] not in na_notes:
                na_notes.append(run["note"])
            metrics = run["metrics"].split(",")
            if run["group"] in ("thr", "lat"):
                metrics.append("cpu_us_per_msg")
            for metric in metrics:
                key = (run["case"], metric)
                if key not in rows:
                    group = "cpu" if metric == "cpu_us_per_msg" else METRIC_GROUP.get(metric, run["group"])
                    rows[key] = {"group": group, "skipped": 0}
                    order.append(key)
                row = rows[key]
                row.setdefault(lib, [])
                row.setdefault(lib + "_fail", 0)
                row.setdefault(lib + "_na", 0)
                if run["status"] == "SKIPPED":
                    row["skipped"] += 1
                    continue
                if run["status"] == "NA":
                    row[lib + "_na"] += 1
                    continue
                if metric == "cpu_us_per_msg":
                    v = cpu_per_msg(run, fields)
                    if v is None:
                        row[lib + "_fail"] += 1
                    else:
                        row[lib].append(v)
                    continue
                try:
                    row[lib].append(float(fields[metric]))
                except (KeyError, ValueError):
                    row[lib + "_fail"] += 1
    have_omq = "omq" in libs

    out = []
    for case, metric in order:
        row = rows[(case, metric)]
        for lib in libs:
            row.setdefault(lib, [])
            row.setdefault(lib + "_fail", 0)
            row.setdefault(lib + "_na", 0)
        better, target = target_for(case, row["group"])
        ours = median(row["ours"])
        ref = median(row["ref"])
        omq = median(row.get("omq", []))
        ratio = ours / ref if ref and not math.isnan(ours) and not math.isnan(ref) else float("nan")
        ratio_omq = ours / omq if omq and not math.isnan(ours) and not math.isnan(omq) else float("nan")
        if row["skipped"] and not row["ours"] and not row["ref"]:
            verdict = "SKIPPED"
        elif math.isnan(ratio):
            verdict = "FAIL"
        elif target is None:
            verdict = "-"
        elif better == "higher":
            verdict = "yes" if ratio >= target else "no"
        else:
            verdict = "yes" if ratio <= target else "no"
        r = {
            "case": case + ROW_SUFFIX.get(metric, ""),
            "group": row["group"],
            "metric": metric,
            "unit": UNITS.get(metric, ""),
            "better": better,
            "ours_median": ours,
            "ref_median": ref,
            "ratio": ratio,
            "target": "" if target is None else ("%s%.1f" % (">=" if better == "higher" else "<=", target)),
            "meets_target": verdict,
            "ours_runs": len(row["ours"]),
            "ref_runs": len(row["ref"]),
            "ours_fail": row["ours_fail"],
            "ref_fail": row["ref_fail"],
            "ours_values": " ".join("%g" % v for v in row["ours"]),
            "ref_values": " ".join("%g" % v for v in row["ref"]),
        }
        if have_omq:
            r.update({
                "omq_median": omq,
                "ratio_omq": ratio_omq,
                "omq_runs": len(row["omq"]),
                "omq_fail": row["omq_fail"],
                "omq_na": row["omq_na"],
                "omq_values": " ".join("%g" % v for v in row["omq"]),
            })
        out.append(r)

    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(out[0].keys()) if out else ["case"])
        writer.writeheader()
        for r in out:
            r2 = dict(r)
            for k in ("ours_median", "ref_median", "ratio", "omq_median", "ratio_omq"):
                if k in r:
                    r2[k] = "nan" if math.isnan(r[k]) else "%.6g" % r[k]
            writer.writerow(r2)

    print("ratio = ours / reference. thr, fanout, router, proxy, inflight: msg/s, higher is better;")
    print("pgm: PUB->SUB over multicast at a set ZMQ_RATE, msg/s and Mb/s of payload at the subscriber, and how many arrived;")
    print("lat: one-way latency (round trip / 2), LOWER is better; mem, KiB/dealer: RSS growth per connection, LOWER is better;")
    print("cpu: CPU time (user+sys, all processes of a run) per message moved, us = CPU s per million msgs, LOWER is better.")
    if have_omq:
        print("omq: omq-libzmq, and ratio ours/omq (n/a: omq did not build; FAIL: its runs failed, see the notes).")
    omq_head = " %12s %8s" % ("omq", "ours/omq") if have_omq else ""
    header = "%-32s %12s %12s %8s %6s %5s%s  %s" % (
        "case", "ours", "reference", "ratio", "target", "met", omq_head,
        "fails ours/ref" + ("/omq" if have_omq else ""))
    print(header)
    print("-" * len(header))
    last_group = None
    for r in out:
        if last_group is not None and r["case"].split()[0] != last_group:
            print()
        last_group = r["case"].split()[0]
        ratio = "FAIL" if math.isnan(r["ratio"]) else "%.2f" % r["ratio"]
        omq_cols = ""
        if have_omq:
            if r["omq_na"] and not r["omq_runs"]:
                omq_cols = " %12s %8s" % ("n/a", "-")
            elif r["meets_target"] == "SKIPPED":
                omq_cols = " %12s %8s" % ("SKIPPED", "-")
            else:
                ro = "FAIL" if math.isnan(r["ratio_omq"]) else "%.2f" % r["ratio_omq"]
                if r["better"] == "lower" and not math.isnan(r["ratio_omq"]):
                    ro += "L"
                omq_cols = " %12s %8s" % (fmt_value(r["omq_median"], r["unit"]), ro)
        if r["meets_target"] == "SKIPPED":
            print("%-32s %12s %12s %8s %6s %5s%s" % (r["case"], "SKIPPED", "SKIPPED", "-", "-", "-", omq_cols))
            continue
        if r["better"] == "lower" and not math.isnan(r["ratio"]):
            ratio += "L"
        fails = ""
        if r["ours_fail"] or r["ref_fail"] or (have_omq and r["omq_fail"]):
            fails = "%d/%d" % (r["ours_fail"], r["ref_fail"])
            if have_omq:
                fails += "/%d" % r["omq_fail"]
        print("%-32s %12s %12s %8s %6s %5s%s  %s" % (
            r["case"], fmt_value(r["ours_median"], r["unit"]),
            fmt_value(r["ref_median"], r["unit"]), ratio, r["target"] or "-",
            r["meets_target"], omq_cols, fails))
    print("(L: lower is better for this row)")
    # Why runs failed (first failure per case and library); for omq, the
    # build failure once.
    names = {"ours": "ours", "ref": "reference", "omq": "omq"}
    for note in na_notes:
        print("note: omq n/a: %s" % note)
    for (case, lib), note in fail_notes.items():
        print("note: %s failed on %s: %s" % (case, names.get(lib, lib), note))
    # PGM sends at most ZMQ_RATE: more payload than the rate allows, or
    # messages missing at the subscriber, are worth a line of their own.
    notes = []
    for r in out:
        case = r["case"][: len(r["case"]) - len(ROW_SUFFIX.get(r["metric"], ""))]
        if case not in pgm:
            continue
        rate, sent = pgm[case][0] / 1000.0, pgm[case][1]
        for lib, name in (("ours", "ours"), ("ref", "reference")):
            v = r[lib + "_median"]
            if r["metric"] in ("mbit_per_s", "half_mbit_per_s") and not math.isnan(v) and v > rate:
                notes.append("%s: %s delivers %.1f Mb/s of payload%s, above ZMQ_RATE (%g Mb/s)"
                             % (case, name, v,
                                " over the second half" if r["metric"] == "half_mbit_per_s" else "",
                                rate))
            if r["metric"] == "received":
                values = [float(x) for x in r[lib + "_values"].split()]
                if any(x < sent for x in values):
                    notes.append("%s: %s lost messages: received %s of %.0f"
                                 % (case, name, " ".join("%.0f" % x for x in values), sent))
    for n in notes:
        print("note: " + n)


if __name__ == "__main__":
    main()
