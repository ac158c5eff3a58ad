use super::*;

#[test]
fn builtin_table_has_all_fsiii_headings() {
    let t = HeadingTable::fsiii();
    let count = |g| t.iter().filter(|h| h.group == g).count();
    assert_eq!(count(HeadingGroup::NursingArea), 12);
    assert_eq!(count(HeadingGroup::GeneralInformation), 11);
    assert_eq!(count(HeadingGroup::FunctionArea), 4);
    assert_eq!(t.fallback().name, "Øvrigt");
    for h in t.iter().filter(|h| h.group != HeadingGroup::Other) {
        let code = h.code.as_deref().unwrap_or("");
        assert_eq!(code.len(), 36, "{} has a UUID code", h.name);
    }
    assert_eq!(
        t.get("søvn og hvile")
            .and_then(|h| h.code.clone())
            .as_deref(),
        Some("8c539fd9-7f31-4b4e-8b30-8298c8ab640f")
    );
}

#[test]
fn headings_are_in_fsiii_order() {
    let names: Vec<&str> = HeadingTable::fsiii()
        .iter()
        .filter(|h| h.group == HeadingGroup::NursingArea)
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(names[0], "Funktionsniveau");
    assert_eq!(names[11], "Udskillelse af affaldsstoffer");
}

#[test]
fn spoken_heading_forms() {
    let t = HeadingTable::fsiii();
    let rows = [
        ("ernæring", Some("Ernæring")),
        ("Ernæringen", Some("Ernæring")),
        ("ERNÆRING", Some("Ernæring")),
        ("søvn og hvil", Some("Søvn og hvile")),
        ("søvn og hvile", Some("Søvn og hvile")),
        ("søvnen", Some("Søvn og hvile")),
        ("hud og slimhinder", Some("Hud og slimhinder")),
        ("hud og slimhinde", Some("Hud og slimhinder")),
        (
            "respiration og cirkulation",
            Some("Respiration og cirkulation"),
        ),
        (
            "seksualitet køn og kropsopfattelse",
            Some("Seksualitet, køn og kropsopfattelse"),
        ),
        ("seksualitet", Some("Seksualitet, køn og kropsopfattelse")),
        ("smerter og sanseindtryk", Some("Smerter og sanseindtryk")),
        ("smerterne", Some("Smerter og sanseindtryk")),
        (
            "udskillelse af affaldsstoffer",
            Some("Udskillelse af affaldsstoffer"),
        ),
        (
            "udskilelse af affaldstoffer",
            Some("Udskillelse af affaldsstoffer"),
        ),
        ("psykosociale forhold", Some("Psykosociale forhold")),
        ("funktionsniveau", Some("Funktionsniveau")),
        ("funktions niveau", Some("Funktionsniveau")),
        ("bevægeapparatet", Some("Bevægeapparat")),
        ("kommunikation", Some("Kommunikation")),
        ("viden og udvikling", Some("Viden og udvikling")),
        ("netværk", Some("Netværk")),
        ("netværket", Some("Netværk")),
        ("hjælpemidler", Some("Hjælpemidler")),
        ("boligens indretning", Some("Boligens indretning")),
        ("uddannelse og job", Some("Uddannelse og job")),
        ("mestring", Some("Mestring")),
        ("praktiske opgaver", Some("Praktiske opgaver")),
        ("øvrigt", Some("Øvrigt")),
        ("hus", None),
        ("kaffe", None),
        ("blodtryk", None),
    ];
    for (spoken, want) in rows {
        let got = t.recognise(spoken).map(|m| m.heading.name);
        assert_eq!(got.as_deref(), want, "{spoken:?}");
    }
}

#[test]
fn heading_at_start_of_longer_text() {
    let t = HeadingTable::fsiii();
    let words: Vec<&str> = "søvn og hvile hun har sovet godt".split(' ').collect();
    let m = t.match_start(&words).map(|m| (m.heading.name, m.words));
    assert_eq!(m, Some(("Søvn og hvile".to_string(), 3)));
    let words: Vec<&str> = "hud og slimhinder huden er hel".split(' ').collect();
    let m = t.match_start(&words).map(|m| (m.heading.name, m.words));
    assert_eq!(m, Some(("Hud og slimhinder".to_string(), 3)));
}

#[test]
fn site_headings_sort_after_fsiii_and_reject_duplicates() {
    let t = HeadingTable::fsiii()
        .with_site_headings(
            "[[heading]]\nname = \"Aftaler\"\naliases = [\"aftale\"]\n[[heading]]\nname = \"Besøg\"\n",
            "site.toml",
        )
        .expect("valid site file");
    let aftaler = t.get("aftale").expect("alias");
    assert_eq!(aftaler.group, HeadingGroup::Site);
    assert!(
        aftaler.order
            > t.get("Udskillelse af affaldsstoffer")
                .map(|h| h.order)
                .unwrap_or(0)
    );
    assert!(aftaler.order < t.fallback().order);
    assert_eq!(
        t.recognise("aftaler").map(|m| m.heading.name).as_deref(),
        Some("Aftaler")
    );
    let dup =
        HeadingTable::fsiii().with_site_headings("[[heading]]\nname = \"Ernæring\"\n", "x.toml");
    assert!(matches!(dup, Err(HeadingsError::Duplicate { .. })));
}
