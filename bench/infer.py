"""Inference speed of 784-200-200-10: throughput at batch 10,000 and latency at batch 1, against
PyTorch and onnxruntime (when installed), each in its own process, runs alternating.

    python bench/infer.py [--repeats 3] [--libraries glassnet torch onnxruntime]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common import SIZES, available, median, median_seconds, print_machine, run_worker

HERE = Path(__file__).resolve()


def weights():
    """The same random weights for every library: [(W (fan_in, fan_out), b (fan_out,)), ...]."""
    rng = np.random.default_rng(0)
    return [
        ((rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(np.float32), np.zeros(b, np.float32))
        for a, b in zip(SIZES, SIZES[1:], strict=False)
    ]


def network():
    import glassnet as gn

    net = gn.mlp(SIZES, seed=0)
    for (W, b), dense in zip(weights(), net.layers[::2], strict=True):
        dense.params["W"][...] = W
        dense.params["b"][...] = b
    return net


def predictor_glassnet():
    net = network()
    return lambda x: net.predict(x)


def predictor_torch():
    import torch

    torch.set_grad_enabled(False)
    layers = []
    for index, (W, b) in enumerate(weights()):
        linear = torch.nn.Linear(*W.shape)
        linear.weight.data = torch.from_numpy(W.T.copy())
        linear.bias.data = torch.from_numpy(b)
        layers += [linear] + ([torch.nn.ReLU()] if index < len(SIZES) - 2 else [])
    model = torch.nn.Sequential(*layers).eval()
    return lambda x: model(torch.from_numpy(x)).numpy()


def predictor_onnxruntime():
    """glassnet's own ONNX export of the same network, served by onnxruntime."""
    import onnxruntime

    from glassnet.onnx import to_onnx

    session = onnxruntime.InferenceSession(to_onnx(network()).SerializeToString(),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    return lambda x: session.run(None, {"input": x})[0]


PREDICTORS = {"glassnet": predictor_glassnet, "torch": predictor_torch,
              "onnxruntime": predictor_onnxruntime}  # fmt: skip


def worker(library: str) -> None:
    predict = PREDICTORS[library]()
    rng = np.random.default_rng(1)
    big = rng.random((10_000, SIZES[0]), dtype=np.float32)
    one = rng.random((1, SIZES[0]), dtype=np.float32)
    batch_seconds = median_seconds(lambda: predict(big), warmup=3, repeats=10)
    one_seconds = median_seconds(lambda: predict(one), warmup=200, repeats=2000)
    print(json.dumps({"throughput": 10_000 / batch_seconds, "latency_us": one_seconds * 1e6}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--libraries", nargs="+", default=list(PREDICTORS))
    parser.add_argument("--worker", choices=list(PREDICTORS))
    args = parser.parse_args()
    if not args.worker:  # a worker's output is read by its parent
        print_machine()
    if args.worker:
        return worker(args.worker)
    libraries = []
    for library in args.libraries:
        if available(library):
            libraries.append(library)
        else:
            print(f"{library} is not installed: skipped")
    results = {library: {"throughput": [], "latency_us": []} for library in libraries}
    for _ in range(args.repeats):
        for library in libraries:
            out = run_worker(HERE, ["--worker", library])
            for key in results[library]:
                if key in out:
                    results[library][key].append(out[key])
    base = {key: median(values) for key, values in results["glassnet"].items()}
    for library in libraries:
        throughput = median(results[library]["throughput"])
        latency = median(results[library]["latency_us"])
        line = (f"{library:12} {throughput:12,.0f} samples/s at batch 10,000   "
                f"{latency:8.1f} us at batch 1")  # fmt: skip
        if library != "glassnet":
            line += (f"   glassnet throughput x{base['throughput'] / throughput:.2f}, "
                     f"latency x{base['latency_us'] / latency:.2f}")  # fmt: skip
        print(line)


if __name__ == "__main__":
    main()
