//! The encryption key: kept in the OS keyring (macOS Keychain, Windows Credential Manager,
//! the Secret Service on Linux desktops), or — where no keyring service exists, as on a
//! headless Linux machine — in a key file readable only by the user (mode 0600) under the
//! data folder, with a [`StorageNotice::KeyFileInUse`] telling the user so when the file is
//! created.
//!
//! A small marker file (`key-location`, not secret) remembers which of the two holds the key,
//! so that a keyring that is missing one day (an SSH login without a desktop session) never
//! silently makes Dikta start a second key beside the first.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::atomic::{create_private_dir, write_atomic};
use super::crypto::MasterKey;
use super::{DataDirs, StorageError, StorageNotice};

/// Keyring service name of Dikta's key.
pub const KEYRING_SERVICE: &str = "dikta";
/// Keyring account name of Dikta's key.
pub const KEYRING_USER: &str = "drafts-key";

/// Which key store to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyBackend {
    /// The OS keyring when one answers, else the key file (and the user is told).
    #[default]
    Auto,
    /// Only the OS keyring; fail when it is unavailable.
    Keyring,
    /// Only the key file (0600), e.g. for kiosks and tests.
    File,
}

impl KeyBackend {
    /// From `DIKTA_KEY_STORE` (`auto`, `keyring`, `file`); `Auto` when unset or unknown.
    pub fn from_env() -> Self {
        match std::env::var("DIKTA_KEY_STORE").as_deref() {
            Ok("keyring") => KeyBackend::Keyring,
            Ok("file") => KeyBackend::File,
            _ => KeyBackend::Auto,
        }
    }
}

/// Where the key in use lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// The OS keyring, under [`KEYRING_SERVICE`] / [`KEYRING_USER`].
    Keyring,
    /// A key file.
    File(PathBuf),
}

impl std::fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyLocation::Keyring => write!(f, "OS keyring ({KEYRING_SERVICE}/{KEYRING_USER})"),
            KeyLocation::File(p) => write!(f, "key file {}", p.display()),
        }
    }
}

/// The key Dikta seals with, where it came from, and what the user must be told.
#[derive(Debug)]
pub struct LoadedKey {
    /// The key.
    pub key: MasterKey,
    /// Where it is kept.
    pub location: KeyLocation,
    /// Notices for the user (the key-file fallback).
    pub notices: Vec<StorageNotice>,
}

/// Load the key, creating one on first use.
pub fn load_or_create(dirs: &DataDirs, backend: KeyBackend) -> Result<LoadedKey, StorageError> {
    create_private_dir(&dirs.data)?;
    let marker = read_marker(&dirs.key_marker());
    let use_file = match backend {
        KeyBackend::File => true,
        KeyBackend::Keyring => false,
        KeyBackend::Auto => marker.as_deref() == Some("file") || dirs.key_file().exists(),
    };
    if !use_file {
        match keyring_key(marker.as_deref() == Some("keyring")) {
            Ok(key) => {
                if marker.as_deref() != Some("keyring") {
                    write_atomic(&dirs.key_marker(), b"keyring\n")?;
                }
                return Ok(LoadedKey {
                    key,
                    location: KeyLocation::Keyring,
                    notices: Vec::new(),
                });
            }
            Err(reason) => {
                if backend == KeyBackend::Keyring || marker.as_deref() == Some("keyring") {
                    return Err(StorageError::Key(format!(
                        "the key is kept in the OS keyring, which cannot be used now ({reason}); \
                         unlock or start the keyring and try again"
                    )));
                }
                tracing::info!(%reason, "no OS keyring; using a key file");
            }
        }
    }
    let (key, created) = file_key(&dirs.key_file())?;
    if marker.as_deref() != Some("file") {
        write_atomic(&dirs.key_marker(), b"file\n")?;
    }
    let path = dirs.key_file();
    tracing::info!(path = %path.display(), created, "encryption key kept in a key file (0600)");
    // The user is told when the file is made; `dikta drafts info` and the app's settings
    // show the key's location at any time.
    let notices = if created {
        vec![StorageNotice::KeyFileInUse {
            path: path.clone(),
            created,
        }]
    } else {
        Vec::new()
    };
    Ok(LoadedKey {
        key,
        location: KeyLocation::File(path),
        notices,
    })
}

fn read_marker(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| s == "keyring" || s == "file")
}

/// Read the key file, or create it with a fresh key (0600, written atomically).
fn file_key(path: &Path) -> Result<(MasterKey, bool), StorageError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bad = || {
                StorageError::Key(format!(
                    "{}: expected 64 hexadecimal characters (a 256-bit key)",
                    path.display()
                ))
            };
            let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
            let bytes: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
            tighten_permissions(path)?;
            Ok((MasterKey::from_bytes(bytes), false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            let mut text = hex::encode(key.expose_bytes());
            text.push('\n');
            write_atomic(path, text.as_bytes())?;
            zeroize::Zeroize::zeroize(&mut text);
            Ok((key, true))
        }
        Err(e) => Err(StorageError::io("read", path, e)),
    }
}

/// Make sure only the user can read the key file.
fn tighten_permissions(path: &Path) -> Result<(), StorageError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| StorageError::io("inspect", path, e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "key file was readable by others; set to 0600");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StorageError::io("restrict permissions of", path, e))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether an OS keyring can be reached at all, without asking it anything. On Linux the
/// Secret Service needs a D-Bus session bus; without one, asking would only fail slowly.
fn keyring_reachable() -> bool {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            return true;
        }
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(|d| Path::new(&d).join("bus").exists())
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// How long the keyring may take to answer (it may ask the user to unlock it).
const KEYRING_TIMEOUT: Duration = Duration::from_secs(60);

/// Get the key from the OS keyring, storing a new one there when none exists yet.
/// `expect_existing`: the marker says the key is there, so a missing entry is an error.
fn keyring_key(expect_existing: bool) -> Result<MasterKey, String> {
    if !keyring_reachable() {
        return Err("no D-Bus session bus (no desktop session)".into());
    }
    // The keyring libraries block (and may wait for the user to unlock); run them on their
    // own thread so a hung service cannot hang Dikta.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("dikta-keyring".into())
        .spawn(move || {
            let _ = tx.send(keyring_key_blocking(expect_existing));
        })
        .map_err(|e| format!("cannot start the keyring thread: {e}"))?;
    rx.recv_timeout(KEYRING_TIMEOUT)
        .map_err(|_| "the OS keyring did not answer".to_string())?
}

#[cfg(any(target_os = "linux", target_os = "macos", windows))]
fn keyring_key_blocking(expect_existing: bool) -> Result<MasterKey, String> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, KEYRING_USER).map_err(|e| e.to_string())?;
    match entry.get_secret() {
        Ok(mut secret) => {
            let parsed: Result<[u8; 32], _> = secret.as_slice().try_into();
            zeroize::Zeroize::zeroize(&mut secret);
            parsed
                .map(MasterKey::from_bytes)
                .map_err(|_| "the keyring entry is not a 256-bit key".to_string())
        }
        Err(keyring::Error::NoEntry) if expect_existing => {
            Err("the key has disappeared from the keyring".to_string())
        }
        Err(keyring::Error::NoEntry) => {
            let key = MasterKey::generate();
            entry
                .set_secret(key.expose_bytes())
                .map_err(|e| e.to_string())?;
            // Some backends accept a write they cannot keep; read it back to be sure.
            let back = entry.get_secret().map_err(|e| e.to_string())?;
            if back.as_slice() != key.expose_bytes() {
                return Err("the keyring did not keep the key".into());
            }
            Ok(key)
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn keyring_key_blocking(_expect_existing: bool) -> Result<MasterKey, String> {
    Err("no OS keyring support on this platform".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_backend_creates_a_private_key_once_and_says_so() {
        let root = tempfile::tempdir().unwrap();
        let dirs = DataDirs::under(root.path());
        let first = load_or_create(&dirs, KeyBackend::File).unwrap();
        assert_eq!(
            first.notices,
            vec![StorageNotice::KeyFileInUse {
                path: dirs.key_file(),
                created: true
            }]
        );
        let second = load_or_create(&dirs, KeyBackend::Auto).unwrap();
        assert_eq!(second.key.id(), first.key.id());
        assert!(second.notices.is_empty());
        assert_eq!(second.location, KeyLocation::File(dirs.key_file()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dirs.key_file())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(dirs.key_file(), std::fs::Permissions::from_mode(0o644))
                .unwrap();
            load_or_create(&dirs, KeyBackend::File).unwrap();
            let mode = std::fs::metadata(dirs.key_file())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_file_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let dirs = DataDirs::under(root.path());
        std::fs::create_dir_all(&dirs.data).unwrap();
        std::fs::write(dirs.key_file(), "not a key").unwrap();
        let e = load_or_create(&dirs, KeyBackend::File).unwrap_err();
        assert!(e.to_string().contains("64 hexadecimal"), "{e}");
    }

    #[test]
    fn keyring_marker_without_keyring_is_an_error_not_a_second_key() {
        let root = tempfile::tempdir().unwrap();
        let dirs = DataDirs::under(root.path());
        std::fs::create_dir_all(&dirs.data).unwrap();
        std::fs::write(dirs.key_marker(), "keyring\n").unwrap();
        if keyring_reachable() {
            eprintln!("SKIP: a keyring may be reachable here");
            return;
        }
        let e = load_or_create(&dirs, KeyBackend::Auto).unwrap_err();
        assert!(matches!(e, StorageError::Key(_)), "{e}");
        assert!(!dirs.key_file().exists());
    }
}
