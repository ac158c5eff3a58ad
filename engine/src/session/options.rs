//! How a live session segments, decodes and reports.

use crate::asr::DecodeOptions;
use crate::vad::{EnergyVadConfig, SegmenterConfig};

/// Settings of a [`super::Session`]. The defaults are tuned for dictation on a
/// 2-core laptop with the base model.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    /// Decoding settings (language, threads, beam, prompt) for every decode.
    pub decode: DecodeOptions,
    /// Tuning of the built-in voice activity detector.
    pub vad: EnergyVadConfig,
    /// Utterance boundaries: pre-roll, hangover (pause that ends an utterance).
    pub segmenter: SegmenterConfig,
    /// Audio (ms) between two tentative decodes of the open utterance.
    pub tentative_interval_ms: u32,
    /// Speech (ms) an utterance needs before its first tentative decode.
    pub first_tentative_ms: u32,
    /// No new tentative decode starts once the speaker has been silent this
    /// long (ms): the utterance is probably closing, and its committed decode
    /// should not wait behind a tentative one.
    pub tentative_pause_ms: u32,
    /// Shrink the encoder to the utterance's length for tentative decodes.
    pub tentative_audio_ctx: bool,
    /// Shrink the encoder for committed decodes too (faster, may cost accuracy).
    pub committed_audio_ctx: bool,
    /// Encoder frames (20 ms each) added to the utterance length when shrinking.
    pub audio_ctx_margin: u32,
    /// Open utterances at least this long (s) commit their stable prefix by
    /// LocalAgreement-2, so text keeps flowing and decodes stay short.
    pub agreement_after_s: f64,
    /// An utterance is cut (at its quietest moment) when it reaches this
    /// length in seconds; Whisper sees at most 30 s at once.
    pub max_utterance_s: f64,
    /// Audio (ms) per level event; 0 turns level events off.
    pub level_interval_ms: u32,
    /// Decoding this far behind (s) is reported as lag.
    pub lag_warn_s: f64,
}

impl Default for SessionOptions {
    fn default() -> Self {
        let decode = DecodeOptions {
            threads: crate::asr::options::default_threads().min(2),
            ..DecodeOptions::default()
        };
        Self {
            decode,
            vad: EnergyVadConfig::default(),
            segmenter: SegmenterConfig::default(),
            tentative_interval_ms: 300,
            first_tentative_ms: 300,
            tentative_pause_ms: 200,
            tentative_audio_ctx: true,
            committed_audio_ctx: false,
            audio_ctx_margin: 64,
            agreement_after_s: 8.0,
            max_utterance_s: 24.0,
            level_interval_ms: 100,
            lag_warn_s: 2.0,
        }
    }
}

/// Encoder context (in 20 ms frames) for `samples` of 16 kHz audio: the
/// audio's length plus `margin`, at most Whisper's full 1500 (30 s).
pub fn audio_ctx_for(samples: usize, margin: u32) -> u32 {
    // whisper.cpp pads inputs shorter than 1.1 s, so never go below that.
    let samples = samples.max(17_600) as u64;
    let frames = (samples * 50).div_ceil(16_000) as u32;
    (frames + margin).min(1500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_ctx_follows_length_and_is_capped() {
        assert_eq!(audio_ctx_for(16_000 * 3, 64), 150 + 64);
        assert_eq!(audio_ctx_for(100, 0), 55);
        assert_eq!(audio_ctx_for(16_000 * 29, 64), 1500);
        assert_eq!(audio_ctx_for(16_000 * 40, 0), 1500);
    }
}
