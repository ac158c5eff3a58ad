//! Turning Whisper's transcript text into note text: Danish folding and fuzzy matching,
//! spoken punctuation and layout, numbers and units, CPR detection and masking.

pub mod danish;
