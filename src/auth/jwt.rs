//! Bearer-token authentication (RFC 8725 practice): the algorithm is pinned
//! by the configured key, `exp`, `iss`, `aud` and `sub` are required and
//! exact, `nbf` is honoured with at most 60 s of leeway, claims of the wrong
//! type are refused, and no key is ever fetched from a token's header
//! (`jku`, `x5u`, `jwk` are ignored; `kid` only picks among configured keys).

use super::{Principal, Role};
use crate::domain::ProvinceCode;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;
/// Shortest HS256 secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a token was refused. Clients only ever see "invalid or expired
/// token"; the variant is for the log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Not `Bearer <token>`.
    #[error("authorization header is not a bearer token")]
    NotBearer,
    /// Signature, algorithm, time or registered-claim check failed.
    #[error("token refused: {0}")]
    Token(#[from] jsonwebtoken::errors::Error),
    /// No configured key verifies this algorithm (or `kid`).
    #[error("no configured key for algorithm {0:?}")]
    NoKey(Algorithm),
    /// `role` is not one coopgate knows.
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    /// `province` missing for an officer, or not a province in force.
    #[error("bad province claim {0:?}")]
    BadProvince(Option<String>),
    /// No key is configured at all.
    #[error("authentication is not configured")]
    NotConfigured,
    /// The header lists `crit` extensions; coopgate understands none, so
    /// RFC 7515 §4.1.11 says refuse.
    #[error("token header has critical extensions coopgate does not understand")]
    Critical,
    /// `typ` is present and neither `JWT` nor `at+jwt`.
    #[error("token type {0:?} is not JWT or at+jwt")]
    WrongType(String),
    /// `sub` is empty, longer than [`MAX_SUBJECT_CHARS`], or holds control
    /// characters: it could not be audited as given.
    #[error("subject claim is empty, too long or not printable")]
    BadSubject,
}

/// Longest `sub` accepted, in characters: the width of the audit trail's
/// subject column (`audit_event.subject`, varchar(200)).
pub const MAX_SUBJECT_CHARS: usize = 200;

/// Whether `typ` names a JWT: `JWT` or `at+jwt` (RFC 9068), compared without
/// regard to case, with an optional `application/` prefix (RFC 7515 §4.1.9).
fn acceptable_type(typ: &str) -> bool {
    let t = typ.to_ascii_lowercase();
    let t = t.strip_prefix("application/").unwrap_or(&t);
    t == "jwt" || t == "at+jwt"
}

fn acceptable_subject(sub: &str) -> bool {
    !sub.trim().is_empty() && sub.chars().count() <= MAX_SUBJECT_CHARS && !sub.chars().any(char::is_control)
}

/// A configuration problem with the keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The public-key file could not be read.
    #[error("COOPGATE_JWT_PUBLIC_KEY_FILE: cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// The file is neither an RSA/EC public key in PEM nor a JWKS.
    #[error("COOPGATE_JWT_PUBLIC_KEY_FILE: {0}")]
    Parse(String),
    /// A key is configured without an issuer or audience.
    #[error("{0}: required when a JWT key is configured")]
    Missing(&'static str),
    /// The HS256 secret is too short.
    #[error("COOPGATE_JWT_HS256_SECRET: must be at least {MIN_SECRET_BYTES} bytes")]
    ShortSecret,
}

/// One key coopgate verifies with.
#[derive(Clone)]
struct VerifyingKey {
    algorithm: Algorithm,
    kid: Option<String>,
    key: DecodingKey,
}

/// The token's claims as coopgate reads them. Wrong JSON types fail here.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: who the caller is.
    pub sub: String,
    /// `national_admin`, `provincial_officer`, `portal_reader` or `sync_service`.
    pub role: String,
    /// 2025 province code; required for provincial officers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

/// The claim name of a role.
pub fn role_claim(role: Role) -> &'static str {
    match role {
        Role::NationalAdmin => "national_admin",
        Role::ProvincialOfficer => "provincial_officer",
        Role::PortalReader => "portal_reader",
        Role::SyncService => "sync_service",
        Role::Anonymous => "anonymous",
    }
}

fn parse_role(s: &str) -> Option<Role> {
    match s {
        "national_admin" => Some(Role::NationalAdmin),
        "provincial_officer" => Some(Role::ProvincialOfficer),
        "portal_reader" => Some(Role::PortalReader),
        "sync_service" => Some(Role::SyncService),
        _ => None,
    }
}

/// Verifies bearer tokens against the configured keys.
#[derive(Clone)]
pub struct Authenticator {
    keys: Vec<VerifyingKey>,
    issuer: String,
    audience: String,
    provinces: HashSet<String>,
}

/// What the authenticator is built from.
#[derive(Debug, Clone, Default)]
pub struct KeySettings {
    /// HS256 shared secret.
    pub hs256_secret: Option<String>,
    /// PEM public key or JWKS file.
    pub public_key_file: Option<std::path::PathBuf>,
    /// Required `iss`.
    pub issuer: Option<String>,
    /// Required `aud`.
    pub audience: Option<String>,
}

impl KeySettings {
    /// Whether any key is configured.
    pub fn has_key(&self) -> bool {
        self.hs256_secret.is_some() || self.public_key_file.is_some()
    }
}

fn public_keys(path: &Path) -> Result<Vec<VerifyingKey>, KeyError> {
    let bytes = std::fs::read(path).map_err(|source| KeyError::Read { path: path.display().to_string(), source })?;
    if let Ok(set) = serde_json::from_slice::<JwkSet>(&bytes) {
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let algorithm = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => Algorithm::RS256,
                AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
                _ => return Err(KeyError::Parse("JWKS keys must be RSA or EC P-256".into())),
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| KeyError::Parse(e.to_string()))?;
            keys.push(VerifyingKey { algorithm, kid: jwk.common.key_id.clone(), key });
        }
        if keys.is_empty() {
            return Err(KeyError::Parse("the JWKS holds no key".into()));
        }
        return Ok(keys);
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(&bytes) {
        return Ok(vec![VerifyingKey { algorithm: Algorithm::RS256, kid: None, key }]);
    }
    if let Ok(key) = DecodingKey::from_ec_pem(&bytes) {
        return Ok(vec![VerifyingKey { algorithm: Algorithm::ES256, kid: None, key }]);
    }
    Err(KeyError::Parse("not an RSA or EC public key in PEM, nor a JWKS".into()))
}

impl Authenticator {
    /// Builds the authenticator; `provinces` are the codes a `province`
    /// claim may name (the provinces in force). `None` when no key is set.
    pub fn new(settings: &KeySettings, provinces: HashSet<String>) -> Result<Option<Self>, KeyError> {
        if !settings.has_key() {
            return Ok(None);
        }
        let issuer = settings.issuer.clone().ok_or(KeyError::Missing("COOPGATE_JWT_ISSUER"))?;
        let audience = settings.audience.clone().ok_or(KeyError::Missing("COOPGATE_JWT_AUDIENCE"))?;
        let mut keys = Vec::new();
        if let Some(secret) = &settings.hs256_secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(KeyError::ShortSecret);
            }
            keys.push(VerifyingKey {
                algorithm: Algorithm::HS256,
                kid: None,
                key: DecodingKey::from_secret(secret.as_bytes()),
            });
        }
        if let Some(path) = &settings.public_key_file {
            keys.extend(public_keys(path)?);
        }
        Ok(Some(Authenticator { keys, issuer, audience, provinces }))
    }

    /// Verifies a token and returns the caller.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = jsonwebtoken::decode_header(token)?;
        if header.crit.is_some() {
            return Err(AuthError::Critical);
        }
        if let Some(typ) = header.typ.as_deref().filter(|t| !acceptable_type(t)) {
            return Err(AuthError::WrongType(typ.chars().take(32).collect()));
        }
        // With a `kid`, only the key of that id (or keys without one); without
        // a `kid`, every key of the algorithm in turn (key rotation: the
        // issuer may sign with a new key before tokens name it).
        let candidates: Vec<&VerifyingKey> = self
            .keys
            .iter()
            .filter(|k| k.algorithm == header.alg)
            .filter(|k| match (&header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            })
            .collect();
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let mut last = AuthError::NoKey(header.alg);
        let mut verified = None;
        for key in candidates {
            match jsonwebtoken::decode::<Claims>(token, &key.key, &validation) {
                Ok(data) => {
                    verified = Some(data.claims);
                    break;
                }
                Err(e) => last = AuthError::Token(e),
            }
        }
        let claims = verified.ok_or(last)?;
        if !acceptable_subject(&claims.sub) {
            return Err(AuthError::BadSubject);
        }
        let role = parse_role(&claims.role).ok_or_else(|| AuthError::UnknownRole(bounded(&claims.role)))?;
        let province = match (&role, &claims.province) {
            (Role::ProvincialOfficer, None) => return Err(AuthError::BadProvince(None)),
            (_, None) => None,
            (_, Some(p)) => match ProvinceCode::parse(p) {
                Ok(code) if self.provinces.contains(code.as_str()) => Some(code),
                _ => return Err(AuthError::BadProvince(Some(bounded(p)))),
            },
        };
        Ok(Principal { subject: claims.sub, role, province })
    }

    /// Verifies an `Authorization` header value (`Bearer <token>`).
    pub fn verify_header(&self, value: &str) -> Result<Principal, AuthError> {
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::NotBearer)?;
        self.verify(token)
    }
}

/// A claim value cut to 32 characters, for the log.
fn bounded(s: &str) -> String {
    s.chars().take(32).collect()
}

/// Mints an HS256 token (for `coopgate token`, development and tests).
pub fn mint_hs256(secret: &str, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()))
}

/// Claims for a new token valid from now for `ttl`.
pub fn claims_for(
    subject: &str,
    role: Role,
    province: Option<&str>,
    issuer: &str,
    audience: &str,
    ttl: std::time::Duration,
) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: subject.to_owned(),
        role: role_claim(role).to_owned(),
        province: province.map(str::to_owned),
        iss: issuer.to_owned(),
        aud: audience.to_owned(),
        exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        nbf: Some(now),
        iat: Some(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn auth() -> Authenticator {
        let settings = KeySettings {
            hs256_secret: Some(SECRET.into()),
            issuer: Some("iss".into()),
            audience: Some("aud".into()),
            ..Default::default()
        };
        Authenticator::new(&settings, ["40".to_owned()].into()).expect("valid").expect("configured")
    }

    fn token(role: Role, province: Option<&str>) -> String {
        mint_hs256(SECRET, &claims_for("u1", role, province, "iss", "aud", Duration::from_secs(60))).expect("mint")
    }

    #[test]
    fn a_valid_token_names_the_caller() {
        let p = auth().verify(&token(Role::ProvincialOfficer, Some("40"))).expect("valid");
        assert_eq!(
            (p.subject.as_str(), p.role, p.province.map(|c| c.to_string())),
            ("u1", Role::ProvincialOfficer, Some("40".into()))
        );
    }

    #[test]
    fn officers_need_a_province_in_force() {
        assert!(matches!(auth().verify(&token(Role::ProvincialOfficer, None)), Err(AuthError::BadProvince(None))));
        assert!(matches!(auth().verify(&token(Role::ProvincialOfficer, Some("58"))), Err(AuthError::BadProvince(_))));
    }

    #[test]
    fn short_secrets_and_missing_issuer_are_configuration_errors() {
        let mut s = KeySettings {
            hs256_secret: Some("short".into()),
            issuer: Some("i".into()),
            audience: Some("a".into()),
            ..Default::default()
        };
        assert!(matches!(Authenticator::new(&s, HashSet::new()), Err(KeyError::ShortSecret)));
        s.hs256_secret = Some(SECRET.into());
        s.issuer = None;
        assert!(matches!(Authenticator::new(&s, HashSet::new()), Err(KeyError::Missing("COOPGATE_JWT_ISSUER"))));
    }

    #[test]
    fn header_must_be_bearer() {
        assert!(matches!(auth().verify_header("Basic abc"), Err(AuthError::NotBearer)));
        assert!(matches!(auth().verify_header("Bearer "), Err(AuthError::NotBearer)));
    }
}
