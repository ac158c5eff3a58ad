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
    from_entries(path, entries)
}

/// Keeps the text tokens (ids below end-of-text) of a vocabulary listed in id order.
fn from_entries(path: &Path, entries: Vec<String>) -> Result<Vocabulary, ModelError> {
    let bad = |reason: String| ModelError::Vocabulary {
        path: path.to_path_buf(),
        reason,
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

/// Loads a Hugging Face tokenizer's vocabulary from `vocab.json` (+ `added_tokens.json`) or
/// `tokenizer.json`, in id order.
pub fn load_hf_vocabulary(dir: &Path) -> Result<Vocabulary, ModelError> {
    let read_json = |p: &Path| -> Result<serde_json::Value, ModelError> {
        let text = std::fs::read_to_string(p).map_err(|e| ModelError::io(p, e))?;
        serde_json::from_str(&text).map_err(|e| ModelError::Vocabulary {
            path: p.to_path_buf(),
            reason: format!("not valid JSON: {e}"),
        })
    };
    let mut ids: Vec<(u64, String)> = Vec::new();
    let vocab_json = dir.join("vocab.json");
    let tokenizer_json = dir.join("tokenizer.json");
    let path = if vocab_json.is_file() {
        if let serde_json::Value::Object(m) = read_json(&vocab_json)? {
            ids.extend(m.into_iter().filter_map(|(k, v)| Some((v.as_u64()?, k))));
        }
        let added = dir.join("added_tokens.json");
        if added.is_file() {
            if let serde_json::Value::Object(m) = read_json(&added)? {
                ids.extend(m.into_iter().filter_map(|(k, v)| Some((v.as_u64()?, k))));
            }
        }
        vocab_json
    } else if tokenizer_json.is_file() {
        let v = read_json(&tokenizer_json)?;
        if let Some(m) = v.pointer("/model/vocab").and_then(|m| m.as_object()) {
            ids.extend(m.iter().filter_map(|(k, v)| Some((v.as_u64()?, k.clone()))));
        }
        if let Some(a) = v.get("added_tokens").and_then(|a| a.as_array()) {
            ids.extend(a.iter().filter_map(|t| {
                Some((
                    t.get("id")?.as_u64()?,
                    t.get("content")?.as_str()?.to_string(),
                ))
            }));
        }
        tokenizer_json
    } else {
        return Err(ModelError::MissingFile {
            dir: dir.to_path_buf(),
            what: "vocab.json or tokenizer.json".into(),
        });
    };
    let max = ids
        .iter()
        .map(|(i, _)| *i)
        .max()
        .ok_or_else(|| ModelError::Vocabulary {
            path: path.clone(),
            reason: "no tokens".into(),
        })?;
    if max > 10_000_000 {
        return Err(ModelError::Vocabulary {
            path,
            reason: format!("token id {max} is implausible"),
        });
    }
    let mut entries = vec![String::new(); max as usize + 1];
    for (id, token) in ids {
        entries[id as usize] = token;
    }
    from_entries(&path, entries)
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
