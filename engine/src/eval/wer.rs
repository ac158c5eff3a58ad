//! Word and character error rates by edit distance.

use super::normalize::normalize;

/// Edit errors against a reference length; add several together for a corpus rate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ErrorRate {
    /// Substitutions + deletions + insertions.
    pub errors: usize,
    /// Words (or characters) in the normalised reference.
    pub reference_len: usize,
}

impl ErrorRate {
    /// The rate, errors / reference length (0 for an empty reference with no errors).
    pub fn rate(&self) -> f64 {
        if self.reference_len == 0 {
            return if self.errors == 0 { 0.0 } else { 1.0 };
        }
        self.errors as f64 / self.reference_len as f64
    }
}

impl std::ops::Add for ErrorRate {
    type Output = ErrorRate;
    fn add(self, other: ErrorRate) -> ErrorRate {
        ErrorRate {
            errors: self.errors + other.errors,
            reference_len: self.reference_len + other.reference_len,
        }
    }
}

impl std::iter::Sum for ErrorRate {
    fn sum<I: Iterator<Item = ErrorRate>>(iter: I) -> ErrorRate {
        iter.fold(ErrorRate::default(), |a, b| a + b)
    }
}

/// Word error rate of `hypothesis` against `reference`, after Danish normalisation.
pub fn wer(reference: &str, hypothesis: &str) -> ErrorRate {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    ErrorRate {
        errors: strsim::generic_levenshtein(&r, &h),
        reference_len: r.len(),
    }
}

/// Character error rate (spaces between words count), after Danish normalisation.
pub fn cer(reference: &str, hypothesis: &str) -> ErrorRate {
    let r: Vec<char> = normalize(reference).join(" ").chars().collect();
    let h: Vec<char> = normalize(hypothesis).join(" ").chars().collect();
    ErrorRate {
        errors: strsim::generic_levenshtein(&r, &h),
        reference_len: r.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_text_after_normalisation_has_no_errors() {
        let r = wer(
            "Blodsukkeret blev målt til 7,2.",
            "blodsukkeret blev målt til syv komma to",
        );
        assert_eq!(r.errors, 0);
        assert_eq!(r.reference_len, 7);
    }

    #[test]
    fn one_wrong_word_in_four() {
        let r = wer("huden er rød nu", "huden er død nu");
        assert_eq!((r.errors, r.reference_len), (1, 4));
        assert!((r.rate() - 0.25).abs() < 1e-9);
    }

    #[test]
    fn corpus_rates_add_up() {
        let total: ErrorRate = [wer("a b", "a c"), wer("d e f g", "d e f g")]
            .into_iter()
            .sum();
        assert_eq!((total.errors, total.reference_len), (1, 6));
    }

    #[test]
    fn cer_counts_characters() {
        let r = cer("hæl", "hel");
        assert_eq!((r.errors, r.reference_len), (1, 3));
    }
}
