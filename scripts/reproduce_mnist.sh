#!/usr/bin/env bash
# Reproduce the README's MNIST table: the tutorial's per-sample recipe over five seeds, the
# mini-batch recipe and the wider one. Prints the machine, then the table in the README's layout.
# Usage: scripts/reproduce_mnist.sh [DATA_DIR]   (default: ../shared/data/mnist, else a download)
set -euo pipefail
data_dir=${1:-../shared/data/mnist}
runs="$(mktemp -d)"
trap 'rm -rf "$runs"' EXIT

python -c "import platform; from glassnet import machine
print(f'machine: {machine.describe()}; Python {platform.python_version()}')"

tutorial="--hidden 200 200 --epochs 3 --batch-size 1 --lr 0.01 --validation-fraction 0"
minibatch="--batch-size 64 --optimizer momentum --lr 0.05 --schedule cosine --epochs 10"
wider="--hidden 400 400 --dropout 0.2 --batch-size 64 --optimizer momentum --lr 0.05 --schedule cosine --epochs 15"
for seed in 0 1 2 3 4; do
    echo "running the tutorial's recipe, seed $seed" >&2
    # shellcheck disable=SC2086
    glassnet train mnist --data-dir "$data_dir" $tutorial --seed "$seed" --quiet --json \
        > "$runs/tutorial_$seed.json"
done
echo "running the mini-batch recipe" >&2
# shellcheck disable=SC2086
glassnet train mnist --data-dir "$data_dir" $minibatch --quiet --json > "$runs/minibatch_0.json"
echo "running the wider recipe" >&2
# shellcheck disable=SC2086
glassnet train mnist --data-dir "$data_dir" $wider --quiet --json > "$runs/wider_0.json"

python - "$runs" "$tutorial" "$minibatch" "$wider" <<'PY'
import json, sys
from pathlib import Path
runs, commands = Path(sys.argv[1]), dict(zip(("tutorial", "minibatch", "wider"), sys.argv[2:]))
names = {
    "tutorial": "the tutorial's: per-sample SGD, lr 0.01, 3 epochs",
    "minibatch": "mini-batch: momentum 0.9, lr 0.05, cosine, batch 64, 10 epochs",
    "wider": "wider, with dropout: 784-400-400-10, dropout 0.2, otherwise as above, 15 epochs",
}
print("| recipe | command | test accuracy | time |")
print("|---|---|---|---|")
for key, name in names.items():
    results = [json.loads(p.read_text()) for p in sorted(runs.glob(f"{key}_*.json"))]
    accuracies = [100 * r["test"]["accuracy"] for r in results]
    seconds = [r["seconds"] for r in results]
    seed = " --seed S" if key == "tutorial" else ""
    command = f"`glassnet train mnist --data-dir DIR {commands[key]}{seed}`"
    if len(results) > 1:
        accuracy = (f"{sum(accuracies) / len(accuracies):.2f}% mean over seeds 0-{len(results) - 1}"
                    f" ({min(accuracies):.2f}% to {max(accuracies):.2f}%)")
        time = f"{min(seconds):.0f} to {max(seconds):.0f} s"
    else:
        accuracy, time = f"{accuracies[0]:.2f}%", f"{seconds[0]:.1f} s"
    print(f"| {name} | {command} | {accuracy} | {time} |")
PY
