"""Export a network to ONNX, to serve it with onnxruntime or any other ONNX runtime.

Each brick becomes the ONNX operator that computes the same thing at inference: Dense is
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
from glassnet.layers import Dense, Dropout, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from glassnet.network import Network
from glassnet.preprocessing import Impute, OneHot, Rescale, Standardize

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


def to_onnx(network: Network, *, include_preprocessing: bool = True):
    """The network as an ``onnx.ModelProto`` (checked with ``onnx.checker``). Without
    ``include_preprocessing`` a leading Standardize brick is left out: the graph then takes rows
    already standardised."""
    onnx = _onnx()
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    element = onnx.TensorProto.FLOAT if network.dtype == np.float32 else onnx.TensorProto.DOUBLE
    nodes, initializers = [], []
    current = "input"

    def constant(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=network.dtype), name))
        return name

    def add(op: str, inputs: list[str], name: str, **attributes) -> None:
        nonlocal current
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attributes))
        current = name

    layers = network.layers
    if not include_preprocessing and isinstance(layers[0], Standardize):
        layers = layers[1:]
    for layer in layers:
        name = layer.name
        if isinstance(layer, OneHot):
            _one_hot(layer, current, nodes, initializers, numpy_helper, helper, network.dtype)
            current = name
        elif isinstance(layer, Impute):
            missing = f"{name}.missing"
            nodes.append(helper.make_node("IsNaN", [current], [missing], name=missing))
            add("Where", [missing, constant(f"{name}.fill", layer.fill[None, :]), current], name)
        elif isinstance(layer, Standardize):
            add("Sub", [current, constant(f"{name}.mean", layer.mean)], f"{name}.centred")
            add("Div", [current, constant(f"{name}.std", layer.std)], name)
        elif isinstance(layer, Rescale):
            add("Mul", [current, constant(f"{name}.std", layer.std)], f"{name}.scaled")
            add("Add", [current, constant(f"{name}.mean", layer.mean)], name)
        elif isinstance(layer, Dense):
            inputs = [current, constant(f"{name}.W", layer.params["W"])]
            if layer.bias:
                inputs.append(constant(f"{name}.b", layer.params["b"]))
            add("Gemm", inputs, name)
        elif isinstance(layer, ReLU):
            add("Relu", [current], name)
        elif isinstance(layer, LeakyReLU):
            add("LeakyRelu", [current], name, alpha=layer.slope)
        elif isinstance(layer, Sigmoid):
            add("Sigmoid", [current], name)
        elif isinstance(layer, Tanh):
            add("Tanh", [current], name)
        elif isinstance(layer, Softmax):
            add("Softmax", [current], name, axis=1)
        elif isinstance(layer, (Identity, Dropout)):
            add("Identity", [current], name)
        else:
            raise TypeError(f"ONNX export: no ONNX operator for a {type(layer).__name__} brick")
    nodes[-1].output[0] = "output"
    graph = helper.make_graph(
        nodes,
        "glassnet",
        [helper.make_tensor_value_info("input", element, ["batch", network.in_features])],
        [helper.make_tensor_value_info("output", element, ["batch", network.out_features])],
        initializers,
    )
    model = helper.make_model(
        graph,
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


def _one_hot(layer, current, nodes, initializers, numpy_helper, helper, dtype) -> None:
    """OneHot as standard operators: each input column sliced out, a category column compared
    with its indices 0..k-1 (``Equal``, cast to floats), the pieces joined again (``Concat``)."""
    element = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    pieces = []
    for column in range(layer.width):
        piece = f"{layer.name}.column{column}"
        bounds = [f"{piece}.{end}" for end in ("start", "stop", "axis")]
        for bound, value in zip(bounds, (column, column + 1, 1), strict=True):
            initializers.append(numpy_helper.from_array(np.array([value], np.int64), bound))
        nodes.append(helper.make_node("Slice", [current, *bounds], [piece], name=piece))
        if column in layer.categories:
            indices = f"{piece}.indices"
            count = len(layer.categories[column])
            initializers.append(
                numpy_helper.from_array(np.arange(count, dtype=dtype)[None, :], indices)
            )
            nodes.append(
                helper.make_node("Equal", [piece, indices], [f"{piece}.is"], name=f"{piece}.is")
            )
            nodes.append(helper.make_node("Cast", [f"{piece}.is"], [f"{piece}.hot"],
                                          name=f"{piece}.hot", to=element))  # fmt: skip
            piece = f"{piece}.hot"
        pieces.append(piece)
    nodes.append(helper.make_node("Concat", pieces, [layer.name], name=layer.name, axis=1))


def export(network: Network, path: str | Path, *, include_preprocessing: bool = True) -> Path:
    """Write ``network`` as an ONNX file at ``path`` (atomically); return the path."""
    path = Path(path)
    model = to_onnx(network, include_preprocessing=include_preprocessing)
    data = model.SerializeToString()
    write_atomically(path, lambda handle: handle.write(data))
    return path
