//! Things the user must be told about storage: shown by the CLI on stderr and by the app as a
//! banner. They carry paths, counts and ids, never note text or a CPR number.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A storage event the user must see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum StorageNotice {
    /// No OS keyring is available, so the encryption key is kept in a file readable only by
    /// the user. Data at rest is then only as safe as the disk: use full-disk encryption.
    KeyFileInUse {
        /// The key file.
        path: PathBuf,
        /// Whether the file was created just now.
        created: bool,
    },
    /// Drafts older than the retention period were deleted at start-up.
    DraftsPurged {
        /// How many.
        count: usize,
        /// The retention period in days.
        max_age_days: u64,
    },
    /// A draft failed authentication (changed or damaged) and was refused and moved aside.
    DraftRefused {
        /// The draft's file name.
        name: String,
        /// Why, for a person to read.
        reason: String,
        /// Where it now lies, if it could be moved.
        moved_to: Option<PathBuf>,
    },
    /// The draft could not be written (read-only or full disk, ...). The session goes on and
    /// keeps the note in memory; export it before closing.
    DraftNotSaved {
        /// Why, for a person to read.
        reason: String,
    },
    /// Writing the draft works again after a [`StorageNotice::DraftNotSaved`].
    DraftSavedAgain,
}

impl std::fmt::Display for StorageNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageNotice::KeyFileInUse { path, created } => write!(
                f,
                "no OS keyring is available, so the encryption key for drafts {} the file {} \
                 (readable only by you); keep this computer's disk encrypted",
                if *created {
                    "was stored in"
                } else {
                    "is read from"
                },
                path.display()
            ),
            StorageNotice::DraftsPurged {
                count,
                max_age_days,
            } => write!(
                f,
                "deleted {count} draft{} older than {max_age_days} day{}",
                if *count == 1 { "" } else { "s" },
                if *max_age_days == 1 { "" } else { "s" }
            ),
            // The reason already says where the file went.
            StorageNotice::DraftRefused { name, reason, .. } => {
                write!(f, "draft {name} was refused: {reason}")
            }
            StorageNotice::DraftNotSaved { reason } => write!(
                f,
                "the draft cannot be saved ({reason}); dictation goes on and the note is kept \
                 in memory — export it before closing"
            ),
            StorageNotice::DraftSavedAgain => write!(f, "the draft is being saved again"),
        }
    }
}
