"""Saving and loading networks: one ``.npz`` file, an architecture in JSON beside the arrays.

The file holds ``__glassnet__``, a JSON header (format name and version, dtype, every layer's
config, free-form metadata), and one array per parameter under its name (``dense1.W``, ...).
It is read with ``allow_pickle=False`` (no code is ever run from a file) and checked before use:
a file that is not a glassnet model, of a newer format version, truncated, or whose arrays
disagree with its architecture is refused with :class:`ModelFileError`. Writing is atomic: a
temporary file beside the target, then a rename, so a crash never leaves half a model behind.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import secrets
import stat
import struct
import time
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

import glassnet.features  # noqa: F401  (its brick joins LAYER_TYPES, so a saved one loads)
from glassnet._checks import is_positive_int
from glassnet._errors import GlassnetError
from glassnet.init import INITIALIZERS
from glassnet.layers import LAYER_TYPES, Layer
from glassnet.network import Network
from glassnet.preprocessing import Standardize

FORMAT = "glassnet-model"
#: The newest format version this glassnet reads and writes. Version 2 added the scaling bricks
#: (``Standardize``, ``Rescale``); a file without them is written as version 1, which older
#: glassnet reads too. Version 1 files kept a table's input scaling in ``metadata["standardize"]``:
#: they load with a ``Standardize`` brick in its place.
FORMAT_VERSION = 2
HEADER_KEY = "__glassnet__"


class ModelFileError(GlassnetError, ValueError):
    """A model file is not a glassnet model, is damaged, or disagrees with itself."""


def save(network: Network, path: str | Path, *, metadata: dict | None = None) -> Path:
    """Write ``network`` (and JSON-able ``metadata``) to ``path`` atomically.

    Parameters
    ----------
    network : Network
        The network to save; its ``metadata`` is saved with it.
    path : str or Path
        The file to write (``.npz``).
    metadata : dict, optional
        JSON-able facts to keep instead of ``network.metadata`` (which is kept when not given).

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    header, arrays = model_contents(network, path, metadata=metadata)
    write_archive(path, header, arrays)
    return path


def model_contents(
    network: Network, path: Path, *, metadata: dict | None = None
) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and the arrays a model file holds (checked: finite parameters)."""
    metadata = dict(network.metadata if metadata is None else metadata)
    for name, param, _ in network.parameters():
        if not np.all(np.isfinite(param)):
            raise ValueError(f"refusing to save {path}: parameter {name} contains NaN or Inf")
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION if any(layer.is_scaling for layer in network.layers) else 1,
        "dtype": network.dtype.name,
        "layers": [layer.config() for layer in network.layers],
        "metadata": metadata,
    }
    return header, {name: param for name, param, _ in network.parameters()}


def archive_bytes(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of the ``.npz`` file holding the JSON ``header`` and ``arrays``."""
    try:
        header_text = json.dumps(header)
    except TypeError as error:
        raise TypeError(f"metadata must be JSON-serialisable: {error}") from None
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, **{HEADER_KEY: np.array(header_text)})
    return buffer.getvalue()


def write_archive(path: Path, header: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write the JSON ``header`` and ``arrays`` as one ``.npz`` file, atomically."""
    data = archive_bytes(header, arrays)
    write_atomically(path, lambda handle: handle.write(data))


#: Temporary files of a save older than this (seconds) are left over from a killed save.
STALE_SECONDS = 600


def write_atomically(path: Path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it.

    The file gets the permissions a plain ``open`` would give it (the umask's), or keeps those of
    the file it replaces; a symlink is written through (its target is replaced, the link stays);
    temporary files that killed saves to the same path left behind are removed.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {path}: directory {directory} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    prefix = temporary_prefix(path)
    _remove_stale(directory, prefix)
    try:
        temporary, handle = _new_temporary(directory, prefix)
    except OSError as error:  # unwritable directory, ...: name the file, keep the error's type
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from None
    try:
        if path.exists():
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as error:  # disk full, ...: the previous file is untouched
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def temporary_prefix(path: Path) -> str:
    """A short name for the temporary files of saves to ``path`` (a long name stays valid)."""
    return f".{hashlib.sha256(path.name.encode()).hexdigest()[:16]}."


def _new_temporary(directory: Path, prefix: str) -> tuple[str, int]:
    """A new file ``prefix<random>.tmp`` in ``directory``, created with the umask's mode."""
    for _ in range(100):
        name = os.path.join(directory, f"{prefix}{secrets.token_hex(6)}.tmp")
        try:
            return name, os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary name in {directory}")


def _remove_stale(directory: Path, prefix: str) -> None:
    """Remove temporary files of earlier saves to the same path that were killed midway."""
    now = time.time()
    for leftover in directory.glob(f"{prefix}*.tmp"):
        try:
            if now - leftover.stat().st_mtime > STALE_SECONDS:
                leftover.unlink()
        except OSError:
            pass  # another process's, or gone already


def load_model(path: str | Path) -> Network:
    """Read a network saved by :func:`save` (or a checkpoint); its metadata is in
    ``network.metadata``.

    Parameters
    ----------
    path : str or Path
        The model file.

    Returns
    -------
    Network
        The network, every brick of its data contract included.
    """
    path = Path(path)
    header, arrays = read_archive(path)
    return network_from(path, header, arrays)


#: The most a model file may hold unpacked, in bytes per byte of the file, plus a fixed allowance:
#: ``np.savez`` stores arrays uncompressed and ``savez_compressed`` shrinks weights little, so a
#: file claiming far more (a zip bomb) is refused before anything is unpacked.
UNPACKED_PER_BYTE = 16
UNPACKED_ALLOWANCE = 1 << 20
#: Parameters a header may declare beyond twice those its arrays hold (a file missing a bias
#: gets the precise message of the array check; one declaring millions more is refused first).
DECLARED_ALLOWANCE = 1 << 16
#: The largest glassnet header read (JSON of the layers and metadata).
HEADER_LIMIT = 1 << 24


def read_archive(path: Path, *, kind: str = "model") -> tuple[dict, dict[str, np.ndarray]]:
    """The header and arrays of a glassnet ``.npz`` file, refusing anything else.

    The zip directory is checked before anything is unpacked (sizes within
    :data:`UNPACKED_PER_BYTE` of the file's, a header within :data:`HEADER_LIMIT`), so reading a
    file takes memory in proportion to its size; any failure is a :class:`ModelFileError`.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{kind} file {path} does not exist")
    try:
        with open(path, "rb") as handle:
            if handle.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
                raise ModelFileError(f"{path} is not a glassnet {kind} file (not an .npz archive)")
            handle.seek(0)
            _check_directory(path, handle, kind)
            handle.seek(0)
            archive = np.load(handle, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ModelFileError(f"{path} is not a glassnet {kind} file (a bare .npy array)")
            with archive:
                if HEADER_KEY not in archive.files:
                    raise ModelFileError(
                        f"{path} is not a glassnet {kind} file (no glassnet header)"
                    )
                arrays = {key: archive[key] for key in archive.files}
        for key, value in arrays.items():
            if not isinstance(value, np.ndarray):  # a member that is not an .npy array
                raise ModelFileError(f"{path}: entry {key!r} is not an array")
        return _read_header(path, arrays.pop(HEADER_KEY)), arrays
    except ModelFileError:
        raise
    except _UNREADABLE as error:
        raise ModelFileError(
            f"{path} is not a readable glassnet {kind} file (corrupt, truncated or another "
            f"format: {_one_line(error)})"
        ) from None


#: What a damaged archive can raise from the zip and .npy readers.
_UNREADABLE = (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, TypeError,
               NotImplementedError, OverflowError, RecursionError, AttributeError,
               RuntimeError, zlib.error, struct.error, tokenize.TokenError)  # fmt: skip


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _check_directory(path: Path, handle, kind: str) -> None:
    """Refuse a zip whose members would unpack to far more than the file holds."""
    size = os.fstat(handle.fileno()).st_size
    with zipfile.ZipFile(handle) as archive:
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
        if unpacked > UNPACKED_PER_BYTE * size + UNPACKED_ALLOWANCE:
            raise ModelFileError(
                f"{path}: its members claim {unpacked:,} bytes unpacked from a {size:,}-byte "
                f"file; a glassnet {kind} file does not compress like that"
            )
        for member in members:
            if member.filename == HEADER_KEY + ".npy" and member.file_size > HEADER_LIMIT:
                raise ModelFileError(f"{path}: the glassnet header is over {HEADER_LIMIT:,} bytes")


def _declared_parameters(path: Path, header: dict, arrays: dict[str, np.ndarray]) -> None:
    """Refuse a header whose layers declare more parameters than the file's arrays hold, before
    the network that would allocate them is built."""
    held = sum(int(value.size) for value in arrays.values())
    declared = 0
    for config in header.get("layers") or []:
        if isinstance(config, dict) and config.get("type") == "Dense":
            fan_in, fan_out = config.get("fan_in"), config.get("fan_out")
            if not (is_positive_int(fan_in) and is_positive_int(fan_out)):
                raise ModelFileError(f"{path}: a Dense layer needs positive integer fan_in and "
                                     f"fan_out; got {fan_in!r} and {fan_out!r}")  # fmt: skip
            declared += fan_in * fan_out + (fan_out if config.get("bias", True) else 0)
    if declared > 2 * held + DECLARED_ALLOWANCE:  # within it, _fill names what is missing
        raise ModelFileError(
            f"{path}: its layers declare {declared:,} parameters, but its arrays hold {held:,}"
        )


def network_from(path: Path, header: dict, arrays: dict[str, np.ndarray]) -> Network:
    """The network a model header and its parameter arrays describe (checked).

    A checkpoint is a model file with training state beside the parameters (arrays named
    ``optimizer/...`` and ``training/...``): it loads as a model too.
    """
    if "checkpoint" in header:
        arrays = {name: value for name, value in arrays.items() if "/" not in name}
    try:
        header = _migrated(path, header)
        _declared_parameters(path, header, arrays)
        network = _build(path, header)
        _fill(path, network, arrays)
    except ModelFileError:
        raise
    except (
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as error:
        raise ModelFileError(
            f"{path}: the model does not hold together ({_one_line(error)})"
        ) from None
    network.metadata = _checked_metadata(path, header.get("metadata") or {}, network)
    return network


def _checked_metadata(path: Path, metadata, network: Network) -> dict:
    """The metadata, checked where glassnet reads it: the task, and names that must fit the
    network's inputs and outputs."""
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: the metadata must be a JSON object")

    def names(key: str, counts: tuple[int, ...]) -> None:
        value = metadata.get(key)
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
            raise ModelFileError(f"{path}: metadata {key!r} must be a list of names")
        if len(value) not in counts:
            raise ModelFileError(
                f"{path}: metadata {key!r} has {len(value)} names for a network with "
                f"{' or '.join(map(str, counts))} of them"
            )

    task = metadata.get("task")
    if task is not None and task not in ("classification", "regression"):
        raise ModelFileError(f"{path}: metadata 'task' must be classification or regression")
    outputs = network.out_features
    names("class_names", (outputs, 2) if outputs == 1 else (outputs,))
    names("feature_names", (network.in_features,))
    if metadata.get("target") is not None and not isinstance(metadata["target"], str):
        raise ModelFileError(f"{path}: metadata 'target' must be a column name")
    return metadata


def _migrated(path: Path, header: dict) -> dict:
    """A version 1 header with its input scaling (``metadata["standardize"]``) made into a
    ``Standardize`` brick in front, as version 2 stores it."""
    metadata = header.get("metadata")
    if not isinstance(metadata, dict) or "standardize" not in metadata:
        return header
    scaling = metadata["standardize"]
    if not isinstance(scaling, dict) or not {"mean", "std"} <= scaling.keys():
        raise ModelFileError(f"{path}: metadata 'standardize' needs a 'mean' and a 'std' list")
    layers = header.get("layers")
    if isinstance(layers, list) and layers and isinstance(layers[0], dict):
        if layers[0].get("type") != Standardize.__name__:
            brick = {"type": Standardize.__name__, "mean": scaling["mean"], "std": scaling["std"]}
            layers = [brick, *layers]
    rest = {key: value for key, value in metadata.items() if key != "standardize"}
    return {**header, "layers": layers, "metadata": rest}


def _read_header(path: Path, raw: np.ndarray) -> dict:
    try:
        header = json.loads(str(raw))
    except (ValueError, TypeError, RecursionError):  # bad JSON, a 5,000-digit number, nesting
        raise ModelFileError(f"{path}: the glassnet header is not valid JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a glassnet model file (unknown header format)")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by a newer glassnet (model format version {version}; this "
            f"glassnet reads up to version {FORMAT_VERSION}): upgrade glassnet to load it"
        )
    return header


def _build(path: Path, header: dict) -> Network:
    configs = header.get("layers")
    if not isinstance(configs, list) or not configs:
        raise ModelFileError(f"{path}: the header lists no layers")
    layers: list[Layer] = []
    for position, config in enumerate(configs):
        if not isinstance(config, dict) or config.get("type") not in LAYER_TYPES:
            kind = config.get("type") if isinstance(config, dict) else config
            raise ModelFileError(f"{path}: layer {position} has unknown type {kind!r}")
        options = {key: value for key, value in config.items() if key != "type"}
        if "rng" in options:  # a constructor's argument, never saved: the weights are loaded
            raise ModelFileError(f"{path}: layer {position} ({config['type']}) has a field "
                                 "'rng', which a model file does not hold")  # fmt: skip
        if options.get("init") is not None and options["init"] not in INITIALIZERS:
            options["init"] = None  # a custom initializer: irrelevant, the weights are loaded
        try:
            layers.append(LAYER_TYPES[config["type"]](**options))
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"{path}: layer {position} ({config['type']}): {error}") from None
    try:
        return Network(layers, dtype=header.get("dtype", "float32"))
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the architecture is inconsistent: {error}") from None


def _fill(path: Path, network: Network, arrays: dict[str, np.ndarray]) -> None:
    expected = {name for name, _, _ in network.parameters()}
    missing, extra = expected - set(arrays), set(arrays) - expected
    if missing or extra:
        missing_names = ", ".join(sorted(missing)) or "none"
        extra_names = ", ".join(sorted(extra)) or "none"
        raise ModelFileError(
            f"{path}: arrays do not match the architecture (missing: {missing_names}; "
            f"unexpected: {extra_names})"
        )
    for name, param, _ in network.parameters():
        value = arrays[name]
        if value.shape != param.shape:
            raise ModelFileError(
                f"{path}: array {name} has shape {value.shape}, but the architecture needs "
                f"{param.shape}"
            )
        if value.dtype != param.dtype:
            raise ModelFileError(f"{path}: array {name} is {value.dtype}, expected {param.dtype}")
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{path}: array {name} contains NaN or Inf")
        param[...] = value


__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "archive_bytes",
    "load",
    "model_contents",
    "network_from",
    "read_archive",
    "save",
    "write_archive",
    "write_atomically",
]


#: :func:`load_model` under its first name (``glassnet.load``).
load = load_model
