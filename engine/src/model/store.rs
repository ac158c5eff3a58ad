//! The models directory: where installed ggml files live, which one is the default, and how a
//! name given by the user becomes a file.
//!
//! The directory is, in order: the `--models-dir` argument, `DIKTA_MODELS_DIR`, or the XDG data
//! directory (`~/.local/share/dikta/models` on Linux). It holds `ggml-<name>.bin` files and
//! `index.toml`, which records each model's origin and the default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::manifest::Manifest;
use super::{ModelError, OutputType};

/// Environment variable overriding the models directory.
pub const MODELS_DIR_ENV: &str = "DIKTA_MODELS_DIR";
/// File name of the index of installed models.
pub const INDEX_FILE: &str = "index.toml";

/// An installed model, as `dikta model list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledModel {
    /// The name to select it with ("base-q8_0").
    pub name: String,
    /// The ggml file.
    pub path: PathBuf,
    /// File size in bytes.
    pub size: u64,
    /// File format ("ggml").
    pub format: String,
    /// Weight type ("q8_0", "f16", ...), when known.
    pub ftype: String,
    /// Whether it is the default model.
    pub is_default: bool,
    /// Where it came from ("pypi:..." or "import:PATH"), when recorded.
    pub source: Option<String>,
    /// sha256 of the file when it was installed, when recorded.
    pub sha256: Option<String>,
}

/// The on-disk index (`index.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Index {
    /// The default model's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Installed models.
    #[serde(default)]
    pub models: Vec<IndexEntry>,
}

/// One record of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The model name.
    pub name: String,
    /// File name inside the models directory.
    pub file: String,
    /// Weight type.
    #[serde(rename = "type")]
    pub ty: String,
    /// File size when installed.
    pub size: u64,
    /// sha256 when installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// RFC 3339 time of installation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<String>,
}

/// The models directory.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// Opens the models directory: `dir` if given, else `DIKTA_MODELS_DIR`, else the XDG data
    /// directory. The directory need not exist yet; installing creates it.
    pub fn open(dir: Option<&Path>) -> Result<ModelStore, ModelError> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => match std::env::var_os(MODELS_DIR_ENV) {
                Some(d) if !d.is_empty() => PathBuf::from(d),
                _ => default_models_dir()?,
            },
        };
        Ok(ModelStore { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `ggml-<name>.bin` in the directory.
    pub fn file_for(&self, name: &str) -> PathBuf {
        self.dir.join(format!("ggml-{name}.bin"))
    }

    /// Reads the index (empty when there is none).
    pub fn index(&self) -> Result<Index, ModelError> {
        let path = self.dir.join(INDEX_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ModelError::Index {
                path,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
            Err(e) => Err(ModelError::io(path, e)),
        }
    }

    /// Writes the index atomically.
    pub fn write_index(&self, index: &Index) -> Result<(), ModelError> {
        let path = self.dir.join(INDEX_FILE);
        std::fs::create_dir_all(&self.dir).map_err(|e| ModelError::io(&self.dir, e))?;
        let text = toml::to_string_pretty(index).map_err(|e| ModelError::Index {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".index-")
            .tempfile_in(&self.dir)
            .map_err(|e| ModelError::io(&self.dir, e))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())
            .map_err(|e| ModelError::io(tmp.path(), e))?;
        super::convert::make_readable(tmp.path());
        tmp.persist(&path)
            .map_err(|e| ModelError::io(&path, e.error))?;
        Ok(())
    }

    /// Records an installed model (replacing an entry of the same name); makes it the default
    /// when `make_default` is set or when there is no usable default yet.
    pub fn register(&self, entry: IndexEntry, make_default: bool) -> Result<(), ModelError> {
        let mut index = self.index()?;
        index.models.retain(|e| e.name != entry.name);
        let name = entry.name.clone();
        index.models.push(entry);
        index.models.sort_by(|a, b| a.name.cmp(&b.name));
        let default_ok = index
            .default
            .as_ref()
            .and_then(|d| index.models.iter().find(|e| &e.name == d))
            .is_some_and(|e| self.dir.join(&e.file).is_file());
        if make_default || !default_ok {
            index.default = Some(name);
        }
        self.write_index(&index)
    }

    /// Makes an installed model the default.
    pub fn set_default(&self, name: &str) -> Result<(), ModelError> {
        let installed = self.list();
        let m =
            installed
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| ModelError::UnknownModel {
                    name: name.to_string(),
                    known: names(&installed),
                })?;
        let mut index = self.index()?;
        if !index.models.iter().any(|e| e.name == m.name) {
            index.models.push(entry_for_unindexed(m));
        }
        index.default = Some(m.name.clone());
        self.write_index(&index)
    }

    /// The installed models: those in the index whose file exists, plus any other
    /// `*.bin` file in the directory. Sorted by name.
    pub fn list(&self) -> Vec<InstalledModel> {
        let index = match self.index() {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "ignoring unreadable models index");
                Index::default()
            }
        };
        let mut out: Vec<InstalledModel> = Vec::new();
        for e in &index.models {
            let path = self.dir.join(&e.file);
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => out.push(InstalledModel {
                    name: e.name.clone(),
                    path,
                    size: m.len(),
                    format: "ggml".into(),
                    ftype: e.ty.clone(),
                    is_default: false,
                    source: e.source.clone(),
                    sha256: e.sha256.clone(),
                }),
                _ => tracing::debug!(file = %path.display(), "indexed model file is gone"),
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let file_name = entry.file_name().to_string_lossy().into_owned();
                if !file_name.ends_with(".bin") || file_name.starts_with('.') {
                    continue;
                }
                if out.iter().any(|m| m.path == path) {
                    continue;
                }
                let stem = file_name.trim_end_matches(".bin");
                let name = stem.strip_prefix("ggml-").unwrap_or(stem).to_string();
                if out.iter().any(|m| m.name == name) {
                    continue;
                }
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                let ftype = ["q8_0", "f16", "q5_0", "q5_1", "q4_0", "q4_1"]
                    .into_iter()
                    .find(|t| name.ends_with(t))
                    .unwrap_or("")
                    .to_string();
                out.push(InstalledModel {
                    name,
                    path,
                    size,
                    format: "ggml".into(),
                    ftype,
                    is_default: false,
                    source: None,
                    sha256: None,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        let default = index
            .default
            .clone()
            .filter(|d| out.iter().any(|m| &m.name == d))
            .or_else(|| implicit_default(&out));
        for m in &mut out {
            m.is_default = Some(&m.name) == default.as_ref();
        }
        out
    }

    /// Finds the model file to load.
    ///
    /// - `None`: the default model;
    /// - a name: an installed model ("base-q8_0", "base-f16", or an imported name); a model
    ///   name without a type ("base") means its preferred variant (q8_0, else f16);
    /// - a path to a `.bin` file (anything with a path separator or ending in `.bin`).
    ///
    /// The file is not validated here; call [`super::validate_ggml`] before loading it.
    pub fn resolve(&self, name_or_path: Option<&str>) -> Result<PathBuf, ModelError> {
        let installed = self.list();
        let Some(what) = name_or_path.map(str::trim).filter(|s| !s.is_empty()) else {
            return installed
                .iter()
                .find(|m| m.is_default)
                .map(|m| m.path.clone())
                .ok_or_else(|| ModelError::NoModelInstalled {
                    dir: self.dir.clone(),
                });
        };
        if what.contains('/') || what.contains(std::path::MAIN_SEPARATOR) || what.ends_with(".bin")
        {
            let p = PathBuf::from(what);
            if p.is_file() {
                return Ok(p);
            }
            let in_dir = self.dir.join(what);
            if !what.contains('/') && in_dir.is_file() {
                return Ok(in_dir);
            }
            return Err(ModelError::ModelNotFound(p));
        }
        if let Some(m) = installed.iter().find(|m| m.name == what) {
            return Ok(m.path.clone());
        }
        let preferred = Manifest::builtin()
            .ok()
            .and_then(|man| man.get(what).map(|m| m.default_variant.clone()))
            .and_then(|v| v.parse::<OutputType>().ok());
        let mut order: Vec<OutputType> = preferred.into_iter().collect();
        order.extend(OutputType::ALL);
        for ty in order {
            let name = format!("{what}-{}", ty.name());
            if let Some(m) = installed.iter().find(|m| m.name == name) {
                return Ok(m.path.clone());
            }
        }
        if installed.is_empty() {
            return Err(ModelError::NoModelInstalled {
                dir: self.dir.clone(),
            });
        }
        Err(ModelError::UnknownModel {
            name: what.to_string(),
            known: names(&installed),
        })
    }
}

/// The default models directory: `<XDG data dir>/dikta/models`.
pub fn default_models_dir() -> Result<PathBuf, ModelError> {
    directories::ProjectDirs::from("", "", "dikta")
        .map(|p| p.data_dir().join("models"))
        .ok_or(ModelError::NoDataDir)
}

/// Checks that a model name can be part of a file name.
pub fn check_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidName(name.to_string()))
    }
}

/// When the index names no default: the manifest default's preferred variant, else the only
/// model, else none.
fn implicit_default(models: &[InstalledModel]) -> Option<String> {
    let man = Manifest::builtin().ok();
    if let Some(man) = &man {
        if let Some(m) = man.get(&man.default) {
            let name = format!("{}-{}", m.name, m.default_variant);
            if models.iter().any(|x| x.name == name) {
                return Some(name);
            }
        }
    }
    match models {
        [only] => Some(only.name.clone()),
        _ => None,
    }
}

fn entry_for_unindexed(m: &InstalledModel) -> IndexEntry {
    IndexEntry {
        name: m.name.clone(),
        file: m
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ty: m.ftype.clone(),
        size: m.size,
        sha256: m.sha256.clone(),
        source: m.source.clone(),
        installed: None,
    }
}

fn names(models: &[InstalledModel]) -> String {
    if models.is_empty() {
        return "none installed".into();
    }
    models
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The current time for index records.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> IndexEntry {
        IndexEntry {
            name: name.into(),
            file: format!("ggml-{name}.bin"),
            ty: "q8_0".into(),
            size: 3,
            sha256: None,
            source: None,
            installed: None,
        }
    }

    #[test]
    fn resolve_names_paths_and_default() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::open(Some(dir.path())).unwrap();
        assert!(matches!(
            store.resolve(None),
            Err(ModelError::NoModelInstalled { .. })
        ));
        for n in ["base-q8_0", "base-f16", "hviske-q8_0"] {
            std::fs::write(store.file_for(n), b"abc").unwrap();
        }
        store.register(entry("hviske-q8_0"), false).unwrap();
        store.register(entry("base-q8_0"), false).unwrap();
        // The first registered became the default; the second did not replace it.
        assert_eq!(store.resolve(None).unwrap(), store.file_for("hviske-q8_0"));
        store.set_default("base-q8_0").unwrap();
        assert_eq!(store.resolve(None).unwrap(), store.file_for("base-q8_0"));
        assert_eq!(
            store.resolve(Some("base")).unwrap(),
            store.file_for("base-q8_0")
        );
        assert_eq!(
            store.resolve(Some("base-f16")).unwrap(),
            store.file_for("base-f16")
        );
        assert_eq!(
            store.resolve(Some("hviske")).unwrap(),
            store.file_for("hviske-q8_0")
        );
        let p = store.file_for("base-f16");
        assert_eq!(store.resolve(Some(p.to_str().unwrap())).unwrap(), p);
        assert!(matches!(
            store.resolve(Some("/nope/x.bin")),
            Err(ModelError::ModelNotFound(_))
        ));
        assert!(matches!(
            store.resolve(Some("large")),
            Err(ModelError::UnknownModel { .. })
        ));
        let list = store.list();
        assert_eq!(list.len(), 3);
        assert_eq!(list.iter().filter(|m| m.is_default).count(), 1);
        assert_eq!(
            list.iter().find(|m| m.name == "base-f16").unwrap().ftype,
            "f16"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("coral-large_v1.2").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "æble"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
