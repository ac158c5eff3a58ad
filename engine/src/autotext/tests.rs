use super::*;
use crate::headings::HeadingTable;

const SITE: &str = r#"
[[autotext]]
name = "morgenpleje"
heading = "Funktionsniveau"
text = "Morgenpleje udført. Humør [godt|dårligt]."

[[autotext]]
name = "forbindingsskift ben"
heading = "Hud og slimhinder"
text = "Forbinding skiftet på benet. Såret er [rent|belagt]."

[[autotext]]
name = "forbindingsskift arm"
heading = "Hud og slimhinder"
text = "Forbinding skiftet på armen. Såret er [rent|belagt]."

[[autotext]]
name = "sårpleje"
aliases = ["sår pleje"]
text = "Sårpleje efter plan."

[[autotext]]
name = "bad"
text = "Hjulpet i bad."

[[autotext]]
name = "kateterpleje"
text = "Kateterpleje udført."

[[autotext]]
name = "kateterpleje nat"
text = "Natkateter tilkoblet."
"#;

const TEAM: &str = r#"
layer = "team"

[[autotext]]
name = "morgenpleje"
text = "Teamets morgenpleje. [ ]"
"#;

fn lib() -> Library {
    let mut l = Library::new();
    let h = HeadingTable::fsiii();
    l.add_source(SITE, "site.toml", h);
    l.add_source(TEAM, "team.toml", h);
    l
}

fn find(l: &Library, spoken: &str) -> String {
    let words: Vec<&str> = spoken.split_whitespace().collect();
    match l.find(&words) {
        NameMatch::Found {
            autotext, words, ..
        } => format!("{} ({words})", autotext.name),
        NameMatch::Ambiguous { candidates, .. } => format!("ambiguous: {}", candidates.join(", ")),
        NameMatch::NotFound => "none".to_string(),
    }
}

#[test]
fn lower_layer_overrides_by_name() {
    let l = lib();
    assert!(l.problems().is_empty(), "{:?}", l.problems());
    let m = l.get("morgenpleje").expect("found");
    assert_eq!(m.layer, Layer::Team);
    assert_eq!(m.text, "Teamets morgenpleje. [ ]");
    assert_eq!(l.all().len(), 8);
    assert_eq!(l.effective().count(), 7);
}

#[test]
fn names_match_fuzzily_and_report_ambiguity() {
    let l = lib();
    let rows = [
        ("morgenpleje", "morgenpleje (1)"),
        ("Morgenpleje.", "morgenpleje (1)"),
        ("morgen pleje", "morgenpleje (2)"),
        ("morgenplejen", "morgenpleje (1)"),
        ("saarpleje", "sårpleje (1)"),
        ("sarpleje", "sårpleje (1)"),
        ("sår pleje", "sårpleje (2)"),
        ("bad", "bad (1)"),
        ("bad og så videre", "bad (1)"),
        ("forbindingsskift ben", "forbindingsskift ben (2)"),
        (
            "forbindingsskift",
            "ambiguous: forbindingsskift ben, forbindingsskift arm",
        ),
        ("forbindingskift bem", "forbindingsskift ben (2)"),
        ("kateterpleje", "kateterpleje (1)"),
        ("kateterpleje nat", "kateterpleje nat (2)"),
        ("kateter pleje nat", "kateterpleje nat (3)"),
        ("kaffe", "none"),
        ("bund", "none"),
    ];
    for (spoken, want) in rows {
        assert_eq!(find(&l, spoken), want, "{spoken:?}");
    }
}

#[test]
fn problems_have_file_and_line_and_do_not_hide_valid_autotexts() {
    let broken = r#"
[[autotext]]
name = "god"
text = "Fin tekst."

[[autotext]]
name = "ubalanceret"
text = """
Første linje.
Humør [godt|dårligt.
"""

[[autotext]]
name = "god"
text = "Samme navn igen."

[[autotext]]
name = "variabel"
text = "Dato {dag}."

[[autotext]]
name = "overskrift"
heading = "Ernæringen og det hele"
text = "Tekst."
"#;
    let mut l = Library::new();
    l.add_source(broken, "lib.toml", HeadingTable::fsiii());
    l.add_source("[[autotext]\nname = ", "syntax.toml", HeadingTable::fsiii());
    l.add_source(SITE, "site.toml", HeadingTable::fsiii());
    let problems: Vec<String> = l.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(
        problems[0].starts_with("lib.toml:10: autotext \"ubalanceret\": unbalanced"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with("lib.toml:14: duplicate name \"god\""),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].starts_with("lib.toml:19: autotext \"variabel\": unknown variable"),
        "{}",
        problems[2]
    );
    assert!(
        problems[3].starts_with("lib.toml:23: unknown heading"),
        "{}",
        problems[3]
    );
    assert!(
        problems[4].starts_with("syntax.toml:1: invalid TOML"),
        "{}",
        problems[4]
    );
    assert!(l.get("god").is_some());
    assert!(l.get("morgenpleje").is_some(), "other files still load");
}
