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
    /// Shrink the encoder window to the audio's length when it is shorter
    /// than 30 s (see [`audio_ctx_for`]); ignored when `audio_ctx` is set.
    /// On by default: measured on da-read with base q8_0, 2.4x faster for
    /// 61.1 % → 62.0 % WER (one word in 108).
    pub shrink_encoder: bool,
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
            shrink_encoder: true,
            temperature_fallback: false,
            timestamps: true,
            single_segment: false,
        }
    }
}

/// Threads to use by default: all cores but one (at least one, at most eight).
///
/// ggml's worker threads busy-wait at every barrier; when another process
/// (the UI, audio capture, a browser) takes a core they stall each other.
/// Measured on a busy 2-core machine: 1 thread 4.1 s CPU for a 5.6 s clip,
/// 2 threads 15 s CPU and 3x the wall time. Pass `threads` explicitly on a
/// quiet machine.
pub fn default_threads() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    cores.saturating_sub(1).clamp(1, 8)
}

/// Encoder frames (of Whisper's 1500 for 30 s, 50 per second) for `samples`
/// of 16 kHz audio, with a margin of one second, rounded up to a multiple of
/// 64 so whisper.cpp's kernels stay efficient; at most 1500.
pub fn audio_ctx_for(samples: usize) -> u32 {
    let seconds = samples as f64 / 16_000.0;
    let frames = (seconds * 50.0).ceil() as u32 + 50;
    (frames.div_ceil(64) * 64).min(1500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_window_follows_audio_length() {
        assert_eq!(audio_ctx_for(16_000 * 2), 192); // 2 s -> 100 + 50 -> 192
        assert_eq!(audio_ctx_for(16_000 * 10), 576);
        assert_eq!(audio_ctx_for(16_000 * 40), 1500);
    }
}
