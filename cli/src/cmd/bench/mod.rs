//! `dikta bench`: speed, live latency, scaling and Danish accuracy, measured
//! side by side with faster-whisper on the same weights, audio and threads.
//!
//! Every configuration runs in its own process (`dikta bench-worker`, or the
//! Python baseline), so load time and peak memory are its own. Ratios are
//! Dikta / faster-whisper per file, paired in the same run; absolute seconds on
//! a shared 2-core machine are noise, ratios much less so.

pub mod baseline;
pub mod worker;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use dikta_engine::eval::{cer, wer, ErrorRate};
use serde::Serialize;

use worker::WorkerReport;

/// Arguments of `dikta bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Check that the harness works on a small set (for CI): 2 files, 1 minute of scaling.
    #[arg(long)]
    pub quick: bool,
    /// Write every figure as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// CPU threads for every engine.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Skip the faster-whisper baseline (no pip download).
    #[arg(long)]
    pub no_baseline: bool,
    /// Minutes of looped real speech for the scaling runs (default 1,5,20; 1 with --quick).
    #[arg(long, value_delimiter = ',')]
    pub scaling: Option<Vec<u32>>,
    /// Also run the tuning variants of Dikta (full 30 s encoder, flash attention, beam 5,
    /// without the care prompt).
    #[arg(long)]
    pub variants: bool,
    /// The shared evaluation folder (default: ../shared beside the checkout, or DIKTA_SHARED_DIR).
    #[arg(long, env = "DIKTA_SHARED_DIR")]
    pub shared: Option<PathBuf>,
}

/// One Dikta configuration.
#[derive(Debug, Clone, Serialize)]
struct Config {
    label: String,
    model: String,
    beam: Option<u32>,
    full_encoder: bool,
    flash_attn: bool,
    /// Decode without the default care prompt.
    no_prompt: bool,
    /// The baseline compute type it is paired with.
    pair: Option<&'static str>,
}

impl Config {
    fn plain(label: &str, model: &str, pair: &'static str) -> Config {
        Config {
            label: label.into(),
            model: model.into(),
            beam: None,
            full_encoder: false,
            flash_attn: false,
            no_prompt: false,
            pair: Some(pair),
        }
    }
}

/// An evaluation item: audio plus reference.
#[derive(Debug, Clone, Serialize)]
struct Item {
    set: String,
    file: PathBuf,
    audio_s: f64,
    reference: String,
}

#[derive(Serialize)]
struct RunResult {
    config: String,
    engine: &'static str,
    load_s: f64,
    peak_rss_mb: f64,
    files: Vec<(PathBuf, f64, String)>,
}

#[derive(Serialize, Default)]
struct Report {
    machine: String,
    threads: usize,
    quick: bool,
    speed: Vec<serde_json::Value>,
    accuracy: Vec<serde_json::Value>,
    live: Option<serde_json::Value>,
    scaling: Vec<serde_json::Value>,
}

/// Runs `dikta bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    let started = Instant::now();
    let shared = shared_dir(args.shared.as_deref())?;
    let mut speed_items = read_manifest(&shared.join("eval/da-read"), "da-read")?;
    let mut accuracy_only = read_manifest(&shared.join("eval/da-synthetic"), "da-synthetic")?;
    if args.quick {
        speed_items.truncate(2);
        accuracy_only.clear();
    }
    let mut report = Report {
        machine: machine_summary(),
        threads: args.threads,
        quick: args.quick,
        ..Default::default()
    };

    // --- Speed and accuracy: every configuration on the same files. ---
    let mut configs = vec![
        Config::plain("dikta base q8_0", "base-q8_0", "int8"),
        Config::plain("dikta base f16", "base-f16", "float32"),
    ];
    if args.variants {
        let mut v = Config::plain("dikta q8_0 full-encoder", "base-q8_0", "int8");
        v.full_encoder = true;
        configs.push(v);
        let mut v = Config::plain("dikta q8_0 +flash", "base-q8_0", "int8");
        v.flash_attn = true;
        configs.push(v);
        let mut v = Config::plain("dikta q8_0 +beam5", "base-q8_0", "int8");
        v.beam = Some(5);
        configs.push(v);
        let mut v = Config::plain("dikta q8_0 no prompt", "base-q8_0", "int8");
        v.no_prompt = true;
        configs.push(v);
    }
    let all_items: Vec<Item> = speed_items.iter().chain(&accuracy_only).cloned().collect();
    let files: Vec<PathBuf> = all_items.iter().map(|i| i.file.clone()).collect();

    let mut runs: Vec<RunResult> = Vec::new();
    for config in &configs {
        eprintln!("bench: {} on {} files", config.label, files.len());
        let r = run_worker(config, args.threads, &files)?;
        runs.push(RunResult {
            config: config.label.clone(),
            engine: "dikta",
            load_s: r.load_s,
            peak_rss_mb: r.peak_rss_mb,
            files: r
                .files
                .into_iter()
                .map(|f| (f.file, f.wall_s, f.text))
                .collect(),
        });
    }
    if !args.no_baseline {
        let cache = baseline::cache_dir();
        let py = baseline::ensure_python_env(&cache)?;
        let ct2 = baseline::ensure_ct2_base(&cache)?;
        for compute in ["int8", "float32"] {
            eprintln!("bench: faster-whisper {compute} on {} files", files.len());
            let r = baseline::run(&py, &ct2, compute, args.threads, 1, &files)?;
            runs.push(RunResult {
                config: format!("faster-whisper {compute}"),
                engine: "faster-whisper",
                load_s: r.load_s,
                peak_rss_mb: r.peak_rss_mb,
                files: r
                    .files
                    .into_iter()
                    .map(|f| (f.file, f.wall_s, f.text))
                    .collect(),
            });
        }
    }
    print_speed(&configs, &runs, &speed_items, &mut report);
    print_accuracy(&runs, &all_items, &mut report);

    // --- Live latency through the streaming session, at real-time pace. ---
    let live_files: Vec<PathBuf> = if args.quick {
        Vec::new()
    } else {
        speed_items.iter().map(|i| i.file.clone()).collect()
    };
    report.live = Some(run_live(args.threads, &live_files)?);

    // --- Scaling: looped real speech, flat memory and linear time. ---
    let minutes =
        args.scaling
            .clone()
            .unwrap_or_else(|| if args.quick { vec![1] } else { vec![1, 5, 20] });
    run_scaling(&minutes, &speed_items, args.threads, &mut report)?;

    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("\nJSON written to {}", path.display());
    }
    println!(
        "\nbench finished in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_worker(config: &Config, threads: usize, files: &[PathBuf]) -> Result<WorkerReport> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("bench-worker")
        .args(["--model", &config.model, "--threads", &threads.to_string()]);
    if let Some(beam) = config.beam {
        cmd.args(["--beam", &beam.to_string()]);
    }
    if config.full_encoder {
        cmd.arg("--full-encoder");
    }
    if config.flash_attn {
        cmd.arg("--flash-attn");
    }
    if config.no_prompt {
        cmd.arg("--no-prompt");
    }
    cmd.args(files);
    let out = cmd.output().context("starting dikta bench-worker")?;
    if !out.status.success() {
        bail!(
            "bench-worker for {} failed: {}",
            config.label,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("reading the worker's JSON")
}

fn print_speed(configs: &[Config], runs: &[RunResult], items: &[Item], report: &mut Report) {
    println!(
        "\n## Speed ({} threads, greedy, Danish forced; wall seconds per file)\n",
        report.threads
    );
    let header: Vec<String> = runs.iter().map(|r| r.config.clone()).collect();
    println!("| file | audio s | {} |", header.join(" | "));
    println!("|---|---|{}", "---|".repeat(header.len()));
    for item in items {
        let cells: Vec<String> = runs
            .iter()
            .map(|r| wall_of(r, &item.file).map_or("-".into(), |w| format!("{w:.2}")))
            .collect();
        println!(
            "| {} | {:.1} | {} |",
            file_name(&item.file),
            item.audio_s,
            cells.join(" | ")
        );
    }
    let audio_total: f64 = items.iter().map(|i| i.audio_s).sum();
    println!("\n| engine | load s | total wall s | real-time factor | peak RSS MiB |");
    println!("|---|---|---|---|---|");
    for r in runs {
        let wall: f64 = items.iter().filter_map(|i| wall_of(r, &i.file)).sum();
        println!(
            "| {} | {:.2} | {:.2} | {:.3} | {:.0} |",
            r.config,
            r.load_s,
            wall,
            wall / audio_total.max(1e-9),
            r.peak_rss_mb
        );
        report.speed.push(serde_json::json!({
            "config": r.config, "engine": r.engine, "load_s": r.load_s,
            "wall_s": wall, "audio_s": audio_total, "rtf": wall / audio_total.max(1e-9),
            "peak_rss_mb": r.peak_rss_mb,
            "files": items.iter().map(|i| serde_json::json!({
                "file": i.file, "audio_s": i.audio_s, "wall_s": wall_of(r, &i.file)
            })).collect::<Vec<_>>(),
        }));
    }
    // Ratios, pair by pair.
    let mut printed_header = false;
    for config in configs {
        let Some(pair) = config.pair else { continue };
        let Some(ours) = runs.iter().find(|r| r.config == config.label) else {
            continue;
        };
        let Some(theirs) = runs
            .iter()
            .find(|r| r.config == format!("faster-whisper {pair}"))
        else {
            continue;
        };
        if !printed_header {
            println!("\n| Dikta / faster-whisper (lower is faster) | per-file ratios | median |");
            println!("|---|---|---|");
            printed_header = true;
        }
        let ratios: Vec<f64> = items
            .iter()
            .filter_map(|i| Some(wall_of(ours, &i.file)? / wall_of(theirs, &i.file)?.max(1e-9)))
            .collect();
        let med = median(&ratios);
        println!(
            "| {} / {} | {} | **{:.2}** |",
            ours.config,
            theirs.config,
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            med
        );
        report.speed.push(serde_json::json!({
            "ratio": format!("{} / {}", ours.config, theirs.config),
            "per_file": ratios, "median": med,
        }));
    }
}

/// Prints corpus WER/CER per set for every run: first on the raw text, then with the
/// care-vocabulary post-correction applied to every engine's text alike.
fn print_accuracy(runs: &[RunResult], items: &[Item], report: &mut Report) {
    print_accuracy_table(runs, items, report, false);
    print_accuracy_table(runs, items, report, true);
}

fn print_accuracy_table(runs: &[RunResult], items: &[Item], report: &mut Report, correct: bool) {
    let corrections = dikta_engine::text::correction::Corrections::builtin();
    if correct {
        println!(
            "\n## Accuracy with the care-vocabulary post-correction (engine/data/corrections.toml; \
             Dikta's default)\n"
        );
    } else {
        println!("\n## Accuracy (corpus WER / CER after Danish normalisation, raw decoder text)\n");
    }
    let sets: Vec<String> = {
        let mut s: Vec<String> = items.iter().map(|i| i.set.clone()).collect();
        s.dedup();
        s
    };
    println!(
        "| engine | {} |",
        sets.iter()
            .map(|s| format!("{s} WER | {s} CER"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|---|".repeat(sets.len()));
    for r in runs {
        let mut cells = Vec::new();
        let mut json = serde_json::json!({
            "config": r.config, "engine": r.engine, "post_correction": correct
        });
        for set in &sets {
            let (mut w, mut c) = (ErrorRate::default(), ErrorRate::default());
            for item in items.iter().filter(|i| &i.set == set) {
                if let Some(text) = text_of(r, &item.file) {
                    let text = if correct {
                        corrections.apply(text)
                    } else {
                        text.to_string()
                    };
                    w = w + wer(&item.reference, &text);
                    c = c + cer(&item.reference, &text);
                }
            }
            cells.push(format!(
                "{:.1} % | {:.1} %",
                w.rate() * 100.0,
                c.rate() * 100.0
            ));
            json[format!("{set}_wer")] = w.rate().into();
            json[format!("{set}_cer")] = c.rate().into();
        }
        println!("| {} | {} |", r.config, cells.join(" | "));
        report.accuracy.push(json);
    }
}

/// Live latency through the streaming session at real-time pace: the real recordings
/// (`files`) followed by the bundled sample.
fn run_live(threads: usize, files: &[PathBuf]) -> Result<serde_json::Value> {
    let sample = repo_file("samples/dictation-da.wav")?;
    eprintln!(
        "bench: live session at real-time pace on {} files",
        files.len() + 1
    );
    let out = Command::new(std::env::current_exe()?)
        .args(["bench-live", "--json", "--threads", &threads.to_string()])
        .args(files)
        .arg(&sample)
        .output()
        .context("starting dikta bench-live")?;
    if !out.status.success() {
        bail!(
            "bench-live failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let value: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading bench-live's JSON")?;
    let s = &value["summary"];
    println!(
        "\n## Live latency (base q8_0, real-time pace, {threads} threads, {} files)\n",
        files.len() + 1
    );
    println!("| utterances | committed p50 s | committed p95 s | first tentative p50 s | first tentative p95 s | compute per audio s | max behind s |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.3} | {:.2} |",
        s["utterances"],
        s["committed_p50_s"].as_f64().unwrap_or(f64::NAN),
        s["committed_p95_s"].as_f64().unwrap_or(f64::NAN),
        s["first_tentative_p50_s"].as_f64().unwrap_or(f64::NAN),
        s["first_tentative_p95_s"].as_f64().unwrap_or(f64::NAN),
        s["compute_per_audio_s"].as_f64().unwrap_or(f64::NAN),
        s["max_behind_s"].as_f64().unwrap_or(f64::NAN),
    );
    Ok(value)
}

fn run_scaling(minutes: &[u32], items: &[Item], threads: usize, report: &mut Report) -> Result<()> {
    if minutes.is_empty() {
        return Ok(());
    }
    println!("\n## Scaling (looped real speech, base q8_0, {threads} threads)\n");
    println!(
        "| minutes of audio | wall s | real-time factor | wall s per audio minute | peak RSS MiB \
         | RSS after 1 min / at the end MiB |"
    );
    println!("|---|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    let speech: Vec<f32> = items
        .iter()
        .map(|i| dikta_engine::audio::load_16k_mono(&i.file))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    if speech.is_empty() {
        bail!("no speech to loop for the scaling runs");
    }
    for &m in minutes {
        let path = dir.path().join(format!("loop-{m}min.wav"));
        write_looped_wav(&path, &speech, m as f64 * 60.0)?;
        let config = Config::plain("scaling", "base-q8_0", "int8");
        eprintln!("bench: scaling {m} min");
        let r = run_worker(&config, threads, std::slice::from_ref(&path))?;
        let wall = r.files.first().map_or(0.0, |f| f.wall_s);
        let audio = m as f64 * 60.0;
        let mib = |p: Option<&worker::RssPoint>| {
            p.map_or("–".to_string(), |p| format!("{:.0}", p.rss_mb))
        };
        let (first, last) = (mib(r.rss_trace.first()), mib(r.rss_trace.last()));
        println!(
            "| {m} | {wall:.1} | {:.3} | {:.2} | {:.0} | {first} / {last} |",
            wall / audio,
            wall / m as f64,
            r.peak_rss_mb
        );
        report.scaling.push(serde_json::json!({
            "minutes": m, "wall_s": wall, "rtf": wall / audio, "peak_rss_mb": r.peak_rss_mb,
            "rss_trace": r.rss_trace,
        }));
        std::fs::remove_file(&path).ok();
    }
    Ok(())
}

/// Writes `seconds` of `speech` looped (with 0.5 s pauses) as 16 kHz s16 WAV,
/// streaming so a 60-minute file never sits in memory.
fn write_looped_wav(path: &Path, speech: &[f32], seconds: f64) -> Result<()> {
    use std::io::Write;
    let total = (seconds * 16_000.0) as usize;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let data_len = (total * 2) as u32;
    f.write_all(b"RIFF")?;
    f.write_all(&(36 + data_len).to_le_bytes())?;
    f.write_all(b"WAVEfmt ")?;
    f.write_all(&16u32.to_le_bytes())?;
    f.write_all(&1u16.to_le_bytes())?;
    f.write_all(&1u16.to_le_bytes())?;
    f.write_all(&16_000u32.to_le_bytes())?;
    f.write_all(&32_000u32.to_le_bytes())?;
    f.write_all(&2u16.to_le_bytes())?;
    f.write_all(&16u16.to_le_bytes())?;
    f.write_all(b"data")?;
    f.write_all(&data_len.to_le_bytes())?;
    let pause = vec![0.0f32; 8_000];
    let mut written = 0;
    'outer: loop {
        for s in speech.iter().chain(pause.iter()) {
            if written == total {
                break 'outer;
            }
            let v = (s.clamp(-1.0, 1.0) * 32767.0) as i16;
            f.write_all(&v.to_le_bytes())?;
            written += 1;
        }
    }
    f.flush()?;
    Ok(())
}

fn wall_of(run: &RunResult, file: &Path) -> Option<f64> {
    run.files
        .iter()
        .find(|(f, _, _)| f == file)
        .map(|(_, w, _)| *w)
}

fn text_of<'a>(run: &'a RunResult, file: &Path) -> Option<&'a str> {
    run.files
        .iter()
        .find(|(f, _, _)| f == file)
        .map(|(_, _, t)| t.as_str())
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_manifest(dir: &Path, set: &str) -> Result<Vec<Item>> {
    let text = std::fs::read_to_string(dir.join("manifest.tsv"))
        .with_context(|| format!("reading {}/manifest.tsv", dir.display()))?;
    let mut items = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        if cols.len() < 3 {
            continue;
        }
        items.push(Item {
            set: set.into(),
            file: dir.join(cols[0]),
            audio_s: cols[1].parse().unwrap_or(0.0),
            reference: cols[2].into(),
        });
    }
    Ok(items)
}

fn shared_dir(arg: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match arg {
        Some(p) => vec![p.to_path_buf()],
        None => vec![
            PathBuf::from("../shared"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        ],
    };
    candidates
        .into_iter()
        .find(|p| p.join("eval").is_dir())
        .context("no evaluation data: pass --shared DIR (the folder holding eval/da-read)")
}

fn repo_file(rel: &str) -> Result<PathBuf> {
    [
        PathBuf::from(rel),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel),
    ]
    .into_iter()
    .find(|p| p.exists())
    .with_context(|| format!("{rel} not found (run from the repository root)"))
}

fn machine_summary() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {cpu}")
}
