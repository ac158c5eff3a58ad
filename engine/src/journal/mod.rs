//! The journal note: the structured result of a dictation, ready for review and export.
//!
//! A [`JournalNote`] holds sections (one per heading, in FSIII order; site headings in the
//! order they were first spoken; "Øvrigt" last). Every [`Sentence`] records why it sits
//! under its heading ([`Provenance`]) and what the reviewer must look at ([`SentenceFlags`]).
//! The note changes only through [`NoteEdit`]s, which makes undo and UI updates simple.
//!
//! The serde shape of these types is a public contract (JSON export, app, integrators):
//! changes must stay additive.

mod edit;

pub use edit::{EditError, NoteEdit};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of the serialised [`JournalNote`] shape; bumped only for non-additive changes.
pub const NOTE_SCHEMA_VERSION: u32 = 1;

/// A journal note under construction or finished: author, time, citizen and sections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalNote {
    /// Version of this serialised shape ([`NOTE_SCHEMA_VERSION`]).
    #[serde(default = "schema_version_default")]
    pub schema_version: u32,
    /// Unique id of the note.
    pub id: Uuid,
    /// Who wrote the note (Autorisationsloven § 22: the note must show its author).
    pub author: String,
    /// When the note was written, with the local UTC offset.
    pub created: DateTime<FixedOffset>,
    /// The citizen the note is about, when the caller knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen: Option<CitizenRef>,
    /// Sections in display order (see [`HeadingRef::order`]).
    #[serde(default)]
    pub sections: Vec<Section>,
}

fn schema_version_default() -> u32 {
    NOTE_SCHEMA_VERSION
}

/// Who the note is about. Any of the fields may be absent.
///
/// `Debug` never prints the CPR number.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenRef {
    /// CPR number as `ddmmyy-ssss`, when the caller supplies it (never taken from dictation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpr: Option<String>,
    /// Display name of the citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identifier of the citizen in the record system (Cura / Nexus id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

impl std::fmt::Debug for CitizenRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenRef")
            .field("cpr", &self.cpr.as_ref().map(|_| "<redacted>"))
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("record_id", &self.record_id)
            .finish()
    }
}

/// Which part of FSIII a heading belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadingGroup {
    /// Generelle oplysninger (Mestring, Motivation, ...).
    GeneralInformation,
    /// Kommunale pleje- og omsorgstilstande (Egenomsorg, Praktiske opgaver, ...).
    FunctionArea,
    /// Kommunale sygeplejetilstande, the 12 nursing areas.
    NursingArea,
    /// A heading the site (municipality, team) added in its own data file; not FSIII.
    Site,
    /// The fallback heading "Øvrigt" for text with no better place.
    Other,
}

/// A heading as the note stores it: self-contained, so exporters need no table.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeadingRef {
    /// Heading text as shown, e.g. "Søvn og hvile".
    pub name: String,
    /// FSIII UUID code (system `urn:oid:1.2.208.176.2.21`); `None` for site headings and Øvrigt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// FSIII group of the heading.
    pub group: HeadingGroup,
    /// Sort position in the note: lower first. FSIII headings use their table order, site
    /// headings are placed after FSIII headings in the order they were first used.
    pub order: u32,
}

/// All sentences under one heading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// The heading of this section.
    pub heading: HeadingRef,
    /// Sentences in dictation order.
    #[serde(default)]
    pub sentences: Vec<Sentence>,
}

/// Identifier of a sentence, unique within its note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SentenceId(pub u64);

/// How a sentence starts relative to the text before it in the same section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Break {
    /// Continues on the same line, after a space.
    #[default]
    None,
    /// Starts on a new line ("ny linje").
    Line,
    /// Starts a new paragraph ("nyt afsnit").
    Paragraph,
}

/// One sentence (or one inserted autotext) of the note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Stable identifier within the note.
    pub id: SentenceId,
    /// The text as it should appear in the record. May contain `\n` (autotexts).
    pub text: String,
    /// Layout before this sentence.
    #[serde(default, skip_serializing_if = "is_default")]
    pub break_before: Break,
    /// Why the sentence is under its heading.
    pub provenance: Provenance,
    /// Things the reviewer must notice.
    #[serde(default, skip_serializing_if = "is_default")]
    pub flags: SentenceFlags,
    /// Autotext fields inside `text`, in order; empty for dictated sentences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldSpan>,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Why a sentence is under its heading, so the app can show it and the worker can move it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// The worker spoke the heading ("overskrift ernæring", "ernæring kolon").
    SpokenHeading,
    /// The placement lexicon matched these terms with this confidence (0..=1).
    Lexicon {
        /// Lexicon terms that matched, most important first.
        terms: Vec<String>,
        /// Confidence of the placement, 0..=1.
        confidence: f32,
    },
    /// The sentence is an inserted autotext.
    Autotext {
        /// Name of the autotext.
        name: String,
        /// Library layer it came from ("site", "team", "personal").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layer: Option<String>,
    },
    /// No spoken heading and no confident lexicon match: the sentence stayed under the
    /// current heading, or went to Øvrigt when there was none.
    Default {
        /// The lexicon's best guess, when it had one below the threshold.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        guess: Option<String>,
        /// Confidence of that guess, 0..=1.
        #[serde(default)]
        confidence: f32,
    },
    /// The worker (or the app on the worker's behalf) moved the sentence here.
    MovedByUser {
        /// Heading name the sentence was moved from.
        from: String,
    },
}

/// Review flags on a sentence. All false / zero means nothing to notice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentenceFlags {
    /// A CPR number was detected in the dictation and masked (`******-****`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub masked_cpr: bool,
    /// A CPR number was detected and left readable (masking turned off by the caller).
    #[serde(default, skip_serializing_if = "is_false")]
    pub contains_cpr: bool,
    /// Number of autotext fields still unfilled.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unfilled_fields: u32,
    /// The placement was a low-confidence guess; the worker should check the heading.
    #[serde(default, skip_serializing_if = "is_false")]
    pub uncertain_heading: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// An autotext field inside a sentence's text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpan {
    /// Byte offset of the field's text in [`Sentence::text`].
    pub start: usize,
    /// Byte offset just past the field's text.
    pub end: usize,
    /// The choices of a `[a|b]` field, default first; empty for a free `[ ]` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Whether the field has been filled (by voice, or with its default).
    #[serde(default)]
    pub filled: bool,
}

impl JournalNote {
    /// An empty note by `author`, created at `created`, with a fresh id.
    pub fn new(author: impl Into<String>, created: DateTime<FixedOffset>) -> Self {
        JournalNote {
            schema_version: NOTE_SCHEMA_VERSION,
            id: Uuid::new_v4(),
            author: author.into(),
            created,
            citizen: None,
            sections: Vec::new(),
        }
    }

    /// True when the note holds no sentence.
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.sentences.is_empty())
    }

    /// The section with this heading name, if present.
    pub fn section(&self, heading: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.heading.name == heading)
    }

    /// The sentence with this id and the heading it is under.
    pub fn sentence(&self, id: SentenceId) -> Option<(&HeadingRef, &Sentence)> {
        self.sections.iter().find_map(|sec| {
            sec.sentences
                .iter()
                .find(|s| s.id == id)
                .map(|s| (&sec.heading, s))
        })
    }

    /// All sentences in display order with their headings.
    pub fn sentences(&self) -> impl Iterator<Item = (&HeadingRef, &Sentence)> {
        self.sections
            .iter()
            .flat_map(|sec| sec.sentences.iter().map(move |s| (&sec.heading, s)))
    }

    /// An id no sentence of this note uses yet.
    pub fn next_sentence_id(&self) -> SentenceId {
        SentenceId(self.sentences().map(|(_, s)| s.id.0 + 1).max().unwrap_or(1))
    }

    /// True when any sentence carries a flag the reviewer must look at.
    pub fn needs_attention(&self) -> bool {
        self.sentences()
            .any(|(_, s)| s.flags != SentenceFlags::default())
    }

    /// Plain text of the whole note: each heading on its own line followed by its text,
    /// sections separated by a blank line. The universal format for pasting into Cura or
    /// Nexus (also through Citrix).
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for sec in self.sections.iter().filter(|s| !s.sentences.is_empty()) {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&sec.heading.name);
            out.push('\n');
            out.push_str(&sec.body_text());
        }
        out
    }
}

impl Section {
    /// The section's text without its heading, honouring line and paragraph breaks.
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        for s in &self.sentences {
            if !out.is_empty() {
                match s.break_before {
                    Break::None if out.ends_with('\n') => {}
                    Break::None => out.push(' '),
                    Break::Line => out.push('\n'),
                    Break::Paragraph => out.push_str("\n\n"),
                }
            }
            out.push_str(&s.text);
        }
        out
    }
}

impl Sentence {
    /// A dictated sentence with no flags and no fields.
    pub fn new(id: SentenceId, text: impl Into<String>, provenance: Provenance) -> Self {
        Sentence {
            id,
            text: text.into(),
            break_before: Break::None,
            provenance,
            flags: SentenceFlags::default(),
            fields: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
