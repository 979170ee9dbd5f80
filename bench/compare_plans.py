#!/usr/bin/env python3
"""Compare two plans of one exported instance, job by job, scored by the model's own formula.

    gridwise-bench --jobs 200 --seed 1 --export-model model.json
    gridwise-bench --jobs 200 --seed 1 --write-plan gridwise.json
    python3 bench/highs_milp.py model.json --time-limit 3000 --solution highs.json
    python3 bench/compare_plans.py model.json gridwise.json highs.json

Each plan is {"placements": {job id: {"region", "pool", "slots"}}} (slots: hours from the horizon's start).
Every placement is scored with the time-indexed model's cost (the formula in bench/highs_milp.py), so the
totals printed are each plan's objective in the planner's normalised units, reproducible from the files.
Prints the totals (objectives to the last digit), then the jobs placed differently, grouped into the sets of jobs that share a pool in
an hour (moves that only make sense together), with each plan's cost for them.
Exit 0, or 2 when a file does not fit the model (a job or option it does not have, slots outside the
window or not contiguous).
"""
import argparse
import signal

from bench_files import fail, load


class Model:
    def __init__(self, model):
        self.rate = model["rate"]
        self.prefix = []
        for row in self.rate:
            sums = [0.0]
            for v in row:
                sums.append(sums[-1] + v)
            self.prefix.append(sums)
        self.delay_weight = model["delay_weight"]
        self.jobs = {job["id"]: job for job in model["jobs"]}
        self.order = [job["id"] for job in model["jobs"]]

    def option(self, path, job_id, placement):
        job = self.jobs.get(job_id)
        if job is None:
            fail(f"{path}: job {job_id!r} is not in the model")
        for o in job["options"]:
            if o["region_name"] == placement["region"] and o["pool"] == placement["pool"]:
                return job, o
        fail(f"{path}: job {job_id!r} has no option {placement['region']}/{placement['pool']} in the model")

    def cost(self, path, job_id, placement):
        job, o = self.option(path, job_id, placement)
        slots = placement["slots"]
        start, length = slots[0], o["slots"]
        if slots != list(range(start, start + length)):
            fail(f"{path}: job {job_id!r}: slots {slots} are not {length} contiguous hours (the model has no pieces)")
        a, b = job["window"]
        if start < a or start + length > b:
            fail(f"{path}: job {job_id!r}: slots {start}..{start + length - 1} leave its window {a}..{b - 1}")
        r, last = o["region"], start + length - 1
        fraction = o["running"] - (length - 1)
        energy = o["energy"] * (self.prefix[r][last] - self.prefix[r][start] + fraction * self.rate[r][last])
        delay = self.delay_weight * max(0.0, last + fraction - job["release_hour"] - o["running"])
        return energy + o["water"] * (length - 1 + fraction) + o["latency"] * o["running"] + delay


def label(placement):
    slots = placement["slots"]
    return f"{placement['region']}/{placement['pool']} {slots[0]}-{slots[-1]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="JSON from gridwise-bench --export-model")
    parser.add_argument("first", help="a plan: gridwise-bench --write-plan or highs_milp.py --solution")
    parser.add_argument("second", help="another plan of the same instance")
    args = parser.parse_args()
    model = Model(load(args.model))
    plans = [(args.first, load(args.first).get("placements", {})), (args.second, load(args.second).get("placements", {}))]
    costs = []
    for path, placements in plans:
        costs.append({job_id: model.cost(path, job_id, p) for job_id, p in placements.items()})
    for (path, placements), cost in zip(plans, costs):
        print(f"{path}: {len(placements)} of {len(model.order)} jobs placed, objective {sum(cost.values())!r}")
    (_, a), (_, b) = plans
    differ = [j for j in model.order if a.get(j) != b.get(j)]
    print(f"{len(differ)} jobs placed differently; objective difference (second - first) "
          f"{sum(costs[1].values()) - sum(costs[0].values()):+.6f}")
    # Jobs that differ and share a pool-hour in either plan move together: group them (union-find).
    parent = {j: j for j in differ}

    def root(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    holder = {}
    for placements in (a, b):
        for j in differ:
            p = placements.get(j)
            if p is None:
                continue
            for t in p["slots"]:
                key = (p["region"], p["pool"], t)
                if key in holder:
                    parent[root(j)] = root(holder[key])
                else:
                    holder[key] = j
    groups = {}
    for j in differ:
        groups.setdefault(root(j), []).append(j)
    rows = []
    for members in groups.values():
        first = sum(costs[0].get(j, 0.0) for j in members)
        second = sum(costs[1].get(j, 0.0) for j in members)
        rows.append((second - first, members, first, second))
    rows.sort(key=lambda row: row[0])
    for difference, members, first, second in rows:
        print(f"group of {len(members)}: first {first:.6f}, second {second:.6f}, difference {difference:+.6f}")
        for j in members:
            left = label(a[j]) if j in a else "not placed"
            right = label(b[j]) if j in b else "not placed"
            print(f"  {j}: {left} ({costs[0].get(j, 0.0):.6f}) -> {right} ({costs[1].get(j, 0.0):.6f})")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    main()
