//! HL7 FHIR R4: the note as a document `Bundle`.
//!
//! Shape (see `docs/export.md`, "FHIR profile"):
//!
//! - `Bundle` (`type` `document`, `identifier`, `timestamp`), entries with `urn:uuid:` full URLs;
//! - first entry a `Composition`: `status` `final`, `type` LOINC 11488-4 with text
//!   "Journalnotat", `title` "Journalnotat", `date`, `author` → `Practitioner`, `subject` →
//!   `Patient` when a citizen is given (CPR as identifier with system
//!   `urn:oid:1.2.208.176.1.2`, DK Core), one `section` per heading coded with its FSIII UUID
//!   (`urn:oid:1.2.208.176.2.21`) and with the text as an XHTML narrative.
//!
//! All ids are derived from the note, so the same note always gives the same bundle; the
//! bundle identifier changes when the note's content changes.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde_json::{json, Map, Value};

use super::{clean_text, derived_uuid, normalise_cpr, note_digest, ExportError};
use super::{CPR_SYSTEM, FSIII_SYSTEM};
use crate::journal::{JournalNote, Section};

/// Title of the Composition, as in MedCom's shared-notes guide.
pub const TITLE: &str = "Journalnotat";

/// LOINC code of the Composition type ("Consult note"), as in MedCom's shared-notes guide.
pub const TYPE_LOINC: &str = "11488-4";

/// Options of the FHIR rendering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FhirOptions {
    /// `Bundle.timestamp` (when the document was assembled); the note's time when `None`.
    pub timestamp: Option<DateTime<FixedOffset>>,
    /// Identifier system of [`crate::journal::CitizenRef::record_id`] (the record system's
    /// citizen id). Without it the record id is not exported.
    pub record_id_system: Option<String>,
}

/// The XHTML namespace FHIR narratives must use.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// The note as a FHIR R4 document Bundle.
pub fn render(note: &JournalNote, options: &FhirOptions) -> Result<Value, ExportError> {
    let id = note.id.to_string();
    let digest = note_digest(note);
    let bundle_id = derived_uuid(&[b"bundle", id.as_bytes(), digest.as_bytes()]);
    let composition_id = derived_uuid(&[b"composition", id.as_bytes()]);
    let practitioner_id = derived_uuid(&[b"practitioner", id.as_bytes()]);
    let patient_id = derived_uuid(&[b"patient", id.as_bytes()]);

    let date = note.created.to_rfc3339_opts(SecondsFormat::Secs, false);
    let timestamp = options
        .timestamp
        .unwrap_or(note.created)
        .to_rfc3339_opts(SecondsFormat::Secs, false);

    let author = note.author.trim();
    let mut author_ref = Map::new();
    author_ref.insert("reference".into(), urn(&practitioner_id.to_string()));
    if !author.is_empty() {
        author_ref.insert("display".into(), json!(author));
    }

    let mut composition = json!({
        "resourceType": "Composition",
        "id": composition_id.to_string(),
        "language": "da",
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": format!("urn:uuid:{id}"),
        },
        "status": "final",
        "type": {
            "coding": [{
                "system": "http://loinc.org",
                "code": TYPE_LOINC,
                "display": "Consult note",
            }],
            "text": TITLE,
        },
        "date": date,
        "author": [Value::Object(author_ref)],
        "title": TITLE,
        "confidentiality": "N",
    });

    let patient = match &note.citizen {
        Some(c) => Some(patient(c, &patient_id.to_string(), options)?),
        None => None,
    };
    if patient.is_some() {
        composition["subject"] = json!({ "reference": urn(&patient_id.to_string()) });
    }

    let sections: Vec<Value> = note.sections.iter().filter_map(section).collect();
    if !sections.is_empty() {
        composition["section"] = Value::Array(sections);
    }

    let mut practitioner = json!({
        "resourceType": "Practitioner",
        "id": practitioner_id.to_string(),
    });
    if !author.is_empty() {
        practitioner["name"] = json!([{ "text": author }]);
    }

    let mut entries = vec![
        entry(&composition_id.to_string(), composition),
        entry(&practitioner_id.to_string(), practitioner),
    ];
    if let Some(p) = patient {
        entries.push(entry(&patient_id.to_string(), p));
    }

    Ok(json!({
        "resourceType": "Bundle",
        "id": bundle_id.to_string(),
        "language": "da",
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": format!("urn:uuid:{bundle_id}"),
        },
        "type": "document",
        "timestamp": timestamp,
        "entry": entries,
    }))
}

/// [`render`] as pretty-printed JSON text, `resourceType` first in every resource.
pub fn render_string(note: &JournalNote, options: &FhirOptions) -> Result<String, ExportError> {
    let mut s = serde_json::to_string_pretty(&ResourceTypeFirst(&render(note, options)?))?;
    s.push('\n');
    Ok(s)
}

/// Serialises a JSON value with `resourceType` as the first property of each object (FHIR
/// convention, and what streaming parsers expect); other properties keep their order.
struct ResourceTypeFirst<'a>(&'a Value);

impl serde::Serialize for ResourceTypeFirst<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                if let Some(rt) = map.get("resourceType") {
                    out.serialize_entry("resourceType", rt)?;
                }
                for (k, v) in map.iter().filter(|(k, _)| *k != "resourceType") {
                    out.serialize_entry(k, &ResourceTypeFirst(v))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for v in items {
                    out.serialize_element(&ResourceTypeFirst(v))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

fn urn(uuid: &str) -> Value {
    json!(format!("urn:uuid:{uuid}"))
}

fn entry(uuid: &str, resource: Value) -> Value {
    json!({ "fullUrl": format!("urn:uuid:{uuid}"), "resource": resource })
}

fn patient(
    citizen: &crate::journal::CitizenRef,
    id: &str,
    options: &FhirOptions,
) -> Result<Value, ExportError> {
    let mut identifiers = Vec::new();
    if let Some(cpr) = &citizen.cpr {
        identifiers.push(json!({
            "use": "official",
            "system": CPR_SYSTEM,
            "value": normalise_cpr(cpr)?,
        }));
    }
    if let (Some(record_id), Some(system)) = (
        citizen.record_id.as_deref().map(str::trim),
        options.record_id_system.as_deref(),
    ) {
        if !record_id.is_empty() {
            identifiers.push(json!({ "use": "secondary", "system": system, "value": record_id }));
        }
    }
    let mut patient = json!({ "resourceType": "Patient", "id": id });
    if !identifiers.is_empty() {
        patient["identifier"] = Value::Array(identifiers);
    }
    if let Some(name) = citizen.name.as_deref().map(str::trim) {
        if !name.is_empty() {
            patient["name"] = json!([{ "text": name }]);
        }
    }
    Ok(patient)
}

/// One Composition section, or `None` for a heading with no text.
fn section(s: &Section) -> Option<Value> {
    let div = narrative(s)?;
    let name = s.heading.name.trim();
    let mut section = json!({
        "title": name,
        "text": { "status": "generated", "div": div },
    });
    if let Some(code) = &s.heading.code {
        section["code"] = json!({
            "coding": [{ "system": FSIII_SYSTEM, "code": code, "display": name }],
            "text": name,
        });
    }
    Some(section)
}

/// The section's text as a FHIR narrative: an XHTML `div` with one `p` per paragraph and
/// `br` for line breaks, all text escaped. `None` when the section has no text.
pub fn narrative(section: &Section) -> Option<String> {
    let text = clean_text(&section.body_text());
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p
                .split('\n')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(escape_xml)
                .collect();
            format!("<p>{}</p>", lines.join("<br/>"))
        })
        .collect();
    if paragraphs.is_empty() {
        return None;
    }
    Some(format!(
        "<div xmlns=\"{XHTML_NS}\">{}</div>",
        paragraphs.concat()
    ))
}

/// Escape text for XML character data and attribute values.
fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' => out.push(' '),
            // Characters XML 1.0 does not allow (clean_text already removed C0 controls).
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
