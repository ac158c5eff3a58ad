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
    /// Shrink the encoder for committed decodes too. Measured on real Danish
    /// speech it cost no accuracy and cut committed decode time by more than
    /// half (docs/streaming.md), so it is on by default.
    pub committed_audio_ctx: bool,
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
        // Whisper's default thread count (the cores other work leaves idle, at most 8),
        // capped at two: live decodes are short, and audio and the UI need the rest.
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
            committed_audio_ctx: true,
            agreement_after_s: 8.0,
            max_utterance_s: 24.0,
            level_interval_ms: 100,
            lag_warn_s: 2.0,
        }
    }
}
