"""Hostile model files: every one is refused with a ModelFileError, in memory that follows the
file's size, never a traceback of another kind."""

import io
import json
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_contract import assert_one_line_error, run_cli

import glassnet

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from fuzz_model_files import (  # noqa: E402
    good_checkpoint,
    good_file,
    mutants,
    resume,
    same_weights,
    signed_edits,
)

from glassnet.io import HEADER_KEY, ModelFileError, load_model


def model_bytes(tmp_path) -> bytes:
    network = glassnet.mlp([3, 4, 2], seed=0)
    glassnet.save(network, tmp_path / "good.npz")
    return (tmp_path / "good.npz").read_bytes()


def with_header(tmp_path, change) -> bytes:
    """The good model with its JSON header changed by ``change(header) -> header or text``."""
    archive = np.load(io.BytesIO(model_bytes(tmp_path)), allow_pickle=False)
    arrays = {key: archive[key] for key in archive.files}
    header = change(json.loads(str(arrays.pop(HEADER_KEY))))
    text = header if isinstance(header, str) else json.dumps(header)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, **{HEADER_KEY: np.array(text)})
    return buffer.getvalue()


def refused(tmp_path, data: bytes, match: str | None = None) -> str:
    path = tmp_path / "bad.npz"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match=match) as error:
        load_model(path)
    return str(error.value)


def test_a_header_declaring_huge_layers_is_refused_before_allocating(tmp_path):
    def huge(header):
        header["layers"][0].update(fan_in=20000, fan_out=20000)
        return header

    tracemalloc.start()
    try:
        refused(tmp_path, with_header(tmp_path, huge), "declare 400,0.* parameters, but its arrays")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB to refuse a small file"


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("dense1.W.npy", "w") as member:
            block = bytes(1 << 20)
            for _ in range(64):  # 64 MB of zeros, a few hundred KB packed
                member.write(block)
    refused(tmp_path, buffer.getvalue(), "claim 67,108,864 bytes unpacked")


@pytest.mark.parametrize(
    "header",
    [
        "[" * 100_000 + "]" * 100_000,  # nesting deeper than the JSON reader goes
        '{"format": "glassnet-model", "version": ' + "9" * 5000 + "}",  # a 5,000-digit number
        '{"format": "glassnet-model", "version": 1, "layers": [{"type": ["Dense"]}]}',
        '{"format": "glassnet-model", "version": 1, "layers": [{"type": "Dense", "fan_in": '
        '"3", "fan_out": 4}]}',
        '{"format": "glassnet-model", "version": 1, "layers": [{"type": "Dense", "fan_in": 3, '
        '"fan_out": 4, "surprise": 1}]}',
        '{"format": "glassnet-model", "version": 1, "layers": [{"type": "Dense", "fan_in": 3, '
        '"fan_out": 4}], "metadata": [1, 2]}',
    ],
)
def test_a_strange_header_is_a_model_file_error(tmp_path, header):
    refused(tmp_path, with_header(tmp_path, lambda _: header))


def test_mutated_files_give_clean_errors(tmp_path):
    """A bounded fuzz test: 500 seeded mutants (flipped bytes, cut ends, overwritten runs,
    changed digits, odd header fields) each load or raise ModelFileError, never anything else."""
    good = good_file(tmp_path)
    path = tmp_path / "mutant.npz"
    refusals = 0
    for data in mutants(good, np.random.default_rng(0), 500):
        path.write_bytes(data)
        try:
            load_model(path)
        except ModelFileError:
            refusals += 1
    assert refusals > 300


def test_resuming_from_damaged_or_edited_checkpoints(tmp_path):
    """A bounded fuzz test of resume: 150 damaged checkpoints each resume exactly the run that
    wrote them or raise ModelFileError; 150 whose training state was edited (and re-signed) each
    resume or raise ModelFileError or TrainingDiverged, never anything else."""
    from glassnet.diagnostics import TrainingDiverged

    good = good_checkpoint(tmp_path)
    path = tmp_path / "mutant.ckpt"
    path.write_bytes(good)
    expected = resume(path)
    rng = np.random.default_rng(0)
    refused = 0
    for data in mutants(good, rng, 150):
        path.write_bytes(data)
        try:
            assert same_weights(resume(path), expected)  # never another run
        except ModelFileError:
            refused += 1
    assert refused > 120
    refused = 0
    with np.errstate(all="ignore"):  # edited learning rates of 1e308 overflow
        for data in signed_edits(good, rng, 150):
            path.write_bytes(data)
            try:
                resume(path)
            except (ModelFileError, TrainingDiverged):
                refused += 1
    assert refused > 75


def test_the_command_line_says_it_in_one_line(tmp_path):
    path = tmp_path / "deep.npz"
    path.write_bytes(with_header(tmp_path, lambda _: "[" * 100_000 + "]" * 100_000))
    assert_one_line_error(run_cli("info", path), "deep.npz", "not valid JSON")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"class_names": ["only one"]}, "'class_names' has 1 names for a network with 2"),
        ({"class_names": [1, 2]}, "'class_names' must be a list of names"),
        ({"feature_names": ["a"]}, "'feature_names' has 1 names for a network with 3"),
        ({"task": "guessing"}, "'task' must be classification or regression"),
        ({"target": ["y"]}, "'target' must be a column name"),
    ],
)
def test_metadata_that_does_not_fit_the_network_is_refused_at_load(tmp_path, change, message):
    def edit(header):
        header["metadata"] = {**(header.get("metadata") or {}), **change}
        return header

    refused(tmp_path, with_header(tmp_path, edit), message)
