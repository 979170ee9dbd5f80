"""The bench scripts' handling of bad input: a message naming the script and the file, and exit 2.

Pure Python (no numpy or scipy), so that bench/compare_plans.py runs without them.
"""
import json
import os
import sys


def fail(message):
    """Print `script: message` to standard error (the script's own name) and exit 2."""
    script = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    print(f"{script}: {message}", file=sys.stderr)
    sys.exit(2)


def load(path):
    """The JSON in `path`; a file that cannot be read or parsed fails with its name and the reason."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        fail(f"{path}: {error}")
