//! Speech recognition: a Whisper model (whisper.cpp through whisper-rs) owned
//! by one worker thread, and long-form transcription of whole files.

pub mod long_form;
pub mod options;
pub mod repetition;
pub mod transcriber;

pub use long_form::{transcribe_file, FileProgress, TranscribeFileError};
pub use options::{DecodeOptions, CARE_PROMPT};
pub use transcriber::{AsrError, LoadOptions, LoadedModel, Segment, Transcriber, Transcript};
