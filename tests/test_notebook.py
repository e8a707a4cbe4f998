"""glassnet's faces in a notebook: the rich displays, the progress bar's choice, and LivePlot,
outside a kernel and inside a real one (nbclient)."""

import base64
import io
import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

import glassnet
from glassnet.callbacks import _bar_kind
from glassnet.datasets import xor
from glassnet.explain import explained
from glassnet.live_plot import LivePlot


@pytest.fixture(scope="module")
def trained():
    X, y = xor(40, seed=0)
    network = glassnet.mlp([2, 3, 2], activation="sigmoid", seed=0)
    history = glassnet.fit(network, X, y, loss="cross_entropy", epochs=4, progress=False,
                           validation_fraction=0.25, seed=0)  # fmt: skip
    return network, history, X, y


def image_of(html: str) -> Image.Image:
    data = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    return Image.open(io.BytesIO(base64.b64decode(data)))


def test_a_network_shows_its_summary_table(trained):
    network = trained[0]
    page = network._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    assert len(rows) == 2 + len(network.layers)  # header, input, one row per brick
    assert "<td>dense1</td>" in page and "<td>9</td>" in page  # 2*3 weights + 3 biases
    assert f"total: {network.n_params} trainable parameters, dtype float32" in page


def test_a_history_shows_its_curves_and_last_values(trained):
    history = trained[1]
    page = history._repr_html_()
    picture = image_of(page)
    assert picture.width > 400 and picture.height > 150
    assert f"<td>{history['loss'][-1]:.4g}</td>" in page and "val_accuracy" in page
    assert "no epoch yet" in glassnet.train.History()._repr_html_()


def test_an_explained_step_shows_each_quantity_under_its_chain_rule_name(trained):
    network, _, X, y = trained
    explanation = explained(network.copy(), "mse", X[:1], np.eye(2)[y[:1]], learning_rate=0.5)
    page = explanation._repr_html_()
    for name in ("z1", "h1", "dLoss/dW2", "dLoss/dW1"):
        assert f"<b>{name}</b>" in page or name in page, name
    assert page.count("<table") >= 6  # the matrices as tables
    assert str(explanation) == explanation.render("text")


def test_outside_a_notebook_the_bar_is_text(capsys):
    import sys

    from tqdm.std import tqdm

    assert _bar_kind(sys.stderr) is tqdm


def test_live_plot_writes_a_picture_outside_a_notebook(tmp_path, trained):
    _, _, X, y = trained
    path = tmp_path / "live.png"
    live = LivePlot(path, every=2, data=(X, y))
    glassnet.fit(glassnet.mlp([2, 4, 2], seed=0), X, y, loss="cross_entropy", epochs=6,
                 progress=False, callbacks=[live])  # fmt: skip
    assert live.redraws == 3 + 1  # epochs 2, 4, 6 and the end
    with Image.open(path) as picture:
        assert picture.width > 3 * picture.height  # curves and the boundary side by side
    with pytest.raises(ValueError, match=r"must be \(n, 2\)"):
        LivePlot(data=(np.ones((3, 3)), [0, 1, 0]))


NOTEBOOK_CODE = """
import glassnet
from glassnet.datasets import xor
from glassnet.live_plot import LivePlot
X, y = xor(40, seed=0)
live = LivePlot(every=1, data=(X, y))
history = glassnet.fit(glassnet.mlp([2, 4, 2], seed=0), X, y, loss="cross_entropy", epochs=3,
                       callbacks=[live])
print("redraws", live.redraws)
"""


def test_live_plot_updates_one_display_in_a_real_kernel():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(NOTEBOOK_CODE)]
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    widget = "application/vnd.jupyter.widget-view+json"
    bars = [o for o in outputs if o.output_type == "display_data" and widget in o.data]
    displays = [o for o in outputs if o.output_type == "display_data" and widget not in o.data]
    assert bars  # the progress bar is a widget (ipywidgets is installed)
    # nbclient applies each update to the display it names: one display, holding the last picture
    assert len(displays) == 1, outputs
    page = displays[0].data["text/html"]
    assert 'alt="after 3 epochs"' in page and "data:image/png;base64," in page
    assert "training starts" not in page  # the first content was replaced
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "redraws 4" in text and "IProgress" not in text  # the widget bar, no warning


def test_the_playground_shows_in_an_iframe():
    import urllib.request

    from glassnet import playground

    frame = playground.show(port=8791)
    try:
        assert frame.src == "http://127.0.0.1:8791/" and "iframe" in frame._repr_html_()
        with urllib.request.urlopen(frame.src, timeout=10) as page:
            assert page.status == 200 and "glassnet playground" in page.read().decode()
        assert playground.show(port=8791).src == frame.src  # one server per port
    finally:
        playground.stop(8791)
