//! Checked codes and numbers: 全国地方公共団体コード, 住民票コード, 個人番号, 郵便番号.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

fn digits_of(s: &str, len: usize) -> Option<Vec<u32>> {
    if s.len() != len {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// 全国地方公共団体コード: five digits and a check digit (weights 6,5,4,3,2;
/// check = (11 − Σ mod 11) mod 10), e.g. 141003 for 横浜市.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalGovCode(u32);

impl LocalGovCode {
    /// The check digit for the first five digits.
    pub fn check_digit(five: &[u32]) -> u32 {
        let s: u32 = five.iter().zip([6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
        (11 - s % 11) % 10
    }

    /// Parses the 6-digit form, verifying the check digit.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        let d = digits_of(s, 6).ok_or_else(|| DomainError::InvalidLocalGovCode(s.into()))?;
        if Self::check_digit(&d[..5]) != d[5] {
            return Err(DomainError::InvalidLocalGovCode(s.into()));
        }
        s.parse::<u32>()
            .map(LocalGovCode)
            .map_err(|_| DomainError::InvalidLocalGovCode(s.into()))
    }

    /// Builds the code from the 5-digit form by appending the check digit.
    pub fn from_five(s: &str) -> Result<Self, DomainError> {
        let d = digits_of(s, 5).ok_or_else(|| DomainError::InvalidLocalGovCode(s.into()))?;
        Self::parse(&format!("{s}{}", Self::check_digit(&d)))
    }

    pub fn as_str(&self) -> String {
        format!("{:06}", self.0)
    }
}

impl fmt::Display for LocalGovCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}
impl TryFrom<String> for LocalGovCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}
impl From<LocalGovCode> for String {
    fn from(c: LocalGovCode) -> String {
        c.to_string()
    }
}

/// The mod-11 check digit used by 住民票コード and 個人番号: with P(n) the n-th digit
/// from the right and Q(n) = n + 1 for n ≤ 6, n − 5 for n ≥ 7, r = Σ P·Q mod 11 and
/// the check is 0 when r ≤ 1, else 11 − r (番号法施行令8条 / 総務省令85号5条; the
/// 住民票コード uses the same weights over its ten digits, 住基法施行規則1条).
pub fn mod11_check(body: &[u32]) -> u32 {
    let r: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            d * q
        })
        .sum::<u32>()
        % 11;
    if r <= 1 { 0 } else { 11 - r }
}

/// The highest serial a 宛名番号 or 世帯番号 carries: ten digits, so that with its check
/// digit a number stays below 10¹¹.
pub const MAX_SERIAL: i64 = 9_999_999_999;

/// 宛名番号・世帯番号 (1.1.13, j130): a serial followed by its check digit, modulus 11
/// with weights 2–7 from the right (remainder 0 gives 0; remainder 1 gives 0 as well, as
/// for the 住民票コード and 個人番号 with the same weights, so that one digit suffices).
pub fn serial_number(serial: i64) -> i64 {
    let digits: Vec<u32> = serial
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    serial * 10 + i64::from(mod11_check(&digits))
}

/// Is `number` a serial with its correct check digit (a number given under 1.1.13)?
pub fn is_serial_number(number: i64) -> bool {
    (10..=MAX_SERIAL * 10 + 9).contains(&number) && serial_number(number / 10) == number
}

macro_rules! numeric_code {
    ($name:ident, $len:expr, $err:expr) => {
        impl $name {
            /// Parses the code, verifying its check digit.
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                let s: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
                let d = digits_of(&s, $len).ok_or_else(|| $err(&s))?;
                if mod11_check(&d[..$len - 1]) != d[$len - 1] {
                    return Err($err(&s));
                }
                Ok($name(s))
            }

            /// Completes a body of all but the last digit with its check digit.
            pub fn from_body(body: &str) -> Result<Self, DomainError> {
                let d = digits_of(body, $len - 1).ok_or_else(|| $err(body))?;
                Self::parse(&format!("{body}{}", mod11_check(&d)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, DomainError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }
    };
}

/// 住民票コード: 11 digits, the last a check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JuminhyoCode(String);
numeric_code!(
    JuminhyoCode,
    11,
    |s: &str| DomainError::InvalidJuminhyoCode(s.into())
);
impl fmt::Display for JuminhyoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 個人番号 (My Number): 12 digits, the last a check digit. Its `Debug` and
/// `Display` never show the number, so it cannot leak into logs by accident.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndividualNumber(String);
numeric_code!(IndividualNumber, 12, |_s: &str| {
    DomainError::InvalidIndividualNumber
});
impl fmt::Debug for IndividualNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IndividualNumber(****)")
    }
}

/// 郵便番号: seven digits, written 231-0005.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t: String = s
            .trim()
            .trim_start_matches('〒')
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                'ー' | '－' | '‐' => '-',
                c => c,
            })
            .collect();
        let digits: String = t.chars().filter(|c| *c != '-').collect();
        let ok = digits_of(&digits, 7).is_some()
            && (t.len() == 7 || (t.len() == 8 && t.as_bytes()[3] == b'-'));
        if !ok {
            return Err(DomainError::InvalidPostalCode(s.into()));
        }
        Ok(PostalCode(format!("{}-{}", &digits[..3], &digits[3..])))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for PostalCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}
impl From<PostalCode> for String {
    fn from(c: PostalCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn atena_and_household_numbers_carry_a_modulus_11_check_digit() {
        // 1234567: 7·2 + 6·3 + 5·4 + 4·5 + 3·6 + 2·7 + 1·2 = 106; 106 mod 11 = 7; 11 − 7 = 4.
        assert_eq!(serial_number(1_234_567), 12_345_674);
        assert_eq!(serial_number(1), 19);
        // 14: 4·2 + 1·3 = 11, remainder 0 gives 0.
        assert_eq!(serial_number(14), 140);
        // 6: 6·2 = 12, remainder 1 gives 0.
        assert_eq!(serial_number(6), 60);
        assert!(is_serial_number(12_345_674));
        assert!(!is_serial_number(12_345_675));
        assert!(!is_serial_number(7));
        assert!(!is_serial_number(MAX_SERIAL * 10 + 20));
    }

    #[test]
    fn local_gov_codes_from_the_domain_text() {
        assert_eq!(
            LocalGovCode::parse("141003").map(|c| c.to_string()),
            Ok("141003".into())
        );
        assert_eq!(
            LocalGovCode::from_five("13101").map(|c| c.to_string()),
            Ok("131016".into())
        );
        assert_eq!(
            LocalGovCode::from_five("01100").map(|c| c.to_string()),
            Ok("011002".into())
        );
        assert!(LocalGovCode::parse("141004").is_err());
        assert!(LocalGovCode::parse("14100").is_err());
        assert!(LocalGovCode::parse("14100a").is_err());
        assert_eq!(
            LocalGovCode::parse("x").map_err(|e| e.code()),
            Err("E-CODE-001")
        );
    }

    #[test]
    fn individual_number_check_digit() {
        // A synthetic number whose check digit follows 総務省令85号5条.
        assert!(IndividualNumber::parse("123456789018").is_ok());
        assert!(IndividualNumber::parse("123456789010").is_err());
        assert!(IndividualNumber::parse("1234 5678 9018").is_ok());
        assert!(IndividualNumber::parse("12345678901").is_err());
        let n = IndividualNumber::parse("123456789018").map(|n| format!("{n:?}"));
        assert_eq!(n, Ok("IndividualNumber(****)".into()));
    }

    #[test]
    fn juminhyo_code_check_digit() {
        let c = JuminhyoCode::from_body("1234567890").map(|c| c.to_string());
        assert_eq!(c, Ok("12345678903".into()));
        assert!(JuminhyoCode::parse("12345678904").is_err());
    }

    #[test]
    fn postal_codes() {
        assert_eq!(
            PostalCode::parse("2310005").map(|p| p.0),
            Ok("231-0005".into())
        );
        assert_eq!(
            PostalCode::parse("〒２３１－０００５").map(|p| p.0),
            Ok("231-0005".into())
        );
        assert!(PostalCode::parse("23-10005").is_err());
        assert!(PostalCode::parse("231000").is_err());
    }

    proptest! {
        #[test]
        fn every_completed_local_gov_code_parses(n in 1000u32..99999) {
            let five = format!("{n:05}");
            let c = LocalGovCode::from_five(&five).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(LocalGovCode::parse(&c.to_string()), Ok(c));
        }

        #[test]
        fn one_changed_digit_is_caught(body in "[0-9]{11}", pos in 0usize..12, delta in 1u32..10) {
            let n = IndividualNumber::from_body(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut d: Vec<u32> = n.as_str().chars().filter_map(|c| c.to_digit(10)).collect();
            let remainder = |d: &[u32]| {
                d.iter().rev().enumerate().map(|(i, p)| {
                    let n = i as u32 + 1;
                    p * if n <= 6 { n + 1 } else { n - 5 }
                }).sum::<u32>() % 11
            };
            let before = remainder(&d[..11]);
            d[pos] = (d[pos] + delta) % 10;
            let after = remainder(&d[..11]);
            // The law maps remainders 0 and 1 to the same check digit 0: the one
            // single-digit change mod 11 cannot see.
            prop_assume!(!(before <= 1 && after <= 1));
            let s: String = d.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect();
            prop_assert!(IndividualNumber::parse(&s).is_err());
        }
    }
}
