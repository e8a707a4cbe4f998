"""Sphinx configuration of glassnet's documentation site (``bash scripts/build_docs.sh``)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import glassnet  # noqa: E402

project = "glassnet"
author = "the glassnet developers"
copyright = "2026, the glassnet developers"
release = version = glassnet.__version__

extensions = [
    "myst_nb",  # Markdown pages and the notebooks, shown with their committed outputs
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
exclude_patterns = [
    "_build", "**/.ipynb_checkpoints", "make_figures.py", "explain_xor.txt",
    "gallery/*.py", "gallery/*.ipynb", "gallery/*.md5", "gallery/*.zip",
]  # fmt: skip
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the notebooks are committed with their outputs (CI runs them anyway)
suppress_warnings = ["mystnb.unknown_mime_type"]

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# Every documented object must have a docstring of its own. A brick's, a loss's, an optimizer's
# or a callback's override of its base's method shares the base's docstring (autodoc shows it),
# and attributes documented by a ``#:`` comment have none: tests/test_docstrings.py checks those
# with inheritance.
numpydoc_validation_checks = {"GL08"}
numpydoc_validation_exclude = {
    r"\.(forward|backward|to_onnx|config|in_features|output_features|summary_label)$",
    r"\.(value|grad|step|on_[a-z_]+)$",
    r"\.(formula|local_formula|input_grad_formula|stuck_when|output_bounds|name_prefix|dense_init_before)$",
    r"\.WebSocket(Disconnect)?$",
}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "gallery",
    "filename_pattern": r"/[^/]+\.py$",  # every example runs when the site is built
    "download_all_examples": False,
    "remove_config_comments": True,
}

html_theme = "alabaster"
html_title = f"glassnet {release}"
html_static_path = []


def _skip_generated(app, what, name, obj, skip, options):
    """scikit-learn's generated ``set_*_request`` methods are scikit-learn's to document."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_generated)
