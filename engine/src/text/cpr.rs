//! CPR numbers in dictated text: `ddmmyy-ssss` with or without the dash, with spaces, or
//! spoken as digits and digit pairs ("en to nul tre fire fem ...", "tolv nul tre femogfyrre
//! ..."). Detected numbers are masked (`******-****`) by default. A number is recognised by
//! its shape and a plausible date; modulus 11 is never checked (it does not hold for numbers
//! issued after 1 October 2007). CPR numbers are never logged.

use super::tokens::{Token, Word};

/// What to do with a detected CPR number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CprPolicy {
    /// Replace it with `******-****` and flag the sentence (default).
    #[default]
    Mask,
    /// Keep it, written as `ddmmyy-ssss`, and flag the sentence.
    Keep,
}

/// The masked form of a CPR number.
pub const MASK: &str = "******-****";

/// Digits of a token that may be part of a spoken or written CPR number.
fn token_digits(t: &Token) -> Option<String> {
    let Token::Word(w) = t else { return None };
    let n = w.norm.as_str();
    if w.text.starts_with(|c: char| c.is_ascii_digit())
        && w.text.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        return Some(w.text.replace('-', ""));
    }
    let single = match n {
        "nul" => Some(0),
        "en" | "én" | "et" | "ét" => Some(1),
        "to" => Some(2),
        "tre" => Some(3),
        "fire" => Some(4),
        "fem" => Some(5),
        "seks" => Some(6),
        "syv" => Some(7),
        "otte" => Some(8),
        "ni" => Some(9),
        _ => None,
    };
    if let Some(d) = single {
        return Some(d.to_string());
    }
    spoken_pair(n).map(|v| format!("{v:02}"))
}

fn spoken_pair(n: &str) -> Option<u64> {
    const TEENS: [&str; 10] = [
        "ti", "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten",
        "nitten",
    ];
    const TENS: [(&str, u64); 8] = [
        ("tyve", 20),
        ("tredive", 30),
        ("fyrre", 40),
        ("halvtreds", 50),
        ("tres", 60),
        ("halvfjerds", 70),
        ("firs", 80),
        ("halvfems", 90),
    ];
    const UNITS: [&str; 9] = [
        "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni",
    ];
    if let Some(p) = TEENS.iter().position(|t| *t == n) {
        return Some(10 + p as u64);
    }
    if let Some((_, v)) = TENS.iter().find(|(t, _)| *t == n) {
        return Some(*v);
    }
    let (u, t) = n.split_once("og")?;
    let u = UNITS.iter().position(|x| *x == u)? as u64 + 1;
    let (_, t) = TENS.iter().find(|(x, _)| *x == t)?;
    Some(u + t)
}

/// True when ten digits look like a CPR number: a valid day and month.
pub fn plausible_cpr(digits: &str) -> bool {
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let day: u32 = digits[0..2].parse().unwrap_or(0);
    let month: u32 = digits[2..4].parse().unwrap_or(0);
    (1..=31).contains(&day) && (1..=12).contains(&month)
}

/// Find CPR numbers in a token stream and replace each with one word token (masked or
/// written `ddmmyy-ssss`), marked `cpr`. Returns how many were found.
pub fn detect_cpr(tokens: &mut Vec<Token>, policy: CprPolicy) -> usize {
    let mut found = 0;
    let mut i = 0;
    while i < tokens.len() {
        let mut hit = None;
        if token_digits(&tokens[i]).is_some() {
            let mut digits = String::new();
            let mut j = i;
            while j < tokens.len() {
                match (&tokens[j], token_digits(&tokens[j])) {
                    (_, Some(d)) => digits.push_str(&d),
                    (Token::Mark('-'), None) if j > i => {}
                    _ => break,
                }
                j += 1;
                if digits.len() == 10 {
                    if plausible_cpr(&digits) {
                        hit = Some((j, digits.clone()));
                    }
                    break;
                }
                if digits.len() > 10 {
                    break;
                }
            }
        }
        if let Some((end, digits)) = hit {
            let text = match policy {
                CprPolicy::Mask => MASK.to_string(),
                CprPolicy::Keep => format!("{}-{}", &digits[..6], &digits[6..]),
            };
            let mut w = Word::new(text);
            w.cpr = true;
            tokens.splice(i..end, [Token::Word(w)]);
            found += 1;
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    fn run(input: &str, policy: CprPolicy) -> (String, usize) {
        let mut t = tokenize(input);
        let n = detect_cpr(&mut t, policy);
        let s = t
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.text.clone(),
                Token::Mark(c) => c.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        (s, n)
    }

    #[test]
    fn cpr_forms() {
        let rows = [
            ("cpr 120345-1234", "cpr ******-****", 1),
            ("cpr 1203451234", "cpr ******-****", 1),
            ("cpr 120345 1234", "cpr ******-****", 1),
            ("cpr 12 03 45 12 34", "cpr ******-****", 1),
            ("en to nul tre fire fem en to tre fire", "******-****", 1),
            (
                "tolv nul tre femogfyrre tolv fireogtredive",
                "******-****",
                1,
            ),
            ("nul et nul et to nul et to tre fire", "******-****", 1),
            // fails modulus 11 and is still detected
            ("cpr 010101-0001", "cpr ******-****", 1),
            // after 2007: odd digits, no modulus check
            (
                "personnummer 311299-9999 noteret",
                "personnummer ******-**** noteret",
                1,
            ),
            // not a date: month 13
            ("1213451234", "1213451234", 0),
            // a phone number of 8 digits
            ("tlf 12345678", "tlf 12345678", 0),
            ("BT 120/80", "BT 120/80", 0),
            ("to glas vand", "to glas vand", 0),
        ];
        for (input, want, n) in rows {
            assert_eq!(
                run(input, CprPolicy::Mask),
                (want.to_string(), n),
                "{input}"
            );
        }
        assert_eq!(run("cpr 1203451234", CprPolicy::Keep).0, "cpr 120345-1234");
    }
}
