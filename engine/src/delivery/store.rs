//! The storage seam of the outbox: named blobs, written atomically, encrypted at rest.
//!
//! [`Store`] is the one interface the outbox uses to touch the disk, so that the privacy
//! work (issue 7: one storage module for every write, key in the OS keyring) can replace
//! [`EncryptedFileStore`] without touching delivery. Until then [`EncryptedFileStore`]
//! encrypts each blob with XChaCha20-Poly1305 under a key the caller passes in;
//! [`OutboxKey::load_or_create`] is the interim key file (0600) the CLI uses.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use thiserror::Error;

/// Problems storing or reading a blob. Never carries blob contents.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("write", "read", ...).
        action: &'static str,
        /// The file or folder.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The name is not a plain file name (letters, digits, `-`, `_`, `.`).
    #[error("invalid store entry name {0:?}")]
    BadName(String),
    /// The blob failed authentication: wrong key, truncated, or tampered with.
    #[error("outbox entry {0} cannot be decrypted (wrong key, damaged or tampered with); it was left in place")]
    Unreadable(String),
    /// The key file is malformed.
    #[error("key file {0}: expected 64 hexadecimal characters (a 256-bit key)")]
    BadKey(String),
}

/// Named blobs that survive a crash. Implementations must make [`Store::put`] atomic and
/// durable (after it returns, a crash leaves either the old or the new blob, never a mix)
/// and must not leave readable plaintext on disk.
pub trait Store {
    /// Write (or replace) the blob `name`.
    fn put(&self, name: &str, data: &[u8]) -> Result<(), StoreError>;
    /// Read the blob `name`; `None` when it does not exist.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Names of all blobs, sorted.
    fn list(&self) -> Result<Vec<String>, StoreError>;
    /// Delete the blob `name` durably; deleting a missing blob is not an error.
    fn remove(&self, name: &str) -> Result<(), StoreError>;
}

/// A 256-bit key for [`EncryptedFileStore`]. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxKey([u8; 32]);

impl std::fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxKey(<redacted>)")
    }
}

impl OutboxKey {
    /// A key from its raw bytes (e.g. from the OS keyring).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        OutboxKey(bytes)
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        OutboxKey(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// Interim key management until the privacy work lands: read the key from `path`
    /// (64 hex characters), or create the file with a fresh key, readable only by the user
    /// (mode 0600). The privacy issue replaces this with the OS keyring.
    pub fn load_or_create(path: &Path) -> Result<Self, StoreError> {
        let io = |action, source| StoreError::Io {
            action,
            path: path.display().to_string(),
            source,
        };
        match fs::read_to_string(path) {
            Ok(text) => {
                let bad = || StoreError::BadKey(path.display().to_string());
                let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
                let key: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
                Ok(OutboxKey(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    create_private_dir(dir)?;
                }
                let key = OutboxKey::generate();
                let mut opts = OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut file = opts.open(path).map_err(|e| io("create", e))?;
                file.write_all(format!("{}\n", hex::encode(key.0)).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| io("write", e))?;
                Ok(key)
            }
            Err(e) => Err(io("read", e)),
        }
    }
}

/// Magic and version at the start of every encrypted blob.
const MAGIC: &[u8; 8] = b"DIKTAOB1";
const NONCE_LEN: usize = 24;
const SUFFIX: &str = ".dikta";

/// Blobs as files in one folder, each encrypted with XChaCha20-Poly1305 (random 192-bit
/// nonce; the entry name is authenticated as associated data, so files cannot be swapped),
/// written via a temporary file, `fsync` and `rename`.
pub struct EncryptedFileStore {
    dir: PathBuf,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl EncryptedFileStore {
    /// A store in `dir` (created with mode 0700 if missing) under `key`.
    pub fn open(dir: impl Into<PathBuf>, key: &OutboxKey) -> Result<Self, StoreError> {
        let dir = dir.into();
        create_private_dir(&dir)?;
        Ok(EncryptedFileStore {
            dir,
            cipher: XChaCha20Poly1305::new(&key.0.into()),
        })
    }

    /// The folder the blobs live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> Result<PathBuf, StoreError> {
        check_name(name)?;
        Ok(self.dir.join(format!("{name}{SUFFIX}")))
    }

    fn io(&self, action: &'static str, path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: path.display().to_string(),
            source,
        }
    }
}

impl Store for EncryptedFileStore {
    fn put(&self, name: &str, data: &[u8]) -> Result<(), StoreError> {
        let path = self.path(name)?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: data,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Unreadable(name.to_string()))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&self.dir)
            .map_err(|e| self.io("create a temporary file in", &self.dir, e))?;
        tmp.write_all(MAGIC)
            .and_then(|()| tmp.write_all(&nonce))
            .and_then(|()| tmp.write_all(&sealed))
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.io("write", tmp.path(), e))?;
        tmp.persist(&path)
            .map_err(|e| self.io("rename into place", &path, e.error))?;
        sync_dir(&self.dir)
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(name)?;
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("read", &path, e)),
        };
        let unreadable = || StoreError::Unreadable(name.to_string());
        if bytes.len() < MAGIC.len() + NONCE_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Err(unreadable());
        }
        let (nonce, sealed) = bytes[MAGIC.len()..].split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: name.as_bytes(),
                },
            )
            .map(Some)
            .map_err(|_| unreadable())
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| self.io("list", &self.dir, e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| self.io("list", &self.dir, e))?;
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

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        let path = self.path(name)?;
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("remove", &path, e)),
        }
    }
}

/// An in-memory [`Store`] for tests and for a session that cannot write to disk.
#[derive(Debug, Default)]
pub struct MemoryStore {
    blobs: std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>,
}

impl MemoryStore {
    fn blobs(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, Vec<u8>>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.blobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn put(&self, name: &str, data: &[u8]) -> Result<(), StoreError> {
        check_name(name)?;
        self.blobs().insert(name.to_string(), data.to_vec());
        Ok(())
    }
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.blobs().get(name).cloned())
    }
    fn list(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.blobs().keys().cloned().collect())
    }
    fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.blobs().remove(name);
        Ok(())
    }
}

fn check_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName(name.to_string()))
    }
}

/// Create `dir` (and parents) readable only by the user.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        action: "create folder",
        path: dir.display().to_string(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io)
}

/// Make a rename or delete in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| StoreError::Io {
                action: "sync folder",
                path: dir.display().to_string(),
                source,
            })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
