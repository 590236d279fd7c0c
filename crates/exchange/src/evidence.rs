//! Evidence: every request and response is signed by its sender (Ed25519) and written to a
//! message log whose entries are hash-chained.
//!
//! - The sender signs what it sent: the message's identity (ids, client, service, method, path,
//!   status, end user, issue) and the SHA-512 of its body. Editing any of that breaks the
//!   signature, which nobody without the sender's key can renew.
//! - Each entry carries its sequence number and the hash of the entry before it, and its own hash
//!   covers both: removing, inserting or reordering entries breaks the chain at that point.
//! - The node that appends an entry seals it with its own key (the node's key, or a log key of
//!   its own): a signature over the entry's sequence number, time, size, the message its sender
//!   signed, and the seal of the entry before it — so the chain is keyed, and someone who can
//!   write to the database but has no node's key cannot move an entry's time, or remove entries
//!   and renumber the rest, without breaking a seal. Because each seal links to the *seal* before
//!   it (which nobody can renew) rather than to the hash, a rewrite can be named precisely: an
//!   entry whose successor still accepts it but whose own seal fails had its time changed; an
//!   entry sealed under another number tells how many were removed before it.
//! - Entries written before sealing began (logs of format 1) carry no seal; once one entry is
//!   sealed, every later one must be.
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
    /// The node that sealed the entry into the chain (none in entries written before sealing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealer: Option<String>,
    /// The sealer's signature (base64) over [`Entry::seal_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

/// What an entry's seal links to: the seal of the entry before it, or — before an entry
/// written prior to sealing, or an archive's end — that entry's hash.
pub fn link_of(previous: Option<&Entry>) -> String {
    previous.map_or_else(String::new, |p| {
        p.seal.clone().unwrap_or_else(|| p.hash.clone())
    })
}

/// A key that seals entries into the chain, with the name the entries record.
#[derive(Clone)]
pub struct Sealer {
    pub name: String,
    pub key: SigningKey,
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

    /// What a seal signs: the entry's place (sequence number), time and size, the digest of what
    /// its sender signed with the sender's signature, the sealer, and `link` (the seal of the
    /// entry before: [`link_of`]).
    pub fn seal_bytes(&self, seq: u64, link: &str) -> Vec<u8> {
        let content = hex::encode(Sha256::digest(self.signed_bytes()));
        format!(
            "yagona-exchange-seal/1\n{seq}\n{}\n{}\n{content}\n{}\n{}\n{link}",
            self.at,
            self.body_size,
            self.signature,
            self.sealer.as_deref().unwrap_or("")
        )
        .into_bytes()
    }

    /// Whether the entry's seal holds for this place and link with one of `keys`.
    pub fn seal_holds(&self, seq: u64, link: &str, keys: &[VerifyingKey]) -> bool {
        let Some(sig) = self
            .seal
            .as_deref()
            .and_then(|s| B64.decode(s).ok())
            .and_then(|b| Signature::from_slice(&b).ok())
        else {
            return false;
        };
        let bytes = self.seal_bytes(seq, link);
        keys.iter().any(|k| k.verify(&bytes, &sig).is_ok())
    }

    /// The entry's hash: SHA-256 over everything it holds but the hash itself.
    pub fn compute_hash(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.hash = String::new();
        hex::encode(Sha256::digest(
            serde_json::to_vec(&unsealed).expect("plain data serialises"),
        ))
    }

    /// Puts the entry after `previous` (sequence and hash) and hashes it.
    pub fn chain_after(&mut self, previous: Option<(u64, &str)>) {
        let (seq, prev) = previous.map_or((1, ""), |(s, h)| (s + 1, h));
        self.seq = seq;
        self.prev = prev.to_owned();
        self.hash = self.compute_hash();
    }

    /// Puts the entry after `previous` (sequence and hash), seals it with `sealer` linked to
    /// `link` (the previous entry's seal: [`link_of`]), and hashes it.
    pub fn seal_after(&mut self, previous: Option<(u64, &str)>, link: &str, sealer: &Sealer) {
        let (seq, prev) = previous.map_or((1, ""), |(s, h)| (s + 1, h));
        self.seq = seq;
        self.prev = prev.to_owned();
        self.sealer = Some(sealer.name.clone());
        self.seal = Some(B64.encode(sealer.key.sign(&self.seal_bytes(seq, link)).to_bytes()));
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
/// Seals are not checked here (no sealer keys): see [`Walk`].
pub fn verify(
    entries: &[Entry],
    after: Option<(u64, String)>,
    key_of: impl Fn(&str) -> Vec<VerifyingKey>,
) -> Result<u64, Broken> {
    let mut walk = Walk::new(after.map(|(seq, hash)| (seq, hash.clone(), hash)), None);
    walk.check_seals = false;
    walk.check(entries, None, &key_of, &|_: &str| Vec::new())?;
    Ok(walk.checked)
}

/// A walk along a log, page by page: where the next entry must continue from, and what was
/// found so far.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The sequence number, hash and link ([`link_of`]) of the last entry checked.
    pub last: Option<(u64, String, String)>,
    /// From which entry on every entry must be sealed (the first sealed one, or what a
    /// checkpoint or the log's head says).
    pub sealed_from: Option<u64>,
    pub checked: u64,
    /// Entries written before sealing began.
    pub unsealed: u64,
    check_seals: bool,
}

impl Walk {
    /// A walk from a point (`(seq, hash, link)` of the entry before the first to be given).
    pub fn new(after: Option<(u64, String, String)>, sealed_from: Option<u64>) -> Walk {
        Walk {
            last: after,
            sealed_from,
            checked: 0,
            unsealed: 0,
            check_seals: true,
        }
    }

    /// Checks the next entries (in stored order); `next` is the entry after the last of them,
    /// if any (a seal that fails is explained by the seal after it).
    pub fn check(
        &mut self,
        entries: &[Entry],
        next: Option<&Entry>,
        key_of: &dyn Fn(&str) -> Vec<VerifyingKey>,
        sealer_keys: &dyn Fn(&str) -> Vec<VerifyingKey>,
    ) -> Result<(), Broken> {
        let later: HashSet<u64> = entries.iter().map(|e| e.seq).collect();
        for (i, e) in entries.iter().enumerate() {
            let (expected_seq, expected_prev, link) = match &self.last {
                Some((s, h, l)) => (s + 1, h.clone(), l.clone()),
                None => (1, String::new(), String::new()),
            };
            let broken = |seq: u64, reason: String| Err(Broken { seq, reason });
            if e.seq != expected_seq {
                let moved = entries[i..].iter().any(|x| x.seq == expected_seq);
                return broken(
                    expected_seq,
                    if moved {
                        format!(
                            "entry {expected_seq} is out of place (entry {} stands where it should)",
                            e.seq
                        )
                    } else if e.seq > expected_seq && !later.contains(&expected_seq) {
                        let to = e.seq - 1;
                        if to > expected_seq {
                            format!("entries {expected_seq}–{to} were removed (the log goes on at entry {})", e.seq)
                        } else {
                            format!(
                                "entry {expected_seq} was removed (the log goes on at entry {})",
                                e.seq
                            )
                        }
                    } else {
                        format!("entry {} appears where entry {expected_seq} should", e.seq)
                    },
                );
            }
            if e.compute_hash() != e.hash {
                return broken(
                    e.seq,
                    format!("entry {} was edited (its hash no longer matches)", e.seq),
                );
            }
            if e.prev != expected_prev {
                // This entry is intact, so the one before it changed after this one was written.
                return broken(
                    e.seq.saturating_sub(1),
                    format!(
                        "entry {} was edited or replaced (entry {} recorded another hash for it)",
                        e.seq.saturating_sub(1),
                        e.seq
                    ),
                );
            }
            let keys = key_of(&e.signer);
            if keys.is_empty() {
                return broken(
                    e.seq,
                    format!(
                        "entry {}: no public key known for signer {}",
                        e.seq, e.signer
                    ),
                );
            }
            if !keys.iter().any(|k| e.signature_holds(k)) {
                return broken(
                    e.seq,
                    format!(
                        "entry {} was edited (its sender's signature does not match it)",
                        e.seq
                    ),
                );
            }
            let mut size_holds = false;
            if let Some(body) = &e.body {
                let decoded = B64.decode(body).ok();
                let intact = decoded
                    .as_ref()
                    .is_some_and(|b| body_digest(b) == e.body_sha512);
                if !intact {
                    return broken(
                        e.seq,
                        format!(
                            "entry {}: the logged body is not the body that was signed",
                            e.seq
                        ),
                    );
                }
                size_holds = decoded.is_some_and(|b| b.len() as u64 == e.body_size);
                if !size_holds && e.seal.is_some() {
                    return broken(
                        e.seq,
                        format!(
                            "entry {}: its recorded size was changed ({} bytes logged, {} recorded)",
                            e.seq,
                            e.body.as_ref().map_or(0, |b| B64.decode(b).map_or(0, |b| b.len())),
                            e.body_size
                        ),
                    );
                }
            }
            if self.check_seals {
                self.check_seal(
                    e,
                    &link,
                    entries.get(i + 1).or(next),
                    size_holds,
                    sealer_keys,
                )?;
            }
            self.checked += 1;
            self.last = Some((e.seq, e.hash.clone(), link_of(Some(e))));
        }
        Ok(())
    }

    fn check_seal(
        &mut self,
        e: &Entry,
        link: &str,
        next: Option<&Entry>,
        size_holds: bool,
        sealer_keys: &dyn Fn(&str) -> Vec<VerifyingKey>,
    ) -> Result<(), Broken> {
        let broken = |reason: String| Err(Broken { seq: e.seq, reason });
        let Some(sealer) = &e.sealer else {
            if e.seal.is_some() {
                return broken(format!("entry {}: its sealer was removed", e.seq));
            }
            if self.sealed_from.is_some_and(|from| e.seq >= from) {
                return broken(format!(
                    "entry {}: it carries no seal, though every entry from {} on was sealed (its seal was removed, or it was written by someone without the node's key)",
                    e.seq,
                    self.sealed_from.unwrap_or(1)
                ));
            }
            self.unsealed += 1;
            return Ok(());
        };
        self.sealed_from.get_or_insert(e.seq);
        let keys = sealer_keys(sealer);
        if keys.is_empty() {
            return broken(format!(
                "entry {}: no public key known for sealer {sealer}",
                e.seq
            ));
        }
        if e.seal_holds(e.seq, link, &keys) {
            return Ok(());
        }
        // The seal fails: ask the seal after it, which nobody could renew either.
        let own_link = link_of(Some(e));
        if let Some(n) = next {
            let next_keys = n.sealer.as_deref().map(sealer_keys).unwrap_or_default();
            if n.seal_holds(n.seq, &own_link, &next_keys) {
                // The next entry still takes this one, at this place: what changed is what only
                // this entry's seal covers — its time (or size).
                return broken(if size_holds {
                    format!(
                        "entry {}: its time was changed after it was sealed (it now says {})",
                        e.seq, e.at
                    )
                } else {
                    format!(
                        "entry {}: its time or recorded size was changed after it was sealed (it now says {}, {} bytes)",
                        e.seq, e.at, e.body_size
                    )
                });
            }
            for d in (1..=256u64)
                .map(|d| d as i64)
                .chain((1..=16).map(|d: i64| -d))
            {
                let Some(original) = n.seq.checked_add_signed(d) else {
                    continue;
                };
                if n.seal_holds(original, &own_link, &next_keys) {
                    let was = original - 1;
                    return broken(if d > 0 {
                        let (from, to) = (e.seq, e.seq + d as u64 - 1);
                        let what = if from == to {
                            format!("entry {from} is missing")
                        } else {
                            format!("entries {from}–{to} are missing")
                        };
                        format!("{what}: the entries after them were renumbered (entry {} was sealed as entry {was})", e.seq)
                    } else {
                        format!(
                            "entries were inserted before entry {}: it was sealed as entry {was} and renumbered",
                            e.seq
                        )
                    });
                }
            }
        }
        broken(format!(
            "entry {}: the seal of {sealer} does not match it — it was changed, moved or put in after it was sealed",
            e.seq
        ))
    }
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
                sealer: None,
                seal: None,
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

    fn sealed_log(key: &SigningKey, sealer: &Sealer, n: usize) -> Vec<Entry> {
        let mut out = log(key, n);
        for i in 0..out.len() {
            let (previous, link) = match i {
                0 => (None, String::new()),
                _ => (
                    Some((out[i - 1].seq, out[i - 1].hash.clone())),
                    link_of(Some(&out[i - 1])),
                ),
            };
            out[i].seal_after(
                previous.as_ref().map(|(s, h)| (*s, h.as_str())),
                &link,
                sealer,
            );
        }
        out
    }

    fn walk(entries: &[Entry], signer: VerifyingKey, sealer: VerifyingKey) -> Result<Walk, Broken> {
        let mut w = Walk::new(None, None);
        w.check(entries, None, &|_| vec![signer], &|_| vec![sealer])?;
        Ok(w)
    }

    /// Renumbers entries from `from` on and chains them again, as someone who can write to the
    /// database but holds no key would: every hash is right again.
    fn rechain(entries: &mut [Entry], from: usize) {
        for i in from..entries.len() {
            let (seq, prev) = match i {
                0 => (0, String::new()),
                _ => (entries[i - 1].seq, entries[i - 1].hash.clone()),
            };
            entries[i].seq = seq + 1;
            entries[i].prev = prev;
            entries[i].hash = entries[i].compute_hash();
        }
    }

    #[test]
    fn a_rewritten_sealed_log_names_what_was_rewritten() {
        let key = generate_key();
        let sealer = Sealer {
            name: "a".into(),
            key: generate_key(),
        };
        let (public, sealing) = (key.verifying_key(), sealer.key.verifying_key());
        let entries = sealed_log(&key, &sealer, 8);
        assert_eq!(walk(&entries, public, sealing).unwrap().checked, 8);

        // An entry's time moved, the chain's hashes made right again.
        let mut moved = entries.clone();
        moved[4].at = "2026-11-26T09:00:00Z".into();
        rechain(&mut moved, 4);
        assert_eq!(
            verify(&moved, None, |_| vec![public]),
            Ok(8),
            "the hashes agree"
        );
        let broken = walk(&moved, public, sealing).unwrap_err();
        assert_eq!(broken.seq, 5);
        assert!(
            broken.reason.contains("time was changed"),
            "{}",
            broken.reason
        );

        // A request and its response removed, the rest renumbered and chained again.
        let mut removed = entries.clone();
        removed.drain(2..4);
        rechain(&mut removed, 2);
        assert_eq!(verify(&removed, None, |_| vec![public]), Ok(6));
        let broken = walk(&removed, public, sealing).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(
            broken.reason.contains("entries 3–4 are missing"),
            "{}",
            broken.reason
        );

        // Seals stripped from the end and everything after rewritten: every entry after the
        // first sealed one must be sealed.
        let mut stripped = entries.clone();
        for e in &mut stripped[5..] {
            e.seal = None;
            e.sealer = None;
        }
        rechain(&mut stripped, 5);
        let broken = walk(&stripped, public, sealing).unwrap_err();
        assert_eq!(broken.seq, 6);
        assert!(broken.reason.contains("no seal"), "{}", broken.reason);

        // Resealed with a key that is not the node's.
        let mut forged = entries.clone();
        let impostor = Sealer {
            name: "a".into(),
            key: generate_key(),
        };
        forged[7].seal_after(
            Some((7, &entries[6].hash.clone())),
            &link_of(Some(&entries[6])),
            &impostor,
        );
        let broken = walk(&forged, public, sealing).unwrap_err();
        assert_eq!(broken.seq, 8);
        assert!(
            broken.reason.contains("seal of a does not match"),
            "{}",
            broken.reason
        );

        // A log of format 1 (no seals at all) still verifies, its entries counted as unsealed.
        let old = log(&key, 3);
        assert_eq!(walk(&old, public, sealing).unwrap().unsealed, 3);
    }

    #[test]
    fn public_keys_read_back() {
        let key = generate_key().verifying_key();
        assert_eq!(public_key_from_text(&public_key_text(&key)), Some(key));
        assert_eq!(public_key_from_text("not a key"), None);
    }
}
