//! HTTP delivery of one outbox entry: OAuth2 client-credentials bearer token, TLS, timeouts,
//! retries with exponential backoff, and an `Idempotency-Key` so that a repeated POST of the
//! same note version is recognised by the receiver.

use std::time::{Duration, Instant};

use serde::Deserialize;
use thiserror::Error;
use tracing::{debug, warn};
use ureq::tls::{PemItem, RootCerts, TlsConfig};

use super::audit::redact_endpoint;
use super::outbox::OutboxEntry;

/// Configuration problems found before anything is sent.
#[derive(Debug, Error)]
pub enum HttpConfigError {
    /// The URL does not parse or has no host.
    #[error("invalid URL {0:?}")]
    BadUrl(String),
    /// Plain `http://` to a host other than this machine would send health data unencrypted.
    #[error("refusing plain http:// to {0}: use https:// (plain http is allowed only to 127.0.0.1/localhost for testing)")]
    Insecure(String),
    /// The CA file is unreadable or holds no certificate.
    #[error("CA certificate file {path}: {message}")]
    CaFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// OAuth2 client credentials (RFC 6749 §4.4). `Debug` hides the secret.
#[derive(Clone)]
pub struct ClientCredentials {
    /// Token endpoint URL.
    pub token_url: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Requested scope, if the server wants one.
    pub scope: Option<String>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &redact_endpoint(&self.token_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scope", &self.scope)
            .finish()
    }
}

/// How often and how patiently to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per delivery run (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubles each time.
    pub initial_backoff: Duration,
    /// Longest wait between attempts (also caps `Retry-After`).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Where and how to POST exports.
#[derive(Clone, Debug)]
pub struct HttpTarget {
    /// The endpoint URL (an integration service in front of Nexus or Cura).
    pub endpoint: String,
    /// OAuth2 client credentials; `None` sends no `Authorization` header.
    pub credentials: Option<ClientCredentials>,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for one whole request, response included.
    pub request_timeout: Duration,
    /// Retry behaviour.
    pub retry: RetryPolicy,
    /// PEM file of the CA(s) to trust instead of the built-in web roots (a municipality's
    /// own CA).
    pub ca_file: Option<std::path::PathBuf>,
}

impl HttpTarget {
    /// A target with default timeouts (10 s connect, 60 s request) and retries.
    pub fn new(endpoint: impl Into<String>) -> Self {
        HttpTarget {
            endpoint: endpoint.into(),
            credentials: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            ca_file: None,
        }
    }
}

/// The result of delivering one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The target confirmed it with this 2xx status.
    Delivered {
        /// HTTP status.
        status: u16,
        /// Attempts used.
        attempts: u32,
    },
    /// The target refused it (4xx other than 401-after-refresh, 408, 409, 425, 429): a
    /// retry would not help.
    Rejected {
        /// HTTP status.
        status: u16,
        /// Attempts used.
        attempts: u32,
    },
    /// Every attempt failed for reasons that may pass (network, timeout, 5xx) or that need
    /// configuration (token endpoint refused the credentials); the entry stays queued.
    Failed {
        /// Dikta's own description of the last failure.
        reason: String,
        /// HTTP status of the last attempt, if any.
        status: Option<u16>,
        /// Attempts used.
        attempts: u32,
    },
}

/// One attempt's result, before retry decisions.
#[derive(Debug)]
enum Attempt {
    Status(u16, Option<Duration>),
    Transport(String),
}

/// Something that reports progress of a delivery, e.g. the audit log.
pub trait AttemptObserver {
    /// Attempt `attempt` failed and will be retried after `wait`.
    fn retrying(&mut self, attempt: u32, status: Option<u16>, reason: &str, wait: Duration);
}

impl AttemptObserver for () {
    fn retrying(&mut self, _: u32, _: Option<u16>, _: &str, _: Duration) {}
}

/// An HTTP client for one target, with its cached bearer token.
pub struct HttpDeliverer {
    target: HttpTarget,
    agent: ureq::Agent,
    token: Option<(String, Instant)>,
}

impl std::fmt::Debug for HttpDeliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpDeliverer")
            .field("endpoint", &redact_endpoint(&self.target.endpoint))
            .finish_non_exhaustive()
    }
}

/// Check that a URL parses, has a host, and is https (or http to this machine).
pub fn check_url(url: &str) -> Result<(), HttpConfigError> {
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|_| HttpConfigError::BadUrl(redact_endpoint(url)))?;
    let host = uri
        .host()
        .ok_or_else(|| HttpConfigError::BadUrl(redact_endpoint(url)))?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") => {
            if is_loopback_host(host) {
                Ok(())
            } else {
                Err(HttpConfigError::Insecure(redact_endpoint(url)))
            }
        }
        _ => Err(HttpConfigError::BadUrl(redact_endpoint(url))),
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// True when the URL points at this machine (no proxy is used for it).
fn is_loopback_url(url: &str) -> bool {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.host().map(is_loopback_host))
        .unwrap_or(false)
}

impl HttpDeliverer {
    /// A client for `target`; checks the URLs and loads the CA file.
    pub fn new(target: HttpTarget) -> Result<Self, HttpConfigError> {
        check_url(&target.endpoint)?;
        if let Some(c) = &target.credentials {
            check_url(&c.token_url)?;
        }
        let mut tls = TlsConfig::builder();
        if let Some(path) = &target.ca_file {
            let ca_err = |message: String| HttpConfigError::CaFile {
                path: path.display().to_string(),
                message,
            };
            let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                if let PemItem::Certificate(c) = item.map_err(|e| ca_err(e.to_string()))? {
                    certs.push(c);
                }
            }
            if certs.is_empty() {
                return Err(ca_err("no certificate in the file".to_string()));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let local = is_loopback_url(&target.endpoint)
            && target
                .credentials
                .iter()
                .all(|c| is_loopback_url(&c.token_url));
        let mut config = ureq::Agent::config_builder();
        if local {
            config = config.proxy(None);
        }
        let config = config
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(0)
            .timeout_connect(Some(target.connect_timeout))
            .timeout_global(Some(target.request_timeout))
            .user_agent(concat!("dikta/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build();
        Ok(HttpDeliverer {
            target,
            agent: config.into(),
            token: None,
        })
    }

    /// The target this client posts to.
    pub fn target(&self) -> &HttpTarget {
        &self.target
    }

    /// POST `entry` until it is confirmed, refused, or the attempts are used up.
    pub fn deliver(&mut self, entry: &OutboxEntry, observer: &mut dyn AttemptObserver) -> Outcome {
        let policy = self.target.retry;
        let max = policy.max_attempts.max(1);
        let mut refreshed = false;
        let mut attempt = 0;
        let mut last: (String, Option<u16>);
        loop {
            attempt += 1;
            let bearer = match self.bearer() {
                Ok(t) => t,
                Err(TokenError::Refused(status)) => {
                    return Outcome::Failed {
                        reason: format!(
                            "the token endpoint refused the client credentials (HTTP {status})"
                        ),
                        status: Some(status),
                        attempts: attempt,
                    }
                }
                Err(TokenError::Transient(reason)) => {
                    last = (reason, None);
                    if attempt >= max {
                        break;
                    }
                    let wait = backoff(&policy, attempt, None);
                    observer.retrying(attempt, None, &last.0, wait);
                    std::thread::sleep(wait);
                    continue;
                }
            };
            let (reason, status, retry_after) = match self.post(entry, bearer.as_deref()) {
                Attempt::Status(s, _) if (200..300).contains(&s) => {
                    return Outcome::Delivered {
                        status: s,
                        attempts: attempt,
                    }
                }
                Attempt::Status(401, _) if !refreshed && self.target.credentials.is_some() => {
                    // The token may have been revoked or expired early: fetch a new one once.
                    refreshed = true;
                    self.token = None;
                    attempt -= 1;
                    continue;
                }
                Attempt::Status(s, retry_after) if retryable(s) => {
                    (format!("HTTP {s}"), Some(s), retry_after)
                }
                Attempt::Status(s, _) => {
                    return Outcome::Rejected {
                        status: s,
                        attempts: attempt,
                    }
                }
                Attempt::Transport(reason) => (reason, None, None),
            };
            last = (reason, status);
            if attempt >= max {
                break;
            }
            let wait = backoff(&policy, attempt, retry_after);
            warn!(
                note_id = %entry.note_id,
                endpoint = %redact_endpoint(&entry.endpoint),
                attempt,
                reason = %last.0,
                wait_ms = wait.as_millis() as u64,
                "delivery attempt failed; retrying"
            );
            observer.retrying(attempt, status, &last.0, wait);
            std::thread::sleep(wait);
        }
        Outcome::Failed {
            reason: last.0,
            status: last.1,
            attempts: attempt,
        }
    }

    fn post(&self, entry: &OutboxEntry, bearer: Option<&str>) -> Attempt {
        let mut req = self
            .agent
            .post(&entry.endpoint)
            .header("Content-Type", &entry.content_type)
            .header(
                "Accept",
                "application/json, application/fhir+json;q=0.9, */*;q=0.1",
            )
            .header("Idempotency-Key", &entry.idempotency_key)
            .header("X-Dikta-Note-Id", entry.note_id.to_string());
        if let Some(token) = bearer {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        match req.send(entry.body.as_bytes()) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                // Drain a little of the body so the connection can be reused; its content is
                // not logged (a server may echo the note).
                let _ = resp.body_mut().with_config().limit(64 * 1024).read_to_vec();
                debug!(note_id = %entry.note_id, status, "delivery response");
                Attempt::Status(status, retry_after)
            }
            Err(e) => Attempt::Transport(describe(&e)),
        }
    }

    /// A valid bearer token, fetched or cached; `None` without credentials.
    fn bearer(&mut self) -> Result<Option<String>, TokenError> {
        let Some(creds) = self.target.credentials.clone() else {
            return Ok(None);
        };
        if let Some((token, expires)) = &self.token {
            if Instant::now() < *expires {
                return Ok(Some(token.clone()));
            }
        }
        let basic = format!(
            "Basic {}",
            base64_encode(
                format!(
                    "{}:{}",
                    form_urlencode(&creds.client_id),
                    form_urlencode(&creds.client_secret)
                )
                .as_bytes()
            )
        );
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = creds.scope.as_deref() {
            form.push(("scope", scope));
        }
        let resp = self
            .agent
            .post(&creds.token_url)
            .header("Authorization", basic)
            .header("Accept", "application/json")
            .send_form(form);
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => return Err(TokenError::Transient(format!("token: {}", describe(&e)))),
        };
        let status = resp.status().as_u16();
        if retryable(status) {
            return Err(TokenError::Transient(format!(
                "token endpoint HTTP {status}"
            )));
        }
        if !(200..300).contains(&status) {
            return Err(TokenError::Refused(status));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024)
            .read_to_vec()
            .map_err(|e| TokenError::Transient(format!("token: {}", describe(&e))))?;
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            TokenError::Transient("token endpoint sent no usable access_token".to_string())
        })?;
        if !token.token_type.eq_ignore_ascii_case("bearer") {
            return Err(TokenError::Transient(format!(
                "token endpoint sent token_type {:?}, expected Bearer",
                token.token_type
            )));
        }
        // Renew a little before the server's expiry.
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(300).saturating_sub(30));
        self.token = Some((token.access_token.clone(), Instant::now() + lifetime));
        Ok(Some(token.access_token))
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default = "bearer_type")]
    token_type: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

fn bearer_type() -> String {
    "Bearer".to_string()
}

enum TokenError {
    Refused(u16),
    Transient(String),
}

/// Statuses worth another attempt: timeouts, conflicts of a request still in progress,
/// rate limits and server errors.
fn retryable(status: u16) -> bool {
    matches!(status, 408 | 409 | 425 | 429) || (500..600).contains(&status)
}

/// Exponential backoff with jitter (50–100 % of the step), or the server's `Retry-After`,
/// capped by the policy.
fn backoff(policy: &RetryPolicy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(policy.max_backoff);
    }
    let step = policy
        .initial_backoff
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(policy.max_backoff);
    use chacha20poly1305::aead::rand_core::RngCore;
    let jitter = f64::from(chacha20poly1305::aead::OsRng.next_u32() % 1001) / 1000.0;
    step.mul_f64(0.5 + 0.5 * jitter)
}

/// A failure described without its URL's query or any response content.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => format!("network error: {}", io.kind()),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::Tls(m) => format!("TLS error: {m}"),
        ureq::Error::Rustls(r) => format!("TLS error: {r}"),
        other => format!("HTTP client error: {other}"),
    }
}

/// `application/x-www-form-urlencoded` escaping (RFC 6749 §2.3.1 for Basic credentials).
fn form_urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_form_encoding() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"dikta:hemmelig"), "ZGlrdGE6aGVtbWVsaWc=");
        assert_eq!(form_urlencode("a b&c=æ"), "a+b%26c%3D%C3%A6");
    }

    #[test]
    fn url_policy() {
        assert!(check_url("https://integration.kommune.dk/notes").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://[::1]:9/x").is_ok());
        assert!(matches!(
            check_url("http://integration.kommune.dk/notes"),
            Err(HttpConfigError::Insecure(_))
        ));
        assert!(check_url("ftp://x/y").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
        };
        let b1 = backoff(&p, 1, None);
        assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
        let b3 = backoff(&p, 3, None);
        assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
        assert!(backoff(&p, 30, None) <= Duration::from_millis(1000));
        assert_eq!(
            backoff(&p, 1, Some(Duration::from_secs(60))),
            Duration::from_millis(1000)
        );
    }

    #[test]
    fn credentials_debug_hides_secret() {
        let c = ClientCredentials {
            token_url: "https://idp/token?x=1".into(),
            client_id: "dikta".into(),
            client_secret: "s3cret".into(),
            scope: None,
        };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cret") && !d.contains("x=1"));
    }
}
