//! The gateway: HELLO, READY after IDENTIFY, heartbeats, RESUME, and the
//! dispatches a test asks for.

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc;

use super::*;

pub(crate) enum Outgoing {
    Dispatch(&'static str, Value),
    Drop,
}

pub(crate) async fn gateway(
    State(shared): State<Arc<Shared>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if shared
        .gateway_url_override
        .lock()
        .expect("override")
        .is_some()
    {
        shared.refused_connections.fetch_add(1, Ordering::SeqCst);
        shared.changed.notify_waiters();
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    upgrade.on_upgrade(move |socket| serve_gateway(socket, shared))
}

pub(crate) async fn serve_gateway(mut socket: WebSocket, shared: Arc<Shared>) {
    let (sender, mut outgoing) = mpsc::unbounded_channel();
    let mut seq: u64 = 0;
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": 41_250 }, "s": null, "t": null });
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let WsMessage::Text(text) = message else {
                    if matches!(message, WsMessage::Close(_)) { break }
                    continue;
                };
                let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                let replies = match answer_gateway(&shared, &frame) {
                    Ok(replies) => replies,
                    Err(close) => {
                        count_session(&shared, &frame);
                        let _ = socket.send(WsMessage::Close(Some(close))).await;
                        shared.changed.notify_waiters();
                        return;
                    }
                };
                // Once it has identified (or resumed), this connection
                // receives its shard's dispatches; it is counted only then,
                // so a test that saw the count can dispatch to it at once.
                if let Some(shard) = shard_of_frame(&shared, &frame, &replies) {
                    shared.gateways.lock().expect("gateways").insert(shard, sender.clone());
                }
                count_session(&shared, &frame);
                for (event, data) in replies {
                    let frame = match event {
                        Some(name) => { seq += 1; json!({ "op": 0, "t": name, "s": seq, "d": data }) }
                        None => data,
                    };
                    if socket.send(WsMessage::Text(frame.to_string().into())).await.is_err() { return; }
                }
                shared.changed.notify_waiters();
            }
            command = outgoing.recv() => match command {
                Some(Outgoing::Dispatch(name, data)) => {
                    seq += 1;
                    let frame = json!({ "op": 0, "t": name, "s": seq, "d": data });
                    if socket.send(WsMessage::Text(frame.to_string().into())).await.is_err() { return; }
                }
                // Dropping the socket without a close frame: a network cut.
                Some(Outgoing::Drop) | None => return,
            }
        }
    }
}

/// Counts an IDENTIFY or a RESUME the bot sent.
fn count_session(shared: &Shared, frame: &Value) {
    match frame["op"].as_u64() {
        Some(2) => shared.identifies.fetch_add(1, Ordering::SeqCst),
        Some(6) => shared.resumes.fetch_add(1, Ordering::SeqCst),
        _ => 0,
    };
}

/// The shard a connection serves, learnt from its IDENTIFY (`shard:
/// [id, total]`) or, for a RESUME, from the session it resumes.
fn shard_of_frame(
    shared: &Shared,
    frame: &Value,
    replies: &[(Option<&'static str>, Value)],
) -> Option<u64> {
    match frame["op"].as_u64() {
        Some(2) => {
            let shard = frame["d"]["shard"][0].as_u64().unwrap_or(0);
            if let Some((_, ready)) = replies.iter().find(|(event, _)| *event == Some("READY")) {
                if let Some(session) = ready["session_id"].as_str() {
                    shared
                        .sessions
                        .lock()
                        .expect("sessions")
                        .insert(session.to_string(), shard);
                }
            }
            Some(shard)
        }
        Some(6) => {
            let session = frame["d"]["session_id"].as_str().unwrap_or_default();
            Some(
                shared
                    .sessions
                    .lock()
                    .expect("sessions")
                    .get(session)
                    .copied()
                    .unwrap_or(0),
            )
        }
        _ => None,
    }
}

/// Discord refuses to serve more servers than this on one shard: the
/// connection is closed with 4011, "sharding required" (docs: Gateway, Close
/// Event Codes; Sharding, "Sharding Requirements").
const MAX_GUILDS_PER_SHARD: usize = 2_500;

/// The servers the shard an IDENTIFY names is told of, and sent: only its
/// own (`(guild_id >> 22) % shards`).
fn shard_guilds(shared: &Shared, identify: &Value) -> Vec<Value> {
    let shard = identify["d"]["shard"][0].as_u64().unwrap_or(0);
    let total = identify["d"]["shard"][1].as_u64().unwrap_or(1).max(1);
    shared
        .guilds()
        .into_iter()
        .filter(|g| {
            let id = g["id"]
                .as_str()
                .and_then(|id| id.parse::<u64>().ok())
                .unwrap_or(0);
            (id >> 22) % total == shard
        })
        .collect()
}

/// Frames to send back for one frame the bot sent: `(Some(event), data)` is
/// a dispatch, `(None, frame)` a raw frame; or the close that ends the
/// connection instead.
pub(crate) fn answer_gateway(
    shared: &Shared,
    frame: &Value,
) -> Result<Vec<(Option<&'static str>, Value)>, CloseFrame> {
    Ok(match frame["op"].as_u64() {
        Some(1) => vec![(None, json!({ "op": 11, "d": null, "s": null, "t": null }))],
        Some(2) => {
            shared.intents.store(
                frame["d"]["intents"].as_u64().unwrap_or(0),
                Ordering::SeqCst,
            );
            let shard = frame["d"]["shard"][0].as_u64().unwrap_or(0);
            let total = frame["d"]["shard"][1].as_u64().unwrap_or(1).max(1);
            let guilds = shard_guilds(shared, frame);
            if guilds.len() > MAX_GUILDS_PER_SHARD {
                return Err(CloseFrame {
                    code: 4011,
                    reason: "Sharding required.".into(),
                });
            }
            let ready = (
                Some("READY"),
                json!({
                    "v": 10,
                    "user": bot_user(),
                    "guilds": guilds.iter().map(|g| json!({ "id": g["id"], "unavailable": true })).collect::<Vec<_>>(),
                    "session_id": format!("session-{}", shared.snowflake()),
                    "resume_gateway_url": shared.gateway_url(),
                    "shard": [shard, total],
                    "application": { "id": APPLICATION_ID.to_string(), "flags": 0 }
                }),
            );
            let mut frames = vec![ready];
            frames.extend(guilds.into_iter().map(|g| (Some("GUILD_CREATE"), g)));
            frames
        }
        Some(6) => vec![(Some("RESUMED"), json!({}))],
        _ => Vec::new(),
    })
}
