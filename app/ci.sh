#!/usr/bin/env bash
# Dikta desktop app: set up, build and test the real window, in one idempotent script.
#
#   app/ci.sh            install what is missing, build dikta-app, run its unit tests and the
#                        end-to-end test (real window under Xvfb, driven through tauri-driver +
#                        WebKitWebDriver, a real Danish recording spoken into a virtual
#                        microphone, transcribed by the installed Whisper model)
#
# Needs: root or sudo for apt-get; the Whisper base model installed (`dikta model install`,
# in ~/.local/share/dikta/models or DIKTA_MODELS_DIR). Exits non-zero on any failure.
# Screenshots: target/app-screenshots/, logs: target/app-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> app: %s\033[0m\n' "$*" >&2; }
die() { printf 'app/ci.sh: error: %s\n' "$*" >&2; exit 1; }

APT_PACKAGES=(
  pkg-config build-essential cmake libclang-dev      # the engine (whisper.cpp)
  libasound2-dev alsa-utils                           # microphone capture (cpal/ALSA)
  libwebkit2gtk-4.1-dev                               # Tauri 2 on Linux
  xvfb xauth webkit2gtk-driver                        # the window headless, WebDriver
  imagemagick xdotool xclip                           # screenshots, input, clipboard
  pulseaudio pulseaudio-utils libasound2-plugins      # the virtual microphone
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
  if [ "${#missing[@]}" -eq 0 ]; then
    say "Debian packages: all present"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
  say "Installing Debian packages: ${missing[*]}"
  need_root apt-get update -q || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

install_tauri_driver() {
  if command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ]; then
    say "tauri-driver: present"
    return
  fi
  say "Installing tauri-driver (cargo install tauri-driver --locked)"
  cargo install tauri-driver --locked || die "cargo install tauri-driver failed"
}

main() {
  command -v cargo >/dev/null || die "cargo not found: install Rust from https://rustup.rs first"
  install_apt
  install_tauri_driver
  export PATH="$HOME/.cargo/bin:$PATH"

  local models="${DIKTA_MODELS_DIR:-$HOME/.local/share/dikta/models}"
  [ -f "$models/ggml-base-q8_0.bin" ] \
    || die "the Whisper base model is missing in $models: run 'dikta model install' first"

  local started=$SECONDS
  say "Building dikta-app (debug)"
  cargo build -p dikta-app || die "cargo build -p dikta-app failed"

  say "Unit tests of dikta-app"
  cargo test -p dikta-app --lib || die "dikta-app unit tests failed"

  say "End-to-end test: the real window under Xvfb"
  DIKTA_APP_E2E=1 cargo test -p dikta-app --test e2e -- --nocapture \
    || die "end-to-end test failed (logs: target/app-e2e/, screenshots: target/app-screenshots/)"

  say "App build and tests passed in $((SECONDS - started)) s; screenshots in target/app-screenshots/"
}

main "$@"
