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
    /// Text that primes the decoder with vocabulary and style ([`CARE_PROMPT`] by default).
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
    /// Pull near misses of care words back to their written form with the built-in
    /// correction lexicon ([`crate::text::correction::Corrections`]) after decoding.
    #[serde(default = "yes")]
    pub post_correct: bool,
}

fn yes() -> bool {
    true
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            language: "da".to_string(),
            threads: default_threads(),
            beam_size: None,
            initial_prompt: Some(CARE_PROMPT.to_string()),
            audio_ctx: None,
            shrink_encoder: true,
            temperature_fallback: false,
            timestamps: true,
            single_segment: false,
            post_correct: true,
        }
    }
}

/// The default decoder prompt: care vocabulary and the style of a journal note.
///
/// Measured with `dikta bench --variants` (base q8_0, 2 threads): the synthetic care
/// sentences' WER fell from 106 % to 91 %, real read speech (da-read) stayed at 62.0 %, for
/// 18 % more decoding time. Written from the care domain, not from any evaluation text.
pub const CARE_PROMPT: &str = "Journalnotat fra hjemmeplejen. Borgeren, blodtryk, blodsukker, \
    tryksår, forbindingen, medicinen, ernæring, væske, kateter, sygeplejersken, pårørende.";

/// Threads to use by default: every core that other work leaves idle (judged by the
/// one-minute load average), at least one, at most eight.
///
/// ggml's worker threads busy-wait at every barrier; when another process (a build, a
/// browser) keeps a core busy they stall each other. Measured on a busy 2-core machine:
/// 1 thread 4.1 s CPU for a 5.6 s clip, 2 threads 15 s CPU and 3x the wall time. On the
/// same machine quiet, 2 threads met the live-latency targets (committed p95 1.11 s) and
/// 1 thread did not (1.86 s). Where the load average cannot be read, one core is left free.
pub fn default_threads() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    threads_for(cores, load_average())
}

/// [`default_threads`] for `cores` cores and a one-minute load average.
pub fn threads_for(cores: usize, load: Option<f64>) -> usize {
    let busy = match load {
        // A core counts as busy from 0.3 of load: 0.2 leaves both of 2 cores to Whisper.
        Some(load) if load.is_finite() && load >= 0.0 => (load - 0.3).ceil().max(0.0) as usize,
        _ => 1,
    };
    cores.saturating_sub(busy).clamp(1, 8)
}

/// The one-minute load average (Linux `/proc/loadavg`), where there is one.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Most text tokens an untimed decode of `samples` (16 kHz) may produce: 16 per second of
/// audio plus 16, about twice what fast Danish speech needs, so a decoding loop is cut off
/// instead of running to Whisper's 224-token limit.
pub fn max_tokens_for(samples: usize) -> u32 {
    let seconds = samples as f64 / f64::from(crate::audio::WHISPER_SAMPLE_RATE);
    16 + (seconds * 16.0).ceil() as u32
}

/// Encoder frames (of Whisper's 1500 for 30 s, 50 per second) for `samples`
/// of 16 kHz audio, with a margin of one second, rounded up to a multiple of
/// 64 so whisper.cpp's kernels stay efficient; at most 1500.
pub fn audio_ctx_for(samples: usize) -> u32 {
    let seconds = samples as f64 / f64::from(crate::audio::WHISPER_SAMPLE_RATE);
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

    #[test]
    fn token_cap_grows_with_audio() {
        assert_eq!(max_tokens_for(0), 16);
        assert_eq!(max_tokens_for(16_000), 32);
        assert_eq!(max_tokens_for(8_000 * 3), 40);
    }

    #[test]
    fn threads_leave_busy_cores_alone() {
        assert_eq!(
            threads_for(2, Some(0.1)),
            2,
            "quiet 2-core laptop: both cores"
        );
        assert_eq!(threads_for(2, Some(0.8)), 1, "one core busy");
        assert_eq!(threads_for(2, Some(6.0)), 1, "always at least one");
        assert_eq!(threads_for(8, Some(2.5)), 5);
        assert_eq!(threads_for(32, Some(0.0)), 8, "at most eight");
        assert_eq!(threads_for(2, None), 1, "unknown load: one core left free");
        assert_eq!(threads_for(4, Some(f64::NAN)), 3);
    }
}
