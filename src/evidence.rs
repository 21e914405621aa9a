//! Evidence: the audit trail's hash chain checked, its checkpoints signed,
//! self-contained evidence bundles, and the keyed hash of identity numbers
//! ("who read my data"). Plain computation over audit rows: no I/O besides
//! reading the key files named in the settings (see `docs/evidence.md`).

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use entity::{audit_checkpoint, audit_event};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Why the evidence keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The signing key file could not be read.
    #[error("COOPGATE_AUDIT_SIGNING_KEY_FILE: cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The signing key file does not hold a key.
    #[error("COOPGATE_AUDIT_SIGNING_KEY_FILE: {0}")]
    Invalid(String),
}

/// The development profile's signing seed: public, so dev checkpoints prove
/// nothing against anyone; never used in production.
const DEV_SIGNING_SEED: &[u8] = b"coopgate-dev-profile-audit-signing-key-not-for-production";
/// The development profile's person-hash secret (public, dev only).
const DEV_PERSON_SECRET: &[u8] = b"coopgate-dev-profile-person-key-not-for-production";

/// What the keys are made from (`config::EvidenceConfig` in force).
#[derive(Debug, Clone)]
pub struct KeySettings {
    /// The dev profile (public development keys when none is configured).
    pub dev: bool,
    /// `COOPGATE_AUDIT_SIGNING_KEY_FILE`.
    pub signing_key_file: Option<std::path::PathBuf>,
    /// `COOPGATE_AUDIT_PERSON_SECRET`.
    pub person_secret: Option<String>,
    /// Store exchange bodies.
    pub keep_bodies: bool,
    /// Checkpoint after this many events.
    pub checkpoint_every: i64,
    /// …or after this long.
    pub checkpoint_interval: Duration,
}

/// The evidence settings in force, with their keys.
#[derive(Clone)]
pub struct Keys {
    signer: Option<SigningKey>,
    person_secret: Option<Vec<u8>>,
    /// Store national exchange bodies in the trail (they hold personal data).
    pub keep_bodies: bool,
    /// Sign a checkpoint after this many new events.
    pub checkpoint_every: i64,
    /// …or after this long with new events.
    pub checkpoint_interval: Duration,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("public_key", &self.public_key_hex())
            .field("person_secret", &self.person_secret.as_ref().map(|_| "***"))
            .field("keep_bodies", &self.keep_bodies)
            .field("checkpoint_every", &self.checkpoint_every)
            .field("checkpoint_interval", &self.checkpoint_interval)
            .finish()
    }
}

/// Reads a signing key file: the 32-byte Ed25519 seed as 64 hex digits
/// (surrounding white space ignored).
pub fn read_signing_key(path: &std::path::Path) -> Result<SigningKey, KeyError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.display().to_string(), source })?;
    let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Invalid("not hex".into()))?;
    let seed: [u8; 32] =
        bytes.try_into().map_err(|_| KeyError::Invalid("must be a 32-byte Ed25519 seed (64 hex digits)".into()))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn derive(label: &[u8], secret: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(secret);
    h.finalize().into()
}

impl Keys {
    /// The keys for the settings: the configured ones; in the dev profile
    /// without them, public development keys; in production without a
    /// signing key, no checkpoints (the caller warns loudly).
    pub fn load(settings: &KeySettings) -> Result<Self, KeyError> {
        let dev = settings.dev;
        let signer = match &settings.signing_key_file {
            Some(p) => Some(read_signing_key(p)?),
            None if dev => Some(SigningKey::from_bytes(&derive(b"signing", DEV_SIGNING_SEED))),
            None => None,
        };
        let person_secret = match (&settings.person_secret, &signer) {
            (Some(s), _) => Some(s.as_bytes().to_vec()),
            // Derived from a configured signing key: as secret as it is.
            (None, Some(k)) if settings.signing_key_file.is_some() => {
                Some(derive(b"coopgate-person-key", &k.to_bytes()).to_vec())
            }
            (None, _) if dev => Some(DEV_PERSON_SECRET.to_vec()),
            (None, _) => None,
        };
        Ok(Keys {
            signer,
            person_secret,
            keep_bodies: settings.keep_bodies,
            checkpoint_every: settings.checkpoint_every.max(1),
            checkpoint_interval: settings.checkpoint_interval,
        })
    }

    /// Keys from explicit parts (tests, tools).
    pub fn new(signer: Option<SigningKey>, person_secret: Option<Vec<u8>>) -> Self {
        Keys {
            signer,
            person_secret,
            keep_bodies: false,
            checkpoint_every: 1000,
            checkpoint_interval: Duration::from_secs(600),
        }
    }

    /// Whether checkpoints are signed.
    pub fn signs(&self) -> bool {
        self.signer.is_some()
    }

    /// The public key checkpoints are checked against, hex.
    pub fn public_key_hex(&self) -> Option<String> {
        self.signer.as_ref().map(|k| hex::encode(k.verifying_key().to_bytes()))
    }

    /// The keyed hash stored instead of an identity number (HMAC-SHA256
    /// with the server secret, of the number as stored), or `None` when no
    /// secret is configured.
    pub fn person_key(&self, id_number: &str) -> Option<String> {
        let secret = self.person_secret.as_ref()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
        mac.update(id_number.trim().as_bytes());
        Some(hex::encode(mac.finalize().into_bytes()))
    }

    /// A signed checkpoint of the chain at `seq`, or `None` without a key.
    pub fn checkpoint(&self, seq: i64, hash: &str, at: DateTime<Utc>) -> Option<audit_checkpoint::Model> {
        let k = self.signer.as_ref()?;
        let at = micros(at);
        let sig = k.sign(&audit_checkpoint::message(seq, hash, &at));
        Some(audit_checkpoint::Model {
            id: 0,
            seq,
            hash: hash.to_owned(),
            signed_at: at,
            public_key: hex::encode(k.verifying_key().to_bytes()),
            signature: hex::encode(sig.to_bytes()),
        })
    }
}

/// `at` cut to microseconds (what both databases keep), so a stored time
/// hashes as it was hashed before storing.
pub fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    at.with_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at)
}

/// Whether a checkpoint's signature is valid for its own public key.
fn signature_valid(c: &audit_checkpoint::Model) -> bool {
    let key = hex::decode(&c.public_key).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
    let sig = hex::decode(&c.signature).ok().and_then(|b| <[u8; 64]>::try_from(b).ok());
    let (Some(key), Some(sig)) = (key, sig) else { return false };
    let Ok(key) = VerifyingKey::from_bytes(&key) else { return false };
    key.verify(&audit_checkpoint::message(c.seq, &c.hash, &c.signed_at), &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok()
}

/// Whether a checkpoint is validly signed, by `trusted` (hex) when given.
pub fn checkpoint_trusted(c: &audit_checkpoint::Model, trusted: Option<&str>) -> bool {
    signature_valid(c) && trusted.is_none_or(|t| t == c.public_key)
}

/// Why a trail does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Break {
    /// The first sequence that does not verify.
    pub seq: i64,
    /// What is wrong there.
    pub reason: String,
}

/// What verifying a trail found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Events checked.
    pub events: i64,
    /// The last sequence checked.
    pub last_seq: i64,
    /// The first break, if any.
    pub broken: Option<Break>,
    /// The latest checkpoint that matched the chain and was validly signed.
    pub signed_through: Option<(i64, DateTime<Utc>)>,
    /// Checkpoints checked.
    pub checkpoints: usize,
}

impl Verification {
    /// Whether nothing was found wrong.
    pub fn verified(&self) -> bool {
        self.broken.is_none()
    }
}

/// Recomputes a chain as its rows come, in `(seq, id)` order, and checks
/// checkpoints against it.
pub struct ChainCheck<'k> {
    previous: String,
    expected: i64,
    events: i64,
    broken: Option<Break>,
    hashes: std::collections::BTreeMap<i64, String>,
    trusted: Option<&'k str>,
}

impl<'k> ChainCheck<'k> {
    /// A check that starts after `anchor_seq`, whose hash is `anchor_hash`
    /// (0 and the genesis hash from the start); checkpoints must be signed
    /// by `trusted` (hex) when given.
    pub fn new(anchor_seq: i64, anchor_hash: &str, trusted: Option<&'k str>) -> Self {
        ChainCheck {
            previous: anchor_hash.to_owned(),
            expected: anchor_seq + 1,
            events: 0,
            broken: None,
            hashes: Default::default(),
            trusted,
        }
    }

    fn fail(&mut self, seq: i64, reason: String) {
        if self.broken.is_none() {
            self.broken = Some(Break { seq, reason });
        }
    }

    /// Whether a break was found (later rows need not be fed).
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Feeds the next row.
    pub fn row(&mut self, m: &audit_event::Model) {
        if self.broken.is_some() {
            return;
        }
        self.events += 1;
        if m.seq < self.expected {
            return self.fail(m.seq, format!("a second event numbered {} (inserted)", m.seq));
        }
        if m.seq > self.expected {
            return self.fail(self.expected, format!("event {} is missing (removed)", self.expected));
        }
        let h = audit_event::chain_hash(&self.previous, m);
        if h != m.hash {
            return self.fail(m.seq, format!("event {} does not match its hash (altered, or inserted)", m.seq));
        }
        self.hashes.insert(m.seq, h.clone());
        self.previous = h;
        self.expected += 1;
    }

    /// The result, checking `checkpoints` (those past the last row checked
    /// are left out; a checkpoint beyond a removed tail is a break).
    pub fn finish(mut self, checkpoints: &[audit_checkpoint::Model], head_seq: Option<i64>) -> Verification {
        let last = self.expected - 1;
        if let Some(head) = head_seq {
            if head > last && self.broken.is_none() {
                self.fail(last + 1, format!("events {} to {head} are missing (the chain head is at {head})", last + 1));
            }
        }
        let mut signed_through: Option<(i64, DateTime<Utc>)> = None;
        let mut checked = 0;
        for c in checkpoints {
            checked += 1;
            if !signature_valid(c) || self.trusted.is_some_and(|t| t != c.public_key) {
                self.fail(c.seq, format!("the checkpoint at {} is not validly signed by the trusted key", c.seq));
                continue;
            }
            match self.hashes.get(&c.seq) {
                Some(h) if *h == c.hash && signed_through.is_none_or(|(s, _)| c.seq >= s) => {
                    signed_through = Some((c.seq, c.signed_at));
                }
                Some(h) if *h == c.hash => {}
                Some(_) => self.fail(c.seq, format!("event {} differs from the signed checkpoint", c.seq)),
                None if c.seq > last && self.broken.is_none() => {
                    self.fail(last + 1, format!("the checkpoint at {} covers events that are missing", c.seq))
                }
                None => {}
            }
        }
        Verification { events: self.events, last_seq: last, broken: self.broken, signed_through, checkpoints: checked }
    }
}

/// The format name of an evidence bundle.
pub const BUNDLE_FORMAT: &str = "coopgate-audit-bundle-v1";

/// A self-contained evidence bundle: a range of the trail, the hash before
/// it, the checkpoints over it and the public key that signed them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The first sequence in it.
    pub from: i64,
    /// The last sequence in it.
    pub to: i64,
    /// The chain hash at `from - 1` (the genesis hash when `from` is 1).
    pub anchor_hash: String,
    /// The gateway's public key, hex.
    pub public_key: Option<String>,
    /// The events, in order.
    pub events: Vec<audit_event::Model>,
    /// The checkpoints with sequences in `from..=to`.
    pub checkpoints: Vec<audit_checkpoint::Model>,
    /// When it was written.
    pub exported_at: DateTime<Utc>,
}

/// Why a bundle does not verify.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle at all.
    #[error("not an evidence bundle: {0}")]
    Unreadable(String),
    /// A bundle whose parts disagree.
    #[error("the bundle is inconsistent: {0}")]
    Inconsistent(String),
}

/// Verifies a bundle on its own; `pinned` (hex) is the public key the
/// checker trusts, else the bundle's own key is used. A bundle with no
/// checkpoint verifies only as a hash chain, and says so (`signed_through`).
pub fn verify_bundle(bytes: &[u8], pinned: Option<&str>) -> Result<Verification, BundleError> {
    let b: Bundle = serde_json::from_slice(bytes).map_err(|e| BundleError::Unreadable(e.to_string()))?;
    if b.format != BUNDLE_FORMAT {
        return Err(BundleError::Unreadable(format!("format {:?}, expected {BUNDLE_FORMAT}", b.format)));
    }
    if b.from < 1 || b.to < b.from - 1 {
        return Err(BundleError::Inconsistent(format!("range {}..{}", b.from, b.to)));
    }
    if b.from == 1 && b.anchor_hash != audit_event::GENESIS {
        return Err(BundleError::Inconsistent("a bundle from 1 must start at the genesis hash".into()));
    }
    if let (Some(p), Some(k)) = (pinned, &b.public_key) {
        if p != k {
            return Err(BundleError::Inconsistent("the bundle's public key is not the trusted key".into()));
        }
    }
    let trusted = pinned.or(b.public_key.as_deref());
    let mut check = ChainCheck::new(b.from - 1, &b.anchor_hash, trusted);
    for e in &b.events {
        check.row(e);
    }
    if b.checkpoints.iter().any(|c| c.seq < b.from - 1 || c.seq > b.to) {
        return Err(BundleError::Inconsistent("a checkpoint outside the bundle's range".into()));
    }
    // A checkpoint just before the range vouches for the anchor.
    let (anchors, inside): (Vec<_>, Vec<_>) = b.checkpoints.iter().cloned().partition(|c| c.seq == b.from - 1);
    for c in &anchors {
        if c.hash != b.anchor_hash || !checkpoint_trusted(c, trusted) {
            return Err(BundleError::Inconsistent(format!(
                "the checkpoint at {} does not vouch for the anchor",
                c.seq
            )));
        }
    }
    let mut v = check.finish(&inside, Some(b.to));
    if v.signed_through.is_none() {
        v.signed_through = anchors.last().map(|c| (c.seq, c.signed_at));
    }
    v.checkpoints += anchors.len();
    if v.verified() && v.last_seq != b.to {
        return Err(BundleError::Inconsistent(format!("events end at {}, the bundle says {}", v.last_seq, b.to)));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(Some(SigningKey::from_bytes(&[7; 32])), Some(b"secret".to_vec()))
    }

    fn event(seq: i64, previous: &str) -> audit_event::Model {
        let mut m = audit_event::Model {
            id: seq,
            at: micros(Utc::now()),
            subject: format!("officer-{seq}"),
            role: "provincial_officer".into(),
            province: Some("38".into()),
            request_id: format!("req-{seq}"),
            operation: "registerCooperative".into(),
            entity_kind: Some("COOPERATIVE".into()),
            entity_id: Some(seq),
            outcome: "SUCCESS".into(),
            before_digest: None,
            after_digest: Some("ab".repeat(32)),
            detail: None,
            seq,
            hash: String::new(),
            person_key: None,
            record_province: None,
        };
        m.hash = audit_event::chain_hash(previous, &m);
        m
    }

    fn chain(n: i64) -> Vec<audit_event::Model> {
        let mut out: Vec<audit_event::Model> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(audit_event::GENESIS.to_owned(), |e| e.hash.clone());
            out.push(event(seq, &prev));
        }
        out
    }

    fn verify(rows: &[audit_event::Model], cps: &[audit_checkpoint::Model]) -> Verification {
        let k = keys();
        let trusted = k.public_key_hex();
        let mut c = ChainCheck::new(0, audit_event::GENESIS, trusted.as_deref());
        for r in rows {
            c.row(r);
        }
        c.finish(cps, None)
    }

    #[test]
    fn an_untouched_chain_verifies_and_its_checkpoint_is_signed() {
        let rows = chain(5);
        let cp = keys().checkpoint(5, &rows[4].hash, Utc::now()).expect("signed");
        let v = verify(&rows, &[cp]);
        assert!(v.verified(), "{v:?}");
        assert_eq!(v.signed_through.map(|s| s.0), Some(5));
    }

    #[test]
    fn altered_removed_and_inserted_events_name_their_sequence() {
        let mut altered = chain(5);
        altered[2].detail = Some("rewritten".into());
        assert_eq!(verify(&altered, &[]).broken.map(|b| b.seq), Some(3));

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify(&removed, &[]).broken.map(|b| b.seq), Some(2));

        let mut inserted = chain(5);
        let forged = event(3, &inserted[1].hash);
        inserted.insert(3, forged);
        assert_eq!(verify(&inserted, &[]).broken.map(|b| b.seq), Some(3));
    }

    #[test]
    fn a_rewritten_chain_is_caught_by_the_checkpoint_or_its_key() {
        let rows = chain(4);
        let cp = keys().checkpoint(4, &rows[3].hash, Utc::now()).expect("signed");
        // The whole chain recomputed after a change: every hash matches, the checkpoint does not.
        let mut rewritten = rows.clone();
        rewritten[1].subject = "someone-else".into();
        for i in 1..4 {
            let prev = rewritten[i - 1].hash.clone();
            rewritten[i].hash = audit_event::chain_hash(&prev, &rewritten[i]);
        }
        assert_eq!(verify(&rewritten, std::slice::from_ref(&cp)).broken.map(|b| b.seq), Some(4));
        // …and a checkpoint signed by another key is not trusted.
        let other = Keys::new(Some(SigningKey::from_bytes(&[9; 32])), None);
        let forged = other.checkpoint(4, &rewritten[3].hash, Utc::now()).expect("signed");
        assert!(!verify(&rewritten, &[forged]).verified());
    }

    #[test]
    fn the_person_key_is_keyed_and_hides_the_number() {
        let k = keys();
        let a = k.person_key("001203004567").expect("keyed");
        assert_eq!(a.len(), 64);
        assert!(!a.contains("001203004567"));
        assert_eq!(Some(a.clone()), k.person_key("001203004567"));
        assert_ne!(Some(a), Keys::new(None, Some(b"other".to_vec())).person_key("001203004567"));
        assert_eq!(Keys::new(None, None).person_key("001203004567"), None);
    }

    #[test]
    fn a_bundle_verifies_alone_and_fails_when_one_byte_changes() {
        let rows = chain(6);
        let k = keys();
        let b = Bundle {
            format: BUNDLE_FORMAT.into(),
            from: 3,
            to: 6,
            anchor_hash: rows[1].hash.clone(),
            public_key: k.public_key_hex(),
            events: rows[2..].to_vec(),
            checkpoints: vec![k.checkpoint(6, &rows[5].hash, Utc::now()).expect("signed")],
            exported_at: Utc::now(),
        };
        let bytes = serde_json::to_vec(&b).expect("json");
        let v = verify_bundle(&bytes, None).expect("readable");
        assert!(v.verified(), "{v:?}");
        assert_eq!(v.signed_through.map(|s| s.0), Some(6));
        let text = String::from_utf8(bytes).expect("utf-8");
        let changed = text.replacen("officer-4", "officer-5", 1);
        let v = verify_bundle(changed.as_bytes(), None).expect("readable");
        assert_eq!(v.broken.map(|b| b.seq), Some(4));
    }
}
