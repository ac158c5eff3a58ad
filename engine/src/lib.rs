//! Dikta engine: local Danish speech-to-journal dictation.
