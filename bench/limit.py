"""The machine's float32 matrix-multiply limit for one training epoch of 784-200-200-10.

Times exactly the matrix products of a training step (forward: x W for each layer; backward:
x^T dz for each layer and dz W^T for all but the first) with preallocated outputs, and reports
the epoch time they imply: the time no NumPy-based trainer of this network can beat.
``--library torch`` times the same products with PyTorch's matrix multiply (on x86 it calls
Intel's MKL, NumPy's wheels call OpenBLAS): the bound of PyTorch's own epoch.
``--inference`` times instead the forward products of a prediction at batch 10,000 (``--rows``),
the samples/s no predictor of this network can beat with that library's products.

    python bench/limit.py [--batch-sizes 32 128 512] [--repeats 5] [--library numpy|torch]
    python bench/limit.py --inference [--rows 10000] [--library numpy|torch]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from common import N_SAMPLES, SIZES, median_seconds, print_machine


def _torch_mm():
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    return torch.mm, torch.from_numpy


def random_weights(rng: np.random.Generator, dtype=np.float32) -> list[np.ndarray]:
    """One weight matrix (fan_in, fan_out) per layer of the network, standard normal."""
    return [
        rng.standard_normal((a, b)).astype(dtype) for a, b in zip(SIZES, SIZES[1:], strict=False)
    ]


def gemm_step(batch: int, dtype=np.float32, library: str = "numpy"):
    """``(one_step, flops)``: a function running one training step's matrix products at this
    batch size with preallocated outputs, and the floating-point operations it does.
    ``library``: ``"numpy"`` (np.matmul) or ``"torch"`` (torch.mm on the same arrays)."""
    rng = np.random.default_rng(0)
    weights = random_weights(rng, dtype)
    inputs = [rng.standard_normal((batch, a)).astype(dtype) for a in SIZES[:-1]]
    outputs = [np.empty((batch, b), dtype) for b in SIZES[1:]]
    grads_w = [np.empty_like(w) for w in weights]
    grads_x = [np.empty((batch, a), dtype) for a in SIZES[:-1]]
    flops = 0
    for a, b in zip(SIZES, SIZES[1:], strict=False):
        flops += 2 * batch * a * b * 2  # forward x W, backward x^T dz
    flops += sum(
        2 * batch * a * b for a, b in zip(SIZES[1:-1], SIZES[2:], strict=False)
    )  # dz W^T, not layer 1

    matmul = np.matmul
    if library == "torch":
        matmul, from_numpy = _torch_mm()
        weights, inputs, outputs, grads_w, grads_x = (
            [from_numpy(a) for a in arrays]
            for arrays in (weights, inputs, outputs, grads_w, grads_x)
        )

    def one_step():
        for x, w, z in zip(inputs, weights, outputs, strict=True):
            matmul(x, w, out=z)
        for i in reversed(range(len(weights))):
            matmul(inputs[i].T, outputs[i], out=grads_w[i])
            if i > 0:
                matmul(outputs[i], weights[i].T, out=grads_x[i])

    return one_step, flops


def gemm_epoch_seconds(
    batch: int, repeats: int = 5, dtype=np.float32, library: str = "numpy"
) -> tuple[float, float]:
    """(seconds per epoch spent in the step's GEMMs, GFLOP/s achieved) at this batch size."""
    one_step, flops = gemm_step(batch, dtype, library)
    steps = max(20, 20_000 // batch)
    for _ in range(5):
        one_step()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            one_step()
        timings.append((time.perf_counter() - start) / steps)
    per_step = float(np.median(timings))
    return per_step * (N_SAMPLES / batch), flops / per_step / 1e9


def inference_seconds(rows: int = 10_000, repeats: int = 5, library: str = "numpy") -> float:
    """Median seconds of a prediction's matrix products (x W for each layer, one after the
    other, into preallocated outputs) for ``rows`` rows of float32."""
    rng = np.random.default_rng(0)
    x = rng.random((rows, SIZES[0]), dtype=np.float32)
    weights = random_weights(rng)
    outputs = [np.empty((rows, b), np.float32) for b in SIZES[1:]]
    matmul = np.matmul
    if library == "torch":
        matmul, from_numpy = _torch_mm()
        x, weights, outputs = (
            from_numpy(x),
            list(map(from_numpy, weights)),
            list(map(from_numpy, outputs)),
        )

    def predict():
        h = x
        for w, z in zip(weights, outputs, strict=True):
            h = matmul(h, w, out=z)

    return median_seconds(predict, warmup=1, repeats=repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--library", choices=["numpy", "torch"], default="numpy")
    parser.add_argument(
        "--inference",
        action="store_true",
        help="time a prediction's products instead of a training epoch's",
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows of --inference")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.json:  # a worker's output is read by its parent
        print_machine()
    if args.inference:
        seconds = inference_seconds(args.rows, args.repeats, args.library)
        if args.json:
            print(json.dumps({"rows": args.rows, "seconds": seconds,
                              "samples_per_second": args.rows / seconds}))  # fmt: skip
        else:
            print(f"batch {args.rows:,}: the products of a prediction take {seconds * 1e3:.1f} ms "
                  f"({args.rows / seconds:,.0f} samples/s at most)")  # fmt: skip
        return
    results = {}
    for batch in args.batch_sizes:
        seconds, gflops = gemm_epoch_seconds(batch, args.repeats, library=args.library)
        results[batch] = {"epoch_seconds": seconds, "gflops": gflops}
        if not args.json:
            print(f"batch {batch:4d}: GEMM-bound epoch {seconds:.3f} s ({gflops:.0f} GFLOP/s)")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
