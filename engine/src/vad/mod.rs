//! Voice activity detection: which stretches of 16 kHz audio hold speech.
//!
//! A [`Vad`] classifies fixed-length frames; the [`Segmenter`] turns those
//! frame decisions into utterances with a pre-roll (so the first word is never
//! clipped), an onset confirmation (so a click does not open an utterance) and
//! a hangover (so a short pause inside a sentence does not close it).
//! [`EnergyVad`] is Dikta's own detector: band energy against an adaptive
//! noise floor, with a spectral-flatness check against steady noise.

pub mod energy;
pub mod segmenter;
#[cfg(test)]
pub(crate) mod testing;

pub use energy::{EnergyVad, EnergyVadConfig};
pub use segmenter::{SegmentEvent, Segmenter, SegmenterConfig};

/// What a detector decided about one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameDecision {
    /// Whether the frame holds speech.
    pub speech: bool,
    /// Level of the frame in dB relative to full scale (for meters and logs).
    pub level_db: f32,
    /// The detector's current noise floor estimate in dBFS.
    pub noise_floor_db: f32,
}

/// A voice activity detector over fixed-length frames of 16 kHz mono audio.
///
/// Implementations keep their own state (noise estimates); frames must be fed
/// in order. A different detector (a neural one, say) only has to implement
/// this trait to be used by the [`Segmenter`].
pub trait Vad: Send {
    /// Number of samples in one frame; every call to [`Vad::classify`] gets
    /// exactly this many.
    fn frame_len(&self) -> usize;

    /// Classifies the next frame.
    fn classify(&mut self, frame: &[f32]) -> FrameDecision;

    /// Forgets everything learned so far (a new recording starts).
    fn reset(&mut self);
}
