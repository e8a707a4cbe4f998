"""``glassnet train``: a network trained on a data set, with the data set's recipe."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time

import numpy as np

from glassnet import __version__, machine
from glassnet.augment import RandomShift
from glassnet.cli.data import TUTORIAL_DATASET, load_dataset, metric_text, targets_for_loss
from glassnet.datasets import Dataset
from glassnet.features import with_features
from glassnet.io import save
from glassnet.metrics import task_metrics
from glassnet.network import mlp
from glassnet.optim import get_optimizer
from glassnet.preprocessing import OneHot, scaled
from glassnet.recipes import recipe_for
from glassnet.schedules import get_schedule
from glassnet.train import TrainingInterrupted, evaluate, fit


def command_train(args: argparse.Namespace) -> int:
    """``glassnet train [DATASET]``: train the data set's recipe (with the options given), print
    the plan, the epochs and the test result, and save the model if asked."""
    name = args.dataset or TUTORIAL_DATASET
    recipe = _recipe(name, args)
    data = load_dataset(name, args, args.seed, args.n_samples, args.noise)
    loss = args.loss or recipe.loss or data.loss
    network = _network(name, args, recipe, data)
    if not (args.quiet or args.json):
        _print_plan(data, network, loss, recipe)
    callbacks = _animation(name, args, recipe, data)
    if (args.plot_weights or args.plot_mistakes) and len(data.input_shape) != 2:
        raise ValueError(f"--plot-weights and --plot-mistakes need image data; {name} is not")
    _keep_contract(network, name, args, data, loss, recipe)  # checkpoints carry it too
    if args.resume and not args.checkpoint:
        raise ValueError("--resume needs --checkpoint CKPT, the checkpoint to resume from")
    started = time.perf_counter()
    try:
        history = _fit(network, args, recipe, data, loss, callbacks)
    except TrainingInterrupted as stop:
        again = " ".join(shlex.quote(part) for part in args.argv if part != "--resume")
        print(
            f"glassnet: interrupted in epoch {stop.epoch + 1} after step {stop.step}; checkpoint "
            f"saved to {stop.path}. Resume with:\n  glassnet {again} --resume",
            file=sys.stderr,
        )
        return 130
    seconds = time.perf_counter() - started
    written = [args.animate] if args.animate else []
    written += _train_pictures(args, network, history, data, data.X_test, name)
    test = evaluate(network, loss, data.X_test, targets_for_loss(loss, data, data.y_test),
                    metrics=task_metrics(data.task))  # fmt: skip
    network.metadata["test"] = test
    saved = str(save(network, args.save)) if args.save else None
    if args.json:
        print(json.dumps({
            "dataset": name, "task": data.task, "recipe": recipe.to_dict(),
            "n_train": len(data.X_train), "n_test": len(data.X_test),
            "parameters": network.n_params, "seconds": round(seconds, 3),
            "machine": machine.describe(), "epochs_run": history.epochs,
            "history": history.records, "test": test, "saved": saved, "pictures": written,
        }))  # fmt: skip
        return 0
    _print_result(args, name, network, data, test, seconds, written, saved)
    return 0


def _recipe(name: str, args: argparse.Namespace):
    """The data set's recipe with the options given on the command line."""
    return recipe_for(name).with_options(
        hidden=tuple(args.hidden) if args.hidden else None,
        activation=args.activation,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        optimizer=args.optimizer,
        schedule=args.schedule,
        l2=args.l2,
        l1=args.l1,
        features=tuple(args.features) if args.features else None,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
        max_norm=args.max_norm,
        batch_norm=args.batch_norm,
        weight_decay=args.weight_decay,
        clip_norm=args.clip_norm,
        warmup=args.warmup,
        augment=args.augment,
        validation_fraction=args.validation_fraction,
        scale_target=args.scale_target,
    )


def _network(name: str, args: argparse.Namespace, recipe, data: Dataset):
    """The recipe's MLP; for a table, with its scaling, fill and category bricks around it."""
    categories = {  # text columns: by position among the features
        data.feature_names.index(column): names
        for column, names in data.extra.get("categories", {}).items()
    }
    if categories and args.missing in ("mean", "median"):
        print(f"glassnet: note: empty cells of text columns are filled with their most frequent "
              f"category, not a {args.missing}", file=sys.stderr)  # fmt: skip
    width = OneHot(data.n_features, categories).out_width if categories else data.n_features
    if recipe.features:
        width = len(recipe.features)
    network = mlp([width, *recipe.hidden, data.n_outputs], activation=recipe.activation,
                  output=recipe.output, init=recipe.init, dropout=recipe.dropout,
                  input_dropout=recipe.input_dropout, max_norm=recipe.max_norm,
                  batch_norm=recipe.batch_norm, seed=args.seed)  # fmt: skip
    if recipe.features:
        return _with_features(name, args, recipe, data, network, categories)
    if recipe.standardize:  # tables: the scaling is part of the network
        scale_target = recipe.scale_target and data.task == "regression"
        return scaled(
            network,
            inputs=data.X_train,
            targets=data.y_train if scale_target else None,
            missing=None if args.missing == "error" else args.missing.replace("-", "_"),
            categories=categories,
        )
    if categories:
        raise ValueError(f"{name} has text columns, which only a .csv table's recipe encodes")
    return network


def _with_features(name: str, args, recipe, data: Dataset, network, categories):
    """``network`` behind a Features brick (and, for a table, a Standardize of its columns)."""
    if data.n_features != 2 or categories or len(data.input_shape) != 1:
        raise ValueError(f"--features makes columns of two numeric coordinates (x1, x2); {name} "
                         f"has {data.n_features} feature columns")  # fmt: skip
    if args.missing != "error":
        raise ValueError("--features and --missing cannot be combined: fill the table first")
    scale_target = recipe.standardize and recipe.scale_target and data.task == "regression"
    return with_features(network, recipe.features,
                         inputs=data.X_train if recipe.standardize else None,
                         targets=data.y_train if scale_target else None)  # fmt: skip


def _print_plan(data: Dataset, network, loss: str, recipe) -> None:
    """What is about to be trained, on what and on which machine."""
    print(f"glassnet {__version__}: {data.description}")
    print(f"on {machine.describe()}")
    where = f" ({data.extra['test_rows']})" if "test_rows" in data.extra else ""
    print(f"{len(data.X_train):,} training rows, {len(data.X_test):,} test rows{where}")
    print(network.summary())
    print(
        f"loss {loss}{f' + L2 (alpha={recipe.l2:g})' if recipe.l2 else ''}"
        f"{f' + L1 (beta={recipe.l1:g})' if recipe.l1 else ''}; "
        f"{recipe.optimizer}, learning rate {recipe.lr:g} ({recipe.schedule}), batch size "
        f"{recipe.batch_size or 'full'}, {recipe.epochs} epochs"
    )
    extras = [f"weight decay {recipe.weight_decay:g}" if recipe.weight_decay else "",
              f"warm-up over {recipe.warmup:g} epoch{'s' * (recipe.warmup != 1)}"
              if recipe.warmup else "",
              f"gradient norm clipped to {recipe.clip_norm:g}" if recipe.clip_norm else "",
              "training images shifted at random" if recipe.augment else ""]  # fmt: skip
    if any(extras):
        print("; ".join(extra for extra in extras if extra))


def _animation(name: str, args: argparse.Namespace, recipe, data: Dataset) -> list:
    """The callbacks the pictures asked for: ``--animate``'s boundary animation."""
    if not args.animate:
        return []
    from glassnet.plot import BoundaryAnimation

    title = f"{name}: hidden {list(recipe.hidden)}, {recipe.activation}"
    return [BoundaryAnimation(data.X_train, data.y_train, args.animate, title=title)]


def _keep_contract(network, name: str, args, data: Dataset, loss: str, recipe) -> None:
    """The model's metadata: its data set, task, columns, classes, recipe and seed."""
    network.metadata.update(
        dataset=name,
        task=data.task,
        loss=loss,
        class_names=data.class_names,
        feature_names=data.feature_names,
        input_shape=list(data.input_shape),
        seed=args.seed,
        n_samples=args.n_samples,
        noise=args.noise,
        test_fraction=args.test_fraction,
        recipe=recipe.to_dict(),
    )
    if data.extra.get("target"):
        network.metadata["target"] = data.extra["target"]
        network.metadata["text_target"] = bool(data.extra.get("text_target"))


def _fit(network, args: argparse.Namespace, recipe, data: Dataset, loss: str, callbacks):
    """:func:`~glassnet.train.fit` with the recipe and the command line's options."""
    decay = {} if recipe.weight_decay is None else {"weight_decay": recipe.weight_decay}
    return fit(
        network,
        data.X_train,
        targets_for_loss(loss, data, data.y_train),
        loss=loss,
        optimizer=get_optimizer(recipe.optimizer, recipe.lr, **decay),
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        l2=recipe.l2,
        l1=recipe.l1,
        schedule=get_schedule(recipe.schedule, recipe.lr, recipe.epochs,
                              warmup_epochs=recipe.warmup),  # fmt: skip
        clip_norm=recipe.clip_norm,
        augment=_augmentation(recipe, data),
        validation_fraction=recipe.validation_fraction or None,
        metrics=task_metrics(data.task),
        seed=args.seed,
        progress=not args.quiet,
        callbacks=callbacks,
        guard=not args.no_guard,
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
    )


def _augmentation(recipe, data: Dataset):
    """The recipe's augmentation of the training batches, or None."""
    if recipe.augment is None:
        return None
    if len(data.input_shape) != 2:
        raise ValueError(f"--augment shift moves images; this data set's rows are not images "
                         f"(input shape {tuple(data.input_shape)})")  # fmt: skip
    # 2 pixels on MNIST's 28x28 images; 1 on small ones (2 of digits' 8 would be a quarter)
    return RandomShift(tuple(data.input_shape), max_shift=2 if min(data.input_shape) >= 20 else 1)


def _print_result(args, name, network, data: Dataset, test, seconds, written, saved) -> None:
    for path in written:
        print(f"wrote {path}")
    where = (
        "on the truth table" if name == TUTORIAL_DATASET else f"on {len(data.X_test):,} test rows"
    )
    print(f"test {metric_text(test)} {where} | {seconds:.2f} s | {network.n_params:,} parameters")
    if name == TUTORIAL_DATASET and not args.quiet:
        X_test = data.X_test
        for row, out, label in zip(X_test, network.predict(X_test), data.y_test, strict=True):
            print(
                f"  x = {row.astype(int).tolist()}  ->  h2 = [{out[0]:.3f}, {out[1]:.3f}]  "
                f"predicted {int(np.argmax(out))}, true {label}"
            )
    if saved:
        print(f"saved the model to {saved}")


def _train_pictures(
    args, network, history, data: Dataset, X_test: np.ndarray, name: str
) -> list[str]:
    """Write the pictures asked for on the command line; return their paths."""
    if not (args.plot or args.plot_confusion or args.plot_weights or args.plot_mistakes):
        return []
    from glassnet import plot

    written = []
    if args.plot:
        written.append(plot.plot_curves(history, args.plot, title=f"{name}: learning curves"))
    if data.task != "classification":
        if args.plot_confusion:
            raise ValueError("--plot-confusion needs a classification data set")
        return [str(path) for path in written]
    proba = network.predict_proba(X_test)
    if args.plot_confusion:
        written.append(
            plot.plot_confusion(
                data.y_test, proba.argmax(axis=1), data.class_names, args.plot_confusion
            )
        )
    if args.plot_weights:
        written.append(plot.plot_weights(network, data.input_shape, args.plot_weights))
    if args.plot_mistakes:
        written.append(
            plot.plot_mistakes(
                data.X_test,
                data.y_test,
                proba,
                data.input_shape,
                data.class_names,
                args.plot_mistakes,
            )  # fmt: skip
        )
    return [str(path) for path in written]
