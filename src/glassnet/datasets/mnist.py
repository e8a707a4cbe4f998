"""MNIST and Fashion-MNIST: 28x28 grey images in 10 classes, the official 60,000/10,000 split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet.datasets.base import Dataset
from glassnet.datasets.files import RemoteFile, locate
from glassnet.datasets.idx import DataFileError, read_idx

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_FASHION_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

#: SHA-256 of the official gzip files, by variant and role.
FILES: dict[str, dict[str, RemoteFile]] = {
    "mnist": {
        "train_images": RemoteFile(
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            _MNIST_MIRRORS,
        ),
        "train_labels": RemoteFile(
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            _MNIST_MIRRORS,
        ),
        "test_images": RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            _MNIST_MIRRORS,
        ),
        "test_labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            _MNIST_MIRRORS,
        ),
    },
    "fashion-mnist": {
        "train_images": RemoteFile(
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            _FASHION_MIRRORS,
        ),
        "train_labels": RemoteFile(
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            _FASHION_MIRRORS,
        ),
        "test_images": RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            _FASHION_MIRRORS,
        ),
        "test_labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            _FASHION_MIRRORS,
        ),
    },
}

CLASS_NAMES = {
    "mnist": [str(digit) for digit in range(10)],
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}


def load_mnist(
    variant: str = "mnist",
    *,
    data_dir: str | Path | None = None,
    download: bool = True,
    progress: bool = True,
    files: dict[str, RemoteFile] | None = None,
) -> Dataset:
    """Load MNIST (``variant="mnist"``) or Fashion-MNIST (``"fashion-mnist"``).

    Pixels are scaled to 0..1 float32 and flattened: X_train (60000, 784), X_test (10000, 784);
    labels are int64 in 0..9. See :mod:`glassnet.datasets.files` for where files are looked for.
    ``files`` replaces the table of known files (names and checksums), for tests.
    """
    if variant not in FILES:
        raise ValueError(f"variant must be one of {sorted(FILES)}, got {variant!r}")
    files = files if files is not None else FILES[variant]
    arrays = {}
    for role, remote in files.items():
        path = locate(remote, variant, data_dir=data_dir, download=download, progress=progress)
        arrays[role] = read_idx(path)
        arrays[role + "_path"] = path
    splits = {}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or labels.ndim != 1:
            raise DataFileError(
                f"{arrays[f'{split}_images_path']}: expected images (n, rows, cols) and labels "
                f"(n,), got {images.shape} and {labels.shape}"
            )
        if len(images) != len(labels):
            raise DataFileError(
                f"{arrays[f'{split}_labels_path']}: {len(labels)} labels for {len(images)} images"
            )
        if labels.max() > 9:
            raise DataFileError(f"{arrays[f'{split}_labels_path']}: labels above 9")
        X = images.reshape(len(images), -1).astype(np.float32)
        X *= np.float32(1.0 / 255.0)
        splits[split] = (X, labels.astype(np.int64))
    return Dataset(
        variant,
        *splits["train"],
        *splits["test"],
        task="classification",
        class_names=CLASS_NAMES[variant],
        input_shape=tuple(arrays["train_images"].shape[1:]),
        description=f"{variant}: 28x28 grey images, pixels scaled to 0..1",
    )
