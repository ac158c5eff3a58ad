//! Finding the autotext a worker named: fuzzy, æ/ø/å-aware ("aa" = "å"), tolerant of ASR
//! slips and split compounds, and never silently choosing between two close names.

use super::library::{Autotext, Library};
use crate::text::danish::{fold_compact, similarity};

/// Minimum similarity for a name to be a candidate at all.
const MIN_SCORE: f64 = 0.75;
/// Two candidates whose edit counts differ by less than this are ambiguous.
const AMBIGUITY_EDITS: f64 = 0.99;

/// The result of looking up a spoken autotext name.
#[derive(Clone, Debug, PartialEq)]
pub enum NameMatch<'a> {
    /// One autotext clearly matched, using `words` of the input.
    Found {
        /// The autotext.
        autotext: &'a Autotext,
        /// Words of the input used by the name.
        words: usize,
        /// Similarity, 0..=1.
        score: f64,
    },
    /// Several autotexts matched about equally well; nothing should be inserted.
    Ambiguous {
        /// Names of the candidates, best first.
        candidates: Vec<String>,
        /// Words of the input the best candidate would use.
        words: usize,
    },
    /// No autotext name is close.
    NotFound,
}

impl Library {
    /// Look up the autotext named at the start of `words` (raw transcript words).
    pub fn find(&self, words: &[&str]) -> NameMatch<'_> {
        // Best (score, words, edits) per autotext.
        let mut scored: Vec<(&Autotext, f64, usize, f64)> = Vec::new();
        for a in self.effective() {
            let mut best: Option<(f64, usize, f64)> = None;
            for form in std::iter::once(&a.name).chain(&a.aliases) {
                let form_words = form.split_whitespace().count().max(1);
                let form_len = fold_compact(form).chars().count();
                for k in 1..=words.len().min(form_words + 2) {
                    let span = words[..k].join(" ");
                    let score = similarity(&span, form);
                    let needed = if form_len <= 4 { 1.0 } else { MIN_SCORE };
                    if score < needed {
                        continue;
                    }
                    let better = match best {
                        None => true,
                        Some((s, n, _)) => score > s + 1e-9 || ((score - s).abs() < 1e-9 && k > n),
                    };
                    if better {
                        let len = fold_compact(&span).chars().count().max(form_len) as f64;
                        best = Some((score, k, (1.0 - score) * len));
                    }
                }
            }
            if let Some((s, k, e)) = best {
                scored.push((a, s, k, e));
            }
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
        let Some(&(top, top_score, top_words, top_edits)) = scored.first() else {
            return NameMatch::NotFound;
        };
        // Exact matches: the one that uses the most words wins outright.
        if top_score >= 1.0 - 1e-9 {
            let exact_same_len = scored
                .iter()
                .filter(|(_, s, k, _)| *s >= 1.0 - 1e-9 && *k == top_words)
                .count();
            if exact_same_len == 1 {
                return NameMatch::Found {
                    autotext: top,
                    words: top_words,
                    score: top_score,
                };
            }
        }
        let close: Vec<String> = scored
            .iter()
            .filter(|(_, _, _, e)| e - top_edits < AMBIGUITY_EDITS)
            .map(|(a, _, _, _)| a.name.clone())
            .collect();
        if close.len() > 1 {
            return NameMatch::Ambiguous {
                candidates: close,
                words: top_words,
            };
        }
        NameMatch::Found {
            autotext: top,
            words: top_words,
            score: top_score,
        }
    }
}
