//! Official codes, validated when parsed: a value of these types is always
//! well-formed, so code further in never re-checks.

use std::fmt;

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The text does not have the code's shape.
    #[error("must be {expected}, got {got:?}")]
    Malformed { expected: &'static str, got: String },
    /// A tax code whose check digit does not match its first nine digits.
    #[error("check digit of tax code {0:?} does not match")]
    CheckDigit(String),
    /// A dependent unit's code (mã số đơn vị phụ thuộc: branch, representative
    /// office, business location) given where an organisation's own code is needed.
    #[error(
        "{code:?} is the code of a dependent unit (branch, representative office) of {parent}; an organisation's own code is its 10-digit tax code"
    )]
    BranchCode {
        /// The code as given.
        code: String,
        /// The 10-digit code of the unit it depends on.
        parent: String,
    },
    /// A 13-character code with suffix "-000": dependent units are numbered
    /// 001–999, so it names nothing.
    #[error(
        "{0:?} ends in -000, which is never issued: dependent units are numbered 001 to 999, and an organisation's own code is its 10 digits without a suffix"
    )]
    ZeroSuffix(String),
}

fn digits(s: &str, n: usize, expected: &'static str) -> Result<String, CodeError> {
    let t = s.trim();
    if t.len() == n && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t.to_owned())
    } else {
        Err(CodeError::Malformed { expected, got: s.to_owned() })
    }
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $len:expr, $expected:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses and validates the code.
            pub fn parse(s: &str) -> Result<Self, CodeError> {
                digits(s, $len, $expected).map(Self)
            }

            /// The code as text, leading zeros kept.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// A province code (mã tỉnh): 2 digits, e.g. "40".
    ProvinceCode, 2, "a 2-digit province code"
);
code_type!(
    /// A ward/commune code (mã xã): 5 digits, e.g. "16681".
    WardCode, 5, "a 5-digit ward code"
);

/// A legacy (pre-2025) province or district code: 2 or 3 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LegacyUnitCode {
    /// A former province (2 digits).
    Province(String),
    /// A former district (3 digits).
    District(String),
}

impl LegacyUnitCode {
    /// Parses a 2-digit province or 3-digit district code.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const EXPECTED: &str = "a 2-digit province or 3-digit district code";
        match s.trim().len() {
            2 => digits(s, 2, EXPECTED).map(Self::Province),
            3 => digits(s, 3, EXPECTED).map(Self::District),
            _ => Err(CodeError::Malformed { expected: EXPECTED, got: s.to_owned() }),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Province(c) | Self::District(c) => c,
        }
    }
}

/// A tax code (mã số thuế), which is also a cooperative's code: 10 digits
/// whose last is a check digit, optionally followed by "-NNN" for a dependent
/// unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxCode(String);

/// Weights of the first nine digits in the check-digit sum.
const TAX_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

impl TaxCode {
    /// The check digit for nine leading digits, or `None` when the sum gives
    /// 10 (such codes are never issued).
    pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
        let sum: u32 = first_nine.iter().zip(TAX_WEIGHTS).map(|(d, w)| u32::from(*d) * w).sum();
        let check = 10 - (sum % 11);
        match check {
            10 => None,
            11 => Some(0),
            c => u8::try_from(c).ok(),
        }
    }

    /// Parses and validates a tax code, check digit included.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const EXPECTED: &str = "a 10-digit tax code, optionally followed by -NNN";
        let t = s.trim();
        let malformed = || CodeError::Malformed { expected: EXPECTED, got: s.to_owned() };
        let (main, branch) = match t.split_once('-') {
            Some((m, b)) => (m, Some(b)),
            None => (t, None),
        };
        if main.len() != 10 || !main.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        if let Some(b) = branch {
            if b.len() != 3 || !b.bytes().all(|c| c.is_ascii_digit()) {
                return Err(malformed());
            }
            if b == "000" {
                return Err(CodeError::ZeroSuffix(s.to_owned()));
            }
        }
        let d: Vec<u8> = main.bytes().map(|b| b - b'0').collect();
        let mut nine = [0u8; 9];
        nine.copy_from_slice(&d[..9]);
        if Self::check_digit(&nine) != Some(d[9]) {
            return Err(CodeError::CheckDigit(s.to_owned()));
        }
        Ok(Self(t.to_owned()))
    }

    /// Parses the code an organisation (cooperative, union) is known by: a
    /// valid 10-digit tax code. A dependent unit's 13-character code
    /// (suffix 001–999) is refused, saying why (Decree 92/2024 on
    /// cooperative registration: a branch has the parent's code plus a
    /// 3-digit suffix and is not itself a cooperative).
    pub fn parse_own(s: &str) -> Result<Self, CodeError> {
        let code = Self::parse(s)?;
        match code.branch_of() {
            Some(parent) => Err(CodeError::BranchCode { code: code.0.clone(), parent: parent.to_owned() }),
            None => Ok(code),
        }
    }

    /// For a dependent unit's code, the 10-digit code of the unit it
    /// depends on; `None` for an organisation's own code.
    pub fn branch_of(&self) -> Option<&str> {
        self.0.split_once('-').map(|(parent, _)| parent)
    }

    /// Builds the tax code for nine leading digits, if one can be issued.
    pub fn from_first_nine(first_nine: [u8; 9]) -> Option<Self> {
        let check = Self::check_digit(&first_nine)?;
        let mut s: String = first_nine.iter().map(|d| char::from(b'0' + d)).collect();
        s.push(char::from(b'0' + check));
        Some(Self(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_code_is_two_digits() {
        assert_eq!(ProvinceCode::parse("40").map(|c| c.to_string()), Ok("40".into()));
        assert!(ProvinceCode::parse("ABC").is_err());
        assert!(ProvinceCode::parse("4").is_err());
        assert!(ProvinceCode::parse("400").is_err());
    }

    #[test]
    fn ward_code_is_five_digits() {
        assert!(WardCode::parse("00004").is_ok());
        assert!(WardCode::parse("0000A").is_err());
        assert!(WardCode::parse("0004").is_err());
    }

    #[test]
    fn legacy_code_length_selects_the_level() {
        assert_eq!(LegacyUnitCode::parse("58"), Ok(LegacyUnitCode::Province("58".into())));
        assert_eq!(LegacyUnitCode::parse("365"), Ok(LegacyUnitCode::District("365".into())));
        assert!(LegacyUnitCode::parse("5").is_err());
        assert!(LegacyUnitCode::parse("58a").is_err());
    }

    #[test]
    fn real_tax_code_passes_its_check_digit() {
        assert!(TaxCode::parse("0100109106").is_ok());
        assert!(TaxCode::parse("0100109106-001").is_ok());
        assert_eq!(TaxCode::parse("0100109107"), Err(CodeError::CheckDigit("0100109107".into())));
        assert!(TaxCode::parse("010010910").is_err());
        assert!(TaxCode::parse("0100109106-01").is_err());
    }

    #[test]
    fn branch_codes_are_not_an_organisations_own_code() {
        assert!(TaxCode::parse_own("0100109106").is_ok());
        assert_eq!(
            TaxCode::parse_own("0100109106-001"),
            Err(CodeError::BranchCode { code: "0100109106-001".into(), parent: "0100109106".into() })
        );
        assert!(TaxCode::parse_own("0100109106-999").is_err());
        assert_eq!(TaxCode::parse("0100109106-000"), Err(CodeError::ZeroSuffix("0100109106-000".into())));
        assert_eq!(TaxCode::parse_own("0100109106-000"), Err(CodeError::ZeroSuffix("0100109106-000".into())));
        let msg = TaxCode::parse_own("0100109106-002").map(|_| ()).expect_err("a branch code").to_string();
        assert!(msg.contains("dependent unit") && msg.contains("0100109106;"), "{msg}");
    }

    #[test]
    fn issued_codes_round_trip() {
        let code = TaxCode::from_first_nine([0, 1, 0, 0, 1, 0, 9, 1, 0]).expect("issuable");
        assert_eq!(code.as_str(), "0100109106");
    }
}
