import os

import threadpoolctl

from glassnet import machine


def openblas_info():
    return [info for info in threadpoolctl.threadpool_info() if info["internal_api"] == "openblas"]


def test_the_kernels_named_are_those_openblas_runs():
    (info,) = openblas_info()  # NumPy's wheel brings one OpenBLAS
    blas = machine.blas()
    assert blas.startswith("OpenBLAS 0.3"), blas
    threads = f"{info['num_threads']} thread{'' if info['num_threads'] == 1 else 's'}"
    assert f"({info['architecture']} kernels, {threads})" in blas
    assert info["version"] in blas


def test_describe_names_the_cpu_and_its_cores():
    line = machine.describe()
    assert line.startswith(f"{machine.cpu_model()}, {os.cpu_count()} cores; OpenBLAS")
    assert machine.cpu_model() and "\n" not in line
