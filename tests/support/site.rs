//! A publisher's web server on loopback: serves the fixture pages and
//! feeds, answers conditional requests, redirects and fails on demand, and
//! records what it was asked and how many requests ran at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};

/// What one path answers.
#[derive(Debug, Clone)]
pub struct Resource {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    /// Sent as `ETag`; a request with the same `If-None-Match` gets 304.
    pub etag: Option<String>,
    pub headers: Vec<(String, String)>,
    /// How long the answer takes.
    pub delay: Option<Duration>,
}

impl Resource {
    pub fn ok(body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        Self {
            status: 200,
            body: body.into(),
            content_type: content_type.into(),
            etag: None,
            headers: Vec::new(),
            delay: None,
        }
    }

    pub fn status(status: u16) -> Self {
        Self {
            status,
            ..Self::ok("failing", "text/plain")
        }
    }

    pub fn redirect(to: &str) -> Self {
        Self {
            status: 302,
            headers: vec![("location".into(), to.into())],
            ..Self::ok("", "text/plain")
        }
    }

    pub fn with_etag(self, etag: &str) -> Self {
        Self {
            etag: Some(etag.into()),
            ..self
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn with_delay(self, delay: Duration) -> Self {
        Self {
            delay: Some(delay),
            ..self
        }
    }
}

/// A feed as it was before its newest item appeared.
pub fn without_first_item(feed: &str) -> String {
    let start = feed.find("<item>").expect("the feed has an item");
    let end = feed.find("</item>").expect("the item ends") + "</item>".len();
    format!("{}{}", &feed[..start], &feed[end..])
}

/// One request the site answered.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub status: u16,
}

#[derive(Default)]
struct State {
    resources: HashMap<String, Resource>,
    seen: Vec<Seen>,
    in_flight: usize,
    most_in_flight: usize,
}

#[derive(Clone)]
pub struct Site {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Site {
    pub async fn start() -> Site {
        Self::start_on("127.0.0.1").await
    }

    /// On another loopback address (127.0.0.2 ...), a second "host".
    pub async fn start_on(ip: &str) -> Site {
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = Arc::clone(&state);
        let app = axum::Router::new().fallback(move |request: Request<Body>| {
            let state = Arc::clone(&shared);
            async move { answer(state, request).await }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Site { addr, state }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub fn serve(&self, path: &str, resource: Resource) {
        self.state
            .lock()
            .unwrap()
            .resources
            .insert(path.to_string(), resource);
    }

    /// A fixture from `tests/fixtures/sites`, with `{{BASE}}` made this
    /// site's address.
    pub fn fixture(&self, name: &str) -> String {
        let path = format!("{}/tests/fixtures/sites/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        String::from_utf8_lossy(&bytes).replace("{{BASE}}", &self.base())
    }

    /// Requests for `path` so far.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.state
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    pub fn most_in_flight(&self) -> usize {
        self.state.lock().unwrap().most_in_flight
    }
}

async fn answer(state: Arc<Mutex<State>>, request: Request<Body>) -> Response<Body> {
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers = request.headers().clone();
    let resource = {
        let mut state = state.lock().unwrap();
        state.in_flight += 1;
        state.most_in_flight = state.most_in_flight.max(state.in_flight);
        state.resources.get(&path).cloned()
    };
    if let Some(delay) = resource.as_ref().and_then(|r| r.delay) {
        tokio::time::sleep(delay).await;
    }
    let response = match resource {
        None => Response::builder()
            .status(404)
            .body(Body::from("not found"))
            .unwrap(),
        Some(resource) => {
            let unchanged = resource.etag.is_some()
                && headers.get("if-none-match").and_then(|v| v.to_str().ok())
                    == resource.etag.as_deref();
            let mut builder = Response::builder();
            // Like many servers, a 304 does not repeat the ETag.
            if let Some(etag) = resource.etag.as_ref().filter(|_| !unchanged) {
                builder = builder.header("etag", etag);
            }
            for (name, value) in &resource.headers {
                builder = builder.header(name, value);
            }
            if unchanged {
                builder.status(304).body(Body::empty()).unwrap()
            } else {
                builder
                    .status(StatusCode::from_u16(resource.status).unwrap())
                    .header("content-type", &resource.content_type)
                    .body(Body::from(resource.body))
                    .unwrap()
            }
        }
    };
    let mut state = state.lock().unwrap();
    state.in_flight -= 1;
    state.seen.push(Seen {
        path,
        headers,
        status: response.status().as_u16(),
    });
    response
}
