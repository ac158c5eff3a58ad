//! `dikta model import PATH`: add a model the user brings (see the module docs of
//! [`crate::model`] for the whole procedure).
//!
//! - a whisper.cpp ggml file: optionally sha256-checked, validated completely, copied into
//!   the models directory as `ggml-<name>.bin`;
//! - a CTranslate2 directory (or its `model.bin`): optionally sha256-checked (`model.bin`),
//!   converted to `ggml-<name>-q8_0.bin` (and/or `-f16`);
//! - a Hugging Face transformers checkpoint directory (safetensors): converted likewise.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::convert::{
    convert_ct2, convert_hf, detect_format, ConvertReport, OutputType, SourceFormat,
};
use super::ct2::CT2_BINARY_VERSION;
use super::ggml::GGML_MAGIC;
use super::install::sha256_file;
use super::progress::{Progress, Step};
use super::store::{check_name, now_rfc3339, IndexEntry, InstalledModel, ModelStore};
use super::{validate_ggml, GgmlInfo, ModelError};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The model's name (default: from the file or directory name).
    pub name: Option<String>,
    /// The expected sha256 of the file (of `model.bin` for a CTranslate2 directory, of
    /// `model.safetensors` for a single-file Hugging Face checkpoint).
    pub sha256: Option<String>,
    /// Make it the default model.
    pub make_default: bool,
    /// Types to convert a CTranslate2 or Hugging Face model to (default: q8_0).
    pub types: Vec<OutputType>,
    /// Replace an installed model of the same name.
    pub force: bool,
}

/// What kind of model was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// A ggml file, copied.
    Ggml,
    /// A CTranslate2 model, converted.
    Ct2,
    /// A Hugging Face safetensors checkpoint, converted.
    HuggingFace,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The kind of model brought.
    pub kind: ImportKind,
    /// The installed models it produced.
    pub installed: Vec<InstalledModel>,
    /// The conversions (CTranslate2 and Hugging Face models).
    pub converted: Vec<ConvertReport>,
}

/// Imports the model at `path` into `store`.
pub fn import(
    store: &ModelStore,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ModelError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::ModelNotFound(path.to_path_buf()),
        _ => ModelError::io(path, e),
    })?;
    if meta.is_dir() {
        return match detect_format(path) {
            Some(SourceFormat::Ct2) => import_converted(store, path, Some(&path.join("model.bin")), opts, progress),
            Some(SourceFormat::HuggingFace) => import_converted(store, path, None, opts, progress),
            None => Err(ModelError::NotImportable {
                path: path.to_path_buf(),
                reason: "a directory with neither model.bin (CTranslate2: model.bin, config.json, vocabulary.txt) nor config.json + model.safetensors (Hugging Face)".into(),
            }),
        };
    }
    let mut head = [0u8; 16];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| ModelError::io(path, e))?;
    let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    if n >= 4 && magic == GGML_MAGIC {
        return import_ggml(store, path, opts, progress);
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if n >= 4 && magic == CT2_BINARY_VERSION {
        return import_converted(store, parent, Some(path), opts, progress);
    }
    let safetensors = n >= 9 && head[8] == b'{';
    if safetensors && detect_format(parent) == Some(SourceFormat::HuggingFace) {
        return import_converted(store, parent, None, opts, progress);
    }
    let reason = if &head[..4] == b"GGUF" {
        "a GGUF file; whisper.cpp loads ggml .bin Whisper models, not GGUF".to_string()
    } else if safetensors {
        "Hugging Face safetensors without config.json beside it; import the whole checkpoint directory (config.json, model*.safetensors, vocab.json or tokenizer.json)".to_string()
    } else {
        format!("neither a whisper.cpp ggml file (magic {magic:#010x}) nor a CTranslate2 model.bin")
    };
    Err(ModelError::NotImportable {
        path: path.to_path_buf(),
        reason,
    })
}

/// A default model name from a file or directory name: `ggml-` prefix and `.bin` dropped,
/// anything but letters, digits, '-', '_', '.' replaced by '-'.
fn name_from(path: &Path) -> String {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let raw = canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    let raw = raw.strip_suffix(".bin").unwrap_or(&raw);
    let raw = raw.strip_prefix("ggml-").unwrap_or(raw);
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_start_matches(['.', '-']).to_string();
    if name.is_empty() {
        name = "imported".into();
    }
    name
}

fn verify_sha(
    path: &Path,
    expected: Option<&str>,
    progress: &mut dyn Progress,
) -> Result<Option<String>, ModelError> {
    let Some(expected) = expected else {
        return Ok(None);
    };
    let expected = expected.trim().to_lowercase();
    if expected.len() != 64 || !expected.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ModelError::NotImportable {
            path: path.to_path_buf(),
            reason: format!("--sha256 '{expected}' is not 64 hexadecimal digits"),
        });
    }
    let what = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let actual = sha256_file(path, progress, &what)?;
    if actual != expected {
        return Err(ModelError::Sha256Mismatch {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok(Some(actual))
}

fn source_of(path: &Path) -> String {
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    format!("import:{}", abs.display())
}

fn import_ggml(
    store: &ModelStore,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ModelError> {
    let name = opts.name.clone().unwrap_or_else(|| name_from(path));
    check_name(&name)?;
    verify_sha(path, opts.sha256.as_deref(), progress)?;
    let info = validate_ggml(path)?;
    warn_if_english_only(&info);
    let dest = store.file_for(&name);
    let same = dest.canonicalize().ok() == path.canonicalize().ok();
    if dest.exists() && !same && !opts.force {
        return Err(ModelError::AlreadyInstalled { name, path: dest });
    }
    let sha256 = if same {
        sha256_file(path, progress, "model")?
    } else {
        copy_into(store, path, &dest, progress)?
    };
    store.register(
        IndexEntry {
            name: name.clone(),
            file: format!("ggml-{name}.bin"),
            ty: info.ftype_name.to_string(),
            size: info.file_size,
            sha256: Some(sha256),
            source: Some(source_of(path)),
            installed: Some(now_rfc3339()),
        },
        opts.make_default,
    )?;
    Ok(ImportReport {
        kind: ImportKind::Ggml,
        installed: store
            .list()
            .into_iter()
            .filter(|m| m.name == name)
            .collect(),
        converted: Vec::new(),
    })
}

/// Copies `src` to `dest` through a temporary file in the store, hashing on the way; the copy
/// is validated again before it replaces `dest`.
fn copy_into(
    store: &ModelStore,
    src: &Path,
    dest: &Path,
    progress: &mut dyn Progress,
) -> Result<String, ModelError> {
    let dir = store.dir();
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let mut input = File::open(src).map_err(|e| ModelError::io(src, e))?;
    let size = input.metadata().map(|m| m.len()).ok();
    let mut tmp = tempfile::Builder::new()
        .prefix(".dikta-import-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| ModelError::io(dir, e))?;
    progress.start(&Step::Copy, size);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = input.read(&mut buf).map_err(|e| ModelError::io(src, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n])
            .map_err(|e| ModelError::io(tmp.path(), e))?;
        progress.advance(n as u64);
    }
    progress.finish();
    tmp.as_file()
        .sync_all()
        .map_err(|e| ModelError::io(tmp.path(), e))?;
    super::convert::make_readable(tmp.path());
    validate_ggml(tmp.path())?;
    tmp.persist(dest)
        .map_err(|e| ModelError::io(dest, e.error))?;
    Ok(hex::encode(hasher.finalize()))
}

/// Converts a CTranslate2 (`model_bin` given) or Hugging Face model directory.
fn import_converted(
    store: &ModelStore,
    dir: &Path,
    model_bin: Option<&Path>,
    opts: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ModelError> {
    let base = opts.name.clone().unwrap_or_else(|| name_from(dir));
    check_name(&base)?;
    let mut types = opts.types.clone();
    types.dedup();
    if types.is_empty() {
        types.push(OutputType::Q8_0);
    }
    let names: Vec<(OutputType, String)> = types
        .iter()
        .map(|&t| (t, format!("{base}-{}", t.name())))
        .collect();
    if !opts.force {
        for (_, name) in &names {
            let dest = store.file_for(name);
            if dest.exists() {
                return Err(ModelError::AlreadyInstalled {
                    name: name.clone(),
                    path: dest,
                });
            }
        }
    }
    let source_sha = match (model_bin, &opts.sha256) {
        (Some(bin), _) => verify_sha(bin, opts.sha256.as_deref(), progress)?,
        (None, None) => None,
        (None, Some(_)) => {
            let single = dir.join("model.safetensors");
            if !single.is_file() {
                return Err(ModelError::NotImportable {
                    path: dir.to_path_buf(),
                    reason: "--sha256 needs a single model.safetensors; verify sharded checkpoints with sha256sum before importing".into(),
                });
            }
            verify_sha(&single, opts.sha256.as_deref(), progress)?
        }
    };
    let kind = if model_bin.is_some() {
        ImportKind::Ct2
    } else {
        ImportKind::HuggingFace
    };
    let mut converted = Vec::new();
    for (i, (ty, name)) in names.iter().enumerate() {
        let dest = store.file_for(name);
        let report = match kind {
            ImportKind::HuggingFace => convert_hf(dir, &dest, *ty, progress)?,
            _ => convert_ct2(dir, &dest, *ty, progress)?,
        };
        warn_if_english_only(&report.info);
        store.register(
            IndexEntry {
                name: name.clone(),
                file: format!("ggml-{name}.bin"),
                ty: ty.name().to_string(),
                size: report.bytes,
                sha256: Some(report.sha256.clone()),
                source: Some(match &source_sha {
                    Some(s) => format!("{} (sha256 {s})", source_of(dir)),
                    None => source_of(dir),
                }),
                installed: Some(now_rfc3339()),
            },
            opts.make_default && i == 0,
        )?;
        converted.push(report);
    }
    Ok(ImportReport {
        kind,
        installed: store
            .list()
            .into_iter()
            .filter(|m| names.iter().any(|(_, n)| n == &m.name))
            .collect(),
        converted,
    })
}

fn warn_if_english_only(info: &GgmlInfo) {
    if !info.multilingual {
        tracing::warn!(
            path = %info.path.display(),
            "this model is English-only; it cannot transcribe Danish"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        assert_eq!(
            name_from(Path::new("/x/ggml-large-v3-q5_0.bin")),
            "large-v3-q5_0"
        );
        assert_eq!(name_from(Path::new("/x/hviske v2")), "hviske-v2");
        assert_eq!(name_from(Path::new("/x/.bin")), "imported");
    }

    #[test]
    fn rejects_unknown_files_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::open(Some(&dir.path().join("models"))).unwrap();
        let gguf = dir.path().join("m.gguf");
        std::fs::write(&gguf, b"GGUF\x03\0\0\0rest").unwrap();
        let err = import(
            &store,
            &gguf,
            &ImportOptions::default(),
            &mut super::super::NoProgress,
        )
        .unwrap_err();
        assert!(err.to_string().contains("GGUF"), "{err}");
        let empty_dir = dir.path().join("empty");
        std::fs::create_dir(&empty_dir).unwrap();
        let err = import(
            &store,
            &empty_dir,
            &ImportOptions::default(),
            &mut super::super::NoProgress,
        )
        .unwrap_err();
        assert!(err.to_string().contains("model.bin"), "{err}");
        let err = import(
            &store,
            &dir.path().join("missing.bin"),
            &ImportOptions::default(),
            &mut super::super::NoProgress,
        )
        .unwrap_err();
        assert!(matches!(err, ModelError::ModelNotFound(_)));
    }
}
