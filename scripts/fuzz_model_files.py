"""Mutate a good model file many ways and load each mutant: every one must load or raise
ModelFileError. Prints the counts, the other exceptions (there must be none), the peak memory
and the slowest case.

    python scripts/fuzz_model_files.py [--cases 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

import glassnet
from glassnet.io import HEADER_KEY, ModelFileError, load_model

#: Values a mutated header field takes: wrong types, huge and negative numbers, deep nesting.
ODD_VALUES = [None, True, -1, 0, 10**6, 2**40, 1e308, float("nan"), "x", "", [], {}, [[[]]],
              {"a": 1}, "9" * 400]  # fmt: skip


def good_file(folder: Path) -> bytes:
    network = glassnet.preprocessing.scaled(glassnet.mlp([3, 4, 2], seed=0), inputs=np.eye(3))
    network.metadata.update(class_names=["a", "b"], feature_names=["x", "y", "z"])
    glassnet.save(network, folder / "good.npz")
    return (folder / "good.npz").read_bytes()


def _with_header(good: bytes, header) -> bytes:
    archive = np.load(io.BytesIO(good), allow_pickle=False)
    arrays = {key: archive[key] for key in archive.files if key != HEADER_KEY}
    buffer = io.BytesIO()
    text = header if isinstance(header, str) else json.dumps(header, allow_nan=True)
    np.savez(buffer, **arrays, **{HEADER_KEY: np.array(text)})
    return buffer.getvalue()


def _odd_header(good: bytes, rng: np.random.Generator) -> bytes:
    """The header with one field (anywhere in it) replaced by an odd value."""
    header = json.loads(str(np.load(io.BytesIO(good), allow_pickle=False)[HEADER_KEY]))
    places = []

    def walk(node):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            places.append((node, key))
            if isinstance(value, (dict, list)):
                walk(value)

    walk(header)
    node, key = places[rng.integers(0, len(places))]
    node[key] = ODD_VALUES[rng.integers(0, len(ODD_VALUES))]
    return _with_header(good, header)


def mutants(good: bytes, rng: np.random.Generator, count: int):
    """``count`` mutated copies of ``good``: flipped bytes, cut ends, overwritten runs, changed
    digits and odd header fields."""
    for case in range(count):
        data = bytearray(good)
        kind = case % 5
        if kind == 0:
            for position in rng.integers(0, len(data), rng.integers(1, 8)):
                data[position] = rng.integers(0, 256)
        elif kind == 1:
            data = data[: rng.integers(0, len(data))]
        elif kind == 2:
            start = rng.integers(0, len(data))
            data[start : start + 16] = rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
        elif kind == 3:
            text = data.decode("latin-1")
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            data[digits[rng.integers(0, len(digits))]] = ord(str(rng.integers(0, 10)))
        else:
            data = bytearray(_odd_header(good, rng))
        yield bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        good = good_file(Path(folder))
        path = Path(folder) / "mutant.npz"
        outcomes, others = Counter(), Counter()
        peak_bytes, slowest = 0, (0.0, -1)
        rng = np.random.default_rng(args.seed)
        for case, data in enumerate(mutants(good, rng, args.cases)):
            path.write_bytes(data)
            tracemalloc.start()
            started = time.perf_counter()
            try:
                load_model(path)
                outcomes["loaded"] += 1
            except ModelFileError:
                outcomes["ModelFileError"] += 1
            except Exception as error:  # noqa: BLE001 - counting what must not happen
                others[f"{type(error).__name__}: {str(error)[:80]}"] += 1
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            peak_bytes = max(peak_bytes, peak)
            slowest = max(slowest, (seconds, case))
    print(f"{args.cases:,} mutants of a {len(good):,}-byte model file (seed {args.seed}):")
    print(f"  loaded {outcomes['loaded']:,}, ModelFileError {outcomes['ModelFileError']:,}, "
          f"other exceptions {sum(others.values())}")  # fmt: skip
    for text, count in others.most_common(10):
        print(f"    {count} x {text}")
    print(f"  peak memory while loading: {peak_bytes / 2**20:.2f} MB at most (traced by "
          "tracemalloc; NumPy's arrays included)")  # fmt: skip
    print(f"  slowest case: #{slowest[1]}, {slowest[0] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
