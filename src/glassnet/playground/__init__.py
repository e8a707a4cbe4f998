"""The playground: watch a network learn in the browser, driven by glassnet itself.

``glassnet playground`` (or :func:`serve`) starts a local web server with one page; the page
talks to :mod:`glassnet.playground.server` over a WebSocket, and every number it shows comes
from a :class:`~glassnet.playground.session.Session` running the real library. Needs the
``playground`` extra: ``pip install 'glassnet[playground]'``.
"""

from __future__ import annotations


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    open_browser: bool = False,
    allowed_hosts: tuple[str, ...] = (),
) -> None:
    """Serve the playground until Ctrl-C.

    It answers requests for the loopback names, ``host``, and ``allowed_hosts`` (the names other
    computers use to reach it, when ``host`` is not the loopback address) only.
    """
    try:
        import uvicorn

        from glassnet.playground.server import create_app, served_hosts
    except ImportError:
        raise ImportError(
            "the playground needs its extra: pip install 'glassnet[playground]'"
        ) from None
    url = f"http://{host}:{port}/"
    where = (
        "only this computer can reach it"
        if host in ("127.0.0.1", "localhost")
        else ("other computers on the network can reach it")
    )
    print(f"glassnet playground on {url} ({where}); Ctrl-C stops it", flush=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    app = create_app(served_hosts(host, allowed_hosts))
    uvicorn.run(app, host=host, port=port, log_level="warning")


#: The playgrounds started by :func:`show` in this process, by port.
_RUNNING: dict[int, object] = {}


def show(port: int = 8765, *, width: int = 1100, height: int = 900):
    """The playground inside a notebook: start its server on 127.0.0.1 in a background thread
    (once per port) and return an IFrame showing it (displayed when it ends a cell)."""
    import threading
    import time

    try:
        import uvicorn
        from IPython.display import IFrame

        from glassnet.playground.server import create_app, served_hosts
    except ImportError:
        raise ImportError(
            "the playground in a notebook needs its extras: pip install 'glassnet[playground,"
            "notebook]'"
        ) from None
    if port not in _RUNNING:
        config = uvicorn.Config(create_app(served_hosts("127.0.0.1")), host="127.0.0.1",
                                port=port, log_level="warning")  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"glassnet-playground-{port}",
                                  daemon=True)  # fmt: skip
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise OSError(f"the playground could not start on 127.0.0.1:{port} (in use?)")
            time.sleep(0.05)
        _RUNNING[port] = server
    return IFrame(f"http://127.0.0.1:{port}/", width=width, height=height)


def stop(port: int = 8765) -> None:
    """Stop a playground :func:`show` started."""
    server = _RUNNING.pop(port, None)
    if server is not None:
        server.should_exit = True
