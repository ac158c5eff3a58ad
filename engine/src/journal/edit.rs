//! Edits: the only way a [`JournalNote`] changes. Applying an edit returns its inverse,
//! which is what undo applies.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{HeadingGroup, HeadingRef, JournalNote, Provenance, Section, Sentence, SentenceId};

/// One change to a note. Serialisable so the app can mirror the note from edits alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum NoteEdit {
    /// Insert a sentence under `heading` (the section is created in heading order if
    /// missing), at `index` within the section or at its end when `None`.
    Insert {
        /// Heading to insert under.
        heading: HeadingRef,
        /// Position within the section; `None` appends.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<usize>,
        /// The sentence; its id must be new to the note.
        sentence: Sentence,
    },
    /// Remove a sentence (an emptied section disappears).
    Remove {
        /// The sentence to remove.
        id: SentenceId,
    },
    /// Replace a sentence's content (text, provenance, flags, fields), keeping its place.
    Replace {
        /// The new content; its id names the sentence replaced.
        sentence: Sentence,
    },
    /// Move a sentence under another heading.
    Move {
        /// The sentence to move.
        id: SentenceId,
        /// Target heading.
        to: HeadingRef,
        /// Position within the target section; `None` appends.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<usize>,
        /// Provenance the sentence gets in its new place.
        provenance: Provenance,
    },
}

/// Why an edit could not be applied.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EditError {
    /// No sentence with this id is in the note.
    #[error("no sentence with id {0:?} in the note")]
    NoSuchSentence(SentenceId),
    /// A sentence with this id is already in the note.
    #[error("a sentence with id {0:?} is already in the note")]
    DuplicateId(SentenceId),
}

impl NoteEdit {
    /// Apply this edit to `note` and return the edit that undoes it.
    pub fn apply(&self, note: &mut JournalNote) -> Result<NoteEdit, EditError> {
        match self {
            NoteEdit::Insert {
                heading,
                index,
                sentence,
            } => {
                if note.sentence(sentence.id).is_some() {
                    return Err(EditError::DuplicateId(sentence.id));
                }
                insert(note, heading, *index, sentence.clone());
                Ok(NoteEdit::Remove { id: sentence.id })
            }
            NoteEdit::Remove { id } => {
                let (heading, index, sentence) = remove(note, *id)?;
                Ok(NoteEdit::Insert {
                    heading,
                    index: Some(index),
                    sentence,
                })
            }
            NoteEdit::Replace { sentence } => {
                let slot = note
                    .sections
                    .iter_mut()
                    .flat_map(|s| s.sentences.iter_mut())
                    .find(|s| s.id == sentence.id)
                    .ok_or(EditError::NoSuchSentence(sentence.id))?;
                let old = std::mem::replace(slot, sentence.clone());
                Ok(NoteEdit::Replace { sentence: old })
            }
            NoteEdit::Move {
                id,
                to,
                index,
                provenance,
            } => {
                let (from, old_index, mut sentence) = remove(note, *id)?;
                let old_provenance =
                    std::mem::replace(&mut sentence.provenance, provenance.clone());
                insert(note, to, *index, sentence);
                Ok(NoteEdit::Move {
                    id: *id,
                    to: from,
                    index: Some(old_index),
                    provenance: old_provenance,
                })
            }
        }
    }
}

/// Sort key of a section: FSIII headings by table order, then site headings (in the order
/// they were created), then Øvrigt.
fn sort_key(h: &HeadingRef) -> u32 {
    match h.group {
        HeadingGroup::Site => u32::MAX - 1,
        HeadingGroup::Other => u32::MAX,
        _ => h.order,
    }
}

fn insert(note: &mut JournalNote, heading: &HeadingRef, index: Option<usize>, sentence: Sentence) {
    let pos = match note
        .sections
        .iter()
        .position(|s| s.heading.name == heading.name)
    {
        Some(pos) => pos,
        None => {
            let key = sort_key(heading);
            let pos = note
                .sections
                .iter()
                .position(|s| sort_key(&s.heading) > key)
                .unwrap_or(note.sections.len());
            note.sections.insert(
                pos,
                Section {
                    heading: heading.clone(),
                    sentences: Vec::new(),
                },
            );
            pos
        }
    };
    let sentences = &mut note.sections[pos].sentences;
    let at = index.unwrap_or(sentences.len()).min(sentences.len());
    sentences.insert(at, sentence);
}

fn remove(
    note: &mut JournalNote,
    id: SentenceId,
) -> Result<(HeadingRef, usize, Sentence), EditError> {
    for (si, sec) in note.sections.iter_mut().enumerate() {
        if let Some(i) = sec.sentences.iter().position(|s| s.id == id) {
            let sentence = sec.sentences.remove(i);
            let heading = sec.heading.clone();
            if sec.sentences.is_empty() {
                note.sections.remove(si);
            }
            return Ok((heading, i, sentence));
        }
    }
    Err(EditError::NoSuchSentence(id))
}
