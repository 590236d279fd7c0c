//! The nodes' address book, `exchange/nodes.toml`: its format, read and written.

use super::files::Reader;
use super::{Directory, Node};
use serde::Deserialize;
use std::path::Path;
use yagona_registry::files::toml_file;

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

/// `exchange/nodes.toml`: the nodes' codes, addresses and keys.
pub(super) fn read_nodes(r: &mut Reader, dir: &Path, directory: &mut Directory) {
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

#[derive(serde::Serialize)]
pub(super) struct NodesOut<'a> {
    pub(super) node: Vec<&'a Node>,
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
