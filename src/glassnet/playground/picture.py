"""A picture of the run as one binary WebSocket message: a JSON header, then typed arrays.

Layout (little-endian)::

    uint32  n           length of the header in bytes
    n bytes header      UTF-8 JSON: the message's small parts (stats, curve, architecture) and
                        "arrays": [{"path": "boundary.classes", "dtype": "uint8",
                                    "shape": [2304], "offset": 0}, ...]
    padding             zeros up to a multiple of 4 bytes: the arrays start there
    arrays              each at its offset from that start (a multiple of 4), C order

A path names where the array goes in the message: ``"weights.0.W"`` is ``message["weights"][0]
["W"]``. The page reads each as a ``Float32Array``/``Uint8Array``/``Int8Array`` over the same
buffer without copying. Neuron maps travel as int8, each neuron scaled by its largest magnitude
(``maps_scale``, float32); a class's confidence as uint8 (0..255 for 0..1). For the largest
network the page shows (6 hidden layers of 16), a picture is about 70 KB, where JSON took 450 KB.
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

DTYPES = {"float32": np.float32, "uint8": np.uint8, "int8": np.int8}


def as_json(message: dict) -> str:
    """``message`` as strict JSON: a number that overflowed (inf, NaN) becomes ``null``."""
    try:
        return json.dumps(message, allow_nan=False)
    except ValueError:
        return json.dumps(_without_non_finite(message), allow_nan=False)


def _without_non_finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _without_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_non_finite(item) for item in value]
    return value


def quantised(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``maps: (n_neurons, pixels)`` as int8 in -127..127 and each neuron's scale (its largest
    magnitude), so that ``q / 127 * scale`` gives the values back to within 1/254 of the scale."""
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float64), nan=0.0, posinf=3e38, neginf=-3e38)
    scale = np.maximum(np.max(np.abs(maps), axis=1), 1e-30)
    q = np.rint(maps / scale[:, None] * 127).astype(np.int8)
    return q, scale.astype(np.float32)


def encode(message: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """``message`` (JSON-able) with ``arrays`` (path -> array of a dtype in :data:`DTYPES`) as
    one binary message."""
    index, offset = [], 0
    for path, array in arrays.items():
        dtype = np.dtype(array.dtype).name
        if dtype not in DTYPES:
            raise TypeError(f"{path}: a picture holds {', '.join(DTYPES)} arrays, not {dtype}")
        index.append({"path": path, "dtype": dtype, "shape": list(array.shape), "offset": offset})
        offset += _aligned(array.nbytes)
    header = as_json({**message, "arrays": index}).encode("utf-8")
    start = _aligned(4 + len(header))
    out = bytearray(start + offset)
    out[:4] = struct.pack("<I", len(header))
    out[4 : 4 + len(header)] = header
    for entry, array in zip(index, arrays.values(), strict=True):
        data = np.ascontiguousarray(array).astype(np.dtype(entry["dtype"]).newbyteorder("<"))
        out[start + entry["offset"] : start + entry["offset"] + data.nbytes] = data.tobytes()
    return bytes(out)


def decode(data: bytes) -> dict:
    """The message :func:`encode` made, its arrays in place as NumPy arrays (neuron maps and
    confidences turned back into their values)."""
    (length,) = struct.unpack_from("<I", data)
    message = json.loads(data[4 : 4 + length].decode("utf-8"))
    start = _aligned(4 + length)
    for entry in message.pop("arrays"):
        dtype = np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<")
        count = int(np.prod(entry["shape"]))
        array = np.frombuffer(data, dtype=dtype, count=count, offset=start + entry["offset"])
        *parents, key = entry["path"].split(".")
        place = message
        for part in parents:
            place = place[int(part)] if isinstance(place, list) else place[part]
        place[key] = array.reshape(entry["shape"]).astype(DTYPES[entry["dtype"]])
    for neurons in message.get("neurons", []):
        neurons["maps"] = neurons["maps"] / 127.0 * neurons.pop("maps_scale")[:, None]
    boundary = message.get("boundary", {})
    if "confidence" in boundary:
        boundary["confidence"] = boundary["confidence"] / 255.0
    return message


def _aligned(size: int) -> int:
    return -(-size // 4) * 4
