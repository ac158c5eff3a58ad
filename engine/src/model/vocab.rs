//! The Whisper vocabulary of a CTranslate2 model, turned into the raw token bytes whisper.cpp
//! stores: each token string is written in GPT-2's byte-to-unicode alphabet, which this module
//! inverts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ModelError;

/// The token that ends the text tokens; whisper.cpp numbers the special tokens after it itself.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// GPT-2's `bytes_to_unicode` table inverted: character -> byte.
fn unicode_to_bytes() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from('!')..=u32::from('~')).collect();
    printable.extend(u32::from('¡')..=u32::from('¬'));
    printable.extend(u32::from('®')..=u32::from('ÿ'));
    let mut map = HashMap::with_capacity(256);
    let mut extra = 0u32;
    for b in 0u32..256 {
        let c = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            256 + extra - 1
        };
        if let Some(ch) = char::from_u32(c) {
            map.insert(ch, b as u8);
        }
    }
    map
}

/// Decodes one token from GPT-2's byte alphabet to its raw bytes; `None` when it contains a
/// character outside that alphabet.
pub fn token_bytes(token: &str, table: &HashMap<char, u8>) -> Option<Vec<u8>> {
    token.chars().map(|c| table.get(&c).copied()).collect()
}

/// A loaded vocabulary: the raw bytes of every text token, i.e. the ids below end-of-text.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The file it came from.
    pub path: PathBuf,
    /// Raw bytes of tokens `0..end_of_text`.
    pub tokens: Vec<Vec<u8>>,
    /// Total entries in the file (including special tokens).
    pub total: usize,
}

/// Finds `vocabulary.txt` or `vocabulary.json` in a CTranslate2 model directory.
pub fn find_vocabulary(dir: &Path) -> Result<PathBuf, ModelError> {
    for name in ["vocabulary.txt", "vocabulary.json"] {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(ModelError::MissingFile {
        dir: dir.to_path_buf(),
        what: "vocabulary.txt or vocabulary.json".into(),
    })
}

/// Loads a CTranslate2 vocabulary (`.txt`: one token per line; `.json`: an array of strings)
/// and keeps the text tokens as raw bytes.
pub fn load_vocabulary(path: &Path) -> Result<Vocabulary, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
    let bad = |reason: String| ModelError::Vocabulary {
        path: path.to_path_buf(),
        reason,
    };
    let entries: Vec<String> = if path.extension().and_then(|e| e.to_str()) == Some("json") {
        serde_json::from_str(&text).map_err(|e| bad(format!("not a JSON array of strings: {e}")))?
    } else {
        let body = text.strip_suffix('\n').unwrap_or(&text);
        body.split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect()
    };
    let eot = entries
        .iter()
        .position(|t| t == END_OF_TEXT)
        .ok_or_else(|| bad(format!("no {END_OF_TEXT} token")))?;
    let table = unicode_to_bytes();
    let mut tokens = Vec::with_capacity(eot);
    let mut foreign = 0usize;
    for (id, t) in entries[..eot].iter().enumerate() {
        match token_bytes(t, &table) {
            Some(b) => tokens.push(b),
            None => {
                // Not in GPT-2's alphabet: keep the UTF-8 text as it is.
                foreign += 1;
                tracing::debug!(id, "vocabulary token outside the byte alphabet");
                tokens.push(t.as_bytes().to_vec());
            }
        }
    }
    if foreign > 0 {
        tracing::warn!(
            path = %path.display(),
            foreign,
            "vocabulary tokens outside GPT-2's byte alphabet were kept as UTF-8"
        );
    }
    Ok(Vocabulary {
        path: path.to_path_buf(),
        tokens,
        total: entries.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_alphabet_round_trips_danish() {
        let table = unicode_to_bytes();
        assert_eq!(table.len(), 256);
        // "Ġ" is the space byte, "Ċ" newline; "Ã¦" is the UTF-8 of "æ" (C3 A6).
        assert_eq!(token_bytes("Ġhej", &table).unwrap(), b" hej");
        assert_eq!(token_bytes("Ċ", &table).unwrap(), b"\n");
        assert_eq!(
            String::from_utf8(token_bytes("ĠsÃ¦r", &table).unwrap()).unwrap(),
            " sær"
        );
        assert_eq!(token_bytes("€", &table), None);
    }
}
