"""``glassnet playground``: the browser page where a network learns live."""

from __future__ import annotations

import argparse


def command_playground(args: argparse.Namespace) -> int:
    """``glassnet playground``: serve the playground page on the chosen host and port until
    interrupted."""
    from glassnet.playground import serve

    if not 0 < args.port < 65536:
        raise ValueError(f"--port must be between 1 and 65535, got {args.port}")
    serve(args.host, args.port, open_browser=args.open, allowed_hosts=tuple(args.allow_host))
    return 0
