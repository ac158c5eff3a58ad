use chrono::DateTime;

use super::*;
use crate::headings::HeadingTable;
use crate::journal::{Break, CitizenRef, Provenance, Section, Sentence, SentenceId};

fn note() -> JournalNote {
    let created = DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").unwrap();
    let mut n = JournalNote::new("Sofie Hansen", created);
    n.id = Uuid::parse_str("6f1b2c9e-3d4a-4e5f-8a7b-1c2d3e4f5a60").unwrap();
    let table = HeadingTable::fsiii();
    for (i, (h, text)) in [
        ("Ernæring", "Spist halvdelen af middagsmaden."),
        ("Søvn og hvile", "Sovet uroligt & <vågen> \"kl. 3\"."),
    ]
    .into_iter()
    .enumerate()
    {
        n.sections.push(Section {
            heading: table.get(h).unwrap().to_ref(),
            sentences: vec![Sentence::new(
                SentenceId(i as u64 + 1),
                text,
                Provenance::SpokenHeading,
            )],
        });
    }
    n
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(f.name().parse::<Format>().unwrap(), f);
    }
    assert!("pdf".parse::<Format>().is_err());
}

#[test]
fn builtin_profiles_parse_and_differ_by_name() {
    let c = cura::profile();
    let n = nexus::profile();
    assert_eq!(c.name, "cura-text");
    assert_eq!(n.name, "nexus-text");
    assert_eq!(c.line_ending, LineEnding::Crlf);
}

#[test]
fn cura_text_has_heading_lines_crlf_and_no_empty_heading() {
    let mut n = note();
    n.sections.push(Section {
        heading: HeadingTable::fsiii().get("Mobilitet").unwrap().to_ref(),
        sentences: vec![],
    });
    let text = cura::render(&n);
    assert_eq!(
        text,
        "Ernæring\r\nSpist halvdelen af middagsmaden.\r\n\r\nSøvn og hvile\r\nSovet uroligt & <vågen> \"kl. 3\"."
    );
    assert!(!text.contains("Mobilitet"));
}

#[test]
fn author_line_top_and_bottom() {
    let n = note();
    let top = cura::profile()
        .with_overrides("author_line = \"top\"\nline_ending = \"lf\"", "test")
        .unwrap();
    assert!(top
        .render(&n)
        .starts_with("Skrevet af Sofie Hansen 12.03.2025 kl. 14.30\n\nErnæring\n"));
    let bottom = nexus::profile()
        .with_overrides(
            "author_line = \"bottom\"\nauthor_format = \"{author} {date}\"",
            "t",
        )
        .unwrap();
    assert!(bottom
        .render(&n)
        .ends_with("\r\n\r\nSofie Hansen 12.03.2025"));
}

#[test]
fn profile_override_rejects_bad_values() {
    let p = cura::profile();
    for bad in [
        "line_ending = \"cr\"",
        "no_such_key = 1",
        "date_format = \"%Q\"",
        "heading_format = \"Overskrift\"",
        "author_line = [",
    ] {
        assert!(p.with_overrides(bad, "site.toml").is_err(), "{bad}");
    }
}

#[test]
fn render_section_is_body_only() {
    let n = note();
    let s = n.section("Ernæring").unwrap();
    assert_eq!(
        cura::profile().render_section(s).unwrap(),
        "Spist halvdelen af middagsmaden."
    );
}

#[test]
fn line_and_paragraph_breaks_and_control_characters() {
    let mut n = note();
    let sec = &mut n.sections[0];
    let mut s2 = Sentence::new(
        SentenceId(10),
        "Drukket\u{7} 2 glas.  ",
        Provenance::SpokenHeading,
    );
    s2.break_before = Break::Line;
    let mut s3 = Sentence::new(
        SentenceId(11),
        "Ny vurdering.\r\nI morgen.",
        Provenance::SpokenHeading,
    );
    s3.break_before = Break::Paragraph;
    sec.sentences.push(s2);
    sec.sentences.push(s3);
    let p = cura::profile()
        .with_overrides("line_ending = \"lf\"", "t")
        .unwrap();
    assert_eq!(
        p.render_section(&n.sections[0]).unwrap(),
        "Spist halvdelen af middagsmaden.\nDrukket 2 glas.\n\nNy vurdering.\nI morgen."
    );
    let div = fhir::narrative(&n.sections[0]).unwrap();
    assert_eq!(
        div,
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Spist halvdelen af middagsmaden.<br/>Drukket 2 glas.</p><p>Ny vurdering.<br/>I morgen.</p></div>"
    );
}

#[test]
fn narrative_escapes_markup() {
    let n = note();
    let div = fhir::narrative(&n.sections[1]).unwrap();
    assert!(div.contains("Sovet uroligt &amp; &lt;vågen&gt; &quot;kl. 3&quot;."));
}

#[test]
fn cpr_normalisation() {
    assert_eq!(normalise_cpr("010150-1234").unwrap(), "0101501234");
    assert_eq!(normalise_cpr(" 0101501234 ").unwrap(), "0101501234");
    for bad in [
        "0101501-234",
        "01015-01234",
        "abcdefghij",
        "010150123",
        "ææææææ-1234",
    ] {
        assert!(normalise_cpr(bad).is_err(), "{bad}");
    }
    // Never rejected for failing modulus 11 (numbers issued since 2007).
    assert!(normalise_cpr("010190-0001").is_ok());
}

#[test]
fn invalid_cpr_error_does_not_reveal_the_number() {
    let mut n = note();
    n.citizen = Some(CitizenRef {
        cpr: Some("12345-678".into()),
        ..Default::default()
    });
    let err = fhir::render(&n, &Default::default()).unwrap_err();
    assert!(!err.to_string().contains("12345"));
    assert!(json::render_string(&n).is_err());
}

#[test]
fn fhir_bundle_shape() {
    let mut n = note();
    n.citizen = Some(CitizenRef {
        cpr: Some("010150-1234".into()),
        name: Some("Jens Jensen".into()),
        record_id: Some("N-1".into()),
    });
    let b = fhir::render(&n, &Default::default()).unwrap();
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "document");
    assert_eq!(b["timestamp"], "2025-03-12T14:30:00+01:00");
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let comp = &entries[0]["resource"];
    assert_eq!(comp["resourceType"], "Composition");
    assert_eq!(comp["title"], "Journalnotat");
    assert_eq!(comp["author"][0]["reference"], entries[1]["fullUrl"]);
    assert_eq!(comp["subject"]["reference"], entries[2]["fullUrl"]);
    let pat = &entries[2]["resource"];
    assert_eq!(pat["identifier"][0]["system"], CPR_SYSTEM);
    assert_eq!(pat["identifier"][0]["value"], "0101501234");
    // Record id only with a configured system.
    assert_eq!(pat["identifier"].as_array().unwrap().len(), 1);
    let sec = &comp["section"][0];
    assert_eq!(sec["code"]["coding"][0]["system"], FSIII_SYSTEM);
    assert_eq!(
        sec["code"]["coding"][0]["code"],
        "25dcedb3-7149-4ef9-a2c3-be30267441fb"
    );
    for e in entries {
        let full = e["fullUrl"].as_str().unwrap();
        assert_eq!(
            full,
            format!("urn:uuid:{}", e["resource"]["id"].as_str().unwrap())
        );
    }
}

#[test]
fn fhir_is_reproducible_and_bundle_id_follows_content() {
    let n = note();
    let a = fhir::render(&n, &Default::default()).unwrap();
    assert_eq!(a, fhir::render(&n, &Default::default()).unwrap());
    let mut m = n.clone();
    m.sections[0].sentences[0].text.push_str(" Rettet.");
    let b = fhir::render(&m, &Default::default()).unwrap();
    assert_ne!(a["identifier"], b["identifier"]);
    assert_eq!(
        a["entry"][0]["resource"]["identifier"],
        b["entry"][0]["resource"]["identifier"]
    );
}

#[test]
fn fhir_without_citizen_has_no_subject_and_empty_note_no_sections() {
    let mut n = note();
    let b = fhir::render(&n, &Default::default()).unwrap();
    assert!(b["entry"][0]["resource"].get("subject").is_none());
    assert_eq!(b["entry"].as_array().unwrap().len(), 2);
    n.sections.clear();
    let b = fhir::render(&n, &Default::default()).unwrap();
    assert!(b["entry"][0]["resource"].get("section").is_none());
}

#[test]
fn json_document_shape() {
    let n = note();
    let d = json::document(&n).unwrap();
    assert_eq!(d.format, "dikta-note");
    assert_eq!(d.sections.len(), 2);
    assert_eq!(d.sections[0].code_system, Some(FSIII_SYSTEM));
    assert_eq!(d.note_digest.len(), 64);
    let v: serde_json::Value = serde_json::from_str(&json::render_string(&n).unwrap()).unwrap();
    assert_eq!(
        v["sections"][0]["sentences"][0]["provenance"]["kind"],
        "spoken_heading"
    );
    assert_eq!(
        v["sections"][0]["sentences"][0]["flags"]["masked_cpr"],
        false
    );
}

#[test]
fn render_dispatches_every_format() {
    let n = note();
    for f in Format::ALL {
        let out = render(&n, f, &ExportOptions::default()).unwrap();
        assert!(out.contains("Ernæring"), "{f}");
    }
}
