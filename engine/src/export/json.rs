//! The integrator JSON format `dikta-note`, version 1.
//!
//! A stable, documented shape (JSON Schema: `docs/note-schema.v1.json`), decoupled from the
//! engine's internal note types so that those can evolve. Changes within version 1 are
//! additive only: new optional properties, never renamed or removed ones.

use serde::Serialize;
use uuid::Uuid;

use super::{clean_text, ExportError, FSIII_SYSTEM};
use crate::journal::{Break, HeadingGroup, JournalNote, Provenance, Section, Sentence};

/// Value of the `format` property.
pub const FORMAT: &str = "dikta-note";

/// Value of the `format_version` property.
pub const FORMAT_VERSION: u32 = 1;

/// `$id` of the JSON Schema that describes this format.
pub const SCHEMA_ID: &str = "urn:dikta:schema:note:v1";

/// The JSON Schema of this format, as shipped in `docs/note-schema.v1.json`.
pub const SCHEMA_JSON: &str = include_str!("../../../docs/note-schema.v1.json");

/// A note in the integrator format.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoteDocument {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// Always [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The note's id; stable across versions of the same note.
    pub note_id: Uuid,
    /// SHA-256 of this version of the note: equal for equal content.
    pub note_digest: String,
    /// Who wrote the note.
    pub author: String,
    /// When the note was written (RFC 3339 with offset).
    pub created: String,
    /// The citizen, when the worker gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citizen: Option<CitizenDocument>,
    /// True when a sentence carries a review flag (unfilled field, uncertain heading, CPR).
    pub needs_attention: bool,
    /// The whole note as plain text (headings as lines, `\n` line endings).
    pub text: String,
    /// Sections with text, in note (FSIII) order.
    pub sections: Vec<SectionDocument>,
}

/// The citizen reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CitizenDocument {
    /// CPR number as 10 digits, no hyphen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpr: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The citizen's id in the record system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

/// One heading and its text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SectionDocument {
    /// Heading name, e.g. "Ernæring".
    pub heading: String,
    /// FSIII UUID code; absent for site headings and "Øvrigt".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// [`FSIII_SYSTEM`] when `code` is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_system: Option<&'static str>,
    /// FSIII group of the heading.
    pub group: HeadingGroup,
    /// Sort position (lower first).
    pub order: u32,
    /// The section's text (`\n` line endings).
    pub text: String,
    /// Its sentences in order.
    pub sentences: Vec<SentenceDocument>,
}

/// One sentence with where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SentenceDocument {
    /// Id, unique within the note.
    pub id: u64,
    /// The text.
    pub text: String,
    /// Layout before the sentence: `none`, `line` or `paragraph`.
    pub break_before: Break,
    /// Why the sentence is under its heading.
    pub provenance: ProvenanceDocument,
    /// Review flags.
    pub flags: FlagsDocument,
}

/// Why a sentence is under its heading.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProvenanceDocument {
    /// The worker spoke the heading.
    SpokenHeading,
    /// The placement lexicon matched.
    Lexicon {
        /// Matching terms, most important first.
        terms: Vec<String>,
        /// Confidence 0..=1.
        confidence: f32,
    },
    /// An inserted autotext.
    Autotext {
        /// Autotext name.
        name: String,
        /// Library layer (site, team, personal).
        #[serde(skip_serializing_if = "Option::is_none")]
        layer: Option<String>,
    },
    /// No heading spoken and no confident match.
    Default {
        /// Best guess below the threshold.
        #[serde(skip_serializing_if = "Option::is_none")]
        guess: Option<String>,
        /// Confidence of the guess 0..=1.
        confidence: f32,
    },
    /// Moved by the worker.
    MovedByUser {
        /// Heading it came from.
        from: String,
    },
}

/// Review flags of a sentence, all always present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlagsDocument {
    /// A CPR number in the dictation was masked.
    pub masked_cpr: bool,
    /// A CPR number in the dictation was left readable.
    pub contains_cpr: bool,
    /// Autotext fields still unfilled.
    pub unfilled_fields: u32,
    /// The heading was a low-confidence guess.
    pub uncertain_heading: bool,
}

/// The note in the integrator format.
pub fn document(note: &JournalNote) -> Result<NoteDocument, ExportError> {
    let citizen = match &note.citizen {
        None => None,
        Some(c) => Some(CitizenDocument {
            cpr: c.cpr.as_deref().map(super::normalise_cpr).transpose()?,
            name: c.name.clone(),
            record_id: c.record_id.clone(),
        }),
    };
    let sections = note
        .sections
        .iter()
        .filter(|s| s.sentences.iter().any(|x| !x.text.trim().is_empty()))
        .map(section)
        .collect();
    Ok(NoteDocument {
        format: FORMAT,
        format_version: FORMAT_VERSION,
        note_id: note.id,
        note_digest: super::note_digest(note),
        author: note.author.clone(),
        created: note.created.to_rfc3339(),
        citizen,
        needs_attention: note.needs_attention(),
        text: clean_text(&note.plain_text()),
        sections,
    })
}

fn section(s: &Section) -> SectionDocument {
    SectionDocument {
        heading: s.heading.name.clone(),
        code: s.heading.code.clone(),
        code_system: s.heading.code.as_ref().map(|_| FSIII_SYSTEM),
        group: s.heading.group,
        order: s.heading.order,
        text: clean_text(&s.body_text()).trim().to_string(),
        sentences: s.sentences.iter().map(sentence).collect(),
    }
}

fn sentence(s: &Sentence) -> SentenceDocument {
    SentenceDocument {
        id: s.id.0,
        text: clean_text(&s.text),
        break_before: s.break_before,
        provenance: provenance(&s.provenance),
        flags: FlagsDocument {
            masked_cpr: s.flags.masked_cpr,
            contains_cpr: s.flags.contains_cpr,
            unfilled_fields: s.flags.unfilled_fields,
            uncertain_heading: s.flags.uncertain_heading,
        },
    }
}

fn provenance(p: &Provenance) -> ProvenanceDocument {
    match p {
        Provenance::SpokenHeading => ProvenanceDocument::SpokenHeading,
        Provenance::Lexicon { terms, confidence } => ProvenanceDocument::Lexicon {
            terms: terms.clone(),
            confidence: *confidence,
        },
        Provenance::Autotext { name, layer } => ProvenanceDocument::Autotext {
            name: name.clone(),
            layer: layer.clone(),
        },
        Provenance::Default { guess, confidence } => ProvenanceDocument::Default {
            guess: guess.clone(),
            confidence: *confidence,
        },
        Provenance::MovedByUser { from } => ProvenanceDocument::MovedByUser { from: from.clone() },
    }
}

/// The note in the integrator format as pretty-printed JSON.
pub fn render_string(note: &JournalNote) -> Result<String, ExportError> {
    let mut s = serde_json::to_string_pretty(&document(note)?)?;
    s.push('\n');
    Ok(s)
}
