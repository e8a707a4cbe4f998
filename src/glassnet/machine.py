"""The machine a figure was measured on: its CPU and the BLAS kernels NumPy multiplies with.

OpenBLAS picks its kernels for the CPU it runs on (Haswell kernels on AMD EPYC, SkylakeX on
AVX-512 Xeons), and float32 products round differently between kernels and between thread
counts. Accuracies can then differ in their last digits, and times by much more, so every
figure glassnet publishes names the machine it came from::

    >>> glassnet.machine.describe()
    'Intel(R) Xeon(R) Processor, 2 cores; OpenBLAS 0.3.31 (SkylakeX kernels, 2 threads)'
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from glassnet import _blas


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (``lscpu``'s "Model name")."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "an unknown CPU"


def blas() -> str:
    """NumPy's BLAS: ``"OpenBLAS 0.3.31 (SkylakeX kernels, 2 threads)"``, or what is known."""
    description = _blas.describe()
    if not description:
        return "a BLAS other than NumPy's own OpenBLAS"
    version = description.get("config", "OpenBLAS").split()[:2]
    details = [f"{description['kernels']} kernels"] if "kernels" in description else []
    if "threads" in description:
        threads = description["threads"]
        details.append(f"{threads} thread{'' if threads == '1' else 's'}")
    return " ".join(version) + (f" ({', '.join(details)})" if details else "")


def describe() -> str:
    """One line: CPU model, core count and BLAS, for the head of a benchmark or a figure."""
    return f"{cpu_model()}, {os.cpu_count()} cores; {blas()}"
