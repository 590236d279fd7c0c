//! Who is calling: a client token, or the key of the caller's TLS client certificate.

use crate::listener::PeerKey;
use crate::snapshot::Snapshot;
use crate::Gateway;
use yagona_exchange::directory::Node;
use yagona_exchange::{token, ClientId, ErrorKind, ExchangeError};

impl Gateway {
    /// Who is calling: a client token naming the client in `X-Road-Client`; or a TLS client
    /// certificate carrying a key of that client; or one carrying the key of the node that hosts
    /// the client, passing its call on (then the relaying node's code is returned).
    pub(crate) fn authenticate(
        &self,
        parts: &http::request::Parts,
        client: &ClientId,
        snapshot: &Snapshot,
    ) -> Result<Option<String>, ExchangeError> {
        let Some(t) = parts
            .headers
            .get(token::HEADER)
            .and_then(|v| v.to_str().ok())
        else {
            return self.authenticate_tls(parts, client, snapshot);
        };
        let now = chrono::Utc::now().timestamp();
        // A token seen before and still valid: only whose it is needs checking (and its
        // holder is copied out only when it is someone else's).
        let cached = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(t)
            .filter(|(_, exp)| *exp > now)
            .map(|(who, _)| {
                if who == client {
                    None
                } else {
                    Some(who.clone())
                }
            });
        let who = match cached {
            Some(None) => return Ok(None),
            Some(Some(who)) => who,
            None => {
                let (who, exp) = token::verify(t, |c| {
                    snapshot
                        .public_keys
                        .get(&c.to_string())
                        .cloned()
                        .unwrap_or_default()
                })?;
                self.tokens
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(t.to_owned(), (who.clone(), exp));
                who
            }
        };
        if &who != client {
            return Err(ExchangeError::new(
                ErrorKind::AuthenticationFailed,
                format!("the client token is {who}'s, not {client}'s"),
            ));
        }
        Ok(None)
    }

    fn authenticate_tls(
        &self,
        parts: &http::request::Parts,
        client: &ClientId,
        snapshot: &Snapshot,
    ) -> Result<Option<String>, ExchangeError> {
        let fail = |m: String| Err(ExchangeError::new(ErrorKind::AuthenticationFailed, m));
        let Some(PeerKey(key)) = parts.extensions.get::<PeerKey>() else {
            return fail(format!(
                "the calling system is not authenticated: use mutual TLS with a certificate of {client}'s key (`yagona exchange cert`), or send a client token ({}) signed with it",
                token::HEADER
            ));
        };
        if snapshot
            .public_keys
            .get(&client.to_string())
            .is_some_and(|ks| ks.contains(key))
        {
            return Ok(None);
        }
        match snapshot.directory.node_with_key(key) {
            Some(node)
                if Some(&node.code) != self.config.node.as_ref()
                    && snapshot
                        .directory
                        .node_of(client)
                        .is_some_and(|n| n.code == node.code) =>
            {
                Ok(Some(node.code.clone()))
            }
            Some(node) => fail(format!(
                "node {} does not host {client}, so it cannot call for it",
                node.code
            )),
            None => fail(format!(
                "the TLS client certificate's key is registered neither for {client} nor for a node"
            )),
        }
    }

    /// The node a provider is reached through, when it is not this one.
    pub(crate) fn remote_node<'a>(
        &self,
        snapshot: &'a Snapshot,
        provider: &ClientId,
    ) -> Option<&'a Node> {
        snapshot
            .directory
            .node_of(provider)
            .filter(|n| Some(&n.code) != self.config.node.as_ref())
    }
}
