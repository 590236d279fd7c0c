//! The message log's seals and checkpoints on a node: the key it seals entries with, the
//! regular checkpoint of the log's head (kept in the database, appended to the checkpoint file,
//! countersigned by the other nodes), and the other side — `POST /yagona/checkpoints` on the
//! mutual-TLS listener, where a node keeps another node's checkpoint and countersigns it.

use crate::listener::PeerKey;
use crate::{snapshot, Body, Gateway, GatewayConfig};
use bytes::Bytes;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use yagona_db::Db;
use yagona_exchange::checkpoint::{self, Checkpoint, CheckpointError, Countersignature};
use yagona_exchange::evidence::{self, Sealer};
use yagona_exchange::keys;

/// Where other nodes send their checkpoints (on the mutual-TLS listener only).
pub(crate) const CHECKPOINTS_PATH: &str = "/yagona/checkpoints";

/// The key this node seals log entries and signs checkpoints with: its node key when it has a
/// code (`node.CODE.pem`), else a log key of its own (`node.local.pem`, made on first start),
/// recorded in the database for verifiers. `None`: no keys folder, so no evidence either.
pub(crate) async fn sealer(db: &Db, config: &GatewayConfig) -> anyhow::Result<Option<Sealer>> {
    let Some(dir) = &config.keys_dir else {
        return Ok(None);
    };
    let sealer = match snapshot::node_key(config) {
        Some(Ok(key)) => Sealer {
            name: config.node.clone().unwrap_or_default(),
            key,
        },
        other => {
            if let Some(Err(e)) = other {
                tracing::error!(
                    "{e}: the message log is sealed with this node's local key instead"
                );
            }
            let path = keys::node_key_file(dir, "local");
            if !path.exists() {
                keys::generate_at(&path)?;
            }
            Sealer {
                name: "local".into(),
                key: keys::read_private(&path).map_err(anyhow::Error::msg)?,
            }
        }
    };
    yagona_exchange::log::register_sealer(db, &sealer.name, &sealer.key.verifying_key()).await?;
    Ok(Some(sealer))
}

impl Gateway {
    /// Signs a checkpoint of the log's head now, if it moved since this node's last one:
    /// kept in the database, appended to the checkpoint file, sent to the other nodes for
    /// their countersignatures. A witness that is down is logged and skipped — evidence never
    /// waits for an optional service — and gets this node's last checkpoint again next time
    /// when the head has not moved by then. Returns the checkpoint signed now, if any.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, CheckpointError> {
        let Some(sealer) = &self.sealer else {
            return Ok(None);
        };
        let file = self.config.checkpoint_file.as_deref();
        let (mut c, fresh) = match checkpoint::take(&self.db, sealer, file).await? {
            Some(c) => (c, true),
            None => match checkpoint::last_own(&self.db, &sealer.name).await? {
                Some(c) => (c, false),
                None => return Ok(None),
            },
        };
        let before = c.countersignatures.len();
        let snapshot = self.snapshot().await;
        for (code, client) in &snapshot.peers {
            let Some(node) = snapshot.directory.nodes.get(code) else {
                continue;
            };
            let witnessed = c
                .countersignatures
                .iter()
                .any(|cs| cs.public_key == node.key && c.countersigned_by(cs));
            if witnessed {
                continue;
            }
            match countersignature(client, &node.address, &c).await {
                Ok(cs) if c.countersigned_by(&cs) && cs.public_key == node.key => {
                    c.countersignatures.push(cs)
                }
                Ok(_) => tracing::error!(node = %code, "a countersignature that does not hold"),
                Err(e) => {
                    tracing::warn!(node = %code, error = %e, "checkpoint not countersigned now")
                }
            }
        }
        if c.countersignatures.len() > before {
            checkpoint::keep(&self.db, checkpoint::OWN_LOG, &c).await?;
        }
        Ok(fresh.then_some(c))
    }

    /// Another node's checkpoint, sent over mutual TLS: kept if it is that node's, answered
    /// with this node's countersignature.
    pub(crate) async fn witness<B>(&self, req: http::Request<B>) -> http::Response<Body>
    where
        B: http_body::Body<Data = Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let reply = |status: u16, text: String| {
            let mut r = http::Response::new(Body::from(text));
            *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
            r
        };
        let Some(PeerKey(peer)) = req.extensions().get::<PeerKey>().copied() else {
            return reply(403, "checkpoints come from nodes, over mutual TLS".into());
        };
        let Some(me) = &self.sealer else {
            return reply(503, "this node keeps no evidence".into());
        };
        let snapshot = self.snapshot().await;
        let peer_text = evidence::public_key_text(&peer);
        let Some(node) = snapshot
            .directory
            .nodes
            .values()
            .find(|n| n.key == peer_text)
        else {
            return reply(403, "the client certificate's key is not a node's".into());
        };
        let body = match http_body_util::Limited::new(req.into_body(), 64 * 1024)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(_) => return reply(400, "the checkpoint did not arrive whole".into()),
        };
        let Ok(c) = serde_json::from_slice::<Checkpoint>(&body) else {
            return reply(400, "not a checkpoint".into());
        };
        if c.node != node.code || c.public_key != node.key || c.signed_by().is_none() {
            return reply(
                400,
                format!("not a checkpoint signed by node {}", node.code),
            );
        }
        let mut kept = c.clone();
        kept.countersignatures.clear();
        let cs = c.countersign(me);
        kept.countersignatures.push(cs.clone());
        match checkpoint::keep(&self.db, &node.code, &kept).await {
            Ok(()) => reply(200, serde_json::to_string(&cs).unwrap_or_default()),
            Err(CheckpointError::Refused(why)) => {
                tracing::error!(node = %node.code, "{why}");
                reply(409, why)
            }
            Err(e) => {
                tracing::error!(error = %e, "a checkpoint could not be kept");
                reply(500, "the checkpoint could not be kept".into())
            }
        }
    }
}

async fn countersignature(
    client: &reqwest::Client,
    address: &str,
    c: &Checkpoint,
) -> Result<Countersignature, String> {
    let response = client
        .post(format!("{address}{CHECKPOINTS_PATH}"))
        .json(c)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Signs checkpoints every `every` for as long as the task runs.
pub fn spawn_checkpoints(gateway: Arc<Gateway>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = gateway.checkpoint().await {
                tracing::error!(error = %e, "the message log's checkpoint failed");
            }
        }
    })
}
