//! Edits the worker makes by hand (keyboard, mouse) rather than by voice: insert an autotext
//! picked from a list, change a sentence's text, fill or focus an autotext field, delete a
//! sentence. Each is one undo group, exactly like its spoken counterpart.

use super::{Cursor, Event, InterpretError, Interpreter, Output};
use crate::autotext::template::fill_field;
use crate::journal::{FieldSpan, NoteEdit, SentenceId};

impl Interpreter {
    /// Insert the autotext with this name (as listed by the library, any layer) the way
    /// "indsæt <navn>" would. An unknown name gives [`Event::AutotextNotFound`].
    pub fn insert_autotext_named(&mut self, name: &str) -> Output {
        let mut out = Output::default();
        let Some(autotext) = self.config.autotexts.get(name) else {
            out.events.push(Event::AutotextNotFound);
            return out;
        };
        let spoken = autotext.name.clone();
        let words: Vec<&str> = spoken.split_whitespace().collect();
        self.insert_autotext(&words, true, &mut out);
        out
    }

    /// Replace a sentence's text as the worker typed it (undoable). Autotext fields whose
    /// text is still found in the new text, in order, stay fields; the others are dropped.
    /// Empty text removes the sentence.
    pub fn edit_sentence(&mut self, id: SentenceId, text: &str) -> Result<Output, InterpretError> {
        let (_, sentence) = self
            .note
            .sentence(id)
            .ok_or(InterpretError::NoSuchSentence(id))?;
        let mut sentence = sentence.clone();
        let mut out = Output::default();
        self.flush_open(&mut out);
        self.new_group();
        if self.state.open.as_ref().is_some_and(|o| o.id == id) {
            self.state.open = None;
        }
        let text = text.trim();
        if text.is_empty() {
            self.apply(NoteEdit::Remove { id }, &mut out);
            if self.state.cursor.as_ref().is_some_and(|c| c.id == id) {
                self.state.cursor = None;
            }
            out.events.push(Event::SentenceDeleted { id });
        } else if text != sentence.text {
            sentence.fields = relocate_fields(&sentence.text, &sentence.fields, text);
            sentence.flags.unfilled_fields =
                sentence.fields.iter().filter(|f| !f.filled).count() as u32;
            sentence.text = text.to_string();
            if self.state.cursor.as_ref().is_some_and(|c| c.id == id) {
                self.state.cursor = None;
            }
            self.apply(NoteEdit::Replace { sentence }, &mut out);
        }
        self.new_group();
        Ok(out)
    }

    /// Remove a sentence (undoable), as "slet det" does for the last one.
    pub fn remove_sentence(&mut self, id: SentenceId) -> Result<Output, InterpretError> {
        self.edit_sentence(id, "")
    }

    /// Fill field `index` of an autotext sentence with `value` (typed, or a choice picked).
    /// Focus stays on that field, so "næste felt" goes on from there.
    pub fn fill_field(
        &mut self,
        id: SentenceId,
        index: usize,
        value: &str,
    ) -> Result<Output, InterpretError> {
        let (_, sentence) = self
            .note
            .sentence(id)
            .ok_or(InterpretError::NoSuchSentence(id))?;
        let mut sentence = sentence.clone();
        let mut out = Output::default();
        if index >= sentence.fields.len() {
            out.events.push(Event::NoMoreFields);
            return Ok(out);
        }
        self.flush_open(&mut out);
        self.new_group();
        fill_field(
            &mut sentence.text,
            &mut sentence.fields,
            index,
            value.trim(),
        );
        sentence.flags.unfilled_fields =
            sentence.fields.iter().filter(|f| !f.filled).count() as u32;
        self.apply(NoteEdit::Replace { sentence }, &mut out);
        self.new_group();
        self.state.cursor = Some(Cursor {
            id,
            index: Some(index),
            active: false,
        });
        out.events.push(Event::FieldFilled { id, index });
        Ok(out)
    }

    /// Give field `index` of an autotext sentence the focus (Tab, a click): the next
    /// dictated words fill it, as after "næste felt".
    pub fn focus_field(&mut self, id: SentenceId, index: usize) -> Result<Output, InterpretError> {
        let (_, sentence) = self
            .note
            .sentence(id)
            .ok_or(InterpretError::NoSuchSentence(id))?;
        let of = sentence.fields.len();
        let mut out = Output::default();
        if index >= of {
            out.events.push(Event::NoMoreFields);
            return Ok(out);
        }
        self.flush_open(&mut out);
        self.state.open = None;
        self.state.cursor = Some(Cursor {
            id,
            index: Some(index),
            active: true,
        });
        out.events.push(Event::FieldFocused { id, index, of });
        Ok(out)
    }

    /// The field that the next dictated words fill, if any: (sentence, field index).
    pub fn focused_field(&self) -> Option<(SentenceId, usize)> {
        self.state
            .cursor
            .as_ref()
            .filter(|c| c.active)
            .and_then(|c| c.index.map(|i| (c.id, i)))
            .filter(|(id, i)| {
                self.note
                    .sentence(*id)
                    .is_some_and(|(_, s)| *i < s.fields.len())
            })
    }
}

/// The fields of `old_text` found again, in order, in `new_text`.
fn relocate_fields(old_text: &str, fields: &[FieldSpan], new_text: &str) -> Vec<FieldSpan> {
    let mut out = Vec::new();
    let mut from = 0;
    for f in fields {
        let Some(value) = old_text.get(f.start..f.end) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        if let Some(pos) = new_text.get(from..).and_then(|rest| rest.find(value)) {
            let start = from + pos;
            out.push(FieldSpan {
                start,
                end: start + value.len(),
                options: f.options.clone(),
                filled: f.filled,
            });
            from = start + value.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::InterpreterConfig;
    use super::*;
    use crate::autotext::Library;
    use crate::headings::HeadingTable;
    use chrono::DateTime;

    fn interp() -> Interpreter {
        let mut lib = Library::new();
        lib.add_source(
            r#"
[[autotext]]
name = "morgenpleje"
heading = "Funktionsniveau"
text = "Morgenpleje udført. Humør [godt|dårligt]. Spist: [ ]."
"#,
            "test.toml",
            HeadingTable::fsiii(),
        );
        let now = DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").expect("time");
        Interpreter::new(InterpreterConfig::new("Anna Hansen", now).with_autotexts(lib))
    }

    fn only_id(i: &Interpreter) -> SentenceId {
        let ids: Vec<SentenceId> = i.note().sentences().map(|(_, s)| s.id).collect();
        assert_eq!(ids.len(), 1);
        ids[0]
    }

    #[test]
    fn insert_by_name_then_fill_and_focus_fields() {
        let mut i = interp();
        let out = i.insert_autotext_named("Morgenpleje");
        assert!(matches!(
            out.events.as_slice(),
            [Event::AutotextInserted { fields: 2, .. }]
        ));
        let id = only_id(&i);
        i.fill_field(id, 1, "det halve").expect("fill");
        let out = i.focus_field(id, 0).expect("focus");
        assert!(matches!(
            out.events.as_slice(),
            [Event::FieldFocused {
                index: 0,
                of: 2,
                ..
            }]
        ));
        assert_eq!(i.focused_field(), Some((id, 0)));
        i.push("dårligt");
        assert_eq!(
            i.note().plain_text(),
            "Funktionsniveau\nMorgenpleje udført. Humør dårligt. Spist: det halve."
        );
        assert!(i.focused_field().is_none());
        assert!(matches!(
            i.insert_autotext_named("findes ikke").events.as_slice(),
            [Event::AutotextNotFound]
        ));
    }

    #[test]
    fn edit_keeps_fields_found_again_and_undo_restores() {
        let mut i = interp();
        i.insert_autotext_named("morgenpleje");
        let id = only_id(&i);
        i.edit_sentence(
            id,
            "Morgenpleje udført sent. Humør [godt|dårligt]. Spist: [ ].",
        )
        .expect("edit");
        let (_, s) = i.note().sentence(id).expect("sentence");
        assert_eq!(s.fields.len(), 2);
        assert_eq!(&s.text[s.fields[1].start..s.fields[1].end], "[ ]");
        i.edit_sentence(id, "Morgenpleje udført.").expect("edit");
        let (_, s) = i.note().sentence(id).expect("sentence");
        assert!(s.fields.is_empty());
        assert_eq!(s.flags.unfilled_fields, 0);
        i.undo();
        let (_, s) = i.note().sentence(id).expect("sentence");
        assert_eq!(s.fields.len(), 2);
        i.remove_sentence(id).expect("remove");
        assert!(i.note().is_empty());
        i.undo();
        assert!(!i.note().is_empty());
        assert!(i.edit_sentence(SentenceId(99), "x").is_err());
    }
}
