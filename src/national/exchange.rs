//! The exchange log: every call to a national system (method, path, status,
//! idempotency key, SHA-256 of each body, timings, the outbox row it was made
//! for, the national record's id, and the national side's own hash of the
//! request it received) handed to an [`ExchangeLog`], which appends it to
//! the audit trail (`service::evidence::TrailExchangeLog`).

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;

/// The answer header in which a national system returns its SHA-256 of the
/// request body it received (as X-Road's `X-Road-Request-Hash`).
pub const REQUEST_HASH_HEADER: &str = "x-national-request-hash";

tokio::task_local! {
    static OUTBOX_ROW: i64;
}

/// Runs `f` with its national calls attributed to outbox row `id`.
pub async fn for_outbox_row<F: Future>(id: i64, f: F) -> F::Output {
    OUTBOX_ROW.scope(id, f).await
}

/// The outbox row the current task's calls are made for, if any.
pub fn current_outbox_row() -> Option<i64> {
    OUTBOX_ROW.try_with(|id| *id).ok()
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One exchange with a national system.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// `tax` or `ncrs`.
    pub system: &'static str,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// HTTP status of the answer (none when no answer came).
    pub status: Option<u16>,
    /// The `Idempotency-Key` sent.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request body as sent (none without a body).
    pub request_sha256: Option<String>,
    /// SHA-256 of the answer body as received.
    pub answer_sha256: Option<String>,
    /// The national side's hash of the request it received, if it sent one.
    pub national_request_hash: Option<String>,
    /// Whether that hash matches ours (none when it sent none).
    pub national_hash_matches: Option<bool>,
    /// When the call started (RFC 3339).
    pub started_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The outbox row it was made for.
    pub outbox_row: Option<i64>,
    /// The national record's id (tax code, registration id or NCRS code).
    pub national_id: Option<String>,
    /// What went wrong, when no usable answer came.
    pub error: Option<String>,
    /// The request body (only with `COOPGATE_AUDIT_EXCHANGE_BODIES`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// The answer body (only with `COOPGATE_AUDIT_EXCHANGE_BODIES`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_body: Option<String>,
}

/// Where exchanges go.
pub trait ExchangeLog: Send + Sync + 'static {
    /// Whether bodies are kept (they hold personal data; off by default).
    fn keep_bodies(&self) -> bool;
    /// Records one exchange; failures are the log's to report.
    fn record(&self, e: Exchange) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The national record's id an exchange concerns: from the answer
/// (`taxCode`, `registrationId`, `code`), else from the path.
pub fn national_id(path: &str, answer: Option<&serde_json::Value>) -> Option<String> {
    if let Some(a) = answer {
        for k in ["taxCode", "code", "registrationId"] {
            if let Some(s) = a.get(k).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()) {
                return Some(s.chars().take(64).collect());
            }
        }
    }
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.split('/');
    while let Some(p) = parts.next() {
        if matches!(p, "taxpayers" | "records" | "registrations") {
            return parts.next().filter(|s| !s.is_empty()).map(|s| s.chars().take(64).collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_id_comes_from_the_answer_or_the_path() {
        let a = serde_json::json!({"registrationId": "R-1", "taxCode": "0101234567"});
        assert_eq!(national_id("/tax/v1/registrations", Some(&a)).as_deref(), Some("0101234567"));
        assert_eq!(national_id("/ncrs/v1/records/0101234567/status", None).as_deref(), Some("0101234567"));
        assert_eq!(national_id("/ncrs/v1/changes?after=1", None), None);
    }
}
