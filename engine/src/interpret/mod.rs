//! The interpreter: committed transcript pieces in, note edits and events out.
//!
//! Pure and synchronous: no audio, no model, no threads. Feed it every committed piece of
//! text exactly as Whisper wrote it ([`Interpreter::push`]); it recognises the dictation
//! language (spoken punctuation and layout, headings, autotexts, corrections, field
//! navigation), writes numbers and units as notes do, masks CPR numbers, places every
//! sentence under a heading with its reason, and returns the [`NoteEdit`]s it applied to its
//! [`JournalNote`] together with [`Event`]s for the app. "fortryd" undoes edits.

mod editing;
mod events;
mod fields;

pub use events::{Event, Output};

use chrono::{DateTime, FixedOffset};
use thiserror::Error;

use crate::autotext::template::{self, Context};
use crate::autotext::{Library, NameMatch};
use crate::headings::{HeadingTable, Lexicon, PlacementReason};
use crate::journal::{
    Break, CitizenRef, HeadingRef, JournalNote, NoteEdit, Provenance, Sentence, SentenceFlags,
    SentenceId,
};
use crate::text::commands::{Action, CommandWords, Item, Mark};
use crate::text::cpr::{detect_cpr, CprPolicy};
use crate::text::danish::lowercase_first;
use crate::text::layout::SentenceText;
use crate::text::numbers::normalise_numbers;
use crate::text::tokens::{tokenize, Token};

/// Everything the interpreter needs to know, with Danish defaults.
#[derive(Clone, Debug)]
pub struct InterpreterConfig {
    /// Author of the note.
    pub author: String,
    /// Time the note is written (note time and autotext variables), local offset.
    pub now: DateTime<FixedOffset>,
    /// Headings (FSIII, plus any site headings).
    pub headings: HeadingTable,
    /// Placement lexicon.
    pub lexicon: Lexicon,
    /// Command words.
    pub commands: CommandWords,
    /// Autotext library.
    pub autotexts: Library,
    /// What to do with CPR numbers in the dictation.
    pub cpr: CprPolicy,
    /// After a spoken heading, a later sentence moves to another heading only when the
    /// lexicon places it there with at least this confidence (the first sentence after the
    /// heading always stays). Above 1.0 makes spoken headings hold everything.
    pub spoken_heading_override: f32,
}

impl InterpreterConfig {
    /// Built-in headings, lexicon and command words; no autotexts; CPR numbers masked.
    pub fn new(author: impl Into<String>, now: DateTime<FixedOffset>) -> Self {
        InterpreterConfig {
            author: author.into(),
            now,
            headings: HeadingTable::fsiii().clone(),
            lexicon: Lexicon::builtin().clone(),
            commands: CommandWords::builtin().clone(),
            autotexts: Library::new(),
            cpr: CprPolicy::Mask,
            spoken_heading_override: 0.8,
        }
    }

    /// [`InterpreterConfig::new`] at the current local time.
    pub fn now(author: impl Into<String>) -> Self {
        Self::new(author, chrono::Local::now().fixed_offset())
    }

    /// The same configuration with this autotext library.
    pub fn with_autotexts(mut self, autotexts: Library) -> Self {
        self.autotexts = autotexts;
        self
    }
}

/// Errors of the interpreter's direct API (voice commands never fail; they emit events).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InterpretError {
    /// No such heading in the table.
    #[error("unknown heading {0:?}")]
    UnknownHeading(String),
    /// No such sentence in the note.
    #[error("no sentence {0:?} in the note")]
    NoSuchSentence(SentenceId),
}

/// The sentence being dictated.
#[derive(Clone, Debug, PartialEq)]
struct Open {
    id: SentenceId,
    text: SentenceText,
    break_before: Break,
    in_note: bool,
    cpr: bool,
    cpr_reported: bool,
    held: bool,
}

/// Autotext field navigation: which autotext, and which field has focus.
#[derive(Clone, Debug, PartialEq)]
struct Cursor {
    id: SentenceId,
    index: Option<usize>,
    active: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct State {
    current: Option<HeadingRef>,
    spoken_heading: bool,
    open: Option<Open>,
    pending_break: Break,
    spoken_punctuation: bool,
    soft_closed: Option<SentenceId>,
    cursor: Option<Cursor>,
    order: Vec<SentenceId>,
    next_id: u64,
    lower_next: bool,
    hold_next: bool,
}

#[derive(Clone, Debug)]
struct Group {
    inverse: Vec<NoteEdit>,
    state: State,
}

/// Turns committed transcript pieces into a journal note.
#[derive(Clone, Debug)]
pub struct Interpreter {
    config: InterpreterConfig,
    note: JournalNote,
    state: State,
    history: Vec<Group>,
    group: Group,
    carry: String,
}

impl Interpreter {
    /// A new interpreter writing a new, empty note.
    pub fn new(config: InterpreterConfig) -> Self {
        let note = JournalNote::new(config.author.clone(), config.now);
        Self::with_note(config, note)
    }

    /// Continue an existing note (e.g. a recovered draft).
    pub fn with_note(config: InterpreterConfig, note: JournalNote) -> Self {
        let state = State {
            current: None,
            spoken_heading: false,
            open: None,
            pending_break: Break::None,
            spoken_punctuation: false,
            soft_closed: None,
            cursor: None,
            order: note.sentences().map(|(_, s)| s.id).collect(),
            next_id: note.next_sentence_id().0,
            lower_next: false,
            hold_next: false,
        };
        Interpreter {
            group: Group {
                inverse: Vec::new(),
                state: state.clone(),
            },
            config,
            note,
            state,
            history: Vec::new(),
            carry: String::new(),
        }
    }

    /// The note as it stands (the sentence being dictated included).
    pub fn note(&self) -> &JournalNote {
        &self.note
    }

    /// The configuration in use.
    pub fn config(&self) -> &InterpreterConfig {
        &self.config
    }

    /// The heading new text goes under when it carries none of its own.
    pub fn current_heading(&self) -> Option<&HeadingRef> {
        self.state.current.as_ref()
    }

    /// Set who the note is about (not undoable; not a dictation edit).
    pub fn set_citizen(&mut self, citizen: Option<CitizenRef>) {
        self.note.citizen = citizen;
    }

    /// Finish: close the sentence being dictated and hand over the note.
    pub fn finish(mut self) -> JournalNote {
        let carry = std::mem::take(&mut self.carry);
        if !carry.is_empty() {
            self.interpret(&carry, false);
        }
        let mut out = Output::default();
        self.close_open(&mut out, true);
        self.note
    }

    /// Interpret one committed piece of transcript.
    ///
    /// A command that starts an utterance and is cut off at its end ("Ny." then "Linje.",
    /// "Overskrift." then "Ernæring.") is held back and joined with the next piece.
    pub fn push(&mut self, committed: &str) -> Output {
        let text = if self.carry.is_empty() {
            committed.to_string()
        } else {
            format!("{} {committed}", std::mem::take(&mut self.carry))
        };
        self.interpret(&text, true)
    }

    /// Hold back the words of a command cut off at the end of an utterance.
    fn split_carry(&mut self, tokens: &mut Vec<Token>) {
        let end = tokens
            .iter()
            .rposition(|t| matches!(t, Token::Word(_)))
            .map(|p| p + 1)
            .unwrap_or(0);
        for n in (1..=2).rev() {
            if end < n {
                continue;
            }
            let start = end - n;
            let at_utterance_start = start == 0 || matches!(tokens[start - 1], Token::Mark(_));
            let words: Option<Vec<&str>> = tokens[start..end].iter().map(|t| t.norm()).collect();
            let Some(words) = words else { continue };
            if at_utterance_start && self.config.commands.is_dangling(&words) {
                self.carry = tokens[start..end]
                    .iter()
                    .filter_map(|t| match t {
                        Token::Word(w) => Some(w.text.as_str()),
                        Token::Mark(_) => None,
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                tokens.truncate(start);
                return;
            }
        }
    }

    fn interpret(&mut self, text: &str, allow_carry: bool) -> Output {
        let mut out = Output::default();
        self.new_group();
        let mut tokens = tokenize(text);
        if allow_carry {
            self.split_carry(&mut tokens);
        }
        detect_cpr(&mut tokens, self.config.cpr);
        let tokens = normalise_numbers(tokens);
        let items = self.config.commands.scan(&tokens, &self.config.headings);
        let items = self.prepare(items);
        self.maybe_reopen(&items, &mut out);
        self.state.soft_closed = None;
        if self.state.spoken_punctuation
            && self.state.open.as_ref().is_some_and(|o| !o.text.is_empty())
        {
            // The sentence goes on from the last utterance: Whisper's capital is not asked for.
            self.state.lower_next = true;
        }

        let mut i = 0;
        while i < items.len() {
            let item = &items[i];
            i += 1;
            match item {
                Item::Word(w) => {
                    if self.state.cursor.as_ref().is_some_and(|c| c.active) {
                        let mut words = vec![w.clone()];
                        while let Some(Item::Word(next)) = items.get(i) {
                            words.push(next.clone());
                            i += 1;
                        }
                        self.fill_focused(&words, &mut out);
                        continue;
                    }
                    let lower = std::mem::take(&mut self.state.lower_next)
                        && self.config.commands.is_common_lowercase(&w.norm);
                    if lower {
                        self.write_word(&lowercase_first(&w.text), w.cpr);
                    } else {
                        self.write_word(&w.text, w.cpr);
                    }
                }
                Item::Mark { mark, spoken } => {
                    let last_in_piece = i == items.len();
                    self.write_mark(*mark, *spoken, last_in_piece, &mut out);
                }
                Item::Break(b) => {
                    self.close_open(&mut out, false);
                    if *b == Break::Paragraph || self.state.pending_break == Break::None {
                        self.state.pending_break = *b;
                    }
                }
                Item::Heading(h) => {
                    self.close_open(&mut out, true);
                    self.new_group();
                    let href = h.to_ref();
                    out.events.push(Event::HeadingChanged {
                        heading: href.name.clone(),
                    });
                    self.state.current = Some(href);
                    self.state.spoken_heading = true;
                    self.state.hold_next = true;
                    self.state.pending_break = Break::None;
                    self.new_group();
                }
                Item::UnknownHeading => out.events.push(Event::HeadingNotRecognised),
                Item::Autotext { explicit } => {
                    let names: Vec<&str> = items[i..]
                        .iter()
                        .map_while(|it| match it {
                            Item::Word(w) => Some(w.text.as_str()),
                            _ => None,
                        })
                        .take(6)
                        .collect();
                    i += self.insert_autotext(&names, *explicit, &mut out);
                }
                Item::Action(action) => self.action(*action, &mut out),
            }
        }
        self.flush_open(&mut out);
        out
    }

    /// Undo the last edit group (the same as saying "fortryd").
    pub fn undo(&mut self) -> Output {
        let mut out = Output::default();
        self.action(Action::Undo, &mut out);
        out
    }

    /// Move a sentence under another heading on the worker's behalf (undoable).
    pub fn move_sentence(
        &mut self,
        id: SentenceId,
        heading: &str,
    ) -> Result<Output, InterpretError> {
        let to = self
            .config
            .headings
            .get(heading)
            .map(|h| h.to_ref())
            .ok_or_else(|| InterpretError::UnknownHeading(heading.to_string()))?;
        let from = self
            .note
            .sentence(id)
            .map(|(h, _)| h.name.clone())
            .ok_or(InterpretError::NoSuchSentence(id))?;
        let mut out = Output::default();
        self.flush_open(&mut out);
        self.new_group();
        if self.state.open.as_ref().is_some_and(|o| o.id == id) {
            // The worker decided: the sentence is finished where it is.
            self.state.open = None;
        }
        let edit = NoteEdit::Move {
            id,
            to,
            index: None,
            provenance: Provenance::MovedByUser { from },
        };
        self.apply(edit, &mut out);
        self.new_group();
        Ok(out)
    }

    // ---- pieces of `push` -----------------------------------------------------------

    /// Spoken-punctuation mode and Whisper's unasked-for sentence marks.
    fn prepare(&mut self, items: Vec<Item>) -> Vec<Item> {
        if items
            .iter()
            .any(|it| matches!(it, Item::Mark { mark, spoken: true } if mark.ends_sentence()))
        {
            self.state.spoken_punctuation = true;
        }
        if !self.state.spoken_punctuation {
            return items;
        }
        // The worker dictates punctuation: Whisper's own full stops were not asked for.
        let mut out = Vec::with_capacity(items.len());
        let mut lower = false;
        for item in items {
            match item {
                Item::Mark {
                    mark,
                    spoken: false,
                } if mark.ends_sentence() => lower = true,
                Item::Word(mut w) if lower => {
                    if self.config.commands.is_common_lowercase(&w.norm) {
                        w.text = lowercase_first(&w.text);
                    }
                    lower = false;
                    out.push(Item::Word(w));
                }
                other => {
                    lower = false;
                    out.push(other);
                }
            }
        }
        out
    }

    /// After a sentence that only Whisper ended, a new utterance that starts with a common
    /// lowercase word continues it (spoken-punctuation mode only).
    fn maybe_reopen(&mut self, items: &[Item], out: &mut Output) {
        let Some(id) = self.state.soft_closed else {
            return;
        };
        if !self.state.spoken_punctuation || self.state.open.is_some() {
            return;
        }
        let Some(Item::Word(w)) = items.first() else {
            return;
        };
        let lower_start = w.text.chars().next().is_some_and(char::is_lowercase);
        if !(lower_start || self.config.commands.is_common_lowercase(&w.norm)) {
            return;
        }
        let Some((_, sentence)) = self.note.sentence(id) else {
            return;
        };
        let mut text = SentenceText::from_text(&sentence.text);
        text.reopen();
        let break_before = sentence.break_before;
        let cpr = sentence.flags.masked_cpr || sentence.flags.contains_cpr;
        self.state.open = Some(Open {
            id,
            text,
            break_before,
            in_note: true,
            cpr,
            cpr_reported: cpr,
            held: false,
        });
        self.state.lower_next = true;
        let _ = out;
    }

    fn write_word(&mut self, word: &str, cpr: bool) {
        self.state.lower_next = false;
        let open = self.ensure_open();
        open.text.push_word(word);
        open.cpr |= cpr;
    }

    fn ensure_open(&mut self) -> &mut Open {
        if self.state.open.is_none() {
            let id = SentenceId(self.state.next_id.max(self.note.next_sentence_id().0));
            self.state.next_id = id.0 + 1;
            let break_before = std::mem::take(&mut self.state.pending_break);
            let held = std::mem::take(&mut self.state.hold_next);
            self.state.open = Some(Open {
                id,
                text: SentenceText::new(),
                break_before,
                in_note: false,
                cpr: false,
                cpr_reported: false,
                held,
            });
        }
        // Just ensured above.
        self.state
            .open
            .as_mut()
            .unwrap_or_else(|| unreachable!("open sentence exists"))
    }

    fn write_mark(&mut self, mark: Mark, spoken: bool, last_in_piece: bool, out: &mut Output) {
        if let Some(cursor) = self.state.cursor.as_mut() {
            if cursor.active {
                // Punctuation ends a field value; it is not part of it.
                cursor.active = false;
                return;
            }
        }
        if self.state.open.is_none() {
            if mark.ends_sentence() {
                // "... godt." then "Punktum.": the worker's mark replaces Whisper's.
                self.retitle_last_mark(mark, out);
                return;
            }
            if !matches!(mark, Mark::Char('(' | '"') | Mark::ParenToggle) {
                return;
            }
        }
        let open = self.ensure_open();
        open.text.push_mark(mark);
        if mark.ends_sentence() {
            let id = open.id;
            self.close_open(out, false);
            if !spoken && last_in_piece {
                self.state.soft_closed = Some(id);
            }
        }
    }

    fn retitle_last_mark(&mut self, mark: Mark, out: &mut Output) {
        let Some(id) = self.last_dictated() else {
            return;
        };
        let Some((_, s)) = self.note.sentence(id) else {
            return;
        };
        if matches!(s.provenance, Provenance::Autotext { .. }) {
            return;
        }
        let mut text = SentenceText::from_text(&s.text);
        text.reopen();
        text.push_mark(mark);
        if text.as_str() != s.text {
            let mut new = s.clone();
            new.text = text.into_string();
            self.apply(NoteEdit::Replace { sentence: new }, out);
        }
    }

    fn last_dictated(&self) -> Option<SentenceId> {
        self.state
            .order
            .iter()
            .rev()
            .copied()
            .find(|id| self.note.sentence(*id).is_some())
    }

    /// Where the open sentence belongs, and why.
    fn place(&mut self, text: &str, held: bool) -> (HeadingRef, Provenance, bool) {
        let placement = self.config.lexicon.classify(text);
        if self.state.spoken_heading {
            if let Some(h) = self.state.current.clone() {
                // The spoken heading holds the text after it, unless the content clearly
                // belongs elsewhere (and it is not the first sentence after the heading).
                let elsewhere = placement
                    .heading
                    .as_deref()
                    .filter(|p| *p != h.name)
                    .filter(|_| {
                        !held && placement.confidence >= self.config.spoken_heading_override
                    })
                    .and_then(|p| self.config.headings.get(p));
                return match elsewhere {
                    Some(other) => {
                        let terms = match placement.reason {
                            PlacementReason::Lexicon { terms } => terms,
                            _ => Vec::new(),
                        };
                        (
                            other.to_ref(),
                            Provenance::Lexicon {
                                terms,
                                confidence: placement.confidence,
                            },
                            false,
                        )
                    }
                    None => (h, Provenance::SpokenHeading, false),
                };
            }
        }
        if let Some(name) = &placement.heading {
            if let Some(h) = self.config.headings.get(name) {
                let href = h.to_ref();
                let terms = match placement.reason {
                    PlacementReason::Lexicon { terms } => terms,
                    _ => Vec::new(),
                };
                self.state.current = Some(href.clone());
                return (
                    href,
                    Provenance::Lexicon {
                        terms,
                        confidence: placement.confidence,
                    },
                    false,
                );
            }
        }
        let guess = match placement.reason {
            PlacementReason::BelowThreshold { guess, .. } => Some(guess),
            _ => None,
        };
        let heading = self
            .state
            .current
            .clone()
            .unwrap_or_else(|| self.config.headings.fallback().to_ref());
        (
            heading,
            Provenance::Default {
                guess,
                confidence: placement.confidence,
            },
            true,
        )
    }

    /// Write the open sentence into the note (insert, or update text/heading).
    fn flush_open(&mut self, out: &mut Output) {
        let Some(open) = self.state.open.clone() else {
            return;
        };
        if open.text.is_empty() {
            return;
        }
        let text = open.text.as_str().to_string();
        let (heading, provenance, uncertain) = self.place(&text, open.held);
        let masked = open.cpr && self.config.cpr == CprPolicy::Mask;
        let flags = SentenceFlags {
            masked_cpr: masked,
            contains_cpr: open.cpr && !masked,
            unfilled_fields: 0,
            uncertain_heading: uncertain,
        };
        let sentence = Sentence {
            id: open.id,
            text,
            break_before: open.break_before,
            provenance: provenance.clone(),
            flags,
            fields: Vec::new(),
        };
        if !open.in_note {
            self.apply(
                NoteEdit::Insert {
                    heading,
                    index: None,
                    sentence,
                },
                out,
            );
            self.state.order.push(open.id);
        } else {
            let Some((now_under, existing)) = self.note.sentence(open.id) else {
                self.state.open = None;
                return;
            };
            let moved = now_under.name != heading.name;
            let changed = *existing != sentence;
            if moved {
                self.apply(
                    NoteEdit::Move {
                        id: open.id,
                        to: heading,
                        index: None,
                        provenance,
                    },
                    out,
                );
            }
            if changed {
                self.apply(NoteEdit::Replace { sentence }, out);
            }
        }
        if let Some(o) = self.state.open.as_mut() {
            o.in_note = true;
            if o.cpr && !o.cpr_reported {
                o.cpr_reported = true;
                out.events.push(Event::CprMasked {
                    id: o.id,
                    masked: self.config.cpr == CprPolicy::Mask,
                });
            }
        }
    }

    /// Finish the open sentence; with `terminate`, end it with a full stop if it has none.
    fn close_open(&mut self, out: &mut Output, terminate: bool) {
        if terminate {
            if let Some(o) = self.state.open.as_mut() {
                o.text.terminate();
            }
        }
        self.flush_open(out);
        self.state.open = None;
        self.state.lower_next = false;
    }

    fn apply(&mut self, edit: NoteEdit, out: &mut Output) {
        match edit.apply(&mut self.note) {
            Ok(inverse) => {
                self.group.inverse.push(inverse);
                out.edits.push(edit);
            }
            // An internal inconsistency; never log note text.
            Err(e) => tracing::warn!(error = %e, "note edit not applied"),
        }
    }

    /// Start a new undo group (the previous one is kept if it changed anything).
    fn new_group(&mut self) {
        let done = std::mem::replace(
            &mut self.group,
            Group {
                inverse: Vec::new(),
                state: self.state.clone(),
            },
        );
        // A group counts when it changed the note or something the worker chose
        // (heading, placement mode, field focus, layout).
        let chosen = |s: &State| {
            (
                s.current.clone(),
                s.spoken_heading,
                s.cursor.clone(),
                s.pending_break,
            )
        };
        if !done.inverse.is_empty() || chosen(&done.state) != chosen(&self.state) {
            self.history.push(done);
        }
    }

    fn insert_autotext(&mut self, names: &[&str], explicit: bool, out: &mut Output) -> usize {
        let found = self.config.autotexts.find(names);
        match found {
            NameMatch::Found {
                autotext, words, ..
            } => {
                let autotext = autotext.clone();
                self.close_open(out, true);
                self.new_group();
                let ctx = Context {
                    now: self.config.now,
                    author: self.config.author.clone(),
                };
                let (text, fields) = template::render(autotext.parts(), &ctx);
                let heading = autotext
                    .heading
                    .as_deref()
                    .and_then(|h| self.config.headings.get(h))
                    .map(|h| h.to_ref())
                    .or_else(|| self.state.current.clone())
                    .or_else(|| {
                        self.config
                            .lexicon
                            .classify(&text)
                            .heading
                            .and_then(|h| self.config.headings.get(&h).map(|h| h.to_ref()))
                    })
                    .unwrap_or_else(|| self.config.headings.fallback().to_ref());
                let id = SentenceId(self.state.next_id.max(self.note.next_sentence_id().0));
                self.state.next_id = id.0 + 1;
                let field_count = fields.len();
                let sentence = Sentence {
                    id,
                    text,
                    break_before: std::mem::take(&mut self.state.pending_break),
                    provenance: Provenance::Autotext {
                        name: autotext.name.clone(),
                        layer: Some(autotext.layer.as_str().to_string()),
                    },
                    flags: SentenceFlags {
                        unfilled_fields: field_count as u32,
                        ..Default::default()
                    },
                    fields,
                };
                self.apply(
                    NoteEdit::Insert {
                        heading,
                        index: None,
                        sentence,
                    },
                    out,
                );
                self.state.order.push(id);
                self.state.cursor = (field_count > 0).then_some(Cursor {
                    id,
                    index: None,
                    active: false,
                });
                out.events.push(Event::AutotextInserted {
                    name: autotext.name.clone(),
                    id,
                    fields: field_count,
                });
                self.new_group();
                words
            }
            NameMatch::Ambiguous { candidates, words } => {
                out.events.push(Event::AutotextAmbiguous { candidates });
                words
            }
            NameMatch::NotFound => {
                if explicit {
                    out.events.push(Event::AutotextNotFound);
                    names.len().min(3)
                } else {
                    // "indsæt" used as an ordinary word.
                    self.write_word("indsæt", false);
                    0
                }
            }
        }
    }

    fn action(&mut self, action: Action, out: &mut Output) {
        match action {
            Action::Undo => {
                self.flush_open(out);
                self.new_group();
                match self.history.pop() {
                    Some(group) => {
                        for edit in group.inverse.iter().rev() {
                            match edit.apply(&mut self.note) {
                                Ok(_) => out.edits.push(edit.clone()),
                                Err(e) => tracing::warn!(error = %e, "undo edit not applied"),
                            }
                        }
                        self.state = group.state.clone();
                        self.group = Group {
                            inverse: Vec::new(),
                            state: self.state.clone(),
                        };
                        out.events.push(Event::Undone);
                    }
                    None => out.events.push(Event::NothingToUndo),
                }
            }
            Action::DeleteLast => {
                self.close_open(out, false);
                self.new_group();
                match self.last_dictated() {
                    Some(id) => {
                        self.apply(NoteEdit::Remove { id }, out);
                        if self.state.cursor.as_ref().is_some_and(|c| c.id == id) {
                            self.state.cursor = None;
                        }
                        out.events.push(Event::SentenceDeleted { id });
                    }
                    None => out.events.push(Event::NothingToDelete),
                }
                self.new_group();
            }
            Action::NextField | Action::PreviousField => {
                self.close_open(out, false);
                self.move_focus(action == Action::NextField, out);
            }
            Action::AcceptDefaults => {
                self.close_open(out, false);
                self.new_group();
                self.accept_defaults(out);
                self.new_group();
            }
            Action::AutomaticPlacement => {
                self.close_open(out, false);
                self.new_group();
                self.state.spoken_heading = false;
                out.events.push(Event::AutomaticPlacement);
            }
        }
    }
}

#[cfg(test)]
mod tests;
