//! A room's services (`api`, `pub`, `pull`), answered by the node itself once the gateway has
//! authenticated the caller, checked its rights and logged the request — the paths, methods and
//! statuses of GovStack's `im-pubsub-api.yaml`; refusals are RFC 9457 problem documents. And the
//! pusher: due pushes POSTed to the subscriber's push service through the gateway, as the room.

use crate::{Call, Gateway};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use yagona_core::{Problem, PROBLEM_JSON};
use yagona_db::Db;
use yagona_exchange::directory::Directory;
use yagona_exchange::pubsub::{PubSub, PubSubError, SubscriptionRequest};
use yagona_exchange::{ClientId, ServiceId};

/// What a room's service answers: status, headers, body.
pub(crate) type RoomReply = (StatusCode, HeaderMap, Vec<u8>);

fn json_answer(status: StatusCode, body: &impl serde::Serialize) -> RoomReply {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    (
        status,
        h,
        serde_json::to_vec(body).expect("plain data serialises"),
    )
}

fn empty(status: StatusCode) -> RoomReply {
    (status, HeaderMap::new(), Vec::new())
}

fn problem(status: u16, detail: &str) -> RoomReply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let title = status.canonical_reason().unwrap_or("Error");
    (
        status,
        h,
        Problem::plain(status.as_u16(), title, detail).to_json(),
    )
}

fn failed(e: PubSubError) -> RoomReply {
    match e {
        PubSubError::Refused(r) => problem(r.status, &r.message),
        PubSubError::Db(e) => {
            tracing::error!(error = %e, "pub/sub store failed");
            problem(500, "the room's store failed; try again")
        }
    }
}

fn body_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("the body is not the JSON expected: {e}"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventTypeBody {
    event_type: String,
    schema: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishBody {
    event_type: Option<String>,
    event: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribeBody {
    event_type: Option<String>,
    #[serde(flatten)]
    request: SubscriptionRequest,
}

/// The path's event type must agree with one named in the body, if any.
fn same_type(path: &str, body: Option<&str>) -> Result<(), String> {
    match body {
        Some(b) if b != path => Err(format!(
            "the body names event type {b:?}, the path {path:?}"
        )),
        _ => Ok(()),
    }
}

/// Answers a call to a room's service (`service.code` is `api`, `pub` or `pull`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn answer(
    db: &Db,
    directory: &Directory,
    client: &ClientId,
    service: &ServiceId,
    method: &Method,
    rest: &str,
    body: &[u8],
    message_id: &str,
) -> RoomReply {
    let room = &service.provider;
    let store = PubSub { db };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let m = method.as_str();
    let outcome: Result<RoomReply, PubSubError> = async {
        Ok(match (service.code.as_str(), segments.as_slice(), m) {
            ("api", ["v1", "eventType"], "POST") => {
                let b: EventTypeBody = match body_json(body) {
                    Ok(b) => b,
                    Err(m) => return Ok(problem(400, &m)),
                };
                store
                    .create_event_type(room, &b.event_type, &b.schema)
                    .await?;
                json_answer(StatusCode::OK, &json!({"eventType": b.event_type}))
            }
            ("api", ["v1", "eventType"], "GET") => {
                let types = store.event_types(room).await?;
                if types.is_empty() {
                    empty(StatusCode::NO_CONTENT)
                } else {
                    json_answer(StatusCode::OK, &types)
                }
            }
            ("api", ["v1", "eventType", t], "GET") => match store.event_type(room, t).await? {
                Some(schema) => {
                    json_answer(StatusCode::OK, &json!({"eventType": t, "schema": schema}))
                }
                None => empty(StatusCode::NO_CONTENT),
            },
            ("api", ["v1", "eventType", t], "DELETE") => {
                if store.delete_event_type(room, t).await? {
                    empty(StatusCode::NO_CONTENT)
                } else {
                    problem(404, &format!("no event type {t:?}"))
                }
            }
            ("api", ["v1", "subs"], "GET") => {
                json_answer(StatusCode::OK, &store.subscriptions(room, client).await?)
            }
            ("api", ["v1", "subs", t], "POST" | "PATCH") => {
                let b: SubscribeBody = if body.is_empty() {
                    SubscribeBody {
                        event_type: None,
                        request: SubscriptionRequest::default(),
                    }
                } else {
                    match body_json(body) {
                        Ok(b) => b,
                        Err(m) => return Ok(problem(400, &m)),
                    }
                };
                if let Err(m) = same_type(t, b.event_type.as_deref()) {
                    return Ok(problem(400, &m));
                }
                if let Some(code) = &b.request.push_service {
                    let target = ServiceId {
                        provider: client.clone(),
                        code: code.clone(),
                    };
                    match directory.service(&target) {
                        None => {
                            return Ok(problem(
                                400,
                                &format!("pushService: {client} offers no service {code:?} in the directory"),
                            ))
                        }
                        // Pushes come from the room: it needs the right to POST there.
                        Some(s) if !directory.allowed(room, s, "POST", &[] as &[&str]) => {
                            return Ok(problem(
                                400,
                                &format!("pushService: {room} has no right to POST to {target}; grant it first"),
                            ))
                        }
                        Some(_) => {}
                    }
                }
                if m == "POST" {
                    json_answer(
                        StatusCode::OK,
                        &store.subscribe(room, t, client, &b.request).await?,
                    )
                } else {
                    json_answer(
                        StatusCode::CREATED,
                        &store
                            .update_subscription(room, t, client, &b.request)
                            .await?,
                    )
                }
            }
            ("api", ["v1", "subs", t], "GET") => match store.subscription(room, t, client).await? {
                Some(s) => json_answer(StatusCode::OK, &s),
                None => problem(404, &format!("{client} does not subscribe to {t:?}")),
            },
            ("api", ["v1", "subs", t], "DELETE") => {
                if store.unsubscribe(room, t, client).await? {
                    empty(StatusCode::NO_CONTENT)
                } else {
                    problem(404, &format!("{client} does not subscribe to {t:?}"))
                }
            }
            ("pub", ["v1", t], "POST") => {
                let b: PublishBody = match body_json(body) {
                    Ok(b) => b,
                    Err(m) => return Ok(problem(400, &m)),
                };
                if let Err(m) = same_type(t, b.event_type.as_deref()) {
                    return Ok(problem(400, &m));
                }
                let id = store.publish(room, t, client, &b.event, message_id).await?;
                json_answer(StatusCode::CREATED, &json!({"id": id}))
            }
            ("pub", ["v1", t, id], "GET") => match store.status(room, t, id, client).await? {
                Some(s) => json_answer(StatusCode::OK, &s),
                None => problem(
                    404,
                    &format!("{client} published no event {id:?} of type {t:?}"),
                ),
            },
            ("pub", ["v1", t, id], "DELETE") => {
                if store.cancel(room, t, id, client).await? {
                    empty(StatusCode::NO_CONTENT)
                } else {
                    problem(
                        404,
                        &format!("{client} published no event {id:?} of type {t:?}"),
                    )
                }
            }
            ("pull", ["v1", t], "GET") => match store.pull(room, t, client).await? {
                Some(item) => json_answer(StatusCode::OK, &item),
                None => problem(404, "no event is waiting"),
            },
            ("pull", ["v1", t, id], "DELETE") => {
                if store.acknowledge(room, t, client, id).await? {
                    empty(StatusCode::NO_CONTENT)
                } else {
                    problem(
                        404,
                        &format!("no event {id:?} is waiting for acknowledgement"),
                    )
                }
            }
            (code, _, _) => problem(
                404,
                &format!(
                    "a room's {code} service has no {m} {rest} (see GovStack's im-pubsub-api)"
                ),
            ),
        })
    }
    .await;
    outcome.unwrap_or_else(failed)
}

/// Makes the pushes due now: each POSTed, as the room, to the subscriber's push service through
/// the gateway (so it is signed, logged and subject to the subscriber's rights, on whatever node
/// hosts the subscriber). Returns how many were delivered.
pub async fn push_once(gw: &Gateway) -> usize {
    let store = PubSub { db: &gw.db };
    let signing = gw.signing_for().await;
    // With evidence on, a push is signed as the room: only a node with its key can make it.
    let evidence = gw.config.evidence;
    let due = match store
        .due_pushes(50, chrono::Duration::seconds(60), |room| {
            !evidence || signing.contains(room)
        })
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "pub/sub: due pushes could not be read");
            return 0;
        }
    };
    let mut delivered = 0;
    for push in due {
        let target = ServiceId {
            provider: push.subscriber.clone(),
            code: push.push_service.clone(),
        };
        let body = serde_json::to_vec(&push.item).expect("plain data serialises");
        let outcome = gw
            .call(Call {
                method: Method::POST,
                body,
                issue: Some(&push.item.id),
                ..Call::get(&push.room, &target, "")
            })
            .await;
        let result = match outcome {
            Ok(a) if (200..300).contains(&a.status) => store.pushed(&push).await.map(|_| true),
            Ok(a) => store
                .push_failed(&push, &format!("the subscriber answered {}", a.status))
                .await
                .map(|_| false),
            Err(e) => store
                .push_failed(&push, &e.to_string())
                .await
                .map(|_| false),
        };
        match result {
            Ok(true) => delivered += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "pub/sub: a push's outcome could not be recorded")
            }
        }
    }
    delivered
}

/// Runs [`push_once`] every `every` on this node.
pub fn spawn_pusher(gw: Arc<Gateway>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            push_once(&gw).await;
            tokio::time::sleep(every).await;
        }
    })
}
