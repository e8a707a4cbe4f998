import os
from pathlib import Path

import numpy as np
import threadpoolctl

from glassnet import machine


def numpy_openblas():
    """threadpoolctl's record of NumPy's own OpenBLAS (SciPy, once imported, brings another)."""
    numpy_dir = Path(np.__file__).resolve().parent
    return [
        info
        for info in threadpoolctl.threadpool_info()
        if info["internal_api"] == "openblas"
        and Path(info["filepath"]).resolve().parent
        in (numpy_dir.parent / "numpy.libs", numpy_dir / ".dylibs")
    ]


def test_the_kernels_named_are_those_openblas_runs():
    import scipy.linalg  # noqa: F401  (a second OpenBLAS in the process must not confuse it)

    (info,) = numpy_openblas()
    blas = machine.blas()
    assert blas.startswith("OpenBLAS 0.3"), blas
    threads = f"{info['num_threads']} thread{'' if info['num_threads'] == 1 else 's'}"
    assert f"({info['architecture']} kernels, {threads})" in blas
    assert info["version"] in blas


def test_describe_names_the_cpu_and_its_cores():
    line = machine.describe()
    assert line.startswith(f"{machine.cpu_model()}, {os.cpu_count()} cores; OpenBLAS")
    assert machine.cpu_model() and "\n" not in line
