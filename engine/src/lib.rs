//! Dikta engine: local Danish speech-to-journal dictation.

pub mod asr;
pub mod audio;
pub mod eval;
pub mod headings;
pub mod journal;
pub mod text;
pub mod model;
