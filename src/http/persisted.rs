//! The optional allow-list of persisted operations. A manifest is a JSON
//! object mapping each document's SHA-256 (lowercase hex of its exact text)
//! to the document, as Relay and Apollo's persisted-query tools produce.
//! When one is configured, a request runs only if its document is listed:
//! by text, or by hash alone in `extensions.persistedQuery.sha256Hash`.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The allowed documents, by hash.
#[derive(Debug, Clone, Default)]
pub struct PersistedOperations(HashMap<String, String>);

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Unreadable file.
    #[error("COOPGATE_PERSISTED_OPERATIONS: cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a JSON object of strings, or a hash that does not match its document.
    #[error("COOPGATE_PERSISTED_OPERATIONS: {0}")]
    Invalid(String),
}

/// SHA-256 of a document's text, lowercase hex.
pub fn hash(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

impl PersistedOperations {
    /// Reads and checks a manifest: every key must be the hash of its document.
    pub fn load(path: &Path) -> Result<PersistedOperations, ManifestError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ManifestError::Read { path: path.display().to_string(), source })?;
        Self::parse(&text)
    }

    /// Parses and checks a manifest's text.
    pub fn parse(text: &str) -> Result<PersistedOperations, ManifestError> {
        let map: HashMap<String, String> = serde_json::from_str(text)
            .map_err(|e| ManifestError::Invalid(format!("expected a JSON object of hash → document: {e}")))?;
        for (h, doc) in &map {
            if *h != hash(doc) {
                return Err(ManifestError::Invalid(format!("{h} is not the SHA-256 of its document")));
            }
        }
        Ok(PersistedOperations(map))
    }

    /// The document to run: the listed one named by `sha256` (checked against
    /// `query` when both are given), or `query` itself when it is listed.
    pub fn resolve(&self, query: &str, sha256: Option<&str>) -> Option<String> {
        match sha256 {
            Some(h) => {
                let doc = self.0.get(&h.to_ascii_lowercase())?;
                (query.is_empty() || query == doc).then(|| doc.clone())
            }
            None => self.0.contains_key(&hash(query)).then(|| query.to_owned()),
        }
    }

    /// Number of listed documents.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The `extensions.persistedQuery.sha256Hash` of a request, if any.
pub fn requested_hash(extensions: &async_graphql::Extensions) -> Option<String> {
    match extensions.get("persistedQuery")? {
        async_graphql::Value::Object(o) => match o.get("sha256Hash")? {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_documents_resolve() {
        let doc = "{ me { role } }";
        let manifest = serde_json::json!({ hash(doc): doc }).to_string();
        let p = PersistedOperations::parse(&manifest).expect("valid");
        assert_eq!(p.resolve(doc, None).as_deref(), Some(doc));
        assert_eq!(p.resolve("", Some(&hash(doc))).as_deref(), Some(doc));
        assert_eq!(p.resolve("{ me { subject } }", None), None);
        assert_eq!(p.resolve("{ me { subject } }", Some(&hash(doc))), None, "text and hash must agree");
        assert_eq!(p.resolve("", Some("00")), None);
        let forged = serde_json::json!({ hash(doc): "{ auditEvents { totalCount } }" }).to_string();
        assert!(PersistedOperations::parse(&forged).is_err());
    }
}
