"""glassnet: neural networks you can see through.

Multilayer perceptrons built from bricks that each know their forward and backward step,
trained with explicit, inspectable backpropagation on NumPy.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("glassnet")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
