"""The playground end to end: a real headless Chromium (Debian's) driven by Playwright against
``glassnet playground`` started on a free port. ``python tests/test_playground_browser.py``
writes the screenshots in docs/."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

from playwright.sync_api import expect, sync_playwright

import glassnet
from glassnet import machine
from glassnet.plot import add_footer

CHROMIUM = "/usr/bin/chromium"  # Debian's package (Playwright's own download is not reachable)
DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def playground_server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    banner = process.stdout.readline()
    assert "127.0.0.1" in banner and "only this computer" in banner, banner
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


@contextmanager
def browser_page():
    assert os.path.exists(CHROMIUM), (
        f"the browser tests need Debian's Chromium at {CHROMIUM}, which is not installed: "
        "'apt-get install chromium' as root or with sudo (scripts/test.sh does it when it can)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        try:
            yield page
        finally:
            browser.close()


def train_spirals_to_90_percent(page, url):
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("connected")
    page.wait_for_function("Number(document.body.dataset.runs) >= 1")  # the first run is up
    page.select_option("#dataset", "moons")
    page.wait_for_function("Number(document.body.dataset.runs) >= 2")
    page.select_option("#dataset", "spirals")  # pick spirals
    page.wait_for_function("Number(document.body.dataset.runs) >= 3")
    expect(page.locator("#n_samples")).to_have_value("400")
    first = page.evaluate("document.getElementById('boundary').toDataURL()")
    page.select_option("#speed", "100")
    page.click("#play")
    page.wait_for_function(
        "Number(document.getElementById('test-accuracy').dataset.value) > 0.9", timeout=120_000
    )
    page.click("#pause")
    expect(page.locator("#play")).to_be_enabled()  # paused; the last picture came before that
    return first


def test_learn_spirals_step_explain_download_in_a_real_browser(tmp_path):
    with playground_server() as url, browser_page() as page:
        first_picture = train_spirals_to_90_percent(page, url)
        assert page.evaluate("document.getElementById('boundary').toDataURL()") != first_picture
        assert "spirals" in page.url  # the settings live in the link

        steps_before = int(page.inner_text("#step-count"))
        page.click("#step")
        expect(page.locator("#step-count")).to_have_text(str(steps_before + 1))

        page.dispatch_event("#diagram line.hit >> nth=0", "pointerdown")  # choose a weight
        expect(page.locator("#chosen-weight")).to_have_text("W1[0, 0]")
        page.click("#explain")
        expect(page.locator("#explanation")).to_contain_text("dLoss/dW1")
        expect(page.locator("#weight-check")).to_contain_text("central finite difference")

        with page.expect_download() as download:
            page.click("#download")
        model = tmp_path / "playground.npz"
        download.value.save_as(model)
        expect(page.locator("#model-command")).to_contain_text("glassnet train spirals")
        result = subprocess.run(
            [sys.executable, "-m", "glassnet", "evaluate", str(model), "spirals"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert glassnet.load(model).in_features == 2

        page.click("#remove-layer")  # another network, then the saved model back
        expect(page.locator("#layer-count")).to_have_text("1")
        page.set_input_files("#load-model", str(model))
        expect(page.locator("#layer-count")).to_have_text("2")
        expect(page.locator("#dataset")).to_have_value("spirals")
        page.select_option("#dataset", "moons")  # two classes: the 3-class model does not fit
        page.set_input_files("#load-model", [])
        page.set_input_files("#load-model", str(model))
        expect(page.locator("#error")).to_contain_text("the model has 3 outputs")


def test_points_from_a_csv_file(tmp_path):
    table = tmp_path / "mine.csv"
    rows = [f"{x / 10:.2f},{(x * 7 % 13) / 3 - 2:.2f},{int(x > 15)}" for x in range(30)]
    table.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    with playground_server() as url, browser_page() as page:
        page.goto(url)
        page.wait_for_function("Number(document.body.dataset.runs) >= 1")
        page.set_input_files("#csv-file", str(table))
        page.wait_for_function("Number(document.body.dataset.runs) >= 2")
        expect(page.locator("#dataset")).to_have_value("custom")
        expect(page.locator("#custom-count")).to_have_text("30 points")
        assert "custom" in page.url


def test_a_bad_setting_is_shown_on_the_page(tmp_path):
    with playground_server() as url, browser_page() as page:
        page.goto(url)
        expect(page.locator("#connection")).to_have_text("connected")
        page.fill("#l2", "50")
        page.dispatch_event("#l2", "change")
        expect(page.locator("#error")).to_contain_text("l2 must be between")


def opened(page, url: str) -> list[str]:
    """Open the page and wait for its first run; the list fills with the page's errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("connected")
    page.wait_for_function("Number(document.body.dataset.runs) >= 1")
    return errors


def take_steps(page, count: int) -> None:
    """Press Step ``count`` times on a new run and wait for the last of them."""
    for _ in range(count):
        page.click("#step")
    expect(page.locator("#step-count")).to_have_text(str(count))


def test_a_learning_rate_change_keeps_the_weights_and_says_so():
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        take_steps(page, 3)
        page.select_option("#learning_rate", "0.1")  # one of the presets
        expect(page.locator("#note")).to_contain_text("learning rate 0.03 -> 0.1")
        page.click("#step")
        expect(page.locator("#step-count")).to_have_text("4")  # the same run, one step more
        assert page.evaluate("Number(document.body.dataset.runs)") == 1 and not errors, errors


def test_clicked_points_stay_where_they_were_clicked():
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        page.select_option("#dataset", "custom")
        box = page.locator("#boundary").bounding_box()
        clicks = [(0.15 + 0.06 * k, 0.2 + 0.05 * k) for k in range(12)]  # shares of the canvas
        where = """() => {
            const c = document.getElementById("boundary"), r = c.getBoundingClientRect();
            return settings.points.map(([a, b]) => {
                const [x, y] = toCanvas(a, b, c);
                return [x * r.width / c.width, y * r.height / c.height];
            });
        }"""

        def assert_drawn_where_clicked(count):
            drawn = page.evaluate(where)
            assert len(drawn) == count
            for (sx, sy), (x, y) in zip(clicks, drawn, strict=False):
                assert abs(x - sx * box["width"]) < 1.5 and abs(y - sy * box["height"]) < 1.5

        for k, (sx, sy) in enumerate(clicks):
            page.select_option("#point-class", str(k % 2))
            page.click("#boundary", position={"x": sx * box["width"], "y": sy * box["height"]})
            page.wait_for_function(f"settings.points.length === {k + 1}")
            if k == 2:  # three points: drawn at once, no error banner, no run yet
                assert_drawn_where_clicked(3)
                expect(page.locator("#error")).to_be_hidden()
                expect(page.locator("#custom-count")).to_contain_text("training starts at 10")
        page.wait_for_function("data && data.custom && data.train.length + data.test.length === 12")
        assert_drawn_where_clicked(12)  # the run's plane is the one they were clicked on
        assert not errors, errors


def test_a_link_beyond_the_limits_a_divergence_and_a_cleared_file_say_what_happened():
    with playground_server() as url, browser_page() as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        asked = {"dataset": "moons", "hidden": [40, 3], "learning_rate": 10, "loss": "mse"}
        page.goto(url + "#" + quote(json.dumps(asked)))
        expect(page.locator("#note")).to_contain_text("the link asked for hidden layers [40,3]")
        page.wait_for_function("Number(document.body.dataset.runs) >= 1")  # 16 and 3 neurons
        assert page.evaluate("settings.hidden") == [16, 3]
        page.click("#play")  # squared error at learning rate 10 explodes: the guard's words
        expect(page.locator("#error")).to_contain_text("training stopped at", timeout=60_000)
        expect(page.locator("#error")).to_contain_text("learning rate is too high")
        expect(page.locator("#play")).to_be_enabled()  # and the run stopped playing
        page.set_input_files("#csv-file", [])  # a cleared choice is no error
        page.set_input_files("#load-model", [])
        assert not errors, errors


def test_the_plane_has_a_legend_and_weights_have_colours_of_their_own():
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        legend = page.locator("#legend")
        for text in ("class 0", "class 1", "filled: train", "ringed: test", "plane: x1",
                     "positive", "negative"):  # fmt: skip
            expect(legend).to_contain_text(text)
        page.wait_for_selector("#diagram line.edge")
        colours = "lines => lines.map(line => line.getAttribute('stroke'))"
        strokes = set(page.eval_on_selector_all("#diagram line.edge", colours))
        classes = {f"rgb({','.join(map(str, c))})" for c in page.evaluate("CLASS_COLORS")}
        assert strokes and not strokes & classes, (strokes, classes)
        page.select_option("#dataset", "surface")
        expect(legend).to_contain_text("target value")
        assert not errors, errors


def line_middle(page, selector: str) -> tuple[float, float]:
    """Where on the screen the middle of an SVG line is (for a real mouse press)."""
    return tuple(page.eval_on_selector(selector, """line => {
        const box = line.ownerSVGElement.getBoundingClientRect();
        const x = (Number(line.getAttribute("x1")) + Number(line.getAttribute("x2"))) / 2;
        const y = (Number(line.getAttribute("y1")) + Number(line.getAttribute("y2"))) / 2;
        return [box.left + x, box.top + y];
    }"""))


def test_a_weight_is_chosen_while_the_run_plays_and_its_tooltip_follows_it():
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        page.select_option("#speed", "10")
        page.click("#play")
        page.wait_for_function("Number(document.getElementById('boundary').dataset.pictures) > 5")
        chosen = []
        for k in (0, 9, 17, 30, 41):  # real presses, each while pictures keep coming
            x, y = line_middle(page, f"#diagram line.hit >> nth={k}")
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.up()
            chosen.append(page.inner_text("#chosen-weight"))
        assert len(set(chosen)) == 5 and all(name.startswith(("W1[", "W2[")) for name in chosen)
        first = page.inner_text("#tooltip")
        pictures = page.evaluate("Number(document.getElementById('boundary').dataset.pictures)")
        page.wait_for_function(f"Number(document.getElementById('boundary').dataset.pictures) > "
                               f"{pictures + 5}")  # fmt: skip
        assert page.is_visible("#tooltip") and page.inner_text("#tooltip") != first  # it follows
        page.click("#pause")
        assert not errors, errors


def test_explain_follows_the_chosen_weight_in_the_diagram_and_the_numbers():
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        take_steps(page, 3)
        page.dispatch_event("#diagram line.hit >> nth=13", "pointerdown")  # W1[1, 5]
        expect(page.locator("#chosen-weight")).to_have_text("W1[1, 5]")
        assert page.locator("#diagram line.edge.chosen").count() == 1
        assert page.locator("#diagram line.edge.path").count() == 8 + 8 * 3  # after neuron 5
        assert page.locator("#diagram line.edge.faded").count() == 2 * 8 - 1 + 7 * 8
        page.click("#explain")
        focus = page.locator("#focus")
        expect(focus).to_contain_text("dLoss/dW1[1, 5] = x2 \u00d7 dLoss/dz1[5]")
        expect(focus).to_contain_text("central finite difference")
        shown = page.evaluate("""() => {  // brought into view: no scrolling to find it
            const r = document.getElementById("focus").getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight;
        }""")
        assert shown
        marked = page.eval_on_selector_all("#explanation table mark", "m => m.length")
        assert marked >= 6  # W1, z1, dLoss/dz1, dz1/dW1, dLoss/dW1, W1 new, b1 ...
        folded = page.text_content("#explanation table")  # (in a closed <details>)
        assert "row 1: [" in folded and "more rows of 8, folded" in folded
        assert "row 5: [" in folded  # W2 folded to the weights out of neuron 5
        # one name for the weight: the tooltip, the choice and explain all say W1[1, 5]
        x, y = line_middle(page, "#diagram line.hit >> nth=13")
        page.mouse.move(x, y)
        expect(page.locator("#tooltip")).to_contain_text("W1[1, 5] =")
        assert not errors, errors


def test_no_sideways_scroll_on_a_phone_and_nothing_clipped_on_a_laptop():
    with playground_server() as url, browser_page() as page:
        for width, height in ((390, 844), (1280, 800)):
            page.set_viewport_size({"width": width, "height": height})
            errors = opened(page, url + "#" + quote(json.dumps({"hidden": [16] * 6})))
            page.wait_for_selector("#diagram rect.neuron")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            inside = page.evaluate("""() => {
                const svg = document.getElementById("diagram").getBoundingClientRect();
                return [...document.querySelectorAll("#diagram rect, #diagram text")].every(e => {
                    const r = e.getBoundingClientRect();
                    return r.left >= svg.left - 0.5 && r.right <= svg.right + 0.5
                        && r.top >= svg.top - 0.5 && r.bottom <= svg.bottom + 0.5;
                });
            }""")
            assert inside, f"the diagram's boxes leave it at {width}x{height}"
            boxes = page.eval_on_selector_all("#diagram rect.neuron", """rects => rects.map(r => {
                const b = r.getBoundingClientRect();
                return [b.left, b.top, b.right, b.bottom];
            })""")
            overlaps = [(a, b) for k, a in enumerate(boxes) for b in boxes[k + 1:]
                        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]  # fmt: skip
            assert not overlaps, overlaps[:2]
            select = page.locator("#optimizer").bounding_box()["width"]
            assert select < 200, select  # a select as wide as its values, not the column
            assert not errors, errors


def test_tensorflow_playground_features_run_through_glassnet(tmp_path):
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        page.select_option("#dataset", "circles")
        page.wait_for_function("Number(document.body.dataset.runs) >= 2")
        page.check("#features input[value='x1^2']")
        page.check("#features input[value='x2^2']")
        # the run that takes both features draws them (a slow machine may start one between)
        page.wait_for_function("[...document.querySelectorAll('#diagram text')]"
                               ".some(e => e.textContent === 'x2^2')")  # fmt: skip
        labels = page.eval_on_selector_all("#diagram text", "t => t.map(e => e.textContent)")
        assert labels[:4] == ["x1", "x2", "x1^2", "x2^2"]
        page.fill("#l1", "0.001")  # L1 is tuned into the running network
        page.dispatch_event("#l1", "change")
        expect(page.locator("#note")).to_contain_text("l1 0.0 -> 0.001")
        with page.expect_download() as download:
            page.click("#download")
        model = tmp_path / "features.npz"
        download.value.save_as(model)
        assert glassnet.load(model).layers[0].names == ["x1", "x2", "x1^2", "x2^2"]
        expect(page.locator("#model-command")).to_contain_text("--features x1 x2 'x1^2' 'x2^2'")
        expect(page.locator("#model-command")).to_contain_text("--l1 0.001")

        pictures = lambda: page.evaluate("boundaryChanges")  # noqa: E731
        before = pictures()
        page.uncheck("#show-test")  # page-side views: redrawn at once, kept in the link
        page.check("#discretize")
        assert pictures() >= before + 2 and '"show_test":false' in unquote(page.url)
        assert '"discretize":true' in unquote(page.url)
        page.hover("#diagram rect.neuron[data-column='1'][data-neuron='0']")
        expect(page.locator("#plane-caption")).to_contain_text("showing neuron 1 of hidden layer 1")
        options = page.eval_on_selector_all("#learning_rate option", "o => o.map(e => e.value)")
        assert options[:3] == ["0.00001", "0.0001", "0.001"] and "10" in options

        steps = int(page.inner_text("#step-count"))
        page.select_option("#speed", "1000")  # applied to the next Play, and during one
        page.click("#play")
        page.wait_for_function(f"Number(document.getElementById('step-count').textContent) >= "
                               f"{steps + 1000}")  # fmt: skip
        page.click("#pause")
        assert '"speed":1000' in unquote(page.url)
        assert not errors, errors


def test_csv_files_with_text_labels_or_values(tmp_path):
    words = tmp_path / "words.csv"
    rows = [f"{x / 10:.2f},{(x * 7 % 13) / 3 - 2:.2f},{'cat' if x > 15 else 'dog'}"
            for x in range(30)]  # fmt: skip
    words.write_text("x1,x2,animal\n" + "\n".join(rows) + "\n")
    values = tmp_path / "values.csv"
    rows = [f"{x / 10:.2f},{(x * 7 % 13) / 3 - 2:.2f},{x * 0.37 - 4:.3f}" for x in range(30)]
    values.write_text("x1,x2,height\n" + "\n".join(rows) + "\n")
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url)
        page.set_input_files("#csv-file", str(words))
        page.wait_for_function("Number(document.body.dataset.runs) >= 2")
        expect(page.locator("#legend")).to_contain_text("class 0 (cat)")
        expect(page.locator("#legend")).to_contain_text("class 1 (dog)")
        page.set_input_files("#csv-file", str(values))
        page.wait_for_function("Number(document.body.dataset.runs) >= 3")
        expect(page.locator("#test-metric-name")).to_have_text("test R\u00b2")
        expect(page.locator("#legend")).to_contain_text("target value")
        expect(page.locator("#task")).to_contain_text("regression")
        expect(page.locator("#error")).to_be_hidden()
        assert not errors, errors


def test_relu_units_that_die_are_named():
    with playground_server() as url, browser_page() as page:
        errors = opened(page, url + "#" + quote(json.dumps(
            {"activation": "relu", "learning_rate": 10, "dataset": "xor"})))  # fmt: skip
        page.click("#play")
        expect(page.locator("#error")).to_contain_text("no gradient reaches", timeout=60_000)
        expect(page.locator("#dead")).to_contain_text("units of relu")
        page.click("#pause")
        assert not errors, errors


def write_screenshots() -> None:
    with playground_server() as url, browser_page() as page:
        train_spirals_to_90_percent(page, url)
        page.dispatch_event("#diagram line.hit >> nth=3", "pointerdown")
        page.click("#explain")
        expect(page.locator("#explanation")).to_contain_text("dLoss/dW1")
        page.set_viewport_size({"width": 1280, "height": 1130})
        page.evaluate("window.scrollTo(0, 0)")
        expect(page.locator("#note")).to_be_hidden(timeout=10_000)  # (it fades after 4 s)
        page.screenshot(path=str(DOCS / "playground.png"), full_page=False)
    footer = f"trained on {machine.describe()} by python tests/test_playground_browser.py"
    add_footer(DOCS / "playground.png", footer)
    print(f"wrote {DOCS / 'playground.png'}")


if __name__ == "__main__":
    write_screenshots()
