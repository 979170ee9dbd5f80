#!/usr/bin/env python3
"""Check Kubernetes manifests against the Kubernetes API's own JSON schemas (strict: no unknown fields).

    python3 scripts/check_k8s_manifests.py jobs.yaml [--kubernetes-version 1.30.0]

The schemas come from the kubernetes-validate package (PyPI), which bundles the OpenAPI-derived JSON
schemas of each Kubernetes release; strict mode rejects fields the API does not define, so a misspelt
or misplaced field fails here as `kubectl apply --validate=strict` would. Prints one line per document;
exits 0 when all pass, 1 when any fails, 2 when the package is missing.
"""
import argparse
import sys

try:
    import yaml
    import kubernetes_validate
    from kubernetes_validate import utils
except ImportError as e:  # pragma: no cover
    print(f"check_k8s_manifests: {e}; install with: python3 -m pip install kubernetes-validate pyyaml", file=sys.stderr)
    sys.exit(2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--kubernetes-version", default="1.30.0")
    args = ap.parse_args()
    failures = 0
    valid = 0
    for path in args.files:
        try:
            with open(path) as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except OSError as e:
            print(f"FAIL {path}: cannot read: {e.strerror}")
            failures += 1
            continue
        except yaml.YAMLError as e:
            print(f"FAIL {path}: not YAML: {e}")
            failures += 1
            continue
        for i, doc in enumerate(docs):
            name = (doc.get("metadata") or {}).get("name", f"document {i}")
            try:
                utils.validate(doc, args.kubernetes_version, strict=True)
                valid += 1
                print(f"ok   {path}: {doc.get('kind')} {name}")
            except utils.ValidationError as e:
                failures += 1
                where = ".".join(str(p) for p in e.path)
                print(f"FAIL {path}: {doc.get('kind')} {name}: {where}: {e.message}")
            except (utils.SchemaNotFoundError, utils.InvalidSchemaError, utils.VersionNotSupportedError) as e:
                failures += 1
                print(f"FAIL {path}: {doc.get('kind')} {name}: {e.message}")
    print(f"{valid} of {valid + failures} manifest(s) valid against Kubernetes {args.kubernetes_version} (strict)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
