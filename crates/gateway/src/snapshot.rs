//! What a node knows of the exchange at one moment: the directory, the keys in force, the keys it
//! signs with, and its clients to the other nodes. Read whole, replaced whole when the
//! directory's version or the number of keys changes.

use crate::GatewayConfig;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::collections::HashMap;
use yagona_db::Db;
use yagona_exchange::directory::{Directory, DirectoryStore};
use yagona_exchange::{evidence, keys, tls, ClientId};

pub(crate) struct Snapshot {
    pub stamp: (i64, i64),
    pub directory: Directory,
    pub public_keys: HashMap<String, Vec<VerifyingKey>>,
    /// The subsystems this node signs for.
    pub signing: HashMap<ClientId, SigningKey>,
    /// Clients to the other nodes: mutual TLS with this node's key, each pinned to its node's.
    pub peers: HashMap<String, reqwest::Client>,
}

/// The version of what a snapshot is made of: (directory version, number of keys).
pub(crate) async fn stamp(db: &Db) -> Result<(i64, i64), yagona_db::DbError> {
    let version = DirectoryStore { db }.version().await?;
    let keys = keys::count(db).await?;
    Ok((version, keys))
}

pub(crate) async fn load(db: &Db, config: &GatewayConfig) -> anyhow::Result<Snapshot> {
    let stamp = stamp(db).await?;
    let directory = DirectoryStore { db }.load().await?;
    // Keys in force only: a revoked key authenticates nobody.
    let public_keys = keys::active(db).await?;
    let mut signing = HashMap::new();
    if let Some(dir) = &config.keys_dir {
        for s in directory.subsystems() {
            let file = keys::key_file(dir, &s.id);
            if !file.exists() {
                continue;
            }
            match keys::read_private(&file) {
                Ok(key) => {
                    let registered = public_keys
                        .get(&s.id.to_string())
                        .is_some_and(|ks| ks.contains(&key.verifying_key()));
                    if registered {
                        signing.insert(s.id.clone(), key);
                    } else {
                        tracing::warn!(subsystem = %s.id, file = %file.display(),
                            "a private key whose public key is not registered is not used");
                    }
                }
                Err(e) => tracing::warn!("{e}"),
            }
        }
    }
    let peers = peer_clients(&directory, config);
    Ok(Snapshot {
        stamp,
        directory,
        public_keys,
        signing,
        peers,
    })
}

/// This node's own key (its TLS identity), if it has a code and a key file.
pub(crate) fn node_key(config: &GatewayConfig) -> Option<Result<SigningKey, String>> {
    let (dir, code) = (config.keys_dir.as_ref()?, config.node.as_ref()?);
    Some(keys::read_private(&keys::node_key_file(dir, code)))
}

fn peer_clients(directory: &Directory, config: &GatewayConfig) -> HashMap<String, reqwest::Client> {
    let mut peers = HashMap::new();
    if directory.nodes.is_empty() {
        return peers;
    }
    let (Some(me), Some(key)) = (&config.node, node_key(config)) else {
        tracing::warn!(
            "this node has no code and key of its own: members on other nodes cannot be reached"
        );
        return peers;
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => {
            tracing::error!("{e}");
            return peers;
        }
    };
    if directory
        .nodes
        .get(me)
        .is_some_and(|n| n.key != evidence::public_key_text(&key.verifying_key()))
    {
        tracing::error!(node = %me, "this node's key is not the one nodes.toml gives for it: other nodes will refuse it");
    }
    for n in directory.nodes.values().filter(|n| &n.code != me) {
        let Some(pinned) = evidence::public_key_from_text(&n.key) else {
            continue;
        };
        let client = tls::client_config(Some((&key, me)), vec![pinned])
            .map_err(anyhow::Error::msg)
            .and_then(|tls| Ok(crate::onward::client().use_preconfigured_tls(tls).build()?));
        match client {
            Ok(c) => {
                peers.insert(n.code.clone(), c);
            }
            Err(e) => tracing::error!(node = %n.code, error = %e, "no client for this node"),
        }
    }
    peers
}
