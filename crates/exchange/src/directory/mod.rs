//! The directory: members (agencies and other organisations), their information systems
//! (subsystems), the services those offer (base URL, OpenAPI description, timeout) and who may
//! call what. It is data — read from the registry folder's `exchange/` files with every problem
//! located, kept in the database, and held in memory by each node as a [`Directory`].
//!
//! Where to start:
//! - [`Directory`] and its queries ([`Directory::member`], [`Directory::service`],
//!   [`Directory::allowed`], [`Directory::node_of`], …): the directory in memory;
//! - [`read_dir`]: the `exchange/` files (one per member, `groups.toml`, `nodes.toml`), read and
//!   checked with every problem located; [`write_dir`] writes a directory back to them;
//! - [`DirectoryStore`]: the directory in the database, and the rights granted and withdrawn on
//!   the administrator pages.
//!
//! Importing files that have not changed since the last import changes nothing
//! ([`DirectoryStore::import`] compares fingerprints), so what administrators granted since
//! survives a restart; before the files are edited, [`write_dir`] writes those grants into them
//! so that the next import keeps them.

use crate::access::{self, Right};
use crate::id::{ClientId, ServiceId};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;
use store::grantee_text;
use yagona_core::I18nText;

mod files;
mod nodes;
mod store;
mod write;

pub use files::{read_dir, Agencies, GOVERNMENT, INSTANCE};
pub use store::{DirectoryStore, MIGRATIONS};
pub use write::write_dir;

/// How long a provider may take to answer, unless its service says otherwise.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// An organisation in the exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// `INSTANCE/CLASS/CODE` (no subsystem).
    pub id: ClientId,
    /// The registry agency it is, if it is one.
    pub agency: Option<String>,
    pub name: I18nText,
    /// The node that hosts it (`exchange/nodes.toml`); none: every node serves it itself.
    pub node: Option<String>,
    pub subsystems: BTreeMap<String, Subsystem>,
}

/// An information system of a member: it calls services and may offer some.
#[derive(Debug, Clone, PartialEq)]
pub struct Subsystem {
    pub id: ClientId,
    pub name: Option<I18nText>,
    /// Its public keys (base64), as the files give them; a node also knows the keys made on
    /// it with `yagona exchange keygen`.
    pub keys: Vec<String>,
    pub services: BTreeMap<String, Service>,
}

/// A REST service a subsystem offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: ServiceId,
    pub title: I18nText,
    /// Where calls go: an absolute `http(s)://` URL, or a path starting with `/` for a service
    /// this node serves itself (the demo registers).
    pub base_url: String,
    /// The OpenAPI description (JSON text), when the provider gave one.
    pub openapi: Option<String>,
    pub timeout_ms: u64,
    pub rights: Vec<Right>,
}

/// A named set of subsystems rights can be granted to at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub code: String,
    pub name: I18nText,
    pub members: Vec<ClientId>,
}

/// A `yagona` node of the exchange, as other nodes reach it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub code: String,
    /// Its exchange listener (mutual TLS): `https://host:port`.
    pub address: String,
    /// Its public key (base64); its TLS certificate must carry it.
    pub key: String,
}

/// The whole directory, as a node holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    pub members: BTreeMap<ClientId, Member>,
    pub groups: BTreeMap<String, Group>,
    /// The address book of nodes (empty: one node serves every member).
    pub nodes: BTreeMap<String, Node>,
}

/// One endpoint of a service, as listed by `listMethods`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
}

impl Directory {
    /// The member a client is or belongs to (looked up without building its identifier: the
    /// gateway does this several times a call).
    pub fn member(&self, id: &ClientId) -> Option<&Member> {
        self.members.get(&MemberOf(id) as &dyn MemberKey)
    }

    pub fn subsystem(&self, id: &ClientId) -> Option<&Subsystem> {
        self.member(id)?.subsystems.get(id.subsystem.as_deref()?)
    }

    pub fn service(&self, id: &ServiceId) -> Option<&Service> {
        self.subsystem(&id.provider)?.services.get(&id.code)
    }

    /// The groups a subsystem belongs to.
    pub fn groups_of(&self, client: &ClientId) -> Vec<String> {
        self.groups
            .values()
            .filter(|g| g.members.contains(client))
            .map(|g| g.code.clone())
            .collect()
    }

    /// Whether `client` may call `method` on `segments` of `service`.
    pub fn allowed(
        &self,
        client: &ClientId,
        service: &Service,
        method: &str,
        segments: &[impl AsRef<str>],
    ) -> bool {
        access::allowed(
            &service.rights,
            client,
            &self.groups_of(client),
            &service.id,
            method,
            segments,
        )
    }

    /// The node hosting a member's subsystems (`None`: every node serves it itself).
    pub fn node_of(&self, id: &ClientId) -> Option<&Node> {
        let code = self.member(id)?.node.as_deref()?;
        self.nodes.get(code)
    }

    /// The node whose key this is.
    pub fn node_with_key(&self, key: &VerifyingKey) -> Option<&Node> {
        let text = crate::evidence::public_key_text(key);
        self.nodes.values().find(|n| n.key == text)
    }

    /// Every subsystem, in identifier order.
    pub fn subsystems(&self) -> impl Iterator<Item = &Subsystem> {
        self.members.values().flat_map(|m| m.subsystems.values())
    }

    /// Puts rights and group members in one order (as the database returns them), so that the
    /// same content compares equal however it was written.
    fn normalise(&mut self) {
        for m in self.members.values_mut() {
            for s in m.subsystems.values_mut() {
                s.keys.sort();
                s.keys.dedup();
                for v in s.services.values_mut() {
                    v.rights.sort_by_cached_key(|r| {
                        (grantee_text(&r.grantee), r.method.clone(), r.path.clone())
                    });
                    v.rights.dedup();
                }
            }
        }
        for g in self.groups.values_mut() {
            g.members.sort_by_cached_key(|c| c.to_string());
            g.members.dedup();
        }
    }

    /// A stable fingerprint of the content, to tell whether files changed since the last import.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(format!("{self:?}").as_bytes()))
    }
}

impl Service {
    /// The endpoints its OpenAPI description declares (method and path, `{param}` as `*`), or
    /// the whole service when it has none.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        let doc: Option<serde_json::Value> = self
            .openapi
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        let Some(paths) = doc
            .as_ref()
            .and_then(|d| d.get("paths"))
            .and_then(|p| p.as_object())
        else {
            return vec![Endpoint {
                method: "*".into(),
                path: "/**".into(),
            }];
        };
        let mut out = Vec::new();
        for (path, item) in paths {
            let glob: Vec<String> = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') && s.ends_with('}') {
                        "*".to_owned()
                    } else {
                        s.to_owned()
                    }
                })
                .collect();
            for method in item.as_object().into_iter().flat_map(|o| o.keys()) {
                let upper = method.to_ascii_uppercase();
                if access::METHODS.contains(&upper.as_str()) {
                    out.push(Endpoint {
                        method: upper,
                        path: glob.join("/"),
                    });
                }
            }
        }
        out.sort();
        out
    }
}

/// A member's identifier as its parts, so that members (keyed by their [`ClientId`]) can be
/// looked up by a subsystem's identifier in place ([`Directory::member`]).
trait MemberKey {
    fn parts(&self) -> (&str, &str, &str, Option<&str>);
}

impl MemberKey for ClientId {
    fn parts(&self) -> (&str, &str, &str, Option<&str>) {
        (
            &self.instance,
            &self.class,
            &self.member,
            self.subsystem.as_deref(),
        )
    }
}

/// The member a client is or belongs to, as a key.
struct MemberOf<'a>(&'a ClientId);

impl MemberKey for MemberOf<'_> {
    fn parts(&self) -> (&str, &str, &str, Option<&str>) {
        (&self.0.instance, &self.0.class, &self.0.member, None)
    }
}

impl<'a> std::borrow::Borrow<dyn MemberKey + 'a> for ClientId {
    fn borrow(&self) -> &(dyn MemberKey + 'a) {
        self
    }
}

// The same order as `ClientId`'s own (derived: field by field, no subsystem first).
impl PartialEq for dyn MemberKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn MemberKey + '_ {}

impl PartialOrd for dyn MemberKey + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn MemberKey + '_ {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts().cmp(&other.parts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members are found by any of their subsystems' identifiers, among neighbours in the
    /// order (a key order that disagreed with `ClientId`'s would miss some of them).
    #[test]
    fn a_member_is_found_by_its_subsystems_identifier() {
        let mut d = Directory::default();
        let codes = ["GOV/123", "GOV/1234", "COM/123", "GOV/12", "NGO/9"];
        for code in codes {
            let (class, member) = code.split_once('/').unwrap();
            let id = ClientId {
                instance: "UZ".into(),
                class: class.into(),
                member: member.into(),
                subsystem: None,
            };
            d.members.insert(
                id.clone(),
                Member {
                    id,
                    agency: None,
                    name: I18nText::default(),
                    node: None,
                    subsystems: BTreeMap::new(),
                },
            );
        }
        for code in codes {
            let (class, member) = code.split_once('/').unwrap();
            let sub = ClientId::subsystem("UZ", class, member, "portal");
            assert_eq!(d.member(&sub).map(|m| m.id.member.as_str()), Some(member));
            assert_eq!(
                d.member(&sub.member_id()).map(|m| &m.id),
                Some(&sub.member_id())
            );
        }
        assert!(d
            .member(&ClientId::subsystem("UZ", "GOV", "1235", "portal"))
            .is_none());
        assert!(d
            .member(&ClientId::subsystem("EE", "GOV", "123", "portal"))
            .is_none());
    }
}
