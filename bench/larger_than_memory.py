"""Training on a .npy array several times larger than the memory the process may use.

Writes a features file (float32, ``--rows`` x ``--features``) and a targets file block by block,
then, inside a memory cgroup limited to ``--limit-mb``, runs

    glassnet train X.npy --target-file y.npy --epochs 1 --validation-fraction 0

and, as a control, a plain ``numpy.load`` of the same file (which the limit must stop). Prints
the file size, the limit, the training's outcome and time, and the peaks: the cgroup's (all
memory charged to it, the file's cached pages included, which the kernel reclaims at the limit)
and the process's largest resident set. Needs root and Linux memory cgroups (v1 or v2).

    sudo python bench/larger_than_memory.py [--rows 2000000] [--features 100] [--limit-mb 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import print_machine

CGROUP = Path("/sys/fs/cgroup")


def write_arrays(folder: Path, rows: int, features: int) -> tuple[Path, Path]:
    """X (rows, features) float32 of normal noise and y = [x0 + x1 * x2 > 0], a block at a time."""
    x_path, y_path = folder / "X.npy", folder / "y.npy"
    X = np.lib.format.open_memmap(x_path, mode="w+", dtype=np.float32, shape=(rows, features))
    y = np.empty(rows, dtype=np.int64)
    rng = np.random.default_rng(0)
    for start in range(0, rows, 100_000):
        block = rng.standard_normal((min(100_000, rows - start), features), dtype=np.float32)
        X[start : start + len(block)] = block
        y[start : start + len(block)] = block[:, 0] + block[:, 1] * block[:, 2] > 0
    X.flush()
    del X
    np.save(y_path, y)
    _forget_cached(x_path)
    return x_path, y_path


def _forget_cached(path: Path) -> None:
    """Drop the file's pages from the page cache: they were charged to this process's memory
    when written, and the limited run must read (and be charged for) them itself."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


class MemoryCgroup:
    """A memory cgroup (v2 or v1) with a limit; processes join it as they start."""

    def __init__(self, limit_bytes: int) -> None:
        self.v2 = (CGROUP / "cgroup.controllers").is_file()
        base = CGROUP if self.v2 else CGROUP / "memory"
        self.path = base / f"glassnet-bench-{os.getpid()}"
        self.path.mkdir()
        if self.v2:
            (self.path / "memory.max").write_text(str(limit_bytes))
            (self.path / "memory.swap.max").write_text("0")
        else:
            (self.path / "memory.limit_in_bytes").write_text(str(limit_bytes))

    def join(self) -> None:
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak_bytes(self) -> int:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        return int((self.path / name).read_text())

    def remove(self) -> None:
        self.path.rmdir()


def run_limited(command: list[str], limit_bytes: int) -> dict:
    """Run ``command`` in a fresh cgroup limited to ``limit_bytes``; its outcome and peaks."""
    group = MemoryCgroup(limit_bytes)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    try:
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, preexec_fn=group.join)
        seconds = time.perf_counter() - started
        peak = group.peak_bytes()
    finally:
        group.remove()
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "returncode": result.returncode,
        "seconds": seconds,
        "cgroup_peak_mb": peak / 2**20,
        "max_rss_mb": child_rss / 1024 if child_rss > before else None,
        "stdout": result.stdout,
        "stderr": result.stderr.strip().splitlines()[-1:] if result.stderr else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--limit-mb", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--dir", help="where to write the arrays (default: a temporary folder)")
    args = parser.parse_args()
    print_machine()
    if not CGROUP.is_dir() or os.geteuid() != 0:
        sys.exit("needs root and memory cgroups (/sys/fs/cgroup) to limit the memory")
    folder = Path(args.dir or tempfile.mkdtemp(prefix="glassnet-big-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        x_path, y_path = write_arrays(folder, args.rows, args.features)
        size_mb = x_path.stat().st_size / 2**20
        limit = args.limit_mb * 2**20
        ratio = size_mb / args.limit_mb
        print(f"features {x_path.name}: {args.rows:,} x {args.features} float32 = "
              f"{size_mb:,.0f} MB; memory limit {args.limit_mb} MB ({ratio:.1f}x smaller)")
        control = run_limited([sys.executable, "-c", f"import numpy; numpy.load({str(x_path)!r})"],
                              limit)  # fmt: skip
        code = control["returncode"]
        outcome = f"stopped (exit {code})" if code else "ran (the limit does not bind)"
        print(f"control, numpy.load of the whole file under the limit: {outcome}")
        train = [sys.executable, "-m", "glassnet", "train", str(x_path), "--target-file",
                 str(y_path), "--epochs", "1", "--batch-size", str(args.batch_size),
                 "--validation-fraction", "0", "--quiet", "--json"]  # fmt: skip
        out = run_limited(train, limit)
        if out["returncode"] != 0:
            print(f"glassnet train failed under the limit (exit {out['returncode']}): "
                  f"{' '.join(out['stderr'])}")  # fmt: skip
            sys.exit(1)
        summary = json.loads(out["stdout"])
        rss = f"{out['max_rss_mb']:.0f} MB" if out["max_rss_mb"] else "not measured"
        print(f"glassnet train, 1 epoch of {summary['n_train']:,} rows (batch {args.batch_size}) "
              f"under the limit: test accuracy {summary['test']['accuracy']:.2%} on "
              f"{summary['n_test']:,} rows; {summary['seconds']:.1f} s training, "
              f"{out['seconds']:.1f} s in all")  # fmt: skip
        print(f"peaks: cgroup {out['cgroup_peak_mb']:.0f} MB (the file's cached pages included), "
              f"largest resident set {rss} (mapped file pages included)")  # fmt: skip
    finally:
        if not args.dir:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
