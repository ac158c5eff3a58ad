//! Export: a reviewed [`JournalNote`] rendered for the record system or an integrator.
//!
//! Every renderer is a pure function of the note (and, for text, a [`TextProfile`]):
//!
//! - [`cura`] and [`nexus`]: plain text as each system's journal-note field takes it, with
//!   headings as their own lines in FSIII order. The profile is a data file a site can adjust.
//! - [`json`]: the documented, versioned integrator format (`docs/note-schema.v1.json`).
//! - [`fhir`]: an HL7 FHIR R4 document `Bundle` with a `Composition` titled "Journalnotat".
//!
//! Getting the result somewhere is not this module's job: see `crate::delivery` (HTTP with
//! an outbox) and `crate::paste` (the focused window).

pub mod cura;
pub mod fhir;
pub mod json;
pub mod nexus;
pub mod text;

pub use text::{AuthorLine, LineEnding, TextProfile};

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use thiserror::Error;
use uuid::Uuid;

use crate::journal::JournalNote;

/// Code system of FSIII (FællesSprog III) heading codes.
pub const FSIII_SYSTEM: &str = "urn:oid:1.2.208.176.2.21";

/// Identifier system of Danish CPR numbers (DK Core).
pub const CPR_SYSTEM: &str = "urn:oid:1.2.208.176.1.2";

/// Why a note could not be rendered, or a profile could not be read.
///
/// No variant carries note text or a CPR number.
#[derive(Debug, Error)]
pub enum ExportError {
    /// A text profile file could not be read.
    #[error("cannot read text profile {path}: {source}")]
    ProfileIo {
        /// The file.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A text profile is malformed (bad TOML, unknown key, bad value).
    #[error("text profile {origin}: {message}")]
    Profile {
        /// File name or "built-in cura-text" etc.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The citizen's CPR number is not 10 digits (`ddmmyy-ssss`). The number itself is never
    /// shown.
    #[error("the citizen's CPR number is not 10 digits (ddmmyy-ssss); correct it before export")]
    InvalidCpr,
    /// No section of the note has this heading.
    #[error("the note has no text under the heading {0:?}")]
    NoSuchHeading(String),
    /// JSON serialisation failed (not expected for well-formed notes).
    #[error("cannot serialise the export: {0}")]
    Serialise(#[from] serde_json::Error),
}

/// The export formats, by their command-line names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text for Cura (`cura-text`).
    CuraText,
    /// Plain text for Nexus (`nexus-text`).
    NexusText,
    /// The Dikta integrator JSON (`json`), schema `docs/note-schema.v1.json`.
    Json,
    /// HL7 FHIR R4 document Bundle (`fhir`).
    Fhir,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 4] = [
        Format::CuraText,
        Format::NexusText,
        Format::Json,
        Format::Fhir,
    ];

    /// The command-line name, e.g. `cura-text`.
    pub fn name(self) -> &'static str {
        match self {
            Format::CuraText => "cura-text",
            Format::NexusText => "nexus-text",
            Format::Json => "json",
            Format::Fhir => "fhir",
        }
    }

    /// The HTTP media type of the rendered bytes.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::CuraText | Format::NexusText => "text/plain; charset=utf-8",
            Format::Json => "application/json",
            Format::Fhir => "application/fhir+json",
        }
    }

    /// True for the plain-text formats (rendered with a [`TextProfile`]).
    pub fn is_text(self) -> bool {
        matches!(self, Format::CuraText | Format::NexusText)
    }

    /// The built-in text profile of a text format; `None` for JSON and FHIR.
    pub fn builtin_profile(self) -> Option<TextProfile> {
        match self {
            Format::CuraText => Some(cura::profile()),
            Format::NexusText => Some(nexus::profile()),
            Format::Json | Format::Fhir => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name.
#[derive(Debug, Error)]
#[error("unknown export format {0:?} (expected cura-text, nexus-text, json or fhir)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// Everything besides the note that a rendering may depend on.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Text profile to use instead of the format's built-in one (a site override).
    pub profile: Option<TextProfile>,
    /// FHIR-specific options.
    pub fhir: fhir::FhirOptions,
}

/// Render `note` in `format`. Pure: the same note and options give the same bytes.
pub fn render(
    note: &JournalNote,
    format: Format,
    options: &ExportOptions,
) -> Result<String, ExportError> {
    match format {
        Format::CuraText | Format::NexusText => {
            let profile = match &options.profile {
                Some(p) => p.clone(),
                None => format
                    .builtin_profile()
                    .ok_or_else(|| ExportError::Profile {
                        origin: format.name().to_string(),
                        message: "no built-in profile".to_string(),
                    })?,
            };
            Ok(profile.render(note))
        }
        Format::Json => json::render_string(note),
        Format::Fhir => fhir::render_string(note, &options.fhir),
    }
}

/// A digest of the note's content (SHA-256 of its JSON, hex): equal for equal notes, so it
/// identifies one version of a note without revealing its text.
pub fn note_digest(note: &JournalNote) -> String {
    // Serialising plain data structures to a Vec cannot fail; fall back to the id only if it
    // ever did, which still gives a stable value.
    let bytes = serde_json::to_vec(note).unwrap_or_else(|_| note.id.as_bytes().to_vec());
    hex::encode(Sha256::digest(&bytes))
}

/// A name-based UUID (RFC 9562 version 8, SHA-256) for `parts`: the same inputs always give
/// the same UUID, so renderings are reproducible.
pub(crate) fn derived_uuid(parts: &[&[u8]]) -> Uuid {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update((p.len() as u64).to_be_bytes());
        hasher.update(p);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// Text as it may go into a record field: no control characters except line feed and tab,
/// `\r\n` and lone `\r` turned into `\n`, no trailing spaces on a line.
pub(crate) fn clean_text(s: &str) -> String {
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    let filtered: String = unified
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    filtered
        .split('\n')
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Normalise a CPR number to its 10 digits (`ddmmyyssss`), accepting `ddmmyy-ssss`,
/// `ddmmyyssss` and surrounding spaces. The modulus-11 check is deliberately not applied
/// (numbers issued since 2007 need not satisfy it).
pub fn normalise_cpr(cpr: &str) -> Result<String, ExportError> {
    let t = cpr.trim();
    let digits: String = match t.len() {
        11 if t.as_bytes()[6] == b'-' => format!("{}{}", &t[..6], &t[7..]),
        _ => t.to_string(),
    };
    if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ExportError::InvalidCpr)
    }
}

#[cfg(test)]
mod tests;
