//! Autotext text: plain text with fields (`[ ]`, `[godt|dårligt]`) and variables
//! (`{dato}`, `{tid}`, `{forfatter}`, `{ugedag}`).

use chrono::{DateTime, Datelike, FixedOffset};

use crate::journal::FieldSpan;

/// Variables an autotext may use.
pub const VARIABLES: &[&str] = &["dato", "tid", "forfatter", "ugedag"];

/// One part of a parsed autotext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// A field: no options for `[ ]`, else the choices with the default first.
    Field(Vec<String>),
    /// A variable such as `dato`.
    Variable(String),
}

/// A problem in an autotext's text, with the byte offset where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the text.
    pub offset: usize,
    /// What is wrong (English, for the file:line report).
    pub message: String,
}

/// Values for variables when an autotext is inserted.
#[derive(Clone, Debug)]
pub struct Context {
    /// Local time of insertion.
    pub now: DateTime<FixedOffset>,
    /// Author's name.
    pub author: String,
}

const WEEKDAYS: [&str; 7] = [
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
];

impl Context {
    fn value(&self, var: &str) -> String {
        match var {
            "dato" => self.now.format("%d.%m.%Y").to_string(),
            "tid" => self.now.format("%H.%M").to_string(),
            "forfatter" => self.author.clone(),
            "ugedag" => WEEKDAYS[self.now.weekday().num_days_from_monday() as usize].to_string(),
            _ => String::new(),
        }
    }
}

/// Parse autotext text into parts, reporting every problem.
pub fn parse(text: &str) -> Result<Vec<Part>, Vec<TemplateError>> {
    let mut parts = Vec::new();
    let mut errors = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '[' | '{' => {
                let close = if c == '[' { ']' } else { '}' };
                let mut inner = String::new();
                let mut closed = false;
                while let Some(&(_, d)) = chars.peek() {
                    if d == close {
                        chars.next();
                        closed = true;
                        break;
                    }
                    if d == '[' || d == '{' || d == '\n' {
                        break;
                    }
                    inner.push(d);
                    chars.next();
                }
                if !closed {
                    errors.push(TemplateError {
                        offset: at,
                        message: format!(
                            "unbalanced {c:?}: no matching {close:?} on the same line"
                        ),
                    });
                    continue;
                }
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                if c == '[' {
                    let options: Vec<String> = inner
                        .split('|')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect();
                    parts.push(Part::Field(options));
                } else {
                    let name = inner.trim().to_lowercase();
                    if VARIABLES.contains(&name.as_str()) {
                        parts.push(Part::Variable(name));
                    } else {
                        errors.push(TemplateError {
                            offset: at,
                            message: format!(
                                "unknown variable {{{inner}}} (known: {})",
                                VARIABLES.join(", ")
                            ),
                        });
                    }
                }
            }
            ']' | '}' => errors.push(TemplateError {
                offset: at,
                message: format!("unbalanced {c:?}: no opening bracket before it"),
            }),
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    if errors.is_empty() {
        Ok(parts)
    } else {
        Err(errors)
    }
}

/// How an unfilled field is shown: `[ ]` or `[godt|dårligt]`.
pub fn placeholder(options: &[String]) -> String {
    if options.is_empty() {
        "[ ]".to_string()
    } else {
        format!("[{}]", options.join("|"))
    }
}

/// Render parts into note text and its field spans.
pub fn render(parts: &[Part], ctx: &Context) -> (String, Vec<FieldSpan>) {
    let mut text = String::new();
    let mut fields = Vec::new();
    for part in parts {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Variable(v) => text.push_str(&ctx.value(v)),
            Part::Field(options) => {
                let start = text.len();
                text.push_str(&placeholder(options));
                fields.push(FieldSpan {
                    start,
                    end: text.len(),
                    options: options.clone(),
                    filled: false,
                });
            }
        }
    }
    (text.trim().to_string(), fields)
}

/// Replace field `index` of `text` with `value`, shifting the later spans.
pub fn fill_field(text: &mut String, fields: &mut [FieldSpan], index: usize, value: &str) {
    let Some(field) = fields.get(index) else {
        return;
    };
    let (start, end) = (field.start, field.end);
    if end > text.len()
        || start > end
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return;
    }
    text.replace_range(start..end, value);
    let delta = value.len() as isize - (end - start) as isize;
    for (i, f) in fields.iter_mut().enumerate() {
        if i == index {
            f.end = start + value.len();
            f.filled = true;
        } else if f.start >= end {
            f.start = (f.start as isize + delta) as usize;
            f.end = (f.end as isize + delta) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            now: DateTime::parse_from_rfc3339("2025-03-12T14:05:00+01:00").expect("time"),
            author: "Anna Hansen".into(),
        }
    }

    #[test]
    fn parses_fields_and_variables() {
        let parts = parse("Besøg {dato} kl. {tid}. Humør [godt|dårligt]. Spist: [ ].").expect("ok");
        let (text, fields) = render(&parts, &ctx());
        assert_eq!(
            text,
            "Besøg 12.03.2025 kl. 14.05. Humør [godt|dårligt]. Spist: [ ]."
        );
        assert_eq!(fields.len(), 2);
        assert_eq!(&text[fields[0].start..fields[0].end], "[godt|dårligt]");
        assert_eq!(fields[0].options, ["godt", "dårligt"]);
        assert!(fields[1].options.is_empty());
        let (t, _) = render(&parse("{forfatter}, {ugedag}").expect("ok"), &ctx());
        assert_eq!(t, "Anna Hansen, onsdag");
    }

    #[test]
    fn reports_every_problem_with_offset() {
        let rows: [(&str, &[usize]); 5] = [
            ("Humør [godt|dårligt", &[7]),
            ("Humør godt]", &[11]),
            ("Dato {dag}", &[5]),
            ("[a [b]", &[0]),
            ("{tid} [x] ] {navn}", &[10, 12]),
        ];
        for (input, offsets) in rows {
            let errs = parse(input).expect_err(input);
            let got: Vec<usize> = errs.iter().map(|e| e.offset).collect();
            assert_eq!(got, offsets, "{input}");
        }
    }

    #[test]
    fn filling_shifts_later_fields() {
        let (mut text, mut fields) = render(&parse("A [ ] B [x|y] C").expect("ok"), &ctx());
        fill_field(&mut text, &mut fields, 0, "nogle ord");
        assert_eq!(text, "A nogle ord B [x|y] C");
        assert_eq!(&text[fields[1].start..fields[1].end], "[x|y]");
        fill_field(&mut text, &mut fields, 1, "y");
        assert_eq!(text, "A nogle ord B y C");
        assert!(fields.iter().all(|f| f.filled));
    }
}
