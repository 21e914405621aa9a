//! The NCRS change feed (`GET /ncrs/v1/changes`) as typed events.

use crate::domain::RegistrationStatus;
use serde::Deserialize;

/// One event of the national change feed that the registry acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NationalEvent {
    /// The national side corrected a record's name or address (hiệu đính).
    Corrected {
        /// The record's code.
        code: String,
        /// Its NCRS version after the change.
        version: Option<i32>,
        /// The new name.
        name: Option<String>,
        /// The new 2025 ward.
        ward_code: Option<String>,
        /// The new street address.
        address: Option<String>,
    },
    /// The national side changed a record's status (compulsory dissolution,
    /// revocation).
    StatusChanged {
        /// The record's code.
        code: String,
        /// Its NCRS version after the change.
        version: Option<i32>,
        /// The new status.
        status: RegistrationStatus,
    },
}

/// One feed entry as the registry reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A national-side change to apply.
    Event(NationalEvent),
    /// A change a province made through the API (the registry's own echo),
    /// or one the registry does not act on (creation, replacement, reports).
    NotForUs,
    /// An entry that cannot be read; skipped, and logged with its reason.
    Unreadable(String),
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The entries, in order.
    pub entries: Vec<Entry>,
    /// How many entries the page held.
    pub len: usize,
    /// Where the next page starts.
    pub next_after: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePage {
    #[serde(default)]
    changes: Vec<serde_json::Value>,
    #[serde(default)]
    next_after: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireCorrections {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ward_code: Option<String>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireChange {
    code: String,
    kind: String,
    origin: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    corrections: Option<WireCorrections>,
}

fn entry(v: serde_json::Value) -> Entry {
    let c: WireChange = match serde_json::from_value(v) {
        Ok(c) => c,
        Err(e) => return Entry::Unreadable(e.to_string()),
    };
    if c.origin != "NATIONAL" {
        return Entry::NotForUs;
    }
    let version = c.version.and_then(|v| i32::try_from(v).ok());
    match c.kind.as_str() {
        "CORRECTED" => {
            let k = c.corrections.unwrap_or_default();
            Entry::Event(NationalEvent::Corrected {
                code: c.code,
                version,
                name: k.name,
                ward_code: k.ward_code,
                address: k.address,
            })
        }
        "STATUS_CHANGED" => match c.status.as_deref().and_then(RegistrationStatus::parse) {
            Some(status) => Entry::Event(NationalEvent::StatusChanged { code: c.code, version, status }),
            None => Entry::Unreadable(format!("status {:?} of {} is not a registration status", c.status, c.code)),
        },
        // A reorganisation is only ever the registry's own (origin PROVINCE,
        // returned above): NCRS does not reorganise on its own.
        "CREATED" | "REPLACED" | "ANNUAL_REPORT_FILED" | "REORGANISED" => Entry::NotForUs,
        other => Entry::Unreadable(format!("unknown change kind {other:?}")),
    }
}

/// Reads a feed page's JSON.
pub fn page(body: serde_json::Value) -> Result<Page, String> {
    let p: WirePage = serde_json::from_value(body).map_err(|e| format!("not a change page: {e}"))?;
    let len = p.changes.len();
    Ok(Page { entries: p.changes.into_iter().map(entry).collect(), len, next_after: p.next_after })
}
