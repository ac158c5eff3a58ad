//! `dikta bench-live`: live-dictation latency on real audio, fed at real-time
//! pace through the same session `dikta dictate` uses.
//!
//! Per utterance it measures the time from the end of speech (the last
//! speech frame the detector heard) to the committed text, and from the
//! onset of speech to the first tentative text. It also reports decoding
//! compute per second of audio, the largest lag, and, where a reference
//! transcript is found, the word error rate of the live text (optionally
//! beside whole-file transcription with the same model).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use dikta_engine::asr::{self, DecodeOptions};
use dikta_engine::eval::{wer, ErrorRate};
use dikta_engine::session::{Session, SessionEvent, SessionStats};
use serde::Serialize;

use super::dictate::{feed_file, LiveOptions};

/// Arguments of `dikta bench-live`.
#[derive(clap::Args)]
pub struct BenchLiveArgs {
    /// Audio files to dictate (a reference transcript is taken from FILE.txt
    /// or from manifest.tsv beside the file, when there is one).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Feed audio this many times faster than real time (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Also transcribe each file whole (`dikta transcribe`) and report its WER.
    #[arg(long)]
    pub compare_file: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Model and session tuning (pass `--threads 2` for the 2-thread figures).
    #[command(flatten)]
    pub live: LiveOptions,
}

#[derive(Serialize, Default)]
struct FileResult {
    file: PathBuf,
    audio_s: f64,
    utterances: usize,
    committed_latency_s: Vec<f64>,
    first_tentative_s: Vec<f64>,
    utterances_without_tentative: usize,
    stats: SessionStats,
    live_wer: Option<f64>,
    file_wer: Option<f64>,
    #[serde(skip)]
    live_errors: Option<ErrorRate>,
    #[serde(skip)]
    file_errors: Option<ErrorRate>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    audio_s: f64,
    utterances: usize,
    committed_p50_s: f64,
    committed_p95_s: f64,
    committed_max_s: f64,
    first_tentative_p50_s: f64,
    first_tentative_p95_s: f64,
    compute_per_audio_s: f64,
    committed_compute_per_audio_s: f64,
    max_behind_s: f64,
    skipped_tentatives: u64,
    live_wer: Option<f64>,
    file_wer: Option<f64>,
    threads: usize,
    tentative_audio_ctx: bool,
    committed_audio_ctx: bool,
    hangover_ms: u32,
}

/// Runs `dikta bench-live`.
pub fn run(args: BenchLiveArgs) -> Result<()> {
    let transcriber = args.live.load_transcriber()?;
    let options = args.live.session_options();
    let mut results = Vec::new();
    for file in &args.files {
        let reference = find_reference(file);
        let (mut session, mut events) =
            Session::start(transcriber.clone(), options.clone()).context("starting the session")?;
        let stop = AtomicBool::new(false);
        let fed = feed_paced(&mut session, file, args.speed, &stop)?;
        let summary = session.finish().context("finishing the session")?;
        let mut all = Vec::new();
        while let Ok(event) = events.try_recv() {
            all.push(event);
        }
        let mut result = measure(file, fed, &all, args.speed);
        result.stats = summary.stats;
        if let Some(reference) = &reference {
            let e = wer(reference, &summary.text);
            result.live_wer = Some(e.rate());
            result.live_errors = Some(e);
            if args.compare_file {
                let whole = asr::transcribe_file(&transcriber, file, &options.decode, |_| {})
                    .with_context(|| format!("transcribing {}", file.display()))?;
                let e = wer(reference, &whole.text());
                result.file_wer = Some(e.rate());
                result.file_errors = Some(e);
            }
        }
        if !args.json {
            print_file(&result);
        }
        results.push(result);
    }
    let summary = summarise(&results, &args, &options.decode, &options);
    if args.json {
        let out = serde_json::json!({ "summary": summary, "files": results });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_summary(&summary);
    }
    Ok(())
}

fn feed_paced(session: &mut Session, file: &Path, speed: f64, stop: &AtomicBool) -> Result<f64> {
    if (speed - 1.0).abs() < 1e-9 {
        return feed_file(session, file, true, None, stop);
    }
    // Faster (or slower) than real time: pace by hand.
    let mut reader = dikta_engine::audio::AudioFileReader::open(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let rate = reader.info().sample_rate;
    let started = std::time::Instant::now();
    let mut fed = 0u64;
    while let Some(chunk) = reader.next_chunk()? {
        for piece in chunk.chunks((rate as usize / 50).max(1)) {
            let due = fed as f64 / rate as f64 / speed.max(1e-3);
            let now = started.elapsed().as_secs_f64();
            if due > now {
                std::thread::sleep(std::time::Duration::from_secs_f64(due - now));
            }
            session.push_audio(piece, rate)?;
            fed += piece.len() as u64;
        }
    }
    Ok(fed as f64 / rate as f64)
}

/// Latencies from the event stream. Wall times are converted to audio time by
/// the feeding speed (both are the same at real-time pace).
fn measure(file: &Path, audio_s: f64, events: &[SessionEvent], speed: f64) -> FileResult {
    let mut result = FileResult {
        file: file.to_path_buf(),
        audio_s,
        ..FileResult::default()
    };
    let to_audio = |wall: f64| wall * speed;
    let mut utterances: Vec<u64> = Vec::new();
    for e in events {
        if let SessionEvent::Committed(c) = e {
            if c.last && !c.text.is_empty() {
                utterances.push(c.utterance);
                if let Some(end) = c.speech_end_s {
                    result
                        .committed_latency_s
                        .push((to_audio(c.emitted_s) - end) / speed);
                }
            }
        }
    }
    for u in &utterances {
        let first = events.iter().find_map(|e| match e {
            SessionEvent::Tentative(t) if t.utterance == *u && !t.text.is_empty() => {
                Some((to_audio(t.emitted_s) - t.onset_s) / speed)
            }
            _ => None,
        });
        match first {
            Some(s) => result.first_tentative_s.push(s),
            None => result.utterances_without_tentative += 1,
        }
    }
    result.utterances = utterances.len();
    result
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn summarise(
    results: &[FileResult],
    args: &BenchLiveArgs,
    decode: &DecodeOptions,
    options: &dikta_engine::session::SessionOptions,
) -> Summary {
    let committed: Vec<f64> = results
        .iter()
        .flat_map(|r| r.committed_latency_s.iter().copied())
        .collect();
    let tentative: Vec<f64> = results
        .iter()
        .flat_map(|r| r.first_tentative_s.iter().copied())
        .collect();
    let audio_s: f64 = results.iter().map(|r| r.audio_s).sum();
    let compute: f64 = results
        .iter()
        .map(|r| r.stats.tentative_compute_s + r.stats.committed_compute_s)
        .sum();
    let committed_compute: f64 = results.iter().map(|r| r.stats.committed_compute_s).sum();
    let live = results
        .iter()
        .filter_map(|r| r.live_errors)
        .reduce(|a, b| a + b);
    let file = results
        .iter()
        .filter_map(|r| r.file_errors)
        .reduce(|a, b| a + b);
    Summary {
        files: args.files.len(),
        audio_s,
        utterances: results.iter().map(|r| r.utterances).sum(),
        committed_p50_s: percentile(&committed, 50.0),
        committed_p95_s: percentile(&committed, 95.0),
        committed_max_s: committed.iter().copied().fold(f64::NAN, f64::max),
        first_tentative_p50_s: percentile(&tentative, 50.0),
        first_tentative_p95_s: percentile(&tentative, 95.0),
        compute_per_audio_s: compute / audio_s.max(1e-9),
        committed_compute_per_audio_s: committed_compute / audio_s.max(1e-9),
        max_behind_s: results
            .iter()
            .map(|r| r.stats.max_behind_s)
            .fold(0.0, f64::max),
        skipped_tentatives: results.iter().map(|r| r.stats.skipped_tentatives).sum(),
        live_wer: live.map(|e| e.rate()),
        file_wer: file.map(|e| e.rate()),
        threads: decode.threads,
        tentative_audio_ctx: options.tentative_audio_ctx,
        committed_audio_ctx: options.committed_audio_ctx,
        hangover_ms: options.segmenter.hangover_ms,
    }
}

fn print_file(r: &FileResult) {
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "{}: {:.1} s audio, {} utterances",
        r.file.display(),
        r.audio_s,
        r.utterances
    );
    println!(
        "  committed after end of speech (s): {}",
        list(&r.committed_latency_s)
    );
    println!(
        "  first tentative after onset (s):   {}{}",
        list(&r.first_tentative_s),
        if r.utterances_without_tentative > 0 {
            format!(" ({} without tentative)", r.utterances_without_tentative)
        } else {
            String::new()
        }
    );
    println!(
        "  compute: tentative {:.2} s ({} decodes), committed {:.2} s ({} decodes); max behind {:.2} s",
        r.stats.tentative_compute_s,
        r.stats.tentative_decodes,
        r.stats.committed_compute_s,
        r.stats.committed_decodes,
        r.stats.max_behind_s
    );
    if let Some(w) = r.live_wer {
        match r.file_wer {
            Some(f) => println!(
                "  WER live {:.1} %, whole file {:.1} %",
                w * 100.0,
                f * 100.0
            ),
            None => println!("  WER live {:.1} %", w * 100.0),
        }
    }
}

fn print_summary(s: &Summary) {
    println!();
    println!(
        "{} files, {:.1} s audio, {} utterances; {} threads, hangover {} ms, shrunk encoder: tentative {}, committed {}",
        s.files,
        s.audio_s,
        s.utterances,
        s.threads,
        s.hangover_ms,
        s.tentative_audio_ctx,
        s.committed_audio_ctx
    );
    println!(
        "committed text after end of speech: p50 {:.2} s, p95 {:.2} s, max {:.2} s   (target p95 <= 1.5 s)",
        s.committed_p50_s, s.committed_p95_s, s.committed_max_s
    );
    println!(
        "first tentative after speech onset: p50 {:.2} s, p95 {:.2} s   (target <= 1.0 s)",
        s.first_tentative_p50_s, s.first_tentative_p95_s
    );
    println!(
        "compute per second of audio: {:.3} s (committed decodes alone {:.3} s); max behind {:.2} s; {} tentative updates skipped",
        s.compute_per_audio_s, s.committed_compute_per_audio_s, s.max_behind_s, s.skipped_tentatives
    );
    if let Some(w) = s.live_wer {
        match s.file_wer {
            Some(f) => println!(
                "WER: live {:.1} %, whole file {:.1} %",
                w * 100.0,
                f * 100.0
            ),
            None => println!("WER: live {:.1} %", w * 100.0),
        }
    }
}

/// The reference transcript of `file`: `FILE.txt` beside it (lines joined),
/// or its row in a `manifest.tsv` (file, duration, reference) in its folder
/// or the folder above.
fn find_reference(file: &Path) -> Option<String> {
    let txt = file.with_extension("txt");
    if let Ok(text) = std::fs::read_to_string(&txt) {
        return Some(text.lines().collect::<Vec<_>>().join(" "));
    }
    let dir = file.parent()?;
    for manifest_dir in [Some(dir), dir.parent()].into_iter().flatten() {
        let Ok(manifest) = std::fs::read_to_string(manifest_dir.join("manifest.tsv")) else {
            continue;
        };
        for line in manifest.lines().skip(1) {
            let mut cols = line.splitn(3, '\t');
            let (Some(name), Some(_), Some(reference)) = (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            if manifest_dir.join(name) == file {
                return Some(reference.to_string());
            }
        }
    }
    None
}
