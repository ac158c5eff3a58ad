//! Writing words and marks into sentence text the way a typed note reads: a capital at the
//! start, no space before a comma, spaces around a dash, none around a hyphen or slash.

use super::commands::Mark;
use super::danish::capitalize_first;

/// A sentence being written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SentenceText {
    text: String,
    quote_open: bool,
    paren_depth: u32,
}

impl SentenceText {
    /// An empty sentence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Continue an existing sentence's text.
    pub fn from_text(text: &str) -> Self {
        SentenceText {
            text: text.to_string(),
            quote_open: text.matches('"').count() % 2 == 1,
            paren_depth: (text.matches('(').count() as u32)
                .saturating_sub(text.matches(')').count() as u32),
        }
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// True when the text ends with a sentence-ending mark (possibly before a closing
    /// parenthesis or quote).
    pub fn is_terminated(&self) -> bool {
        self.text
            .trim_end_matches([')', '"'])
            .ends_with(['.', '?', '!'])
    }

    fn joins_next(&self) -> bool {
        self.text.is_empty()
            || self.text.ends_with(['(', '-', '/', '\n'])
            || (self.text.ends_with('"') && self.quote_open)
    }

    /// Append a word; the first word of a sentence gets a capital letter.
    pub fn push_word(&mut self, word: &str) {
        if self.text.is_empty() {
            self.text.push_str(&capitalize_first(word));
            return;
        }
        if !self.joins_next() {
            self.text.push(' ');
        }
        self.text.push_str(word);
    }

    /// Append a mark with the right spacing. Marks that need text before them are dropped
    /// at the start of a sentence.
    pub fn push_mark(&mut self, mark: Mark) {
        let c = match mark {
            Mark::ParenToggle if self.paren_depth > 0 => ')',
            Mark::ParenToggle => '(',
            Mark::Char('"') if self.quote_open => '”',
            Mark::Char('"') => '“',
            Mark::Char(c) => c,
        };
        match c {
            '(' | '“' => {
                if !self.joins_next() {
                    self.text.push(' ');
                }
                if c == '(' {
                    self.paren_depth += 1;
                    self.text.push('(');
                } else {
                    self.quote_open = true;
                    self.text.push('"');
                }
            }
            '–' => {
                if !self.text.is_empty() {
                    self.text.push_str(" –");
                }
            }
            '-' | '/' => {
                if !self.text.is_empty() {
                    self.text.push(c);
                }
            }
            _ => {
                if self.text.is_empty() {
                    return;
                }
                if c == ')' {
                    if self.paren_depth == 0 {
                        return;
                    }
                    self.paren_depth -= 1;
                }
                let c = if c == '”' {
                    self.quote_open = false;
                    '"'
                } else {
                    c
                };
                // never "godt.." or "godt.,"
                if matches!(c, '.' | ',' | ':' | ';' | '?' | '!')
                    && self.text.ends_with(['.', ',', ':', ';', '?', '!'])
                    && !self.text.ends_with("..")
                {
                    let last = self.text.chars().last().unwrap_or(' ');
                    if matches!(last, '.' | '?' | '!') && c == ',' {
                        return;
                    }
                    self.text.pop();
                }
                self.text.push(c);
            }
        }
    }

    /// Remove a sentence-ending mark at the end (to continue the sentence).
    pub fn reopen(&mut self) {
        if self.text.ends_with(['.', '?', '!']) {
            self.text.pop();
        }
    }

    /// End the sentence with a full stop if it ends in a letter or digit.
    pub fn terminate(&mut self) {
        if self
            .text
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == ')' || c == '"')
            && !self.is_terminated()
        {
            self.text.push('.');
        }
    }

    /// The finished text.
    pub fn into_string(self) -> String {
        self.text
    }
}
