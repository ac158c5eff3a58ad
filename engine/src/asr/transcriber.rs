//! The transcriber: one worker thread that owns the whisper.cpp context.
//!
//! whisper.cpp is CPU-bound and not to be shared between threads, so a
//! [`Transcriber`] starts a dedicated thread, loads the model there, and serves
//! requests from a queue. Callers block on [`Transcriber::transcribe`] or keep
//! a [`PendingTranscript`] and collect it later; nothing here runs on an async
//! executor.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use super::options::DecodeOptions;
use super::repetition;
use crate::model::{self, GgmlInfo, ModelError};
use crate::text::correction::Corrections;

/// Why recognition failed.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    /// The model file failed validation before it reached whisper.cpp.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// whisper.cpp refused to load the model.
    #[error("whisper.cpp could not load model {path}: {reason}")]
    Load {
        /// The model file.
        path: PathBuf,
        /// What whisper.cpp said.
        reason: String,
    },
    /// Decoding failed inside whisper.cpp.
    #[error("transcription failed: {0}")]
    Decode(String),
    /// The worker thread is gone (it panicked or was shut down).
    #[error("the transcriber worker has stopped")]
    WorkerGone,
    /// Audio handed to the transcriber is unusable.
    #[error("invalid audio: {0}")]
    InvalidAudio(String),
}

/// A piece of recognised text with its place in the audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, in seconds from the start of the audio handed in.
    pub start_s: f64,
    /// End, in seconds from the start of the audio handed in.
    pub end_s: f64,
    /// The recognised text, trimmed.
    pub text: String,
    /// Whisper's probability that this stretch held no speech.
    pub no_speech_prob: f32,
}

/// The result of transcribing one piece of audio.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Segments in time order.
    pub segments: Vec<Segment>,
}

impl Transcript {
    /// All segment texts joined with single spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            if seg.text.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&seg.text);
        }
        out
    }
}

/// Facts about the loaded model.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// The model file.
    pub path: PathBuf,
    /// What the header says.
    pub info: GgmlInfo,
    /// Wall time to load it into whisper.cpp.
    pub load_time: Duration,
}

struct Job {
    samples: Vec<f32>,
    options: DecodeOptions,
    reply: mpsc::Sender<Result<Transcript, AsrError>>,
}

/// Settings fixed when a model is loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// Use whisper.cpp's flash-attention kernels (CPU supported since 1.7).
    pub flash_attn: bool,
}

/// A request in flight; [`PendingTranscript::wait`] blocks for its result.
pub struct PendingTranscript {
    reply: mpsc::Receiver<Result<Transcript, AsrError>>,
}

impl PendingTranscript {
    /// Blocks until the worker has decoded the audio.
    pub fn wait(self) -> Result<Transcript, AsrError> {
        self.reply.recv().map_err(|_| AsrError::WorkerGone)?
    }

    /// Returns the result if it is ready, without blocking.
    pub fn try_take(&self) -> Option<Result<Transcript, AsrError>> {
        match self.reply.try_recv() {
            Ok(r) => Some(r),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(AsrError::WorkerGone)),
        }
    }
}

/// Owns a Whisper model on a dedicated worker thread.
pub struct Transcriber {
    jobs: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
    model: LoadedModel,
}

impl Transcriber {
    /// Validates the ggml file at `path`, then loads it on a new worker thread.
    ///
    /// A broken file is reported by [`model::validate_ggml`] with the file
    /// name and what is wrong; it never reaches whisper.cpp.
    pub fn load(path: &Path) -> Result<Self, AsrError> {
        Self::load_with(path, &LoadOptions::default())
    }

    /// Like [`Transcriber::load`], with explicit engine settings.
    pub fn load_with(path: &Path, load_options: &LoadOptions) -> Result<Self, AsrError> {
        let info = model::validate_ggml(path)?;
        let flash_attn = load_options.flash_attn;
        install_whisper_logging();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<Duration, AsrError>>();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let worker_path = path.to_path_buf();
        let worker = std::thread::Builder::new()
            .name("dikta-whisper".into())
            .spawn(move || worker_main(worker_path, flash_attn, ready_tx, jobs_rx))
            .map_err(|e| AsrError::Load {
                path: path.to_path_buf(),
                reason: format!("cannot start worker thread: {e}"),
            })?;
        let load_time = ready_rx.recv().map_err(|_| AsrError::WorkerGone)??;
        tracing::info!(?load_time, model = %path.display(), "whisper model loaded");
        Ok(Self {
            jobs: Some(jobs_tx),
            worker: Some(worker),
            model: LoadedModel {
                path: path.to_path_buf(),
                info,
                load_time,
            },
        })
    }

    /// The loaded model.
    pub fn model(&self) -> &LoadedModel {
        &self.model
    }

    /// Queues 16 kHz mono audio for decoding and returns at once.
    pub fn submit(
        &self,
        samples: Vec<f32>,
        options: &DecodeOptions,
    ) -> Result<PendingTranscript, AsrError> {
        if samples.iter().any(|s| !s.is_finite()) {
            return Err(AsrError::InvalidAudio(
                "samples contain NaN or infinity".into(),
            ));
        }
        let (reply_tx, reply_rx) = mpsc::channel();
        let jobs = self.jobs.as_ref().ok_or(AsrError::WorkerGone)?;
        jobs.send(Job {
            samples,
            options: options.clone(),
            reply: reply_tx,
        })
        .map_err(|_| AsrError::WorkerGone)?;
        Ok(PendingTranscript { reply: reply_rx })
    }

    /// Decodes 16 kHz mono audio and waits for the transcript.
    pub fn transcribe(
        &self,
        samples: Vec<f32>,
        options: &DecodeOptions,
    ) -> Result<Transcript, AsrError> {
        self.submit(samples, options)?.wait()
    }
}

impl Drop for Transcriber {
    fn drop(&mut self) {
        // Closing the queue ends the worker loop.
        self.jobs.take();
        if let Some(handle) = self.worker.take() {
            let _ = handle.join();
        }
    }
}

fn worker_main(
    path: PathBuf,
    flash_attn: bool,
    ready: mpsc::Sender<Result<Duration, AsrError>>,
    jobs: mpsc::Receiver<Job>,
) {
    let started = Instant::now();
    let mut params = WhisperContextParameters::default();
    params.use_gpu(false);
    params.flash_attn(flash_attn);
    let ctx = match WhisperContext::new_with_params(&path, params) {
        Ok(ctx) => ctx,
        Err(e) => {
            let _ = ready.send(Err(AsrError::Load {
                path,
                reason: e.to_string(),
            }));
            return;
        }
    };
    let mut state = match ctx.create_state() {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(AsrError::Load {
                path,
                reason: format!("cannot allocate decoder state: {e}"),
            }));
            return;
        }
    };
    if ready.send(Ok(started.elapsed())).is_err() {
        return;
    }
    while let Ok(job) = jobs.recv() {
        let result = decode_guarded(&mut state, &job.samples, &job.options);
        // The caller may have given up waiting; that is fine.
        let _ = job.reply.send(result);
    }
}

/// Decodes, and when Whisper has fallen into a repetition loop, cuts the loop
/// down to one occurrence (within a segment and across segments); then applies the
/// care-vocabulary post-correction when asked.
///
/// A second decode with beam search was tried and dropped: on audio that
/// makes Whisper loop it loops too, at five times the cost.
fn decode_guarded(
    state: &mut whisper_rs::WhisperState,
    samples: &[f32],
    options: &DecodeOptions,
) -> Result<Transcript, AsrError> {
    let mut transcript = decode(state, samples, options)?;
    if is_looping(&transcript) {
        tracing::debug!("repetition loop in decoder output; cutting it");
        for seg in &mut transcript.segments {
            if repetition::has_loop(&seg.text) {
                seg.text = repetition::collapse_loops(&seg.text);
            }
        }
        transcript.segments = repetition::drop_repeated_segments(transcript.segments);
    }
    if options.post_correct {
        let corrections = Corrections::builtin();
        for seg in &mut transcript.segments {
            seg.text = corrections.apply(&seg.text);
        }
    }
    Ok(transcript)
}

/// A loop inside one segment, or the same text segment after segment.
fn is_looping(transcript: &Transcript) -> bool {
    transcript
        .segments
        .iter()
        .any(|s| repetition::has_loop(&s.text))
        || repetition::has_loop(&transcript.text())
}

/// Shortest audio whisper.cpp decodes reliably; shorter input is padded with silence.
const MIN_SAMPLES: usize = 16_000 + 1_600;

fn decode(
    state: &mut whisper_rs::WhisperState,
    samples: &[f32],
    options: &DecodeOptions,
) -> Result<Transcript, AsrError> {
    if samples.is_empty() {
        return Ok(Transcript::default());
    }
    let strategy = match options.beam_size {
        Some(beam) if beam > 1 => SamplingStrategy::BeamSearch {
            beam_size: beam as i32,
            patience: -1.0,
        },
        _ => SamplingStrategy::Greedy { best_of: 1 },
    };
    let mut params = FullParams::new(strategy);
    params.set_language(Some(&options.language));
    params.set_n_threads(options.threads.max(1) as i32);
    params.set_translate(false);
    params.set_no_context(true);
    params.set_print_special(false);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_timestamps(false);
    params.set_suppress_blank(true);
    params.set_no_timestamps(!options.timestamps);
    params.set_single_segment(options.single_segment);
    params.set_temperature(0.0);
    if !options.temperature_fallback {
        params.set_temperature_inc(0.0);
    }
    if let Some(prompt) = options.initial_prompt.as_deref() {
        params.set_initial_prompt(prompt);
    }
    if options.single_segment || !options.timestamps {
        // Untimed decodes end cleanly at the cap, so a loop stops early; timed decodes
        // that hit it before a timestamp token would fail the window, so they go uncapped
        // (their loops are cut afterwards).
        params.set_max_tokens(super::options::max_tokens_for(samples.len()) as i32);
    }
    let audio_ctx = options.audio_ctx.or_else(|| {
        options
            .shrink_encoder
            .then(|| super::options::audio_ctx_for(samples.len()))
    });
    if let Some(ctx) = audio_ctx {
        params.set_audio_ctx(ctx as i32);
    }
    let padded;
    let input = if samples.len() < MIN_SAMPLES {
        let mut v = samples.to_vec();
        v.resize(MIN_SAMPLES, 0.0);
        padded = v;
        &padded[..]
    } else {
        samples
    };
    state
        .full(params, input)
        .map_err(|e| AsrError::Decode(e.to_string()))?;
    let duration_s = samples.len() as f64 / 16_000.0;
    let mut segments = Vec::new();
    for seg in state.as_iter() {
        // Build text per segment, never per token: tokens can split æ/ø/å.
        let text = match seg.to_str_lossy() {
            Ok(t) => t.trim().to_string(),
            Err(e) => return Err(AsrError::Decode(e.to_string())),
        };
        let start_s = (seg.start_timestamp() as f64 / 100.0).min(duration_s);
        let end_s = (seg.end_timestamp() as f64 / 100.0).min(duration_s);
        segments.push(Segment {
            start_s,
            end_s: end_s.max(start_s),
            text,
            no_speech_prob: seg.no_speech_probability(),
        });
    }
    Ok(Transcript { segments })
}

/// Routes whisper.cpp's own log lines into `tracing` (once per process), so
/// they obey the caller's log level instead of flooding stderr.
fn install_whisper_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(whisper_rs::install_logging_hooks);
}
