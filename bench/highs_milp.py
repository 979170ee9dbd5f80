#!/usr/bin/env python3
"""Solve a Gridwise planning instance as a time-indexed MILP with HiGHS (scipy.optimize.milp).

The instance is the JSON written by `gridwise-bench --export-model FILE` (Comparisons.timeIndexedModelJSON):
per region the objective per facility kWh in each hour (`rate`), per resource (a region's pool) the devices
free in each hour (`capacity`), and per job its window, devices and options (resource, energy, water and
latency terms, running hours and slots). This script builds the model itself from those figures:

    x[j,o,s] = 1 if job j runs on option o from slot s (contiguously, `slots` hours, the last partly used)
    minimise  sum cost[j,o,s] x[j,o,s] + PENALTY * sum u[j]
    s.t.      sum_{o,s} x[j,o,s] + u[j] = 1                                 (each job placed or left out)
              sum_{j,o,s covering t on q} devices[j] x[j,o,s] <= capacity[q][t]

    cost = energy * (sum of rate over the full slots + fraction * rate[last]) + water * (slots - 1 + fraction)
           + latency * running + delay_weight * max(0, finish - release_hour - running)

the same objective Gridwise minimises (its normalised policy objective). Prints one JSON line: status,
objective (of the placed jobs), the MILP's dual bound, jobs placed, wall seconds (model building
included), peak memory.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_array

PENALTY = 1000.0


def option_columns(model):
    """Each job's options that fit its window, in order: (job, option index, option, first slots, costs), the
    costs by the formula above, one per first slot."""
    rate = np.array(model["rate"], dtype=float)
    prefix = np.concatenate([np.zeros((rate.shape[0], 1)), np.cumsum(rate, axis=1)], axis=1)
    delay_weight = model["delay_weight"]
    for j, job in enumerate(model["jobs"]):
        a, b = job["window"]
        for option_index, o in enumerate(job["options"]):
            L = o["slots"]
            if L > b - a:
                continue
            frac = o["running"] - (L - 1)
            r = o["region"]
            starts = np.arange(a, b - L + 1)
            last = starts + L - 1
            energy_term = o["energy"] * (prefix[r][last] - prefix[r][starts] + frac * rate[r][last])
            finish = last + frac
            delay = delay_weight * np.maximum(0.0, finish - job["release_hour"] - o["running"])
            yield j, option_index, o, starts, energy_term + o["water"] * (L - 1 + frac) + o["latency"] * o["running"] + delay


def build(model):
    hours = model["hours"]
    capacity = np.array(model["capacity"], dtype=float)
    n_res = capacity.shape[0]
    jobs = model["jobs"]
    costs, rows, cols, vals = [], [], [], []
    placement_of_col = []  # (job, option, first slot) of each x column
    col = 0
    n_jobs = len(jobs)
    for j, option_index, o, starts, c in option_columns(model):
        d = jobs[j]["devices"]
        L, q = o["slots"], o["resource"]
        for k, s in enumerate(starts):
            costs.append(c[k])
            rows.append(j)
            cols.append(col)
            vals.append(1.0)
            for t in range(s, s + L):
                rows.append(n_jobs + q * hours + t)
                cols.append(col)
                vals.append(d)
            placement_of_col.append((j, option_index, int(s)))
            col += 1
    n_x = col
    for j in range(n_jobs):  # u[j]: the job left out
        costs.append(PENALTY)
        rows.append(j)
        cols.append(col)
        vals.append(1.0)
        col += 1
    n_rows = n_jobs + n_res * hours
    A = csc_array((vals, (rows, cols)), shape=(n_rows, col))
    lower = np.concatenate([np.ones(n_jobs), np.full(n_res * hours, -np.inf)])
    upper = np.concatenate([np.ones(n_jobs), capacity.reshape(-1)])
    return np.array(costs), A, lower, upper, n_x, n_jobs, placement_of_col


def write_solution(path, model, x, n_x, placement_of_col):
    """{"placements": {job id: {"region", "pool", "slots"}}}: the columns HiGHS set to 1."""
    placements = {}
    for column in np.flatnonzero(x[:n_x] > 0.5):
        j, option_index, start = placement_of_col[column]
        job = model["jobs"][j]
        option = job["options"][option_index]
        placements[job.get("id", str(j))] = {"region": option.get("region_name", option["region"]),
                                             "pool": option.get("pool", option["resource"]),
                                             "slots": list(range(start, start + option["slots"]))}
    with open(path, "w") as f:
        json.dump({"placements": placements}, f, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="JSON from gridwise-bench --export-model")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds HiGHS may run (default 120)")
    parser.add_argument("--solution", metavar="FILE", help="write the solution's placements as JSON (the shape bench/compare_plans.py reads)")
    parser.add_argument("--max-columns", type=int, default=6_000_000, help="do not build larger models (default 6,000,000)")
    args = parser.parse_args()
    started = time.monotonic()
    with open(args.model) as f:
        model = json.load(f)
    columns = sum(max(0, job["window"][1] - job["window"][0] - o["slots"] + 1) for job in model["jobs"] for o in job["options"])
    record = {"solver": "highs", "jobs": len(model["jobs"]), "columns": columns, "time_limit": args.time_limit}
    if columns > args.max_columns:
        record.update(status="not run: model too large", seconds=time.monotonic() - started)
        print(json.dumps(record))
        return
    c, A, lower, upper, n_x, n_jobs, placement_of_col = build(model)
    integrality = np.ones(len(c))
    result = milp(c, constraints=LinearConstraint(A, lower, upper), integrality=integrality, bounds=Bounds(0, 1),
                  options={"time_limit": args.time_limit, "disp": False, "mip_rel_gap": 1e-6})
    record["seconds"] = time.monotonic() - started
    record["status"] = result.message
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if result.x is not None:
        x = result.x
        left_out = int(round(x[n_x:].sum()))
        record["placed"] = n_jobs - left_out
        record["objective"] = float(c[:n_x] @ x[:n_x])
        if args.solution:
            write_solution(args.solution, model, x, n_x, placement_of_col)
    bound = getattr(result, "mip_dual_bound", None)
    if bound is not None and np.isfinite(bound):
        record["bound"] = float(bound)
        if result.x is not None and record["placed"] == n_jobs:
            record["gap"] = (record["objective"] - bound) / abs(record["objective"])
    print(json.dumps(record))


if __name__ == "__main__":
    sys.exit(main())
