//! Autotext field navigation and filling by voice.

use super::{Cursor, Event, Interpreter, Output};
use crate::autotext::template::fill_field;
use crate::journal::{NoteEdit, Provenance, SentenceId};
use crate::text::danish::{capitalize_first, lowercase_first, similarity};
use crate::text::tokens::Word;

impl Interpreter {
    /// The autotext whose fields voice navigation works on: the cursor's, else the last
    /// inserted autotext that has fields.
    fn field_target(&self) -> Option<SentenceId> {
        if let Some(c) = &self.state.cursor {
            if self.note.sentence(c.id).is_some() {
                return Some(c.id);
            }
        }
        self.state.order.iter().rev().copied().find(|id| {
            self.note.sentence(*id).is_some_and(|(_, s)| {
                matches!(s.provenance, Provenance::Autotext { .. }) && !s.fields.is_empty()
            })
        })
    }

    pub(super) fn move_focus(&mut self, forward: bool, out: &mut Output) {
        let Some(id) = self.field_target() else {
            out.events.push(Event::NoMoreFields);
            return;
        };
        let count = self
            .note
            .sentence(id)
            .map(|(_, s)| s.fields.len())
            .unwrap_or(0);
        let current = self
            .state
            .cursor
            .as_ref()
            .filter(|c| c.id == id)
            .and_then(|c| c.index);
        let next = match (current, forward) {
            (None, true) => Some(0),
            (None, false) => None,
            (Some(i), true) => Some(i + 1),
            (Some(i), false) => i.checked_sub(1),
        };
        match next.filter(|n| *n < count) {
            Some(index) => {
                self.state.cursor = Some(Cursor {
                    id,
                    index: Some(index),
                    active: true,
                });
                out.events.push(Event::FieldFocused {
                    id,
                    index,
                    of: count,
                });
            }
            None => {
                // Past the last field (or before the first): "forrige felt" / "næste
                // felt" then go back to the edge field.
                let edge = if forward { count } else { 0 };
                if forward || current.is_some() {
                    self.state.cursor = Some(Cursor {
                        id,
                        index: if forward { Some(edge) } else { None },
                        active: false,
                    });
                }
                out.events.push(Event::NoMoreFields)
            }
        }
    }

    /// Fill the focused field with dictated words.
    pub(super) fn fill_focused(&mut self, words: &[Word], out: &mut Output) {
        let Some(cursor) = self.state.cursor.clone() else {
            return;
        };
        let (Some(index), Some((_, sentence))) = (cursor.index, self.note.sentence(cursor.id))
        else {
            return;
        };
        let mut sentence = sentence.clone();
        let Some(field) = sentence.fields.get(index).cloned() else {
            return;
        };
        let spoken = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // A choice field takes the option the words name; otherwise the words themselves.
        let value = field
            .options
            .iter()
            .map(|o| (o, similarity(o, &spoken)))
            .filter(|(_, s)| *s >= 0.75)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(o, _)| o.clone())
            .unwrap_or_else(|| {
                let at_start = sentence.text[..field.start]
                    .trim_end()
                    .chars()
                    .last()
                    .is_none_or(|c| matches!(c, '.' | '?' | '!' | '\n'));
                // Whisper capitalises each utterance; inside a sentence the value starts
                // in lowercase unless it is an abbreviation such as "BT".
                let abbreviation = spoken.chars().take(2).filter(|c| c.is_uppercase()).count() == 2;
                if at_start {
                    capitalize_first(&spoken)
                } else if abbreviation {
                    spoken.clone()
                } else {
                    lowercase_first(&spoken)
                }
            });
        fill_field(&mut sentence.text, &mut sentence.fields, index, &value);
        sentence.flags.unfilled_fields =
            sentence.fields.iter().filter(|f| !f.filled).count() as u32;
        self.new_group();
        self.apply(NoteEdit::Replace { sentence }, out);
        self.new_group();
        if let Some(c) = self.state.cursor.as_mut() {
            c.active = false;
        }
        out.events.push(Event::FieldFilled {
            id: cursor.id,
            index,
        });
    }

    pub(super) fn accept_defaults(&mut self, out: &mut Output) {
        let Some(id) = self.field_target() else {
            out.events.push(Event::NoMoreFields);
            return;
        };
        let Some((_, sentence)) = self.note.sentence(id) else {
            return;
        };
        let mut sentence = sentence.clone();
        let mut filled = 0;
        for index in 0..sentence.fields.len() {
            let field = &sentence.fields[index];
            if field.filled {
                continue;
            }
            if let Some(default) = field.options.first().cloned() {
                fill_field(&mut sentence.text, &mut sentence.fields, index, &default);
                filled += 1;
            }
        }
        let left_empty = sentence.fields.iter().filter(|f| !f.filled).count();
        sentence.flags.unfilled_fields = left_empty as u32;
        if filled > 0 {
            self.apply(NoteEdit::Replace { sentence }, out);
        }
        self.state.cursor = None;
        out.events.push(Event::DefaultsAccepted {
            id,
            filled,
            left_empty,
        });
    }
}
