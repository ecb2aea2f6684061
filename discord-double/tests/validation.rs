//! The double rejects what Discord would reject.

use std::path::PathBuf;
use std::time::Duration;

use discord_double::{spec_from_env, Double, Fault, SpecValidator};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn spec() -> Option<PathBuf> {
    spec_from_env().expect("DISCORD_OPENAPI_SPEC points at a file")
}

/// A plain HTTP/1.1 request, so these tests need no client library.
async fn send(double: &Double, method: &str, path: &str, body: &Value) -> (u16, String) {
    let addr = double.base_url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.to_string();
    let request = format!(
        "{method} /api/v10/{path} HTTP/1.1\r\nHost: discord\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    (status, response)
}

fn callback(data: Value) -> Value {
    json!({ "type": 4, "data": data })
}

#[test]
fn the_schema_accepts_a_good_callback_and_names_what_is_wrong_with_a_bad_one() {
    let Some(path) = spec() else { return };
    let spec = SpecValidator::load(&path).unwrap();
    let route = "/interactions/1/token/callback";
    let good = callback(json!({ "content": "hello", "allowed_mentions": { "parse": [] } }));
    assert_eq!(spec.check("POST", route, &good), Vec::<String>::new());

    let long_title = callback(json!({ "embeds": [{ "title": "x".repeat(300) }] }));
    assert!(
        !spec.check("POST", route, &long_title).is_empty(),
        "a 300-character embed title passed"
    );
    let wrong_type = callback(json!({ "content": 5 }));
    assert!(
        !spec.check("POST", route, &wrong_type).is_empty(),
        "a number as content passed"
    );
    let bad_command = json!([{ "name": "briefing", "description": "x", "type": "slash" }]);
    assert!(!spec
        .check("PUT", "/applications/1/commands", &bad_command)
        .is_empty());
    assert!(!spec.check("POST", "/no/such/route", &json!({})).is_empty());
}

#[tokio::test]
async fn documented_limits_and_the_schema_are_enforced_over_http() {
    let double = Double::start(spec().as_deref(), 0).await.unwrap();
    let (status, _) = send(
        &double,
        "PUT",
        "applications/1/commands",
        &json!([
            { "name": "Briefing", "description": "Upper case is not allowed", "type": 1 },
            { "name": "ok", "description": "", "type": 1 }
        ]),
    )
    .await;
    // Refused as Discord refuses it, nothing registered.
    assert_eq!(status, 400);
    let problems = double.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("/Briefing: name must match")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("/ok: description is 0 characters")),
        "{problems:?}"
    );

    let big: Vec<Value> = (0..2)
        .map(|_| json!({ "description": "y".repeat(3500) }))
        .collect();
    send(
        &double,
        "POST",
        "interactions/9/tok/callback",
        &callback(json!({ "embeds": big })),
    )
    .await;
    assert!(
        double
            .problems()
            .iter()
            .any(|p| p.contains("embeds total 7000 characters")),
        "{:?}",
        double.problems()
    );
}

#[tokio::test]
async fn faults_answer_the_next_matching_requests_then_stop() {
    let double = Double::start(None, 0).await.unwrap();
    double.inject("channels/", Fault::RateLimited { retry_after: 1.5 }, 1);
    double.inject("channels/", Fault::MissingAccess, 1);
    let body = json!({ "content": "hi" });
    let (status, response) = send(&double, "POST", "channels/5/messages", &body).await;
    assert_eq!(status, 429);
    assert!(
        response.contains("\"retry_after\":1.5")
            && response
                .to_lowercase()
                .contains("x-ratelimit-reset-after: 1.5")
    );
    let (status, response) = send(&double, "POST", "channels/5/messages", &body).await;
    assert_eq!(status, 403);
    assert!(response.contains("50001"));
    let (status, _) = send(&double, "POST", "channels/5/messages", &body).await;
    assert_eq!(status, 200);
    double.inject("", Fault::ServerError(502), 1);
    assert_eq!(send(&double, "GET", "gateway", &Value::Null).await.0, 502);
    assert_eq!(send(&double, "GET", "gateway", &Value::Null).await.0, 200);
    let recorded = double
        .wait_for_request("POST", "channels/5/messages", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(recorded.body, body);
}

#[tokio::test]
async fn the_payload_json_of_a_multipart_body_is_checked() {
    let double = Double::start(spec().as_deref(), 0).await.unwrap();
    let payload = json!({ "embeds": (0..2).map(|_| json!({ "description": "z".repeat(3100) })).collect::<Vec<_>>() });
    let boundary = "briefbot-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{payload}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n--{boundary}--\r\n"
    );
    let addr = double.base_url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /api/v10/channels/5/messages HTTP/1.1\r\nHost: discord\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let recorded = double
        .wait_for_request("POST", "channels/5/messages", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(
        recorded.body, payload,
        "the payload_json part is what gets checked"
    );
    assert!(
        recorded
            .problems
            .iter()
            .any(|p| p.contains("embeds total 6200 characters")),
        "{:?}",
        recorded.problems
    );
}

/// Discord's own refusals: no plain messages in a forum (400, 50008), no
/// posting without Send Messages (403, 50013), no thread without Create
/// Public Threads, and one callback per interaction (400, 40060).
#[tokio::test]
async fn the_double_refuses_what_discord_refuses_for_permissions_and_channel_types() {
    use discord_double::{FORUM_CHANNEL_ID, LOCKED_CHANNEL_ID, NO_THREADS_CHANNEL_ID};
    let double = Double::start(None, 0).await.unwrap();
    let message = json!({ "content": "hello" });
    let (status, body) = send(
        &double,
        "POST",
        &format!("channels/{FORUM_CHANNEL_ID}/messages"),
        &message,
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("50008"), "{body}");
    let (status, body) = send(
        &double,
        "POST",
        &format!("channels/{LOCKED_CHANNEL_ID}/messages"),
        &message,
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("50013"), "{body}");
    let (status, body) = send(
        &double,
        "POST",
        &format!("channels/{NO_THREADS_CHANNEL_ID}/messages"),
        &message,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body
        .split("\"id\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, _) = send(
        &double,
        "POST",
        &format!("channels/{NO_THREADS_CHANNEL_ID}/messages/{id}/threads"),
        &json!({ "name": "Discussion" }),
    )
    .await;
    assert_eq!(status, 403, "no thread without Create Public Threads");
    assert!(double.threads().is_empty());

    let (status, _) = send(
        &double,
        "POST",
        "interactions/1/tok/callback",
        &json!({ "type": 5, "data": { "flags": 64 } }),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = send(
        &double,
        "POST",
        "interactions/1/tok/callback",
        &json!({ "type": 5 }),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("40060"), "{body}");
}

/// A deferred response fixes the reply's visibility: the first follow-up
/// fills the "thinking…" message with the defer's visibility, whatever
/// flags it carries; after the original is deleted, a follow-up is a new
/// message with its own.
#[tokio::test]
async fn a_defer_fixes_the_visibility_of_what_fills_it() {
    let double = Double::start(None, 0).await.unwrap();
    let invocation = discord_double::Invocation {
        id: 1,
        token: "public".into(),
    };
    send(
        &double,
        "POST",
        "interactions/1/public/callback",
        &json!({ "type": 5 }),
    )
    .await;
    send(
        &double,
        "POST",
        "webhooks/1/public",
        &json!({ "content": "secret", "flags": 64 }),
    )
    .await;
    send(
        &double,
        "POST",
        "webhooks/1/public",
        &json!({ "content": "second", "flags": 64 }),
    )
    .await;
    let shown = double.shown_replies(&invocation);
    assert_eq!(shown.len(), 2);
    assert!(
        !shown[0].private,
        "the public defer made the first follow-up public"
    );
    assert!(shown[1].private, "a later follow-up keeps its own flag");

    let invocation = discord_double::Invocation {
        id: 2,
        token: "deleted".into(),
    };
    send(
        &double,
        "POST",
        "interactions/2/deleted/callback",
        &json!({ "type": 5 }),
    )
    .await;
    send(
        &double,
        "DELETE",
        "webhooks/1/deleted/messages/@original",
        &json!(null),
    )
    .await;
    send(
        &double,
        "POST",
        "webhooks/1/deleted",
        &json!({ "content": "error", "flags": 64 }),
    )
    .await;
    assert!(double.shown_replies(&invocation)[0].private);

    let invocation = discord_double::Invocation {
        id: 3,
        token: "private".into(),
    };
    send(
        &double,
        "POST",
        "interactions/3/private/callback",
        &json!({ "type": 5, "data": { "flags": 64 } }),
    )
    .await;
    send(
        &double,
        "PATCH",
        "webhooks/1/private/messages/@original",
        &json!({ "content": "list" }),
    )
    .await;
    assert!(double.shown_replies(&invocation)[0].private);
}

/// Discord forgets a nonce after a few minutes; so does the double.
#[tokio::test]
async fn a_nonce_is_remembered_only_for_its_window() {
    let double = Double::start(None, 0).await.unwrap();
    let message = json!({ "content": "once", "nonce": "n1", "enforce_nonce": true });
    let path = format!("channels/{}/messages", discord_double::CHANNEL_ID);
    send(&double, "POST", &path, &message).await;
    send(&double, "POST", &path, &message).await;
    assert_eq!(double.messages().len(), 1, "deduplicated within the window");
    // As if the window had passed: every remembered nonce is now too old.
    double.set_nonce_window(Duration::ZERO);
    send(&double, "POST", &path, &message).await;
    assert_eq!(
        double.messages().len(),
        2,
        "a new message once the nonce is forgotten"
    );
}
