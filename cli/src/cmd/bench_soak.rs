//! `dikta bench-soak`: a long dictation (default 60 minutes of audio) made by looping a real
//! recording through the live session — VAD, Whisper, interpreter and encrypted draft
//! autosave, exactly as `dictate` runs them — at a chosen multiple of real time. Reports,
//! per window of audio, resident memory and the latency from the end of each utterance to
//! its committed text, so that flat memory and stable latency can be read off.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use dikta_engine::interpret::{Interpreter, InterpreterConfig};
use dikta_engine::session::{Session, SessionEvent};
use dikta_engine::store::{DataDirs, DictationDraft, KeyBackend, Storage, StorageOptions};
use serde::Serialize;

use super::bench::worker::{current_rss_mb, peak_rss_mb};
use super::dictate::LiveOptions;

/// Arguments of `dikta bench-soak`.
#[derive(clap::Args)]
pub struct BenchSoakArgs {
    /// Minutes of audio to dictate.
    #[arg(long, default_value_t = 60.0)]
    pub minutes: f64,
    /// Pace as a multiple of real time (2 = twice as fast as speech).
    #[arg(long, default_value_t = 2.0)]
    pub speed: f64,
    /// The recording to loop (default: samples/dictation-da.wav).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Minutes of audio per report line.
    #[arg(long, default_value_t = 5.0)]
    pub window_minutes: f64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Model and session tuning.
    #[command(flatten)]
    pub live: LiveOptions,
}

/// One report window.
#[derive(Debug, Clone, Default, Serialize)]
struct Window {
    /// Audio minutes at the end of the window.
    audio_min: f64,
    /// Wall seconds since the start.
    wall_s: f64,
    /// Resident memory at the end of the window (MiB).
    rss_mib: f64,
    /// Peak resident memory so far (MiB).
    peak_rss_mib: f64,
    /// Utterances committed in the window.
    utterances: usize,
    /// Commit latency (s, wall clock from the end of speech to the committed text).
    latency_p50_s: f64,
    /// 95th percentile.
    latency_p95_s: f64,
    /// Worst.
    latency_max_s: f64,
    /// Most speech waiting for text at any moment of the window (s of audio).
    max_behind_s: f64,
    /// Draft writes so far, and the slowest (ms).
    draft_writes: u64,
    /// Slowest draft write so far (ms).
    slowest_draft_write_ms: u64,
}

#[derive(Default)]
struct Collected {
    latencies: Vec<f64>,
    max_behind: f64,
    errors: Vec<String>,
}

/// Runs `dikta bench-soak`.
pub fn run(args: BenchSoakArgs) -> Result<()> {
    let input = args
        .input
        .clone()
        .unwrap_or_else(|| PathBuf::from("samples/dictation-da.wav"));
    let audio = dikta_engine::audio::load_16k_mono(&input)
        .with_context(|| format!("reading {}", input.display()))?;
    anyhow::ensure!(!audio.is_empty(), "{} holds no audio", input.display());
    let speed = args.speed.max(0.01);
    let transcriber = args.live.load_transcriber()?;

    // Drafts go to a temporary folder: the soak measures autosave, it does not keep notes.
    let tmp = tempfile::tempdir().context("creating a temporary folder")?;
    let (storage, _) = Storage::open(&StorageOptions {
        dirs: Some(DataDirs::under(tmp.path())),
        key_backend: KeyBackend::File,
        ..StorageOptions::default()
    })
    .context("opening temporary storage")?;
    let draft = Arc::new(Mutex::new(DictationDraft::with_storage(
        Interpreter::new(InterpreterConfig::now("bench-soak")),
        &storage,
    )));

    let (mut session, mut events) =
        Session::start(transcriber, args.live.session_options()).context("starting the session")?;
    let collected = Arc::new(Mutex::new(Collected::default()));
    let consumer = {
        let collected = collected.clone();
        let draft = draft.clone();
        std::thread::spawn(move || {
            while let Some(event) = events.blocking_recv() {
                let mut c = collected.lock().unwrap_or_else(|e| e.into_inner());
                match &event {
                    SessionEvent::Committed(t) => {
                        if let (true, Some(end)) = (t.last, t.speech_end_s) {
                            c.latencies.push(t.emitted_s - end / speed);
                        }
                    }
                    SessionEvent::Lag(l) => c.max_behind = c.max_behind.max(l.behind_s),
                    SessionEvent::Error(e) => c.errors.push(e.message.clone()),
                    _ => {}
                }
                drop(c);
                draft
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .on_event(&event);
            }
        })
    };

    let total = (args.minutes * 60.0 * 16_000.0) as u64;
    let window = ((args.window_minutes * 60.0 * 16_000.0) as u64).max(16_000);
    let slice = 320; // 20 ms
    let started = Instant::now();
    let mut fed: u64 = 0;
    let mut pos = 0usize;
    let mut windows: Vec<Window> = Vec::new();
    let mut next_report = window;
    eprintln!(
        "soak: {:.0} min of audio from {} at {speed}x real time; report every {:.1} min",
        args.minutes,
        input.display(),
        args.window_minutes
    );
    println!(
        "{:>8} {:>8} {:>9} {:>9} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "audio_m",
        "wall_s",
        "rss_MiB",
        "peak_MiB",
        "utts",
        "p50_s",
        "p95_s",
        "max_s",
        "behind",
        "writes"
    );
    while fed < total {
        let end = (pos + slice).min(audio.len());
        session
            .push_audio(&audio[pos..end], 16_000)
            .context("pushing audio")?;
        fed += (end - pos) as u64;
        pos = if end == audio.len() { 0 } else { end };
        let due = Duration::from_secs_f64(fed as f64 / 16_000.0 / speed);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        if fed >= next_report || fed >= total {
            next_report += window;
            let w = report(fed, started, &collected, &draft);
            print_window(&w);
            windows.push(w);
        }
    }
    session.finish().context("finishing the session")?;
    consumer
        .join()
        .map_err(|_| anyhow::anyhow!("the event consumer failed"))?;
    let errors = std::mem::take(&mut collected.lock().unwrap_or_else(|e| e.into_inner()).errors);
    let draft = Arc::try_unwrap(draft)
        .map_err(|_| anyhow::anyhow!("draft still shared"))?
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let status = draft.autosave_status();
    let (note, saved) = draft.finish();

    let summary = summarise(&windows);
    eprintln!("{summary}");
    eprintln!(
        "note: {} sentences; final draft {}; draft writes {}; session errors {}",
        note.sentences().count(),
        if saved.is_ok() { "saved" } else { "NOT saved" },
        status.map(|s| s.writes).unwrap_or(0),
        errors.len()
    );
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "input": input.display().to_string(),
            "minutes": args.minutes,
            "speed": speed,
            "windows": windows,
            "summary": summary,
            "session_errors": errors.len(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn report(
    fed: u64,
    started: Instant,
    collected: &Mutex<Collected>,
    draft: &Mutex<DictationDraft>,
) -> Window {
    let (rss, peak) = (current_rss_mb(), peak_rss_mb());
    let mut c = collected.lock().unwrap_or_else(|e| e.into_inner());
    let mut lat = std::mem::take(&mut c.latencies);
    let behind = std::mem::take(&mut c.max_behind);
    drop(c);
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() - 1) as f64 * p).round() as usize]
        }
    };
    let status = draft
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .autosave_status()
        .unwrap_or_default();
    Window {
        audio_min: fed as f64 / 16_000.0 / 60.0,
        wall_s: started.elapsed().as_secs_f64(),
        rss_mib: rss,
        peak_rss_mib: peak,
        utterances: lat.len(),
        latency_p50_s: pct(0.5),
        latency_p95_s: pct(0.95),
        latency_max_s: lat.last().copied().unwrap_or(0.0),
        max_behind_s: behind,
        draft_writes: status.writes,
        slowest_draft_write_ms: status.slowest_write_ms,
    }
}

fn print_window(w: &Window) {
    println!(
        "{:>8.1} {:>8.0} {:>9.1} {:>9.1} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>7}",
        w.audio_min,
        w.wall_s,
        w.rss_mib,
        w.peak_rss_mib,
        w.utterances,
        w.latency_p50_s,
        w.latency_p95_s,
        w.latency_max_s,
        w.max_behind_s,
        w.draft_writes
    );
}

fn summarise(windows: &[Window]) -> String {
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        return "soak: no complete window".into();
    };
    let mid = &windows[windows.len() / 2];
    let p50s: Vec<f64> = windows.iter().map(|w| w.latency_p50_s).collect();
    let max_p95 = windows.iter().map(|w| w.latency_p95_s).fold(0.0, f64::max);
    format!(
        "soak: {:.0} min of audio in {:.0} s; RSS {:.1} MiB after the first window, {:.1} MiB at \
         the middle, {:.1} MiB at the end (growth {:+.1} MiB), peak {:.1} MiB; commit latency \
         p50 per window {:.2}..{:.2} s, worst window p95 {:.2} s",
        last.audio_min,
        last.wall_s,
        first.rss_mib,
        mid.rss_mib,
        last.rss_mib,
        last.rss_mib - first.rss_mib,
        last.peak_rss_mib,
        p50s.iter().copied().fold(f64::INFINITY, f64::min),
        p50s.iter().copied().fold(0.0, f64::max),
        max_p95
    )
}
