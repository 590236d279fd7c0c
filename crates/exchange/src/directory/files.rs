//! Reading and checking the `exchange/` files: the member and group files' formats, and
//! [`read_dir`], which reports every problem with its file and location.

use super::nodes::read_nodes;
use super::{Directory, Group, Member, Service, Subsystem, DEFAULT_TIMEOUT_MS};
use crate::access::{self, Grantee, Right};
use crate::id::{ClientId, ServiceId};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use yagona_core::I18nText;
use yagona_registry::files::{toml_file, Problem};

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

pub(super) struct Reader<'a> {
    pub(super) root: &'a Path,
    pub(super) problems: Vec<Problem>,
}

impl Reader<'_> {
    pub(super) fn problem(
        &mut self,
        path: &Path,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
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

fn check_base_url(url: &str) -> Result<(), String> {
    if let Some(path) = url.strip_prefix(crate::NODE_BASE_URL) {
        return if !path.starts_with('/') || path.starts_with("//") {
            Err(format!(
                "a service of this node is `{}/PATH`, the path of one of its interfaces",
                crate::NODE_BASE_URL
            ))
        } else if path.contains(['?', '#']) {
            Err("a base URL has no query or fragment".into())
        } else {
            Ok(())
        };
    }
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
            "{url:?} is neither an http(s) URL, a path on this node's local base starting with `/`, nor `yagona:node/PATH`"
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
