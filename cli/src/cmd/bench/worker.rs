//! `dikta bench-worker`: one model, one process, so peak memory is its own.
//!
//! The harness starts a worker per configuration and reads its JSON report.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use dikta_engine::asr::{self, DecodeOptions, LoadOptions, Transcriber};
use dikta_engine::model::ModelStore;
use serde::{Deserialize, Serialize};

/// Arguments of the hidden `dikta bench-worker`.
#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    /// Installed model name or ggml path.
    #[arg(long)]
    pub model: String,
    /// CPU threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Beam width (default greedy).
    #[arg(long)]
    pub beam: Option<u32>,
    /// Keep the full 30 s encoder window even for shorter audio (Dikta shrinks it by default).
    #[arg(long)]
    pub full_encoder: bool,
    /// Use flash attention.
    #[arg(long)]
    pub flash_attn: bool,
    /// Initial prompt for the decoder (default: the engine's care prompt).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Decode without any initial prompt.
    #[arg(long)]
    pub no_prompt: bool,
    /// Audio files to transcribe, in order.
    pub files: Vec<PathBuf>,
}

/// What a worker measured.
#[derive(Debug, Serialize, Deserialize, Clone)]
pub struct WorkerReport {
    /// Seconds to validate and load the model.
    pub load_s: f64,
    /// Per file.
    pub files: Vec<FileResult>,
    /// Peak resident memory of the worker process, MiB.
    pub peak_rss_mb: f64,
    /// Resident memory after each further minute of transcribed audio (all files in
    /// order), to tell steady growth from a single peak.
    #[serde(default)]
    pub rss_trace: Vec<RssPoint>,
}

/// Resident memory at a point of the run.
#[derive(Debug, Serialize, Deserialize, Clone, Copy)]
pub struct RssPoint {
    /// Seconds of audio transcribed so far.
    pub audio_s: f64,
    /// Resident memory then, MiB.
    pub rss_mb: f64,
}

/// One file's result.
#[derive(Debug, Serialize, Deserialize, Clone)]
pub struct FileResult {
    /// The file.
    pub file: PathBuf,
    /// Wall time to decode and transcribe it, seconds.
    pub wall_s: f64,
    /// The transcript.
    pub text: String,
}

/// Runs the worker and prints its report as JSON on stdout.
pub fn run(args: WorkerArgs) -> Result<()> {
    let store = ModelStore::open(None)?;
    let path = store.resolve(Some(&args.model))?;
    let started = Instant::now();
    let transcriber = Transcriber::load_with(
        &path,
        &LoadOptions {
            flash_attn: args.flash_attn,
        },
    )
    .with_context(|| format!("loading {}", path.display()))?;
    let load_s = started.elapsed().as_secs_f64();
    let mut options = DecodeOptions {
        threads: args.threads,
        beam_size: args.beam,
        shrink_encoder: !args.full_encoder,
        // The harness reports every engine with and without the correction lexicon,
        // applying it itself to the raw text.
        post_correct: false,
        ..DecodeOptions::default()
    };
    if args.no_prompt {
        options.initial_prompt = None;
    } else if let Some(prompt) = &args.prompt {
        options.initial_prompt = Some(prompt.clone());
    }
    let mut files = Vec::new();
    let mut rss_trace = Vec::new();
    let mut audio_before = 0.0;
    for file in &args.files {
        let started = Instant::now();
        let mut file_audio = 0.0;
        let transcript = asr::transcribe_file(&transcriber, file, &options, |p| {
            file_audio = p.done_s;
            let audio_s = audio_before + p.done_s;
            let next_minute = rss_trace.len() as f64 * 60.0 + 60.0;
            if audio_s >= next_minute {
                rss_trace.push(RssPoint {
                    audio_s,
                    rss_mb: current_rss_mb(),
                });
            }
        })
        .with_context(|| format!("transcribing {}", file.display()))?;
        audio_before += file_audio;
        files.push(FileResult {
            file: file.clone(),
            wall_s: started.elapsed().as_secs_f64(),
            text: transcript.text(),
        });
    }
    let report = WorkerReport {
        load_s,
        files,
        peak_rss_mb: peak_rss_mb(),
        rss_trace,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`; 0 elsewhere).
pub fn peak_rss_mb() -> f64 {
    proc_status_mb("VmHWM:")
}

/// Resident set size of this process now, in MiB (Linux `VmRSS`; 0 elsewhere).
pub fn current_rss_mb() -> f64 {
    proc_status_mb("VmRSS:")
}

fn proc_status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
