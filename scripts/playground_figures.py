"""The playground's figures, measured in a real browser (Debian's Chromium through Playwright)
against ``glassnet playground`` on this machine:

- seconds from pressing Play to 90% test accuracy (R^2 0.9 for the surface) for each data set,
  at the page's defaults;
- pictures drawn per second, and bytes per picture, for the default network and the largest the
  page offers (6 hidden layers of 16), while it plays at each speed;
- the screenshots in docs/ (a laptop, a phone, and "Explain this step" following a weight).

    python scripts/playground_figures.py [--repeat 3] [--no-screenshots]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import expect  # noqa: E402
from test_playground_browser import browser_page, line_middle, opened, playground_server  # noqa: E402

from glassnet import machine  # noqa: E402
from glassnet.plot import add_footer  # noqa: E402

DATASETS = ("xor", "spirals", "moons", "circles", "surface")
LARGEST = {"hidden": [16] * 6}


def link(url: str, settings: dict) -> str:
    return url + ("#" + quote(json.dumps(settings)) if settings else "")


def seconds_to_90_percent(page, url: str, dataset: str) -> float:
    settings = {"dataset": dataset, **({"loss": "mse"} if dataset == "surface" else {})}
    page.goto("about:blank")  # a fresh page for each run: nothing left from the last
    opened(page, link(url, settings))
    started = time.perf_counter()
    page.click("#play")
    page.wait_for_function(
        "Number(document.getElementById('test-accuracy').dataset.value) >= 0.9", timeout=120_000
    )
    seconds = time.perf_counter() - started
    page.click("#pause")
    return seconds


def pictures_per_second(page, url: str, settings: dict, speed: int, seconds: float = 5.0):
    page.goto("about:blank")
    opened(page, link(url, {**settings, "speed": speed}))
    page.click("#play")
    page.wait_for_function("Number(document.getElementById('boundary').dataset.pictures) > 3")
    first = page.evaluate("boundaryChanges")
    started = time.perf_counter()
    time.sleep(seconds)
    drawn = page.evaluate("boundaryChanges") - first
    elapsed = time.perf_counter() - started
    size = page.evaluate("pictureBytes")
    page.click("#pause")
    return drawn / elapsed, size


def screenshots(url: str) -> list[Path]:
    written = []
    footer = f"{machine.describe()}; python scripts/playground_figures.py"
    with browser_page() as page:
        page.set_viewport_size({"width": 1400, "height": 1000})
        opened(page, url)
        page.click("#play")
        page.wait_for_function(
            "Number(document.getElementById('test-accuracy').dataset.value) > 0.9", timeout=60_000
        )
        page.click("#pause")
        x, y = line_middle(page, "#diagram line.hit >> nth=13")
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.up()
        page.evaluate("window.scrollTo(0, 0)")
        expect(page.locator("#note")).to_be_hidden(timeout=10_000)
        written.append(DOCS / "playground.png")
        page.screenshot(path=str(written[-1]))
        page.click("#explain")
        expect(page.locator("#focus")).to_contain_text("Chain rule")
        written.append(DOCS / "playground-explain.png")
        page.locator("#explain-panel").screenshot(path=str(written[-1]))
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("window.scrollTo(0, 0)")
        written.append(DOCS / "playground-phone.png")
        page.screenshot(path=str(written[-1]), full_page=False)
    for path in written:
        add_footer(path, footer)
    return written


DOCS = ROOT / "docs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per data set (3)")
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine.describe()}")
    with playground_server() as url:
        with browser_page() as page:
            print("\n| data set | seconds to 90% test accuracy (R^2 0.9), median | runs |")
            print("|---|---|---|")
            for dataset in DATASETS:
                runs = [seconds_to_90_percent(page, url, dataset) for _ in range(args.repeat)]
                print(f"| {dataset} | {statistics.median(runs):.2f} s | "
                      f"{', '.join(f'{r:.2f}' for r in runs)} |")  # fmt: skip
            print("\n| network | speed (steps per picture) | pictures per second | bytes per "
                  "picture |")  # fmt: skip
            print("|---|---|---|---|")
            for name, settings in (("default 2-8-8-3", {}), ("largest 2-16x6-3", LARGEST)):
                for speed in (1, 100):
                    rate, size = pictures_per_second(page, url, settings, speed)
                    print(f"| {name} | {speed} | {rate:.1f} | {size:,} |")
        if not args.no_screenshots:
            for path in screenshots(url):
                print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
