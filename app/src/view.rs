//! What the page renders: the note as headings, sentences and text parts, with every
//! sentence's reason for its place in Danish. Pure functions over engine types; the page
//! never computes anything about the note itself.

use dikta_engine::autotext::{Autotext, Layer, Library};
use dikta_engine::headings::HeadingTable;
use dikta_engine::journal::{Break, HeadingGroup, JournalNote, Provenance, Sentence};
use serde::Serialize;

/// The note as the page shows it.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct NoteView {
    /// Non-empty sections in note order.
    pub sections: Vec<SectionView>,
    /// Heading new text goes under (highlighted), if any.
    pub current_heading: Option<String>,
    /// The autotext field the next dictated words fill.
    pub focused_field: Option<FieldRef>,
    /// Whether a redo is possible.
    pub can_redo: bool,
    /// True when the note holds no sentence.
    pub empty: bool,
    /// Number of sentences.
    pub sentence_count: usize,
    /// Author shown on the note.
    pub author: String,
    /// When the note was started, in Danish ("12. marts 2025 kl. 14.30").
    pub created: String,
    /// True when some sentence needs the worker's attention (unfilled field, guess, CPR).
    pub needs_attention: bool,
}

/// One autotext field of one sentence.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, serde::Deserialize)]
pub struct FieldRef {
    /// Sentence id.
    pub sentence: u64,
    /// Field index within the sentence, from 0.
    pub index: usize,
}

/// A heading with its sentences.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SectionView {
    /// Heading name, e.g. "Ernæring".
    pub heading: String,
    /// FSIII group in Danish.
    pub group: String,
    /// Sentences in order.
    pub sentences: Vec<SentenceView>,
}

/// One sentence with its reason and review flags.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SentenceView {
    /// Stable id within the note.
    pub id: u64,
    /// The whole text.
    pub text: String,
    /// The text cut at autotext fields.
    pub parts: Vec<TextPart>,
    /// Layout before the sentence: "none", "line" or "paragraph".
    pub break_before: &'static str,
    /// Kind of reason: spoken_heading, lexicon, autotext, default, moved.
    pub reason_kind: &'static str,
    /// Why the sentence is here, short, in Danish.
    pub reason: String,
    /// The reason in a full sentence, for tooltips and screen readers.
    pub reason_detail: String,
    /// The placement was a low-confidence guess.
    pub uncertain: bool,
    /// A CPR number was masked in this sentence.
    pub masked_cpr: bool,
    /// Autotext fields still unfilled.
    pub unfilled_fields: u32,
}

/// A piece of a sentence: plain text, or an autotext field.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TextPart {
    /// The text shown.
    pub text: String,
    /// Field index when this part is a field.
    pub field: Option<usize>,
    /// Whether the field has been filled.
    pub filled: bool,
    /// Choices of a choice field, default first.
    pub options: Vec<String>,
}

/// A heading the worker can move a sentence to.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct HeadingOption {
    /// Heading name.
    pub name: String,
    /// FSIII group in Danish.
    pub group: String,
}

/// An autotext in the pick list.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AutotextView {
    /// Name to pick or say.
    pub name: String,
    /// Other spoken names.
    pub aliases: Vec<String>,
    /// What it is for.
    pub description: String,
    /// Heading it goes under, if fixed.
    pub heading: Option<String>,
    /// Library layer in Danish ("Fælles", "Team", "Personlig").
    pub layer: String,
    /// The text with its fields, as written in the library.
    pub text: String,
    /// Number of fields.
    pub fields: usize,
    /// Where it is defined ("file:line").
    pub source: String,
}

/// A problem in an autotext file, for the page.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProblemView {
    /// "file:line".
    pub at: String,
    /// What is wrong.
    pub message: String,
}

/// Danish name of a heading group.
pub fn group_label(group: HeadingGroup) -> &'static str {
    match group {
        HeadingGroup::NursingArea => "Sygeplejetilstande",
        HeadingGroup::GeneralInformation => "Generelle oplysninger",
        HeadingGroup::FunctionArea => "Pleje- og omsorgstilstande",
        HeadingGroup::Site => "Lokale overskrifter",
        HeadingGroup::Other => "Øvrigt",
    }
}

/// Danish name of a library layer.
pub fn layer_label(layer: &str) -> &'static str {
    match layer {
        "team" => "Team",
        "personal" => "Personlig",
        _ => "Fælles",
    }
}

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

/// A time as Danes write it in a note: "12. marts 2025 kl. 14.30".
pub fn danish_time(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::{Datelike, Timelike};
    let month = MONTHS[(t.month0() as usize).min(11)];
    format!(
        "{}. {} {} kl. {:02}.{:02}",
        t.day(),
        month,
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The page's view of `note`.
pub fn note_view(
    note: &JournalNote,
    current_heading: Option<&str>,
    focused: Option<FieldRef>,
    can_redo: bool,
) -> NoteView {
    let sections: Vec<SectionView> = note
        .sections
        .iter()
        .filter(|s| !s.sentences.is_empty())
        .map(|s| SectionView {
            heading: s.heading.name.clone(),
            group: group_label(s.heading.group).to_string(),
            sentences: s.sentences.iter().map(sentence_view).collect(),
        })
        .collect();
    let sentence_count = sections.iter().map(|s| s.sentences.len()).sum();
    NoteView {
        empty: sentence_count == 0,
        sentence_count,
        sections,
        current_heading: current_heading.map(str::to_string),
        focused_field: focused,
        can_redo,
        author: note.author.clone(),
        created: danish_time(&note.created),
        needs_attention: note.needs_attention(),
    }
}

fn percent(confidence: f32) -> u32 {
    (confidence.clamp(0.0, 1.0) * 100.0).round() as u32
}

/// One sentence for the page.
pub fn sentence_view(s: &Sentence) -> SentenceView {
    let (kind, reason, detail) = match &s.provenance {
        Provenance::SpokenHeading => (
            "spoken_heading",
            "Sagt overskrift".to_string(),
            "Du sagde overskriften før sætningen.".to_string(),
        ),
        Provenance::Lexicon { terms, confidence } => {
            // Lexicon terms are stems ("spis*") and word pairs ("hvor ~ er"): show them as words.
            let shown: Vec<String> = terms
                .iter()
                .take(3)
                .map(|t| t.trim_end_matches('*').replace(" ~ ", " … ").replace('*', ""))
                .collect();
            (
                "lexicon",
                if shown.is_empty() {
                    "Ordvalg".to_string()
                } else {
                    format!("Ord: {}", shown.join(", "))
                },
                format!(
                    "Placeret efter ordene {} (sikkerhed {} %).",
                    shown.join(", "),
                    percent(*confidence)
                ),
            )
        }
        Provenance::Autotext { name, layer } => (
            "autotext",
            format!("Autotekst: {name}"),
            format!(
                "Indsat autotekst «{name}» fra {} bibliotek.",
                layer_label(layer.as_deref().unwrap_or("site")).to_lowercase()
            ),
        ),
        Provenance::Default { guess, confidence } => match guess {
            Some(g) => (
                "default",
                format!("Usikker – måske {g}"),
                format!(
                    "Ingen sikker placering; bedste gæt var {g} (sikkerhed {} %). Tjek overskriften.",
                    percent(*confidence)
                ),
            ),
            None => (
                "default",
                "Aktuel overskrift".to_string(),
                "Ingen ord pegede på en anden overskrift; sætningen blev under den aktuelle."
                    .to_string(),
            ),
        },
        Provenance::MovedByUser { from } => (
            "moved",
            format!("Flyttet fra {from}"),
            format!("Du flyttede sætningen hertil fra {from}."),
        ),
    };
    SentenceView {
        id: s.id.0,
        text: s.text.clone(),
        parts: text_parts(s),
        break_before: match s.break_before {
            Break::None => "none",
            Break::Line => "line",
            Break::Paragraph => "paragraph",
        },
        reason_kind: kind,
        reason,
        reason_detail: detail,
        // Once the worker has moved a sentence, its place is their decision, not a guess.
        uncertain: s.flags.uncertain_heading
            && !matches!(s.provenance, Provenance::MovedByUser { .. }),
        masked_cpr: s.flags.masked_cpr,
        unfilled_fields: s.flags.unfilled_fields,
    }
}

/// The sentence's text cut at its fields (spans that do not fit the text are ignored).
pub fn text_parts(s: &Sentence) -> Vec<TextPart> {
    let mut parts = Vec::new();
    let mut at = 0;
    let plain = |text: &str| TextPart {
        text: text.to_string(),
        field: None,
        filled: false,
        options: Vec::new(),
    };
    for (index, f) in s.fields.iter().enumerate() {
        let (Some(before), Some(value)) = (s.text.get(at..f.start), s.text.get(f.start..f.end))
        else {
            continue;
        };
        if !before.is_empty() {
            parts.push(plain(before));
        }
        parts.push(TextPart {
            text: value.to_string(),
            field: Some(index),
            filled: f.filled,
            options: f.options.clone(),
        });
        at = f.end;
    }
    if let Some(rest) = s.text.get(at..) {
        if !rest.is_empty() || parts.is_empty() {
            parts.push(plain(rest));
        }
    }
    parts
}

/// Every heading a sentence can be moved to, in note order.
pub fn heading_options(table: &HeadingTable) -> Vec<HeadingOption> {
    table
        .iter()
        .map(|h| HeadingOption {
            name: h.name.clone(),
            group: group_label(h.group).to_string(),
        })
        .collect()
}

/// One autotext for the pick list.
pub fn autotext_view(a: &Autotext) -> AutotextView {
    AutotextView {
        name: a.name.clone(),
        aliases: a.aliases.clone(),
        description: a.description.clone().unwrap_or_default(),
        heading: a.heading.clone(),
        layer: layer_label(a.layer.as_str()).to_string(),
        text: a.text.clone(),
        fields: a.field_count(),
        source: a.at.to_string(),
    }
}

/// The library's problems for the page.
pub fn problem_views(lib: &Library) -> Vec<ProblemView> {
    lib.problems()
        .iter()
        .map(|p| ProblemView {
            at: p.at.to_string(),
            message: p.message.clone(),
        })
        .collect()
}

/// Layers that have at least one autotext, in Danish, site first.
pub fn layers_in_use(lib: &Library) -> Vec<String> {
    let mut layers: Vec<Layer> = lib.all().iter().map(|a| a.layer).collect();
    layers.sort();
    layers.dedup();
    layers
        .into_iter()
        .map(|l| layer_label(l.as_str()).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dikta_engine::journal::{FieldSpan, SentenceFlags, SentenceId};

    fn sentence(text: &str, provenance: Provenance, fields: Vec<FieldSpan>) -> Sentence {
        Sentence {
            id: SentenceId(7),
            text: text.to_string(),
            break_before: Break::None,
            provenance,
            flags: SentenceFlags::default(),
            fields,
        }
    }

    #[test]
    fn reasons_in_danish() {
        let rows: Vec<(Provenance, &str, &str)> = vec![
            (
                Provenance::SpokenHeading,
                "spoken_heading",
                "Sagt overskrift",
            ),
            (
                Provenance::Lexicon {
                    terms: vec!["tryksår".into(), "hæl*".into()],
                    confidence: 0.82,
                },
                "lexicon",
                "Ord: tryksår, hæl",
            ),
            (
                Provenance::Autotext {
                    name: "morgenpleje".into(),
                    layer: Some("team".into()),
                },
                "autotext",
                "Autotekst: morgenpleje",
            ),
            (
                Provenance::Default {
                    guess: Some("Ernæring".into()),
                    confidence: 0.3,
                },
                "default",
                "Usikker – måske Ernæring",
            ),
            (
                Provenance::Default {
                    guess: None,
                    confidence: 0.0,
                },
                "default",
                "Aktuel overskrift",
            ),
            (
                Provenance::MovedByUser {
                    from: "Ernæring".into(),
                },
                "moved",
                "Flyttet fra Ernæring",
            ),
        ];
        for (p, kind, reason) in rows {
            let v = sentence_view(&sentence("Tekst.", p, vec![]));
            assert_eq!(v.reason_kind, kind);
            assert_eq!(v.reason, reason);
            assert!(!v.reason_detail.is_empty());
        }
    }

    #[test]
    fn parts_cut_at_fields_with_multibyte_text() {
        let text = "Humør [godt|dårligt]. Spist: [ ].";
        let a = text.find('[').expect("field");
        let b = text.find(']').expect("field") + 1;
        let c = text.rfind('[').expect("field");
        let fields = vec![
            FieldSpan {
                start: a,
                end: b,
                options: vec!["godt".into(), "dårligt".into()],
                filled: false,
            },
            FieldSpan {
                start: c,
                end: c + 3,
                options: vec![],
                filled: false,
            },
        ];
        let s = sentence(
            text,
            Provenance::Autotext {
                name: "x".into(),
                layer: None,
            },
            fields,
        );
        let parts = text_parts(&s);
        let texts: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["Humør ", "[godt|dårligt]", ". Spist: ", "[ ]", "."]);
        assert_eq!(parts[1].field, Some(0));
        assert_eq!(parts[3].field, Some(1));
        assert_eq!(parts[1].options, ["godt", "dårligt"]);
    }

    #[test]
    fn danish_dates() {
        let t = chrono::DateTime::parse_from_rfc3339("2025-03-12T14:05:00+01:00").expect("time");
        assert_eq!(danish_time(&t), "12. marts 2025 kl. 14.05");
    }

    #[test]
    fn empty_sections_hidden() {
        let t = chrono::DateTime::parse_from_rfc3339("2025-03-12T14:05:00+01:00").expect("time");
        let note = JournalNote::new("Anna", t);
        let v = note_view(&note, Some("Ernæring"), None, false);
        assert!(v.empty);
        assert!(v.sections.is_empty());
        assert_eq!(v.current_heading.as_deref(), Some("Ernæring"));
    }
}
