//! Dikta engine: local Danish speech-to-journal dictation.

pub mod asr;
pub mod audio;
pub mod autotext;
pub mod delivery;
pub mod eval;
pub mod export;
pub mod headings;
pub mod interpret;
pub mod journal;
pub mod model;
pub mod paste;
pub mod session;
pub mod store;
pub mod text;
pub mod vad;
