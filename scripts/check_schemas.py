#!/usr/bin/env python3
"""Validates every bundled input file, and a plan the CLI writes, against the JSON Schemas in schemas/,
and checks that the schemas reject a few wrong files. Run from the project root: python3 scripts/check_schemas.py PLAN.json
Needs: pip install jsonschema pyyaml. Prints 'N passed, N failed' and exits non-zero on any failure."""
import copy, glob, json, sys
import jsonschema, yaml

KIND_TO_SCHEMA = {"JobPlan": "job-plan", "RegionCatalog": "region-catalog", "Policy": "policy", "SignalSet": "signal-set"}
schemas = {name: json.load(open(f"schemas/{name}.schema.json")) for name in list(KIND_TO_SCHEMA.values()) + ["plan"]}
for s in schemas.values():
    jsonschema.Draft202012Validator.check_schema(s)
passed = failed = 0

class NoDates(yaml.SafeLoader):
    """Timestamps stay strings, as Gridwise reads them."""
NoDates.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}

def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=NoDates)

def expect(ok, label):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", label)

def errors(doc, name):
    return list(jsonschema.Draft202012Validator(schemas[name]).iter_errors(doc))

files = sorted(glob.glob("examples/*/*.yaml") + glob.glob("policies/*.yaml"))
for path in files:
    doc = load(path)
    name = KIND_TO_SCHEMA[doc["kind"]]
    errs = errors(doc, name)
    expect(not errs, f"{path} against {name}: " + "; ".join(e.message for e in errs[:3]))

jobs = load("examples/global/jobs.yaml")
bad = copy.deepcopy(jobs); bad["jobs"][0]["devicez"] = 3
expect(errors(bad, "job-plan"), "an unknown job field is rejected")
bad = copy.deepcopy(jobs); del bad["jobs"][0]["deadline"]
expect(errors(bad, "job-plan"), "a missing deadline is rejected")
bad = copy.deepcopy(jobs); bad["jobs"][0]["deadline"] = "2026-12-01T06:00:00"
expect(errors(bad, "job-plan"), "a timestamp without a timezone is rejected")
bad = load("policies/balanced.yaml"); bad["weights"]["carbon"] = "high"
expect(errors(bad, "policy"), "a non-numeric weight is rejected")

for plan_path in sys.argv[1:]:
    plan = json.load(open(plan_path))
    errs = errors(plan, "plan")
    expect(not errs, f"{plan_path} against plan: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errs[:3]))

print(f"schemas: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
