//! `dikta dictate`: live dictation from a microphone (or a file played as if
//! spoken), showing tentative text dim and committed text normal.
//!
//! With `--events jsonl` every session event is printed as one JSON object
//! per line instead (schema in docs/streaming.md).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use dikta_engine::asr::Transcriber;
use dikta_engine::audio::capture::{Capture, CaptureConfig, CaptureEvent};
use dikta_engine::audio::AudioFileReader;
use dikta_engine::model::ModelStore;
use dikta_engine::session::{EventReceiver, Session, SessionEvent, SessionOptions};

/// How events are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventsFormat {
    /// One JSON object per line on stdout.
    Jsonl,
}

/// Options shared by `dictate` and `bench-live`: the model and the session's tuning.
#[derive(clap::Args, Clone, Debug)]
pub struct LiveOptions {
    /// Installed model name (e.g. base-q8_0) or a path to a ggml file.
    #[arg(long)]
    pub model: Option<String>,
    /// Where installed models live (default: DIKTA_MODELS_DIR or the user's data dir).
    #[arg(long, env = "DIKTA_MODELS_DIR")]
    pub models_dir: Option<PathBuf>,
    /// CPU threads for Whisper (default: the cores other work leaves idle by the load
    /// average, at most 2 live; busy-waiting Whisper threads stall each other on a busy machine).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Pause (ms) that ends an utterance and commits its text.
    #[arg(long)]
    pub hangover_ms: Option<u32>,
    /// Audio (ms) between tentative updates of the open utterance.
    #[arg(long)]
    pub tentative_interval_ms: Option<u32>,
    /// Decode tentative text with Whisper's full 30 s encoder window (slower).
    #[arg(long)]
    pub full_window_tentative: bool,
    /// Decode committed text with Whisper's full 30 s encoder window (slower;
    /// by default the window is shrunk to the utterance's length).
    #[arg(long)]
    pub full_window_committed: bool,
}

impl LiveOptions {
    /// The session options these flags describe.
    pub fn session_options(&self) -> SessionOptions {
        let mut options = SessionOptions::default();
        options.decode.threads = self.threads.unwrap_or(options.decode.threads).max(1);
        if let Some(ms) = self.hangover_ms {
            options.segmenter.hangover_ms = ms;
            options.segmenter.tail_ms = options.segmenter.tail_ms.min(ms);
        }
        if let Some(ms) = self.tentative_interval_ms {
            options.tentative_interval_ms = ms.max(50);
        }
        options.tentative_audio_ctx = !self.full_window_tentative;
        options.committed_audio_ctx = !self.full_window_committed;
        options
    }

    /// Loads the chosen model on its worker thread.
    pub fn load_transcriber(&self) -> Result<Arc<Transcriber>> {
        let store =
            ModelStore::open(self.models_dir.as_deref()).context("opening the model store")?;
        let path = store
            .resolve(self.model.as_deref())
            .context("finding the model (install one with `dikta model install`)")?;
        let transcriber = Transcriber::load(&path)
            .with_context(|| format!("loading model {}", path.display()))?;
        Ok(Arc::new(transcriber))
    }
}

/// Arguments of `dikta dictate`.
#[derive(clap::Args)]
pub struct DictateArgs {
    /// Input device (see `dikta devices`): exact name or a unique part of it.
    #[arg(long, conflicts_with = "input")]
    pub device: Option<String>,
    /// Feed an audio file through the live session instead of a microphone.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// With --input: feed the file at real-time pace, as if spoken.
    #[arg(long, requires = "input")]
    pub realtime: bool,
    /// Print every event in this format instead of the live view.
    #[arg(long, value_enum)]
    pub events: Option<EventsFormat>,
    /// Stop after this many seconds of audio (as Ctrl-C would).
    #[arg(long)]
    pub max_seconds: Option<f64>,
    /// Seconds of audio the capture ring buffer holds (tests feeding an
    /// unpaced virtual device need more than a microphone does).
    #[arg(long, default_value_t = 10.0, hide = true)]
    pub capture_buffer_s: f64,
    /// Model and session tuning.
    #[command(flatten)]
    pub live: LiveOptions,
}

/// Runs `dikta dictate`.
pub fn run(args: DictateArgs) -> Result<()> {
    if let Some(path) = &args.input {
        // Check the audio before the (slower) model load.
        AudioFileReader::open(path).with_context(|| format!("reading {}", path.display()))?;
    }
    let transcriber = args.live.load_transcriber()?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;

    let (mut session, events) = Session::start(transcriber, args.live.session_options())
        .context("starting the dictation session")?;
    let jsonl = args.events == Some(EventsFormat::Jsonl);
    let printer = std::thread::spawn(move || {
        if jsonl {
            print_jsonl(events)
        } else {
            LiveView::new().run(events)
        }
    });

    let fed = match &args.input {
        Some(path) => feed_file(&mut session, path, args.realtime, args.max_seconds, &stop),
        None => {
            let config = CaptureConfig {
                device: args.device.clone(),
                buffer: Duration::from_secs_f64(args.capture_buffer_s.clamp(0.1, 600.0)),
                ..CaptureConfig::default()
            };
            capture_into(&mut session, config, args.max_seconds, &stop, jsonl)
        }
    };
    // Whatever happened to the input, commit what was heard.
    let summary = session.finish().context("finishing the session")?;
    let printed = printer
        .join()
        .map_err(|_| anyhow::anyhow!("the event printer failed"))?;
    printed.context("printing events")?;
    fed?;
    if jsonl {
        let line = serde_json::json!({
            "type": "final",
            "text": summary.text,
            "stats": summary.stats,
        });
        println!("{line}");
    } else {
        println!("{}", summary.text);
    }
    Ok(())
}

/// Feeds an audio file into `session` in 20 ms slices, at real-time pace if
/// asked. Stops early on Ctrl-C or after `max_seconds`. Returns seconds fed.
pub fn feed_file(
    session: &mut Session,
    path: &Path,
    realtime: bool,
    max_seconds: Option<f64>,
    stop: &AtomicBool,
) -> Result<f64> {
    let mut reader =
        AudioFileReader::open(path).with_context(|| format!("reading {}", path.display()))?;
    let rate = reader.info().sample_rate;
    let slice = (rate as usize / 50).max(1);
    let limit = max_seconds.map(|s| (s * rate as f64) as u64);
    let started = Instant::now();
    let mut fed: u64 = 0;
    'file: while let Some(chunk) = reader
        .next_chunk()
        .with_context(|| format!("decoding {}", path.display()))?
    {
        for piece in chunk.chunks(slice) {
            if stop.load(Ordering::SeqCst) || limit.is_some_and(|l| fed >= l) {
                break 'file;
            }
            if realtime {
                let due = Duration::from_secs_f64(fed as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
            session
                .push_audio(piece, rate)
                .context("pushing audio into the session")?;
            fed += piece.len() as u64;
        }
    }
    Ok(fed as f64 / rate as f64)
}

/// Captures from a microphone into `session` until Ctrl-C or `max_seconds`.
fn capture_into(
    session: &mut Session,
    config: CaptureConfig,
    max_seconds: Option<f64>,
    stop: &AtomicBool,
    quiet: bool,
) -> Result<f64> {
    let capture = Capture::start(config).context("starting the microphone")?;
    if !quiet {
        eprintln!(
            "Listening on {} ({} Hz, {} ch). Speak; Ctrl-C ends.",
            capture.device().name,
            capture.device().sample_rate,
            capture.device().channels
        );
    }
    let limit = max_seconds.map(|s| (s * 16_000.0) as u64);
    let mut fed: u64 = 0;
    let handle = |event: CaptureEvent, session: &mut Session, fed: &mut u64| -> Result<()> {
        match event {
            CaptureEvent::Audio(samples) => {
                let take = match limit {
                    Some(l) => samples.len().min(l.saturating_sub(*fed) as usize),
                    None => samples.len(),
                };
                session
                    .push_audio(&samples[..take], 16_000)
                    .context("pushing audio into the session")?;
                *fed += take as u64;
            }
            CaptureEvent::DeviceLost { message } => {
                session.report_error(format!("microphone lost: {message}"))?;
            }
            CaptureEvent::Resumed { device } => {
                tracing::info!(%device, "microphone back");
            }
            CaptureEvent::Overrun { dropped_samples } => {
                session
                    .report_error(format!("audio overrun: {dropped_samples} samples dropped"))?;
            }
            CaptureEvent::Stopped => {}
        }
        Ok(())
    };
    while !stop.load(Ordering::SeqCst) && limit.is_none_or(|l| fed < l) {
        if let Some(event) = capture.recv_timeout(Duration::from_millis(50)) {
            if event == CaptureEvent::Stopped {
                break;
            }
            handle(event, session, &mut fed)?;
        }
    }
    for event in capture.stop() {
        handle(event, session, &mut fed)?;
    }
    Ok(fed as f64 / 16_000.0)
}

/// Prints each event as one JSON line.
fn print_jsonl(mut events: EventReceiver) -> Result<()> {
    let stdout = std::io::stdout();
    while let Some(event) = events.blocking_recv() {
        let mut out = stdout.lock();
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}

/// The terminal view on stderr: committed text normal, tentative text dim,
/// a small level meter in front. Only drawn when stderr is a terminal.
struct LiveView {
    tty: bool,
    width: usize,
    committed: String,
    tentative: String,
    meter: String,
}

const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";
const CLEAR: &str = "\r\x1b[K";

impl LiveView {
    fn new() -> Self {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100usize)
            .max(20);
        Self {
            tty: std::io::stderr().is_terminal(),
            width,
            committed: String::new(),
            tentative: String::new(),
            meter: String::new(),
        }
    }

    fn run(mut self, mut events: EventReceiver) -> Result<()> {
        while let Some(event) = events.blocking_recv() {
            self.show(event)?;
        }
        if self.tty {
            eprint!("{CLEAR}");
        }
        Ok(())
    }

    fn show(&mut self, event: SessionEvent) -> Result<()> {
        let mut err = std::io::stderr().lock();
        match event {
            SessionEvent::Tentative(t) => self.tentative = t.text,
            SessionEvent::Committed(c) => {
                if !c.text.is_empty() {
                    if !self.committed.is_empty() {
                        self.committed.push(' ');
                    }
                    self.committed.push_str(&c.text);
                }
                self.tentative.clear();
                if c.last {
                    if self.tty {
                        write!(err, "{CLEAR}")?;
                    }
                    if !self.committed.is_empty() {
                        writeln!(err, "{}", self.committed)?;
                    }
                    self.committed.clear();
                }
            }
            SessionEvent::Level(l) => {
                let bars = (((l.rms_db + 60.0) / 50.0).clamp(0.0, 1.0) * 8.0).round() as usize;
                self.meter = format!(
                    "{}{}{}",
                    if l.speech { "●" } else { "○" },
                    "▮".repeat(bars),
                    " ".repeat(8 - bars)
                );
            }
            SessionEvent::Lag(l) => {
                if self.tty {
                    write!(err, "{CLEAR}")?;
                }
                if l.behind_s > 0.5 {
                    writeln!(
                        err,
                        "[{:.1} s behind; {} tentative updates skipped]",
                        l.behind_s, l.skipped_tentatives
                    )?;
                }
            }
            SessionEvent::Error(e) => {
                if self.tty {
                    write!(err, "{CLEAR}")?;
                }
                writeln!(err, "[problem: {}]", e.message)?;
            }
        }
        if self.tty {
            let room = self.width.saturating_sub(12);
            let committed_chars = self.committed.chars().count();
            let tentative_chars = self.tentative.chars().count();
            let total = committed_chars + 1 + tentative_chars;
            let skip = total.saturating_sub(room);
            let shown_committed: String = self.committed.chars().skip(skip).collect();
            let shown_tentative: String = self
                .tentative
                .chars()
                .skip(skip.saturating_sub(committed_chars + 1))
                .collect();
            write!(
                err,
                "{CLEAR}{} {}{}{DIM}{}{RESET}",
                self.meter,
                shown_committed,
                if shown_committed.is_empty() { "" } else { " " },
                shown_tentative
            )?;
            err.flush()?;
        }
        Ok(())
    }
}
