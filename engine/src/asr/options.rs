//! Decoding settings handed to whisper.cpp for each request.

use serde::{Deserialize, Serialize};

/// How one piece of audio is decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeOptions {
    /// Spoken language, as a Whisper code. Always forced (Danish by default):
    /// the language detector picks English on accented or synthetic speech.
    pub language: String,
    /// CPU threads whisper.cpp may use. Leave a core free for audio and UI.
    pub threads: usize,
    /// Beam width; `None` decodes greedily (faster, slightly less accurate).
    pub beam_size: Option<u32>,
    /// Text that primes the decoder with vocabulary and style.
    pub initial_prompt: Option<String>,
    /// Shrinks the encoder window for short audio (`None` = the model's full
    /// 30 s window). Faster on short utterances, but changes the output.
    pub audio_ctx: Option<u32>,
    /// Retry at higher temperature when decoding looks bad. Off by default:
    /// it makes output non-deterministic and costs time.
    pub temperature_fallback: bool,
    /// Whether to compute segment timestamps.
    pub timestamps: bool,
    /// Force a single segment for the whole input (streaming utterances).
    pub single_segment: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            language: "da".to_string(),
            threads: default_threads(),
            beam_size: None,
            initial_prompt: None,
            audio_ctx: None,
            temperature_fallback: false,
            timestamps: true,
            single_segment: false,
        }
    }
}

/// Threads to use by default: every core on small machines (up to two), else
/// all cores but one, at most eight.
pub fn default_threads() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    if cores <= 2 {
        cores
    } else {
        (cores - 1).min(8)
    }
}
