#!/usr/bin/env bash
# Reproduce the MNIST figures in the README: the tutorial's per-sample recipe and the mini-batch one.
# Usage: scripts/reproduce_mnist.sh [DATA_DIR]   (default: ../shared/data/mnist, else a download)
set -euo pipefail
data_dir=${1:-../shared/data/mnist}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(python --version)"
echo "== the MNIST tutorial's recipe: per-sample SGD, 3 epochs, all 60,000 training images; seeds 0-4"
for seed in 0 1 2 3 4; do
    glassnet train mnist --data-dir "$data_dir" --hidden 200 200 --epochs 3 --batch-size 1 \
        --lr 0.01 --validation-fraction 0 --seed "$seed" --quiet
done
echo "== mini-batch: SGD with momentum 0.9, batch 64, cosine schedule, 10 epochs"
glassnet train mnist --data-dir "$data_dir" --batch-size 64 --optimizer momentum --lr 0.05 \
    --schedule cosine --epochs 10 --quiet
echo "== wider, with dropout: 784-400-400-10, dropout 0.2, 15 epochs"
glassnet train mnist --data-dir "$data_dir" --hidden 400 400 --dropout 0.2 --batch-size 64 \
    --optimizer momentum --lr 0.05 --schedule cosine --epochs 15 --quiet
