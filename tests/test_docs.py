"""The documentation stays true to the repository: the README is one screen with its two set-up
commands, and every relative link in the README and the pages points at a file that exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def test_the_readme_is_one_screen_with_the_two_set_up_commands():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 65
    assert "pip install . && glassnet train" in text and "bash scripts/test.sh" in text


def test_every_relative_link_points_at_a_file():
    broken = []
    for page in PAGES:
        if "_build" in page.parts or "notebooks" in page.parts:
            continue
        for target, _ in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_command_line_page_names_every_train_option():
    from glassnet.cli.options import build_parser

    parser = build_parser()
    train = next(action for action in parser._actions if action.dest == "command").choices["train"]
    options = {option for action in train._actions for option in action.option_strings
               if option.startswith("--") and option != "--help"}  # fmt: skip
    page = (ROOT / "docs" / "how-to" / "command-line.md").read_text()
    assert sorted(option for option in options if f"`{option}" not in page) == []


def test_the_api_page_and_the_module_table_name_every_public_module():
    package = ROOT / "src" / "glassnet"
    modules = {
        "glassnet." + ".".join(path.relative_to(package).with_suffix("").parts)
        for path in package.rglob("*.py")
        if not path.name.startswith("_") and "cli" not in path.relative_to(package).parts
    }
    api = (ROOT / "docs" / "reference" / "api.rst").read_text()
    table = (ROOT / "docs" / "reference" / "modules.md").read_text()
    assert sorted(m for m in modules if f".. automodule:: {m}\n" not in api) == []
    top_level = {m for m in modules if m.count(".") == 1}
    assert sorted(m for m in top_level if f"`{m}`" not in table) == []


def test_the_frontier_recipes_are_valid_commands_and_the_page_shows_each():
    import importlib.util

    from glassnet.cli.options import build_parser

    spec = importlib.util.spec_from_file_location("frontier", ROOT / "scripts/mnist_frontier.py")
    frontier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(frontier)
    page = (ROOT / "docs" / "explanation" / "mnist-results.md").read_text()
    for _, options in frontier.RECIPES.values():
        args = build_parser().parse_args(["train", "mnist", *options.split()])
        assert args.command == "train" and args.epochs > 0
        assert f"`glassnet train mnist --data-dir DIR {options} --seed S`" in page
