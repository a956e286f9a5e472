#!/usr/bin/env python3
"""Turns tools/bench.sh's raw runs into the comparison table and bench.csv.

usage: bench_report.py RAW.tsv OUT.csv

RAW.tsv has one line per run: case, group, metric keys, library (ours/ref),
repetition, status (OK, FAIL or SKIPPED), seconds, and the program's RESULT
line. For every case and metric this takes the median over the runs that
succeeded, for each library, and the ratio ours/reference; a case whose runs
were all skipped (pgm without a network namespace) shows as SKIPPED. Throughput (group thr) is better when higher;
latency and memory (lat, mem) when lower. Targets are issue #6's.
Standard library only.
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
}

# Suffixes that tell apart the rows of a case that reports several metrics.
ROW_SUFFIX = {
    "in_msg_per_s": " in",
    "out_msg_per_s": " out",
    "per_conn_kib": " router",
    "dealer_per_conn_kib": " dealer",
    "mbit_per_s": " Mb/s",
    "half_mbit_per_s": " Mb/s 2nd half",
    "received": " received",
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
    return "%.1f KiB" % value


def main():
    raw_path, csv_path = sys.argv[1], sys.argv[2]
    rows = {}  # (case, metric) -> dict
    order = []
    pgm = {}  # case -> (rate_kbit, msg_count), from pgm_thr's RESULT lines
    with open(raw_path, newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        for run in reader:
            fields = parse_result(run["result"]) if run["status"] == "OK" else {}
            if "rate_kbit" in fields and "msg_count" in fields:
                pgm[run["case"]] = (float(fields["rate_kbit"]), float(fields["msg_count"]))
            for metric in run["metrics"].split(","):
                key = (run["case"], metric)
                if key not in rows:
                    rows[key] = {"group": run["group"], "ours": [], "ref": [],
                                 "ours_fail": 0, "ref_fail": 0, "skipped": 0}
                    order.append(key)
                row = rows[key]
                lib = run["lib"]
                if run["status"] == "SKIPPED":
                    row["skipped"] += 1
                    continue
                try:
                    row[lib].append(float(fields[metric]))
                except (KeyError, ValueError):
                    row[lib + "_fail"] += 1

    out = []
    for case, metric in order:
        row = rows[(case, metric)]
        better, target = target_for(case, row["group"])
        ours = statistics.median(row["ours"]) if row["ours"] else float("nan")
        ref = statistics.median(row["ref"]) if row["ref"] else float("nan")
        ratio = ours / ref if ref and not math.isnan(ours) and not math.isnan(ref) else float("nan")
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
        out.append({
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
        })

    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(out[0].keys()) if out else ["case"])
        writer.writeheader()
        for r in out:
            r2 = dict(r)
            for k in ("ours_median", "ref_median", "ratio"):
                r2[k] = "nan" if math.isnan(r[k]) else "%.6g" % r[k]
            writer.writerow(r2)

    print("ratio = ours / reference. thr, fanout, router, proxy: msg/s, higher is better;")
    print("pgm: PUB->SUB over multicast at a set ZMQ_RATE, msg/s and Mb/s of payload at the subscriber, and how many arrived;")
    print("lat: one-way latency (round trip / 2), LOWER is better; mem: RSS growth per connection, LOWER is better.")
    header = "%-32s %12s %12s %8s %6s %5s  %s" % ("case", "ours", "reference", "ratio", "target", "met", "fails ours/ref")
    print(header)
    print("-" * len(header))
    last_group = None
    for r in out:
        if last_group is not None and r["case"].split()[0] != last_group:
            print()
        last_group = r["case"].split()[0]
        ratio = "FAIL" if math.isnan(r["ratio"]) else "%.2f" % r["ratio"]
        if r["meets_target"] == "SKIPPED":
            print("%-32s %12s %12s %8s %6s %5s" % (r["case"], "SKIPPED", "SKIPPED", "-", "-", "-"))
            continue
        if r["better"] == "lower" and not math.isnan(r["ratio"]):
            ratio += "L"
        fails = ""
        if r["ours_fail"] or r["ref_fail"]:
            fails = "%d/%d" % (r["ours_fail"], r["ref_fail"])
        print("%-32s %12s %12s %8s %6s %5s  %s" % (
            r["case"], fmt_value(r["ours_median"], r["unit"]),
            fmt_value(r["ref_median"], r["unit"]), ratio, r["target"] or "-",
            r["meets_target"], fails))
    print("(L: lower is better for this row)")
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
