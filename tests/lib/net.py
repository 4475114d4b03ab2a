"""Local TCP ports."""

import socket


def free_port():
    """A port nothing listens on at 127.0.0.1 (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
