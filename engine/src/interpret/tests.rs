use super::*;
use crate::autotext::Library;
use crate::headings::HeadingTable;

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").expect("time")
}

fn interp() -> Interpreter {
    let mut lib = Library::new();
    lib.add_source(LIB, "test.toml", HeadingTable::fsiii());
    assert!(lib.problems().is_empty(), "{:?}", lib.problems());
    Interpreter::new(InterpreterConfig::new("Anna Hansen", now()).with_autotexts(lib))
}

const LIB: &str = r#"
[[autotext]]
name = "morgenpleje"
heading = "Funktionsniveau"
text = "Morgenpleje udført. Humør [godt|dårligt]. Spist: [ ]."

[[autotext]]
name = "forbindingsskift ben"
heading = "Hud og slimhinder"
text = "Forbinding skiftet på benet. Såret er [rent|belagt]."

[[autotext]]
name = "forbindingsskift arm"
heading = "Hud og slimhinder"
text = "Forbinding skiftet på armen. Såret er [rent|belagt]."

[[autotext]]
name = "besøg"
text = "Besøg {dato} kl. {tid} ved {forfatter}."
"#;

/// Feed pieces, return the note as plain text.
fn run(pieces: &[&str]) -> String {
    let mut i = interp();
    for p in pieces {
        i.push(p);
    }
    i.finish().plain_text()
}

#[test]
fn spoken_punctuation_and_layout() {
    let rows: &[(&[&str], &str)] = &[
        (&["Hun har det godt punktum."], "Øvrigt\nHun har det godt."),
        (&["Hun har det godt. Punktum."], "Øvrigt\nHun har det godt."),
        (&["hun har det godt punktum"], "Øvrigt\nHun har det godt."),
        (
            &["Hun har det godt.", "Punktum."],
            "Øvrigt\nHun har det godt.",
        ),
        (&["Hun har det godt.."], "Øvrigt\nHun har det godt."),
        (
            &["Hun har det godt komma men er træt punktum"],
            "Søvn og hvile\nHun har det godt, men er træt.",
        ),
        (
            &["Hun har det godt, komma men er træt."],
            "Søvn og hvile\nHun har det godt, men er træt.",
        ),
        (
            &["har hun det godt spørgsmålstegn"],
            "Øvrigt\nHar hun det godt?",
        ),
        (&["hold da op udråbstegn"], "Øvrigt\nHold da op!"),
        (
            &["plan kolon ring i morgen punktum"],
            "Øvrigt\nPlan: ring i morgen.",
        ),
        (&["a semikolon b punktum"], "Øvrigt\nA; b."),
        (
            &["godt tankestreg næsten punktum"],
            "Øvrigt\nGodt – næsten.",
        ),
        (&["e bindestreg mail punktum"], "Øvrigt\nE-mail."),
        (&["og skråstreg eller punktum"], "Øvrigt\nOg/eller."),
        (
            &["han mente startparentes vist slutparentes ja punktum"],
            "Øvrigt\nHan mente (vist) ja.",
        ),
        (
            &["han mente parentes vist parentes ja punktum"],
            "Øvrigt\nHan mente (vist) ja.",
        ),
        (
            &["han mente anførselstegn nej tak anførselstegn punktum"],
            "Øvrigt\nHan mente \"nej tak\".",
        ),
        (
            &["han mente citationstegn nej citationstegn punktum"],
            "Øvrigt\nHan mente \"nej\".",
        ),
        (
            &["linje et ny linje linje to"],
            "Øvrigt\nLinje et\nLinje to.",
        ),
        (
            &["Linje et.", "Ny linje.", "Linje to."],
            "Øvrigt\nLinje et.\nLinje to.",
        ),
        (
            &["afsnit et punktum nyt afsnit afsnit to punktum"],
            "Øvrigt\nAfsnit et.\n\nAfsnit to.",
        ),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn whisper_full_stops_the_worker_did_not_ask_for() {
    // Once the worker dictates punctuation, Whisper's own full stop at an utterance end
    // does not end the sentence; a common word continues it in lowercase.
    let rows: &[(&[&str], &str)] = &[
        (
            &[
                "Hun har spist punktum.",
                "Hun har det godt.",
                "Og sover nu punktum.",
            ],
            "Ernæring\nHun har spist.\n\nSøvn og hvile\nHun har det godt og sover nu.",
        ),
        (
            &["Hun har spist punktum.", "Hun har det. Godt punktum."],
            "Ernæring\nHun har spist. Hun har det godt.",
        ),
        // Without spoken punctuation, Whisper's punctuation is trusted.
        (
            &["Hun har spist.", "Og sover nu."],
            "Ernæring\nHun har spist.\n\nSøvn og hvile\nOg sover nu.",
        ),
        // A name is never lowercased.
        (
            &["Intet nyt punktum.", "Karen kommer i morgen punktum."],
            "Øvrigt\nIntet nyt. Karen kommer i morgen.",
        ),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn command_words_used_as_ordinary_words() {
    let rows: &[(&[&str], &str)] = &[
        (
            &["Han fik et punktum på skærmen."],
            "Øvrigt\nHan fik et punktum på skærmen.",
        ),
        (
            &["Hun satte sit komma forkert."],
            "Øvrigt\nHun satte sit komma forkert.",
        ),
        (&["skriv ordret punktum punktum"], "Øvrigt\nSkriv punktum."),
        (
            &["Det er vigtigt med ernæring kolon mad og drikke."],
            "Ernæring\nDet er vigtigt med ernæring: mad og drikke.",
        ),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn heading_forms() {
    let rows: &[(&[&str], &str)] = &[
        (
            &["Overskrift ernæring.", "Hun har spist godt."],
            "Ernæring\nHun har spist godt.",
        ),
        (
            &["overskrift ernæring hun har spist godt"],
            "Ernæring\nHun har spist godt.",
        ),
        (
            &["Ny overskrift søvn og hvile.", "Sov godt."],
            "Søvn og hvile\nSov godt.",
        ),
        (
            &["Ernæring kolon hun har spist godt."],
            "Ernæring\nHun har spist godt.",
        ),
        (
            &["Ernæring: Hun har spist godt."],
            "Ernæring\nHun har spist godt.",
        ),
        (&["Ernæringen kolon spist godt."], "Ernæring\nSpist godt."),
        (
            &["overskrift søvn og hvil", "Sov uroligt."],
            "Søvn og hvile\nSov uroligt.",
        ),
        (
            &["OVERSKRIFT HUD OG SLIMHINDER", "Ingen bemærkninger."],
            "Hud og slimhinder\nIngen bemærkninger.",
        ),
        // A spoken heading keeps following text, whatever its content.
        (
            &["overskrift søvn og hvile", "Spiste lidt morgenmad."],
            "Søvn og hvile\nSpiste lidt morgenmad.",
        ),
        // A heading spoken mid-sentence ends the sentence before it.
        (
            &["hun har ondt i ryggen overskrift søvn og hvile sover dårligt punktum"],
            "Smerter og sanseindtryk\nHun har ondt i ryggen.\n\nSøvn og hvile\nSover dårligt.",
        ),
        (
            &[
                "Overskrift ernæring. Spist godt.",
                "Automatisk placering.",
                "Sovet uroligt.",
            ],
            "Ernæring\nSpist godt.\n\nSøvn og hvile\nSovet uroligt.",
        ),
        (
            &["overskrift blabla tekst."],
            "Øvrigt\nOverskrift blabla tekst.",
        ),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn automatic_placement_records_its_reason() {
    let mut i = interp();
    i.push("Har spist halvdelen af middagsmaden.");
    i.push("Tryksår på venstre hæl.");
    i.push("Blodtryk 145/90.");
    i.push("Har sovet uroligt.");
    i.push("Hun fik det også i går.");
    let note = i.finish();
    let placed: Vec<(&str, &str)> = note
        .sentences()
        .map(|(h, s)| (h.name.as_str(), s.text.as_str()))
        .collect();
    assert_eq!(
        placed,
        [
            ("Ernæring", "Har spist halvdelen af middagsmaden."),
            ("Hud og slimhinder", "Tryksår på venstre hæl."),
            ("Respiration og cirkulation", "Blodtryk 145/90."),
            ("Søvn og hvile", "Har sovet uroligt."),
            ("Søvn og hvile", "Hun fik det også i går."),
        ]
    );
    let provenances: Vec<&Provenance> = note.sentences().map(|(_, s)| &s.provenance).collect();
    assert!(
        matches!(provenances[0], Provenance::Lexicon { terms, confidence } if !terms.is_empty() && *confidence >= 0.5)
    );
    assert!(matches!(provenances[4], Provenance::Default { .. }));
    let last = note
        .sentences()
        .last()
        .map(|(_, s)| s.flags.uncertain_heading);
    assert_eq!(last, Some(true));
    // With no heading at all, unclassifiable text goes to Øvrigt.
    assert_eq!(run(&["Ingen bemærkninger."]), "Øvrigt\nIngen bemærkninger.");
}

#[test]
fn corrections() {
    let rows: &[(&[&str], &str)] = &[
        (
            &["Hun har spist.", "Sover godt.", "Slet det."],
            "Ernæring\nHun har spist.",
        ),
        (
            &["Hun har spist punktum sover godt punktum slet sidste sætning"],
            "Ernæring\nHun har spist.",
        ),
        (&["Hun har spist.", "Slet det.", "Slet det."], ""),
        (
            &["Hun har spist.", "Sover godt.", "Fortryd."],
            "Ernæring\nHun har spist.",
        ),
        (
            &["Hun har spist.", "Sover godt.", "Slet det.", "Fortryd."],
            "Ernæring\nHun har spist.\n\nSøvn og hvile\nSover godt.",
        ),
        (
            &["Overskrift søvn og hvile.", "Fortryd.", "Spiste godt."],
            "Ernæring\nSpiste godt.",
        ),
        (&["Fortryd."], ""),
        (&["Hun har spist.", "Fortryd.", "Fortryd."], ""),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn undo_reverts_autotext_and_moves() {
    let mut i = interp();
    i.push("Hun har spist godt.");
    let before = i.note().clone();
    let out = i.push("Indsæt morgenpleje.");
    assert!(out
        .events
        .iter()
        .any(|e| matches!(e, Event::AutotextInserted { .. })));
    assert_ne!(i.note(), &before);
    let out = i.push("Fortryd.");
    assert_eq!(out.events, [Event::Undone]);
    assert_eq!(i.note(), &before);

    let id = i
        .note()
        .sentences()
        .next()
        .map(|(_, s)| s.id)
        .expect("sentence");
    i.move_sentence(id, "Søvn og hvile").expect("move");
    let (h, s) = i.note().sentence(id).expect("still there");
    assert_eq!(h.name, "Søvn og hvile");
    assert_eq!(
        s.provenance,
        Provenance::MovedByUser {
            from: "Ernæring".into()
        }
    );
    i.push("fortryd");
    assert_eq!(i.note(), &before);
    assert_eq!(
        i.move_sentence(id, "Kaffe"),
        Err(InterpretError::UnknownHeading("Kaffe".into()))
    );
}

#[test]
fn edits_replayed_give_the_same_note() {
    let mut i = interp();
    let mut mirror = i.note().clone();
    for piece in [
        "Overskrift ernæring.",
        "Hun har spist godt komma",
        "og drukket to glas vand punktum",
        "Indsæt morgenpleje.",
        "Næste felt dårligt næste felt halvdelen.",
        "Slet det.",
        "Fortryd.",
        "Tryksår på hælen.",
    ] {
        let out = i.push(piece);
        for edit in out.edits {
            edit.apply(&mut mirror).expect("replay");
        }
        assert_eq!(&mirror, i.note(), "after {piece:?}");
    }
}

#[test]
fn autotexts_insert_fill_and_navigate() {
    let mut i = interp();
    i.push("Overskrift ernæring.");
    let out = i.push("Indsæt morgenpleje.");
    assert!(
        matches!(&out.events[..], [Event::AutotextInserted { name, fields: 2, .. }] if name == "morgenpleje")
    );
    let (h, s) = i.note().sentences().next().expect("inserted");
    assert_eq!(
        h.name, "Funktionsniveau",
        "the autotext carries its own heading"
    );
    assert_eq!(
        s.text,
        "Morgenpleje udført. Humør [godt|dårligt]. Spist: [ ]."
    );
    assert_eq!(s.flags.unfilled_fields, 2);

    let out = i.push("Næste felt.");
    assert!(matches!(
        out.events[..],
        [Event::FieldFocused {
            index: 0,
            of: 2,
            ..
        }]
    ));
    i.push("Dårlig.");
    i.push("Næste felt.");
    i.push("Halvdelen af maden.");
    let s = i
        .note()
        .sentences()
        .next()
        .map(|(_, s)| s.clone())
        .expect("s");
    assert_eq!(
        s.text,
        "Morgenpleje udført. Humør dårligt. Spist: halvdelen af maden."
    );
    assert_eq!(s.flags.unfilled_fields, 0);
    let out = i.push("Næste felt.");
    assert_eq!(out.events, [Event::NoMoreFields]);
    i.push("Forrige felt.");
    i.push("Alt.");
    let s = i
        .note()
        .sentences()
        .next()
        .map(|(_, s)| s.text.clone())
        .expect("s");
    assert_eq!(s, "Morgenpleje udført. Humør dårligt. Spist: alt.");
    // Dictation after an autotext continues under the current heading.
    i.push("Drak en kop kaffe.");
    let note = i.finish();
    assert_eq!(note.section("Ernæring").map(|s| s.sentences.len()), Some(1));
}

#[test]
fn accept_defaults_and_autotext_names() {
    let mut i = interp();
    i.push("autotekst morgenpleje");
    let out = i.push("Bekræft standardværdier.");
    assert!(matches!(
        out.events[..],
        [Event::DefaultsAccepted {
            filled: 1,
            left_empty: 1,
            ..
        }]
    ));
    let s = i
        .note()
        .sentences()
        .next()
        .map(|(_, s)| s.clone())
        .expect("s");
    assert_eq!(s.text, "Morgenpleje udført. Humør godt. Spist: [ ].");
    assert_eq!(s.flags.unfilled_fields, 1);

    // Two similar names: nothing inserted, candidates reported.
    let mut i = interp();
    let out = i.push("Indsæt forbindingsskift.");
    assert_eq!(
        out.events,
        [Event::AutotextAmbiguous {
            candidates: vec!["forbindingsskift ben".into(), "forbindingsskift arm".into()]
        }]
    );
    assert!(i.note().is_empty());
    let out = i.push("Indsæt forbindingsskift ben.");
    assert!(
        matches!(&out.events[..], [Event::AutotextInserted { name, .. }] if name == "forbindingsskift ben")
    );

    // Fuzzy: ASR slip and split compound.
    let mut i = interp();
    let out = i.push("Indsæt morgen pleie.");
    assert!(
        matches!(&out.events[..], [Event::AutotextInserted { name, .. }] if name == "morgenpleje")
    );

    // Not found: "autotekst" writes nothing; "indsæt" is an ordinary word then.
    let mut i = interp();
    let out = i.push("Autotekst kaffepause.");
    assert_eq!(out.events, [Event::AutotextNotFound]);
    assert!(i.note().is_empty());
    i.push("Indsæt papirerne i mappen.");
    assert_eq!(i.note().plain_text(), "Øvrigt\nIndsæt papirerne i mappen.");

    // Variables.
    let mut i = interp();
    i.push("indsæt besøg");
    assert_eq!(
        i.note().plain_text(),
        "Øvrigt\nBesøg 12.03.2025 kl. 14.30 ved Anna Hansen."
    );
}

#[test]
fn numbers_in_dictation() {
    let rows: &[(&[&str], &str)] = &[
        (
            &["blodtryk hundrede og tyve over firs punktum"],
            "Respiration og cirkulation\nBlodtryk 120/80.",
        ),
        (&["Blodsukker otte komma fem."], "Ernæring\nBlodsukker 8,5."),
        (
            &["Givet panodil klokken fjorten tredive."],
            "Smerter og sanseindtryk\nGivet panodil kl. 14.30.",
        ),
        (
            &["Temperatur 37 komma 8 grader."],
            "Respiration og cirkulation\nTemperatur 37,8 grader.",
        ),
        (
            &["Givet to gange fem hundrede milligram panodil."],
            "Smerter og sanseindtryk\nGivet 2 x 500 mg panodil.",
        ),
        (
            &["Har drukket to glas vand."],
            "Ernæring\nHar drukket to glas vand.",
        ),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn cpr_numbers_are_masked_and_flagged() {
    let mut i = interp();
    let out = i.push("Borgerens CPR er 120345-1234.");
    let id = i.note().sentences().next().map(|(_, s)| s.id).expect("s");
    assert!(out.events.contains(&Event::CprMasked { id, masked: true }));
    let s = i
        .note()
        .sentences()
        .next()
        .map(|(_, s)| s.clone())
        .expect("s");
    assert_eq!(s.text, "Borgerens CPR er ******-****.");
    assert!(s.flags.masked_cpr);
    let json = serde_json::to_string(i.note()).expect("json");
    assert!(!json.contains("1234"));

    let rows: &[&str] = &[
        "cpr en to nul tre fire fem en to tre fire punktum",
        "cpr nummer tolv nul tre femogfyrre tolv fireogtredive punktum",
        "CPR 1203451234.",
        "CPR 120345 1234.",
    ];
    for piece in rows {
        let text = run(&[piece]);
        assert!(text.contains("******-****"), "{piece}: {text}");
        assert!(!text.contains("1234"), "{piece}: {text}");
    }
    let mut config = InterpreterConfig::new("A", now());
    config.cpr = CprPolicy::Keep;
    let mut i = Interpreter::new(config);
    i.push("CPR 1203451234.");
    let s = i
        .note()
        .sentences()
        .next()
        .map(|(_, s)| s.clone())
        .expect("s");
    assert_eq!(s.text, "CPR 120345-1234.");
    assert!(s.flags.contains_cpr && !s.flags.masked_cpr);
}

#[test]
fn sentences_split_across_utterances() {
    let rows: &[(&[&str], &str)] = &[
        (
            &["Hun har spist", "halvdelen af maden punktum"],
            "Ernæring\nHun har spist halvdelen af maden.",
        ),
        (
            &["Hun har det godt", "punktum"],
            "Øvrigt\nHun har det godt.",
        ),
        // A command split over two utterances still works when it starts an utterance.
        (
            &["Spiste godt.", "Ny.", "Linje.", "Drak vand."],
            "Ernæring\nSpiste godt.\nDrak vand.",
        ),
        (
            &["Overskrift.", "Ernæring.", "Ingen bemærkninger."],
            "Ernæring\nIngen bemærkninger.",
        ),
        (
            &["Indsæt", "morgenpleje"],
            "Funktionsniveau\nMorgenpleje udført. Humør [godt|dårligt]. Spist: [ ].",
        ),
        (&["Hun har det godt.", "Slet", "det."], ""),
        // ... but "ny" inside a sentence is a word.
        (
            &["Hun har fået en ny", "rollator."],
            "Bevægeapparat\nHun har fået en ny rollator.",
        ),
        (&["Overskrift"], "Øvrigt\nOverskrift."),
    ];
    for (pieces, want) in rows {
        assert_eq!(run(pieces), *want, "{pieces:?}");
    }
}

#[test]
fn odd_input_never_panics() {
    let pieces = [
        "",
        "   ",
        ".",
        "...",
        "punktum",
        "Punktum. Punktum. Komma, komma.",
        "slutparentes slutparentes",
        "anførselstegn",
        "(((",
        ")))",
        "»«„“",
        "næste felt næste felt forrige felt forrige felt",
        "bekræft standardværdier",
        "fortryd fortryd fortryd fortryd",
        "slet det slet det",
        "overskrift",
        "overskrift overskrift overskrift",
        "indsæt",
        "autotekst",
        "kolon kolon",
        "ny linje nyt afsnit ny linje",
        "klokken",
        "klokken 99.99",
        "hundrede over",
        "komma komma otte komma",
        "1234567890123456789012345678901234567890",
        "0000000000",
        "ÆØÅ æøå ß ü é 😀 \u{200b}",
        "ordret",
        "Indsæt morgenpleje. Næste felt. 😀 næste felt ÆØÅ næste felt",
        "Forrige felt. Fortryd. Fortryd. Fortryd.",
    ];
    let mut i = interp();
    for p in pieces {
        i.push(p);
    }
    for p in pieces.iter().rev() {
        let out = i.push(p);
        let _ = out;
    }
    let note = i.finish();
    let _ = note.plain_text();
    let _ = serde_json::to_string(&note).expect("serialisable");
}

#[test]
fn site_headings_come_after_fsiii_in_spoken_order() {
    let mut config = InterpreterConfig::new("A", now());
    config.headings = HeadingTable::fsiii()
        .with_site_headings(
            "[[heading]]\nname = \"Aftaler\"\n[[heading]]\nname = \"Besøgsplan\"\n",
            "site.toml",
        )
        .expect("site headings");
    let mut i = Interpreter::new(config);
    for piece in [
        "Overskrift besøgsplan. Kommer igen i morgen.",
        "Overskrift aftaler. Lægen ringer.",
        "Ingen bemærkninger.",
        "Overskrift ernæring. Spist godt.",
    ] {
        i.push(piece);
    }
    let note = i.finish();
    let names: Vec<&str> = note
        .sections
        .iter()
        .map(|s| s.heading.name.as_str())
        .collect();
    assert_eq!(names, ["Ernæring", "Besøgsplan", "Aftaler"]);
    assert!(note.sections[1].heading.code.is_none());
}
