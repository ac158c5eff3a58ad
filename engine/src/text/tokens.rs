//! Splitting Whisper's text into words and punctuation marks.

use std::sync::OnceLock;

use regex::Regex;

use super::danish::fold;

/// One piece of transcript text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word, number or abbreviation as Whisper wrote it.
    Word(Word),
    /// A punctuation mark Whisper wrote itself (not spoken).
    Mark(char),
}

/// A word with its folded form for matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Text as it should appear (case kept).
    pub text: String,
    /// Folded form (lowercase, "aa" → "å", no punctuation) used to match commands.
    pub norm: String,
    /// The word is a masked (or flagged) CPR number.
    pub cpr: bool,
}

impl Word {
    /// A word from its text.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let norm = fold(&text);
        Word {
            text,
            norm,
            cpr: false,
        }
    }
}

impl Token {
    /// The folded form of a word, or `None` for a mark.
    pub fn norm(&self) -> Option<&str> {
        match self {
            Token::Word(w) => Some(&w.norm),
            Token::Mark(_) => None,
        }
    }

    /// A word token from text.
    pub fn word(text: impl Into<String>) -> Self {
        Token::Word(Word::new(text))
    }
}

/// Abbreviations whose full stop is part of the word, not a sentence end.
const ABBREVIATIONS: &[&str] = &[
    "kl", "pga", "fx", "ca", "evt", "dvs", "mht", "inkl", "ekskl", "jf", "nr", "tlf", "obs", "mv",
    "bl.a", "f.eks", "p.g.a", "m.m", "o.l", "s.d", "ift", "iflg", "vedr", "hhv", "dagl", "pr",
];

fn token_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?:\p{L}{1,3}\.){2,}                               # f.eks. bl.a. p.g.a.
          | \d+(?:[.,:/]\d+)*(?:-\d+)?                         # 120/80 8,5 14.30 120345-1234
          | [\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*             # words, e-mail, BT-måling
          | \.\.\.|…                                          # ellipsis
          | [^\s\p{L}\p{N}]                                    # any other mark
        ",
        )
        .unwrap_or_else(|e| panic!("token regex: {e}"))
    })
}

/// Split transcript text into tokens. Abbreviations keep their full stop ("kl.").
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    for m in token_regex().find_iter(text) {
        let s = m.as_str();
        let first = s.chars().next().unwrap_or(' ');
        if first.is_alphanumeric() {
            out.push(Token::word(s));
            continue;
        }
        let mark = match s {
            "..." | "…" => '.',
            "«" | "»" | "„" | "“" | "”" => '"',
            "’" | "‘" => '\'',
            "—" => '–',
            _ => first,
        };
        // "kl ." → "kl."
        if mark == '.' {
            if let Some(Token::Word(w)) = out.last_mut() {
                let base = w.text.trim_end_matches('.').to_lowercase();
                if ABBREVIATIONS.contains(&base.as_str()) && !w.text.ends_with('.') {
                    w.text.push('.');
                    continue;
                }
            }
        }
        out.push(Token::Mark(mark));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(tokens: &[Token]) -> String {
        tokens
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.text.clone(),
                Token::Mark(c) => format!("<{c}>"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn tokens() {
        let rows = [
            ("Hun har spist godt.", "Hun har spist godt <.>"),
            ("BT 120/80, puls 72.", "BT 120/80 <,> puls 72 <.>"),
            ("kl. 14.30 fik hun 8,5 mg", "kl. 14.30 fik hun 8,5 mg"),
            ("Godt punktum...", "Godt punktum <.>"),
            ("f.eks. e-mail", "f.eks. e-mail"),
            ("»citat«", "<\"> citat <\">"),
            ("120345-1234", "120345-1234"),
            ("Ny linje.", "Ny linje <.>"),
        ];
        for (input, want) in rows {
            assert_eq!(show(&tokenize(input)), want, "{input}");
        }
    }
}
