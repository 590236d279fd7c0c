//! The node's exchange listener: mutual TLS, serving the protocol only; the key of a caller's
//! client certificate goes with each request as [`PeerKey`].

use crate::{snapshot, Gateway, GatewayConfig};
use ed25519_dalek::VerifyingKey;
use std::sync::Arc;
use std::time::Duration;
use yagona_exchange::tls;

/// Set by a node's exchange listener: the key in the caller's TLS client certificate.
#[derive(Clone, Copy, Debug)]
pub struct PeerKey(pub VerifyingKey);

/// The TLS configuration of the node's exchange listener: this node's key as server
/// certificate; client certificates asked for, their key identifying the caller. Needs the
/// node's code and key (`[exchange] node`, `yagona exchange keygen --node`).
pub fn tls_config(config: &GatewayConfig) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let code = config.node.clone().ok_or_else(|| {
        anyhow::anyhow!("[exchange] a TLS listener needs this node's code (node = \"…\")")
    })?;
    let key = snapshot::node_key(config)
        .ok_or_else(|| anyhow::anyhow!("[exchange] a TLS listener needs the keys folder"))?
        .map_err(|e| {
            anyhow::anyhow!("{e}: make it with `yagona exchange keygen --node {code} --keys DIR`")
        })?;
    Ok(Arc::new(
        tls::server_config(&key, &code).map_err(anyhow::Error::msg)?,
    ))
}

/// Serves the protocol on `listener` with mutual TLS ([`tls_config`]) until the task is dropped.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!(error = %e, "exchange listener: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, gateway) = (acceptor.clone(), gateway.clone());
        tokio::spawn(async move {
            let stream =
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "exchange listener: TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                };
            let peer = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(tls::key_of);
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    if let Some(k) = peer {
                        req.extensions_mut().insert(PeerKey(k));
                    }
                    let gateway = gateway.clone();
                    async move { Ok::<_, std::convert::Infallible>(gateway.handle(req).await) }
                },
            );
            // A caller that never finishes its headers is cut off, not waited for.
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "exchange listener: connection ended");
            }
        });
    }
}
