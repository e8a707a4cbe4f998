"""Reader for the IDX format of MNIST-style files (gzip-compressed or raw).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the values in C order. Only unsigned bytes (type
0x08), the type every MNIST-style file uses, are read here.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from glassnet._errors import GlassnetError

_UBYTE = 0x08


class DataFileError(GlassnetError, ValueError):
    """A data file is corrupt, truncated or not in the expected format."""


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into a uint8 array of the shape its header gives."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                data = handle.read()
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise DataFileError(
            f"{path}: cannot be decompressed ({error}); the file is corrupt or truncated"
        ) from None
    return parse_idx(data, source=str(path))


def parse_idx(data: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an IDX file; raise :class:`DataFileError` naming ``source`` if bad."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataFileError(f"{source}: not an IDX file (bad magic number)")
    type_code, n_dims = data[2], data[3]
    if type_code != _UBYTE:
        raise DataFileError(
            f"{source}: IDX value type 0x{type_code:02x} is not supported (expected unsigned "
            "bytes, 0x08)"
        )
    header_size = 4 + 4 * n_dims
    if n_dims == 0 or len(data) < header_size:
        raise DataFileError(f"{source}: IDX header is truncated")
    shape = struct.unpack(f">{n_dims}I", data[4:header_size])
    expected = header_size + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise DataFileError(
            f"{source}: IDX file is {problem}: header gives shape {shape}, which needs "
            f"{expected:,} bytes, but the file has {len(data):,}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzip-compressed if the name ends in ``.gz``)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, _UBYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as handle:
            handle.write(payload)
    else:
        path.write_bytes(payload)
