#!/usr/bin/env bash
# Build the documentation site into docs/_build/html, warnings as errors.
#   bash scripts/build_docs.sh        (needs: pip install -e ".[docs]")
set -euo pipefail
cd "$(dirname "$0")/.."
# The notebooks are the tutorials: copied beside the pages, shown with their committed outputs.
rm -rf docs/tutorials/notebooks docs/gallery
mkdir -p docs/tutorials/notebooks
cp notebooks/*.ipynb docs/tutorials/notebooks/
python -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
echo "the site: docs/_build/html/index.html"
