//! The client side: calls made by the node's own code (the platform asking registers, service
//! tasks, pushes), through the same checks, evidence and log as any call from outside.

use crate::pipeline::{
    forward, log_refusal, refuse, Exchange, X_ROAD_CLIENT, X_ROAD_ISSUE, X_ROAD_USER_ID,
};
use crate::Gateway;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http_body_util::BodyExt;
use yagona_exchange::{ClientId, ErrorKind, ExchangeError, ServiceId};

/// A call made by the node's own code as `client`.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub client: &'a ClientId,
    pub service: &'a ServiceId,
    pub method: http::Method,
    /// The path (and query) after the service.
    pub path: &'a str,
    /// A JSON body, or none.
    pub body: Vec<u8>,
    /// On whose behalf (`X-Road-UserId`, e.g. `UZ` + PINFL).
    pub user_id: Option<&'a str>,
    /// The case it is about (`X-Road-Issue`, e.g. an application's reference number).
    pub issue: Option<&'a str>,
    /// `X-Road-Id`: a caller that may repeat the call (a retried job) gives one that stays the
    /// same across attempts, for the provider to recognise the repetition.
    pub message_id: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// A `GET` of `path` on `service`, as `client`.
    pub fn get(client: &'a ClientId, service: &'a ServiceId, path: &'a str) -> Call<'a> {
        Call {
            client,
            service,
            method: http::Method::GET,
            path,
            body: Vec::new(),
            user_id: None,
            issue: None,
            message_id: None,
        }
    }
}

/// What a call made by the node's own code got back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// `X-Road-Request-Id`: where the call is in the message log.
    pub request_id: String,
}

impl Gateway {
    /// Makes a call through the gateway's pipeline, as the node's own code.
    pub async fn call(&self, call: Call<'_>) -> Result<Reply, ExchangeError> {
        let Call {
            client,
            service,
            method,
            path,
            body,
            user_id,
            issue,
            message_id,
        } = call;
        let snapshot = self.snapshot().await;
        let request_id = uuid::Uuid::new_v4().to_string();
        let message_id = message_id.map_or_else(|| request_id.clone(), str::to_owned);
        let value = |v: &str| {
            HeaderValue::from_str(v).map_err(|_| {
                refuse(
                    ErrorKind::BadRequest,
                    format!("{v:?} cannot be sent in a header"),
                )
            })
        };
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(format!("/r1/{service}{path}"))
            .header(X_ROAD_CLIENT, value(&client.to_string())?);
        if !body.is_empty() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        if let Some(u) = user_id {
            builder = builder.header(X_ROAD_USER_ID, value(u)?);
        }
        if let Some(i) = issue {
            builder = builder.header(X_ROAD_ISSUE, value(i)?);
        }
        let (parts, ()) = builder
            .body(())
            .map_err(|e| refuse(ErrorKind::BadRequest, e.to_string()))?
            .into_parts();
        let exchange = Exchange::own(
            request_id.clone(),
            message_id,
            client,
            service,
            &method,
            path,
            user_id,
            issue,
        );
        let rest = path.split('?').next().unwrap_or_default();
        let mut pending = Vec::new();
        let body = http_body_util::Full::new(Bytes::from(body));
        let outcome = match snapshot.directory.subsystem(client) {
            None => Err(refuse(
                ErrorKind::UnknownMember,
                format!("client {client} is not a subsystem in the directory"),
            )),
            Some(_) => forward(self, &snapshot, &exchange, &parts, body, rest, &mut pending).await,
        };
        match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| refuse(ErrorKind::InternalError, e.to_string()))?
                    .to_bytes();
                Ok(Reply {
                    status,
                    body: body.to_vec(),
                    request_id,
                })
            }
            Err(e) => {
                log_refusal(self, &snapshot, &exchange, &e, pending).await;
                Err(e)
            }
        }
    }
}
