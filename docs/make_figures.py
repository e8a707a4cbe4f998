"""Make the pictures and the explain excerpt of the documentation, with glassnet's own commands.

    python docs/make_figures.py [--mnist-dir ../shared/data/mnist]

Writes into docs/ and rewrites the block between the explain markers in
docs/how-to/see-inside.md. Every picture gets a footer naming the machine that made it: its
numbers (losses, accuracies) can differ in their last digits on another CPU kind or BLAS thread
count.
"""

import argparse
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PAGE = DOCS / "how-to" / "see-inside.md"  # the page with the explain excerpt
START, END = "<!-- explain:start -->", "<!-- explain:end -->"
PICTURES = ("descent.png", "xor_3_neurons.gif", "xor_50_neurons.gif", "spirals.gif",
            "spirals_curves.png", "mnist_curves.png", "mnist_weights.png", "mnist_confusion.png",
            "mnist_mistakes.png", "lr_sweep.png")  # fmt: skip


def glassnet(*args: str) -> str:
    command = [sys.executable, "-m", "glassnet", *args]
    print("$ glassnet", " ".join(args), flush=True)
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def abridged_explain(text: str) -> str:
    """The forward pass, the loss, the output layer's backward step and the loss after it."""
    keep = ("== forward", "== loss", "== backward ==", "== backward through sigmoid2",
            "== backward through dense2", "== after")  # fmt: skip
    sections, current = [], None
    for line in text.splitlines():
        if line.startswith("=="):
            current = line if line.startswith(keep) else None
            if current:
                sections.append([])
        if current:
            sections[-1].append(line)
    header = text.split("\n== ")[0].strip()
    body = "\n\n".join("\n".join(section).strip() for section in sections)
    return f"{header}\n\n{body}\n\n(... the hidden layer's step, the update: run it to see all)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mnist-dir", default=str(DOCS.parent.parent / "shared/data/mnist"))
    args = parser.parse_args()

    explain = glassnet("explain")
    (DOCS / "explain_xor.txt").write_text(explain)
    readme = PAGE.read_text()
    before, rest = readme.split(START)
    _, after = rest.split(END)
    block = f"{START}\n```text\n$ glassnet explain\n{abridged_explain(explain)}\n```\n{END}"
    PAGE.write_text(before + block + after)

    glassnet("explain", "--descent", str(DOCS / "descent.png"))
    for hidden in ("3", "50"):
        glassnet("train", "xor", "--hidden", hidden, "--quiet",
                 "--animate", str(DOCS / f"xor_{hidden}_neurons.gif"))  # fmt: skip
    glassnet("train", "spirals", "--quiet", "--animate", str(DOCS / "spirals.gif"),
             "--plot", str(DOCS / "spirals_curves.png"))  # fmt: skip
    glassnet("train", "mnist", "--data-dir", args.mnist_dir, "--quiet", "--batch-size", "64",
             "--optimizer", "momentum", "--lr", "0.05", "--schedule", "cosine", "--epochs", "10",
             "--plot", str(DOCS / "mnist_curves.png"),
             "--plot-weights", str(DOCS / "mnist_weights.png"),
             "--plot-confusion", str(DOCS / "mnist_confusion.png"),
             "--plot-mistakes", str(DOCS / "mnist_mistakes.png"))  # fmt: skip

    glassnet("lr-find", "digits", "--quiet", "--plot", str(DOCS / "lr_sweep.png"))

    from glassnet import machine, plot

    footer = f"made on {machine.describe()} by python docs/make_figures.py"
    for name in PICTURES:
        plot.add_footer(DOCS / name, footer)


if __name__ == "__main__":
    main()
