//! Money in Vietnamese đồng, stored as whole hundredths so that sums are
//! exact on every database.

use rust_decimal::Decimal;

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// More than two decimal places.
    #[error("at most 2 decimal places")]
    TooPrecise,
    /// Beyond what the store can hold.
    #[error("amount too large")]
    TooLarge,
}

/// Converts an amount in đồng to stored hundredths.
pub fn to_minor_units(amount: Decimal) -> Result<i64, MoneyError> {
    if amount.normalize().scale() > 2 {
        return Err(MoneyError::TooPrecise);
    }
    let minor = amount.checked_mul(Decimal::from(100)).ok_or(MoneyError::TooLarge)?;
    i64::try_from(minor.trunc()).map_err(|_| MoneyError::TooLarge)
}

/// Converts stored hundredths back to đồng with two decimal places.
pub fn from_minor_units(minor: i64) -> Decimal {
    Decimal::new(minor, 2).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn round_trips_two_decimals() {
        let d = Decimal::from_str("1250000000.50").expect("decimal");
        let m = to_minor_units(d).expect("fits");
        assert_eq!(m, 125_000_000_050);
        assert_eq!(from_minor_units(m).to_string(), "1250000000.5");
    }

    #[test]
    fn refuses_fractions_of_a_hundredth() {
        let d = Decimal::from_str("1.005").expect("decimal");
        assert_eq!(to_minor_units(d), Err(MoneyError::TooPrecise));
    }
}
