#!/usr/bin/env python3
"""The LP relaxation of a large Gridwise instance, by column generation (HiGHS via scipy), and a plan from it.

The time-indexed model of `highs_milp.py` has too many columns to build at 10,000 jobs (5 million and more).
Its LP relaxation is solved here without listing them: a restricted master LP holds the columns found so
far (at the start, the placements of a plan given with --plan, so the master is feasible from the first
round); its capacity duals price every column of the full model at once (numpy, a window sum per column);
each job's cheapest column under those prices joins the master when its reduced cost is negative. Every
round gives a valid lower bound, the Lagrangian value at the master's prices

    L(p) = sum_j min(PENALTY, min over j's columns of cost + devices * sum of p over its hours)
           - sum_{q,t} p[q,t] capacity[q][t]          (p = minus the capacity duals, p >= 0)

and the master's value is an upper bound on the LP, so the two meet when no column prices below zero.
This is the best bound a Lagrangian relaxation of the capacity constraints (Gridwise's) can reach.

Then, if asked, a plan from the LP: the jobs the LP places whole stay where it puts them, and the others
are placed by --complete (largest first, each at its cheapest column of the whole model that fits, then
sweeps of single-job moves) or by --milp-time-limit (a MILP, HiGHS, over the master's columns in the
capacity left: "price and branch" after fixing). Where such a plan places every job, its objective bounds
the optimum from above.

    gridwise-bench --jobs 10000 --seed 5 --export-model model.json
    gridwise-bench --jobs 10000 --seed 5 --write-plan plan.json
    python3 bench/lp_colgen.py model.json --plan plan.json --tolerance 2e-5 --complete 3 --solution lp-plan.json

Prints one JSON line per round to stderr and a summary JSON line to stdout: the plan's objective, the LP
between `lp_lower` and `lp_upper`, the jobs the LP places whole, and the plans from it. Exit 0, or 2 when
a file cannot be read or does not fit the model, or the master LP fails. Needs scipy. 200 jobs: about 3 s; 10,000 jobs: 17 rounds, 18-21 minutes.
"""
import argparse
import json
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_array

from bench_files import fail, load
from highs_milp import option_columns

PENALTY = 1000.0


class Columns:
    """Every column of the time-indexed model as flat numpy arrays (job, resource, start, slots, devices, cost)."""

    def __init__(self, model):
        hours = model["hours"]
        job, res, start, length, devices, cost, option = [], [], [], [], [], [], []
        for j, oi, o, starts, c in option_columns(model):
            n = len(starts)
            cost.append(c)
            job.append(np.full(n, j))
            res.append(np.full(n, o["resource"]))
            start.append(starts)
            length.append(np.full(n, o["slots"]))
            devices.append(np.full(n, model["jobs"][j]["devices"]))
            option.append(np.full(n, oi))
        self.job = np.concatenate(job)
        self.res = np.concatenate(res)
        self.start = np.concatenate(start)
        self.length = np.concatenate(length)
        self.devices = np.concatenate(devices).astype(float)
        self.cost = np.concatenate(cost)
        self.option = np.concatenate(option)
        self.hours = hours
        self.n_jobs = len(model["jobs"])
        # Columns are grouped by job in order; each job's first column, for reduceat.
        self.first = np.searchsorted(self.job, np.arange(self.n_jobs))
        self.has = np.zeros(self.n_jobs, dtype=bool)
        self.has[np.unique(self.job)] = True

    def priced(self, p):
        """Each column's cost plus its devices times the prices of its hours (p: resources x hours)."""
        prefix = np.concatenate([np.zeros((p.shape[0], 1)), np.cumsum(p, axis=1)], axis=1)
        return self.cost + self.devices * (prefix[self.res, self.start + self.length] - prefix[self.res, self.start])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="JSON from gridwise-bench --export-model")
    parser.add_argument("--plan", help="a plan of the instance ({\"placements\": ...}, gridwise-bench --write-plan): its columns start the master")
    parser.add_argument("--rounds", type=int, default=200, help="at most this many master LPs (default 200)")
    parser.add_argument("--tolerance", type=float, default=1e-7, help="stop when the master and the bound are this close (relative)")
    parser.add_argument("--method", default="highs-ipm", help="scipy linprog method for the master (default highs-ipm)")
    parser.add_argument("--milp-time-limit", type=float, default=0.0, help="then solve the jobs the LP splits as a MILP for this long (seconds)")
    parser.add_argument("--complete", type=int, default=0, metavar="SWEEPS",
                        help="complete the LP's whole jobs with the others placed greedily, then up to SWEEPS sweeps of single-job moves")
    parser.add_argument("--solution", help="write the plan from the LP here (the shape bench/compare_plans.py reads)")
    args = parser.parse_args()
    started = time.monotonic()
    model = load(args.model)
    try:
        cols = Columns(model)
    except (KeyError, TypeError, IndexError, ValueError) as error:
        fail(f"{args.model}: not a model from gridwise-bench --export-model ({error!r})")
    capacity = np.array(model["capacity"], dtype=float)
    n_res, hours, n_jobs = capacity.shape[0], cols.hours, cols.n_jobs
    print(json.dumps({"columns": len(cols.cost), "jobs": n_jobs, "built_s": round(time.monotonic() - started, 1)}), file=sys.stderr)

    chosen = set()
    if args.plan:
        placements = load(args.plan).get("placements")
        if not isinstance(placements, dict):
            fail(f"{args.plan}: expected an object with \"placements\" (gridwise-bench --write-plan)")
        index = {jb["id"]: j for j, jb in enumerate(model["jobs"])}
        for jid, pl in placements.items():
            if jid not in index:
                fail(f"{args.plan}: job {jid!r} is not in {args.model}")
            j = index[jid]
            lo, hi = cols.first[j], (cols.first[j + 1] if j + 1 < n_jobs else len(cols.cost))
            for k in range(lo, hi):
                o = model["jobs"][j]["options"][cols.option[k]]
                if o["region_name"] == pl.get("region") and o["pool"] == pl.get("pool") and pl.get("slots") and cols.start[k] == pl["slots"][0] and cols.length[k] == len(pl["slots"]):
                    chosen.add(k)
                    break
            else:
                fail(f"{args.plan}: job {jid!r}: {pl!r} is no contiguous schedule of the model (jobs in pieces are not modelled)")
    plan_objective = float(cols.cost[sorted(chosen)].sum()) if chosen else None

    def master(ks):
        ks = np.array(sorted(ks), dtype=np.int64)
        rows, cc, vals = [], [], []
        for i, k in enumerate(ks):
            rows.append(cols.job[k]); cc.append(i); vals.append(1.0)
            q, s, L, d = cols.res[k], cols.start[k], cols.length[k], cols.devices[k]
            for t in range(s, s + L):
                rows.append(n_jobs + q * hours + t); cc.append(i); vals.append(d)
        m = len(ks)
        for j in range(n_jobs):
            rows.append(j); cc.append(m + j); vals.append(1.0)
        A = csc_array((vals, (rows, cc)), shape=(n_jobs + n_res * hours, m + n_jobs))
        c = np.concatenate([cols.cost[ks], np.full(n_jobs, PENALTY)])
        return ks, c, A

    best_bound, history = -np.inf, []
    value = None
    for rnd in range(args.rounds):
        ks, c, A = master(chosen)
        A = A.tocsr()
        res = linprog(c, A_ub=A[n_jobs:], b_ub=capacity.reshape(-1), A_eq=A[:n_jobs], b_eq=np.ones(n_jobs),
                      bounds=(0, 1), method=args.method)
        if res.status != 0:
            print(json.dumps({"round": rnd, "status": res.message}), file=sys.stderr)
            return 2
        value = res.fun
        last = (ks, res.x)
        p = np.maximum(0.0, -res.ineqlin.marginals).reshape(n_res, hours)
        mu = res.eqlin.marginals
        priced = cols.priced(p)
        per_job = np.full(n_jobs, PENALTY)
        mins = np.minimum.reduceat(priced, cols.first[cols.has])
        per_job[cols.has] = np.minimum(PENALTY, mins)
        bound = per_job.sum() - (p * capacity).sum()
        best_bound = max(best_bound, bound)
        reduced = priced - mu[cols.job]
        # Each job's cheapest column under the prices; added when it prices below zero.
        order = np.lexsort((reduced, cols.job))
        firsts = order[np.searchsorted(cols.job[order], np.arange(n_jobs))[cols.has]]
        new = [int(k) for k in firsts if reduced[k] < -1e-9 and int(k) not in chosen]
        row = {"round": rnd, "master": value, "bound": bound, "best_bound": best_bound, "columns": len(chosen), "added": len(new),
               "seconds": round(time.monotonic() - started, 1)}
        history.append(row)
        print(json.dumps(row), file=sys.stderr)
        if not new or (value - best_bound) <= args.tolerance * abs(value):
            break
        chosen.update(new)

    summary = {"jobs": n_jobs, "columns_in_model": len(cols.cost), "plan_objective": plan_objective, "lp_upper": value,
               "lp_lower": best_bound, "rounds": len(history), "master_columns": len(chosen), "seconds": round(time.monotonic() - started, 1)}
    def write(path, picked):
        out = {}
        for k in picked:
            jb = model["jobs"][cols.job[k]]
            o = jb["options"][cols.option[k]]
            out[jb["id"]] = {"region": o["region_name"], "pool": o["pool"],
                             "slots": list(range(int(cols.start[k]), int(cols.start[k] + cols.length[k])))}
        with open(path, "w") as f:
            json.dump({"placements": out}, f, sort_keys=True)

    ks_lp, x_lp = last
    integral = np.zeros(n_jobs, dtype=bool)
    fixed = []
    for i in np.flatnonzero(x_lp[:len(ks_lp)] > 1 - 1e-6):
        integral[cols.job[ks_lp[i]]] = True
        fixed.append(int(ks_lp[i]))
    summary["lp_integral_jobs"] = int(integral.sum())
    if args.complete:
        # The jobs the LP places whole stay there; the others, largest first, each take its cheapest column of
        # the whole model that fits the capacity left; then single-job moves (each job to its cheapest column
        # that fits, while one lowers the objective).
        left = capacity.copy()
        at = {}
        def take(k, sign):
            left[cols.res[k], cols.start[k]:cols.start[k] + cols.length[k]] -= sign * cols.devices[k]
        for k in fixed:
            take(k, 1); at[int(cols.job[k])] = k
        def span(j):
            return cols.first[j], (cols.first[j + 1] if j + 1 < n_jobs else len(cols.cost))
        def cheapest_fitting(j):
            lo, hi = span(j)
            if hi <= lo:
                return None
            ks_j = np.arange(lo, hi)
            ok = np.ones(len(ks_j), dtype=bool)
            for L in np.unique(cols.length[lo:hi]):
                sel = cols.length[lo:hi] == L
                q, st, d = cols.res[lo:hi][sel], cols.start[lo:hi][sel], cols.devices[lo:hi][sel]
                room = np.min(np.stack([left[q, st + i] for i in range(L)]), axis=0)
                ok[sel] = room >= d
            if not ok.any():
                return None
            costs = np.where(ok, cols.cost[lo:hi], np.inf)
            return int(lo + np.argmin(costs))
        weight = {}
        for j in np.flatnonzero(~integral):
            lo, hi = span(j)
            weight[int(j)] = float(np.max(cols.devices[lo:hi] * cols.length[lo:hi])) if hi > lo else 0.0
        for j in sorted(weight, key=lambda j: (-weight[j], j)):
            k = cheapest_fitting(j)
            if k is not None:
                take(k, 1); at[j] = k
        summary["complete_greedy_objective"] = float(sum(cols.cost[k] for k in at.values()))
        summary["complete_greedy_placed"] = len(at)
        for sweep in range(args.complete):
            moved = 0
            for j in sorted(at, key=lambda j: (-weight.get(j, 0), j)):
                k0 = at[j]
                take(k0, -1)
                k = cheapest_fitting(j)
                if k is not None and cols.cost[k] < cols.cost[k0] - 1e-12:
                    take(k, 1); at[j] = k; moved += 1
                else:
                    take(k0, 1)
            print(json.dumps({"sweep": sweep, "moved": moved, "objective": float(sum(cols.cost[k] for k in at.values()))}), file=sys.stderr)
            if moved == 0:
                break
        summary["complete_objective"] = float(sum(cols.cost[k] for k in at.values()))
        summary["complete_placed"] = len(at)
        if args.solution:
            write(args.solution, list(at.values()))
    if args.milp_time_limit > 0:
        # The jobs the LP places whole stay there; the others are solved as a MILP over the master's columns
        # in the capacity those leave.
        left = capacity.copy()
        for k in fixed:
            left[cols.res[k], cols.start[k]:cols.start[k] + cols.length[k]] -= cols.devices[k]
        rest = sorted(k for k in chosen if not integral[cols.job[k]])
        free_jobs = np.flatnonzero(~integral)
        row_of = {int(j): r for r, j in enumerate(free_jobs)}
        rows, cc, vals = [], [], []
        for i, k in enumerate(rest):
            rows.append(row_of[int(cols.job[k])]); cc.append(i); vals.append(1.0)
            q, s0, L, d = cols.res[k], cols.start[k], cols.length[k], cols.devices[k]
            for t in range(s0, s0 + L):
                rows.append(len(free_jobs) + q * hours + t); cc.append(i); vals.append(d)
        m = len(rest)
        for r in range(len(free_jobs)):
            rows.append(r); cc.append(m + r); vals.append(1.0)
        A = csc_array((vals, (rows, cc)), shape=(len(free_jobs) + n_res * hours, m + len(free_jobs)))
        c = np.concatenate([cols.cost[rest], np.full(len(free_jobs), PENALTY)])
        lower = np.concatenate([np.ones(len(free_jobs)), np.full(n_res * hours, -np.inf)])
        upper = np.concatenate([np.ones(len(free_jobs)), left.reshape(-1)])
        r = milp(c, constraints=LinearConstraint(A, lower, upper), integrality=np.ones(len(c)), bounds=Bounds(0, 1),
                 options={"time_limit": args.milp_time_limit, "disp": False, "mip_rel_gap": 1e-6})
        summary["milp_jobs"] = len(free_jobs)
        summary["milp_columns"] = m
        summary["milp_status"] = r.message
        if r.x is not None:
            x = r.x
            picked = fixed + [rest[i] for i in np.flatnonzero(x[:m] > 0.5)]
            summary["milp_objective"] = float(cols.cost[picked].sum())
            summary["milp_placed"] = len(picked)
            if args.solution:
                write(args.solution, picked)
        summary["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
