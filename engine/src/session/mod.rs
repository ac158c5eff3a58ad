//! Live dictation: audio in as it is spoken, tentative and committed text out.
//!
//! A [`Session`] takes audio from a microphone ([`crate::audio::capture`]) or
//! from an integrator ([`Session::push_audio`], any sample rate), finds
//! utterances with voice activity detection, and decodes them with a
//! [`Recognizer`] (Whisper on its own worker thread):
//!
//! - while an utterance is open it is re-decoded every few hundred ms and the
//!   guess is published as [`SessionEvent::Tentative`];
//! - when the speaker pauses, the utterance is decoded once more and published
//!   as [`SessionEvent::Committed`], which never changes again;
//! - a long utterance commits its stable prefix by LocalAgreement-2 (see
//!   [`agreement`]) so text keeps flowing and each decode stays short;
//! - when decoding cannot keep up, tentative decodes are skipped (never
//!   committed ones) and [`SessionEvent::Lag`] says how far behind it is.
//!
//! Events go through a tokio channel ([`EventReceiver`]) that works from async
//! code and from plain threads alike. Nothing here runs on an async executor.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use dikta_engine::asr::Transcriber;
//! use dikta_engine::session::{Session, SessionEvent, SessionOptions};
//!
//! let model = dikta_engine::model::ModelStore::open(None)?.resolve(None)?;
//! let transcriber = Arc::new(Transcriber::load(&model)?);
//! let (mut session, mut events) = Session::start(transcriber, SessionOptions::default())?;
//! let samples = vec![0.0f32; 48_000];
//! session.push_audio(&samples, 48_000)?;
//! let summary = session.finish()?;
//! while let Ok(event) = events.try_recv() {
//!     if let SessionEvent::Committed(piece) = event {
//!         println!("{}", piece.text);
//!     }
//! }
//! println!("{}", summary.text);
//! # Ok(()) }
//! ```

pub mod agreement;
pub mod events;
pub mod options;
pub mod recognizer;
mod worker;

use std::sync::{mpsc, Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use events::{ErrorEvent, EventReceiver, LagEvent, LevelEvent, SessionEvent, TextEvent};
pub use options::SessionOptions;
pub use recognizer::Recognizer;

use crate::audio::{ResampleError, StreamResampler, WHISPER_SAMPLE_RATE};
use crate::vad::{EnergyVad, Segmenter, Vad};
use worker::{Msg, Worker};

/// Why a session call failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The pushed audio cannot be used (zero rate, NaN or infinite samples).
    #[error("invalid audio: {0}")]
    InvalidAudio(String),
    /// The audio could not be resampled to 16 kHz.
    #[error(transparent)]
    Resample(#[from] ResampleError),
    /// The session's thread could not be started.
    #[error("cannot start the session thread: {0}")]
    Spawn(std::io::Error),
    /// The session's thread is gone (it panicked).
    #[error("the session has stopped")]
    Stopped,
}

/// Counts and times of one session, for benchmarks and diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionStats {
    /// Seconds of audio received.
    pub audio_s: f64,
    /// Tentative decodes run.
    pub tentative_decodes: u64,
    /// Committed decodes run after an utterance closed.
    pub committed_decodes: u64,
    /// Committed decodes run during the hangover, before the close was
    /// confirmed (their time counts in `committed_compute_s`).
    pub speculative_decodes: u64,
    /// Tentative updates skipped because decoding was busy or behind.
    pub skipped_tentatives: u64,
    /// Wall seconds spent in tentative decodes.
    pub tentative_compute_s: f64,
    /// Wall seconds spent in committed decodes.
    pub committed_compute_s: f64,
    /// The most speech audio (s) that was waiting for text at any moment.
    pub max_behind_s: f64,
}

/// What a finished session produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// All committed text, pieces joined by single spaces.
    pub text: String,
    /// The committed pieces in order (the same as the committed events).
    pub pieces: Vec<TextEvent>,
    /// Counts and times.
    pub stats: SessionStats,
}

/// A live dictation session; see the [module docs](self).
pub struct Session {
    inbox: mpsc::Sender<Msg>,
    resampler: Option<StreamResampler>,
    epoch: Arc<OnceLock<Instant>>,
    worker: Option<JoinHandle<()>>,
    finished: bool,
}

impl Session {
    /// Starts a session decoding with `recognizer` and the built-in
    /// [`EnergyVad`]. Returns the session and the receiver of its events.
    pub fn start(
        recognizer: Arc<dyn Recognizer>,
        options: SessionOptions,
    ) -> Result<(Session, EventReceiver), SessionError> {
        let vad = Box::new(EnergyVad::new(options.vad.clone()));
        Self::start_with_vad(recognizer, options, vad)
    }

    /// Starts a session with a voice activity detector of the caller's choice.
    pub fn start_with_vad(
        recognizer: Arc<dyn Recognizer>,
        options: SessionOptions,
        vad: Box<dyn Vad>,
    ) -> Result<(Session, EventReceiver), SessionError> {
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let (inbox_tx, inbox_rx) = mpsc::channel();
        let (decode_tx, decode_rx) = mpsc::channel();
        let epoch = Arc::new(OnceLock::new());
        let segmenter = Segmenter::new(vad, options.segmenter.clone());
        let worker = Worker::new(options, segmenter, events_tx, epoch.clone(), decode_tx);
        let results = inbox_tx.clone();
        std::thread::Builder::new()
            .name("dikta-session-decode".into())
            .spawn(move || worker::decode_loop(recognizer, decode_rx, results))
            .map_err(SessionError::Spawn)?;
        let handle = std::thread::Builder::new()
            .name("dikta-session".into())
            .spawn(move || worker.run(inbox_rx))
            .map_err(SessionError::Spawn)?;
        Ok((
            Session {
                inbox: inbox_tx,
                resampler: None,
                epoch,
                worker: Some(handle),
                finished: false,
            },
            events_rx,
        ))
    }

    /// Feeds mono audio at `sample_rate` Hz (any rate; it is resampled to
    /// 16 kHz). Returns at once: decoding happens on other threads. The first
    /// call starts the session's clock (`emitted_s` in events).
    pub fn push_audio(&mut self, samples: &[f32], sample_rate: u32) -> Result<(), SessionError> {
        if sample_rate == 0 {
            return Err(SessionError::InvalidAudio("sample rate is zero".into()));
        }
        if samples.iter().any(|s| !s.is_finite()) {
            return Err(SessionError::InvalidAudio(
                "samples contain NaN or infinity".into(),
            ));
        }
        self.epoch.get_or_init(Instant::now);
        if self
            .resampler
            .as_ref()
            .is_some_and(|r| r.from_rate() != sample_rate)
        {
            self.flush_resampler()?;
        }
        let resampler = match self.resampler.as_mut() {
            Some(r) => r,
            None => self
                .resampler
                .insert(StreamResampler::new(sample_rate, WHISPER_SAMPLE_RATE)?),
        };
        let out = resampler.push(samples)?;
        self.send(Msg::Audio(out))
    }

    /// Reports a problem from outside the session (for example the
    /// microphone failing) into the event stream as [`SessionEvent::Error`].
    pub fn report_error(&self, message: impl Into<String>) -> Result<(), SessionError> {
        self.send(Msg::Problem(message.into()))
    }

    /// Ends the input: closes the open utterance, waits until every utterance
    /// is committed, and returns the session's text. Blocks the calling
    /// thread (from async code, call it in `spawn_blocking`). All events have
    /// been sent when it returns; the receiver then ends.
    pub fn finish(mut self) -> Result<SessionSummary, SessionError> {
        self.flush_resampler()?;
        let (reply_tx, reply_rx) = mpsc::channel();
        self.send(Msg::Finish(reply_tx))?;
        let summary = reply_rx.recv().map_err(|_| SessionError::Stopped)?;
        self.finished = true;
        if let Some(handle) = self.worker.take() {
            let _ = handle.join();
        }
        Ok(summary)
    }

    fn flush_resampler(&mut self) -> Result<(), SessionError> {
        if let Some(mut r) = self.resampler.take() {
            let tail = r.finish()?;
            self.send(Msg::Audio(tail))?;
        }
        Ok(())
    }

    fn send(&self, msg: Msg) -> Result<(), SessionError> {
        self.inbox.send(msg).map_err(|_| SessionError::Stopped)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.inbox.send(Msg::Abort);
        }
    }
}

#[cfg(test)]
mod tests;
