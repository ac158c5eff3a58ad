//! Events from Rust to the page: names and payloads. The page listens with
//! `window.__TAURI__.event.listen(NAME, ...)`; every payload is one of these types.

use serde::Serialize;

/// The note changed: [`crate::view::NoteView`].
pub const NOTE: &str = "dikta://note";
/// Live text changed: [`LivePayload`].
pub const LIVE: &str = "dikta://live";
/// Microphone level: [`LevelPayload`], about ten times a second while recording.
pub const LEVEL: &str = "dikta://level";
/// Recording started, stopped or failed: [`RecordingPayload`].
pub const RECORDING: &str = "dikta://recording";
/// How far the text trails the speech: [`LagPayload`].
pub const LAG: &str = "dikta://lag";
/// Something to tell the worker: [`Notice`].
pub const NOTICE: &str = "dikta://notice";
/// Model installation progress: [`ModelProgressPayload`].
pub const MODEL_PROGRESS: &str = "dikta://model-progress";
/// The installed models or the loaded model changed: [`crate::core::ModelsView`].
pub const MODELS: &str = "dikta://models";

/// The live line: recent committed text and the tentative guess after it.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct LivePayload {
    /// The committed pieces of this recording, in order (final; never change).
    pub committed: Vec<String>,
    /// The current guess for what is being said (may still change).
    pub tentative: String,
    /// Heading new text goes under.
    pub heading: Option<String>,
}

/// Input level for the meter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LevelPayload {
    /// RMS level in dBFS.
    pub rms_db: f32,
    /// Largest sample value, 0..1.
    pub peak: f32,
    /// Whether speech is heard.
    pub speech: bool,
}

/// Where recording stands.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RecordingState {
    /// Not recording.
    Idle,
    /// Opening the microphone and loading the model.
    Starting,
    /// Listening.
    Recording,
    /// Stopped; the last words are being written.
    Stopping,
}

/// How far the text trails the speech.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LagPayload {
    /// Seconds of speech not yet written.
    pub behind_s: f64,
}

/// Recording state for the record button.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RecordingPayload {
    /// The state.
    pub state: RecordingState,
    /// The microphone in use while recording.
    pub device: Option<String>,
    /// Why recording could not start, in Danish.
    pub error: Option<String>,
}

/// How a notice looks.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Neutral information.
    Info,
    /// Something worked.
    Success,
    /// Something needs a look.
    Warning,
    /// Something failed.
    Error,
}

/// A short message for the worker, in Danish.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Notice {
    /// How it looks.
    pub kind: NoticeKind,
    /// The message.
    pub text: String,
}

impl Notice {
    /// Neutral information.
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Info,
            text: text.into(),
        }
    }

    /// Something worked.
    pub fn success(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Success,
            text: text.into(),
        }
    }

    /// Something needs a look.
    pub fn warning(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Warning,
            text: text.into(),
        }
    }

    /// Something failed.
    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        }
    }
}

/// Model installation progress.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ModelProgressPayload {
    /// The step, in Danish.
    pub step: String,
    /// Share of the step done, when its size is known.
    pub fraction: Option<f64>,
    /// The whole installation has ended (see `error`).
    pub finished: bool,
    /// Why it failed.
    pub error: Option<String>,
}

/// An unfinished note from an earlier run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DraftOffer {
    /// When it was started, in Danish.
    pub created: String,
    /// Its author.
    pub author: String,
    /// Number of sentences.
    pub sentences: usize,
    /// Headings with text.
    pub headings: Vec<String>,
}
