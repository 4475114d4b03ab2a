#!/usr/bin/env bash
# Installs what Vireo needs and starts libvirt's daemons. Idempotent and quick when all is
# already there. Usage: scripts/setup.sh run|test|bench (bench: test + the console benchmark's rivals)
set -euo pipefail
mode=${1:-run}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  die "not root and no sudo: install sudo or run as root"
fi

# --- Debian/Ubuntu packages -------------------------------------------------------------
run_pkgs=(
  qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients libvirt-dev
  ovmf swtpm swtpm-tools osinfo-db
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev librsvg2-dev
)
test_pkgs=(xvfb xauth x11-utils x11-apps xdotool webkit2gtk-driver python3-venv libxml2-utils openssh-server)
# The bootable test guest's build tools (tests/fixtures/build-test-guest.sh lists them).
test_pkgs+=($(sed -n 's/^REQUIRED_TOOLS_PACKAGES="\(.*\)"/\1/p' tests/fixtures/build-test-guest.sh))
# `make bench` compares Vireo's console with noVNC (websockify, Chromium) and gtk-vnc's viewer,
# and its VM page with virt-manager's details window.
bench_pkgs=(chromium websockify novnc gvncviewer socat virt-manager virtinst)
pkgs=("${run_pkgs[@]}")
case "$mode" in
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
esac

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
  pkgs+=(nodejs npm)
fi

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing_pkgs() { for p in "${pkgs[@]}"; do pkg_installed "$p" || echo "$p"; done; }
apt_install() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if command -v dpkg-query >/dev/null; then
  mapfile -t missing < <(missing_pkgs)
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing packages: ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    # qemu-utils must match qemu-system's version: a newer one (a backport) is replaced by the
    # distribution's, in the same transaction, instead of being removed as conflicting.
    extra=()
    if [[ " ${missing[*]} " == *" qemu-system-x86 "* ]] && pkg_installed qemu-utils; then
      want=$(apt-cache policy qemu-system-x86 | sed -n 's/^  Candidate: //p')
      have=$(dpkg-query -W -f='${Version}' qemu-utils)
      if [ -n "$want" ] && [ "$want" != "(none)" ] && [ "$have" != "$want" ]; then
        say "qemu-utils $have does not match qemu-system-x86 $want: installing qemu-utils $want"
        extra=(--allow-downgrades "qemu-utils=$want")
      fi
    fi
    apt_install "${extra[@]}" "${missing[@]}"
    # Check again: an install can remove a package it conflicts with.
    mapfile -t missing < <(missing_pkgs)
    if [ ${#missing[@]} -gt 0 ]; then
      say "Installing packages that went missing: ${missing[*]}"
      apt_install "${missing[@]}" || true
      mapfile -t missing < <(missing_pkgs)
      [ ${#missing[@]} -eq 0 ] || die "these packages could not be installed: ${missing[*]} (try: sudo apt-get install ${missing[*]})"
    fi
  fi
else
  say "Not a Debian/Ubuntu system: install the equivalents of: ${pkgs[*]}"
fi

# The commands themselves, whatever installed them.
need_cmds=(qemu-img qemu-system-x86_64 virsh libvirtd virtlogd node npm pkg-config)
case "$mode" in
  test|bench) need_cmds+=(Xvfb xauth xdotool WebKitWebDriver xmllint virt-xml-validate sshd grub-mkimage mke2fs sfdisk cpio xorriso) ;;
esac
[ "$mode" != bench ] || need_cmds+=(chromium websockify gvncviewer socat virt-manager virt-clone)
absent=()
for c in "${need_cmds[@]}"; do
  command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || absent+=("$c")
done
[ ${#absent[@]} -eq 0 ] || die "missing after installing: ${absent[*]}"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 18 ] || die "Node.js 18 or newer is needed (found $(node --version 2>/dev/null || echo none))"

command -v cargo >/dev/null || die "Rust is missing. Install it with rustup (https://rustup.rs), then run make again."
# rust-toolchain.toml pins a version. Where rustup has it installed as "stable" but not by
# its number, link it under the number instead of letting rustup try to download it.
PINNED=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if command -v rustup >/dev/null && ! rustup toolchain list | grep -q "^$PINNED"; then
  if [ "$(rustc +stable --version 2>/dev/null | cut -d' ' -f2)" = "$PINNED" ]; then
    rustup toolchain link "$PINNED" "$(rustc +stable --print sysroot)"
  fi
fi
[ "$(rustc --version | cut -d' ' -f2)" = "$PINNED" ] \
  || die "Rust $PINNED is needed (rust-toolchain.toml): rustup toolchain install $PINNED"

# --- libvirt daemons --------------------------------------------------------------------
libvirt_up() { virsh -q -c qemu:///system uri >/dev/null 2>&1; }
if ! libvirt_up; then
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
    say "Starting libvirtd with systemd"
    "${SUDO[@]}" systemctl enable --now virtlogd.socket libvirtd.socket libvirtd.service >/dev/null 2>&1 \
      || "${SUDO[@]}" systemctl start virtlogd libvirtd
  else
    say "Starting virtlogd and libvirtd (no systemd)"
    pgrep -x virtlogd >/dev/null || "${SUDO[@]}" virtlogd -d
    pgrep -x libvirtd >/dev/null || "${SUDO[@]}" libvirtd -d
  fi
  for _ in $(seq 50); do libvirt_up && break; sleep 0.2; done
  if ! libvirt_up; then
    [ "$mode" = run ] || die "libvirtd did not answer on qemu:///system after starting it (virsh -c qemu:///system uri)"
    say "libvirtd did not answer on qemu:///system; 'vireo check' will say why"
  fi
fi
if [ "$(id -u)" -ne 0 ] && ! id -nG | grep -qw libvirt; then
  say "Note: you are not in the libvirt group: sudo usermod -aG libvirt $USER, then log in again"
fi

# --- UI dependencies --------------------------------------------------------------------
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  say "Installing UI packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- test tools -------------------------------------------------------------------------
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    say "Installing tauri-driver"
    cargo install tauri-driver --locked --version '^2' --quiet
  fi
  command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] \
    || die "tauri-driver is missing after installing it (cargo install tauri-driver --version '^2')"
  tests/fixtures/build-test-guest.sh
  if [ "$mode" = bench ]; then
    tests/fixtures/build-test-guest.sh --graphics
  fi
  venv=target/e2e-venv
  if [ ! -f "$venv/.ready" ] || [ tests/e2e/requirements.txt -nt "$venv/.ready" ]; then
    say "Preparing the end-to-end test environment ($venv)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tests/e2e/requirements.txt
    touch "$venv/.ready"
  fi
fi
