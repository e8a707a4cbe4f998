"""``y <- a * x + y`` in one pass over memory, from the BLAS that NumPy itself ships with.

NumPy has no fused multiply-add for arrays: ``y -= a * x`` reads and writes memory twice, on one
core. The optimizers' update touches every parameter every step and is the largest elementwise
pass of a training step, so it calls the BLAS routines made for it instead:

``axpy(a, x, y)``
    ``y <- a * x + y``
``axpby(a, x, b, y)``
    ``y <- a * x + b * y``

They come from the OpenBLAS library inside NumPy's own wheel (``scipy-openblas``), called through
:mod:`ctypes`: one pass, on every core OpenBLAS uses. Where that library is not there (a NumPy
built against another BLAS), or the arrays do not suit it (different dtypes, not contiguous, not
float32/float64), the same update is done with NumPy operations. Both give the same numbers up to
rounding (BLAS may fuse the multiply and the add into one rounding).

On how many cores: OpenBLAS splits a long axpy over its threads. That is right when the step's
matrix products ran on all cores too, and wrong when they ran on one (a batch of one sample): the
update then leaves half the weights in the other core's cache, and the next step's products pay
to fetch them back (per-sample training got 22% slower). Training loops therefore run their steps
inside :func:`one_thread` when :func:`products_on_one_thread` says so.

:func:`one_thread` holds OpenBLAS to one thread for the whole process, not for the calling
thread alone: despite its name, ``openblas_set_num_threads_local`` sets a count that every
thread's next calls use (a worker thread that sets 1 makes the main thread's products
single-threaded too). The holds are therefore counted: the first sets one thread, the last one
out gives the count back, whichever threads they are on.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def _find_routines() -> tuple[
    dict[tuple[str, np.dtype], ctypes._CFuncPtr], ctypes._CFuncPtr | None, dict[str, str]
]:
    """``{("axpy", float32): routine, ...}`` from NumPy's OpenBLAS (``{}`` if not found), its
    ``openblas_set_num_threads_local`` (None if it has none) and what it says of itself."""
    package = Path(np.__file__).resolve().parent
    candidates = [
        *sorted((package.parent / "numpy.libs").glob("*scipy_openblas*")),  # Linux, Windows
        *sorted((package / ".dylibs").glob("*scipy_openblas*")),  # macOS
    ]
    for path in candidates:
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        # scipy-openblas64 names its routines with a "64_" suffix and takes 64-bit integers;
        # scipy-openblas32 has no suffix and takes 32-bit integers.
        for suffix, integer in (("64_", ctypes.c_int64), ("", ctypes.c_int32)):
            routines = {}
            for kind, real, code in (
                (np.float32, ctypes.c_float, "s"),
                (np.float64, ctypes.c_double, "d"),
            ):
                axpy = getattr(library, f"scipy_cblas_{code}axpy{suffix}", None)
                axpby = getattr(library, f"scipy_cblas_{code}axpby{suffix}", None)
                if axpy is None or axpby is None:
                    break
                pointer = ctypes.c_void_p
                axpy.argtypes = [integer, real, pointer, integer, pointer, integer]
                axpby.argtypes = [integer, real, pointer, integer, real, pointer, integer]
                axpy.restype = axpby.restype = None
                routines[("axpy", np.dtype(kind))] = axpy
                routines[("axpby", np.dtype(kind))] = axpby
            if len(routines) == 4:
                # the number of threads of the calling thread's next calls (OpenBLAS >= 0.3.27)
                set_threads = getattr(library, "openblas_set_num_threads_local", None)
                if set_threads is not None:
                    set_threads.argtypes, set_threads.restype = [ctypes.c_int], ctypes.c_int
                return routines, set_threads, _describe(library, suffix)
    return {}, None, {}


def _describe(library: ctypes.CDLL, suffix: str) -> dict[str, str]:
    """OpenBLAS's own words for its build, the kernels it chose on this CPU and its threads."""
    description = {}
    for key, name in (("config", "get_config"), ("kernels", "get_corename")):
        function = getattr(library, f"scipy_openblas_{name}{suffix}", None)
        if function is not None:
            function.argtypes, function.restype = [], ctypes.c_char_p
            description[key] = function().decode(errors="replace").strip()
    threads = getattr(library, f"scipy_openblas_get_num_threads{suffix}", None)
    if threads is not None:
        threads.argtypes, threads.restype = [], ctypes.c_int
        description["threads"] = str(threads())
    return description


#: The BLAS routines in use, keyed by (name, dtype); empty when NumPy's operations do the work.
ROUTINES, _SET_THREADS, _DESCRIPTION = _find_routines()


class _Settings(threading.local):
    numpy_only = False  # set inside one_thread() when OpenBLAS cannot be held to one thread


_settings = _Settings()


class _Hold:
    """How many :func:`one_thread` blocks are open in the process, and the thread count to give
    back when the last one closes."""

    lock = threading.Lock()
    open = 0
    count_before = 0


def _hold() -> None:
    with _Hold.lock:
        if _Hold.open == 0:
            _Hold.count_before = _SET_THREADS(1)
        _Hold.open += 1


def _release() -> None:
    with _Hold.lock:
        _Hold.open -= 1
        if _Hold.open == 0:
            _SET_THREADS(_Hold.count_before)


#: OpenBLAS runs an (m, k) @ (k, n) product on one thread when m * n * k is at most this.
ONE_THREAD_PRODUCT = 65536 * 4


def products_on_one_thread(batch: int, largest_weight_entries: int) -> bool:
    """Whether OpenBLAS runs every matrix product of a training step on one thread: the largest
    is (batch, fan_in) @ (fan_in, fan_out), with ``largest_weight_entries = fan_in * fan_out``."""
    return batch * largest_weight_entries <= ONE_THREAD_PRODUCT


@contextlib.contextmanager
def one_thread(enabled: bool = True) -> Iterator[None]:
    """Within this block, OpenBLAS calls (products and updates) use one core, on every thread
    of the process (see the module's notes); blocks may nest and overlap across threads.

    Meant for training steps whose products run on one thread anyway
    (:func:`products_on_one_thread`): it keeps their updates there too. Without OpenBLAS's
    setting (before 0.3.27), this thread's updates fall back to NumPy operations instead.
    """
    if not enabled or not ROUTINES:
        yield
        return
    if _SET_THREADS is None:
        before, _settings.numpy_only = _settings.numpy_only, True
        try:
            yield
        finally:
            _settings.numpy_only = before
        return
    _hold()
    try:
        yield
    finally:
        _release()


def _routine(name: str, x: np.ndarray, y: np.ndarray):
    """The BLAS routine for ``x`` and ``y``, or None when NumPy must do it."""
    if (
        x.dtype == y.dtype
        and x.shape == y.shape
        and x.flags.c_contiguous
        and y.flags.c_contiguous
        and y.flags.writeable
        and not _settings.numpy_only
    ):
        return ROUTINES.get((name, x.dtype))
    return None


def axpy(a: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y <- a * x + y`` in place; ``x`` and ``y`` have the same shape. Returns ``y``."""
    routine = _routine("axpy", x, y)
    if routine is None:
        y += np.multiply(x, a, dtype=y.dtype)
    else:
        routine(y.size, a, x.ctypes.data, 1, y.ctypes.data, 1)
    return y


def axpby(a: float, x: np.ndarray, b: float, y: np.ndarray) -> np.ndarray:
    """``y <- a * x + b * y`` in place; ``x`` and ``y`` have the same shape. Returns ``y``."""
    routine = _routine("axpby", x, y)
    if routine is None:
        y *= b
        y += np.multiply(x, a, dtype=y.dtype)
    else:
        routine(y.size, a, x.ctypes.data, 1, b, y.ctypes.data, 1)
    return y


def describe() -> dict[str, str]:
    """What NumPy's OpenBLAS says of itself: ``config`` (version and build), ``kernels`` (the
    ones it picked for this CPU: ``"Haswell"``, ``"SkylakeX"``, ...) and ``threads`` (at start);
    empty when it was not found."""
    return dict(_DESCRIPTION)


def backend() -> str:
    """Which library does the optimizers' fused updates: for messages and benchmarks."""
    return "NumPy's OpenBLAS (axpy)" if ROUTINES else "NumPy operations"
