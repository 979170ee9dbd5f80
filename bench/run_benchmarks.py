#!/usr/bin/env python3
"""Gridwise planner benchmarks, side by side in one run, printed as a Markdown table.

For seeded generated instances (bench/GridwiseBench/Generator.swift: 16 sites, 168 hourly slots) of
200, 1,000, 10,000 and 100,000 jobs it runs, each in its own process so peak memory is its own:
  - Gridwise's planner (Release build, on Linux with `--static-swift-stdlib` as the README deploys it),
    wall time, peak RSS, objective, bound, gap;
  - the carbon-agnostic baseline and the each-job-alone greedy (the Carbon Aware SDK's answer,
    capacity ignored), scored by the same cost model;
  - HiGHS through scipy.optimize.milp on a time-indexed formulation (bench/highs_milp.py) with a time
    limit, where the model fits.
Gridwise runs `--repeats` times (default 3) at 10,000 jobs and more, the sizes with a time target: its
wall time is the median of those runs (min and max beside it), its peak memory the largest, and the runs
must give the same plan (the planner is deterministic) or the script stops. Then `gridwise place` for
one job on the bundled example, whole process, median of 11.

    python3 bench/run_benchmarks.py                  # the full table (HiGHS 120 s per instance)
    python3 bench/run_benchmarks.py --sizes 200 1000 --highs-time-limit 30

Installs scipy with pip when it is missing. Objectives are Gridwise's normalised policy objective
(dimensionless: each term divided by the baseline's total; see docs/policies.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_scipy():
    try:
        import scipy  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "scipy"], check=True)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def fmt(v, digits=4):
    return "-" if v is None else f"{v:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description="Gridwise planner benchmarks")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interruptible", type=float, default=0.0, help="share of batch jobs that may be interrupted (HiGHS is run only at 0)")
    parser.add_argument("--highs-time-limit", type=float, default=120.0)
    parser.add_argument("--highs-max-columns", type=int, default=3_000_000)
    parser.add_argument("--skip-highs", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="Gridwise runs per instance of 10,000 jobs or more (median wall time)")
    args = parser.parse_args()

    if not args.skip_highs and args.interruptible == 0:
        ensure_scipy()
    # The release build as the README deploys it: on Linux, the Swift runtime and Foundation linked into the
    # executables, so every start does not load them (the planner's own speed is the same either way).
    static = ["--static-swift-stdlib"] if sys.platform.startswith("linux") else []
    subprocess.run(["swift", "build", "-c", "release", "--product", "gridwise-bench"] + static, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run(["swift", "build", "-c", "release", "--product", "gridwise"] + static, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build/release/gridwise-bench")
    gridwise = os.path.join(ROOT, ".build/release/gridwise")

    print(f"machine: {os.cpu_count()} cores; seed {args.seed}; interruptible share {args.interruptible}; "
          f"HiGHS time limit {args.highs_time_limit:g} s\n")
    print("| jobs | solver | wall s | peak MB | jobs placed | objective | bound | gap to own bound | vs Gridwise | over capacity (device-h) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        base = [bench, "--jobs", str(n), "--seed", str(args.seed), "--interruptible", str(args.interruptible)]
        rows = []
        runs = [run_json(base + ["--solver", "gridwise"]) for _ in range(max(1, args.repeats) if n >= 10_000 else 1)]
        plans = {(r["objective"], r["bound"], r["placed"]) for r in runs}
        if len(plans) > 1:
            sys.exit(f"run_benchmarks.py: Gridwise gave {len(plans)} different plans in {len(runs)} runs of {n} jobs: {sorted(plans)}")
        g = dict(runs[0])
        seconds = [r["seconds"] for r in runs]
        g["seconds"] = statistics.median(seconds)
        g["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        if len(runs) > 1:
            g["spread"] = f" ({min(seconds):.3f}-{max(seconds):.3f}, {len(runs)} runs)"
        rows.append(("Gridwise", g))
        rows.append(("baseline (run now, nearest)", run_json(base + ["--solver", "baseline"])))
        rows.append(("each job alone (capacity ignored)", run_json(base + ["--solver", "alone"])))
        if not args.skip_highs and args.interruptible == 0:
            with tempfile.TemporaryDirectory() as tmp:
                model = os.path.join(tmp, "model.json")
                subprocess.run(base + ["--export-model", model], check=True, cwd=ROOT)
                h = run_json([sys.executable, os.path.join(ROOT, "bench/highs_milp.py"), model,
                              "--time-limit", str(args.highs_time_limit), "--max-columns", str(args.highs_max_columns)])
            rows.append((f"HiGHS ({h.get('status', '')[:40]})", h))
        for name, r in rows:
            objective = r.get("objective")
            vs = None if objective is None or r.get("placed") != n else (objective / g["objective"] - 1) * 100
            gap = r.get("gap")
            print(f"| {n:,} | {name} | {fmt(r.get('seconds'), 3)}{r.get('spread', '')} | {fmt(r.get('peak_rss_mb'), 0)} | {r.get('placed', '-')} | "
                  f"{fmt(objective)} | {fmt(r.get('bound'))} | {'-' if gap is None else f'{gap * 100:.2f} %'} | "
                  f"{'-' if vs is None else f'{vs:+.1f} %'} | {r.get('over_capacity_device_hours', '-')} |", flush=True)

    # One job placed by the CLI, whole process (start, parse, signals, plan, print).
    cmd = [gridwise, "place", "examples/global", "--job", "llm-13b-pretrain"]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    times = []
    for _ in range(11):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - t)
    print(f"\n`gridwise place examples/global --job llm-13b-pretrain` (whole process): median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over 11 runs")


if __name__ == "__main__":
    main()
