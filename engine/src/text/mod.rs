//! Turning Whisper's transcript text into note text: Danish folding and fuzzy matching,
//! tokens, spoken punctuation and layout, numbers and units, CPR detection and masking.

pub mod commands;
pub mod correction;
pub mod cpr;
pub mod danish;
pub mod layout;
pub mod numbers;
pub mod tokens;
