//! Authenticated encryption of everything Dikta keeps: XChaCha20-Poly1305 (RustCrypto) with a
//! random 192-bit nonce per write, under one 256-bit key.
//!
//! A sealed file is `MAGIC (8) | key id (8) | nonce (24) | ciphertext + tag (16)`. The
//! associated data binds the purpose (drafts, outbox, settings, audio), the entry name and the
//! key id, so a file cannot be renamed or moved into another store without failing
//! authentication. The key id (a hash of the key, not the key) tells "sealed with another key"
//! apart from "changed after it was written".

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// Magic and format version at the start of every sealed file.
pub const MAGIC: &[u8; 8] = b"DIKTA\x1aS1";
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 24;
/// Bytes a sealed file has beyond its plaintext.
pub const OVERHEAD: usize = MAGIC.len() + KEY_ID_LEN + NONCE_LEN + 16;

/// The 256-bit key everything is sealed with. Zeroed when dropped; `Debug` never prints it.
#[derive(Clone)]
pub struct MasterKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id {})", hex::encode(self.id()))
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl MasterKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        MasterKey {
            bytes: XChaCha20Poly1305::generate_key(&mut OsRng).into(),
        }
    }

    /// A key from its raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey { bytes }
    }

    /// The raw bytes, for storing the key in a keyring or key file.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// A public fingerprint of the key (first 8 bytes of SHA-256 over a label and the key).
    pub fn id(&self) -> [u8; KEY_ID_LEN] {
        let mut h = Sha256::new();
        h.update(b"dikta key id v1");
        h.update(self.bytes);
        let d = h.finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&d[..KEY_ID_LEN]);
        id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

/// Why a sealed blob could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// Not a Dikta sealed file, truncated, or it fails authentication under the right key.
    Tampered,
    /// Sealed under a different key.
    WrongKey,
}

fn aad(purpose: &str, name: &str, key_id: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(purpose.len() + name.len() + 32);
    a.extend_from_slice(b"dikta/v1/");
    a.extend_from_slice(purpose.as_bytes());
    a.push(0);
    a.extend_from_slice(name.as_bytes());
    a.push(0);
    a.extend_from_slice(key_id);
    a
}

/// Encrypt `plaintext` for the entry `name` of the store `purpose`. `None` only for a
/// plaintext beyond the cipher's limit (256 GiB).
pub fn seal(key: &MasterKey, purpose: &str, name: &str, plaintext: &[u8]) -> Option<Vec<u8>> {
    let key_id = key.id();
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&key_id);
    out.extend_from_slice(&nonce);
    let sealed = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad(purpose, name, &key_id),
            },
        )
        .ok()?;
    out.extend_from_slice(&sealed);
    Some(out)
}

/// Decrypt and authenticate a blob written by [`seal`] for the same purpose and name.
pub fn open(
    key: &MasterKey,
    purpose: &str,
    name: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, OpenError> {
    if sealed.len() < OVERHEAD || &sealed[..MAGIC.len()] != MAGIC {
        return Err(OpenError::Tampered);
    }
    let rest = &sealed[MAGIC.len()..];
    let (key_id, rest) = rest.split_at(KEY_ID_LEN);
    if key_id != key.id() {
        return Err(OpenError::WrongKey);
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    key.cipher()
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: &aad(purpose, name, key_id),
            },
        )
        .map_err(|_| OpenError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_flipped_bit_is_caught() {
        let key = MasterKey::generate();
        let msg = b"Borger sov uroligt. CPR 010203-1234";
        let sealed = seal(&key, "drafts", "a", msg).unwrap();
        assert_eq!(open(&key, "drafts", "a", &sealed).unwrap(), msg);
        assert!(!sealed.windows(7).any(|w| w == &b"uroligt"[..]));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            let r = open(&key, "drafts", "a", &bad);
            assert!(r.is_err(), "flip at byte {i} went unnoticed");
        }
        for len in 0..sealed.len() {
            assert!(open(&key, "drafts", "a", &sealed[..len]).is_err());
        }
    }

    #[test]
    fn name_purpose_and_key_are_bound() {
        let key = MasterKey::generate();
        let sealed = seal(&key, "drafts", "a", b"x").unwrap();
        assert_eq!(open(&key, "drafts", "b", &sealed), Err(OpenError::Tampered));
        assert_eq!(open(&key, "outbox", "a", &sealed), Err(OpenError::Tampered));
        let other = MasterKey::generate();
        assert_eq!(
            open(&other, "drafts", "a", &sealed),
            Err(OpenError::WrongKey)
        );
        assert!(!format!("{key:?}").contains(&hex::encode(key.expose_bytes())));
    }
}
