//! Automatic placement: which heading a sentence with no spoken heading belongs under, from
//! a Danish lexicon kept as a data file (`engine/data/placement.toml`).
//!
//! Pattern language of a lexicon term (matched against the folded sentence, word by word):
//! - `tryksår`   the word itself or with a common inflection ending (tryksåret, tryksårene)
//! - `spis*`     any word starting with "spis" (spiser, spiste, spisning)
//! - `*sår`      any word ending in "sår" (hælsår, bensår): Danish compounds
//! - `*sukker*`  any word containing "sukker"
//! - `ord!`      exactly the word, no inflection ("ord", not "orden")
//! - `sovet uroligt`  several words in a row; `~` between words allows up to two other words
//! - `re:<regex>` a regular expression over the lowercased, unfolded sentence (numbers)
//!
//! Weights: `strong` terms count 2, `terms` 1, `weak` 0.5. A heading's score is the sum of
//! its matched terms, each word of the sentence counting once per heading (the heaviest,
//! then longest, term claims it); confidence = best / (best + runner-up + 0.5). A placement
//! needs confidence ≥ `threshold` and a best score ≥ `min_score` (weak terms alone never
//! place a sentence).

use regex::Regex;
use serde::Deserialize;
use thiserror::Error;

use crate::text::danish::fold;

/// The built-in placement lexicon.
pub const BUILTIN_LEXICON_TOML: &str = include_str!("../../data/placement.toml");

/// Problems loading a placement lexicon.
#[derive(Debug, Error)]
pub enum LexiconError {
    /// The TOML is malformed.
    #[error("{origin}: {message}")]
    Parse {
        /// File name or "built-in".
        origin: String,
        /// Parser message with line and column.
        message: String,
    },
    /// A term is not a valid pattern.
    #[error("{origin}: bad term {term:?} under {heading:?}: {message}")]
    BadTerm {
        /// File name or "built-in".
        origin: String,
        /// Heading of the term.
        heading: String,
        /// The term.
        term: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default = "default_threshold")]
    threshold: f32,
    #[serde(default)]
    min_score: f32,
    #[serde(default)]
    area: Vec<AreaRow>,
}

fn default_threshold() -> f32 {
    0.5
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaRow {
    heading: String,
    #[serde(default)]
    strong: Vec<String>,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
}

#[derive(Clone, Debug)]
struct Term {
    heading: usize,
    label: String,
    weight: f32,
    regex: Regex,
    raw: bool,
}

/// A compiled placement lexicon.
#[derive(Clone, Debug)]
pub struct Lexicon {
    headings: Vec<String>,
    terms: Vec<Term>,
    threshold: f32,
    min_score: f32,
}

/// Why a placement came out as it did.
#[derive(Clone, Debug, PartialEq)]
pub enum PlacementReason {
    /// Lexicon terms matched; the heading is confident enough.
    Lexicon {
        /// Matched terms of the chosen heading, heaviest first.
        terms: Vec<String>,
    },
    /// Terms matched but the best heading is not confident enough.
    BelowThreshold {
        /// The best guess.
        guess: String,
        /// Its matched terms.
        terms: Vec<String>,
    },
    /// No lexicon term matched.
    NoMatch,
}

/// The lexicon's verdict on one sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// The heading to place under, or `None` when the caller should use its default
    /// (current heading, else Øvrigt).
    pub heading: Option<String>,
    /// Confidence of the best guess, 0..=1 (0 when nothing matched).
    pub confidence: f32,
    /// Why.
    pub reason: PlacementReason,
}

impl Placement {
    /// One-line human description of the reason, e.g. `lexicon: blodtryk, puls`.
    pub fn reason_text(&self) -> String {
        match &self.reason {
            PlacementReason::Lexicon { terms } => format!("lexicon: {}", terms.join(", ")),
            PlacementReason::BelowThreshold { guess, terms } => {
                format!(
                    "default: below threshold (guess {guess}: {})",
                    terms.join(", ")
                )
            }
            PlacementReason::NoMatch => "default: no lexicon term".to_string(),
        }
    }
}

const INFLECTION: &str = "(?:e|en|er|et|ene|erne|ernes|ens|ets|es|s|t|te|ede|de|r|ne)?";

/// A word of the folded sentence: any run of characters but the space. The folded sentence
/// has only letters and digits, one space between words, and is matched with one space of
/// padding on each side, so word boundaries are spaces. (Unicode `\w` and `\b` compiled
/// into 1,300 regexes took ~400 MiB; a plain space class is tiny.)
const WORD_CHARS: &str = "[^ ]";

fn word_regex(word: &str) -> String {
    let (lead, rest) = match word.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, word),
    };
    let (trail, core) = match rest.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let core = regex::escape(core);
    match (lead, trail) {
        (false, false) => format!(r"{core}{INFLECTION}"),
        (false, true) => format!(r"{core}{WORD_CHARS}*"),
        (true, false) => format!(r"{WORD_CHARS}*{core}{INFLECTION}"),
        (true, true) => format!(r"{WORD_CHARS}*{core}{WORD_CHARS}*"),
    }
}

/// The regex of a term over the padded folded sentence (" word word "): it starts and ends
/// with a space, so it matches whole words only.
fn term_regex(term: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for word in term.split_whitespace() {
        if word == "~" {
            gap = true;
            continue;
        }
        out.push_str(if gap && !out.is_empty() {
            r" (?:[^ ]+ ){0,2}"
        } else {
            " "
        });
        gap = false;
        let core = fold(word).replace(' ', "");
        if core.is_empty() {
            return String::new();
        }
        if word.ends_with('!') {
            out.push_str(&regex::escape(&core));
            continue;
        }
        let starred = format!(
            "{}{core}{}",
            if word.starts_with('*') { "*" } else { "" },
            if word.ends_with('*') { "*" } else { "" }
        );
        out.push_str(&word_regex(&starred));
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out
}

impl Lexicon {
    /// The built-in lexicon.
    pub fn builtin() -> &'static Lexicon {
        static LEX: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
        LEX.get_or_init(|| {
            // The embedded file is part of the program; a test checks that it compiles.
            Lexicon::from_toml_str(BUILTIN_LEXICON_TOML, "built-in")
                .unwrap_or_else(|e| panic!("built-in placement lexicon is broken: {e}"))
        })
    }

    /// Compile a lexicon from TOML. `origin` names the source in errors.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, LexiconError> {
        let file: LexiconFile = toml::from_str(src).map_err(|e| LexiconError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut lex = Lexicon {
            headings: Vec::new(),
            terms: Vec::new(),
            threshold: file.threshold,
            min_score: file.min_score,
        };
        for area in file.area {
            let h = lex.headings.len();
            lex.headings.push(area.heading.clone());
            let groups = [(2.0, &area.strong), (1.0, &area.terms), (0.5, &area.weak)];
            for (weight, terms) in groups {
                for term in terms {
                    let (pattern, raw) = match term.strip_prefix("re:") {
                        Some(re) => (re.to_string(), true),
                        None => (term_regex(term), false),
                    };
                    if pattern.is_empty() {
                        return Err(LexiconError::BadTerm {
                            origin: origin.to_string(),
                            heading: area.heading.clone(),
                            term: term.clone(),
                            message: "a term needs letters or digits".to_string(),
                        });
                    }
                    let regex = Regex::new(&pattern).map_err(|e| LexiconError::BadTerm {
                        origin: origin.to_string(),
                        heading: area.heading.clone(),
                        term: term.clone(),
                        message: e.to_string(),
                    })?;
                    lex.terms.push(Term {
                        heading: h,
                        label: term.trim_start_matches("re:").to_string(),
                        weight,
                        regex,
                        raw,
                    });
                }
            }
        }
        Ok(lex)
    }

    /// Confidence at or above which a lexicon placement is used.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Headings the lexicon can place under.
    pub fn headings(&self) -> &[String] {
        &self.headings
    }

    /// Where `sentence` belongs by its content.
    pub fn classify(&self, sentence: &str) -> Placement {
        let folded = fold(sentence);
        let padded = format!(" {folded} ");
        let lower = sentence.to_lowercase();
        // Every hit: (heading, weight, span, label). Raw-regex spans live in another string,
        // so they are kept apart from word spans by an offset.
        let mut hits: Vec<(usize, f32, (usize, usize), &str)> = Vec::new();
        for term in &self.terms {
            let found = if term.raw {
                term.regex
                    .find(&lower)
                    .map(|m| (m.start() + folded.len() + 1, m.end() + folded.len() + 1))
            } else {
                // Padded " word " → the word's span in `folded`: drop both spaces.
                term.regex
                    .find(&padded)
                    .map(|m| (m.start(), m.end().saturating_sub(2)))
            };
            if let Some(span) = found {
                hits.push((term.heading, term.weight, span, term.label.as_str()));
            }
        }
        // A word counts once per heading: heavier and longer terms claim it first.
        hits.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then((b.2 .1 - b.2 .0).cmp(&(a.2 .1 - a.2 .0)))
        });
        let mut scores = vec![0.0f32; self.headings.len()];
        let mut matched: Vec<Vec<(f32, &str)>> = vec![Vec::new(); self.headings.len()];
        let mut claimed: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.headings.len()];
        for (h, weight, (start, end), label) in hits {
            if claimed[h].iter().any(|&(s, e)| start < e && s < end) {
                continue;
            }
            claimed[h].push((start, end));
            scores[h] += weight;
            matched[h].push((weight, label));
        }
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let Some(&best) = order.first() else {
            return Placement {
                heading: None,
                confidence: 0.0,
                reason: PlacementReason::NoMatch,
            };
        };
        if scores[best] <= 0.0 {
            return Placement {
                heading: None,
                confidence: 0.0,
                reason: PlacementReason::NoMatch,
            };
        }
        let second = order.get(1).map(|&i| scores[i]).unwrap_or(0.0);
        let confidence = scores[best] / (scores[best] + second + 0.5);
        let mut terms = std::mem::take(&mut matched[best]);
        terms.sort_by(|a, b| b.0.total_cmp(&a.0));
        let terms: Vec<String> = terms.into_iter().map(|(_, t)| t.to_string()).collect();
        let heading = self.headings[best].clone();
        if confidence >= self.threshold && scores[best] >= self.min_score {
            Placement {
                heading: Some(heading),
                confidence,
                reason: PlacementReason::Lexicon { terms },
            }
        } else {
            Placement {
                heading: None,
                confidence,
                reason: PlacementReason::BelowThreshold {
                    guess: heading,
                    terms,
                },
            }
        }
    }
}
