"""Mutate a good model file (or checkpoint) many ways and load (or resume from) each mutant:
every one must load or raise ModelFileError, and a resumed checkpoint must continue exactly the
run that wrote it. Prints the counts, the other exceptions (there must be none), the peak memory
and the slowest case.

    python scripts/fuzz_model_files.py [--cases 10000] [--seed 0] [--kind model|checkpoint]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

import glassnet
from glassnet.checkpoint import TrainingInterrupted
from glassnet.io import HEADER_KEY, ModelFileError, load_model

#: Values a mutated header field takes: wrong types, huge and negative numbers, deep nesting.
ODD_VALUES = [None, True, -1, 0, 10**6, 2**40, 1e308, float("nan"), "x", "", [], {}, [[[]]],
              {"a": 1}, "9" * 400]  # fmt: skip


def good_file(folder: Path) -> bytes:
    network = glassnet.preprocessing.scaled(glassnet.mlp([3, 4, 2], seed=0), inputs=np.eye(3))
    network.metadata.update(class_names=["a", "b"], feature_names=["x", "y", "z"])
    glassnet.save(network, folder / "good.npz")
    return (folder / "good.npz").read_bytes()


class _InterruptAt(glassnet.Callback):
    """Ctrl-C (a real SIGINT) at the end of one step: the run writes a checkpoint mid-epoch."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_batch_end(self, state, batch_loss) -> None:
        if state.step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


def _checkpoint_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 3))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _run(path: Path, **options) -> glassnet.Network:
    """The run the checkpoints come from: Adam, dropout, 3 epochs of 6 batches."""
    X, y = _checkpoint_data()
    network = glassnet.mlp([3, 6, 2], dropout=0.2, seed=1)
    glassnet.fit(network, X, y, loss="cross_entropy", optimizer=glassnet.Adam(0.01), epochs=3,
                 batch_size=16, seed=5, progress=False, checkpoint=path, **options)  # fmt: skip
    return network


def good_checkpoint(folder: Path) -> bytes:
    """A checkpoint written mid-epoch (epoch 2, batch 2 of 6) by Ctrl-C."""
    path = folder / "good.ckpt"
    try:
        _run(path, callbacks=[_InterruptAt(step=8)])
    except TrainingInterrupted:
        pass
    return path.read_bytes()


def resume(path: Path) -> glassnet.Network:
    """The network of the run resumed from the checkpoint at ``path`` (which it rewrites)."""
    return _run(path, resume=True)


def same_weights(a: glassnet.Network, b: glassnet.Network) -> bool:
    return all(np.array_equal(x, y) for (_, x, _), (_, y, _) in
               zip(a.parameters(), b.parameters(), strict=True))  # fmt: skip


def _with_header(good: bytes, header) -> bytes:
    archive = np.load(io.BytesIO(good), allow_pickle=False)
    arrays = {key: archive[key] for key in archive.files if key != HEADER_KEY}
    buffer = io.BytesIO()
    text = header if isinstance(header, str) else json.dumps(header, allow_nan=True)
    np.savez(buffer, **arrays, **{HEADER_KEY: np.array(text)})
    return buffer.getvalue()


def _odd_header(good: bytes, rng: np.random.Generator, *, raw: bool = False) -> bytes | str:
    """The header with one field (anywhere in it) replaced by an odd value (``raw``: the JSON)."""
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
    return json.dumps(header, allow_nan=True) if raw else _with_header(good, header)


#: What an edited checkpoint array becomes: emptied, zeroed, NaN, negated, huge, reshaped.
ODD_ARRAYS = [
    lambda a: a[:0],
    np.zeros_like,
    lambda a: np.full(a.shape, np.nan) if a.dtype.kind == "f" else -a - 1,
    lambda a: -a,
    lambda a: a * 10**6,
    lambda a: a.reshape(-1)[::-1],
    lambda a: np.concatenate([a.reshape(-1), a.reshape(-1)]),
    lambda a: a.astype(np.float64) if a.dtype.kind != "f" else a.astype(np.int64),
]


def signed_edits(good: bytes, rng: np.random.Generator, count: int):
    """``count`` copies of the checkpoint ``good`` with one field of its training state or one
    of its arrays made odd, the digest made to match (as a tool editing checkpoints would): what
    the checks of the state, not the digest, must refuse."""
    from glassnet.checkpoint import digest

    archive = np.load(io.BytesIO(good), allow_pickle=False)
    for case in range(count):
        header = json.loads(str(archive[HEADER_KEY]))
        arrays = {key: archive[key] for key in archive.files if key != HEADER_KEY}
        if case % 2:
            name = sorted(arrays)[rng.integers(0, len(arrays))]
            arrays[name] = ODD_ARRAYS[rng.integers(0, len(ODD_ARRAYS))](arrays[name])
        else:
            header = json.loads(_odd_header(_with_header(good, header["checkpoint"]), rng,
                                            raw=True))  # fmt: skip
            header = {**json.loads(str(archive[HEADER_KEY])), "checkpoint": header}
        if isinstance(header.get("checkpoint"), dict):
            header["checkpoint"]["digest"] = digest(header, arrays)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays, **{HEADER_KEY: np.array(json.dumps(header))})
        yield buffer.getvalue()


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
    parser.add_argument("--kind", choices=("model", "checkpoint"), default="model")
    args = parser.parse_args()
    checkpoints = args.kind == "checkpoint"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        good = (good_checkpoint if checkpoints else good_file)(folder)
        path = folder / "mutant.npz"
        if checkpoints:
            path.write_bytes(good)
            expected = resume(path)  # the run the checkpoint continues
        outcomes, others = Counter(), Counter()
        peak_bytes, slowest = 0, (0.0, -1)
        rng = np.random.default_rng(args.seed)
        cases = mutants(good, rng, args.cases)
        if checkpoints:  # half damaged files, half edited (and re-signed) training states
            half = args.cases // 2
            cases = [*mutants(good, rng, args.cases - half), *signed_edits(good, rng, half)]
        np.seterr(all="ignore")  # edited states that overflow: counted, not warned about
        for case, data in enumerate(cases):
            path.write_bytes(data)
            tracemalloc.start()
            started = time.perf_counter()
            try:
                if checkpoints:
                    same = same_weights(resume(path), expected)
                    edited = case >= args.cases - args.cases // 2
                    if edited:
                        outcomes["edited and resumed"] += 1  # a state some run could write
                    else:  # a damaged file must never resume into another run
                        outcomes["resumed exactly" if same else "DAMAGED AND RESUMED"] += 1
                else:
                    load_model(path)
                    outcomes["loaded"] += 1
            except ModelFileError:
                outcomes["ModelFileError"] += 1
            except glassnet.diagnostics.TrainingDiverged:  # an edited state that overflows
                outcomes["TrainingDiverged"] += 1
            except Exception as error:  # noqa: BLE001 - counting what must not happen
                others[f"{type(error).__name__}: {str(error)[:80]}"] += 1
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            peak_bytes = max(peak_bytes, peak)
            slowest = max(slowest, (seconds, case))
    kind = "checkpoint" if checkpoints else "model file"
    print(f"{args.cases:,} mutants of a {len(good):,}-byte {kind} (seed {args.seed}):")
    counts = ", ".join(f"{name} {count:,}" for name, count in sorted(outcomes.items()))
    print(f"  {counts}, other exceptions {sum(others.values())}")
    for text, count in others.most_common(10):
        print(f"    {count} x {text}")
    action = "resuming" if checkpoints else "loading"
    print(f"  peak memory while {action}: {peak_bytes / 2**20:.2f} MB at most (traced by "
          "tracemalloc; NumPy's arrays included)")  # fmt: skip
    print(f"  slowest case: #{slowest[1]}, {slowest[0] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
