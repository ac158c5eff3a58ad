//! Danish-aware folding and fuzzy comparison of words and phrases.
//!
//! Lowercases with Unicode rules (Æ→æ, Ø→ø, Å→å), treats the old spelling "aa" as "å",
//! and compares with an edit distance over both the Danish letters and their ASCII
//! transcriptions (æ→ae, ø→oe, å→aa), so "sårpleje", "saarpleje" and "sarpleje" are close.

/// Lowercase, turn "aa" into "å", drop punctuation, collapse whitespace.
pub fn fold(s: &str) -> String {
    let lower = s.to_lowercase().replace("aa", "å");
    let mut out = String::with_capacity(lower.len());
    let mut space = true;
    for c in lower.chars() {
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space && (c.is_whitespace() || c == '-' || c == '/' || c == ',') {
            out.push(' ');
            space = true;
        } else if !space && !c.is_whitespace() {
            // other punctuation joins nothing and separates nothing
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// [`fold`] without spaces, so that "morgen pleje" equals "morgenpleje".
pub fn fold_compact(s: &str) -> String {
    fold(s).replace(' ', "")
}

/// ASCII transcription of a folded string: æ→ae, ø→oe, å→aa, é→e.
pub fn ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            'æ' => out.push_str("ae"),
            'ø' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'é' | 'è' | 'ê' => out.push('e'),
            'ü' => out.push('u'),
            'ö' => out.push_str("oe"),
            'ä' => out.push_str("ae"),
            _ => out.push(c),
        }
    }
    out
}

/// Similarity 0..=1 of two phrases after [`fold_compact`]: the best of the Damerau-Levenshtein
/// similarity on the Danish letters and on their ASCII transcription.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (fold_compact(a), fold_compact(b));
    if a == b {
        return 1.0;
    }
    let native = strsim::normalized_damerau_levenshtein(&a, &b);
    let asc = strsim::normalized_damerau_levenshtein(&ascii(&a), &ascii(&b));
    native.max(asc)
}

/// Danish inflection endings, longest first (definite, plural, genitive, past tense).
const ENDINGS: &[&str] = &[
    "ernes", "enes", "erne", "ene", "ens", "ets", "en", "et", "er", "es", "ne", "e", "s",
];

/// The word without one common Danish inflection ending, when what is left is long enough
/// to still mean something ("ernæringen" → "ernæring"). Returns the word itself otherwise.
pub fn strip_inflection(word: &str) -> &str {
    for end in ENDINGS {
        if let Some(stem) = word.strip_suffix(end) {
            if stem.chars().count() >= 4 {
                return stem;
            }
        }
    }
    word
}

/// Uppercase the first letter of `s`.
pub fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lowercase the first letter of `s`.
pub fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        let rows = [
            ("Søvn og Hvile", "søvn og hvile"),
            ("ERNÆRING:", "ernæring"),
            ("Saarpleje", "sårpleje"),
            ("  hud  og   slimhinder. ", "hud og slimhinder"),
            (
                "Seksualitet, køn og kropsopfattelse",
                "seksualitet køn og kropsopfattelse",
            ),
            ("ÆØÅ", "æøå"),
        ];
        for (input, want) in rows {
            assert_eq!(fold(input), want, "{input}");
        }
    }

    #[test]
    fn similarity_is_danish_aware() {
        assert_eq!(similarity("sårpleje", "Saarpleje"), 1.0);
        assert!(similarity("sårpleje", "sarpleje") > 0.85);
        assert!(similarity("søvn og hvil", "søvn og hvile") > 0.9);
        assert!(similarity("morgen pleje", "morgenpleje") == 1.0);
        assert!(similarity("bad", "bund") < 0.6);
    }

    #[test]
    fn inflection() {
        let rows = [
            ("ernæringen", "ernæring"),
            ("smerterne", "smert"),
            ("hud", "hud"),
            ("søvnen", "søvn"),
        ];
        for (input, want) in rows {
            assert_eq!(strip_inflection(input), want, "{input}");
        }
    }
}
