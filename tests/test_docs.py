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
