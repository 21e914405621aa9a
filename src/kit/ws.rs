//! The kit's graphql-transport-ws client: just enough of the protocol to
//! subscribe, read `next` messages and see a refusal's close code.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, timeout: Duration) -> Result<Socket, String> {
    let mut request = url.into_client_request().map_err(|e| format!("bad websocket URL {url}: {e}"))?;
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (socket, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| format!("no websocket handshake within {timeout:?}"))?
        .map_err(|e| format!("websocket connection failed: {e}"))?;
    Ok(socket)
}

async fn send(socket: &mut Socket, message: Value) -> Result<(), String> {
    socket.send(Message::Text(message.to_string().into())).await.map_err(|e| format!("websocket send failed: {e}"))
}

/// The next protocol message (answering pings), or the close code.
async fn receive(socket: &mut Socket, timeout: Duration) -> Result<Result<Value, Option<u16>>, String> {
    loop {
        let msg = tokio::time::timeout(timeout, socket.next())
            .await
            .map_err(|_| format!("no websocket message within {timeout:?}"))?;
        match msg {
            None => return Ok(Err(None)),
            Some(Err(e)) => return Err(format!("websocket read failed: {e}")),
            Some(Ok(Message::Close(frame))) => return Ok(Err(frame.map(|f| u16::from(f.code)))),
            Some(Ok(Message::Text(text))) => {
                let v: Value =
                    serde_json::from_str(text.as_str()).map_err(|e| format!("a message that is not JSON: {e}"))?;
                if v["type"] == "ping" {
                    send(socket, json!({"type": "pong"})).await?;
                    continue;
                }
                return Ok(Ok(v));
            }
            Some(Ok(_)) => continue,
        }
    }
}

/// Subscribes to `registryChanged(after: seqs[0])` and expects the replay
/// to deliver `seqs[1]` and `seqs[2]` first, in order.
pub(super) async fn replay(url: &str, token: &str, seqs: &[i64], timeout: Duration) -> Result<String, String> {
    let mut socket = connect(url, timeout).await?;
    send(&mut socket, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}))
        .await?;
    match receive(&mut socket, timeout).await? {
        Ok(v) if v["type"] == "connection_ack" => {}
        other => return Err(format!("expected connection_ack, got {other:?}")),
    }
    let query = "subscription($after: String) { registryChanged(after: $after) { sequence kind entityKind } }";
    send(
        &mut socket,
        json!({"id": "kit", "type": "subscribe", "payload": {"query": query, "variables": {"after": seqs[0].to_string()}}}),
    )
    .await?;
    let mut got = Vec::new();
    while got.len() < 2 {
        match receive(&mut socket, timeout).await? {
            Ok(v) if v["type"] == "next" => {
                if let Some(errors) = v["payload"].get("errors") {
                    return Err(format!("the subscription answered errors: {errors}"));
                }
                let seq = v["payload"]["data"]["registryChanged"]["sequence"]
                    .as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or_else(|| format!("a change without a sequence: {v}"))?;
                got.push(seq);
            }
            Ok(v) => return Err(format!("expected next, got {v}")),
            Err(code) => return Err(format!("the server closed the connection ({code:?})")),
        }
    }
    let _ = send(&mut socket, json!({"id": "kit", "type": "complete"})).await;
    let _ = socket.close(None).await;
    if got == seqs[1..3] {
        Ok(format!("after {} came {:?}", seqs[0], got))
    } else {
        Err(format!("after {} expected {:?}, got {got:?}", seqs[0], &seqs[1..3]))
    }
}

/// A `connection_init` whose `Authorization` is not a string is closed
/// with 4403, never taken for an anonymous connection.
pub(super) async fn refused(url: &str, timeout: Duration) -> Result<String, String> {
    let mut socket = connect(url, timeout).await?;
    send(&mut socket, json!({"type": "connection_init", "payload": {"Authorization": 42}})).await?;
    match receive(&mut socket, timeout).await? {
        Err(Some(4403)) => Ok("closed with 4403".into()),
        other => Err(format!("expected close 4403, got {other:?}")),
    }
}
