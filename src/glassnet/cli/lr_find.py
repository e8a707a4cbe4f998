"""``glassnet lr-find``: the learning-rate range test on a data set's recipe network."""

from __future__ import annotations

import argparse
import json

from glassnet import machine
from glassnet.cli.data import TUTORIAL_DATASET, load_dataset, targets_for_loss
from glassnet.cli.train import _network, _recipe
from glassnet.lr_find import lr_find
from glassnet.optim import get_optimizer


def command_lr_find(args: argparse.Namespace) -> int:
    """``glassnet lr-find DATASET``: sweep the learning rate, print the losses and a suggestion,
    and draw them if asked."""
    name = args.dataset or TUTORIAL_DATASET
    recipe = _recipe(name, args)
    data = load_dataset(name, args, args.seed, args.n_samples, args.noise)
    loss = args.loss or recipe.loss or data.loss
    network = _network(name, args, recipe, data)
    decay = {} if recipe.weight_decay is None else {"weight_decay": recipe.weight_decay}
    optimizer = get_optimizer(recipe.optimizer, args.min_lr, **decay)
    batch_size = recipe.batch_size or len(data.X_train)
    if not (args.quiet or args.json):
        print(f"{name}: {network.n_params:,} parameters, {recipe.optimizer}, batch size "
              f"{batch_size}; learning rate {args.min_lr:g} to {args.max_lr:g} over "
              f"{args.steps} steps")  # fmt: skip
    sweep = lr_find(network, data.X_train, targets_for_loss(loss, data, data.y_train), loss=loss,
                    optimizer=optimizer, min_lr=args.min_lr, max_lr=args.max_lr,
                    steps=args.steps, batch_size=batch_size, seed=args.seed)  # fmt: skip
    written = None
    if args.plot:
        from glassnet import plot

        title = f"{name}: learning-rate range test ({recipe.optimizer})"
        written = str(plot.plot_lr_sweep(sweep, args.plot, title=title))
    if args.json:
        print(json.dumps({"dataset": name, "optimizer": recipe.optimizer, **sweep.to_dict(),
                          "machine": machine.describe(), "plot": written}))  # fmt: skip
        return 0
    if not args.quiet:
        shown = sorted({*range(0, len(sweep.losses), max(1, len(sweep.losses) // 10)),
                        len(sweep.losses) - 1})  # fmt: skip
        print("learning rate   smoothed loss")
        for k in shown:
            print(f"{sweep.learning_rates[k]:>13.3g}   {sweep.smoothed[k]:.4f}")
        if sweep.stopped_early:
            print(f"stopped after {len(sweep.losses)} steps: the loss diverged")
    print(f"suggested learning rate: {sweep.suggestion:.3g} (the loss falls fastest there; its "
          f"lowest was at {sweep.lowest:.3g})")  # fmt: skip
    if written:
        print(f"wrote {written}")
    return 0
