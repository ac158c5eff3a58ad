//! Searching the autotexts in effect by typed text, for pick lists: æ/ø/å-aware ("aa" = "å",
//! "sarpleje" finds "sårpleje"), by name, alias and description, best match first.

use super::library::{Autotext, Library};
use crate::text::danish::{ascii, fold, similarity};

/// Minimum similarity of the query to a whole name or alias for a fuzzy hit.
const FUZZY: f64 = 0.7;

impl Library {
    /// The effective autotexts matching `query`, best first; all of them, by name, for an
    /// empty query. A name starting with the query ranks before a name containing it, then
    /// aliases, then descriptions, then names that are merely close (typing slips).
    pub fn search(&self, query: &str) -> Vec<&Autotext> {
        let q = fold(query);
        let mut hits: Vec<(u8, &Autotext)> = self
            .effective()
            .filter_map(|a| rank(a, &q).map(|r| (r, a)))
            .collect();
        hits.sort_by(|x, y| {
            x.0.cmp(&y.0)
                .then_with(|| fold(&x.1.name).cmp(&fold(&y.1.name)))
        });
        hits.into_iter().map(|(_, a)| a).collect()
    }
}

/// Rank of `a` for the folded query `q` (lower is better), `None` when it does not match.
fn rank(a: &Autotext, q: &str) -> Option<u8> {
    if q.is_empty() {
        return Some(0);
    }
    let contains = |text: &str| {
        let t = fold(text);
        if t.starts_with(q) {
            Some(0)
        } else if t.contains(q) || ascii(&t).contains(&ascii(q)) {
            Some(1)
        } else {
            None
        }
    };
    if let Some(r) = contains(&a.name) {
        return Some(r);
    }
    if let Some(r) = a.aliases.iter().filter_map(|al| contains(al)).min() {
        return Some(2 + r);
    }
    if a.description.as_deref().and_then(contains).is_some() {
        return Some(4);
    }
    let close = std::iter::once(&a.name)
        .chain(&a.aliases)
        .any(|form| similarity(form, q) >= FUZZY);
    close.then_some(5)
}

#[cfg(test)]
mod tests {
    use crate::autotext::Library;
    use crate::headings::HeadingTable;

    const LIB: &str = r#"
[[autotext]]
name = "sårpleje"
aliases = ["forbindingsskift"]
text = "Sår [rent|belagt]."

[[autotext]]
name = "morgenpleje"
aliases = ["morgen hjælp"]
description = "Personlig pleje om morgenen"
text = "Morgenpleje udført."

[[autotext]]
name = "mundpleje"
text = "Mundpleje udført."
"#;

    fn names(lib: &Library, q: &str) -> Vec<String> {
        lib.search(q).iter().map(|a| a.name.clone()).collect()
    }

    #[test]
    fn search_table() {
        let mut lib = Library::new();
        lib.add_source(LIB, "t.toml", HeadingTable::fsiii());
        let rows: &[(&str, &[&str])] = &[
            ("", &["morgenpleje", "mundpleje", "sårpleje"]),
            ("sår", &["sårpleje"]),
            ("SAAR", &["sårpleje"]),
            ("saarpleje", &["sårpleje"]),
            ("sarpleje", &["sårpleje"]),
            ("pleje", &["morgenpleje", "mundpleje", "sårpleje"]),
            ("mor", &["morgenpleje"]),
            ("forbinding", &["sårpleje"]),
            ("hjælp", &["morgenpleje"]),
            ("personlig", &["morgenpleje"]),
            ("mundplje", &["mundpleje"]),
            ("xyz", &[]),
        ];
        for (q, want) in rows {
            assert_eq!(names(&lib, q), *want, "query {q:?}");
        }
    }
}
