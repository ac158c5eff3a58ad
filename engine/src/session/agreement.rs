//! LocalAgreement-2 (as in whisper_streaming): what two consecutive
//! hypotheses of the same growing audio agree on is stable and can be
//! committed while the speaker goes on.
//!
//! The open utterance is re-decoded from the same start each time. When the
//! leading whisper segments of the newest hypothesis have the same words as
//! those of the one before, and end at about the same time, those segments are
//! committed and the audio buffer is trimmed at the end of the last one. The
//! last segment of a hypothesis is never committed: its end is still moving.

use crate::asr::Segment;

/// When a prefix counts as stable.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementRules {
    /// Two hypotheses' segment ends may differ by at most this (s).
    pub end_tolerance_s: f64,
    /// The trim point must lie at least this far (s) before the buffer's end.
    pub min_tail_s: f64,
    /// A committed prefix must cover at least this much audio (s).
    pub min_piece_s: f64,
}

impl Default for AgreementRules {
    fn default() -> Self {
        Self {
            end_tolerance_s: 0.6,
            min_tail_s: 1.0,
            min_piece_s: 1.0,
        }
    }
}

/// Words of a segment for comparison: lower case, punctuation dropped.
pub fn comparable_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// How many leading segments of `current` are stable given `previous` (both
/// hypotheses of audio starting at the same point; `buffer_s` is the length
/// of the audio `current` was decoded from). 0 when nothing may be committed.
pub fn agreed_segments(
    previous: &[Segment],
    current: &[Segment],
    buffer_s: f64,
    rules: &AgreementRules,
) -> usize {
    let mut agreed = 0;
    for (i, (p, c)) in previous.iter().zip(current).enumerate() {
        let same_words = comparable_words(&p.text) == comparable_words(&c.text);
        let same_end = (p.end_s - c.end_s).abs() <= rules.end_tolerance_s;
        if !same_words || !same_end {
            break;
        }
        agreed = i + 1;
    }
    // Never the last segment of the newest hypothesis.
    agreed = agreed.min(current.len().saturating_sub(1));
    while agreed > 0 {
        let end = current[agreed - 1].end_s;
        if end <= buffer_s - rules.min_tail_s {
            break;
        }
        agreed -= 1;
    }
    if agreed > 0 && current[agreed - 1].end_s < rules.min_piece_s {
        return 0;
    }
    agreed
}

/// The longest common word prefix of two texts, in words (for display of
/// the stable part of tentative text).
pub fn common_word_prefix(a: &str, b: &str) -> usize {
    comparable_words(a)
        .iter()
        .zip(comparable_words(b).iter())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start_s: f64, end_s: f64, text: &str) -> Segment {
        Segment {
            start_s,
            end_s,
            text: text.to_string(),
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn agreed_leading_segments_are_committed_but_never_the_last() {
        let prev = vec![
            seg(0.0, 3.2, "Borgeren har spist."),
            seg(3.2, 6.0, "Drukket to glas"),
        ];
        let cur = vec![
            seg(0.0, 3.24, "borgeren har spist"),
            seg(3.24, 6.9, "Drukket to glas vand."),
            seg(6.9, 8.5, "Forbindingen"),
        ];
        assert_eq!(
            agreed_segments(&prev, &cur, 9.0, &AgreementRules::default()),
            1
        );
    }

    #[test]
    fn all_but_last_agree() {
        let a = vec![
            seg(0.0, 2.0, "En."),
            seg(2.0, 4.0, "To."),
            seg(4.0, 5.0, "Tre"),
        ];
        let b = vec![
            seg(0.0, 2.0, "En."),
            seg(2.0, 4.1, "To."),
            seg(4.1, 6.0, "Tre fire"),
        ];
        assert_eq!(agreed_segments(&a, &b, 7.5, &AgreementRules::default()), 2);
    }

    #[test]
    fn different_words_or_moved_ends_do_not_agree() {
        let rules = AgreementRules::default();
        let prev = vec![seg(0.0, 3.0, "Borgeren har spist"), seg(3.0, 5.0, "x")];
        let words = vec![seg(0.0, 3.0, "Borgeren har spist op"), seg(3.0, 6.0, "x y")];
        let moved = vec![seg(0.0, 4.0, "Borgeren har spist"), seg(4.0, 6.0, "x y")];
        assert_eq!(agreed_segments(&prev, &words, 8.0, &rules), 0);
        assert_eq!(agreed_segments(&prev, &moved, 8.0, &rules), 0);
    }

    #[test]
    fn a_boundary_near_the_growing_edge_waits() {
        let rules = AgreementRules::default();
        let prev = vec![seg(0.0, 3.0, "a b c"), seg(3.0, 3.5, "d")];
        let cur = vec![seg(0.0, 3.0, "a b c"), seg(3.0, 3.6, "d e")];
        // The buffer ends at 3.7 s: 3.0 is only 0.7 s before it.
        assert_eq!(agreed_segments(&prev, &cur, 3.7, &rules), 0);
        assert_eq!(agreed_segments(&prev, &cur, 4.5, &rules), 1);
    }

    #[test]
    fn tiny_pieces_are_not_committed() {
        let rules = AgreementRules::default();
        let prev = vec![seg(0.0, 0.5, "ja"), seg(0.5, 3.0, "x")];
        let cur = vec![seg(0.0, 0.5, "ja"), seg(0.5, 4.0, "x y")];
        assert_eq!(agreed_segments(&prev, &cur, 6.0, &rules), 0);
    }

    #[test]
    fn single_or_empty_hypotheses_commit_nothing() {
        let rules = AgreementRules::default();
        let one = vec![seg(0.0, 3.0, "a b c")];
        assert_eq!(agreed_segments(&one, &one, 9.0, &rules), 0);
        assert_eq!(agreed_segments(&[], &one, 9.0, &rules), 0);
        assert_eq!(agreed_segments(&one, &[], 9.0, &rules), 0);
    }

    #[test]
    fn common_prefix_counts_words_ignoring_case_and_punctuation() {
        assert_eq!(common_word_prefix("Der er et lille", "der er, et stort"), 3);
        assert_eq!(common_word_prefix("", "a"), 0);
    }
}
