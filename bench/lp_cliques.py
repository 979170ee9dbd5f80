#!/usr/bin/env python3
"""The LP relaxation of a Gridwise instance, alone and with conflict cliques added as cuts (HiGHS via scipy).

Checks how far the bound Gridwise prints can go: Gridwise's Lagrangian relaxation of the capacity
constraints reaches at most the plain LP; with the conflict cliques it prices (Sources/GridwisePlanner/
CliqueCuts.swift), at most the LP with those cliques. The model is the time-indexed one of
`highs_milp.py`, built from `gridwise-bench --export-model FILE`. The cliques: in an hour with C devices
free on a resource, the jobs of more than C/2 devices, and with them each smaller job i whose devices
and theirs exceed C, can run there at most one at a time:

    sum over those large jobs' schedules covering the hour + sum over i's schedules covering it <= 1

Cutting-plane rounds: solve the LP, add every such clique the LP solution breaks, solve again, until
none is broken. Prints one JSON line: the plain LP, the LP with cliques after each round, and the cliques.
Needs scipy (`python3 -m pip install scipy`; bench/run_benchmarks.py installs it). 100 jobs: 7-25 s.
"""
import argparse
import json
import sys
import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_array, vstack

from highs_milp import build


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="JSON from gridwise-bench --export-model")
    parser.add_argument("--rounds", type=int, default=10, help="cutting-plane rounds at most (default 10)")
    args = parser.parse_args()
    started = time.monotonic()
    with open(args.model) as f:
        model = json.load(f)
    c, A, lower, upper, n_x, n_jobs = build(model)
    A = A.tocsr()
    capacity = model["capacity"]
    devices = [job["devices"] for job in model["jobs"]]
    # Per (resource, hour), per job, the columns covering it (same column order as build()).
    cover = {}
    col = 0
    for j, job in enumerate(model["jobs"]):
        a, b = job["window"]
        for o in job["options"]:
            L = o["slots"]
            if L > b - a:
                continue
            for s in range(a, b - L + 1):
                for t in range(s, s + L):
                    cover.setdefault((o["resource"], t), {}).setdefault(j, []).append(col)
                col += 1
    a_eq, b_eq = A[:n_jobs], np.ones(n_jobs)
    a_ub, b_ub = A[n_jobs:], upper[n_jobs:]
    cliques = []

    def solve():
        rows, cols = [], []
        for r, members in enumerate(cliques):
            rows.extend([r] * len(members))
            cols.extend(members)
        extra = csc_array((np.ones(len(rows)), (rows, cols)), shape=(len(cliques), len(c)))
        return linprog(c, A_ub=vstack([a_ub, extra]), b_ub=np.concatenate([b_ub, np.ones(len(cliques))]),
                       A_eq=a_eq, b_eq=b_eq, bounds=(0, 1), method="highs")

    result = solve()
    record = {"jobs": n_jobs, "lp": result.fun, "rounds": []}
    for _ in range(args.rounds):
        x = result.x
        found = []
        for (q, t), by_job in cover.items():
            cap = capacity[q][t]
            share = {j: sum(x[k] for k in ks) for j, ks in by_job.items()}
            large = [j for j in by_job if 2 * devices[j] > cap]
            if not large:
                continue
            large_share = sum(share[j] for j in large)
            if len(large) >= 2 and large_share > 1 + 1e-6:
                found.append([k for j in large for k in by_job[j]])
            smallest = min(devices[j] for j in large)
            for i, v in share.items():
                if 2 * devices[i] > cap or devices[i] + smallest <= cap:
                    continue
                members = [j for j in large if devices[j] + devices[i] > cap]
                if sum(share[j] for j in members) + v > 1 + 1e-6:
                    found.append([k for j in members for k in by_job[j]] + by_job[i])
        if not found:
            break
        cliques.extend(found)
        result = solve()
        record["rounds"].append({"cliques": len(cliques), "lp": result.fun})
    record["lp_with_cliques"] = result.fun
    record["seconds"] = time.monotonic() - started
    print(json.dumps(record))


if __name__ == "__main__":
    sys.exit(main())
