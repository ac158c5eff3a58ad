//! Numbers and units as care notes write them: "hundrede og tyve over firs" → "120/80",
//! "otte komma fem" → "8,5", "klokken fjorten tredive" → "kl. 14.30", "to gange fem hundrede
//! milligram" → "2 x 500 mg", "tolvte marts" → "12. marts".
//!
//! Rule for numbers that are not measurements: a spelled number of twelve or less stays in
//! words ("to glas vand", "en kop kaffe") unless a unit, "komma", "over", a clock time, a date
//! or a measurement word ("puls", "blodtryk", ...) shows that it is a measurement; larger
//! spelled numbers become digits. Runs of four or more spoken digits become one digit string.

use super::tokens::{Token, Word};

const UNITS: [&str; 10] = [
    "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni",
];
const TEENS: [&str; 10] = [
    "ti", "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten",
];
const TENS: [(&str, u64); 13] = [
    ("tyve", 20),
    ("tredive", 30),
    ("fyrre", 40),
    ("fyrretyve", 40),
    ("halvtreds", 50),
    ("halvtredsindstyve", 50),
    ("tres", 60),
    ("tresindstyve", 60),
    ("halvfjerds", 70),
    ("halvfjerdsindstyve", 70),
    ("firs", 80),
    ("firsindstyve", 80),
    ("halvfems", 90),
];

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

const ORDINALS: [(&str, u64); 31] = [
    ("første", 1),
    ("anden", 2),
    ("tredje", 3),
    ("fjerde", 4),
    ("femte", 5),
    ("sjette", 6),
    ("syvende", 7),
    ("ottende", 8),
    ("niende", 9),
    ("tiende", 10),
    ("ellevte", 11),
    ("tolvte", 12),
    ("trettende", 13),
    ("fjortende", 14),
    ("femtende", 15),
    ("sekstende", 16),
    ("syttende", 17),
    ("attende", 18),
    ("nittende", 19),
    ("tyvende", 20),
    ("enogtyvende", 21),
    ("toogtyvende", 22),
    ("treogtyvende", 23),
    ("fireogtyvende", 24),
    ("femogtyvende", 25),
    ("seksogtyvende", 26),
    ("syvogtyvende", 27),
    ("otteogtyvende", 28),
    ("niogtyvende", 29),
    ("tredivte", 30),
    ("enogtredivte", 31),
];

/// Spoken units and how a note writes them.
const UNIT_WORDS: &[(&str, &str)] = &[
    ("milligram", "mg"),
    ("mg", "mg"),
    ("mikrogram", "mikrogram"),
    ("milliliter", "ml"),
    ("ml", "ml"),
    ("millimol", "mmol/l"),
    ("mmol", "mmol/l"),
    ("kilo", "kg"),
    ("kilogram", "kg"),
    ("kg", "kg"),
    ("gram", "g"),
    ("liter", "liter"),
    ("centimeter", "cm"),
    ("cm", "cm"),
    ("millimeter", "mm"),
    ("mm", "mm"),
    ("grader", "grader"),
    ("grad", "grader"),
    ("procent", "%"),
    ("enheder", "enheder"),
    ("ie", "IE"),
    ("tabletter", "tabletter"),
    ("tablet", "tablet"),
    ("mmhg", "mmHg"),
];

/// Words after which a number is a measurement.
const MEASURES: &[&str] = &[
    "blodtryk",
    "blodtrykket",
    "bt",
    "puls",
    "pulsen",
    "saturation",
    "saturationen",
    "sat",
    "temperatur",
    "temperaturen",
    "temp",
    "blodsukker",
    "blodsukkeret",
    "bs",
    "vægt",
    "vægten",
    "vejer",
    "vejet",
    "mætning",
    "iltmætning",
    "respirationsfrekvens",
    "vas",
    "nrs",
    "smertescore",
    "ilt",
    "dosis",
];

fn unit_value(w: &str) -> Option<u64> {
    match w {
        "én" | "et" | "ét" => Some(1),
        _ => UNITS.iter().position(|u| *u == w).map(|p| p as u64),
    }
}

/// Value of one number word (0..=99), including compounds such as "femogfirs".
fn word_value(w: &str) -> Option<u64> {
    if let Some(v) = unit_value(w) {
        return Some(v);
    }
    if let Some(p) = TEENS.iter().position(|t| *t == w) {
        return Some(10 + p as u64);
    }
    if let Some((_, v)) = TENS.iter().find(|(t, _)| *t == w) {
        return Some(*v);
    }
    let (unit, tens) = w.split_once("og")?;
    let u = unit_value(unit).filter(|u| *u > 0)?;
    let (_, t) = TENS.iter().find(|(t, _)| *t == tens)?;
    Some(u + t)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// A number at the start of `ws` (folded words): its value, words used, and whether it was
/// spelled out (as opposed to written in digits).
fn parse_number(ws: &[&str]) -> Option<(u64, usize, bool)> {
    let first = *ws.first()?;
    if is_digits(first) {
        return first.parse().ok().map(|v| (v, 1, false));
    }
    let below_100 = |ws: &[&str]| -> Option<(u64, usize)> {
        let w = *ws.first()?;
        if let (Some(u), Some(&"og"), Some(t)) = (unit_value(w), ws.get(1), ws.get(2)) {
            if let Some((_, tv)) = TENS.iter().find(|(name, _)| name == t) {
                if u > 0 {
                    return Some((u + tv, 3));
                }
            }
        }
        word_value(w).map(|v| (v, 1))
    };
    // [n] hundrede [og] [rest]
    let (mult, used) = match (unit_value(first), ws.get(1)) {
        (Some(m), Some(&"hundrede")) if m > 0 => (Some(m), 2),
        _ if first == "hundrede" => (Some(1), 1),
        _ => (None, 0),
    };
    if let Some(m) = mult {
        let mut value = m * 100;
        let mut used = used;
        let rest = &ws[used..];
        let skip = usize::from(rest.first() == Some(&"og"));
        if let Some((v, n)) = below_100(&rest[skip..]) {
            if skip == 1 || v >= 10 {
                value += v;
                used += skip + n;
            }
        }
        return Some((value, used, true));
    }
    below_100(ws).map(|(v, n)| (v, n, true))
}

fn word(text: impl Into<String>) -> Token {
    Token::Word(Word::new(text))
}

fn norms(tokens: &[Token]) -> Vec<&str> {
    tokens.iter().map(|t| t.norm().unwrap_or("\u{1}")).collect()
}

/// Digits after "komma": single digit words, a digit token, or one number word.
fn parse_decimals(ws: &[&str]) -> Option<(String, usize)> {
    let first = *ws.first()?;
    if is_digits(first) {
        return Some((first.to_string(), 1));
    }
    let mut digits = String::new();
    let mut used = 0;
    while let Some(d) = ws.get(used).and_then(|w| unit_value(w)) {
        digits.push_str(&d.to_string());
        used += 1;
    }
    if used >= 2 || (used == 1 && parse_number(ws).map(|p| p.1) == Some(1)) {
        return Some((digits, used));
    }
    let (v, n, _) = parse_number(ws)?;
    (v < 100).then(|| (v.to_string(), n))
}

/// Rewrite numbers and units in a token stream.
pub fn normalise_numbers(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let ws = norms(&tokens[i..]);
        // Clock times: "klokken fjorten tredive", "kl. 14.30", "klokken 8".
        if matches!(ws[0], "klokken" | "kl") {
            if let Some((time, used)) = parse_time(&ws[1..]) {
                out.push(word("kl."));
                out.push(word(time));
                i += 1 + used;
                continue;
            }
            if ws.get(1) == Some(&"halv") {
                out.push(word("kl."));
                i += 1;
                continue;
            }
        }
        // Dates: "tolvte marts", "12 marts", "den tolv marts".
        if let Some((day, used)) = parse_day(&ws) {
            if let Some(month) = ws.get(used).filter(|m| MONTHS.contains(m)) {
                out.push(word(format!("{day}.")));
                out.push(word(*month));
                i += used + 1;
                continue;
            }
        }
        // Four or more spoken digits: a phone number or similar.
        let digit_run = ws
            .iter()
            .take_while(|w| unit_value(w).is_some() && !matches!(**w, "en" | "et"))
            .count();
        if digit_run >= 4 {
            let s: String = ws[..digit_run]
                .iter()
                .filter_map(|w| unit_value(w))
                .map(|d| d.to_string())
                .collect();
            out.push(word(s));
            i += digit_run;
            continue;
        }
        if let Some((value, used, spelled)) = parse_number(&ws) {
            let mut text = value.to_string();
            let mut j = used;
            let mut measurement = false;
            if ws.get(j) == Some(&"komma") {
                if let Some((dec, n)) = parse_decimals(&ws[j + 1..]) {
                    text = format!("{value},{dec}");
                    j += 1 + n;
                    measurement = true;
                }
            }
            if ws.get(j) == Some(&"over") {
                if let Some((low, n, _)) = parse_number(&ws[j + 1..]) {
                    if (60..=260).contains(&value) && (30..=160).contains(&low) && value > low {
                        out.push(word(format!("{value}/{low}")));
                        i += j + 1 + n;
                        continue;
                    }
                }
            }
            if ws.get(j) == Some(&"gange") {
                if let Some((n2, n, _)) = parse_number(&ws[j + 1..]) {
                    if let Some((unit, un)) = parse_unit(&ws[j + 1 + n..]) {
                        out.push(word(text));
                        out.push(word("x"));
                        out.push(word(n2.to_string()));
                        out.push(word(unit));
                        i += j + 1 + n + un;
                        continue;
                    }
                }
            }
            if let Some((unit, un)) = parse_unit(&ws[j..]) {
                out.push(word(text));
                out.push(word(unit));
                i += j + un;
                continue;
            }
            let after_measure = out
                .iter()
                .rev()
                .take(3)
                .any(|t| t.norm().is_some_and(|n| MEASURES.contains(&n)));
            if measurement || !spelled || value > 12 || after_measure {
                if spelled || measurement {
                    out.push(word(text));
                } else {
                    out.extend(tokens[i..i + j].iter().cloned());
                }
                i += j;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

fn parse_unit(ws: &[&str]) -> Option<(String, usize)> {
    let first = *ws.first()?;
    let (_, unit) = UNIT_WORDS.iter().find(|(w, _)| *w == first)?;
    if *unit == "mmol/l" {
        // "millimol per liter", "mmol pr. liter", "mmol/l"
        let rest = &ws[1..];
        let n = match rest {
            ["per" | "pr", "liter", ..] => 2,
            ["l", ..] | ["liter", ..] => 1,
            _ => 0,
        };
        return Some((unit.to_string(), 1 + n));
    }
    Some((unit.to_string(), 1))
}

fn parse_day(ws: &[&str]) -> Option<(u64, usize)> {
    let first = *ws.first()?;
    if let Some((_, v)) = ORDINALS.iter().find(|(o, _)| *o == first) {
        return Some((*v, 1));
    }
    let (v, n, _) = parse_number(ws)?;
    (1..=31).contains(&v).then_some((v, n))
}

fn parse_time(ws: &[&str]) -> Option<(String, usize)> {
    let first = *ws.first()?;
    // Whisper's own "14.30" / "14:30" (folded to "1430")
    let folded_digits: String = first.chars().filter(|c| c.is_ascii_digit()).collect();
    if first.chars().any(|c| c.is_ascii_digit())
        && (folded_digits.len() == 4 || folded_digits.len() == 3)
    {
        {
            let (h, m) = folded_digits.split_at(folded_digits.len() - 2);
            let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
            if h <= 24 && m <= 59 {
                return Some((format!("{h}.{m:02}"), 1));
            }
            return None;
        }
    }
    let (hour, used, _) = parse_number(ws)?;
    if hour > 24 {
        return None;
    }
    let rest = &ws[used..];
    // minutes: "tredive", "nul fem", "femogtyve", "30"
    if let (Some(&"nul"), Some(d)) = (rest.first(), rest.get(1).and_then(|w| unit_value(w))) {
        return Some((format!("{hour}.0{d}"), used + 2));
    }
    if let Some((min, n, _)) = parse_number(rest) {
        if min <= 59 && (min >= 10 || !rest[0].chars().all(|c| c.is_alphabetic())) {
            return Some((format!("{hour}.{min:02}"), used + n));
        }
    }
    Some((hour.to_string(), used))
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    fn run(input: &str) -> String {
        normalise_numbers(tokenize(input))
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.text.clone(),
                Token::Mark(c) => c.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn number_forms() {
        let rows = [
            ("blodtryk hundrede og tyve over firs", "blodtryk 120/80"),
            ("BT 120 over 80", "BT 120/80"),
            ("to hundrede og tyve over hundrede og ti", "220/110"),
            ("blodsukker otte komma fem", "blodsukker 8,5"),
            ("otte komma fem mmol per liter", "8,5 mmol/l"),
            ("37 komma 8 grader", "37,8 grader"),
            ("temperatur syvogtredive komma otte", "temperatur 37,8"),
            ("klokken fjorten tredive", "kl. 14.30"),
            ("klokken 14.30", "kl. 14.30"),
            ("kl. 8", "kl. 8"),
            ("klokken otte nul fem", "kl. 8.05"),
            ("klokken halv tre", "kl. halv tre"),
            ("klokken er mange", "klokken er mange"),
            ("to gange fem hundrede milligram", "2 x 500 mg"),
            ("2 gange 500 mg", "2 x 500 mg"),
            ("fem milligram", "5 mg"),
            ("to hundrede milliliter", "200 ml"),
            ("vejer femoghalvtreds kilo", "vejer 55 kg"),
            ("saturation toogfirs procent", "saturation 82 %"),
            ("tolvte marts", "12. marts"),
            ("den 12 marts", "den 12. marts"),
            ("puls otteogfirs", "puls 88"),
            ("puls ni", "puls 9"),
            ("to glas vand", "to glas vand"),
            ("en kop kaffe", "en kop kaffe"),
            ("drak fire glas", "drak fire glas"),
            ("fjorten dage", "14 dage"),
            ("hun er to og halvfems år", "hun er 92 år"),
            ("to gange dagligt", "to gange dagligt"),
            ("over en time", "over en time"),
            (
                "ring på fire fire fem fem seks seks syv syv",
                "ring på 44556677",
            ),
            ("hundrede", "100"),
        ];
        for (input, want) in rows {
            assert_eq!(run(input), want, "{input}");
        }
    }
}
