//! Recognising the dictation language's command words in a token stream: spoken
//! punctuation and layout, headings, autotext insertion, corrections and field navigation.
//!
//! Rule for command words used as ordinary words: a punctuation word right after an article
//! or possessive ("et punktum", "sit komma") *and* followed by more words in the same
//! utterance ("han fik et punktum på skærmen") is text; "ordret X" always writes X as text.
//! Every other punctuation word is a command (so "hun fik et punktum." ends a sentence). Headings by "X kolon" are
//! recognised only at the start of an utterance (or right after a full stop / new line);
//! mid-sentence, "ernæring kolon" writes "ernæring:". "overskrift X" works anywhere.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;
use thiserror::Error;

use super::tokens::{Token, Word};
use crate::headings::{Heading, HeadingTable};
use crate::journal::Break;

/// The built-in command words.
pub const BUILTIN_COMMANDS_TOML: &str = include_str!("../../data/commands.toml");

/// A punctuation mark to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A mark written as is: . , : ; ? ! – - / ( ) "
    Char(char),
    /// "parentes": opens a parenthesis, or closes the open one.
    ParenToggle,
}

impl Mark {
    /// True for marks that end a sentence.
    pub fn ends_sentence(self) -> bool {
        matches!(self, Mark::Char('.' | '?' | '!'))
    }
}

/// Commands that act on the note or the interpreter rather than write text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// "slet det", "slet sidste sætning".
    DeleteLast,
    /// "fortryd".
    Undo,
    /// "næste felt".
    NextField,
    /// "forrige felt".
    PreviousField,
    /// "bekræft standardværdier".
    AcceptDefaults,
    /// "automatisk placering": stop keeping text under the last spoken heading.
    AutomaticPlacement,
}

/// One unit of interpreted transcript.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// Text to write.
    Word(Word),
    /// A punctuation mark; `spoken` when the worker said it, not when Whisper wrote it.
    Mark {
        /// The mark.
        mark: Mark,
        /// Said by the worker.
        spoken: bool,
    },
    /// "ny linje" / "nyt afsnit".
    Break(Break),
    /// A spoken heading.
    Heading(Heading),
    /// "overskrift" followed by words that name no heading (the words follow as text).
    UnknownHeading,
    /// "indsæt" / "autotekst": the autotext name follows as words.
    Autotext {
        /// Said as "autotekst ..." (nothing is written when no autotext matches).
        explicit: bool,
    },
    /// A command.
    Action(Action),
}

/// Problems with a command-words file.
#[derive(Debug, Error)]
pub enum CommandsError {
    /// The TOML is malformed or has an unknown key or value.
    #[error("{origin}: {message}")]
    Parse {
        /// File name or "built-in".
        origin: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFile {
    punctuation: std::collections::BTreeMap<String, String>,
    layout: std::collections::BTreeMap<String, String>,
    actions: ActionRows,
    words: WordRows,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionRows {
    delete_last: Vec<String>,
    undo: Vec<String>,
    next_field: Vec<String>,
    previous_field: Vec<String>,
    accept_defaults: Vec<String>,
    automatic_placement: Vec<String>,
    heading: Vec<String>,
    heading_suffix: Vec<String>,
    autotext: Vec<String>,
    autotext_explicit: Vec<String>,
    literal: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordRows {
    determiners: Vec<String>,
    common_lowercase: Vec<String>,
}

#[derive(Clone, Debug)]
enum Phrase {
    Mark(Mark),
    Break(Break),
    Action(Action),
    HeadingPrefix,
    HeadingSuffix,
    Autotext(bool),
    Literal,
}

/// The command vocabulary, compiled for matching.
#[derive(Clone, Debug)]
pub struct CommandWords {
    phrases: Vec<(Vec<String>, Phrase)>,
    determiners: HashSet<String>,
    common_lowercase: HashSet<String>,
}

fn split(phrase: &str) -> Vec<String> {
    super::danish::fold(phrase)
        .split(' ')
        .map(str::to_string)
        .collect()
}

impl CommandWords {
    /// The built-in Danish command words.
    pub fn builtin() -> &'static CommandWords {
        static WORDS: OnceLock<CommandWords> = OnceLock::new();
        WORDS.get_or_init(|| {
            // Part of the program; a test checks that it parses.
            CommandWords::from_toml_str(BUILTIN_COMMANDS_TOML, "built-in")
                .unwrap_or_else(|e| panic!("built-in command words are broken: {e}"))
        })
    }

    /// Parse a command-words file (the shape of `engine/data/commands.toml`).
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, CommandsError> {
        let err = |message: String| CommandsError::Parse {
            origin: origin.to_string(),
            message,
        };
        let file: CommandFile = toml::from_str(src).map_err(|e| err(e.to_string()))?;
        let mut phrases = Vec::new();
        for (spoken, mark) in &file.punctuation {
            let mark = match mark.as_str() {
                "()" => Mark::ParenToggle,
                m if m.chars().count() == 1 => Mark::Char(m.chars().next().unwrap_or('.')),
                m => return Err(err(format!("punctuation {spoken:?}: bad mark {m:?}"))),
            };
            phrases.push((split(spoken), Phrase::Mark(mark)));
        }
        for (spoken, layout) in &file.layout {
            let b = match layout.as_str() {
                "line" => Break::Line,
                "paragraph" => Break::Paragraph,
                other => return Err(err(format!("layout {spoken:?}: unknown {other:?}"))),
            };
            phrases.push((split(spoken), Phrase::Break(b)));
        }
        let a = &file.actions;
        let groups: [(&Vec<String>, Phrase); 11] = [
            (&a.delete_last, Phrase::Action(Action::DeleteLast)),
            (&a.undo, Phrase::Action(Action::Undo)),
            (&a.next_field, Phrase::Action(Action::NextField)),
            (&a.previous_field, Phrase::Action(Action::PreviousField)),
            (&a.accept_defaults, Phrase::Action(Action::AcceptDefaults)),
            (
                &a.automatic_placement,
                Phrase::Action(Action::AutomaticPlacement),
            ),
            (&a.heading, Phrase::HeadingPrefix),
            (&a.heading_suffix, Phrase::HeadingSuffix),
            (&a.autotext, Phrase::Autotext(false)),
            (&a.autotext_explicit, Phrase::Autotext(true)),
            (&a.literal, Phrase::Literal),
        ];
        for (list, phrase) in groups {
            for spoken in list {
                phrases.push((split(spoken), phrase.clone()));
            }
        }
        // Longest phrase first, so "nyt afsnit" wins over a shorter prefix.
        phrases.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Ok(CommandWords {
            phrases,
            determiners: file
                .words
                .determiners
                .iter()
                .map(|w| super::danish::fold(w))
                .collect(),
            common_lowercase: file
                .words
                .common_lowercase
                .iter()
                .map(|w| super::danish::fold(w))
                .collect(),
        })
    }

    /// True for common words whose capital after an unasked-for full stop may be lowered.
    pub fn is_common_lowercase(&self, norm: &str) -> bool {
        self.common_lowercase.contains(norm)
    }

    /// True when `norms` (the last words of an utterance) may be the start of a command
    /// that continues in the next utterance: a strict prefix of a command phrase, or a
    /// command that needs an argument ("overskrift", "indsæt").
    pub fn is_dangling(&self, norms: &[&str]) -> bool {
        let complete = self.phrases.iter().any(|(words, phrase)| {
            !matches!(phrase, Phrase::HeadingPrefix | Phrase::Autotext(_))
                && words.len() == norms.len()
                && words.iter().zip(norms).all(|(a, b)| a == b)
        });
        !complete
            && self.phrases.iter().any(|(words, phrase)| {
                let prefix =
                    words.len() > norms.len() && words.iter().zip(norms).all(|(a, b)| a == b);
                let needs_argument = matches!(phrase, Phrase::HeadingPrefix | Phrase::Autotext(_))
                    && words.len() == norms.len()
                    && words.iter().zip(norms).all(|(a, b)| a == b);
                prefix || needs_argument
            })
    }

    /// True when `rest` (the following words of the utterance) starts with ordinary text,
    /// not with another command or the end of the utterance.
    fn followed_by_text(&self, rest: &[&str]) -> bool {
        !rest.is_empty() && self.phrase_at(rest).is_none()
    }

    fn phrase_at(&self, norms: &[&str]) -> Option<(usize, &Phrase)> {
        self.phrases.iter().find_map(|(words, phrase)| {
            (norms.len() >= words.len() && words.iter().zip(norms).all(|(a, b)| a == b))
                .then_some((words.len(), phrase))
        })
    }

    /// Interpret one utterance's tokens.
    pub fn scan(&self, tokens: &[Token], headings: &HeadingTable) -> Vec<Item> {
        let mut items: Vec<Item> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let Token::Word(word) = &tokens[i] else {
                if let Token::Mark(c) = tokens[i] {
                    items.push(Item::Mark {
                        mark: Mark::Char(c),
                        spoken: false,
                    });
                }
                i += 1;
                continue;
            };
            // The words from here up to the next Whisper mark.
            let run: Vec<&str> = tokens[i..].iter().map_while(|t| t.norm()).collect();
            let utterance_start = items
                .iter()
                .all(|it| matches!(it, Item::Mark { spoken: false, .. }))
                || matches!(items.last(), Some(Item::Break(_)) | Some(Item::Heading(_)))
                || matches!(items.last(), Some(Item::Mark { mark, .. }) if mark.ends_sentence());
            // "ernæring kolon" / "Ernæring:" at the start of an utterance.
            if utterance_start {
                let words: Vec<&str> = tokens[i..]
                    .iter()
                    .map_while(|t| match t {
                        Token::Word(w) => Some(w.text.as_str()),
                        Token::Mark(_) => None,
                    })
                    .collect();
                if let Some(m) = headings.match_start(&words) {
                    let after = i + m.words;
                    let suffix = run
                        .get(m.words..)
                        .and_then(|rest| self.phrase_at(rest))
                        .filter(|(_, p)| matches!(p, Phrase::HeadingSuffix))
                        .map(|(n, _)| n);
                    if let Some(n) = suffix {
                        items.push(Item::Heading(m.heading));
                        i = after + n;
                        continue;
                    }
                    if matches!(tokens.get(after), Some(Token::Mark(':'))) {
                        items.push(Item::Heading(m.heading));
                        i = after + 1;
                        continue;
                    }
                }
            }
            let Some((n, phrase)) = self.phrase_at(&run) else {
                items.push(Item::Word(word.clone()));
                i += 1;
                continue;
            };
            match phrase {
                Phrase::Literal => {
                    if let Some(Token::Word(next)) = tokens.get(i + n) {
                        items.push(Item::Word(next.clone()));
                        i += n + 1;
                    } else {
                        items.push(Item::Word(word.clone()));
                        i += 1;
                    }
                }
                Phrase::Mark(mark) => {
                    let after_determiner = matches!(
                        items.last(),
                        Some(Item::Word(prev)) if self.determiners.contains(&prev.norm)
                    ) && self.followed_by_text(&run[n..]);
                    if after_determiner {
                        items.push(Item::Word(word.clone()));
                        i += 1;
                    } else {
                        items.push(Item::Mark {
                            mark: *mark,
                            spoken: true,
                        });
                        i += n;
                    }
                }
                Phrase::Break(b) => {
                    items.push(Item::Break(*b));
                    i += n;
                }
                Phrase::Action(a) => {
                    items.push(Item::Action(*a));
                    i += n;
                }
                Phrase::Autotext(explicit) => {
                    items.push(Item::Autotext {
                        explicit: *explicit,
                    });
                    i += n;
                }
                Phrase::HeadingSuffix => {
                    // "kolon" not after a heading at an utterance start: plain colon,
                    // unless used as a noun.
                    let after_determiner = matches!(
                        items.last(),
                        Some(Item::Word(prev)) if self.determiners.contains(&prev.norm)
                    ) && self.followed_by_text(&run[n..]);
                    if after_determiner {
                        items.push(Item::Word(word.clone()));
                    } else {
                        items.push(Item::Mark {
                            mark: Mark::Char(':'),
                            spoken: true,
                        });
                    }
                    i += n;
                }
                Phrase::HeadingPrefix => {
                    let words: Vec<&str> = tokens[i + n..]
                        .iter()
                        .map_while(|t| match t {
                            Token::Word(w) => Some(w.text.as_str()),
                            Token::Mark(_) => None,
                        })
                        .collect();
                    match headings.match_start(&words) {
                        Some(m) => {
                            items.push(Item::Heading(m.heading));
                            i += n + m.words;
                            // "overskrift ernæring kolon" / "overskrift ernæring:"
                            let rest: Vec<&str> =
                                tokens[i..].iter().map_while(|t| t.norm()).collect();
                            if let Some((k, Phrase::HeadingSuffix)) = self.phrase_at(&rest) {
                                i += k;
                            } else if matches!(tokens.get(i), Some(Token::Mark(':'))) {
                                i += 1;
                            }
                        }
                        None => {
                            items.push(Item::UnknownHeading);
                            items.push(Item::Word(word.clone()));
                            i += 1;
                        }
                    }
                }
            }
        }
        clean_whisper_marks(items)
    }
}

fn is_command(item: &Item) -> bool {
    matches!(
        item,
        Item::Break(_) | Item::Heading(_) | Item::Action(_) | Item::Autotext { .. }
    )
}

/// Drop Whisper's marks where the worker's own punctuation or a command makes them wrong:
/// next to a spoken mark ("godt punktum." → one full stop), right after a command ("Ny
/// linje."), and repeated marks ("godt.." → "godt.").
fn clean_whisper_marks(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    for (idx, item) in items.iter().enumerate() {
        if let Item::Mark {
            mark,
            spoken: false,
        } = item
        {
            let next_spoken = items[idx + 1..]
                .iter()
                .find(|it| !matches!(it, Item::Mark { spoken: false, .. }))
                .is_some_and(|it| matches!(it, Item::Mark { spoken: true, .. }));
            let prev = out.last();
            let after_spoken_or_command =
                prev.is_some_and(|p| matches!(p, Item::Mark { spoken: true, .. }) || is_command(p));
            if next_spoken || after_spoken_or_command {
                continue;
            }
            if let Some(Item::Mark {
                mark: prev_mark,
                spoken: false,
            }) = out.last_mut()
            {
                // A run of Whisper marks: keep one, preferring a sentence end.
                if mark.ends_sentence() && !prev_mark.ends_sentence() {
                    *prev_mark = *mark;
                }
                continue;
            }
        }
        out.push(item.clone());
    }
    out
}
