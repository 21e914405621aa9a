//! Per-principal rate limits by query cost: each principal (token subject,
//! or client address when anonymous) has a GCRA bucket (the `governor`
//! crate) that refills `cost_per_minute` points a minute and holds at most
//! that many. Every operation spends its requested cost (at least 1) before
//! it runs. State is in-process (each replica limits on its own) unless
//! `COOPGATE_REDIS_URL` is set: then every bucket lives in Redis and one
//! atomic GCRA script spends from it ([`SharedBuckets`]), so a principal's
//! budget holds across replicas. When Redis does not answer in time, the
//! replica falls back to its own buckets for that request (and logs it).

use crate::auth::{Principal, Role};
use axum::http::{HeaderMap, HeaderName};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

type Limiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The rate limiter shared by all requests of this process (and, with
/// Redis, by every replica).
#[derive(Clone)]
pub struct CostLimiter {
    limiter: Arc<Limiter>,
    per_minute: NonZeroU32,
    shared: Option<Arc<SharedBuckets>>,
}

/// A refusal: spend again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// How long until the cost fits, rounded up to whole seconds (at least 1).
    pub retry_after_secs: u64,
}

/// What a principal has left after spending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining {
    /// Points left in the bucket.
    pub points: u32,
    /// Points the bucket refills per minute (and holds at most).
    pub per_minute: u32,
}

impl CostLimiter {
    /// A limiter of `per_minute` points a minute; `None` when 0 (off).
    pub fn new(per_minute: u32) -> Option<CostLimiter> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let limiter =
            RateLimiter::dashmap(Quota::per_minute(per_minute)).with_middleware::<StateInformationMiddleware>();
        Some(CostLimiter { limiter: Arc::new(limiter), per_minute, shared: None })
    }

    /// The same limits with the buckets in Redis, shared by every replica
    /// that uses `shared` (its own buckets are kept as the fallback).
    pub fn shared_through(self, shared: SharedBuckets) -> CostLimiter {
        CostLimiter { shared: Some(Arc::new(shared)), ..self }
    }

    /// Whether the buckets are in Redis.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Spends `cost` points of `key`'s bucket, or says when it could. A
    /// refusal is counted for `/metrics`.
    pub async fn spend(&self, key: &str, cost: u64) -> Result<Remaining, Limited> {
        let spent = match &self.shared {
            Some(shared) => match shared.spend(key, cost, self.per_minute).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "rate limit: Redis unavailable; limiting in this process");
                    self.spend_here(key, cost)
                }
            },
            None => self.spend_here(key, cost),
        };
        if spent.is_err() {
            crate::meter::rate_limited();
        }
        spent
    }

    fn spend_here(&self, key: &str, cost: u64) -> Result<Remaining, Limited> {
        let n = u32::try_from(cost.max(1)).ok().and_then(NonZeroU32::new).unwrap_or(NonZeroU32::MAX);
        let key = key.to_owned();
        match self.limiter.check_key_n(&key, n) {
            Ok(Ok(snapshot)) => {
                Ok(Remaining { points: snapshot.remaining_burst_capacity(), per_minute: self.per_minute.get() })
            }
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Err(Limited { retry_after_secs: whole_seconds(wait) })
            }
            // More than the bucket ever holds: never, but say a minute
            // (the document limits keep costs below this when configured sanely).
            Err(_) => Err(Limited { retry_after_secs: 60 }),
        }
    }

    /// Forgets buckets that are full again (call now and then to bound memory).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Buckets held.
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}

/// How long a replica waits for Redis before limiting on its own.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// GCRA in one atomic script: the bucket is the theoretical arrival time
/// (TAT, microseconds on Redis's clock, so replicas' clocks do not matter).
/// ARGV: microseconds per point, capacity in points, cost. Returns
/// `{1, points left}`, `{0, microseconds to wait}`, or `{-1, 0}` when the
/// cost is more than the bucket ever holds.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
if cost > capacity then return {-1, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + cost * interval
local allow_at = new_tat - capacity * interval
if allow_at > now then return {0, allow_at - now} end
local ttl = math.ceil((new_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
return {1, math.floor((now - allow_at) / interval)}
";

/// Why Redis could not decide.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    /// The connection or the script failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// No answer within [`REDIS_TIMEOUT`].
    #[error("redis: no answer within {0:?}")]
    Timeout(Duration),
}

/// Buckets in Redis (one key per principal, under a prefix), spent by an
/// atomic GCRA script. Keys hold a hash of the principal's key, never the
/// subject or address itself.
pub struct SharedBuckets {
    conn: redis::aio::ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl SharedBuckets {
    /// Connects to `url`; keys start with `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<SharedBuckets, SharedError> {
        let client = redis::Client::open(url)?;
        let conn = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .map_err(|_| SharedError::Timeout(Duration::from_secs(5)))??;
        Ok(SharedBuckets { conn, prefix: prefix.to_owned(), script: redis::Script::new(GCRA) })
    }

    /// The Redis key of a principal's bucket.
    fn key(&self, key: &str) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(key.as_bytes());
        format!("{}rl:{}", self.prefix, hex::encode(&digest[..16]))
    }

    async fn spend(
        &self,
        key: &str,
        cost: u64,
        per_minute: NonZeroU32,
    ) -> Result<Result<Remaining, Limited>, SharedError> {
        let interval = (60_000_000 / u64::from(per_minute.get())).max(1);
        let mut conn = self.conn.clone();
        let mut invocation = self.script.key(self.key(key));
        invocation.arg(interval).arg(per_minute.get()).arg(cost.max(1));
        let call = invocation.invoke_async(&mut conn);
        let (status, value): (i64, i64) =
            tokio::time::timeout(REDIS_TIMEOUT, call).await.map_err(|_| SharedError::Timeout(REDIS_TIMEOUT))??;
        Ok(match status {
            1 => {
                Ok(Remaining { points: u32::try_from(value.max(0)).unwrap_or(u32::MAX), per_minute: per_minute.get() })
            }
            0 => Err(Limited { retry_after_secs: whole_seconds(Duration::from_micros(value.max(0) as u64)) }),
            _ => Err(Limited { retry_after_secs: 60 }),
        })
    }
}

fn whole_seconds(d: Duration) -> u64 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.max(1)
}

/// The bucket a request spends from: `sub:<subject>` for a token's subject,
/// `ip:<address>` for anonymous callers.
pub fn principal_key(principal: &Principal, client: Option<IpAddr>) -> String {
    match (principal.role, client) {
        (Role::Anonymous, Some(ip)) => format!("ip:{ip}"),
        (Role::Anonymous, None) => "ip:unknown".to_owned(),
        _ => format!("sub:{}", principal.subject),
    }
}

/// The client's address: the last address in `header` (set by a trusted
/// proxy) when configured and well-formed, else the peer's.
pub fn client_ip(headers: &HeaderMap, header: Option<&HeaderName>, peer: Option<SocketAddr>) -> Option<IpAddr> {
    let from_header = header.and_then(|h| {
        let last = headers.get_all(h).iter().next_back()?.to_str().ok()?;
        last.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    });
    from_header.or(peer.map(|p| p.ip()))
}

/// Subscriptions running per principal in this process, capped.
pub struct SubscriptionCounter {
    per_principal: usize,
    counts: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

/// One running subscription of a principal; dropping it frees the place.
pub struct SubscriptionSlot {
    key: String,
    counts: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl SubscriptionCounter {
    /// A counter allowing `per_principal` subscriptions per principal.
    pub fn new(per_principal: usize) -> Self {
        SubscriptionCounter { per_principal, counts: Default::default() }
    }

    /// Takes a place for `key` (see [`principal_key`]), or `None` when it
    /// already runs as many subscriptions as allowed.
    pub fn acquire(&self, key: &str) -> Option<SubscriptionSlot> {
        let mut counts = self.counts.lock().ok()?;
        let n = counts.entry(key.to_owned()).or_insert(0);
        if *n >= self.per_principal {
            return None;
        }
        *n += 1;
        Some(SubscriptionSlot { key: key.to_owned(), counts: self.counts.clone() })
    }

    /// The limit per principal.
    pub fn per_principal(&self) -> usize {
        self.per_principal
    }
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.lock() {
            if let Some(n) = counts.get_mut(&self.key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(&self.key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spending_past_the_bucket_says_when_to_retry() {
        let l = CostLimiter::new(60).expect("on");
        assert_eq!(l.spend("sub:a", 50).await.map(|r| r.points), Ok(10));
        let refused = l.spend("sub:a", 20).await.expect_err("over");
        assert!((10..=11).contains(&refused.retry_after_secs), "{refused:?}");
        assert!(l.spend("sub:b", 60).await.is_ok(), "buckets are per principal");
        assert_eq!(l.spend("sub:c", 61).await, Err(Limited { retry_after_secs: 60 }));
        assert!(CostLimiter::new(0).is_none());
    }

    /// Buckets in the Redis the replica tests use (TEST_REDIS_URL, default
    /// 127.0.0.1:6379; `.ci/run` starts one), under a prefix of the test's own.
    async fn redis_buckets(test: &str) -> Option<SharedBuckets> {
        let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let prefix = format!("coopgate-test:{test}:{}:", uuid::Uuid::new_v4());
        match SharedBuckets::connect(&url, &prefix).await {
            Ok(b) => Some(b),
            Err(e) => panic!("these tests need Redis at {url} (TEST_REDIS_URL): {e}"),
        }
    }

    #[tokio::test]
    async fn shared_buckets_spend_like_local_ones_across_limiters() {
        let Some(a) = redis_buckets("gcra").await else { return };
        let Some(b) = redis_buckets("gcra").await else { return };
        // Two limiters (two replicas) over one prefix: one bucket per principal.
        let b = SharedBuckets { prefix: a.prefix.clone(), ..b };
        let one = CostLimiter::new(60).expect("on").shared_through(a);
        let two = CostLimiter::new(60).expect("on").shared_through(b);
        assert_eq!(one.spend("sub:a", 50).await.map(|r| r.points), Ok(10));
        let refused = two.spend("sub:a", 20).await.expect_err("the other replica sees the spend");
        assert!((10..=11).contains(&refused.retry_after_secs), "{refused:?}");
        assert_eq!(two.spend("sub:a", 10).await.map(|r| r.points), Ok(0));
        assert!(two.spend("sub:b", 60).await.is_ok(), "buckets are per principal");
        assert_eq!(one.spend("sub:c", 61).await, Err(Limited { retry_after_secs: 60 }));
    }

    #[test]
    fn anonymous_callers_are_keyed_by_address() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().expect("value"));
        let name = HeaderName::from_static("x-forwarded-for");
        let peer: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        assert_eq!(client_ip(&h, Some(&name), Some(peer)), "10.0.0.1".parse().ok());
        assert_eq!(client_ip(&h, None, Some(peer)), Some(peer.ip()));
        let anon = Principal::anonymous();
        assert_eq!(principal_key(&anon, Some(peer.ip())), "ip:127.0.0.1");
        let officer = Principal { subject: "u1".into(), role: Role::ProvincialOfficer, province: None };
        assert_eq!(principal_key(&officer, Some(peer.ip())), "sub:u1");
    }

    #[test]
    fn subscriptions_are_counted_per_principal_and_freed_when_dropped() {
        let c = SubscriptionCounter::new(2);
        let a = c.acquire("ip:1").expect("first");
        let _b = c.acquire("ip:1").expect("second");
        assert!(c.acquire("ip:1").is_none(), "third refused");
        assert!(c.acquire("ip:2").is_some(), "another principal");
        drop(a);
        assert!(c.acquire("ip:1").is_some(), "a place freed");
    }
}
