"""The playground's server and protocol, through the ASGI test client (no browser)."""

import base64
import json
import shlex
import subprocess
import sys

import numpy as np
import pytest
from starlette.testclient import TestClient

import glassnet
from glassnet.playground.picture import decode
from glassnet.playground.server import create_app
from glassnet.playground.session import Session
from glassnet.playground.settings import parse_settings

WS = "ws://127.0.0.1:8000/ws"  # the page's own address: the server answers only hosts it serves
SMALL = {"dataset": "moons", "n_samples": 200, "hidden": [6], "learning_rate": 0.1, "seed": 1}


@pytest.fixture()
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client



def next_message(socket) -> dict:
    """The next message: JSON text, or a picture (binary, decoded as the page decodes it)."""
    raw = socket.receive()
    if raw.get("bytes") is not None:
        return decode(raw["bytes"])
    return json.loads(raw["text"])

def receive_until(socket, kind):
    """Messages up to the first of ``kind``; an error before it fails the test."""
    seen = []
    while True:
        message = next_message(socket)
        seen.append(message)
        if message["type"] == "state":
            socket.send_text('{"type":"drawn"}')  # as the page does after drawing it
        if message["type"] == kind:
            return message, seen
        assert message["type"] != "error" or kind == "error", message


def configure(socket, **settings):
    socket.send_text(json.dumps({"type": "configure", "settings": {**SMALL, **settings}}))
    points, _ = receive_until(socket, "points")
    state, _ = receive_until(socket, "state")
    return points, state


def test_the_page_and_its_assets_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "glassnet playground" in page.text
    for asset in ("app.js", "style.css"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200 and len(response.text) > 1000
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN: it works offline


def test_configure_step_play_pause_reset(client):
    with client.websocket_connect(WS) as socket:
        points, state = configure(socket)
        assert len(points["train"]) == 160 and len(points["test"]) == 40
        assert state["stats"]["step"] == 0
        assert len(state["boundary"]["classes"]) == 48 * 48
        assert [w["layer"] for w in state["weights"]] == ["dense1", "dense2"]
        assert len(state["weights"][1]["b"]) == 2  # the output layer's biases are shown too
        assert len(state["neurons"][0]["maps"]) == 6

        socket.send_text(json.dumps({"type": "step"}))
        state, _ = receive_until(socket, "state")
        assert state["stats"]["step"] == 1  # one mini-batch, not one epoch
        assert state["stats"]["epoch"] == pytest.approx(10 / 160)
        assert np.any(np.array(state["weights"][0]["dW"]) != 0)  # the step's gradients

        socket.send_text(json.dumps({"type": "play", "batches": 20}))
        steps = []
        for _ in range(3):
            state, _ = receive_until(socket, "state")
            steps.append(state["stats"]["step"])
        assert steps == sorted(steps) and steps[-1] > 1 + 2 * 20
        socket.send_text(json.dumps({"type": "pause"}))
        receive_until(socket, "playing")

        socket.send_text(json.dumps({"type": "reset"}))
        receive_until(socket, "points")  # (a picture still in flight from playing may come first)
        state, _ = receive_until(socket, "state")
        assert state["stats"]["step"] == 0


def test_it_learns_the_moons(client):
    with client.websocket_connect(WS) as socket:
        configure(socket, hidden=[8, 8], learning_rate=0.1)
        socket.send_text(json.dumps({"type": "play", "batches": 200}))
        for _ in range(50):
            state, _ = receive_until(socket, "state")
            if state["stats"]["test_accuracy"] > 0.9:
                break
        socket.send_text(json.dumps({"type": "pause"}))
        assert state["stats"]["test_accuracy"] > 0.9
        assert sum(map(sum, state["stats"]["confusion"])) == 40


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("not json", "must be JSON"),
        (json.dumps([1, 2]), 'an object with a "type"'),
        (json.dumps({"type": "launch"}), "unknown message type 'launch'"),
        (json.dumps({"type": "step"}), "no run yet: send configure first"),
        (json.dumps({"type": "configure", "settings": {"hidden": [8] * 7}}), "at most 6"),
        (json.dumps({"type": "configure", "settings": {"hidden": [99]}}), "1 to 16 neurons"),
        (json.dumps({"type": "configure", "settings": {"learning_rate": "fast"}}), "a number"),
        (json.dumps({"type": "configure", "settings": {"dataset": "/etc/passwd"}}), "one of"),
        (json.dumps({"type": "configure", "settings": {"path": "x"}}), "unknown setting"),
        (json.dumps({"type": "configure", "settings": {"points": [[0, 0, 9]] * 12,
                                                       "dataset": "custom"}}), "labels must be"),
        (json.dumps({"type": "configure", "settings": {"dataset": "surface"}}), "mse loss"),
        ("x" * 2_100_000, "message too large"),
    ],
)  # fmt: skip
def test_bad_messages_get_an_error_and_the_connection_goes_on(client, message, error):
    with client.websocket_connect(WS) as socket:
        socket.send_text(message)
        reply, _ = receive_until(socket, "error")
        assert error in reply["message"]
        configure(socket)  # still alive and working


def test_bad_requests_on_a_running_session(client):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        for message, error in [
            ({"type": "play", "batches": 0}, "batches must be between"),
            ({"type": "explain", "point": "here"}, "point must be [x1, x2]"),
            ({"type": "explain", "point": [0, 0], "label": 7}, "label must be 0 to 1"),
            ({"type": "explain", "point": [0, 0], "weight": {"layer": "dense9"}}, "no Dense"),
            ({"type": "explain", "point": [0, 0], "weight": {"layer": "dense1", "row": 5,
                                                            "col": 0}}, "no W[5, 0]"),
            ({"type": "load", "data": "%%%"}, "base64"),
            ({"type": "load", "data": base64.b64encode(b"junk").decode()}, "not a glassnet"),
        ]:  # fmt: skip
            socket.send_text(json.dumps(message))
            reply, _ = receive_until(socket, "error")
            assert error in reply["message"], (message, reply)


def test_pages_of_other_sites_cannot_connect(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(WS, headers={"origin": "http://evil.example"}) as socket:
            next_message(socket)
    assert refused.value.code == 1008
    with client.websocket_connect(WS, headers={"origin": "http://127.0.0.1:8000"}) as socket:
        configure(socket)  # the page's own origin is welcome


def test_too_many_messages_are_refused(client):
    with client.websocket_connect(WS) as socket:
        for _ in range(120):
            socket.send_text(json.dumps({"type": "pause"}))
        replies = [next_message(socket) for _ in range(120)]
        assert any("too many messages" in r.get("message", "") for r in replies)


def test_a_page_that_draws_nothing_gets_no_backlog(client):
    with client.websocket_connect(WS) as socket:
        configure(socket)  # (its first picture is acknowledged)
        socket.send_text(json.dumps({"type": "play", "batches": 1}))
        next_message(socket)  # "playing"
        first, second = (next_message(socket) for _ in range(2))
        assert first["type"] == second["type"] == "state"
        socket.send_text(json.dumps({"type": "pause"}))  # two pictures in flight: no third
        kinds = [next_message(socket)["type"] for _ in range(2)]
        assert kinds == ["state", "playing"]  # the last picture on pausing, then "paused"


def test_a_closed_page_ends_its_training_loop(client):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        socket.send_text(json.dumps({"type": "play", "batches": 5}))
        receive_until(socket, "state")
    # the connection closed while playing; the server goes on serving others
    with client.websocket_connect(WS) as socket:
        configure(socket)


def test_explanation_equals_glassnet_explain_and_the_finite_difference(client, tmp_path):
    with client.websocket_connect(WS) as socket:
        points, _ = configure(socket, l2=0.01)
        socket.send_text(json.dumps({"type": "play", "batches": 30}))
        receive_until(socket, "state")
        socket.send_text(json.dumps({"type": "pause"}))
        receive_until(socket, "playing")
        x1, x2, label = points["train"][3]
        weight = {"layer": "dense1", "row": 1, "col": 2}
        socket.send_text(json.dumps({"type": "explain", "point": [x1, x2], "label": label,
                                     "weight": weight}))  # fmt: skip
        explanation, _ = receive_until(socket, "explanation")
        socket.send_text(json.dumps({"type": "save"}))
        model, _ = receive_until(socket, "model")
    check = explanation["weight"]
    assert check["name"] == "W1[1, 2]" and check["relative_error"] < 1e-6  # explain's name

    path = tmp_path / "playground.npz"
    path.write_bytes(base64.b64decode(model["data"]))
    np.save(tmp_path / "point.npy", np.array([[x1, x2]]))
    np.save(tmp_path / "label.npy", np.array([label]))
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "explain", path, tmp_path / "point.npy", "--labels",
         tmp_path / "label.npy", "--lr", "0.1", "--l2", "0.01", "--format", "json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["steps"] == explanation["steps"]  # one source of truth


@pytest.mark.parametrize("extra", [{}, {"features": ["x1", "x2", "x1*x2"], "l1": 0.001}])
def test_saved_model_and_command_work_on_the_command_line(client, tmp_path, extra):
    with client.websocket_connect(WS) as socket:
        configure(socket, n_samples=300, batch_size=20, learning_rate=0.1, **extra)
        for _ in range(24):  # exactly two epochs: 240 training rows, batches of 20
            socket.send_text(json.dumps({"type": "step"}))
            receive_until(socket, "state")
        socket.send_text(json.dumps({"type": "save"}))
        model, _ = receive_until(socket, "model")
    assert model["epochs"] == 2 and "--epochs 2" in model["command"]
    saved = tmp_path / "playground.npz"
    saved.write_bytes(base64.b64decode(model["data"]))
    evaluated = subprocess.run([sys.executable, "-m", "glassnet", "evaluate", saved, "moons",
                                "--json"], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    command = shlex.split(model["command"])
    assert command[:3] == ["glassnet", "train", "moons"]
    trained = subprocess.run([sys.executable, "-m", "glassnet", *command[1:], "--quiet"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    reproduced, ours = glassnet.load(tmp_path / "model.npz"), glassnet.load(saved)
    for (name, a, _), (_, b, _) in zip(reproduced.parameters(), ours.parameters(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)  # the same run, bit for bit


def test_a_saved_model_loads_back_into_the_page(client):
    with client.websocket_connect(WS) as socket:
        configure(socket, hidden=[5, 3], activation="relu")
        socket.send_text(json.dumps({"type": "save"}))
        model, _ = receive_until(socket, "model")
        configure(socket, hidden=[2])
        socket.send_text(json.dumps({"type": "load", "data": model["data"]}))
        settings, _ = receive_until(socket, "settings")
        state, _ = receive_until(socket, "state")
    assert settings["settings"]["hidden"] == [5, 3] and settings["settings"]["activation"] == "relu"
    assert [len(w["b"]) for w in state["weights"]] == [5, 3, 2]


def test_custom_points_and_regression_surface():
    rng = np.random.default_rng(0)
    points = [[float(x), float(y), int(x > 0)] for x, y in rng.uniform(-4, 4, (40, 2))]
    session = Session(parse_settings({"dataset": "custom", "points": points, "hidden": [4]}))
    session.train_for(0.05, 200)
    assert session.stats()["test_accuracy"] >= 0.75
    assert "points_csv" in session.model_file()
    surface = Session(parse_settings({"dataset": "surface", "loss": "mse", "hidden": [8]}))
    picture = decode(surface.picture())
    assert "values" in picture["boundary"] and "test_r2" in picture["stats"]


def test_a_learning_rate_change_keeps_the_running_network(client):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        for _ in range(3):
            socket.send_text(json.dumps({"type": "step"}))
            before, _ = receive_until(socket, "state")
        retuned = {**SMALL, "learning_rate": 0.5, "batch_size": 20, "optimizer": "adam"}
        socket.send_text(json.dumps({"type": "configure", "settings": retuned}))
        note, seen = receive_until(socket, "note")
        assert "learning rate 0.1 -> 0.5" in note["message"] and "goes on" in note["message"]
        assert "points" not in [m["type"] for m in seen]  # no new run
        socket.send_text(json.dumps({"type": "step"}))
        after, _ = receive_until(socket, "state")
        assert after["stats"]["step"] == before["stats"]["step"] + 1  # the same run, one more
        assert after["stats"]["epoch"] == pytest.approx((3 * 10 + 20) / 160)
        socket.send_text(json.dumps({"type": "save"}))
        model, _ = receive_until(socket, "model")
        assert "--lr 0.5" in model["command"] and "settings changed" in model["note"]
        socket.send_text(json.dumps({"type": "configure", "settings": {**retuned, "hidden": [3]}}))
        _, seen = receive_until(socket, "note")
        kinds = [m["type"] for m in seen]
        assert "points" in kinds and "a new run starts at epoch 0" in seen[-1]["message"]


def test_settings_change_during_play_keeps_playing(client):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        socket.send_text(json.dumps({"type": "play", "batches": 5}))
        receive_until(socket, "playing")
        first, _ = receive_until(socket, "state")
        socket.send_text(json.dumps({"type": "configure",
                                     "settings": {**SMALL, "learning_rate": 0.05}}))  # fmt: skip
        receive_until(socket, "note")
        later, _ = receive_until(socket, "state")
        later, _ = receive_until(socket, "state")
        socket.send_text(json.dumps({"type": "pause"}))
        assert later["stats"]["step"] > first["stats"]["step"]  # still the same run, playing


def test_a_picture_is_compact_and_holds_the_runs_numbers():
    session = Session(parse_settings({"hidden": [16] * 6}))
    session.train_for(0.05, 20)
    data = session.picture()
    assert len(data) < 100_000  # as JSON it was 450 KB
    picture = decode(data)
    for entry, layer in zip(picture["weights"], session.dense_layers(), strict=True):
        np.testing.assert_array_equal(entry["W"], layer.params["W"])  # float32 as trained
        np.testing.assert_array_equal(entry["dW"], layer.grads["W"])
    record: dict = {}
    session.network.forward(session._grid["inputs"], record=record)
    tanh = record["tanh3"]["output"].reshape(48, 48, -1)[::2, ::2].reshape(576, -1).T
    maps = picture["neurons"][2]["maps"]
    scale = np.abs(tanh).max(axis=1, keepdims=True)
    assert maps.shape == (16, 576) and np.all(np.abs(maps - tanh) <= scale / 254 + 1e-7)
    proba = session.network.output_to_proba(session.network.forward(session._grid["inputs"]))
    np.testing.assert_array_equal(picture["boundary"]["classes"], proba.argmax(axis=1))
    assert np.all(np.abs(picture["boundary"]["confidence"] - proba.max(axis=1)) <= 1 / 510 + 1e-7)
    assert picture["stats"]["dead_units"] == [] and picture["stats"]["diverged"] is None
