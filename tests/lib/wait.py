"""Polling until a condition holds, with a deadline."""

import time


def poll(check, timeout, every):
    """The first truthy value of check(), tried every `every` s; None after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return None


def wait_until(what, check, timeout=30, every=0.05):
    """poll(), raising RuntimeError naming `what` when the deadline passes."""
    value = poll(check, timeout, every)
    if value is None:
        raise RuntimeError(f"timed out waiting for {what}")
    return value
