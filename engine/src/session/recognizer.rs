//! The recogniser a session decodes with.

use crate::asr::{AsrError, DecodeOptions, Transcriber, Transcript};

/// Anything that turns 16 kHz mono audio into a transcript. The session calls
/// it from its own decode thread, one request at a time.
///
/// [`Transcriber`] (whisper.cpp on its worker thread) is the real one; tests
/// use scripted fakes to check timing and lag handling without a model.
pub trait Recognizer: Send + Sync {
    /// Decodes `samples` (16 kHz mono) and returns the transcript.
    fn recognize(&self, samples: Vec<f32>, options: &DecodeOptions)
        -> Result<Transcript, AsrError>;
}

impl Recognizer for Transcriber {
    fn recognize(
        &self,
        samples: Vec<f32>,
        options: &DecodeOptions,
    ) -> Result<Transcript, AsrError> {
        self.transcribe(samples, options)
    }
}
