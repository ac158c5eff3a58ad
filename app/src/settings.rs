//! The app's settings and folders. Settings name no citizen and hold no note text, so they
//! are a plain, reviewable JSON file under `XDG_CONFIG_HOME/dikta/app.json`, written
//! atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How the global shortcut controls recording.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortcutMode {
    /// One press starts, the next stops.
    #[default]
    Toggle,
    /// Record while the keys are held down (push-to-talk).
    Hold,
}

/// Everything the worker can choose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The author written on every note (Autorisationsloven § 22).
    pub author: String,
    /// Microphone name; `None` for the system default.
    pub device: Option<String>,
    /// Installed model name; `None` for the store's default.
    pub model: Option<String>,
    /// Global shortcut, e.g. "Ctrl+Alt+D"; empty for none.
    pub shortcut: String,
    /// Toggle or push-to-talk.
    pub shortcut_mode: ShortcutMode,
    /// Large type for reading at arm's length.
    pub large_text: bool,
    /// Whether the first-start guide has been completed.
    pub first_run_done: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            author: String::new(),
            device: None,
            model: None,
            shortcut: "Ctrl+Alt+D".to_string(),
            shortcut_mode: ShortcutMode::Toggle,
            large_text: false,
            first_run_done: false,
        }
    }
}

/// Why settings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be written.
    #[error("kan ikke gemme indstillingerne i {path}: {source}")]
    Write {
        /// The settings file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Where the app keeps its files.
#[derive(Clone, Debug)]
pub struct Dirs {
    /// Settings (`XDG_CONFIG_HOME/dikta`).
    pub config: PathBuf,
    /// Data: drafts, personal autotexts (`XDG_DATA_HOME/dikta`).
    pub data: PathBuf,
}

impl Dirs {
    /// The user's folders (XDG base directories or the platform's equivalents).
    pub fn user() -> Dirs {
        match directories::BaseDirs::new() {
            Some(b) => Dirs {
                config: b.config_dir().join("dikta"),
                data: b.data_dir().join("dikta"),
            },
            None => Dirs {
                config: PathBuf::from(".dikta"),
                data: PathBuf::from(".dikta"),
            },
        }
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.config.join("app.json")
    }
}

impl Settings {
    /// Reads `path`; a missing or unreadable file gives the defaults (and a log line).
    pub fn load(path: &Path) -> Settings {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "settings file unreadable; using defaults");
                Settings::default()
            }),
            Err(_) => Settings::default(),
        }
    }

    /// Writes `path` atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        let err = |source| SettingsError::Write {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| err(e.into()))?;
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults_for_missing_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/app.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let s = Settings {
            author: "Anna Hansen".into(),
            large_text: true,
            shortcut_mode: ShortcutMode::Hold,
            ..Settings::default()
        };
        s.save(&path).expect("save");
        assert_eq!(Settings::load(&path), s);
        std::fs::write(&path, r#"{"author":"Bo"}"#).expect("write");
        let partial = Settings::load(&path);
        assert_eq!(partial.author, "Bo");
        assert_eq!(partial.shortcut, "Ctrl+Alt+D");
        std::fs::write(&path, "not json").expect("write");
        assert_eq!(Settings::load(&path), Settings::default());
    }
}
