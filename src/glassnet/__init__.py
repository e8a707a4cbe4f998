"""glassnet: neural networks you can see through.

Multilayer perceptrons built from bricks that each know their forward and backward step,
trained with explicit, inspectable backpropagation on NumPy::

    from glassnet import Network, Dense, ReLU, fit
"""

from importlib.metadata import PackageNotFoundError, version

from glassnet.batchnorm import BatchNorm1d
from glassnet.callbacks import Callback, EarlyStopping
from glassnet.features import Features
from glassnet.gradcheck import gradcheck
from glassnet.io import load, load_model, save
from glassnet.layers import Dense, Dropout, Identity, Layer, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from glassnet.losses import MAE, MSE, BinaryCrossEntropy, Loss, SoftmaxCrossEntropy
from glassnet.network import Network, mlp
from glassnet.optim import SGD, Adam, AdamW, Optimizer
from glassnet.preprocessing import Impute, Rescale, Standardize
from glassnet.train import History, evaluate, fit, train_step

try:
    __version__ = version("glassnet")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = [
    "MAE",
    "MSE",
    "SGD",
    "Adam",
    "AdamW",
    "BatchNorm1d",
    "BinaryCrossEntropy",
    "Callback",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Features",
    "History",
    "Identity",
    "Impute",
    "Layer",
    "LeakyReLU",
    "Loss",
    "Network",
    "Optimizer",
    "ReLU",
    "Rescale",
    "Sigmoid",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Standardize",
    "Tanh",
    "__version__",
    "evaluate",
    "fit",
    "gradcheck",
    "load",
    "load_model",
    "mlp",
    "save",
    "train_step",
]
