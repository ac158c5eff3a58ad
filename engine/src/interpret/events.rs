//! What the interpreter tells the app after each piece.

use serde::{Deserialize, Serialize};

use crate::journal::{NoteEdit, SentenceId};

/// Something the app should show or react to. Never carries note text or CPR numbers,
/// so events may be logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The worker spoke a heading; new text goes under it.
    HeadingChanged {
        /// Heading name.
        heading: String,
    },
    /// "overskrift" was followed by words that name no heading (they were written as text).
    HeadingNotRecognised,
    /// Text goes under the heading its content belongs to again ("automatisk placering").
    AutomaticPlacement,
    /// An autotext was inserted.
    AutotextInserted {
        /// Autotext name.
        name: String,
        /// Its sentence in the note.
        id: SentenceId,
        /// Number of fields to fill.
        fields: usize,
    },
    /// Several autotexts matched the spoken name about equally well; nothing was inserted.
    AutotextAmbiguous {
        /// Candidate names, best first.
        candidates: Vec<String>,
    },
    /// "autotekst ..." named no known autotext; nothing was inserted.
    AutotextNotFound,
    /// A field got focus ("næste felt" / "forrige felt"); the next words fill it.
    FieldFocused {
        /// The autotext sentence.
        id: SentenceId,
        /// Field index, from 0.
        index: usize,
        /// Number of fields.
        of: usize,
    },
    /// There is no further field in that direction, or no autotext with fields.
    NoMoreFields,
    /// A field was filled by voice.
    FieldFilled {
        /// The autotext sentence.
        id: SentenceId,
        /// Field index, from 0.
        index: usize,
    },
    /// "bekræft standardværdier" filled the remaining choice fields with their defaults.
    DefaultsAccepted {
        /// The autotext sentence.
        id: SentenceId,
        /// Fields filled.
        filled: usize,
        /// Free fields still empty (they have no default).
        left_empty: usize,
    },
    /// A CPR number was found in a sentence (masked unless the policy keeps it).
    CprMasked {
        /// The sentence.
        id: SentenceId,
        /// Whether it was masked.
        masked: bool,
    },
    /// "slet det": this sentence was removed.
    SentenceDeleted {
        /// The removed sentence.
        id: SentenceId,
    },
    /// "slet det" with nothing to delete.
    NothingToDelete,
    /// "fortryd" undid the last edit group.
    Undone,
    /// "fortryd" with nothing to undo.
    NothingToUndo,
}

/// The result of interpreting one piece: edits applied to the note, in order, and events.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// Edits applied, in order; applying them to the previous note gives the current one.
    pub edits: Vec<NoteEdit>,
    /// Events for the app.
    pub events: Vec<Event>,
}
