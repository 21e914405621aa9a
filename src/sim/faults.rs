//! Fault injection: what can go wrong on the way to a national system, drawn
//! per request from a seeded random stream.

use super::input::{Errors, Obj};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest hang or latency accepted (10 minutes).
pub const MAX_DELAY_MS: u64 = 600_000;
/// Largest `Retry-After` accepted (1 day).
pub const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// Faults applied to every request to the two systems (not to `/_sim/*`).
/// Shares are probabilities from 0 to 1; the shares of 429s, 5xx answers,
/// timeouts and lost answers are exclusive outcomes of one draw, so they may
/// add up to at most 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Share answered 500, 502 or 503 (equally likely), not applied.
    pub error_rate: f64,
    /// Share held for `hang_ms` without being applied, then answered 504:
    /// a client with a shorter timeout sees a timeout.
    pub timeout_rate: f64,
    /// How long a timeout or a lost answer holds the connection.
    pub hang_ms: u64,
    /// Delay added before every answer.
    pub latency_ms: u64,
    /// Share answered 429 with `Retry-After`, not applied.
    pub rate_limit_rate: f64,
    /// `Retry-After` of a 429, in seconds (`retryAfterSeconds` in JSON).
    #[serde(rename = "retryAfterSeconds")]
    pub retry_after_secs: u64,
    /// Every request answered 503.
    pub outage: bool,
    /// Share processed normally (writes applied) whose answer is never
    /// delivered: the connection is closed without a response.
    pub lose_answer_rate: f64,
}

impl Default for Faults {
    /// No faults; hangs of 30 s and `Retry-After: 1` when turned on.
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            timeout_rate: 0.0,
            hang_ms: 30_000,
            latency_ms: 0,
            rate_limit_rate: 0.0,
            retry_after_secs: 1,
            outage: false,
            lose_answer_rate: 0.0,
        }
    }
}

impl Faults {
    /// Checks every share and delay; the refused fields, named as in JSON.
    pub fn validate(&self) -> Result<(), Vec<super::model::FieldError>> {
        let mut e = Errors::default();
        for (field, share) in [
            ("errorRate", self.error_rate),
            ("timeoutRate", self.timeout_rate),
            ("rateLimitRate", self.rate_limit_rate),
            ("loseAnswerRate", self.lose_answer_rate),
        ] {
            if !(0.0..=1.0).contains(&share) {
                e.add(field, format!("must be a share from 0 to 1, got {share}"));
            }
        }
        if self.hang_ms > MAX_DELAY_MS {
            e.add("hangMs", format!("must be at most {MAX_DELAY_MS}"));
        }
        if self.latency_ms > MAX_DELAY_MS {
            e.add("latencyMs", format!("must be at most {MAX_DELAY_MS}"));
        }
        if self.retry_after_secs > MAX_RETRY_AFTER_SECS {
            e.add("retryAfterSeconds", format!("must be at most {MAX_RETRY_AFTER_SECS}"));
        }
        let sum = self.error_rate + self.timeout_rate + self.rate_limit_rate + self.lose_answer_rate;
        if e.is_empty() && sum > 1.0 + 1e-9 {
            e.add_general(format!(
                "errorRate + timeoutRate + rateLimitRate + loseAnswerRate must be at most 1, got {sum}"
            ));
        }
        e.into_result()
    }

    /// Applies a partial update (`POST /_sim/faults`): only the fields
    /// present change. Unknown fields and bad values are refused, all at once.
    pub(crate) fn patched(&self, body: &Value) -> Result<Self, Vec<super::model::FieldError>> {
        let mut e = Errors::default();
        let mut next = self.clone();
        let Some(mut o) = Obj::root(body, &mut e) else {
            return Err(e.into_vec());
        };
        if let Some(v) = o.opt_share(&mut e, "errorRate") {
            next.error_rate = v;
        }
        if let Some(v) = o.opt_share(&mut e, "timeoutRate") {
            next.timeout_rate = v;
        }
        if let Some(v) = o.opt_share(&mut e, "rateLimitRate") {
            next.rate_limit_rate = v;
        }
        if let Some(v) = o.opt_share(&mut e, "loseAnswerRate") {
            next.lose_answer_rate = v;
        }
        if let Some(v) = o.opt_u64(&mut e, "hangMs", MAX_DELAY_MS) {
            next.hang_ms = v;
        }
        if let Some(v) = o.opt_u64(&mut e, "latencyMs", MAX_DELAY_MS) {
            next.latency_ms = v;
        }
        if let Some(v) = o.opt_u64(&mut e, "retryAfterSeconds", MAX_RETRY_AFTER_SECS) {
            next.retry_after_secs = v;
        }
        if let Some(v) = o.opt_bool(&mut e, "outage") {
            next.outage = v;
        }
        o.finish(&mut e);
        e.into_result()?;
        next.validate()?;
        Ok(next)
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Served normally.
    None,
    /// 503: the system is down.
    Outage,
    /// 429 with this `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// This 5xx status.
    ServerError(u16),
    /// Held this long, not applied, then 504.
    Timeout { hang_ms: u64 },
    /// Processed, then the connection is dropped without an answer.
    LoseAnswer { hang_ms: u64 },
}

/// The faults in force and the random stream they draw from.
pub(crate) struct FaultDice {
    faults: Faults,
    rng: StdRng,
}

impl FaultDice {
    /// Seeded dice for these faults.
    pub(crate) fn new(faults: Faults, seed: u64) -> Self {
        Self { faults, rng: StdRng::seed_from_u64(seed) }
    }

    /// The faults in force.
    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults (already validated); the random stream continues.
    pub(crate) fn set(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// Draws the fate of one request and the latency to add to it.
    pub(crate) fn draw(&mut self) -> (Fault, u64) {
        let f = &self.faults;
        if f.outage {
            return (Fault::Outage, f.latency_ms);
        }
        // One draw, split into consecutive bands: 429 | 5xx | timeout | lost answer | none.
        let u: f64 = self.rng.random();
        let bands = [f.rate_limit_rate, f.error_rate, f.timeout_rate, f.lose_answer_rate];
        let mut edge = 0.0;
        let band = bands.iter().position(|share| {
            edge += share;
            u < edge
        });
        let fault = match band {
            Some(0) => Fault::RateLimited { retry_after_secs: f.retry_after_secs },
            Some(1) => Fault::ServerError([500, 502, 503][self.rng.random_range(0..3)]),
            Some(2) => Fault::Timeout { hang_ms: f.hang_ms },
            Some(_) => Fault::LoseAnswer { hang_ms: f.hang_ms },
            None => Fault::None,
        };
        (fault, f.latency_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_outside_zero_to_one_are_refused_by_name() {
        let f = Faults { error_rate: 1.5, lose_answer_rate: -0.1, ..Faults::default() };
        let errors = f.validate().expect_err("refused");
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, ["errorRate", "loseAnswerRate"]);
    }

    #[test]
    fn shares_may_not_add_up_past_one() {
        let f = Faults { error_rate: 0.6, rate_limit_rate: 0.6, ..Faults::default() };
        assert!(f.validate().is_err());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let base = Faults { latency_ms: 20, ..Faults::default() };
        let next = base.patched(&serde_json::json!({"errorRate": 0.25, "outage": true})).expect("valid");
        assert_eq!(next, Faults { error_rate: 0.25, outage: true, latency_ms: 20, ..Faults::default() });
        assert!(base.patched(&serde_json::json!({"errorRate": "lots"})).is_err());
        assert!(base.patched(&serde_json::json!({"eror_rate": 0.1})).is_err());
    }

    #[test]
    fn the_same_seed_draws_the_same_fates() {
        let f = Faults { error_rate: 0.3, rate_limit_rate: 0.1, ..Faults::default() };
        let mut a = FaultDice::new(f.clone(), 7);
        let mut b = FaultDice::new(f, 7);
        let fates_a: Vec<_> = (0..100).map(|_| a.draw()).collect();
        let fates_b: Vec<_> = (0..100).map(|_| b.draw()).collect();
        assert_eq!(fates_a, fates_b);
        assert!(fates_a.iter().any(|(f, _)| matches!(f, Fault::ServerError(_))));
    }
}
