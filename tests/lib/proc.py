"""Ending the processes the tests and benchmarks start."""

import subprocess


def stop(proc, timeout=10):
    """Asks `proc` to end (SIGTERM), and kills it if it has not after `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
