//! The directory: members (agencies and other organisations), their information systems
//! (subsystems), the services those offer (base URL, OpenAPI description, timeout) and who may
//! call what. It is data — read from the registry folder's `exchange/` files with every problem
//! located, kept in the database, and held in memory by each node as a [`Directory`].

use crate::access::{self, Grantee, Right};
use crate::id::{ClientId, ServiceId};
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use yagona_core::I18nText;
use yagona_registry::files::{toml_file, Problem};

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

// ----- the files -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
    /// The registry agency this member is: `UZ/GOV/<its STIR>`.
    agency: Option<String>,
    /// Or another organisation: `INSTANCE/CLASS/CODE`, with a name.
    member: Option<String>,
    name: Option<I18nText>,
    /// The node hosting it (a code of `nodes.toml`); none: every node serves it.
    node: Option<String>,
    #[serde(default)]
    subsystem: Vec<SubsystemFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubsystemFile {
    code: String,
    name: Option<I18nText>,
    /// Public keys (base64 of the 32 bytes, as `yagona exchange keygen` prints them).
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    service: Vec<ServiceFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    code: String,
    title: I18nText,
    base_url: String,
    openapi: Option<String>,
    timeout_ms: Option<u64>,
    #[serde(default)]
    right: Vec<RightFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RightFile {
    subsystem: Option<String>,
    group: Option<String>,
    #[serde(default = "any_method")]
    method: String,
    #[serde(default = "whole_service")]
    path: String,
}

fn any_method() -> String {
    "*".into()
}
fn whole_service() -> String {
    "/**".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodesFile {
    #[serde(default)]
    node: Vec<NodeFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    code: String,
    address: String,
    key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsFile {
    #[serde(default)]
    group: Vec<GroupFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    code: String,
    name: I18nText,
    members: Vec<String>,
}

/// What the exchange files need to know about the registry's agencies: code → (STIR, name).
pub type Agencies = HashMap<String, (String, I18nText)>;

/// The instance and member class of state bodies.
pub const INSTANCE: &str = "UZ";
pub const GOVERNMENT: &str = "GOV";

struct Reader<'a> {
    root: &'a Path,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, path: &Path, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: path.strip_prefix(self.root).unwrap_or(path).to_path_buf(),
            location: location.into(),
            message: message.into(),
        });
    }

    fn texts(&mut self, path: &Path, key: &str, text: &I18nText) {
        for l in text.missing() {
            self.problem(
                path,
                format!("{key}.{}", l.tag()),
                "text is missing in this language",
            );
        }
    }
}

/// Reads `root/exchange/`: one file per member (`<name>.toml`), `groups.toml`, and the OpenAPI
/// descriptions the services name (paths relative to `exchange/`). No folder means an empty
/// directory. Every problem is reported with its file and location.
pub fn read_dir(root: &Path, agencies: &Agencies) -> Result<Directory, Vec<Problem>> {
    let dir = root.join("exchange");
    let mut r = Reader {
        root,
        problems: Vec::new(),
    };
    let mut directory = Directory::default();
    if !dir.is_dir() {
        return Ok(directory);
    }
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => {
            r.problem(&dir, "", format!("cannot read: {e}"));
            return Err(r.problems);
        }
    };
    files.sort();
    // Rights name subsystems and groups that may come later: checked once all is read.
    let mut grants: Vec<(std::path::PathBuf, String, ServiceId, RightFile)> = Vec::new();
    read_nodes(&mut r, &dir, &mut directory);
    for path in &files {
        if path
            .file_name()
            .is_some_and(|n| n == "groups.toml" || n == "nodes.toml")
        {
            continue;
        }
        let file: MemberFile = match toml_file(root, path) {
            Ok(f) => f,
            Err(p) => {
                r.problems.push(p);
                continue;
            }
        };
        let Some(member) = read_member(&mut r, path, &file, agencies) else {
            continue;
        };
        if directory.members.contains_key(&member.id) {
            r.problem(path, "", format!("member {} is described twice", member.id));
            continue;
        }
        let mut member = member;
        if let Some(node) = &file.node {
            if directory.nodes.contains_key(node) {
                member.node = Some(node.clone());
            } else {
                r.problem(
                    path,
                    "node",
                    format!("no node {node:?} in exchange/nodes.toml"),
                );
            }
        }
        for (si, s) in file.subsystem.into_iter().enumerate() {
            let at = format!("subsystem[{si}]");
            if let Err(why) = crate::id::check_part(&s.code) {
                r.problem(path, format!("{at}.code"), format!("{:?}: {why}", s.code));
                continue;
            }
            let code = s.code.clone();
            if let Some(n) = &s.name {
                r.texts(path, &format!("{at}.name"), n);
            }
            let id = ClientId {
                subsystem: Some(code.clone()),
                ..member.id.clone()
            };
            for (ki, k) in s.keys.iter().enumerate() {
                if crate::evidence::public_key_from_text(k).is_none() {
                    r.problem(
                        path,
                        format!("{at}.keys[{ki}]"),
                        "not an Ed25519 public key (base64 of 32 bytes, as `yagona exchange keygen` prints it)",
                    );
                }
            }
            let mut subsystem = Subsystem {
                id: id.clone(),
                name: s.name,
                keys: s.keys.iter().map(|k| k.trim().to_owned()).collect(),
                services: BTreeMap::new(),
            };
            for (vi, v) in s.service.into_iter().enumerate() {
                let at = format!("{at}.service[{vi}]");
                if let Err(why) = crate::id::check_part(&v.code) {
                    r.problem(path, format!("{at}.code"), format!("{:?}: {why}", v.code));
                    continue;
                }
                r.texts(path, &format!("{at}.title"), &v.title);
                if v.base_url == crate::pubsub::BASE_URL {
                    if !crate::pubsub::SERVICES.contains(&v.code.as_str()) {
                        r.problem(
                            path,
                            format!("{at}.code"),
                            "a room's services (base URL yagona:pubsub) are api, pub and pull",
                        );
                    }
                } else if let Err(m) = check_base_url(&v.base_url) {
                    r.problem(path, format!("{at}.base_url"), m);
                }
                let timeout_ms = v.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
                if !(100..=300_000).contains(&timeout_ms) {
                    r.problem(
                        path,
                        format!("{at}.timeout_ms"),
                        "a timeout is between 100 and 300000 milliseconds",
                    );
                }
                let openapi = v
                    .openapi
                    .as_deref()
                    .and_then(|f| read_openapi(&mut r, path, &format!("{at}.openapi"), &dir, f));
                let service_id = ServiceId {
                    provider: id.clone(),
                    code: v.code.clone(),
                };
                if subsystem.services.contains_key(&v.code) {
                    r.problem(
                        path,
                        format!("{at}.code"),
                        format!("service {:?} is described twice", v.code),
                    );
                    continue;
                }
                for (ri, right) in v.right.into_iter().enumerate() {
                    grants.push((
                        path.clone(),
                        format!("{at}.right[{ri}]"),
                        service_id.clone(),
                        right,
                    ));
                }
                subsystem.services.insert(
                    v.code,
                    Service {
                        id: service_id,
                        title: v.title,
                        base_url: v.base_url.trim_end_matches('/').to_owned(),
                        openapi,
                        timeout_ms,
                        rights: Vec::new(),
                    },
                );
            }
            if member.subsystems.insert(code.clone(), subsystem).is_some() {
                r.problem(
                    path,
                    format!("{at}.code"),
                    format!("subsystem {code:?} is described twice"),
                );
            }
        }
        directory.members.insert(member.id.clone(), member);
    }
    let groups_path = dir.join("groups.toml");
    if groups_path.exists() {
        match toml_file::<GroupsFile>(root, &groups_path) {
            Err(p) => r.problems.push(p),
            Ok(file) => {
                for (gi, g) in file.group.into_iter().enumerate() {
                    let at = format!("group[{gi}]");
                    r.texts(&groups_path, &format!("{at}.name"), &g.name);
                    let mut members = Vec::new();
                    for (mi, m) in g.members.iter().enumerate() {
                        match subsystem_ref(&directory, m) {
                            Ok(id) => members.push(id),
                            Err(msg) => r.problem(&groups_path, format!("{at}.members[{mi}]"), msg),
                        }
                    }
                    if directory.groups.contains_key(&g.code) {
                        r.problem(
                            &groups_path,
                            format!("{at}.code"),
                            format!("group {:?} is described twice", g.code),
                        );
                    }
                    directory.groups.insert(
                        g.code.clone(),
                        Group {
                            code: g.code,
                            name: g.name,
                            members,
                        },
                    );
                }
            }
        }
    }
    for (path, at, service, right) in grants {
        let grantee = match (&right.subsystem, &right.group) {
            (Some(s), None) => match subsystem_ref(&directory, s) {
                Ok(id) => Grantee::Subsystem(id),
                Err(msg) => {
                    r.problem(&path, format!("{at}.subsystem"), msg);
                    continue;
                }
            },
            (None, Some(g)) if directory.groups.contains_key(g) => Grantee::Group(g.clone()),
            (None, Some(g)) => {
                r.problem(
                    &path,
                    format!("{at}.group"),
                    format!("no group {g:?} in exchange/groups.toml"),
                );
                continue;
            }
            _ => {
                r.problem(
                    &path,
                    at,
                    "a right names exactly one of `subsystem` or `group`",
                );
                continue;
            }
        };
        let method = right.method.to_ascii_uppercase();
        if !access::valid_method(&method) {
            r.problem(
                &path,
                format!("{at}.method"),
                format!("{:?} is not an HTTP method (or `*`)", right.method),
            );
            continue;
        }
        if !access::valid_path_glob(&right.path) {
            r.problem(
                &path,
                format!("{at}.path"),
                "a path glob starts with `/` and has no spaces (`/**` is the whole service)",
            );
            continue;
        }
        let target = directory
            .members
            .get_mut(&service.provider.member_id())
            .and_then(|m| m.subsystems.get_mut(service.provider.subsystem.as_deref()?))
            .and_then(|s| s.services.get_mut(&service.code));
        if let Some(target) = target {
            target.rights.push(Right {
                grantee,
                service: service.clone(),
                method,
                path: right.path,
            });
        }
    }
    directory.normalise();
    if r.problems.is_empty() {
        Ok(directory)
    } else {
        Err(r.problems)
    }
}

fn read_member(
    r: &mut Reader,
    path: &Path,
    file: &MemberFile,
    agencies: &Agencies,
) -> Option<Member> {
    match (&file.agency, &file.member) {
        (Some(code), None) => {
            let Some((stir, name)) = agencies.get(code) else {
                r.problem(
                    path,
                    "agency",
                    format!("no agency {code:?} in the registry"),
                );
                return None;
            };
            Some(Member {
                id: ClientId {
                    instance: INSTANCE.into(),
                    class: GOVERNMENT.into(),
                    member: stir.clone(),
                    subsystem: None,
                },
                agency: Some(code.clone()),
                name: file.name.clone().unwrap_or_else(|| name.clone()),
                node: None,
                subsystems: BTreeMap::new(),
            })
        }
        (None, Some(id)) => {
            let id = match ClientId::from_header(id) {
                Ok(id) if id.subsystem.is_none() => id,
                _ => {
                    r.problem(path, "member", format!("{id:?} is not INSTANCE/CLASS/CODE"));
                    return None;
                }
            };
            let Some(name) = &file.name else {
                r.problem(path, "name", "a member that is not an agency needs a name");
                return None;
            };
            r.texts(path, "name", name);
            Some(Member {
                id,
                agency: None,
                name: name.clone(),
                node: None,
                subsystems: BTreeMap::new(),
            })
        }
        _ => {
            r.problem(
                path,
                "",
                "a member file names exactly one of `agency` or `member`",
            );
            None
        }
    }
}

/// `exchange/nodes.toml`: the nodes' codes, addresses and keys.
fn read_nodes(r: &mut Reader, dir: &Path, directory: &mut Directory) {
    let path = dir.join("nodes.toml");
    if !path.exists() {
        return;
    }
    let file: NodesFile = match toml_file(r.root, &path) {
        Ok(f) => f,
        Err(p) => {
            r.problems.push(p);
            return;
        }
    };
    for (i, n) in file.node.into_iter().enumerate() {
        let at = format!("node[{i}]");
        if let Err(why) = crate::id::check_part(&n.code) {
            r.problem(&path, format!("{at}.code"), format!("{:?}: {why}", n.code));
            continue;
        }
        match url::Url::parse(&n.address) {
            Ok(u)
                if u.scheme() == "https"
                    && u.host().is_some()
                    && (u.path() == "/" || u.path().is_empty())
                    && u.query().is_none() => {}
            _ => {
                r.problem(
                    &path,
                    format!("{at}.address"),
                    format!(
                        "{:?} is not https://HOST[:PORT] (a node is reached over mutual TLS)",
                        n.address
                    ),
                );
                continue;
            }
        }
        if crate::evidence::public_key_from_text(&n.key).is_none() {
            r.problem(
                &path,
                format!("{at}.key"),
                "not an Ed25519 public key (base64 of 32 bytes, as `yagona exchange keygen --node` prints it)",
            );
            continue;
        }
        if directory.nodes.values().any(|o| o.key == n.key.trim()) {
            r.problem(&path, format!("{at}.key"), "another node has this key");
            continue;
        }
        let node = Node {
            code: n.code.clone(),
            address: n.address.trim_end_matches('/').to_owned(),
            key: n.key.trim().to_owned(),
        };
        if directory.nodes.insert(n.code.clone(), node).is_some() {
            r.problem(
                &path,
                format!("{at}.code"),
                format!("node {:?} is described twice", n.code),
            );
        }
    }
}

fn check_base_url(url: &str) -> Result<(), String> {
    if url.starts_with('/') && !url.starts_with("//") {
        return if url.contains(['?', '#']) {
            Err("a base URL has no query or fragment".into())
        } else {
            Ok(())
        };
    }
    match url::Url::parse(url) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => {
            if u.query().is_some() || u.fragment().is_some() {
                Err("a base URL has no query or fragment".into())
            } else if !u.username().is_empty() || u.password().is_some() {
                Err("a base URL carries no user name or password".into())
            } else {
                Ok(())
            }
        }
        _ => Err(format!(
            "{url:?} is neither an http(s) URL nor a path on this node starting with `/`"
        )),
    }
}

fn read_openapi(r: &mut Reader, path: &Path, at: &str, dir: &Path, name: &str) -> Option<String> {
    if name.contains("..") || name.starts_with('/') {
        r.problem(path, at, "an OpenAPI file is named relative to exchange/");
        return None;
    }
    let file = dir.join(name);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            r.problem(path, at, format!("cannot read {name}: {e}"));
            return None;
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Err(e) => {
            r.problem(&file, format!("{}:{}", e.line(), e.column()), e.to_string());
            None
        }
        Ok(doc) => {
            let version_ok = doc
                .get("openapi")
                .and_then(|v| v.as_str())
                .is_some_and(|v| v.starts_with("3."));
            if !version_ok {
                r.problem(&file, "openapi", "an OpenAPI 3.x description is expected");
                return None;
            }
            if !doc.get("paths").is_some_and(|p| p.is_object()) {
                r.problem(&file, "paths", "the description lists no paths");
                return None;
            }
            Some(text)
        }
    }
}

fn subsystem_ref(directory: &Directory, text: &str) -> Result<ClientId, String> {
    match ClientId::from_header(text) {
        Ok(id) if id.subsystem.is_some() => {
            if directory.subsystem(&id).is_some() {
                Ok(id)
            } else {
                Err(format!("no subsystem {text} in the exchange files"))
            }
        }
        _ => Err(format!("{text:?} is not INSTANCE/CLASS/MEMBER/SUBSYSTEM")),
    }
}

// ----- writing the files -----

#[derive(serde::Serialize)]
struct MemberOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    agency: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a str>,
    name: &'a I18nText,
    subsystem: Vec<SubsystemOut<'a>>,
}

#[derive(serde::Serialize)]
struct SubsystemOut<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    keys: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a I18nText>,
    service: Vec<ServiceOut<'a>>,
}

#[derive(serde::Serialize)]
struct ServiceOut<'a> {
    code: &'a str,
    base_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    openapi: Option<String>,
    timeout_ms: u64,
    title: &'a I18nText,
    right: Vec<RightOut>,
}

#[derive(serde::Serialize)]
struct RightOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    subsystem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    method: String,
    path: String,
}

#[derive(serde::Serialize)]
struct GroupsOut<'a> {
    group: Vec<GroupOut<'a>>,
}

#[derive(serde::Serialize)]
struct GroupOut<'a> {
    code: &'a str,
    members: Vec<String>,
    name: &'a I18nText,
}

#[derive(serde::Serialize)]
struct NodesOut<'a> {
    node: Vec<&'a Node>,
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut n = s.serialize_struct("Node", 3)?;
        n.serialize_field("code", &self.code)?;
        n.serialize_field("address", &self.address)?;
        n.serialize_field("key", &self.key)?;
        n.end()
    }
}

/// A file name from identifier parts (which may hold characters a file system dislikes).
fn file_stem(parts: &[&str]) -> String {
    parts
        .join(".")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the directory as `root/exchange/` files — members with their subsystems, services,
/// keys and rights (those granted on the administrator pages too), OpenAPI descriptions, groups
/// and nodes — which [`read_dir`] reads back to the same directory. Before the files are
/// changed and imported again, this keeps what administrators granted since.
pub fn write_dir(
    directory: &Directory,
    root: &Path,
) -> Result<(), yagona_registry::files::WriteError> {
    use yagona_registry::files::{to_toml, write};
    let dir = root.join("exchange");
    for m in directory.members.values() {
        let mut subsystems = Vec::new();
        for s in m.subsystems.values() {
            let mut services = Vec::new();
            for v in s.services.values() {
                let openapi = match &v.openapi {
                    Some(text) => {
                        let name = format!(
                            "openapi/{}.json",
                            file_stem(&[
                                &m.id.member,
                                s.id.subsystem.as_deref().unwrap_or(""),
                                &v.id.code
                            ])
                        );
                        write(&dir.join(&name), text)?;
                        Some(name)
                    }
                    None => None,
                };
                services.push(ServiceOut {
                    code: &v.id.code,
                    base_url: &v.base_url,
                    openapi,
                    timeout_ms: v.timeout_ms,
                    title: &v.title,
                    right: v
                        .rights
                        .iter()
                        .map(|r| RightOut {
                            subsystem: match &r.grantee {
                                Grantee::Subsystem(id) => Some(id.to_string()),
                                Grantee::Group(_) => None,
                            },
                            group: match &r.grantee {
                                Grantee::Group(g) => Some(g.clone()),
                                Grantee::Subsystem(_) => None,
                            },
                            method: r.method.clone(),
                            path: r.path.clone(),
                        })
                        .collect(),
                });
            }
            subsystems.push(SubsystemOut {
                code: s.id.subsystem.as_deref().unwrap_or(""),
                keys: &s.keys,
                name: s.name.as_ref(),
                service: services,
            });
        }
        let stem = match &m.agency {
            Some(a) => file_stem(&[a]),
            None => file_stem(&[&m.id.instance, &m.id.class, &m.id.member]),
        };
        to_toml(
            &dir.join(format!("{stem}.toml")),
            &MemberOut {
                agency: m.agency.as_deref(),
                member: m.agency.is_none().then(|| m.id.to_string()),
                node: m.node.as_deref(),
                name: &m.name,
                subsystem: subsystems,
            },
        )?;
    }
    to_toml(
        &dir.join("groups.toml"),
        &GroupsOut {
            group: directory
                .groups
                .values()
                .map(|g| GroupOut {
                    code: &g.code,
                    members: g.members.iter().map(|c| c.to_string()).collect(),
                    name: &g.name,
                })
                .collect(),
        },
    )?;
    if !directory.nodes.is_empty() {
        to_toml(
            &dir.join("nodes.toml"),
            &NodesOut {
                node: directory.nodes.values().collect(),
            },
        )?;
    }
    Ok(())
}

// ----- the database -----

pub const MIGRATIONS: &[yagona_db::Migration] = &[
    yagona_db::Migration {
        version: 1,
        name: "directory",
        sql: "CREATE TABLE exchange_members (
              id TEXT PRIMARY KEY,
              agency TEXT,
              name TEXT NOT NULL
          );
          CREATE TABLE exchange_subsystems (
              id TEXT PRIMARY KEY,
              member TEXT NOT NULL REFERENCES exchange_members (id) ON DELETE CASCADE,
              name TEXT
          );
          CREATE TABLE exchange_services (
              id TEXT PRIMARY KEY,
              subsystem TEXT NOT NULL REFERENCES exchange_subsystems (id) ON DELETE CASCADE,
              code TEXT NOT NULL,
              title TEXT NOT NULL,
              base_url TEXT NOT NULL,
              openapi TEXT,
              timeout_ms BIGINT NOT NULL
          );
          CREATE TABLE exchange_groups (
              code TEXT PRIMARY KEY,
              name TEXT NOT NULL
          );
          CREATE TABLE exchange_group_members (
              group_code TEXT NOT NULL REFERENCES exchange_groups (code) ON DELETE CASCADE,
              subsystem TEXT NOT NULL REFERENCES exchange_subsystems (id) ON DELETE CASCADE,
              PRIMARY KEY (group_code, subsystem)
          );
          CREATE TABLE exchange_rights (
              service TEXT NOT NULL REFERENCES exchange_services (id) ON DELETE CASCADE,
              grantee TEXT NOT NULL,
              method TEXT NOT NULL,
              path TEXT NOT NULL,
              PRIMARY KEY (service, grantee, method, path)
          );
          CREATE TABLE exchange_directory (
              id BIGINT PRIMARY KEY,
              version BIGINT NOT NULL,
              imported TEXT NOT NULL
          );
          INSERT INTO exchange_directory (id, version, imported) VALUES (1, 0, '');",
    },
    yagona_db::Migration {
        version: 2,
        name: "nodes",
        sql: "ALTER TABLE exchange_members ADD COLUMN node TEXT;
              CREATE TABLE exchange_nodes (
                  code TEXT PRIMARY KEY,
                  address TEXT NOT NULL,
                  public_key TEXT NOT NULL
              );",
    },
];

use sqlx::Row;
use yagona_db::{Db, DbError};

fn grantee_text(g: &Grantee) -> String {
    match g {
        Grantee::Subsystem(id) => format!("subsystem:{id}"),
        Grantee::Group(code) => format!("group:{code}"),
    }
}

fn grantee_from(text: &str) -> Option<Grantee> {
    if let Some(id) = text.strip_prefix("subsystem:") {
        ClientId::from_header(id).ok().map(Grantee::Subsystem)
    } else {
        text.strip_prefix("group:")
            .map(|g| Grantee::Group(g.to_owned()))
    }
}

fn text_json(t: &I18nText) -> String {
    serde_json::to_string(t).expect("plain data serialises")
}

fn json_text(s: &str) -> Result<I18nText, DbError> {
    serde_json::from_str(s).map_err(|e| DbError::Corrupt(format!("directory text: {e}")))
}

/// The directory in the database.
pub struct DirectoryStore<'a> {
    pub db: &'a Db,
}

impl DirectoryStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        // Keys from the files go where `yagona exchange keygen` puts them.
        crate::log::migrate(db).await?;
        db.migrate("exchange-directory", MIGRATIONS).await
    }

    /// Changes with every write: nodes compare it to know when to reload.
    pub async fn version(&self) -> Result<i64, DbError> {
        Ok(
            sqlx::query_scalar("SELECT version FROM exchange_directory WHERE id = 1")
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// Replaces the directory with the one read from files, in one transaction — unless these
    /// same files were imported last time, in which case nothing changes (so that changes made
    /// on the administrator pages since survive a restart). Returns whether anything changed.
    pub async fn import(&self, directory: &Directory) -> Result<bool, DbError> {
        let fingerprint = directory.fingerprint();
        let mut tx = self.db.writer.begin().await?;
        let imported: String =
            sqlx::query_scalar("SELECT imported FROM exchange_directory WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        if imported == fingerprint {
            return Ok(false);
        }
        for table in [
            "exchange_rights",
            "exchange_group_members",
            "exchange_groups",
            "exchange_services",
            "exchange_subsystems",
            "exchange_members",
            "exchange_nodes",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        // A key the files no longer list is revoked (it still verifies what it signed before);
        // those they list are in force again below.
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        crate::keys::revoke_file_keys(&mut tx, &now).await?;
        for n in directory.nodes.values() {
            sqlx::query(
                "INSERT INTO exchange_nodes (code, address, public_key) VALUES ($1, $2, $3)",
            )
            .bind(&n.code)
            .bind(&n.address)
            .bind(&n.key)
            .execute(&mut *tx)
            .await?;
        }
        for m in directory.members.values() {
            sqlx::query(
                "INSERT INTO exchange_members (id, agency, name, node) VALUES ($1, $2, $3, $4)",
            )
            .bind(m.id.to_string())
            .bind(&m.agency)
            .bind(text_json(&m.name))
            .bind(&m.node)
            .execute(&mut *tx)
            .await?;
            for s in m.subsystems.values() {
                sqlx::query(
                    "INSERT INTO exchange_subsystems (id, member, name) VALUES ($1, $2, $3)",
                )
                .bind(s.id.to_string())
                .bind(m.id.to_string())
                .bind(s.name.as_ref().map(text_json))
                .execute(&mut *tx)
                .await?;
                for k in &s.keys {
                    crate::keys::register_from_files(&mut tx, &s.id, k, &now).await?;
                }
            }
        }
        // Services after every subsystem; rights and groups after every service.
        for s in directory.subsystems() {
            for v in s.services.values() {
                sqlx::query(
                    "INSERT INTO exchange_services (id, subsystem, code, title, base_url, openapi, timeout_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(v.id.to_string())
                .bind(s.id.to_string())
                .bind(&v.id.code)
                .bind(text_json(&v.title))
                .bind(&v.base_url)
                .bind(&v.openapi)
                .bind(v.timeout_ms as i64)
                .execute(&mut *tx)
                .await?;
            }
        }
        for g in directory.groups.values() {
            sqlx::query("INSERT INTO exchange_groups (code, name) VALUES ($1, $2)")
                .bind(&g.code)
                .bind(text_json(&g.name))
                .execute(&mut *tx)
                .await?;
            for m in &g.members {
                sqlx::query(
                    "INSERT INTO exchange_group_members (group_code, subsystem) VALUES ($1, $2)",
                )
                .bind(&g.code)
                .bind(m.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        for s in directory.subsystems() {
            for v in s.services.values() {
                for right in &v.rights {
                    insert_right(&mut tx, right).await?;
                }
            }
        }
        sqlx::query(
            "UPDATE exchange_directory SET version = version + 1, imported = $1 WHERE id = 1",
        )
        .bind(&fingerprint)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Grants a right (administrator pages). Granting it again changes nothing.
    pub async fn grant(&self, right: &Right) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let added = insert_right(&mut tx, right).await?;
        if added {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Withdraws a right (administrator pages). Returns whether there was one.
    pub async fn revoke(&self, right: &Right) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let removed = sqlx::query(
            "DELETE FROM exchange_rights WHERE service = $1 AND grantee = $2 AND method = $3 AND path = $4",
        )
        .bind(right.service.to_string())
        .bind(grantee_text(&right.grantee))
        .bind(&right.method)
        .bind(&right.path)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if removed {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The whole directory.
    pub async fn load(&self) -> Result<Directory, DbError> {
        let mut d = Directory::default();
        let pool = &self.db.pool;
        let corrupt = |what: &str, id: &str| DbError::Corrupt(format!("{what} {id:?}"));
        for r in sqlx::query("SELECT code, address, public_key FROM exchange_nodes")
            .fetch_all(pool)
            .await?
        {
            let code: String = r.try_get(0)?;
            d.nodes.insert(
                code.clone(),
                Node {
                    code,
                    address: r.try_get(1)?,
                    key: r.try_get(2)?,
                },
            );
        }
        for r in sqlx::query("SELECT id, agency, name, node FROM exchange_members")
            .fetch_all(pool)
            .await?
        {
            let id: String = r.try_get(0)?;
            let parsed = ClientId::from_header(&id).map_err(|_| corrupt("member", &id))?;
            d.members.insert(
                parsed.clone(),
                Member {
                    id: parsed,
                    agency: r.try_get(1)?,
                    name: json_text(&r.try_get::<String, _>(2)?)?,
                    node: r.try_get(3)?,
                    subsystems: BTreeMap::new(),
                },
            );
        }
        for r in sqlx::query("SELECT id, name FROM exchange_subsystems")
            .fetch_all(pool)
            .await?
        {
            let id: String = r.try_get(0)?;
            let parsed = ClientId::from_header(&id).map_err(|_| corrupt("subsystem", &id))?;
            let name: Option<String> = r.try_get(1)?;
            let code = parsed
                .subsystem
                .clone()
                .ok_or_else(|| corrupt("subsystem", &id))?;
            if let Some(m) = d.members.get_mut(&parsed.member_id()) {
                m.subsystems.insert(
                    code,
                    Subsystem {
                        id: parsed,
                        name: name.as_deref().map(json_text).transpose()?,
                        keys: Vec::new(),
                        services: BTreeMap::new(),
                    },
                );
            }
        }
        for r in sqlx::query(
            "SELECT subsystem, code, title, base_url, openapi, timeout_ms FROM exchange_services",
        )
        .fetch_all(pool)
        .await?
        {
            let sub: String = r.try_get(0)?;
            let provider = ClientId::from_header(&sub).map_err(|_| corrupt("subsystem", &sub))?;
            let code: String = r.try_get(1)?;
            let service = Service {
                id: ServiceId {
                    provider: provider.clone(),
                    code: code.clone(),
                },
                title: json_text(&r.try_get::<String, _>(2)?)?,
                base_url: r.try_get(3)?,
                openapi: r.try_get(4)?,
                timeout_ms: r.try_get::<i64, _>(5)? as u64,
                rights: Vec::new(),
            };
            if let Some(s) = d
                .members
                .get_mut(&provider.member_id())
                .and_then(|m| m.subsystems.get_mut(provider.subsystem.as_deref()?))
            {
                s.services.insert(code, service);
            }
        }
        for r in sqlx::query("SELECT code, name FROM exchange_groups")
            .fetch_all(pool)
            .await?
        {
            let code: String = r.try_get(0)?;
            d.groups.insert(
                code.clone(),
                Group {
                    code,
                    name: json_text(&r.try_get::<String, _>(1)?)?,
                    members: Vec::new(),
                },
            );
        }
        for r in sqlx::query(
            "SELECT group_code, subsystem FROM exchange_group_members ORDER BY group_code, subsystem",
        )
        .fetch_all(pool)
        .await?
        {
            let (g, s): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if let (Some(group), Ok(id)) = (d.groups.get_mut(&g), ClientId::from_header(&s)) {
                group.members.push(id);
            }
        }
        for r in sqlx::query(
            "SELECT service, grantee, method, path FROM exchange_rights ORDER BY service, grantee, method, path",
        )
        .fetch_all(pool)
        .await?
        {
            let (service, grantee, method, path): (String, String, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            let Ok((id, _)) = ServiceId::from_path(&service) else {
                return Err(corrupt("service", &service));
            };
            let grantee = grantee_from(&grantee).ok_or_else(|| corrupt("grantee", &grantee))?;
            if let Some(v) = d
                .members
                .get_mut(&id.provider.member_id())
                .and_then(|m| m.subsystems.get_mut(id.provider.subsystem.as_deref()?))
                .and_then(|s| s.services.get_mut(&id.code))
            {
                v.rights.push(Right {
                    grantee,
                    service: id,
                    method,
                    path,
                });
            }
        }
        for r in
            sqlx::query("SELECT subsystem, public_key FROM exchange_keys WHERE revoked_at IS NULL")
                .fetch_all(pool)
                .await?
        {
            let (sub, key): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if let Some(s) = ClientId::from_header(&sub).ok().and_then(|id| {
                d.members
                    .get_mut(&id.member_id())?
                    .subsystems
                    .get_mut(id.subsystem.as_deref()?)
            }) {
                s.keys.push(key);
            }
        }
        d.normalise();
        Ok(d)
    }
}

async fn insert_right(conn: &mut sqlx::AnyConnection, right: &Right) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "INSERT INTO exchange_rights (service, grantee, method, path) VALUES ($1, $2, $3, $4)
         ON CONFLICT (service, grantee, method, path) DO NOTHING",
    )
    .bind(right.service.to_string())
    .bind(grantee_text(&right.grantee))
    .bind(&right.method)
    .bind(&right.path)
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

async fn bump(conn: &mut sqlx::AnyConnection) -> Result<(), DbError> {
    sqlx::query("UPDATE exchange_directory SET version = version + 1 WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
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
