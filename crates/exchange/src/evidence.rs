//! Evidence: every request and response is signed by its sender (Ed25519) and written to a
//! message log whose entries are hash-chained.
//!
//! - The sender signs what it sent: the message's identity (ids, client, service, method, path,
//!   status, end user, issue) and the SHA-512 of its body. Editing any of that breaks the
//!   signature, which nobody without the sender's key can renew.
//! - Each entry carries its sequence number and the hash of the entry before it, and its own hash
//!   covers both: removing, inserting or reordering entries breaks the chain at that point.
//! - [`verify`] walks a log and names the first entry that was edited, removed or moved.

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};
use std::collections::HashSet;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A new key pair for a subsystem.
pub fn generate_key() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

/// A public key as written in member records and log archives (base64 of its 32 bytes).
pub fn public_key_text(key: &VerifyingKey) -> String {
    B64.encode(key.as_bytes())
}

/// Reads a public key written by [`public_key_text`].
pub fn public_key_from_text(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = B64.decode(text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The SHA-512 of a body, in hex.
pub fn body_digest(body: &[u8]) -> String {
    hex::encode(Sha512::digest(body))
}

/// One message, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// When it was logged (RFC 3339, UTC).
    pub at: String,
    /// `request`, `response` or `error` (the gateway's own refusal or failure).
    pub kind: String,
    pub request_id: String,
    /// `X-Road-Id`.
    pub message_id: String,
    pub client: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    /// `X-Road-UserId`: the person on whose behalf the call was made.
    pub user_id: Option<String>,
    /// `X-Road-Issue`: the case it was made for (an application number).
    pub issue: Option<String>,
    pub body_sha512: String,
    pub body_size: u64,
    /// The body itself (base64), when it is no larger than the log keeps in full.
    pub body: Option<String>,
    /// The subsystem that sent the message and signed it.
    pub signer: String,
    pub signature: String,
    /// The hash of the entry before (empty for the first entry of a log).
    pub prev: String,
    pub hash: String,
}

/// What the sender signs.
#[derive(Serialize)]
struct Signed<'a> {
    kind: &'a str,
    request_id: &'a str,
    message_id: &'a str,
    client: &'a str,
    service: &'a str,
    method: &'a str,
    path: &'a str,
    status: Option<u16>,
    user_id: Option<&'a str>,
    issue: Option<&'a str>,
    body_sha512: &'a str,
    signer: &'a str,
}

impl Entry {
    fn signed_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&Signed {
            kind: &self.kind,
            request_id: &self.request_id,
            message_id: &self.message_id,
            client: &self.client,
            service: &self.service,
            method: &self.method,
            path: &self.path,
            status: self.status,
            user_id: self.user_id.as_deref(),
            issue: self.issue.as_deref(),
            body_sha512: &self.body_sha512,
            signer: &self.signer,
        })
        .expect("plain data serialises")
    }

    /// Signs the message as its sender.
    pub fn sign(&mut self, key: &SigningKey) {
        self.signature = B64.encode(key.sign(&self.signed_bytes()).to_bytes());
    }

    /// Whether the signature is the sender's, over what the entry says.
    pub fn signature_holds(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = B64.decode(&self.signature) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        key.verify(&self.signed_bytes(), &sig).is_ok()
    }

    /// The entry's hash: SHA-256 over everything it holds but the hash itself.
    pub fn compute_hash(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.hash = String::new();
        hex::encode(Sha256::digest(
            serde_json::to_vec(&unsealed).expect("plain data serialises"),
        ))
    }

    /// Puts the entry after `previous` (sequence and hash) and seals it.
    pub fn chain_after(&mut self, previous: Option<(u64, &str)>) {
        let (seq, prev) = previous.map_or((1, ""), |(s, h)| (s + 1, h));
        self.seq = seq;
        self.prev = prev.to_owned();
        self.hash = self.compute_hash();
    }
}

/// Where and why a log stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first entry (by sequence number) found edited, removed or out of place.
    pub seq: u64,
    pub reason: String,
}

/// Checks a log, in stored order, from its first entry or from a known point (`after`: the
/// sequence number and hash of the entry before the first one given, as an archive records).
/// `key_of` gives a signer's public keys (all it has had). Returns how many entries were checked.
pub fn verify(
    entries: &[Entry],
    after: Option<(u64, String)>,
    key_of: impl Fn(&str) -> Vec<VerifyingKey>,
) -> Result<u64, Broken> {
    let (mut expected_seq, mut expected_prev) = match after {
        Some((s, h)) => (s + 1, h),
        None => (1, String::new()),
    };
    let later: HashSet<u64> = entries.iter().map(|e| e.seq).collect();
    for (i, e) in entries.iter().enumerate() {
        if e.seq != expected_seq {
            let moved = entries[i..].iter().any(|x| x.seq == expected_seq);
            return Err(Broken {
                seq: expected_seq,
                reason: if moved {
                    format!(
                        "entry {expected_seq} is out of place (entry {} stands where it should)",
                        e.seq
                    )
                } else if e.seq > expected_seq && !later.contains(&expected_seq) {
                    format!(
                        "entry {expected_seq} was removed (the log goes on at entry {})",
                        e.seq
                    )
                } else {
                    format!("entry {} appears where entry {expected_seq} should", e.seq)
                },
            });
        }
        if e.compute_hash() != e.hash {
            return Err(Broken {
                seq: e.seq,
                reason: format!("entry {} was edited (its hash no longer matches)", e.seq),
            });
        }
        if e.prev != expected_prev {
            // This entry is intact, so the one before it changed after this one was written.
            return Err(Broken {
                seq: e.seq.saturating_sub(1),
                reason: format!(
                    "entry {} was edited or replaced (entry {} recorded another hash for it)",
                    e.seq.saturating_sub(1),
                    e.seq
                ),
            });
        }
        let keys = key_of(&e.signer);
        if keys.is_empty() {
            return Err(Broken {
                seq: e.seq,
                reason: format!(
                    "entry {}: no public key known for signer {}",
                    e.seq, e.signer
                ),
            });
        }
        if !keys.iter().any(|k| e.signature_holds(k)) {
            return Err(Broken {
                seq: e.seq,
                reason: format!(
                    "entry {} was edited (its sender's signature does not match it)",
                    e.seq
                ),
            });
        }
        if let Some(body) = &e.body {
            let intact = B64
                .decode(body)
                .map(|b| body_digest(&b) == e.body_sha512)
                .unwrap_or(false);
            if !intact {
                return Err(Broken {
                    seq: e.seq,
                    reason: format!(
                        "entry {}: the logged body is not the body that was signed",
                        e.seq
                    ),
                });
            }
        }
        expected_seq += 1;
        expected_prev = e.hash.clone();
    }
    Ok(entries.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(key: &SigningKey, n: usize) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for i in 0..n {
            let body = format!("{{\"pinfl\":\"3150590123456{i}\"}}");
            let mut e = Entry {
                seq: 0,
                at: format!("2026-11-27T09:00:0{i}Z"),
                kind: if i % 2 == 0 { "request" } else { "response" }.into(),
                request_id: format!("req-{}", i / 2),
                message_id: format!("msg-{}", i / 2),
                client: "UZ/GOV/201122349/egov-portal".into(),
                service: "UZ/GOV/201000012/civil-registry/persons".into(),
                method: "GET".into(),
                path: "/v1/persons/31505901234567".into(),
                status: (i % 2 == 1).then_some(200),
                user_id: Some("UZ31505901234567".into()),
                issue: Some("YG-7K4M-X9QA".into()),
                body_sha512: body_digest(body.as_bytes()),
                body_size: body.len() as u64,
                body: Some(B64.encode(&body)),
                signer: "UZ/GOV/201122349/egov-portal".into(),
                signature: String::new(),
                prev: String::new(),
                hash: String::new(),
            };
            e.sign(key);
            let previous = out.last().map(|p| (p.seq, p.hash.clone()));
            e.chain_after(previous.as_ref().map(|(s, h)| (*s, h.as_str())));
            out.push(e);
        }
        out
    }

    #[test]
    fn an_untouched_log_verifies_and_every_kind_of_tampering_is_named() {
        let key = generate_key();
        let public = key.verifying_key();
        let keys = |_: &str| vec![public];
        let entries = log(&key, 6);
        assert_eq!(verify(&entries, None, keys), Ok(6));

        // Edited without resealing: the entry's own hash fails.
        let mut edited = entries.clone();
        edited[2].path = "/v1/persons/other".into();
        assert_eq!(verify(&edited, None, keys).unwrap_err().seq, 3);

        // Edited and resealed: its signature fails.
        edited[2].hash = edited[2].compute_hash();
        let broken = verify(&edited, None, keys).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("signature"), "{}", broken.reason);

        // Edited, resealed and re-chained from there on: the signature still fails.
        let mut rechained = entries.clone();
        rechained[2].user_id = None;
        for i in 2..rechained.len() {
            let prev = rechained[i - 1].hash.clone();
            let seq = rechained[i - 1].seq;
            rechained[i].chain_after(Some((seq, &prev)));
        }
        assert_eq!(verify(&rechained, None, keys).unwrap_err().seq, 3);

        // A body swapped for another one.
        let mut body = entries.clone();
        body[4].body = Some(B64.encode("{}"));
        body[4].hash = body[4].compute_hash();
        let broken = verify(&body, None, keys).unwrap_err();
        assert_eq!(broken.seq, 5);
        // An entry removed.
        let mut removed = entries.clone();
        removed.remove(3);
        let broken = verify(&removed, None, keys).unwrap_err();
        assert_eq!(broken.seq, 4);
        assert!(broken.reason.contains("removed"), "{}", broken.reason);
        // The last entry removed is invisible from the log alone; an archive's recorded end
        // (or the node's count) catches it. Two entries swapped:
        let mut swapped = entries.clone();
        swapped.swap(1, 2);
        let broken = verify(&swapped, None, keys).unwrap_err();
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("out of place"), "{}", broken.reason);
        // Renumbered to hide a removal: the chain does not join.
        let mut renumbered = removed.clone();
        for e in renumbered.iter_mut().skip(3) {
            e.seq -= 1;
            e.hash = e.compute_hash();
        }
        assert_eq!(verify(&renumbered, None, keys).unwrap_err().seq, 3);
    }

    #[test]
    fn a_log_checked_from_an_archived_point_and_an_unknown_signer() {
        let key = generate_key();
        let public = key.verifying_key();
        let entries = log(&key, 4);
        let point = Some((entries[1].seq, entries[1].hash.clone()));
        assert_eq!(
            verify(&entries[2..], point.clone(), |_| vec![public]),
            Ok(2)
        );
        assert_eq!(
            verify(&entries[2..], Some((2, "0".repeat(64))), |_| vec![public])
                .unwrap_err()
                .seq,
            2
        );
        assert!(verify(&entries, None, |_| Vec::new())
            .unwrap_err()
            .reason
            .contains("no public key"));
        let other = generate_key().verifying_key();
        assert_eq!(verify(&entries, None, |_| vec![other]).unwrap_err().seq, 1);
        // A key rotated: signatures by the older key still hold.
        assert_eq!(verify(&entries, None, |_| vec![other, public]), Ok(4));
    }

    #[test]
    fn public_keys_read_back() {
        let key = generate_key().verifying_key();
        assert_eq!(public_key_from_text(&public_key_text(&key)), Some(key));
        assert_eq!(public_key_from_text("not a key"), None);
    }
}
