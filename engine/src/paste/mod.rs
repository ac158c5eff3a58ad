//! Paste: put text into the focused field of the record system (Cura, Nexus, often through
//! Citrix), the way every Danish dictation product does today.
//!
//! Two methods (X11):
//!
//! - [`Method::Clipboard`]: save the user's clipboard (every format it offers), own the
//!   clipboard with the note text, send Ctrl+V to the focused window, **wait until that
//!   window has fetched the text** (and a short settle time for follow-up requests), and only
//!   then hand the previous clipboard back. If nothing fetches the text in time, the
//!   clipboard is cleared instead of restored, so a late Ctrl+V can never paste the old
//!   clipboard by mistake.
//! - [`Method::Type`]: type the text key by key (for fields that block paste); the
//!   clipboard is not touched. Characters the keyboard layout lacks (æ, ø, å on a US layout)
//!   are typed through a spare keycode that is mapped for the moment and restored after.
//!
//! X11 selections belong to a running program: the saved clipboard is served again by
//! [`hold_clipboard`] until another program takes the clipboard over. A long-running app
//! calls it on a thread; the CLI hands it to a small background process of itself.

mod x11;

use std::time::Duration;

use thiserror::Error;

pub use x11::hold_clipboard;

/// How the text gets into the field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Clipboard and Ctrl+V (fast; restores the clipboard afterwards).
    #[default]
    Clipboard,
    /// Simulated typing (for fields that block paste; slower).
    Type,
}

/// Options of a paste.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasteOptions {
    /// Clipboard or typing.
    pub method: Method,
    /// How long the focused window may take to fetch the clipboard after Ctrl+V.
    pub consume_timeout: Duration,
    /// After the first fetch, keep serving this long (and until requests stop) before
    /// restoring; covers applications that fetch several formats, and clipboard sync.
    pub settle: Duration,
    /// Give this X11 window the keyboard focus first (the CLI's `--window`); `None` uses
    /// the window that has focus.
    pub window: Option<u32>,
    /// Pause between typed keys.
    pub key_delay: Duration,
    /// How long to wait for the user to release modifier keys (Ctrl, Shift, Alt) held from
    /// the hotkey that started the paste.
    pub modifier_release_timeout: Duration,
}

impl Default for PasteOptions {
    fn default() -> Self {
        PasteOptions {
            method: Method::Clipboard,
            consume_timeout: Duration::from_secs(5),
            settle: Duration::from_millis(300),
            window: None,
            key_delay: Duration::from_millis(4),
            modifier_release_timeout: Duration::from_secs(2),
        }
    }
}

/// Why a paste did not happen. Never carries the text.
#[derive(Debug, Error)]
pub enum PasteError {
    /// No X11 display could be opened (no `DISPLAY`, or a Wayland session without XWayland).
    #[error("cannot open the X11 display: {0} (paste needs an X11 session; DISPLAY must be set)")]
    NoDisplay(String),
    /// The X server lacks the XTEST extension needed to send key presses.
    #[error("the X server has no XTEST extension, so Dikta cannot send Ctrl+V or type")]
    NoXTest,
    /// Another program kept the clipboard.
    #[error("could not take over the clipboard")]
    ClipboardBusy,
    /// The focused window did not fetch the text in time; nothing was pasted, and the
    /// clipboard was cleared (not restored) so a late paste cannot insert old content.
    #[error("the focused window did not take the paste within {0:?}; nothing was pasted and the clipboard was cleared (your previous clipboard was not restored). Click into the journal field and try again, or use --type")]
    NotConsumed(Duration),
    /// Another program took the clipboard before the paste was fetched.
    #[error(
        "another program took over the clipboard before the paste was fetched; nothing was pasted"
    )]
    ClipboardLost,
    /// The keyboard map has no key for Ctrl or V, or no spare key for a character.
    #[error("cannot type: {0}")]
    Keyboard(String),
    /// The saved clipboard could not be decoded (CLI hand-over).
    #[error("invalid clipboard snapshot")]
    BadSnapshot,
    /// An X11 protocol or connection error.
    #[error("X11 error: {0}")]
    X11(String),
}

/// One format of a saved clipboard.
#[derive(Clone, PartialEq, Eq)]
pub struct SavedTarget {
    /// Target (format) name, e.g. `UTF8_STRING`, `text/html`, `image/png`.
    pub target: String,
    /// Property type name the owner answered with.
    pub type_name: String,
    /// Property format (8, 16 or 32).
    pub format: u8,
    /// The data as the owner sent it.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for SavedTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedTarget")
            .field("target", &self.target)
            .field("type_name", &self.type_name)
            .field("format", &self.format)
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .finish()
    }
}

/// The user's clipboard as it was before the paste, every format the owner offered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClipboardSnapshot {
    /// The formats, in the order the owner listed them.
    pub targets: Vec<SavedTarget>,
}

impl ClipboardSnapshot {
    /// A snapshot holding only this UTF-8 text.
    pub fn text(text: &str) -> Self {
        ClipboardSnapshot {
            targets: vec![SavedTarget {
                target: "UTF8_STRING".into(),
                type_name: "UTF8_STRING".into(),
                format: 8,
                data: text.as_bytes().to_vec(),
            }],
        }
    }

    /// Encode for handing to another process (length-prefixed fields).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"DKCLIP1\n".to_vec();
        out.extend((self.targets.len() as u32).to_le_bytes());
        for t in &self.targets {
            for field in [t.target.as_bytes(), t.type_name.as_bytes(), &t.data] {
                out.extend((field.len() as u64).to_le_bytes());
                out.extend(field);
            }
            out.push(t.format);
        }
        out
    }

    /// Decode [`ClipboardSnapshot::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PasteError> {
        let mut rest = bytes
            .strip_prefix(b"DKCLIP1\n")
            .ok_or(PasteError::BadSnapshot)?;
        fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], PasteError> {
            if rest.len() < n {
                return Err(PasteError::BadSnapshot);
            }
            let (a, b) = rest.split_at(n);
            *rest = b;
            Ok(a)
        }
        let count = u32::from_le_bytes(
            take(&mut rest, 4)?
                .try_into()
                .map_err(|_| PasteError::BadSnapshot)?,
        );
        let mut targets = Vec::new();
        for _ in 0..count {
            let mut fields = Vec::with_capacity(3);
            for _ in 0..3 {
                let len = u64::from_le_bytes(
                    take(&mut rest, 8)?
                        .try_into()
                        .map_err(|_| PasteError::BadSnapshot)?,
                );
                let len = usize::try_from(len).map_err(|_| PasteError::BadSnapshot)?;
                fields.push(take(&mut rest, len)?.to_vec());
            }
            let format = take(&mut rest, 1)?[0];
            let data = fields.pop().unwrap_or_default();
            let type_name = String::from_utf8(fields.pop().unwrap_or_default())
                .map_err(|_| PasteError::BadSnapshot)?;
            let target = String::from_utf8(fields.pop().unwrap_or_default())
                .map_err(|_| PasteError::BadSnapshot)?;
            targets.push(SavedTarget {
                target,
                type_name,
                format,
                data,
            });
        }
        if !rest.is_empty() {
            return Err(PasteError::BadSnapshot);
        }
        Ok(ClipboardSnapshot { targets })
    }
}

/// What a paste did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasteReport {
    /// The method used.
    pub method: Method,
    /// Characters put into the field.
    pub chars: usize,
    /// The clipboard before the paste (clipboard method only): `Some` when it held
    /// something that should now be restored with [`hold_clipboard`]; `None` when it was
    /// empty (it has been left empty) or the method did not touch it.
    pub previous_clipboard: Option<ClipboardSnapshot>,
}

/// Paste `text` into the focused window (or `options.window`).
pub fn paste(text: &str, options: &PasteOptions) -> Result<PasteReport, PasteError> {
    x11::paste(text, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trips_and_rejects_garbage() {
        let s = ClipboardSnapshot {
            targets: vec![
                SavedTarget {
                    target: "UTF8_STRING".into(),
                    type_name: "UTF8_STRING".into(),
                    format: 8,
                    data: "før æøå".as_bytes().to_vec(),
                },
                SavedTarget {
                    target: "image/png".into(),
                    type_name: "image/png".into(),
                    format: 8,
                    data: vec![0, 1, 2, 255],
                },
            ],
        };
        let b = s.to_bytes();
        assert_eq!(ClipboardSnapshot::from_bytes(&b).unwrap(), s);
        assert!(ClipboardSnapshot::from_bytes(&b[..b.len() - 1]).is_err());
        assert!(ClipboardSnapshot::from_bytes(b"nonsense").is_err());
        let mut long = b.clone();
        long.push(0);
        assert!(ClipboardSnapshot::from_bytes(&long).is_err());
        assert!(!format!("{s:?}").contains("før"));
    }

    #[test]
    fn no_display_is_a_clear_error() {
        if std::env::var_os("DISPLAY").is_some() {
            return;
        }
        let err = paste("x", &PasteOptions::default()).unwrap_err();
        assert!(matches!(err, PasteError::NoDisplay(_)), "{err}");
    }
}
