//! Danish normalisation for scoring recognised text against a reference.
//!
//! Rules, applied to both sides:
//! 1. Lower-case (Unicode-aware: Æ→æ, Ø→ø, Å→å).
//! 2. "kl." → "klokken"; "%" → "procent"; "a/b" between numbers → "a over b"
//!    (blood pressure as dictated).
//! 3. Numbers written as digits become Danish words: "7,2" → "syv komma to",
//!    "145" → "hundrede og femogfyrre", "14.30" → "fjorten tredive". Both
//!    spellings of a number therefore score the same.
//! 4. Hyphens, dashes and slashes split words; all other punctuation is dropped.
//! 5. Whitespace is collapsed; the result is a list of words.
//!
//! Deliberately not normalised: compound spelling ("påny" / "på ny") and
//! inflection, which are real recognition differences.

use regex::Regex;
use std::sync::OnceLock;

/// Normalises Danish text for scoring and splits it into words (see module docs).
pub fn normalize(text: &str) -> Vec<String> {
    static RULES: OnceLock<(Regex, Regex, Regex, Regex)> = OnceLock::new();
    let (kl, ratio, time, number) = RULES.get_or_init(|| {
        (
            Regex::new(r"\bkl\.").expect("valid regex"),
            Regex::new(r"(\d+)\s*/\s*(\d+)").expect("valid regex"),
            Regex::new(r"\b(\d{1,2})[.:](\d{2})\b").expect("valid regex"),
            Regex::new(r"\d+(?:,\d+)?").expect("valid regex"),
        )
    });
    let lower = text.to_lowercase();
    let s = kl.replace_all(&lower, "klokken ");
    let s = s.replace('%', " procent ");
    let s = ratio.replace_all(&s, "$1 over $2");
    let s = time.replace_all(&s, "$1 $2");
    let s = number.replace_all(&s, |caps: &regex::Captures| {
        let m = &caps[0];
        match m.split_once(',') {
            Some((whole, frac)) => {
                let mut out = digits_to_words(whole);
                out.push_str(" komma");
                // Decimals are read digit group as a number ("7,25" → "syv komma femogtyve").
                out.push(' ');
                out.push_str(&digits_to_words(frac));
                format!(" {out} ")
            }
            None => format!(" {} ", digits_to_words(m)),
        }
    });
    s.split(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | '/'))
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn digits_to_words(digits: &str) -> String {
    match digits.parse::<u64>() {
        Ok(n) if digits.len() <= 7 => number_to_danish_words(n),
        // Long digit strings (phone numbers, ids) are read digit by digit.
        _ => digits
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| number_to_danish_words(d as u64))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Spells a number the way it is said in Danish ("45" → "femogfyrre",
/// "145" → "hundrede og femogfyrre", "2024" → "to tusind og fireogtyve").
pub fn number_to_danish_words(n: u64) -> String {
    const ONES: [&str; 20] = [
        "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve",
        "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten",
    ];
    const TENS: [&str; 10] = [
        "",
        "",
        "tyve",
        "tredive",
        "fyrre",
        "halvtreds",
        "tres",
        "halvfjerds",
        "firs",
        "halvfems",
    ];
    fn below_hundred(n: u64) -> String {
        if n < 20 {
            return ONES[n as usize].to_string();
        }
        let (t, o) = (n / 10, n % 10);
        if o == 0 {
            TENS[t as usize].to_string()
        } else {
            format!("{}og{}", ONES[o as usize], TENS[t as usize])
        }
    }
    fn below_thousand(n: u64) -> String {
        let (h, rest) = (n / 100, n % 100);
        let mut out = String::new();
        if h > 0 {
            if h > 1 {
                out.push_str(ONES[h as usize]);
                out.push(' ');
            }
            out.push_str("hundrede");
            if rest > 0 {
                out.push_str(" og ");
            }
        }
        if rest > 0 || h == 0 {
            out.push_str(&below_hundred(rest));
        }
        out
    }
    if n < 1000 {
        return below_thousand(n);
    }
    if n < 1_000_000 {
        let (th, rest) = (n / 1000, n % 1000);
        let mut out = if th == 1 {
            "tusind".to_string()
        } else {
            format!("{} tusind", below_thousand(th))
        };
        if rest > 0 {
            out.push_str(if rest < 100 { " og " } else { " " });
            out.push_str(&below_thousand(rest));
        }
        return out;
    }
    let (mil, rest) = (n / 1_000_000, n % 1_000_000);
    let mut out = if mil == 1 {
        "en million".to_string()
    } else {
        format!("{} millioner", number_to_danish_words(mil))
    };
    if rest > 0 {
        out.push(' ');
        out.push_str(&number_to_danish_words(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_normalisations() {
        let cases: &[(&str, &str)] = &[
            (
                "Huden på venstre hæl er rød, men den er intakt.",
                "huden på venstre hæl er rød men den er intakt",
            ),
            ("VERDENSERKLÆRINGEN OM", "verdenserklæringen om"),
            (
                "Blodsukkeret blev målt til 7,2 før",
                "blodsukkeret blev målt til syv komma to før",
            ),
            ("medicin kl. 8 efter", "medicin klokken otte efter"),
            (
                "et blodtryk på 145/90.",
                "et blodtryk på hundrede og femogfyrre over halvfems",
            ),
            (
                "Iltmætningen er 94% i hvile",
                "iltmætningen er fireoghalvfems procent i hvile",
            ),
            ("kl. 14.30", "klokken fjorten tredive"),
            ("genop-træning – to gange", "genop træning to gange"),
            ("\"Øjne\" (røde)?", "øjne røde"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input).join(" "), *expected, "input: {input}");
        }
    }

    #[test]
    fn danish_numbers() {
        let cases = [
            (0, "nul"),
            (7, "syv"),
            (14, "fjorten"),
            (21, "enogtyve"),
            (50, "halvtreds"),
            (94, "fireoghalvfems"),
            (100, "hundrede"),
            (145, "hundrede og femogfyrre"),
            (300, "tre hundrede"),
            (1000, "tusind"),
            (2024, "to tusind og fireogtyve"),
            (1948, "tusind ni hundrede og otteogfyrre"),
        ];
        for (n, words) in cases {
            assert_eq!(number_to_danish_words(n), words, "{n}");
        }
    }
}
