"""Vireo's benchmarks (`make bench`): run them all with `python -m bench`, or one part with
`python -m bench.paint` or `python -m bench.console`, tests/ on PYTHONPATH (see lib/__init__.py),
under target/e2e-venv's Python.

Modules: app (the app's start-up, memory, CPU and list figures), paint (WebKit's paint
ceiling), console (the console against noVNC and gvncviewer) with its parts: guest (the
flooding test guest), clients (one adapter per console client), cdp (Chromium's DevTools),
xlib (X11: pixels, keys, damage, windows); procfs (/proc readings) and stats (medians,
percentiles, formatting) serve all three.
"""
