#!/usr/bin/env python3
"""Runs every test tier of Vireo and closes with one line: 'TOTAL: N passed, M failed'.

Tiers: formatting, clippy, the UI linter and type check, Vitest, cargo test (unit and
integration against the real libvirtd), the release build, and the end-to-end tests in the
real window (tauri-driver + WebKitWebDriver under Xvfb, which this script starts when there is
no display). A tier that fails does not stop the others, except where one needs another's
output (the end-to-end tests need the built app).
"""

import os
import re
import shutil
import subprocess
import sys
import time

# tests/ is the import root of the shared code (lib/); as this script's directory it is on sys.path.
from lib.xvfb import start_xvfb

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = []  # (tier, passed, failed, seconds)


def run(cmd, cwd=TOP, env=None):
    """Runs cmd, echoing its output; returns (exit code, output)."""
    print(f"\n\033[1m$ {' '.join(cmd)}\033[0m", flush=True)
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = []
    for line in proc.stdout:
        sys.stdout.write(line)
        out.append(line)
    return proc.wait(), "".join(out)


def tier(name, cmd, parse=None, cwd=TOP, env=None):
    """One tier. `parse` turns output into (passed, failed); without it the tier is one check."""
    start = time.monotonic()
    code, out = run(cmd, cwd=cwd, env=env)
    if parse:
        passed, failed = parse(out)
        if code != 0 and failed == 0:
            failed = 1  # crashed before reporting: count it
        if code == 0 and passed == 0:
            failed += 1  # a tier that ran nothing is a failure, not a pass
    else:
        passed, failed = (1, 0) if code == 0 else (0, 1)
    RESULTS.append((name, passed, failed, time.monotonic() - start))
    return code == 0


def parse_cargo(out):
    passed = sum(int(m) for m in re.findall(r"test result: \w+\. (\d+) passed", out))
    failed = sum(int(m) for m in re.findall(r"test result: \w+\. \d+ passed; (\d+) failed", out))
    return passed, failed


def parse_vitest(out):
    clean = re.sub(r"\x1b\[[0-9;]*m", "", out)
    m = re.search(r"^\s*Tests\s+(.*)$", clean, re.M)
    if not m:
        return 0, 0
    passed = re.search(r"(\d+) passed", m.group(1))
    failed = re.search(r"(\d+) failed", m.group(1))
    return int(passed.group(1)) if passed else 0, int(failed.group(1)) if failed else 0


def parse_pytest(out):
    clean = re.sub(r"\x1b\[[0-9;]*m", "", out)
    lines = [line for line in clean.splitlines() if re.match(r"^=+ .* in [\d.]+s", line)]
    if not lines:
        return 0, 0
    last = lines[-1]
    passed = re.search(r"(\d+) passed", last)
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|error)", last))
    return int(passed.group(1)) if passed else 0, failed


def main():
    cargo_env = dict(os.environ, CARGO_TERM_COLOR="never")
    ui = os.path.join(TOP, "ui")
    # clippy checks the Tauri crate, whose context macro embeds ui/dist: build the UI first.
    ui_ok = tier("ui build", ["npm", "run", "--silent", "build"], cwd=ui)
    tier("cargo fmt", ["cargo", "fmt", "--all", "--", "--check"])
    if ui_ok:
        tier(
            "cargo clippy",
            ["cargo", "clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"],
            env=cargo_env,
        )
    tier("ui lint", ["npm", "run", "--silent", "lint"], cwd=ui)
    ruff = os.path.join(TOP, "target", "e2e-venv", "bin", "ruff")
    tier("python lint", [ruff, "check", "tests"])
    tier("ui typecheck", ["npm", "run", "--silent", "typecheck"], cwd=ui)
    tier("vitest", ["npx", "vitest", "run", "--reporter=default"], parse_vitest, cwd=ui)
    tier("cargo test", ["cargo", "test", "--workspace", "--exclude", "vireo-app"], parse_cargo,
         env=cargo_env)
    app_ok = ui_ok and tier(
        "app build",
        ["cargo", "build", "--release", "-p", "vireo-app", "--features", "custom-protocol"],
        env=cargo_env,
    )
    if app_ok:
        xvfb, display = start_xvfb()
        try:
            env = dict(os.environ, DISPLAY=display)
            cargo_bin = os.path.expanduser("~/.cargo/bin")
            env["PATH"] = env.get("PATH", "") + os.pathsep + cargo_bin
            py = os.path.join(TOP, "target", "e2e-venv", "bin", "python")
            tier("e2e", [py, "-m", "pytest", "-v", "tests/e2e"], parse_pytest, env=env)
        finally:
            if xvfb:
                xvfb.terminate()
    else:
        RESULTS.append(("e2e (app did not build)", 0, 1, 0.0))

    width = max(len(r[0]) for r in RESULTS)
    print("\nSummary")
    for name, passed, failed, secs in RESULTS:
        mark = "ok  " if failed == 0 else "FAIL"
        print(f"  {mark} {name:{width}}  {passed:4d} passed {failed:3d} failed  {secs:6.1f}s")
    total_p = sum(r[1] for r in RESULTS)
    total_f = sum(r[2] for r in RESULTS)
    print(f"TOTAL: {total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    if shutil.which("cargo") is None:
        sys.exit("cargo not found: run scripts/setup.sh test first")
    sys.exit(main())
