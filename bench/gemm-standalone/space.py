#!/usr/bin/env python3
"""Print the valid configurations of a kernel spec's parameter space, one per line, for sweep.sh.

    space.py examples/gemm [--sample K] [--seed S] [--count]

The restrictions (and tuneRestrictions) are evaluated with Python (nightshift's expression language has Python semantics) over the
parameters and the spec's tune size, with no builtins but min and max. Only for this repository's own specs.
"""
import argparse
import itertools
import json
import os
import random

ap = argparse.ArgumentParser()
ap.add_argument("spec", help="spec folder or kernel.json")
ap.add_argument("--sample", type=int, default=0, help="print K configurations drawn at random (without replacement)")
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--count", action="store_true", help="print only the numbers of valid and total configurations")
args = ap.parse_args()
path = os.path.join(args.spec, "kernel.json") if os.path.isdir(args.spec) else args.spec
spec = json.load(open(path))
names = list(spec["parameters"])
checks = [compile(r, "restriction", "eval") for r in spec.get("restrictions", []) + spec.get("tuneRestrictions", [])]
safe = {"__builtins__": {}, "min": min, "max": max}
valid = []
total = 0
for values in itertools.product(*(spec["parameters"][n] for n in names)):
    total += 1
    env = dict(spec["problem"]["tune"], **dict(zip(names, values)))
    if all(eval(c, safe, env) for c in checks):
        valid.append(" ".join(f"{n}={v}" for n, v in zip(names, values)))
if args.count:
    print(f"{len(valid)} valid of {total}")
else:
    if args.sample:
        valid = random.Random(args.seed).sample(valid, min(args.sample, len(valid)))
    print("\n".join(valid))
