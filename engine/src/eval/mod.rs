//! Measuring recognition accuracy: Danish text normalisation and word/character
//! error rates, shared by the end-to-end tests and the benchmark harness.
//!
//! The normalisation is documented in [`normalize::normalize`]; every WER that
//! Dikta reports is computed after it, on both reference and hypothesis.

pub mod normalize;
pub mod wer;

pub use normalize::{normalize, number_to_danish_words};
pub use wer::{cer, wer, ErrorRate};
