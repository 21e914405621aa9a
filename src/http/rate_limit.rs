//! Per-principal rate limits by query cost: each principal (token subject,
//! or client address when anonymous) has a GCRA bucket (the `governor`
//! crate) that refills `cost_per_minute` points a minute and holds at most
//! that many. Every operation spends its requested cost (at least 1) before
//! it runs. State is in-process: each replica limits on its own.

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

/// The rate limiter shared by all requests of this process.
#[derive(Clone)]
pub struct CostLimiter {
    limiter: Arc<Limiter>,
    per_minute: NonZeroU32,
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
        Some(CostLimiter { limiter: Arc::new(limiter), per_minute })
    }

    /// Spends `cost` points of `key`'s bucket, or says when it could.
    pub fn spend(&self, key: &str, cost: u64) -> Result<Remaining, Limited> {
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

    #[test]
    fn spending_past_the_bucket_says_when_to_retry() {
        let l = CostLimiter::new(60).expect("on");
        assert_eq!(l.spend("sub:a", 50).map(|r| r.points), Ok(10));
        let refused = l.spend("sub:a", 20).expect_err("over");
        assert!((10..=11).contains(&refused.retry_after_secs), "{refused:?}");
        assert!(l.spend("sub:b", 60).is_ok(), "buckets are per principal");
        assert_eq!(l.spend("sub:c", 61), Err(Limited { retry_after_secs: 60 }));
        assert!(CostLimiter::new(0).is_none());
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
