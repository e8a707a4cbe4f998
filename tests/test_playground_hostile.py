"""The playground against hostile pages and messages: every bad message gets an error and the
connection goes on, uploads are held to the page's limits, replies are strict JSON, and only the
host names the server serves are answered."""

import base64
import json
import math
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse

import glassnet
from glassnet.io import archive_bytes, model_contents
from glassnet.playground import server
from glassnet.playground.picture import decode
from glassnet.playground.server import as_json, create_app, served_hosts
from glassnet.playground.session import Session

SMALL = {"dataset": "moons", "n_samples": 200, "hidden": [6], "seed": 1}
LOCAL = "http://127.0.0.1:8000"
WS = "ws://127.0.0.1:8000/ws"


@pytest.fixture()
def client():
    with TestClient(create_app(), base_url=LOCAL) as test_client:
        yield test_client



def next_message(socket) -> dict:
    """The next message: JSON text, or a picture (binary, decoded as the page decodes it)."""
    raw = socket.receive()
    if raw.get("bytes") is not None:
        return decode(raw["bytes"])
    return json.loads(raw["text"])

def receive(socket, kind):
    """Messages up to the first of ``kind`` (acknowledging pictures as the page does)."""
    while True:
        message = next_message(socket)  # strict JSON: no Infinity or NaN tokens
        if message["type"] == "state":
            socket.send_text('{"type":"drawn"}')
        if message["type"] == kind:
            return message
        assert message["type"] != "error", message


def configure(socket):
    socket.send_text(json.dumps({"type": "configure", "settings": SMALL}))
    return receive(socket, "state")


def upload(header: dict, arrays: dict) -> str:
    data = base64.b64encode(archive_bytes(header, arrays)).decode()
    return json.dumps({"type": "load", "data": data})


def two_eight_two():
    return model_contents(glassnet.mlp([2, 8, 2], seed=0), Path("m.npz"))


def with_layers(layers):
    header, arrays = two_eight_two()
    return {**header, "layers": layers}, arrays


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[" * 100_000, "must be JSON"),  # 100 KB of nesting
        ('{"type": "configure", "settings": ' + "[" * 5000 + "]" * 5000 + "}", "must be JSON"),
        ('{"type": "play", "batches": ' + "9" * 5000 + "}", "must be JSON"),  # 5,000 digits
        (json.dumps({"type": "explain", "point": [3e38, 3e38]}), "|x| <= 1000"),
        (json.dumps({"type": "explain", "point": [0, 0], "label": 1e300}), "|label| <= 1000"),
        (json.dumps({"type": "configure", "settings": {"seed": True}}), "whole number"),
    ],
)
def test_a_bad_message_gets_an_error_and_the_connection_goes_on(client, text, error):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        socket.send_text(text)
        reply = next_message(socket)
        assert reply["type"] == "error" and error in reply["message"], reply
        socket.send_text(json.dumps({"type": "step"}))
        assert receive(socket, "state")["stats"]["step"] == 1


def big_dense():
    header, arrays = two_eight_two()
    first, activation, last = header["layers"]
    layers = [{**first, "fan_out": 50_000_000}, activation, {**last, "fan_in": 50_000_000}]
    return {**header, "layers": layers}, arrays


def identities(count):
    header, arrays = two_eight_two()
    first, _, last = header["layers"]
    return {**header, "layers": [first, *[{"type": "Identity"}] * count, last]}, arrays


def deep():
    return model_contents(glassnet.mlp([2] + [4] * 9 + [2], seed=0), Path("m.npz"))


def wide():
    return model_contents(glassnet.mlp([2, 64, 2], seed=0), Path("m.npz"))


def with_rng():
    header, arrays = two_eight_two()
    first, *rest = header["layers"]
    return {**header, "layers": [{**first, "rng": True}, *rest]}, arrays


def two_activations():
    header, arrays = two_eight_two()
    first, activation, last = header["layers"]
    return {**header, "layers": [first, activation, {"type": "Tanh"}, last]}, arrays


@pytest.mark.parametrize(
    ("model", "error"),
    [
        (big_dense, "declare 250,000,002 parameters, but its arrays hold 42"),
        (lambda: identities(2000), "at most 6 hidden layers (17 bricks); the uploaded model has "
                                   "2,002 bricks"),
        (deep, "at most 6 hidden layers"),
        (wide, "1 to 16 neurons; got 64"),
        (with_rng, "has a field 'rng'"),
        (two_activations, "each followed by one activation; tanh"),
    ],
)  # fmt: skip
def test_an_upload_is_held_to_the_pages_limits(client, model, error):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        started = time.perf_counter()
        socket.send_text(upload(*model()))
        reply = next_message(socket)
        assert reply["type"] == "error" and error in reply["message"], reply
        assert time.perf_counter() - started < 2  # refused from the header, nothing built
        socket.send_text(json.dumps({"type": "step"}))
        assert receive(socket, "state")["stats"]["step"] == 1


def test_an_upload_is_read_off_the_event_loop(client, monkeypatch):
    def slow_read(data):
        time.sleep(1.5)
        return glassnet.mlp([2, 3, 2], seed=0)

    monkeypatch.setattr(Session, "read_model", staticmethod(slow_read))
    with client.websocket_connect(WS) as uploader, client.websocket_connect(WS) as other:
        configure(uploader)
        configure(other)
        uploader.send_text(json.dumps({"type": "load", "data": ""}))
        time.sleep(0.2)  # the upload is being read
        started = time.perf_counter()
        other.send_text(json.dumps({"type": "step"}))
        receive(other, "state")
        assert time.perf_counter() - started < 1.0  # the other page was not kept waiting
        assert [len(w["b"]) for w in receive(uploader, "state")["weights"]] == [3, 2]


def test_the_drawn_acknowledgement_is_read_as_json(client):
    with client.websocket_connect(WS) as socket:
        configure(socket)
        socket.send_text(json.dumps({"type": "play", "batches": 1}))
        next_message(socket)  # "playing"
        for _ in range(3):  # with two pictures in flight, a third comes only once one is drawn
            assert next_message(socket)["type"] == "state"
            socket.send_text('{ "type" : "drawn" }')
        socket.send_text(json.dumps({"type": "pause"}))


def test_replies_are_strict_json():
    message = {"type": "state", "loss": math.inf, "curve": [[1.0, math.nan]], "ok": 2.5}
    assert json.loads(as_json(message)) == {"type": "state", "loss": None, "curve": [[1.0, None]],
                                            "ok": 2.5}  # fmt: skip


def test_a_rebinding_page_is_refused(client):
    rebinding = TestClient(create_app(), base_url="http://evil.example:8000")
    assert rebinding.get("/").status_code == 400
    origin = {"origin": "http://evil.example:8000"}  # evil.example resolved to 127.0.0.1
    with pytest.raises(WebSocketDenialResponse) as refused:
        with rebinding.websocket_connect("ws://evil.example:8000/ws", headers=origin):
            pass
    assert refused.value.status_code == 400
    for host in ("http://localhost:8000", "http://[::1]:8000", LOCAL):
        assert TestClient(create_app(), base_url=host).get("/").status_code == 200, host


def test_the_served_host_names():
    assert served_hosts("127.0.0.1") == ["127.0.0.1", "[::1]", "localhost"]
    assert "lab.example" in served_hosts("127.0.0.1", ("lab.example",))
    assert "192.168.1.5" in served_hosts("192.168.1.5")
    import socket

    assert socket.gethostname().lower() in served_hosts("0.0.0.0")
    app = create_app(served_hosts("127.0.0.1", ("lab.example",)))
    assert TestClient(app, base_url="http://lab.example:8000").get("/").status_code == 200


def test_many_refused_uploads_leave_no_memory_behind(client):
    import resource

    header, arrays = identities(2000)
    text = upload(header, arrays)
    with client.websocket_connect(WS) as socket:
        configure(socket)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(20):
            socket.send_text(text)
            assert next_message(socket)["type"] == "error"
            time.sleep(1 / server.MESSAGES_PER_SECOND)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 100_000  # KiB: a refused upload builds nothing
