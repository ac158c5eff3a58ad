//! What a session tells its subscribers.
//!
//! Every event carries `emitted_s`: wall-clock seconds since the first sample
//! was pushed into the session, so latencies can be read straight off the
//! stream. Audio positions (`audio_*_s`) are seconds of session audio at 16 kHz.

use serde::{Deserialize, Serialize};

/// One thing that happened in a session, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SessionEvent {
    /// The current guess for the open utterance (the part after its last
    /// committed piece). Replaces the previous tentative text of that
    /// utterance; may still change.
    Tentative(TextEvent),
    /// Final text for a stretch of audio. Never changes or repeats; the
    /// session's text is all committed pieces in order.
    Committed(TextEvent),
    /// Input level for a meter, about every 100 ms of audio.
    Level(LevelEvent),
    /// Decoding is behind real time (tentative updates are being skipped), or
    /// has caught up again (`behind_s` back to a small value).
    Lag(LagEvent),
    /// Something went wrong; the session goes on and keeps what it has.
    Error(ErrorEvent),
}

impl SessionEvent {
    /// Wall-clock seconds since the first pushed sample when this was emitted.
    pub fn emitted_s(&self) -> f64 {
        match self {
            SessionEvent::Tentative(e) | SessionEvent::Committed(e) => e.emitted_s,
            SessionEvent::Level(e) => e.emitted_s,
            SessionEvent::Lag(e) => e.emitted_s,
            SessionEvent::Error(e) => e.emitted_s,
        }
    }
}

/// Recognised text for a stretch of audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextEvent {
    /// Which utterance (pause-delimited stretch of speech), counting from 0.
    pub utterance: u64,
    /// The text; may be empty for a committed closing piece when the
    /// utterance turned out to hold no words (it clears the tentative text).
    pub text: String,
    /// Start of the audio this text covers.
    pub audio_start_s: f64,
    /// End of the audio this text covers.
    pub audio_end_s: f64,
    /// Where speech began in this utterance (the first speech frame).
    pub onset_s: f64,
    /// Where speech ended (the last speech frame); set on a committed piece
    /// that closes its utterance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_end_s: Option<f64>,
    /// Whether this committed piece closes its utterance (false for a stable
    /// prefix committed while the speaker goes on, and for tentative text).
    pub last: bool,
    /// Wall-clock seconds since the first pushed sample.
    pub emitted_s: f64,
}

/// Input level over a short block of audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelEvent {
    /// RMS level in dBFS (-100 for digital silence).
    pub rms_db: f32,
    /// Largest absolute sample value (0..1).
    pub peak: f32,
    /// Whether the voice activity detector hears speech.
    pub speech: bool,
    /// Start of the block.
    pub audio_start_s: f64,
    /// End of the block.
    pub audio_end_s: f64,
    /// Wall-clock seconds since the first pushed sample.
    pub emitted_s: f64,
}

/// How far decoding trails the audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LagEvent {
    /// Seconds of speech audio received but not yet covered by any text.
    pub behind_s: f64,
    /// Tentative updates skipped so far in this session to catch up.
    pub skipped_tentatives: u64,
    /// Audio received so far.
    pub audio_end_s: f64,
    /// Wall-clock seconds since the first pushed sample.
    pub emitted_s: f64,
}

/// A problem reported during the session. Never contains transcript text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// What went wrong, for a person to read (`"text"` in JSON, like the
    /// other events' text).
    #[serde(rename = "text")]
    pub message: String,
    /// Audio received when it happened.
    pub audio_end_s: f64,
    /// Wall-clock seconds since the first pushed sample.
    pub emitted_s: f64,
}

/// Receives a session's events: `recv().await` in async code,
/// `blocking_recv()` or `try_recv()` on a plain thread. Ends (yields `None`)
/// after the session has finished and every event was delivered.
pub type EventReceiver = tokio::sync::mpsc::UnboundedReceiver<SessionEvent>;
