//! HTTP for following publishers, as a good citizen and a careful guest:
//! a User-Agent that names us, timeouts, gzip, at most 5 redirects, a cap on
//! every body, conditional requests, one request per host at a time, and
//! only public addresses (every redirect and every resolved address is
//! checked, so a feed cannot point the bot at the machine it runs on).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, CACHE_CONTROL, CONTENT_TYPE, ETAG, LAST_MODIFIED, RETRY_AFTER};
use reqwest::{StatusCode, Url};

pub const USER_AGENT: &str = concat!(
    "Briefbot/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/briefbot/briefbot; follows feeds for Discord communities)"
);

/// How a fetch may go.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Largest body accepted, in bytes (after decompression).
    pub max_bytes: u64,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_redirects: usize,
    /// Allow loopback, private, link-local and unique-local addresses.
    pub allow_private: bool,
    /// Host names (or IP literals) allowed even when private: an operator's
    /// own feed server on the LAN.
    pub allow_hosts: Vec<String>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            max_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 5,
            allow_private: false,
            allow_hosts: Vec::new(),
        }
    }
}

/// Validators from the last response, sent back to ask "changed since?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Fetched {
    /// `None`: 304 Not Modified.
    pub body: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub validators: Validators,
    /// Where the body came from, after redirects.
    pub final_url: String,
    /// The server's `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// Refused before or while connecting: the address or the URL.
    #[error("{0}")]
    Refused(String),
    #[error("the response is over the limit of {limit} bytes (sources.max_bytes)")]
    TooLarge { limit: u64 },
    #[error("the server answered {status}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("{0}")]
    Network(String),
}

impl FetchError {
    /// How long the server asked us to wait, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Why an address may not be fetched, if it may not. An IPv6 address that
/// carries an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
/// `::a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4
/// `2002:AABB:CCDD::/48`) is judged by the IPv4 address it reaches.
pub fn address_problem(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_ipv4(v6).map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || a == 0 {
                Some("not a host address")
            } else if a == 100 && (64..128).contains(&b) {
                Some("a shared (carrier-grade NAT) address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() || v6.is_multicast() {
                Some("not a host address")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a unique-local address")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else {
                None
            }
        }
    }
}

/// The IPv4 address an IPv6 one stands for, in the forms that route to it.
fn embedded_ipv4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = v6.segments();
    let low = |hi: u16, lo: u16| std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    match s {
        // IPv4-compatible (deprecated, still routed by some stacks); `::`
        // and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if (hi, lo) != (0, 0) && (hi, lo) != (0, 1) => Some(low(hi, lo)),
        // NAT64, the well-known prefix (RFC 6052) and the local-use one (RFC 8215).
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] | [0x64, 0xff9b, 1, _, _, _, hi, lo] => {
            Some(low(hi, lo))
        }
        // 6to4 (RFC 3056): the IPv4 address follows the prefix.
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

impl FetchPolicy {
    fn host_allowed(&self, host: &str) -> bool {
        self.allow_private
            || self.allow_hosts.iter().any(|h| {
                h.trim_matches(['[', ']'])
                    .eq_ignore_ascii_case(host.trim_matches(['[', ']']))
            })
    }

    /// Checks a URL before any connection: http(s), a host, and not a
    /// private IP literal. Host names are checked when they resolve.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "{url}: only http and https addresses are followed"
            )));
        }
        let Some(host) = url.host_str() else {
            return Err(FetchError::Refused(format!(
                "{url}: the address has no host"
            )));
        };
        if self.host_allowed(host) {
            return Ok(());
        }
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            if let Some(problem) = address_problem(ip) {
                return Err(refusal(host, ip, problem));
            }
        }
        Ok(())
    }
}

fn refusal(host: &str, ip: IpAddr, problem: &str) -> FetchError {
    FetchError::Refused(format!(
        "{host} is {ip}, {problem}; only public addresses are fetched (set sources.allow_private_addresses to allow it)"
    ))
}

/// Resolves names and keeps only the addresses the policy allows.
struct GuardedResolver {
    policy: Arc<FetchPolicy>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct AddressRefused(String);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if policy.host_allowed(&host) {
                return Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs);
            }
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
                .into_iter()
                .partition(|a| address_problem(a.ip()).is_none());
            if allowed.is_empty() {
                if let Some(first) = refused.first() {
                    let problem = address_problem(first.ip()).unwrap_or("not public");
                    let FetchError::Refused(why) = refusal(&host, first.ip(), problem) else {
                        unreachable!()
                    };
                    return Err(Box::new(AddressRefused(why)) as _);
                }
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Fetches with one client (connections reused), one request per host at
/// a time.
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        let policy = Arc::new(policy);
        let redirects = Arc::clone(&policy);
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(policy.timeout)
            .connect_timeout(policy.connect_timeout)
            .gzip(true)
            // A proxy would resolve names itself, past the address check.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: Arc::clone(&policy),
            }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > redirects.max_redirects {
                    let limit = redirects.max_redirects;
                    return attempt.error(AddressRefused(format!("more than {limit} redirects")));
                }
                match redirects.check_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(why) => {
                        let why = format!(
                            "redirected to {}: {why}",
                            crate::domain::text::masked_url(attempt.url().as_str())
                        );
                        attempt.error(AddressRefused(why))
                    }
                }
            }))
            .build()
            .map_err(|e| FetchError::Network(format!("cannot set up HTTP: {e}")))?;
        Ok(Self {
            client,
            policy,
            hosts: Mutex::default(),
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// GETs `url`, conditionally when `validators` are given.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url)
            .map_err(|e| FetchError::Refused(format!("{url} is not a web address: {e}")))?;
        self.policy.check_url(&parsed)?;
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let describe = |error| describe(error, &host);
        let lock = {
            let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(hosts.entry(host.clone()).or_default())
        };
        let _one_at_a_time = lock.lock().await;

        let mut request = self.client.get(parsed);
        if let Some(etag) = &validators.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(since) = &validators.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, since);
        }
        let mut response = request.send().await.map_err(describe)?;
        let status = response.status();
        let headers = response.headers().clone();
        let final_url = response.url().to_string();
        let validators = Validators {
            etag: header(&headers, ETAG),
            last_modified: header(&headers, LAST_MODIFIED),
        };
        let max_age = max_age(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                body: None,
                content_type: None,
                validators,
                final_url,
                max_age,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after: retry_after(&headers),
            });
        }
        let limit = self.policy.max_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            body: Some(body),
            content_type: header(&headers, CONTENT_TYPE),
            validators,
            final_url,
            max_age,
        })
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(512).collect())
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, RETRY_AFTER)?;
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = at.timestamp() - chrono::Utc::now().timestamp();
    u64::try_from(wait).ok().map(Duration::from_secs)
}

fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, CACHE_CONTROL)?;
    value.split(',').find_map(|part| {
        let (key, seconds) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("max-age"))
            .then(|| seconds.trim().trim_matches('"').parse().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

/// reqwest's error as its kind (name lookup, refused, TLS, timeout) and the
/// host, then its causes; our refusals as they were written. Only the host
/// of the address is named: the path or query can carry a secret.
fn describe(error: reqwest::Error, host: &str) -> FetchError {
    let error = error.without_url();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut parts = Vec::new();
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<AddressRefused>() {
            return FetchError::Refused(refused.0.clone());
        }
        let text = current.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        cause = current.source();
    }
    let chain = parts.join(": ");
    FetchError::Network(format!("{} ({chain})", network_cause(&error, &chain, host)))
}

/// What went wrong reaching `host`, in the words an operator acts on.
fn network_cause(error: &reqwest::Error, chain: &str, host: &str) -> String {
    let lower = chain.to_ascii_lowercase();
    if error.is_timeout() {
        format!("{host} did not answer in time (timed out)")
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
    {
        format!("the name {host} could not be looked up (DNS): is it spelled right?")
    } else if lower.contains("connection refused") {
        format!("{host} refused the connection (nothing listens there)")
    } else if [
        "certificate",
        "tls",
        "ssl",
        "handshake",
        // rustls' words for a server that does not speak TLS at all.
        "corrupt message",
        "peer is incompatible",
        "peer misbehaved",
    ]
    .iter()
    .any(|word| lower.contains(word))
    {
        format!("the secure connection to {host} failed (TLS)")
    } else if lower.contains("connection reset") || lower.contains("closed") {
        format!("{host} closed the connection")
    } else if error.is_connect() {
        format!("could not connect to {host}")
    } else {
        format!("reading from {host} failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_named() {
        for (ip, why) in [
            ("127.0.0.1", "a loopback address"),
            ("10.1.2.3", "a private address"),
            ("192.168.0.1", "a private address"),
            ("172.16.0.1", "a private address"),
            ("169.254.169.254", "a link-local address"),
            ("::1", "a loopback address"),
            ("fd00::1", "a unique-local address"),
            ("fe80::1", "a link-local address"),
            ("::ffff:127.0.0.1", "a loopback address"),
            ("0.0.0.0", "not a host address"),
            // IPv6 forms of private IPv4 addresses.
            ("::127.0.0.1", "a loopback address"),
            ("::10.0.0.1", "a private address"),
            ("64:ff9b::7f00:1", "a loopback address"),
            ("64:ff9b::a9fe:a9fe", "a link-local address"),
            ("64:ff9b:1::c0a8:1", "a private address"),
            ("2002:7f00:1::", "a loopback address"),
            ("2002:c0a8:0101::1", "a private address"),
            ("::", "not a host address"),
        ] {
            assert_eq!(address_problem(ip.parse().unwrap()), Some(why), "{ip}");
        }
        assert_eq!(address_problem("93.184.216.34".parse().unwrap()), None);
        assert_eq!(address_problem("2606:4700::1".parse().unwrap()), None);
        // The same forms over a public IPv4 address are public.
        assert_eq!(address_problem("64:ff9b::5db8:d822".parse().unwrap()), None);
        assert_eq!(address_problem("2002:5db8:d822::1".parse().unwrap()), None);
    }

    #[test]
    fn urls_are_checked_before_connecting() {
        let policy = FetchPolicy::default();
        let check = |u: &str| policy.check_url(&Url::parse(u).unwrap());
        assert!(check("https://example.org/feed").is_ok());
        assert!(
            matches!(check("ftp://example.org/"), Err(FetchError::Refused(m)) if m.contains("only http and https"))
        );
        assert!(
            matches!(check("http://127.0.0.1:8080/"), Err(FetchError::Refused(m)) if m.contains("loopback"))
        );
        assert!(
            matches!(check("http://[::1]/"), Err(FetchError::Refused(m)) if m.contains("loopback"))
        );
        let lan = FetchPolicy {
            allow_hosts: vec!["10.0.0.5".into()],
            ..FetchPolicy::default()
        };
        assert!(lan
            .check_url(&Url::parse("http://10.0.0.5/feed").unwrap())
            .is_ok());
    }
}
