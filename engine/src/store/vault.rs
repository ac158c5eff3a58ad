//! A folder of sealed entries: named blobs, each encrypted and authenticated on its own
//! ([`super::crypto`]) and written atomically ([`super::atomic`]). Drafts, the outbox, kept
//! audio and private settings are all vaults.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::atomic::{create_private_dir, remove_durably, rename_durably, write_atomic};
use super::crypto::{self, MasterKey, OpenError};
use super::StorageError;

/// File-name ending of every sealed entry.
pub const SUFFIX: &str = ".sealed";

/// A folder of encrypted, atomically written entries.
#[derive(Clone)]
pub struct Vault {
    dir: PathBuf,
    purpose: &'static str,
    key: Arc<MasterKey>,
    quarantine: Option<PathBuf>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A vault in `dir` (created 0700 if missing) for entries of one `purpose` (the purpose
    /// is authenticated, so an entry cannot be moved into another vault).
    pub fn open(
        dir: impl Into<PathBuf>,
        purpose: &'static str,
        key: Arc<MasterKey>,
    ) -> Result<Self, StorageError> {
        let dir = dir.into();
        create_private_dir(&dir)?;
        Ok(Vault {
            dir,
            purpose,
            key,
            quarantine: None,
        })
    }

    /// Move entries that fail authentication into `dir` instead of leaving them in place.
    pub fn with_quarantine(mut self, dir: impl Into<PathBuf>) -> Self {
        self.quarantine = Some(dir.into());
        self
    }

    /// The vault's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of entry `name`.
    pub fn path_of(&self, name: &str) -> Result<PathBuf, StorageError> {
        check_name(name)?;
        Ok(self.dir.join(format!("{name}{SUFFIX}")))
    }

    /// Seal and write (or replace) entry `name`, atomically and durably.
    pub fn put(&self, name: &str, data: &[u8]) -> Result<(), StorageError> {
        let path = self.path_of(name)?;
        let sealed = crypto::seal(&self.key, self.purpose, name, data).ok_or_else(|| {
            StorageError::Format {
                name: name.to_string(),
            }
        })?;
        write_atomic(&path, &sealed)
    }

    /// Read and authenticate entry `name`; `None` when it does not exist. An entry that
    /// fails authentication is refused ([`StorageError::Tampered`]) and, when the vault has a
    /// quarantine folder, moved there.
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let path = self.path_of(name)?;
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StorageError::io("read", &path, e)),
        };
        match crypto::open(&self.key, self.purpose, name, &bytes) {
            Ok(plain) => Ok(Some(plain)),
            Err(OpenError::WrongKey) => Err(StorageError::WrongKey {
                name: file_name(&path),
            }),
            Err(OpenError::Tampered) => {
                let moved_to = self.move_aside(&path);
                tracing::warn!(
                    entry = %file_name(&path),
                    purpose = self.purpose,
                    moved = moved_to.is_some(),
                    "stored entry failed authentication; refused"
                );
                Err(StorageError::Tampered {
                    name: file_name(&path),
                    moved_to,
                })
            }
        }
    }

    /// Serialise `value` as JSON and [`Vault::put`] it.
    pub fn put_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StorageError> {
        let bytes = serde_json::to_vec(value).map_err(|_| StorageError::Format {
            name: name.to_string(),
        })?;
        self.put(name, &bytes)
    }

    /// [`Vault::get`] and parse JSON.
    pub fn get_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StorageError> {
        match self.get(name)? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|_| StorageError::Format {
                        name: format!("{name}{SUFFIX}"),
                    })
            }
        }
    }

    /// Names of all entries, sorted. Temporary files and foreign files are ignored.
    pub fn list(&self) -> Result<Vec<String>, StorageError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StorageError::io("list", &self.dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StorageError::io("list", &self.dir, e))?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            if let Some(name) = file_name.strip_suffix(SUFFIX) {
                if check_name(name).is_ok() {
                    names.push(name.to_string());
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// Delete entry `name` durably. Returns whether it existed.
    pub fn remove(&self, name: &str) -> Result<bool, StorageError> {
        remove_durably(&self.path_of(name)?)
    }

    /// When entry `name` was last written, from the file system.
    pub fn modified(&self, name: &str) -> Option<SystemTime> {
        let path = self.path_of(name).ok()?;
        fs::metadata(path).and_then(|m| m.modified()).ok()
    }

    fn move_aside(&self, path: &Path) -> Option<PathBuf> {
        let dir = self.quarantine.as_ref()?;
        create_private_dir(dir).ok()?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        // Two refusals within one millisecond must not overwrite each other's evidence.
        let target = (0u32..)
            .map(|n| match n {
                0 => dir.join(format!("{}.{stamp}", file_name(path))),
                n => dir.join(format!("{}.{stamp}-{n}", file_name(path))),
            })
            .find(|p| !p.exists())?;
        match rename_durably(path, &target) {
            Ok(()) => Some(target),
            Err(e) => {
                tracing::warn!(error = %e, "cannot move a refused entry aside");
                None
            }
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Entry names are plain file names: ASCII letters, digits, `-`, `_`, `.`; not starting with
/// a dot; at most 128 bytes.
pub fn check_name(name: &str) -> Result<(), StorageError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StorageError::BadName(name.to_string()))
    }
}

/// The outbox of [`crate::delivery`] keeps its entries in a vault: same guarantees
/// (atomic, durable, encrypted), under the key from the OS keyring.
impl crate::delivery::Store for Vault {
    fn put(&self, name: &str, data: &[u8]) -> Result<(), crate::delivery::StoreError> {
        Vault::put(self, name, data).map_err(to_delivery)
    }
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, crate::delivery::StoreError> {
        Vault::get(self, name).map_err(to_delivery)
    }
    fn list(&self) -> Result<Vec<String>, crate::delivery::StoreError> {
        Vault::list(self).map_err(to_delivery)
    }
    fn remove(&self, name: &str) -> Result<(), crate::delivery::StoreError> {
        Vault::remove(self, name).map(|_| ()).map_err(to_delivery)
    }
}

fn to_delivery(e: StorageError) -> crate::delivery::StoreError {
    use crate::delivery::StoreError as D;
    match e {
        StorageError::BadName(n) => D::BadName(n),
        StorageError::Tampered { name, .. }
        | StorageError::WrongKey { name }
        | StorageError::Format { name } => D::Unreadable(name),
        StorageError::Io {
            action,
            path,
            source,
        } => D::Io {
            action,
            path: path.display().to_string(),
            source,
        },
        other => D::Io {
            action: "store",
            path: String::new(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(dir: &Path) -> Vault {
        Vault::open(dir.join("v"), "test", Arc::new(MasterKey::generate()))
            .unwrap()
            .with_quarantine(dir.join("q"))
    }

    #[test]
    fn put_get_list_remove() {
        let tmp = tempfile::tempdir().unwrap();
        let v = vault(tmp.path());
        v.put("b", b"two").unwrap();
        v.put("a", b"one").unwrap();
        assert_eq!(v.list().unwrap(), vec!["a", "b"]);
        assert_eq!(v.get("a").unwrap().unwrap(), b"one");
        assert_eq!(v.get("c").unwrap(), None);
        assert!(v.remove("a").unwrap());
        assert_eq!(v.list().unwrap(), vec!["b"]);
        assert!(matches!(v.put("../x", b""), Err(StorageError::BadName(_))));
        let raw = fs::read(v.path_of("b").unwrap()).unwrap();
        assert!(!raw.windows(3).any(|w| w == b"two"));
    }

    #[test]
    fn tampered_entry_is_refused_and_moved_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let v = vault(tmp.path());
        v.put("a", b"secret text").unwrap();
        let p = v.path_of("a").unwrap();
        let mut raw = fs::read(&p).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 0x80;
        fs::write(&p, raw).unwrap();
        match v.get("a") {
            Err(StorageError::Tampered {
                moved_to: Some(to), ..
            }) => assert!(to.starts_with(tmp.path().join("q"))),
            other => panic!("expected Tampered, got {other:?}"),
        }
        assert!(!p.exists());
        assert!(v.list().unwrap().is_empty());
    }

    #[test]
    fn refusals_in_quick_succession_all_keep_their_evidence() {
        let tmp = tempfile::tempdir().unwrap();
        let v = vault(tmp.path());
        // Many refusals of the same entry fall within one millisecond on a fast machine.
        for _ in 0..20 {
            let p = v.path_of("a").unwrap();
            fs::write(&p, b"not a sealed entry").unwrap();
            assert!(matches!(v.get("a"), Err(StorageError::Tampered { .. })));
        }
        assert_eq!(fs::read_dir(tmp.path().join("q")).unwrap().count(), 20);
    }

    #[test]
    fn outbox_runs_on_a_vault() {
        use crate::delivery::Outbox;
        let tmp = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(vault(tmp.path()));
        let note = crate::journal::JournalNote::new("Anna", chrono::Utc::now().fixed_offset());
        let entry = outbox
            .enqueue(
                &note,
                crate::export::Format::Json,
                "https://example.invalid/notes",
                &crate::export::ExportOptions::default(),
            )
            .unwrap();
        assert_eq!(outbox.get(entry.id).unwrap().unwrap(), entry);
        outbox.confirm(entry.id).unwrap();
        assert!(outbox.get(entry.id).unwrap().is_none());
    }
}
