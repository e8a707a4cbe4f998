"""``LivePlot``: training curves (and a 2-D classifier's decision boundary) redrawn while ``fit``
runs: in place in a notebook, as a picture file elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet.callbacks import Callback


class LivePlot(Callback):
    """Redraw the loss and metric curves, train and validation, every ``every`` epochs; with
    ``data=(X, y)`` of 2-D inputs, the decision boundary beside them (the points on it).

    In a Jupyter notebook one display is updated in place; elsewhere the picture is written to
    ``path`` (PNG) at each redraw and at the end. Needs matplotlib (``glassnet[plot]``).
    ``redraws`` counts the pictures made.
    """

    def __init__(self, path: str | Path = "training.png", *, every: int = 1, data=None,
                 resolution: int = 80) -> None:  # fmt: skip
        from glassnet._checks import check_positive_int

        self.path = Path(path)
        self.every = check_positive_int(every, "LivePlot: every")
        self.resolution = check_positive_int(resolution, "LivePlot: resolution")
        self.data = None
        if data is not None:
            X, y = np.asarray(data[0], dtype=np.float64), np.asarray(data[1])
            if X.ndim != 2 or X.shape[1] != 2:
                raise ValueError(
                    f"LivePlot: data's X must be (n, 2) to draw a boundary; got {X.shape}"
                )
            self.data = (X, y)
        self.redraws = 0

    def on_train_begin(self, state) -> None:
        """Draw the empty figure where the notebook shows it."""
        from glassnet.notebook import in_notebook

        self.display = None
        if in_notebook():
            from IPython.display import HTML, display

            self.display = display(HTML("<p>training starts...</p>"), display_id=True)

    def on_epoch_end(self, state, logs) -> None:
        """Redraw the curves (and the boundary, when given the data) with this epoch's values."""
        if (state.epoch + 1) % self.every == 0:
            from glassnet.train import History

            history = History.from_dict(state.history.to_dict())
            history.append(logs)  # (the History gets this epoch's logs after the callbacks)
            self._draw(state.network, history, f"epoch {state.epoch + 1}/{state.epochs}")

    def on_train_end(self, state) -> None:
        """Leave the last picture in place."""
        if state.history.epochs:
            self._draw(state.network, state.history, f"after {state.history.epochs} epochs")

    def _draw(self, network, history, title: str) -> None:
        figure = self._figure(network, history, title)
        self.redraws += 1
        if self.display is not None:
            from IPython.display import HTML

            from glassnet.notebook import figure_html

            self.display.update(HTML(figure_html(figure, alt=title)))
        else:
            figure.savefig(self.path, dpi=90)

    def _figure(self, network, history, title: str):
        from glassnet.plot import curves_figure

        figure = curves_figure(history, title)
        if self.data is None:
            return figure
        panels = len(figure.axes)
        figure.set_size_inches(5 * (panels + 1), 3.6)
        grid = figure.add_gridspec(1, panels + 1)
        for index, axis in enumerate(figure.axes):
            axis.set_subplotspec(grid[0, index])
        axis = figure.add_subplot(1, panels + 1, panels + 1)
        self._boundary(axis, network)
        figure.tight_layout()
        return figure

    def _boundary(self, axis, network) -> None:
        from glassnet.plot import _colour, _grid

        X, y = self.data
        grid, extent = _grid(X, self.resolution)
        with np.errstate(all="ignore"):
            proba = network.predict_proba(grid)
        axis.imshow(_colour(proba, self.resolution), extent=extent, origin="lower", aspect="auto")
        axis.scatter(X[:, 0], X[:, 1], c=y, s=8, cmap="tab10", vmin=0, vmax=9, edgecolors="k",
                     linewidths=0.3)  # fmt: skip
        axis.set_title("decision boundary")
