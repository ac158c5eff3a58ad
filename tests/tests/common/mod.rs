//! Shared helpers for the end-to-end tests: where the evaluation data, the
//! installed model and the `dikta` binary are.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The shared evaluation folder beside the checkout (`../shared`), or
/// `DIKTA_SHARED_DIR`. `None` (with a message) on a user's machine without it.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("DIKTA_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("..").join("shared"));
    if dir.join("eval").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: no shared evaluation data at {} (set DIKTA_SHARED_DIR)",
            dir.display()
        );
        None
    }
}

/// Whether a missing model must fail the test rather than skip it (CI sets this).
pub fn model_required() -> bool {
    std::env::var("DIKTA_REQUIRE_MODEL").is_ok_and(|v| v == "1")
}

/// Path of an installed model by name (e.g. "base-q8_0"), or `None` with a
/// message when it is not installed. Panics instead when `DIKTA_REQUIRE_MODEL=1`.
pub fn installed_model(name: &str) -> Option<PathBuf> {
    let resolved =
        dikta_engine::model::ModelStore::open(None).and_then(|store| store.resolve(Some(name)));
    match resolved {
        Ok(path) => Some(path),
        Err(e) if model_required() => panic!("model {name} is required but missing: {e}"),
        Err(e) => {
            eprintln!("SKIP: model {name} not installed ({e}); run `dikta model install`");
            None
        }
    }
}

/// One line of an evaluation manifest.
pub struct EvalItem {
    /// The audio file.
    pub audio: PathBuf,
    /// Its duration in seconds.
    pub duration_s: f64,
    /// The reference transcript.
    pub reference: String,
}

/// Reads `manifest.tsv` (file, duration_s, reference) of an evaluation set.
pub fn read_manifest(set_dir: &Path) -> Vec<EvalItem> {
    let text = std::fs::read_to_string(set_dir.join("manifest.tsv")).expect("manifest.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut cols = line.splitn(3, '\t');
            let file = cols.next().expect("file column");
            let duration = cols.next().expect("duration column");
            let reference = cols.next().expect("reference column");
            EvalItem {
                audio: set_dir.join(file),
                duration_s: duration.parse().expect("duration is a number"),
                reference: reference.to_string(),
            }
        })
        .collect()
}

/// The `dikta` binary built alongside these tests (same profile).
pub fn dikta_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/dikta
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join(format!("dikta{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not built; run `cargo test --workspace` (it builds the CLI)",
        bin.display()
    );
    bin
}
