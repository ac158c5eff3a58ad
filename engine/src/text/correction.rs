//! Post-correction of Whisper's Danish transcript toward care vocabulary.
//!
//! Whisper hears care words it rarely saw in training as near misses ("kateder",
//! "tryk sår", "forflydning"). [`Corrections`] pulls such near misses back to the written
//! form, from a data file (`engine/data/corrections.toml`, documented there):
//! explicit replacements, joining of split compounds, and near-miss correction against a
//! vocabulary with a list of ordinary words that are never touched. Comparison is Danish
//! aware: case, punctuation and "aa"/"å" are folded, and edits are counted on the Danish
//! letters and on their ASCII transcription, whichever is closer.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::danish::{ascii, fold, strip_inflection};

/// The built-in correction data.
pub const BUILTIN_CORRECTIONS_TOML: &str = include_str!("../../data/corrections.toml");

/// Shortest heard word (in letters) that near-miss correction considers.
const MIN_FUZZY_LETTERS: usize = 7;
/// From this many letters, two edits are allowed instead of one.
const TWO_EDITS_FROM: usize = 12;
/// Longest heard phrase (in words) of a `[[replace]]` rule.
const MAX_PHRASE_WORDS: usize = 4;

/// A correction file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionsError {
    /// The file is not valid TOML or does not have the expected shape.
    #[error("{origin}: {message}")]
    Parse {
        /// Where the text came from (a file name).
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// A rule is empty.
    #[error("{origin}: {what}")]
    Invalid {
        /// Where the text came from.
        origin: String,
        /// What is wrong.
        what: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    replace: Vec<ReplaceRule>,
    #[serde(default)]
    vocabulary: VocabularySection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplaceRule {
    heard: Vec<String>,
    write: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct VocabularySection {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    protect: Vec<String>,
}

/// One vocabulary word, ready for comparison.
#[derive(Debug, Clone)]
struct Entry {
    written: String,
    folded: String,
    /// [`ascii`] of `folded`.
    ascii: String,
    /// Letters in `folded`.
    letters: usize,
}

/// One change made to a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What Whisper wrote (one or more words, as heard).
    pub heard: String,
    /// What the correction wrote instead.
    pub written: String,
}

/// A compiled set of corrections.
#[derive(Debug, Clone, Default)]
pub struct Corrections {
    /// Folded heard phrase (words joined by one space) → written form.
    replace: HashMap<String, String>,
    /// Folded vocabulary word → entry.
    vocabulary: HashMap<String, Entry>,
    /// Vocabulary entries grouped by first folded letter, for near-miss search.
    by_first: HashMap<char, Vec<Entry>>,
    /// Folded words never changed by near-miss correction.
    protect: HashSet<String>,
}

impl Corrections {
    /// The built-in corrections (`engine/data/corrections.toml`), parsed once.
    pub fn builtin() -> &'static Corrections {
        static BUILTIN: OnceLock<Corrections> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Corrections::from_toml_str(BUILTIN_CORRECTIONS_TOML, "corrections.toml")
                .expect("the built-in corrections file is valid (checked by a unit test)")
        })
    }

    /// Parses a corrections file. `origin` names it in errors.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, CorrectionsError> {
        let file: File = toml::from_str(src).map_err(|e| CorrectionsError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let invalid = |what: String| CorrectionsError::Invalid {
            origin: origin.to_string(),
            what,
        };
        let mut out = Corrections::default();
        for rule in file.replace {
            if rule.write.trim().is_empty() || rule.heard.is_empty() {
                return Err(invalid(
                    "a [[replace]] rule needs `heard` and `write`".into(),
                ));
            }
            for heard in rule.heard {
                let key = fold(&heard);
                let words = key.split(' ').count();
                if key.is_empty() || words > MAX_PHRASE_WORDS {
                    return Err(invalid(format!(
                        "heard phrase {heard:?} must have 1 to {MAX_PHRASE_WORDS} words"
                    )));
                }
                out.replace.insert(key, rule.write.trim().to_string());
            }
        }
        for word in file.vocabulary.words {
            let folded = fold(&word);
            if folded.is_empty() || folded.contains(' ') {
                return Err(invalid(format!(
                    "vocabulary word {word:?} must be one word"
                )));
            }
            let entry = Entry {
                written: word.trim().to_string(),
                ascii: ascii(&folded),
                letters: folded.chars().count(),
                folded: folded.clone(),
            };
            if let Some(first) = folded.chars().next() {
                out.by_first.entry(first).or_default().push(entry.clone());
            }
            out.vocabulary.insert(folded, entry);
        }
        out.protect = file
            .vocabulary
            .protect
            .iter()
            .map(|w| fold(w))
            .filter(|w| !w.is_empty())
            .collect();
        Ok(out)
    }

    /// Number of vocabulary words.
    pub fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }

    /// Whether `heard` (one word or a phrase, any case) is the heard side of a `[[replace]]`
    /// rule: a deliberate change even where it is an ordinary word.
    pub fn is_explicit(&self, heard: &str) -> bool {
        self.replace.contains_key(&fold(heard))
    }

    /// The corrected transcript.
    pub fn apply(&self, text: &str) -> String {
        self.apply_with_changes(text).0
    }

    /// The corrected transcript and the changes made, in order.
    pub fn apply_with_changes(&self, text: &str) -> (String, Vec<Change>) {
        let words: Vec<Word> = text.split_whitespace().map(Word::parse).collect();
        let mut out: Vec<String> = Vec::with_capacity(words.len());
        let mut changes = Vec::new();
        let mut i = 0;
        while i < words.len() {
            // The rules in order: explicit phrase, split compound, near miss.
            let rest = &words[i..];
            let found = self
                .replacement_at(rest)
                .or_else(|| {
                    let next = rest.get(1)?;
                    self.join(&rest[0], next).map(|w| (2, w))
                })
                .or_else(|| self.near_miss(rest[0].core).map(|w| (1, w)));
            let Some((n, written)) = found else {
                out.push(rest[0].raw.to_string());
                i += 1;
                continue;
            };
            let (first, last) = (&rest[0], &rest[n - 1]);
            let written = match_case(first.core, &written);
            let heard: Vec<&str> = rest[..n].iter().map(|w| w.core).collect();
            out.push(format!("{}{written}{}", first.prefix, last.suffix));
            changes.push(Change {
                heard: heard.join(" "),
                written,
            });
            i += n;
        }
        (out.join(" "), changes)
    }

    /// The longest `[[replace]]` phrase starting at `words[0]`: (words used, written form).
    fn replacement_at(&self, words: &[Word]) -> Option<(usize, String)> {
        if self.replace.is_empty() {
            return None;
        }
        let max = words.len().min(MAX_PHRASE_WORDS);
        for n in (1..=max).rev() {
            // Punctuation inside a phrase ends it: "pa. Mol" is two sentences.
            if words[..n - 1].iter().any(|w| !w.suffix.is_empty()) {
                continue;
            }
            if words[1..n].iter().any(|w| !w.prefix.is_empty()) {
                continue;
            }
            let key: Vec<String> = words[..n].iter().map(|w| fold(w.core)).collect();
            if key.iter().any(String::is_empty) {
                continue;
            }
            if let Some(written) = self.replace.get(&key.join(" ")) {
                return Some((n, written.clone()));
            }
        }
        None
    }

    /// Two heard words that together spell a vocabulary word ("tryk sår" → "tryksår").
    fn join(&self, a: &Word, b: &Word) -> Option<String> {
        if !a.suffix.is_empty() || !b.prefix.is_empty() || a.core.is_empty() || b.core.is_empty() {
            return None;
        }
        let joined = format!("{}{}", fold(a.core), fold(b.core));
        self.vocabulary.get(&joined).map(|e| e.written.clone())
    }

    /// The vocabulary word a heard word is a near miss of, if exactly one.
    fn near_miss(&self, core: &str) -> Option<String> {
        let folded = fold(core);
        if let Some(entry) = self.vocabulary.get(&folded) {
            // Spelled with "aa" for "å": write the modern spelling; otherwise it is right.
            let respelled = core.to_lowercase() != entry.written.to_lowercase();
            return respelled.then(|| entry.written.clone());
        }
        let letters = folded.chars().count();
        if letters < MIN_FUZZY_LETTERS || !folded.chars().all(char::is_alphabetic) {
            return None;
        }
        if self.protect.contains(&folded) {
            return None;
        }
        let allowed = if letters >= TWO_EDITS_FROM { 2 } else { 1 };
        let heard_ascii = ascii(&folded);
        let candidates = self.by_first.get(&folded.chars().next()?)?;
        if candidates.iter().any(|e| is_other_form(&folded, &e.folded)) {
            return None;
        }
        let mut best: Option<(usize, &Entry)> = None;
        let mut tie = false;
        for entry in candidates {
            if entry.letters.abs_diff(letters) > allowed {
                continue;
            }
            // Optimal string alignment: edits and adjacent transpositions, counted on the
            // Danish letters and on their ASCII transcription, whichever is closer.
            let d = strsim::osa_distance(&folded, &entry.folded)
                .min(strsim::osa_distance(&heard_ascii, &entry.ascii));
            if d > allowed {
                continue;
            }
            match best {
                Some((bd, be)) if d == bd && be.written != entry.written => tie = true,
                Some((bd, _)) if d >= bd => {}
                _ => {
                    best = Some((d, entry));
                    tie = false;
                }
            }
        }
        match best {
            Some((_, entry)) if !tie => Some(entry.written.clone()),
            _ => None,
        }
    }
}

/// A whitespace-separated word split into leading punctuation, the word, and trailing
/// punctuation.
struct Word<'a> {
    raw: &'a str,
    prefix: &'a str,
    core: &'a str,
    suffix: &'a str,
}

impl<'a> Word<'a> {
    fn parse(raw: &'a str) -> Self {
        let start = raw
            .char_indices()
            .find(|(_, c)| c.is_alphanumeric())
            .map_or(raw.len(), |(i, _)| i);
        let end = raw
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_alphanumeric())
            .map_or(start, |(i, c)| i + c.len_utf8());
        let end = end.max(start);
        Word {
            raw,
            prefix: &raw[..start],
            core: &raw[start..end],
            suffix: &raw[end..],
        }
    }
}

/// Longest ending (in letters) by which another form of a word may differ from it.
const MAX_ENDING_LETTERS: usize = 5;

/// Whether `heard` is another form of the vocabulary word `known` rather than a near miss:
/// one is the other plus an ending ("sygehuse" / "sygehuset"), or both share a stem
/// ("temperaturer" / "temperaturen").
fn is_other_form(heard: &str, known: &str) -> bool {
    let extends = |long: &str, short: &str| {
        long.starts_with(short)
            && long.chars().count() - short.chars().count() <= MAX_ENDING_LETTERS
    };
    extends(heard, known)
        || extends(known, heard)
        || strip_inflection(heard) == strip_inflection(known)
}

/// `written` with the first letter upper-cased when the heard word's was.
fn match_case(heard: &str, written: &str) -> String {
    let heard_upper = heard.chars().next().is_some_and(char::is_uppercase);
    if heard_upper {
        super::danish::capitalize_first(written)
    } else {
        written.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(s: &str) -> String {
        Corrections::builtin().apply(s)
    }

    #[test]
    fn builtin_file_parses_with_a_real_vocabulary() {
        assert!(Corrections::builtin().vocabulary_len() > 200);
    }

    #[test]
    fn near_misses_of_care_words_are_corrected() {
        assert_eq!(
            builtin("Borgeren har et kateder."),
            "Borgeren har et kateter."
        );
        assert_eq!(builtin("skift af forbindinen"), "skift af forbindingen");
        assert_eq!(builtin("hjælp til forflydning"), "hjælp til forflytning");
        assert_eq!(builtin("målt iltmædning"), "målt iltmætning");
    }

    #[test]
    fn split_compounds_are_joined_and_punctuation_kept() {
        assert_eq!(builtin("Et tryk sår på hælen."), "Et tryksår på hælen.");
        assert_eq!(
            builtin("ringede til hjemme plejen,"),
            "ringede til hjemmeplejen,"
        );
        // Punctuation between the words: two sentences, left alone.
        assert_eq!(builtin("Tryk. Sår"), "Tryk. Sår");
    }

    #[test]
    fn danish_letters_and_ascii_spellings_are_one_letter_apart() {
        assert_eq!(builtin("ernaering"), "ernæring");
        assert_eq!(builtin("Genoptraeningen"), "Genoptræningen");
        assert_eq!(builtin("tryksaar"), "tryksår");
    }

    #[test]
    fn ordinary_and_correct_words_are_left_alone() {
        let text = "Borgerne fik morgenmad og medicin kl. 8, blodtrykket var 130/80.";
        assert_eq!(builtin(text), text);
        // Short words are never touched, however close.
        assert_eq!(builtin("pulsen er fin"), "pulsen er fin");
        // Numbers and mixed tokens are not words.
        assert_eq!(builtin("K2 12345678"), "K2 12345678");
    }

    #[test]
    fn ambiguous_near_misses_are_left_alone() {
        let c = Corrections::from_toml_str(
            "[vocabulary]\nwords = [\"kompresser\", \"kompressen\"]\n",
            "t",
        )
        .unwrap();
        // "kompressex" is one edit from both.
        assert_eq!(c.apply("kompressex"), "kompressex");
        assert_eq!(c.apply("kompresxen"), "kompressen");
    }

    #[test]
    fn protected_words_are_never_changed() {
        let c = Corrections::from_toml_str(
            "[vocabulary]\nwords = [\"forbinding\"]\nprotect = [\"forbindning\"]\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.apply("forbindning"), "forbindning");
        assert_eq!(c.apply("forbindinng"), "forbinding");
    }

    #[test]
    fn changes_are_reported() {
        let (text, changes) = Corrections::builtin().apply_with_changes("et tryk sår og kateder");
        assert_eq!(text, "et tryksår og kateter");
        assert_eq!(
            changes,
            vec![
                Change {
                    heard: "tryk sår".into(),
                    written: "tryksår".into()
                },
                Change {
                    heard: "kateder".into(),
                    written: "kateter".into()
                }
            ]
        );
    }

    #[test]
    fn malformed_files_are_clear_errors() {
        let err = Corrections::from_toml_str("[vocabulary]\nwords = 3\n", "x.toml").unwrap_err();
        assert!(err.to_string().starts_with("x.toml:"), "{err}");
        let err = Corrections::from_toml_str("[[replace]]\nheard = []\nwrite = \"a\"\n", "x.toml")
            .unwrap_err();
        assert!(err.to_string().contains("heard"), "{err}");
        let err = Corrections::from_toml_str("[vocabulary]\nwords = [\"to ord\"]\n", "x.toml")
            .unwrap_err();
        assert!(err.to_string().contains("one word"), "{err}");
    }

    #[test]
    fn empty_and_odd_input_does_not_panic() {
        let c = Corrections::builtin();
        for s in ["", " ", "...", "«»", "ø", "a\u{301}", "—tryk— sår"] {
            let _ = c.apply(s);
        }
    }
}
