"""Code shared by the test runner (run_all.py), the end-to-end tests (e2e/) and the benchmarks
(bench/): paths of the built binaries, Xvfb, waiting, virsh and the test guest, the app driven
through tauri-driver.

Imports: tests/ is the import root, so this package is `lib` and the benchmarks are `bench`.
run_all.py gets tests/ on sys.path as its script directory, e2e/conftest.py puts it there for
pytest, and `make bench` sets PYTHONPATH. The submodules import nothing from outside the
standard library except lib.app (selenium), so the runner can use lib.xvfb with the system
Python.
"""
