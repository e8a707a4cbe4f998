"""Export a network to ONNX, to serve it with onnxruntime or any other ONNX runtime.

Each brick adds the ONNX operators that compute the same thing at inference (its ``to_onnx``
method): Dense is
``Gemm`` (``x W + b``), ReLU ``Relu``, LeakyReLU ``LeakyRelu``, Sigmoid ``Sigmoid``, Tanh
``Tanh``, Softmax ``Softmax`` over the features, Identity and Dropout (inactive at inference)
``Identity``; the scaling bricks are ``Sub`` and ``Div`` (Standardize), ``Mul`` and ``Add``
(Rescale), ``IsNaN`` and ``Where`` (Impute), ``Slice``, ``Equal``, ``Cast`` and ``Concat``
(OneHot, on category indices). The input ``input`` is ``(batch, in_features)``
with a free batch dimension, the output ``output`` is what
:meth:`~glassnet.network.Network.predict` returns: a model trained on a table takes raw rows
(NaN where a value is missing, if it has an Impute brick) and gives its target in its own
units, like ``glassnet predict``.

Needs the ``onnx`` extra: ``pip install 'glassnet[onnx]'``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from glassnet import __version__
from glassnet.io import write_atomically
from glassnet.network import Network
from glassnet.preprocessing import Standardize

#: The ONNX operator set the exported graphs use (onnxruntime 1.14 and later run it).
OPSET = 17
#: The ONNX file-format version written (readable by onnxruntime 1.14 and later).
IR_VERSION = 8


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs the onnx package: pip install 'glassnet[onnx]'"
        ) from None
    return onnx


class OnnxGraph:
    """The graph being built: each brick's ``to_onnx(graph, x)`` adds its nodes through
    :meth:`node` and its arrays through :meth:`constant`."""

    def __init__(self, onnx, dtype) -> None:
        self.helper, self.numpy_helper = onnx.helper, onnx.numpy_helper
        self.dtype = np.dtype(dtype)
        #: The ONNX element type of the network's floats (for a ``Cast``).
        self.element = self.helper.np_dtype_to_tensor_dtype(self.dtype)
        self.nodes, self.initializers = [], []

    def constant(self, name: str, value, dtype=None) -> str:
        """An array stored in the graph (of the network's dtype unless ``dtype``); its name."""
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attributes) -> str:
        """An operator reading ``inputs``, its output named ``name``; returns the name."""
        self.nodes.append(self.helper.make_node(op, inputs, [name], name=name, **attributes))
        return name


def to_onnx(network: Network, *, include_preprocessing: bool = True):
    """The network as an ``onnx.ModelProto`` (checked with ``onnx.checker``). Without
    ``include_preprocessing`` a leading Standardize brick is left out: the graph then takes rows
    already standardised."""
    onnx = _onnx()
    helper = onnx.helper
    graph = OnnxGraph(onnx, network.dtype)
    layers = network.layers
    if not include_preprocessing and isinstance(layers[0], Standardize):
        layers = layers[1:]
    current = "input"
    for layer in layers:
        current = layer.to_onnx(graph, current)
    graph.nodes[-1].output[0] = "output"
    proto = helper.make_graph(
        graph.nodes,
        "glassnet",
        [helper.make_tensor_value_info("input", graph.element, ["batch", network.in_features])],
        [helper.make_tensor_value_info("output", graph.element, ["batch", network.out_features])],
        graph.initializers,
    )
    model = helper.make_model(
        proto,
        producer_name="glassnet",
        producer_version=__version__,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        doc_string=f"glassnet network: {network!r}",
    )
    plain = {k: v for k, v in network.metadata.items() if isinstance(v, (str, int, float, list))}
    helper.set_model_props(model, {"glassnet": json.dumps(plain)})
    onnx.checker.check_model(model, full_check=True)
    return model


def export(network: Network, path: str | Path, *, include_preprocessing: bool = True) -> Path:
    """Write ``network`` as an ONNX file at ``path`` (atomically).

    Parameters
    ----------
    network : Network
        The network to export.
    path : str or Path
        The file to write (``.onnx``).
    include_preprocessing : bool
        Keep a leading Standardize in the graph (False: the graph takes rows already scaled).

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    model = to_onnx(network, include_preprocessing=include_preprocessing)
    data = model.SerializeToString()
    write_atomically(path, lambda handle: handle.write(data))
    return path
