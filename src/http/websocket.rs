//! The graphql-transport-ws protocol (graphql-ws 5+, "GraphQL over
//! WebSocket") on `/graphql`, with the close codes the protocol names:
//!
//! | code | when |
//! |------|------|
//! | 4400 | a message that is not valid JSON of the protocol, or binary |
//! | 4401 | `subscribe` before the connection was acknowledged |
//! | 4403 | `connection_init` with a token that does not verify |
//! | 4408 | no `connection_init` within `COOPGATE_WS_INIT_TIMEOUT` (default 10 s) |
//! | 4409 | `subscribe` with the id of an operation still running |
//! | 4429 | a second `connection_init` |
//! | 1013 | a slow consumer: messages waited more than [`SLOW_CONSUMER_GRACE`] for a full queue (`COOPGATE_SUBSCRIPTION_QUEUE`) or the socket; reconnect and resume with `after:` |
//!
//! Subscriptions are capped per connection
//! (`COOPGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION`) and per principal (token
//! subject, or client address when anonymous;
//! `COOPGATE_MAX_SUBSCRIPTIONS_PER_PRINCIPAL`): a `subscribe` over a cap is
//! answered with an `error` message (`RATE_LIMITED`) and the connection
//! stays open. Every operation spends its requested cost from the
//! principal's rate-limit bucket, as over HTTP (refused ones by their size).
//!
//! Each operation passes the same checks as over HTTP (allow-list, limits,
//! variables) first; a refused operation, or a subscription that fails
//! before its first event, is answered with an `error` message (and no
//! `complete`). Events are `next` messages; the end of a stream `complete`.

use super::protocol::{prepare, Prepared};
use super::HttpState;
use crate::auth::Principal;
use async_graphql::parser::types::OperationType;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// How long a message may wait for room in the connection's queue, or for
/// the socket to take it, before the client counts as a slow consumer.
pub const SLOW_CONSUMER_GRACE: Duration = Duration::from_secs(2);

/// The close codes of graphql-transport-ws.
pub mod close {
    /// A message that is not of the protocol.
    pub const BAD_REQUEST: u16 = 4400;
    /// `subscribe` before `connection_ack`.
    pub const UNAUTHORIZED: u16 = 4401;
    /// The token of `connection_init` was refused.
    pub const FORBIDDEN: u16 = 4403;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// `subscribe` with an id already in use.
    pub const DUPLICATE_ID: u16 = 4409;
    /// More than one `connection_init`.
    pub const TOO_MANY_INIT: u16 = 4429;
    /// A slow consumer (standard "Try Again Later").
    pub const SLOW_CONSUMER: u16 = 1013;
}

/// A message from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {},
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

/// The GraphQL request of a `subscribe` message.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default)]
    extensions: Option<serde_json::Map<String, Value>>,
}

/// What an operation's task reports to the connection.
enum Report {
    /// An execution result.
    Next(String, u64, Value),
    /// The operation failed before it produced a result.
    Error(String, u64, Value),
    /// The stream ended.
    Done(String, u64),
}

/// Serves one graphql-transport-ws connection until either side closes it.
pub async fn serve(
    mut socket: WebSocket,
    state: HttpState,
    client: Option<std::net::IpAddr>,
    _slot: Option<super::serve::ConnectionSlot>,
    lang: crate::domain::Language,
) {
    let config = &state.edge.config;
    let (tx, mut rx) = mpsc::channel::<Report>(config.subscription_queue);
    let slow = tokio_util::sync::CancellationToken::new();
    let mut principal: Option<Principal> = None;
    let mut initialised = false;
    let mut running: HashMap<String, (u64, AbortHandle)> = HashMap::new();
    let mut generation = 0u64;
    let deadline = tokio::time::sleep(config.ws_init_timeout);
    tokio::pin!(deadline);
    loop {
        let incoming = tokio::select! {
            m = socket.recv() => Some(m),
            Some(report) = rx.recv() => {
                let text = match report {
                    Report::Next(id, g, payload) if running.get(&id).is_some_and(|r| r.0 == g) => {
                        json!({"id": id, "type": "next", "payload": payload})
                    }
                    Report::Error(id, g, payload) if running.get(&id).is_some_and(|r| r.0 == g) => {
                        running.remove(&id);
                        json!({"id": id, "type": "error", "payload": payload})
                    }
                    Report::Done(id, g) if running.get(&id).is_some_and(|r| r.0 == g) => {
                        running.remove(&id);
                        json!({"id": id, "type": "complete"})
                    }
                    _ => continue,
                };
                match tokio::time::timeout(SLOW_CONSUMER_GRACE, socket.send(Message::Text(text.to_string().into()))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break,
                    Err(_) => {
                        tracing::debug!("websocket: slow consumer dropped (socket not writable)");
                        break;
                    }
                }
                None
            }
            () = slow.cancelled() => {
                tracing::debug!("websocket: slow consumer dropped (queue full)");
                shut(&mut socket, close::SLOW_CONSUMER, "Slow consumer: events were not read in time").await;
                break;
            }
            () = &mut deadline, if !initialised => {
                shut(&mut socket, close::INIT_TIMEOUT, "Connection initialisation timeout").await;
                break;
            }
        };
        let Some(message) = incoming else { continue };
        let text = match message {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Binary(_))) => {
                shut(&mut socket, close::BAD_REQUEST, "Binary messages are not part of the protocol").await;
                break;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
        };
        let message = match serde_json::from_str::<ClientMessage>(text.as_str()) {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!(error = %e, "websocket: invalid message");
                shut(&mut socket, close::BAD_REQUEST, "Invalid message received").await;
                break;
            }
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if initialised {
                    shut(&mut socket, close::TOO_MANY_INIT, "Too many initialisation requests").await;
                    break;
                }
                initialised = true;
                match super::auth::websocket_caller(&state.app, &payload.unwrap_or(Value::Null)) {
                    Ok(p) => principal = Some(p),
                    Err(super::auth::Refused) => {
                        shut(&mut socket, close::FORBIDDEN, "Forbidden").await;
                        break;
                    }
                }
                let ack = json!({"type": "connection_ack"}).to_string();
                if socket.send(Message::Text(ack.into())).await.is_err() {
                    break;
                }
            }
            ClientMessage::Ping { payload } => {
                let mut pong = json!({"type": "pong"});
                if let (Some(p), Some(obj)) = (payload, pong.as_object_mut()) {
                    obj.insert("payload".into(), p);
                }
                if socket.send(Message::Text(pong.to_string().into())).await.is_err() {
                    break;
                }
            }
            ClientMessage::Pong {} => {}
            ClientMessage::Subscribe { id, payload } => {
                let Some(caller) = principal.clone() else {
                    shut(&mut socket, close::UNAUTHORIZED, "Unauthorized").await;
                    break;
                };
                if running.contains_key(&id) {
                    shut(&mut socket, close::DUPLICATE_ID, &format!("Subscriber for {id} already exists")).await;
                    break;
                }
                let key = super::rate_limit::principal_key(&caller, client);
                let refusal = if running.len() >= config.max_subscriptions_per_connection {
                    Some(format!(
                        "at most {} operations may run on one connection",
                        config.max_subscriptions_per_connection
                    ))
                } else {
                    None
                };
                let place = if refusal.is_none() { state.edge.subscriptions.acquire(&key) } else { None };
                let refusal = refusal.or_else(|| {
                    place.is_none().then(|| {
                        format!(
                            "at most {} subscriptions may run at once for one caller",
                            state.edge.subscriptions.per_principal()
                        )
                    })
                });
                if let Some(message) = refusal {
                    let error = json!({"id": id, "type": "error", "payload": [
                        {"message": message, "extensions": {"code": crate::graphql::error::code::RATE_LIMITED}}]});
                    if socket.send(Message::Text(error.to_string().into())).await.is_err() {
                        break;
                    }
                    continue;
                }
                generation += 1;
                let task = tokio::spawn(operation(
                    state.clone(),
                    Caller { principal: caller, key, place, slow: slow.clone(), lang },
                    id.clone(),
                    generation,
                    payload,
                    tx.clone(),
                ));
                running.insert(id, (generation, task.abort_handle()));
            }
            ClientMessage::Complete { id } => {
                if let Some((_, task)) = running.remove(&id) {
                    task.abort();
                }
            }
        }
    }
    for (_, (_, task)) in running {
        task.abort();
    }
}

async fn shut(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: reason.to_owned().into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Whether a response is a refusal before any execution (validation, or a
/// subscription resolver that failed before its first event).
fn failed_before_execution(resp: &async_graphql::Response) -> bool {
    resp.data == async_graphql::Value::Null && !resp.errors.is_empty() && resp.errors.iter().all(|e| e.path.len() <= 1)
}

fn to_json(resp: &async_graphql::Response) -> Value {
    serde_json::to_value(resp).unwrap_or_else(|_| json!({"errors": [{"message": "internal error"}]}))
}

fn errors_of(resp: &async_graphql::Response) -> Value {
    serde_json::to_value(&resp.errors).unwrap_or_else(|_| json!([{"message": "internal error"}]))
}

/// Who runs an operation, and what it holds.
struct Caller {
    principal: Principal,
    /// The rate-limit bucket.
    key: String,
    /// The principal's subscription place, freed when the operation ends.
    place: Option<super::rate_limit::SubscriptionSlot>,
    /// Cancelled when the connection's queue stays full: a slow consumer.
    slow: tokio_util::sync::CancellationToken,
    /// The language of messages (the upgrade request's `Accept-Language`).
    lang: crate::domain::Language,
}

/// Queues a report, or marks the connection a slow consumer when the queue
/// stays full for [`SLOW_CONSUMER_GRACE`]. Returns whether it was queued.
async fn report(tx: &mpsc::Sender<Report>, slow: &tokio_util::sync::CancellationToken, r: Report) -> bool {
    match tx.send_timeout(r, SLOW_CONSUMER_GRACE).await {
        Ok(()) => true,
        Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
            slow.cancel();
            false
        }
        Err(mpsc::error::SendTimeoutError::Closed(_)) => false,
    }
}

/// Runs one operation of a connection and reports its results.
async fn operation(
    state: HttpState,
    caller: Caller,
    id: String,
    generation: u64,
    payload: SubscribePayload,
    tx: mpsc::Sender<Report>,
) {
    let mut request = async_graphql::Request::new(payload.query.unwrap_or_default());
    request.operation_name = payload.operation_name;
    if let Some(v) = payload.variables {
        request.variables = async_graphql::Variables::from_json(v);
    }
    if let Some(ext) = payload.extensions {
        for (k, v) in ext {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, v);
            }
        }
    }
    let Caller { principal, key, place: _place, slow, lang } = caller;
    let request = request.data(lang);
    let edge = state.edge.clone();
    let bytes = request.query.len();
    let prepared = prepare(&edge, request);
    // Charged like an HTTP request: the requested cost, a refusal by its size.
    let charge = match &prepared {
        Prepared::Run(_, a, _) => a.cost.max(1),
        Prepared::Refused(_, cost) => (*cost).max(super::protocol::refusal_charge(bytes)),
    };
    if let Some(limiter) = &edge.rate {
        if let Err(limited) = limiter.spend(&key, charge).await {
            let errors = json!([{"message": crate::domain::Msg::RateLimited { seconds: limited.retry_after_secs }.text(lang),
                "extensions": {"code": crate::graphql::error::code::RATE_LIMITED}}]);
            report(&tx, &slow, Report::Error(id, generation, errors)).await;
            return;
        }
    }
    let (request, analysis) = match prepared {
        Prepared::Run(r, a, _) => (*r, a),
        Prepared::Refused(body, _) => {
            report(&tx, &slow, Report::Error(id, generation, body["errors"].clone())).await;
            return;
        }
    };
    let request_id = format!("websocket-{}", uuid::Uuid::new_v4());
    if analysis.operation != OperationType::Subscription {
        let resp = crate::graphql::execute(&state.schema, &state.app, principal, request_id, request).await;
        let answer = if failed_before_execution(&resp) && resp.errors.iter().all(|e| e.path.is_empty()) {
            Report::Error(id.clone(), generation, errors_of(&resp))
        } else {
            Report::Next(id.clone(), generation, to_json(&resp))
        };
        let done = matches!(answer, Report::Next(..));
        if report(&tx, &slow, answer).await && done {
            report(&tx, &slow, Report::Done(id, generation)).await;
        }
        return;
    }
    let stream = crate::graphql::subscribe(&state.streaming, &state.app, principal, request_id, request);
    tokio::pin!(stream);
    let mut first = true;
    while let Some(resp) = stream.next().await {
        if first && failed_before_execution(&resp) {
            report(&tx, &slow, Report::Error(id, generation, errors_of(&resp))).await;
            return;
        }
        first = false;
        if !report(&tx, &slow, Report::Next(id.clone(), generation, to_json(&resp))).await {
            return;
        }
    }
    report(&tx, &slow, Report::Done(id, generation)).await;
}
