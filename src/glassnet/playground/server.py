"""The playground's web server: one page, its assets, and a WebSocket per learner.

Protocol. The page sends JSON text messages ``{"type": ...}``; the server answers with JSON
text, except for pictures (``state``), which are binary: a JSON header and typed arrays (see
:mod:`glassnet.playground.picture`, about 70 KB for the largest network).

``configure`` ``{"settings": {...}}``
    build a new run (see :class:`~glassnet.playground.session.Settings`); answered with
    ``points`` (the data) and ``state`` (the first picture). When only the learning rate, L2,
    L1, batch size or optimizer changed, the running network takes them instead (playing goes
    on): answered with ``settings`` and a ``note`` saying what changed. A new run after a first
    one also gets a ``note``.
``play`` ``{"batches": n}`` / ``pause``
    train continuously, sending a ``state`` after every ``n`` mini-batches (1 to 5000, default
    10; at most 0.2 s of training per picture), or stop. A ``play`` while playing changes ``n``.
    When the guard against divergence stops the run, its picture carries the guard's message
    (``stats.diverged``) and playing stops.
``step``
    train exactly one mini-batch; answered with ``state``.
``reset``
    the same settings, fresh weights.
``explain`` ``{"point": [x1, x2], "label": k, "weight": {"layer": "dense1", "row": i, "col": j}}``
    ``glassnet explain``'s walkthrough of one step on that point (``weight`` optional, or
    ``{"layer": ..., "bias": true, "col": j}``); answered with ``explanation``.
``save``
    answered with ``model``: the model file (base64), its name, and the ``glassnet train``
    command that reproduces the run.
``load`` ``{"data": base64}``
    replace the network by a saved 2-D model.

``drawn``
    the page drew a ``state``; while playing, the server keeps at most two pictures in flight,
    so a slow page gets fewer pictures (and its run trains less), never a growing backlog.

Only requests for the host names the server serves are answered (127.0.0.1, localhost, [::1],
the address it listens on and any named with ``allowed_hosts``), so a page that rebinds its own
name to this computer's address is refused; a WebSocket from a page of another origin is refused.
Every message is checked (type, fields, ranges, size, rate); a bad one gets
``{"type": "error", "message": ...}`` and the connection goes on. Every reply is valid JSON (a
number that overflowed is sent as ``null``). Training runs in a worker
thread, one loop per connection, ended when the connection closes; a slow browser only slows
its own connection.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from glassnet._checks import is_finite_real, is_whole
from glassnet.layers import HIDDEN_ACTIVATIONS
from glassnet.network import Network
from glassnet.playground.picture import as_json
from glassnet.playground.session import Session
from glassnet.playground.settings import Settings, SettingsError, parse_settings

STATIC = Path(__file__).with_name("static")
MAX_MESSAGE_BYTES = 2_000_000
MESSAGES_PER_SECOND = 40
TRAIN_SECONDS_PER_PICTURE = 0.2
MAX_BATCHES_PER_PICTURE = 5000
MIN_SECONDS_BETWEEN_PICTURES = 1 / 30
#: The farthest point "explain" takes (the plane's data lie within +-10).
MAX_COORDINATE = 1000.0
#: The host names a local server answers to, whatever address it listens on.
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class _RateLimit:
    """A token bucket: ``rate`` messages a second, bursts of twice that."""

    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.last = rate, 2 * rate, time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(2 * self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Connection:
    """One page's run: its session, whether it plays, and the loop that trains it."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.session: Session | None = None
        self.playing = False
        self.batches = 10
        self.in_flight = 0  # pictures sent that the page has not said it drew
        self.last_picture = 0.0
        self.lock = asyncio.Lock()  # one change to the session at a time
        self.limit = _RateLimit(MESSAGES_PER_SECOND)

    async def send(self, message: dict) -> None:
        """Send one JSON message to the page (strict JSON: a non-finite number goes as null)."""
        await self.websocket.send_text(as_json(message))

    async def send_picture(self, session: Session, *, paced: bool = False) -> None:
        """The run's picture, a binary message (see :mod:`glassnet.playground.picture`); with
        ``paced``, not sooner than :data:`MIN_SECONDS_BETWEEN_PICTURES` after the last one (the
        next batches train meanwhile, not after the wait)."""
        picture = await asyncio.to_thread(session.picture)
        if paced:
            wait = self.last_picture + MIN_SECONDS_BETWEEN_PICTURES - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self.in_flight += 1
        self.last_picture = time.monotonic()
        await self.websocket.send_bytes(picture)

    async def error(self, message: str) -> None:
        """Send ``{"type": "error", "message": ...}``; the connection goes on."""
        await self.send({"type": "error", "message": message})

    async def train_loop(self) -> None:
        """While playing: train for a moment in a worker thread, then send the picture."""
        while True:
            if not (self.playing and self.session is not None) or self.in_flight >= 2:
                await asyncio.sleep(0.004)  # paused, or the page has not drawn what it has
                continue
            async with self.lock:
                if not self.playing:  # paused while this loop waited for the lock
                    continue
                session = self.session
                await asyncio.to_thread(session.train_for, TRAIN_SECONDS_PER_PICTURE, self.batches)
                await self.send_picture(session, paced=True)
                if session.diverged is not None:  # the guard stopped the run: its picture says why
                    self.playing = False
                    await self.send({"type": "playing", "playing": False})
            await asyncio.sleep(0)  # let the messages from the page in

    async def handle(self, text: str) -> None:
        """Check one text message from the page and pass it to its ``on_<type>`` handler; a bad
        one gets an error message, never a traceback."""
        if len(text) > MAX_MESSAGE_BYTES:
            return await self.error(f"message too large (over {MAX_MESSAGE_BYTES:,} bytes)")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, a 5,000-digit number, deep nesting
            return await self.error("a message must be JSON (with numbers and nesting in reason)")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.error('a message must be an object with a "type"')
        if message["type"] == "drawn":  # the page drew a picture: one fewer in flight
            self.in_flight = max(0, self.in_flight - 1)
            return None
        if not self.limit.allow():
            return await self.error("too many messages: slow down")
        handler = getattr(self, f"on_{message['type']}", None)
        if handler is None:
            return await self.error(f"unknown message type {message['type']!r}")
        try:
            await handler(message)
        except SettingsError as problem:
            await self.error(str(problem))
        except (ValueError, TypeError, ArithmeticError, RecursionError) as problem:
            await self.error(f"{type(problem).__name__}: {problem}")  # named, never a traceback
        except MemoryError:
            await self.error("that needs more memory than the server has")

    def _need_session(self) -> Session:
        if self.session is None:
            raise SettingsError("no run yet: send configure first")
        return self.session

    async def _start(self, settings: Settings, network: Network | None = None) -> None:
        """Stop playing and begin a new run; send its settings, points and first picture."""
        async with self.lock:
            self.playing = False
            session = await asyncio.to_thread(Session, settings, network)
            self.session = session
            await self.send({"type": "playing", "playing": False})
            await self.send({"type": "settings", "settings": vars(session.settings)})
            await self.send(session.points())
            await self.send_picture(session)

    async def on_configure(self, message: dict) -> None:
        """Retune the running network, or start a new run, with the settings sent."""
        settings = parse_settings(message.get("settings", {}))
        session = self.session
        if session is not None and session.can_retune(settings):
            async with self.lock:  # between two pictures: the running network, retuned
                note = session.retune(settings)
            await self.send({"type": "settings", "settings": vars(session.settings)})
            return await self.send({"type": "note", "message": note})
        await self._start(settings)
        if session is not None:
            await self.send({"type": "note", "message": "the data or the network's shape "
                             "changed: a new run starts at epoch 0"})  # fmt: skip

    async def on_reset(self, message: dict) -> None:
        """Start the same settings again with fresh weights."""
        await self._start(self._need_session().settings)

    async def on_play(self, message: dict) -> None:
        """Train continuously, a picture every ``batches`` steps."""
        self._need_session()
        batches = message.get("batches", self.batches)
        if not is_whole(batches):
            raise SettingsError("batches must be a whole number")
        if not 1 <= batches <= MAX_BATCHES_PER_PICTURE:
            raise SettingsError(f"batches must be between 1 and {MAX_BATCHES_PER_PICTURE}")
        self.batches = batches
        self.playing = True
        await self.send({"type": "playing", "playing": True})

    async def on_pause(self, message: dict) -> None:
        """Stop training after the picture in flight, then send the last picture."""
        self.playing = False
        async with self.lock:  # after the picture in flight: the last picture, then "paused"
            if self.session is not None:
                await self.send_picture(self.session)
            await self.send({"type": "playing", "playing": False})

    async def on_step(self, message: dict) -> None:
        """Train exactly one mini-batch and send its picture."""
        session = self._need_session()
        self.playing = False
        async with self.lock:
            await asyncio.to_thread(session.train_one_batch)
            await self.send_picture(session)
            await self.send({"type": "playing", "playing": False})

    async def on_explain(self, message: dict) -> None:
        """Explain one step on the point sent (and a weight's finite difference)."""
        session = self._need_session()
        point, label = message.get("point"), message.get("label", 0)
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(is_finite_real(v) and abs(v) <= MAX_COORDINATE for v in point)
        ):
            raise SettingsError(f"point must be [x1, x2] with |x| <= {MAX_COORDINATE:g}")
        if not (is_finite_real(label) and abs(label) <= MAX_COORDINATE):
            raise SettingsError(f"label must be a number with |label| <= {MAX_COORDINATE:g}")
        weight = message.get("weight")
        if weight is not None and not isinstance(weight, dict):
            raise SettingsError("weight must be an object")
        async with self.lock:
            explanation = await asyncio.to_thread(session.explain, point, label, weight)
        await self.send(explanation)

    async def on_save(self, message: dict) -> None:
        """Send the run as a model file and the command that reproduces it."""
        session = self._need_session()
        async with self.lock:
            result = await asyncio.to_thread(session.model_file)
        result["data"] = base64.b64encode(result["data"]).decode("ascii")
        await self.send(result)

    async def on_load(self, message: dict) -> None:
        """Replace the run's network with an uploaded model file, checked first."""
        session = self._need_session()
        try:
            data = base64.b64decode(str(message.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            raise SettingsError("data must be the model file in base64") from None
        network = await asyncio.to_thread(Session.read_model, data)  # other pages go on
        await self._start(session.settings_for(network), network)


async def _page(request):
    """The page, its activation choices filled in from glassnet's bricks."""
    options = "".join(f"<option>{name}</option>" for name in HIDDEN_ACTIVATIONS)
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace(_ACTIVATION_CHOICES, options)
    return HTMLResponse(page)


_ACTIVATION_CHOICES = "<!-- activations: the server lists glassnet's hidden activations here -->"


async def _no_icon(request):
    return Response(status_code=204)


async def _socket(websocket: WebSocket) -> None:
    origin = websocket.headers.get("origin")
    if origin is not None and urlparse(origin).netloc != websocket.headers.get("host"):
        # another web site's page trying to drive this server from the learner's browser
        await websocket.close(code=1008)
        return
    await websocket.accept()
    connection = Connection(websocket)
    trainer = asyncio.create_task(connection.train_loop())
    try:
        while True:
            await connection.handle(await websocket.receive_text())
    except (WebSocketDisconnect, RuntimeError):  # the page closed or went away
        pass
    finally:
        trainer.cancel()
        try:
            await trainer
        except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            pass


def served_hosts(host: str, allowed_hosts: Iterable[str] = ()) -> list[str]:
    """The host names a server listening on ``host`` answers to: the loopback names, ``host``
    itself, and for a wildcard address (``0.0.0.0``, ``::``) this computer's name and addresses."""
    names = [*LOOPBACK, host, *allowed_hosts]
    if host in ("0.0.0.0", "::", ""):
        name = socket.gethostname()
        names += [name, socket.getfqdn()]
        try:
            names += [info[4][0] for info in socket.getaddrinfo(name, None)]
        except OSError:  # a name that does not resolve: only the names above
            pass
    return sorted({name.lower() for name in names if name and name not in ("0.0.0.0", "::")})


def create_app(hosts: Iterable[str] = LOOPBACK) -> Starlette:
    """The ASGI application: ``/`` (the page), ``/static/...`` (its assets), ``/ws``; requests
    for other host names than ``hosts`` get 400 (see :func:`served_hosts`)."""
    hosts = [f"[{name}]" if ":" in name and not name.startswith("[") else name for name in hosts]
    return Starlette(
        routes=[
            Route("/", _page),
            Route("/favicon.ico", _no_icon),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            WebSocketRoute("/ws", _socket),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)],
    )
