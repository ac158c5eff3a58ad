//! Recognising a spoken heading: tolerant of case, inflection ("ernæringen") and small ASR
//! slips ("søvn og hvil").

use super::{Heading, HeadingTable};
use crate::text::danish::{fold, similarity, strip_inflection};

/// A heading recognised at the start of a run of words.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadingMatch {
    /// The heading.
    pub heading: Heading,
    /// How close the spoken words were to its name or alias, 0..=1.
    pub score: f64,
    /// How many words of the input the heading used.
    pub words: usize,
}

/// Minimum similarity for a form of this many letters.
fn threshold(form_len: usize) -> f64 {
    match form_len {
        0..=4 => 1.0,
        5..=7 => 0.85,
        _ => 0.8,
    }
}

/// Fold a span and strip the inflection of its last word.
fn stem_phrase(folded: &str) -> String {
    match folded.rsplit_once(' ') {
        Some((head, last)) => format!("{head} {}", strip_inflection(last)),
        None => strip_inflection(folded).to_string(),
    }
}

impl HeadingTable {
    /// The heading spoken at the start of `words` (raw transcript words), if any: the best
    /// scoring name or alias over spans of about its own length; ties go to the longer span.
    pub fn match_start(&self, words: &[&str]) -> Option<HeadingMatch> {
        let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
        let mut best: Option<HeadingMatch> = None;
        for heading in self.iter() {
            for form in std::iter::once(&heading.name).chain(&heading.aliases) {
                let form = fold(form);
                let n = form.split(' ').count();
                let form_len = form.replace(' ', "").chars().count();
                let form_stem = stem_phrase(&form);
                let lo = n.saturating_sub(1).max(1);
                let hi = (n + 1).min(folded.len());
                for k in lo..=hi {
                    let span = folded[..k].join(" ");
                    if span.is_empty() || folded[..k].iter().any(|w| w.is_empty()) {
                        continue;
                    }
                    let span_stem = stem_phrase(&span);
                    let score = similarity(&span, &form)
                        .max(similarity(&span_stem, &form_stem))
                        .max(similarity(&span_stem, &form));
                    if score < threshold(form_len) {
                        continue;
                    }
                    let better = match &best {
                        None => true,
                        Some(b) => {
                            score > b.score + 1e-9
                                || ((score - b.score).abs() < 1e-9 && k > b.words)
                        }
                    };
                    if better {
                        best = Some(HeadingMatch {
                            heading: heading.clone(),
                            score,
                            words: k,
                        });
                    }
                }
            }
        }
        best
    }

    /// The heading that a whole phrase names, if it names one (all its words must be used).
    pub fn recognise(&self, phrase: &str) -> Option<HeadingMatch> {
        let words: Vec<&str> = phrase.split_whitespace().collect();
        self.match_start(&words).filter(|m| m.words == words.len())
    }
}
