"""STIX validation benchmark: taawun's validator against stix2.parse + stix2-patterns.

Run: ``python benchmarks/validate.py [--objects N]``

Builds a realistic mix (indicators with patterns, SDOs, SROs, markings, SCOs)
with the agreement-test corpus builder, serialises it and parses it back with
orjson, then times both validators over the same objects and prints
objects/s and the ratio. Pattern caches are cleared first: patterns in the
mix are distinct, as in real feeds.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import orjson
import stix2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.intel.test_validate_agreement import valid_corpus

from taawun.intel import _stix_pattern
from taawun.intel.validate import validate_object


def reference(objects: list[dict[str, object]]) -> int:
    rejected = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for obj in objects:
            try:
                stix2.parse(obj, allow_custom=False)
            except Exception:
                rejected += 1
    return rejected


def ours(objects: list[dict[str, object]]) -> int:
    return sum(1 for obj in objects if validate_object(obj))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=20_000)
    args = parser.parse_args()
    mix = valid_corpus(rounds=args.objects // 28 + 1, seed=2024)[: args.objects]
    payload = orjson.dumps({"objects": mix})
    results = {}
    for name, run in (("taawun", ours), ("stix2", reference)):
        _stix_pattern._reference_errors.cache_clear()
        objects = orjson.loads(payload)["objects"]
        start = time.perf_counter()
        rejected = run(objects)
        elapsed = time.perf_counter() - start
        results[name] = len(objects) / elapsed
        rate = f"{results[name]:9.0f} objects/s"
        print(f"{name:7s} {len(objects)} objects in {elapsed:6.2f} s: {rate}, {rejected} rejected")
    print(f"ratio   taawun / stix2 = {results['taawun'] / results['stix2']:.1f}x")


if __name__ == "__main__":
    main()
