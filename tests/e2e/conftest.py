"""End-to-end fixtures: the built Vireo app in a real window, driven through tauri-driver
(lib/app.py). The display comes from the caller (tests/run_all.py starts Xvfb when there is
none)."""

import os
import sys

import pytest

# tests/ is the import root of the shared code (lib/): pytest puts only tests/e2e on sys.path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lib.app import open_app, running_tauri_driver  # noqa: E402
from lib.paths import ARTIFACTS  # noqa: E402


@pytest.fixture(scope="session")
def artifacts():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def tauri_driver():
    with running_tauri_driver() as url:
        yield url


@pytest.fixture
def app(tauri_driver):
    """A fresh Vireo window per test."""
    with open_app(tauri_driver) as driver:
        yield driver
