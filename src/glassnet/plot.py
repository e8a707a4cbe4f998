"""Pictures: decision boundaries as they learn, learning curves, weights, confusion, mistakes.

Needs the ``plot`` extra (matplotlib and Pillow): ``pip install 'glassnet[plot]'``. Every
function writes one file and returns its path; nothing is shown on screen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet.callbacks import Callback

_PALETTE = np.array(
    [[0.12, 0.47, 0.71], [1.00, 0.50, 0.05], [0.17, 0.63, 0.17], [0.84, 0.15, 0.16],
     [0.58, 0.40, 0.74], [0.55, 0.34, 0.29], [0.89, 0.47, 0.76], [0.50, 0.50, 0.50],
     [0.74, 0.74, 0.13], [0.09, 0.75, 0.81]]
)  # fmt: skip


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or a clear message naming the extra."""
    try:
        import matplotlib
        import PIL  # noqa: F401  (GIFs are written with Pillow)

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "pictures need matplotlib and Pillow, which are not installed; install them with: "
            "pip install 'glassnet[plot]'"
        ) from None
    return plt


def _save(figure, path: str | Path) -> Path:
    path = Path(path)
    figure.savefig(path, dpi=100)
    _pyplot().close(figure)
    return path


# ----------------------------------------------------------------------------- learning
def plot_curves(history, path: str | Path, title: str = "") -> Path:
    """Loss and accuracy (or the first regression metric), train and validation, per epoch."""
    _pyplot()  # (the message naming the extra when matplotlib is missing)
    path = Path(path)
    curves_figure(history, title).savefig(path, dpi=100)
    return path


def curves_figure(history, title: str = ""):
    """The figure of :func:`plot_curves`, made without pyplot (a notebook's own matplotlib
    backend is left alone): a ``matplotlib.figure.Figure``."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    records = history.records
    metric = next((m for m in ("accuracy", "r2", "mse") if m in records), None)
    panels = 2 if metric else 1
    figure = Figure(figsize=(5 * panels, 3.6))
    axes = figure.subplots(1, panels, squeeze=False)
    epochs = np.arange(1, history.epochs + 1)
    for axis, key in zip(axes[0], ["loss", metric][:panels], strict=True):
        axis.plot(epochs, records[key], label="train")
        if f"val_{key}" in records:
            axis.plot(epochs, records[f"val_{key}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(key)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_lr_sweep(sweep, path: str | Path, title: str = "") -> Path:
    """The learning-rate range test: each step's loss and the smoothed loss against the rate
    (log scale), with the suggested rate and the lowest point marked."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.5, 4))
    axis.plot(sweep.learning_rates, sweep.losses, color="0.75", linewidth=1, label="batch loss")
    axis.plot(sweep.learning_rates, sweep.smoothed, color="tab:blue", label="smoothed")
    axis.axvline(sweep.suggestion, color="tab:green", linestyle="--",
                 label=f"suggestion {sweep.suggestion:.3g} (steepest fall)")  # fmt: skip
    axis.axvline(sweep.lowest, color="tab:red", linestyle=":",
                 label=f"lowest loss at {sweep.lowest:.3g}")  # fmt: skip
    axis.set_xscale("log")
    finite = sweep.smoothed[np.isfinite(sweep.smoothed)]
    if len(finite):  # the climb at the end would squash the rest
        raw = sweep.losses[np.isfinite(sweep.losses)]
        low, start = min(float(finite.min()), float(raw.min())), float(finite[0])
        axis.set_ylim(low - 0.1 * abs(start - low) - 1e-3, start + 0.5 * abs(start - low) + 1e-3)
    axis.set_xlabel("learning rate")
    axis.set_ylabel("loss")
    axis.set_title(title or "learning-rate range test")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _save(figure, path)


def plot_descent(iterates: np.ndarray, path: str | Path, *, learning_rate: float) -> Path:
    """Gradient descent on f(x) = x^2 - 4x + 5: the curve and the iterates on it."""
    from glassnet.descent import parabola

    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    low, high = min(iterates.min(), 2 - abs(iterates[0] - 2)) - 0.5, max(iterates.max(), 6.5)
    xs = np.linspace(low, high, 300)
    axis.plot(xs, parabola(xs), color="0.3", label="f(x) = x² - 4x + 5")
    axis.plot(iterates, parabola(iterates), "o-", color="tab:red", markersize=4, alpha=0.8,
              label=f"x ← x - {learning_rate:g} f'(x)")  # fmt: skip
    axis.annotate("start", (iterates[0], parabola(iterates[0])), textcoords="offset points",
                  xytext=(8, 0))  # fmt: skip
    axis.axvline(2.0, color="tab:green", linestyle=":", label="minimum x* = 2")
    axis.set_xlabel("x")
    axis.set_ylabel("f(x)")
    axis.set_title(f"gradient descent, {len(iterates) - 1} steps: x = {iterates[-1]:.4f}")
    axis.legend()
    figure.tight_layout()
    return _save(figure, path)


# ----------------------------------------------------------------------------- boundaries
def _grid(X: np.ndarray, size: int) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y0, y1, size))
    return np.column_stack([xs.ravel(), ys.ravel()]), (x0, x1, y0, y1)


def _colour(proba: np.ndarray, size: int) -> np.ndarray:
    """Class probabilities (size*size, k) -> a light RGB image mixing the class colours."""
    rgb = np.asarray(proba, dtype=np.float64) @ _PALETTE[: proba.shape[1]]
    return np.clip(0.45 * rgb + 0.55, 0.0, 1.0).reshape(size, size, 3)


class BoundaryAnimation(Callback):
    """Record the decision boundary of a 2-D classifier every few epochs; write a GIF at the end.

    Each frame shows the class regions (colours mixed by probability), the training points and
    the epoch, loss and accuracy. ``every`` defaults to the number of epochs over ``frames``.
    """

    def __init__(
        self,
        X: np.ndarray,
        labels: np.ndarray,
        path: str | Path,
        *,
        every: int | None = None,
        frames: int = 60,
        grid: int = 120,
        title: str = "",
        duration_ms: int = 120,
    ) -> None:
        _pyplot()  # fail before training, not after, if the extra is missing
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"an animated decision boundary needs 2 input features, got {X.shape}")
        self.X, self.labels, self.path = X, np.asarray(labels), Path(path)
        self.every, self.frames, self.size = every, frames, grid
        self.title, self.duration_ms = title, duration_ms
        self.points, self.extent = _grid(X, grid)

    def on_train_begin(self, state) -> None:
        """Start an empty list of frames."""
        self.step = self.every or max(1, -(-state.epochs // self.frames))
        self.images: list[tuple[np.ndarray, str]] = []

    def on_epoch_end(self, state, logs) -> None:
        """Draw this epoch's decision boundary as a frame (on the epochs chosen)."""
        epoch = state.epoch + 1
        if epoch % self.step and epoch != 1 and epoch != state.epochs and not state.stop:
            return
        proba = state.network.predict_proba(self.points)
        caption = f"epoch {epoch}   loss {logs['loss']:.4f}"
        if "accuracy" in logs:
            caption += f"   accuracy {logs['accuracy']:.1%}"
        self.images.append((_colour(proba, self.size), caption))

    def on_train_end(self, state) -> None:
        """Write the frames as the GIF."""
        if self.images:
            write_boundary_gif(self.images, self.X, self.labels, self.extent, self.path,
                               title=self.title, duration_ms=self.duration_ms)  # fmt: skip


def write_boundary_gif(images, X, labels, extent, path, *, title="", duration_ms=120) -> Path:
    """Draw each ``(rgb image, caption)`` with the points on top and save them as one GIF."""
    from PIL import Image

    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(3.6, 3.8))
    shown = axis.imshow(images[0][0], extent=extent, origin="lower", interpolation="bilinear",
                        aspect="auto")  # fmt: skip
    colours = _PALETTE[np.asarray(labels) % len(_PALETTE)]
    axis.scatter(X[:, 0], X[:, 1], c=colours, s=10, edgecolors="white", linewidths=0.4)
    axis.set_xticks([])
    axis.set_yticks([])
    caption = axis.set_title(images[0][1], fontsize=9)
    if title:
        figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    frames = []
    for rgb, text in images:
        shown.set_data(rgb)
        caption.set_text(text)
        figure.canvas.draw()
        frames.append(Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()))
    plt.close(figure)
    return _save_gif(frames, path, duration_ms)


def _save_gif(frames, path: str | Path, duration_ms) -> Path:
    """Save RGB Pillow images as one looping GIF; ``duration_ms`` is one number or one a frame."""
    from PIL import Image

    # One palette for every frame, taken from the first and last (they hold all the colours),
    # keeps the points' class colours exact and the file small.
    both = Image.new("RGB", (frames[0].width, 2 * frames[0].height))
    both.paste(frames[0], (0, 0))
    both.paste(frames[-1], (0, frames[0].height))
    palette = both.quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    frames = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    path = Path(path)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path


def _indexed(frames):
    """The RGB ``frames`` as palette images sharing one palette of exactly their colours, or None
    when they hold more than 256 colours."""
    from PIL import Image

    packed = [np.asarray(f, np.uint32) @ np.array([65536, 256, 1], np.uint32) for f in frames]
    colours = np.unique(np.concatenate([p.ravel() for p in packed]))
    if len(colours) > 256:
        return None
    palette = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], axis=1)
    indexed = []
    for frame in packed:
        image = Image.fromarray(np.searchsorted(colours, frame).astype(np.uint8), mode="P")
        image.putpalette(palette.astype(np.uint8).ravel().tolist())
        indexed.append(image)
    return indexed


def add_footer(path: str | Path, text: str) -> Path:
    """Write ``text`` in a strip under the picture at ``path`` (a PNG, or every frame of a GIF),
    in place; for saying where a picture that shows measured numbers was made."""
    _pyplot()  # the message naming the extra, if Pillow is missing
    from PIL import Image, ImageDraw, ImageFont, ImageSequence

    path = Path(path)
    with Image.open(path) as picture:
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(picture)]
        durations = [frame.info.get("duration", 100) for frame in ImageSequence.Iterator(picture)]
    font = ImageFont.load_default()
    measure = ImageDraw.Draw(frames[0])
    lines, words = [""], text.split()
    for word in words:  # wrap to the picture's width
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and measure.textlength(candidate, font=font) > frames[0].width - 8:
            lines.append(word)
        else:
            lines[-1] = candidate
    line_height = font.getbbox("Ay")[3] + 3
    stamped = []
    for frame in frames:
        canvas = Image.new(
            "RGB", (frame.width, frame.height + line_height * len(lines) + 6), "white"
        )
        canvas.paste(frame, (0, 0))
        draw = ImageDraw.Draw(canvas)
        if len(frames) > 1:
            draw.fontmode = "1"  # no anti-aliasing: two colours more, and the GIF keeps its own
        for number, line in enumerate(lines):
            draw.text(
                (4, frame.height + 3 + number * line_height), line, fill=(60, 60, 60), font=font
            )
        stamped.append(canvas)
    if len(stamped) > 1:
        indexed = _indexed(stamped)  # the GIF keeps its colours exactly, if it can
        if indexed is None:
            return _save_gif(stamped, path, durations)
        indexed[0].save(path, save_all=True, append_images=indexed[1:], duration=durations, loop=0)
        return path
    stamped[0].save(path)
    return path


# ----------------------------------------------------------------------------- images
def plot_weights(network, input_shape, path: str | Path, *, units: int = 64) -> Path:
    """The first Dense layer's weights, one small image per hidden unit (red +, blue -)."""
    plt = _pyplot()
    first = next(layer for layer in network.layers if "W" in layer.params)
    W = first.params["W"]
    units = min(units, W.shape[1])
    columns = int(np.ceil(np.sqrt(units)))
    rows = -(-units // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.1 + 0.4))
    for index, axis in enumerate(np.ravel(axes)):
        axis.axis("off")
        if index < units:
            image = W[:, index].reshape(input_shape)
            limit = np.abs(image).max() or 1.0
            axis.imshow(image, cmap="seismic", vmin=-limit, vmax=limit)
    figure.suptitle(f"{first.name}: weights of the first {units} hidden units")
    figure.tight_layout()
    return _save(figure, path)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true), np.asarray(predicted)), 1)
    return matrix


def plot_confusion(true, predicted, class_names, path: str | Path) -> Path:
    """The confusion matrix of a classifier on a test set, counts written in the cells."""
    plt = _pyplot()
    k = len(class_names)
    matrix = confusion_matrix(true, predicted, k)
    figure, axis = plt.subplots(figsize=(0.55 * k + 2.5, 0.55 * k + 2))
    axis.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            colour = "white" if count > matrix.max() / 2 else "black"
            axis.text(j, i, str(count), ha="center", va="center", fontsize=7, color=colour)
    axis.set_xticks(range(k), class_names, rotation=45 if k > 10 else 0, fontsize=8)
    axis.set_yticks(range(k), class_names, fontsize=8)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(f"confusion matrix (accuracy {accuracy:.2%})")
    figure.tight_layout()
    return _save(figure, path)


def plot_mistakes(X, true, proba, input_shape, class_names, path: str | Path, *, count=16) -> Path:
    """The test images the classifier got most confidently wrong, with true and predicted labels."""
    plt = _pyplot()
    predicted = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(true))
    worst = wrong[np.argsort(-proba[wrong, predicted[wrong]])][:count]
    columns = 4
    rows = max(1, -(-len(worst) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.9, rows * 2.1), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, index in zip(axes.ravel(), worst, strict=False):
        axis.imshow(np.asarray(X[index]).reshape(input_shape), cmap="gray_r")
        axis.set_title(f"true {class_names[true[index]]}\npredicted {class_names[predicted[index]]}"
                       f" ({proba[index, predicted[index]]:.0%})", fontsize=8)  # fmt: skip
    figure.suptitle(f"the {len(worst)} most confident mistakes of {len(wrong)}")
    figure.tight_layout()
    return _save(figure, path)
