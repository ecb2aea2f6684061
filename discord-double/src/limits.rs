//! Discord's rate limits, when a test asks the double to enforce them.

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;

/// Discord-like rate limits the double enforces on message creates.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Requests per second across the whole bot (Discord: 50).
    pub global_per_second: u32,
    /// Message creates per channel per window (Discord: 5 per 5 s).
    pub per_channel: u32,
    pub channel_window: Duration,
}

impl RateLimits {
    pub fn discord() -> Self {
        Self {
            global_per_second: 50,
            per_channel: 5,
            channel_window: Duration::from_secs(5),
        }
    }
}

#[derive(Default)]
pub(crate) struct Limiter {
    global: (Option<std::time::Instant>, u32),
    channels: std::collections::HashMap<u64, (std::time::Instant, u32)>,
}

/// Applies the enforced limits (if any) to a message create: the headers to
/// add to a success, or the 429 to answer instead.
/// Over a limit: how long to wait, whether it is the global one, the bucket.
pub(crate) struct OverLimit(pub(crate) f64, pub(crate) bool, pub(crate) String);

pub(crate) fn rate_limit(
    shared: &Shared,
    method: &Method,
    path: &str,
) -> Result<Vec<(&'static str, String)>, OverLimit> {
    let Some(limits) = *shared.limits.lock().expect("limits") else {
        return Ok(Vec::new());
    };
    let segments: Vec<&str> = path.split('/').collect();
    let channel = match (method.as_str(), segments.as_slice()) {
        ("POST", ["channels", id, "messages"]) => id.parse::<u64>().ok(),
        _ => None,
    };
    let now = std::time::Instant::now();
    let mut limiter = shared.limiter.lock().expect("limiter");
    let (start, used) = &mut limiter.global;
    if start.is_none_or(|s| now.duration_since(s) >= Duration::from_secs(1)) {
        *start = Some(now);
        *used = 0;
    }
    if *used >= limits.global_per_second {
        let retry =
            Duration::from_secs(1).saturating_sub(now.duration_since(start.expect("set above")));
        shared.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(OverLimit(retry.as_secs_f64(), true, "global".into()));
    }
    *used += 1;
    let Some(channel) = channel else {
        return Ok(Vec::new());
    };
    let bucket = limiter.channels.entry(channel).or_insert((now, 0));
    if now.duration_since(bucket.0) >= limits.channel_window {
        *bucket = (now, 0);
    }
    let reset_after = limits
        .channel_window
        .saturating_sub(now.duration_since(bucket.0))
        .as_secs_f64();
    if bucket.1 >= limits.per_channel {
        shared.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(OverLimit(reset_after, false, format!("channel-{channel}")));
    }
    bucket.1 += 1;
    Ok(vec![
        ("x-ratelimit-limit", limits.per_channel.to_string()),
        (
            "x-ratelimit-remaining",
            (limits.per_channel - bucket.1).to_string(),
        ),
        ("x-ratelimit-reset-after", format!("{reset_after:.3}")),
        ("x-ratelimit-bucket", format!("channel-{channel}")),
    ])
}

pub(crate) fn too_many(retry_after: f64, global: bool, bucket: &str) -> Response {
    let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global })),
    )
        .into_response();
    let headers = response.headers_mut();
    let mut pairs = vec![
        ("retry-after", format!("{retry_after}")),
        ("x-ratelimit-limit", "5".to_string()),
        ("x-ratelimit-remaining", "0".to_string()),
        ("x-ratelimit-reset-after", format!("{retry_after}")),
        ("x-ratelimit-bucket", bucket.to_string()),
        (
            "x-ratelimit-scope",
            if global { "global" } else { "user" }.to_string(),
        ),
    ];
    if global {
        pairs.push(("x-ratelimit-global", "true".to_string()));
    }
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
