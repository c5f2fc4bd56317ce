"""A free TCP port on loopback, and a port where nothing listens."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that is free now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


closed_port = free_port
"""A loopback port nobody listens on (a Neo4j that is down)."""
