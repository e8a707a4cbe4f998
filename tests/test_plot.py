"""Pictures: the files exist, have the expected size and frames, and frames change as it learns."""

import sys

import numpy as np
import pytest
from PIL import Image, ImageChops

import glassnet as gn
from glassnet import plot
from glassnet.datasets import spirals


def frames_of(path):
    with Image.open(path) as image:
        frames = []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(image.convert("RGB"))
    return frames


def size_of(path):
    with Image.open(path) as image:
        return image.size


def test_boundary_animation_frames_change_as_it_learns(tmp_path):
    X, y = spirals(150, seed=0)
    path = tmp_path / "boundary.gif"
    animation = plot.BoundaryAnimation(X, y, path, frames=10, grid=40)
    gn.fit(gn.mlp([2, 32, 3], seed=0), X, y, loss="cross_entropy", optimizer=gn.Adam(0.01),
           epochs=30, callbacks=[animation], progress=False)  # fmt: skip
    frames = frames_of(path)
    assert len(frames) == 11  # epoch 1, then every 3rd epoch: 3, 6, ..., 30
    assert frames[0].size == (360, 380)
    differences = [
        ImageChops.difference(a, b).getbbox() for a, b in zip(frames, frames[1:], strict=False)
    ]
    assert all(box is not None for box in differences[:3])  # early frames differ
    first, last = np.asarray(frames[0], float), np.asarray(frames[-1], float)
    assert np.abs(first - last).mean() > 5


def test_footer_goes_under_every_frame_and_keeps_the_timing(tmp_path):
    X, y = spirals(60, seed=0)
    path = tmp_path / "boundary.gif"
    animation = plot.BoundaryAnimation(X, y, path, frames=3, grid=20, duration_ms=150)
    gn.fit(gn.mlp([2, 8, 3], seed=0), X, y, loss="cross_entropy", epochs=3,
           callbacks=[animation], progress=False)  # fmt: skip
    before = frames_of(path)
    plot.add_footer(path, "made on a machine with a name long enough to need two lines or more")
    after = frames_of(path)
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert new.width == old.width and new.height > old.height + 20  # two lines of text
        assert ImageChops.difference(new.crop((0, 0, *old.size)), old).getbbox() is None
        strip = np.asarray(new.crop((0, old.height, new.width, new.height)), float)
        assert strip.min() < 128  # the text is drawn
    with Image.open(path) as image:
        assert image.info["duration"] == 150
    from glassnet.descent import gradient_descent

    picture = plot.plot_descent(gradient_descent(steps=3), tmp_path / "d.png", learning_rate=0.1)
    width, height = size_of(picture)
    plot.add_footer(picture, "made here")
    assert size_of(picture)[0] == width and size_of(picture)[1] > height


def test_animation_needs_two_features():
    with pytest.raises(ValueError, match="needs 2 input features"):
        plot.BoundaryAnimation(np.zeros((4, 3)), np.zeros(4, int), "x.gif")


def test_curves_and_descent(tmp_path):
    X, y = spirals(90, seed=0)
    history = gn.fit(gn.mlp([2, 8, 3], seed=0), X, y, loss="cross_entropy", epochs=5,
                     validation_fraction=0.2, progress=False)  # fmt: skip
    curves = plot.plot_curves(history, tmp_path / "curves.png")
    assert size_of(curves) == (1000, 360)
    from glassnet.descent import gradient_descent

    descent = plot.plot_descent(gradient_descent(steps=10), tmp_path / "d.png", learning_rate=0.1)
    assert size_of(descent) == (600, 400)


def test_image_pictures(tmp_path, rng):
    net = gn.mlp([64, 16, 10], seed=0)
    X = rng.random((40, 64))
    true = rng.integers(0, 10, 40)
    proba = net.predict_proba(X)
    names = [str(k) for k in range(10)]
    weights = plot.plot_weights(net, (8, 8), tmp_path / "w.png")
    confusion = plot.plot_confusion(true, proba.argmax(1), names, tmp_path / "c.png")
    mistakes = plot.plot_mistakes(X, true, proba, (8, 8), names, tmp_path / "m.png", count=8)
    for path in (weights, confusion, mistakes):
        width, height = size_of(path)
        assert width > 200 and height > 200
    matrix = plot.confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[plot\]'"):
        plot.plot_descent(np.array([0.0, 1.0]), "x.png", learning_rate=0.1)
