//! The contract's scalars: `Date`, `DateTime` and `Decimal`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, SecondsFormat, Utc};
use std::str::FromStr;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// ISO 8601 calendar date, e.g. "2024-07-01" (RFC 3339 `full-date`).
#[Scalar(name = "Date", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("expected a date like 2024-07-01, got {s:?}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// RFC 3339 instant, e.g. "2026-11-22T08:00:00Z".
#[Scalar(name = "DateTime", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                chrono::DateTime::parse_from_rfc3339(s).map(|t| DateTime(t.with_timezone(&Utc))).map_err(|_| {
                    InputValueError::custom(format!(
                        "expected an RFC 3339 instant like 2026-11-22T08:00:00Z, got {s:?}"
                    ))
                })
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// An exact decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

/// Exact decimal as a string, e.g. "1250000000.50": an optional sign, digits
/// and an optional fraction, without exponent (a decimal number string of the
/// General Decimal Arithmetic specification); integers are accepted as input.
#[Scalar(name = "Decimal", specified_by_url = "https://speleotrove.com/decimal/daconvs.html")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => rust_decimal::Decimal::from_str(s.trim())
                .map(Decimal)
                .map_err(|_| InputValueError::custom(format!("expected a decimal like \"1250000000.50\", got {s:?}"))),
            Value::Number(n) if n.is_i64() => Ok(Decimal(rust_decimal::Decimal::from(n.as_i64().unwrap_or_default()))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}
