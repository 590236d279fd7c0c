//! Writing the directory back as `exchange/` files ([`write_dir`]).

use super::nodes::NodesOut;
use super::Directory;
use crate::access::Grantee;
use std::path::Path;
use yagona_core::I18nText;

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
/// and nodes — which [`read_dir`](super::read_dir) reads back to the same directory. Before
/// the files are changed and imported again, this keeps what administrators granted since.
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
