use super::*;
use crate::headings::HeadingTable;

fn created() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").expect("valid time")
}

fn heading(name: &str) -> HeadingRef {
    HeadingTable::fsiii()
        .get(name)
        .map(|h| h.to_ref())
        .unwrap_or_else(|| panic!("no heading {name}"))
}

fn site(name: &str) -> HeadingRef {
    HeadingRef {
        name: name.to_string(),
        code: None,
        group: HeadingGroup::Site,
        order: 5000,
    }
}

fn add(note: &mut JournalNote, h: HeadingRef, text: &str) -> SentenceId {
    let id = note.next_sentence_id();
    NoteEdit::Insert {
        heading: h,
        index: None,
        sentence: Sentence::new(id, text, Provenance::SpokenHeading),
    }
    .apply(note)
    .expect("insert");
    id
}

#[test]
fn sections_follow_fsiii_order_site_in_spoken_order_and_ovrigt_last() {
    let mut note = JournalNote::new("Anna Hansen", created());
    add(&mut note, heading("Øvrigt"), "Ringede til lægen.");
    add(&mut note, site("Aftaler"), "Ny tid på fredag.");
    add(&mut note, heading("Søvn og hvile"), "Sov godt.");
    add(&mut note, site("Besøg"), "Kort besøg.");
    add(&mut note, heading("Ernæring"), "Spiste halvdelen.");
    add(&mut note, heading("Mestring"), "Klarer sig godt.");
    let names: Vec<&str> = note
        .sections
        .iter()
        .map(|s| s.heading.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Mestring",
            "Ernæring",
            "Søvn og hvile",
            "Aftaler",
            "Besøg",
            "Øvrigt"
        ]
    );
}

#[test]
fn every_edit_is_undone_by_its_inverse() {
    let mut note = JournalNote::new("Anna Hansen", created());
    let a = add(&mut note, heading("Ernæring"), "Spiste halvdelen.");
    let b = add(&mut note, heading("Ernæring"), "Drak to glas vand.");
    let before = note.clone();
    let edits = [
        NoteEdit::Remove { id: a },
        NoteEdit::Replace {
            sentence: Sentence::new(b, "Drak tre glas vand.", Provenance::SpokenHeading),
        },
        NoteEdit::Move {
            id: b,
            to: heading("Udskillelse af affaldsstoffer"),
            index: None,
            provenance: Provenance::MovedByUser {
                from: "Ernæring".into(),
            },
        },
        NoteEdit::Insert {
            heading: heading("Hud og slimhinder"),
            index: Some(0),
            sentence: Sentence::new(SentenceId(99), "Huden er hel.", Provenance::SpokenHeading),
        },
    ];
    for edit in edits {
        let mut n = before.clone();
        let inverse = edit.apply(&mut n).expect("apply");
        assert_ne!(n, before, "{edit:?} changed the note");
        inverse.apply(&mut n).expect("undo");
        assert_eq!(n, before, "{edit:?} undone");
    }
}

#[test]
fn edits_on_missing_sentences_fail_cleanly() {
    let mut note = JournalNote::new("A", created());
    assert_eq!(
        NoteEdit::Remove { id: SentenceId(7) }.apply(&mut note),
        Err(EditError::NoSuchSentence(SentenceId(7)))
    );
    let id = add(&mut note, heading("Ernæring"), "x");
    let dup = NoteEdit::Insert {
        heading: heading("Ernæring"),
        index: None,
        sentence: Sentence::new(id, "y", Provenance::SpokenHeading),
    };
    assert_eq!(dup.apply(&mut note), Err(EditError::DuplicateId(id)));
}

#[test]
fn plain_text_has_headings_and_breaks() {
    let mut note = JournalNote::new("A", created());
    add(&mut note, heading("Ernæring"), "Spiste halvdelen.");
    let id = note.next_sentence_id();
    let mut s = Sentence::new(id, "Drak to glas vand.", Provenance::SpokenHeading);
    s.break_before = Break::Line;
    NoteEdit::Insert {
        heading: heading("Ernæring"),
        index: None,
        sentence: s,
    }
    .apply(&mut note)
    .expect("insert");
    add(&mut note, heading("Søvn og hvile"), "Sov godt.");
    assert_eq!(
        note.plain_text(),
        "Ernæring\nSpiste halvdelen.\nDrak to glas vand.\n\nSøvn og hvile\nSov godt."
    );
}

#[test]
fn json_round_trip_and_shape() {
    let mut note = JournalNote::new("Anna Hansen", created());
    note.citizen = Some(CitizenRef {
        cpr: Some("010203-1234".into()),
        ..Default::default()
    });
    let id = add(&mut note, heading("Ernæring"), "Spiste halvdelen.");
    let mut s = Sentence::new(
        SentenceId(id.0 + 1),
        "BT 145/90.",
        Provenance::Lexicon {
            terms: vec!["blodtryk".into()],
            confidence: 0.8,
        },
    );
    s.flags.masked_cpr = true;
    NoteEdit::Insert {
        heading: heading("Respiration og cirkulation"),
        index: None,
        sentence: s,
    }
    .apply(&mut note)
    .expect("insert");
    let json = serde_json::to_value(&note).expect("serialise");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(
        json["sections"][0]["heading"]["code"],
        "25dcedb3-7149-4ef9-a2c3-be30267441fb"
    );
    assert_eq!(json["sections"][0]["heading"]["group"], "nursing_area");
    assert_eq!(
        json["sections"][1]["sentences"][0]["provenance"]["kind"],
        "lexicon"
    );
    assert_eq!(
        json["sections"][1]["sentences"][0]["flags"]["masked_cpr"],
        true
    );
    let back: JournalNote = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, note);
    assert!(
        !format!("{:?}", note.citizen).contains("1234"),
        "Debug hides CPR"
    );
}
