//! Injected failures: server errors, lost responses, rate limits,
//! refusals, a set number of times or at random from a seeded sequence.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Mutex;

use super::*;

/// A failure the double answers the next matching request with.
#[derive(Debug, Clone)]
pub enum Fault {
    /// e.g. 500, 502, 503.
    ServerError(u16),
    /// 429 with `retry_after` seconds and the rate-limit headers.
    RateLimited { retry_after: f64 },
    /// 403, code 50001.
    MissingAccess,
    /// 404, code 10003.
    UnknownChannel,
    /// The request is carried out, then the response is lost: a 5xx with
    /// this status. A retry must not post twice (nonces).
    LostResponse(u16),
}

/// How often a fault applies.
#[derive(Debug, Clone)]
pub(crate) enum Times {
    Count(usize),
    /// Each matching request with this chance, from a seeded sequence.
    Chance(f64),
}

pub(crate) fn take_fault(shared: &Shared, path: &str) -> Option<Fault> {
    let mut faults = shared.faults.lock().expect("faults");
    let mut index = 0;
    while index < faults.len() {
        if !path.starts_with(faults[index].0.as_str()) {
            index += 1;
            continue;
        }
        let fault = faults[index].1.clone();
        match &mut faults[index].2 {
            Times::Count(left) => {
                *left -= 1;
                if *left == 0 {
                    faults.remove(index);
                }
                return Some(fault);
            }
            Times::Chance(chance) => {
                let chance = *chance;
                if next_random(&shared.random) < chance {
                    return Some(fault);
                }
                index += 1;
            }
        }
    }
    None
}

/// A uniform number in [0, 1) from a seeded xorshift sequence.
pub(crate) fn next_random(state: &Mutex<u64>) -> f64 {
    let mut x = state.lock().expect("random");
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    (*x >> 11) as f64 / (1u64 << 53) as f64
}

pub(crate) fn fault_response(fault: &Fault) -> Response {
    match fault {
        Fault::ServerError(status) | Fault::LostResponse(status) => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(json!({ "message": "injected server error", "code": 0 })),
        )
            .into_response(),
        Fault::RateLimited { retry_after } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": false })),
            )
                .into_response();
            let headers = response.headers_mut();
            for (name, value) in [
                ("retry-after", format!("{}", retry_after.ceil() as u64)),
                ("x-ratelimit-limit", "5".into()),
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset-after", format!("{retry_after}")),
                ("x-ratelimit-bucket", "double-bucket".into()),
                ("x-ratelimit-scope", "user".into()),
            ] {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
            response
        }
        Fault::MissingAccess => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "message": "Missing Access", "code": 50001 })),
        )
            .into_response(),
        Fault::UnknownChannel => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown Channel", "code": 10003 })),
        )
            .into_response(),
    }
}
