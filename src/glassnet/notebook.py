"""glassnet in a Jupyter notebook: telling a kernel from a terminal, and the rich displays
(``_repr_html_``) of a network, a History and an explained step.

Nothing here imports IPython, ipywidgets or matplotlib unless a notebook asks for them, so the
library stays as light outside one.
"""

from __future__ import annotations

import base64
import html
import io
import sys

import numpy as np


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (IPython's ZMQ shell), not a terminal."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def widgets_available() -> bool:
    """Whether ipywidgets is installed (what a notebook progress bar is drawn with)."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def table(rows: list[tuple], *, header: bool = True) -> str:
    """An HTML table of ``rows`` (the first one its header when ``header``)."""
    cells = []
    for index, row in enumerate(rows):
        tag = "th" if header and index == 0 else "td"
        row_html = "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row)
        cells.append(f"<tr>{row_html}</tr>")
    return '<table class="glassnet">' + "".join(cells) + "</table>"


def figure_html(figure, alt: str = "training curves") -> str:
    """A matplotlib ``Figure`` as an inline PNG ``<img>``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/>'


def network_html(network) -> str:
    """The network's summary (:meth:`~glassnet.network.Network.summary_rows`) as a table."""
    rows, total = network.summary_rows()
    return table(rows) + f"<p>{html.escape(total)}</p>"


def history_html(history) -> str:
    """The History's curves (one panel per metric, validation beside training) when matplotlib
    is there, and a table of the last epoch's values."""
    if not history.epochs:
        return "<p>History: no epoch yet</p>"
    last = [(key, f"{values[-1]:.4g}") for key, values in history.records.items() if values]
    text = table([("after epoch " + str(history.epochs), "value"), *last])
    from glassnet.plot import curves_figure

    try:
        figure = curves_figure(history)
    except ImportError:  # matplotlib is not installed: the numbers only
        return text
    return figure_html(figure) + text


def matrix_html(value) -> str:
    """A number, vector or matrix as an HTML table of its values (large ones summarised)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return html.escape(f"{float(array):.6g}")
    if array.size > 64:
        return html.escape(
            f"shape {array.shape}: mean {array.mean():.4g}, min {array.min():.4g}, "
            f"max {array.max():.4g}"
        )
    rows = array.reshape(1, -1) if array.ndim == 1 else array.reshape(array.shape[0], -1)
    return table([tuple(f"{v:.5g}" for v in row) for row in rows], header=False)


def explanation_html(steps, header: dict) -> str:
    """An explained step: its header, then per section each quantity under its chain-rule name
    with its formula and its values as a table."""
    parts = [f"<h4>{html.escape(header['title'])}</h4>", "<ul>"]
    parts += [f"<li>{html.escape(line)}</li>" for line in header["about"]]
    parts.append("</ul>")
    section = None
    for step in steps:
        if step.section != section:
            section = step.section
            parts.append(f"<h5>{html.escape(section)}</h5>")
        formula = f" = <code>{html.escape(step.formula)}</code>" if step.formula else ""
        note = f" <em>({html.escape(step.note)})</em>" if step.note else ""
        value = matrix_html(step.value) if step.value is not None else ""
        parts.append(f"<div><b>{html.escape(step.name)}</b>{formula}{note}{value}</div>")
    return "".join(parts)
