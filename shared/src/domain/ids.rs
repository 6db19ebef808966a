//! Identifiers and contact details, parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value could not become one of the types below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
                let trimmed = raw.trim();
                if trimmed.is_empty() {
                    return Err(InvalidValue("must not be empty".into()));
                }
                if trimmed.len() > 200 || trimmed.chars().any(|c| c.is_control()) {
                    return Err(InvalidValue("must be at most 200 printable characters".into()));
                }
                Ok(Self(trimmed.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(raw: String) -> Result<Self, InvalidValue> {
                Self::parse(&raw)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(
    /// The business's id for a customer (`c-42`).
    CustomerId
);
text_id!(
    /// An order's id, the natural key of a purchase.
    OrderId
);
text_id!(
    /// A support ticket's id.
    TicketId
);
text_id!(
    /// A care agent's id from the roster.
    AgentId
);

/// A syntactically plausible email address (one `@`, a dotted domain, no spaces).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// An address from outside (an event, the config, an operator): it
    /// must be one SES can deliver to, so that nothing undeliverable is
    /// ever queued: an ASCII local part (SES has no SMTPUTF8) and a domain
    /// of ASCII letter-digit-hyphen labels (an international domain in its
    /// `xn--` form).
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let plausible = Self::plausible(raw)?;
        let (local, domain) = plausible.0.split_once('@').unwrap_or_default();
        if !local.is_ascii() {
            return Err(InvalidValue(
                "is not an address SES can deliver to: its local part (before the @) has non-ASCII characters".into(),
            ));
        }
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let tld = domain.rsplit('.').next().unwrap_or("");
        if !domain.split('.').all(label_ok)
            || !(tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--"))
            || tld.len() < 2
        {
            return Err(InvalidValue(
                "is not an address SES can deliver to: its domain is not a valid DNS name (ASCII labels; an international domain in its xn-- form)".into(),
            ));
        }
        Ok(plausible)
    }

    /// The looser check stored addresses are read back with: one `@`, a
    /// dotted domain, no spaces. (Histories written before `parse` became
    /// strict must still load.)
    fn plausible(raw: &str) -> Result<Self, InvalidValue> {
        let raw = raw.trim();
        let bad = || InvalidValue("is not an email address".into());
        let (local, domain) = raw.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && raw.len() <= 254
            && !raw
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\",;".contains(c));
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(bad())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Addresses compare case-insensitively for suppression.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    /// What a redacted history keeps where an address was: that there was
    /// one (what was planned for it stays planned), not what it was. The
    /// `.invalid` domain can never receive mail.
    pub fn redacted() -> EmailAddress {
        EmailAddress("redacted@redacted.invalid".into())
    }

    pub fn is_redacted(&self) -> bool {
        self.0 == "redacted@redacted.invalid"
    }

    /// The address as a suppression list may keep it once its owner asked
    /// to be forgotten: a digest that still refuses mail to it, and names
    /// nobody (`{sha256}@forgotten.invalid`).
    pub fn forgotten(&self) -> EmailAddress {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.normalized().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        EmailAddress(format!("{hex}@forgotten.invalid"))
    }
}
impl TryFrom<String> for EmailAddress {
    type Error = InvalidValue;
    fn try_from(raw: String) -> Result<Self, InvalidValue> {
        Self::plausible(&raw)
    }
}
impl From<EmailAddress> for String {
    fn from(a: EmailAddress) -> String {
        a.0
    }
}
/// Never print the address itself: it is personal data.
impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

/// A phone number in E.164 form (`+` then 8 to 15 digits).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// What a redacted history keeps where a number was (see
    /// [`EmailAddress::redacted`]): +999 is no country's code.
    pub fn redacted() -> PhoneNumber {
        PhoneNumber("+999999999999999".into())
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let digits = raw.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
        {
            Ok(Self(raw.to_string()))
        } else {
            Err(InvalidValue(
                "is not an E.164 phone number (+ and 8 to 15 digits)".into(),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for PhoneNumber {
    type Error = InvalidValue;
    fn try_from(raw: String) -> Result<Self, InvalidValue> {
        Self::parse(&raw)
    }
}
impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(<redacted>)")
    }
}

/// The languages aftercare speaks; anything else falls back to English.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Ko,
    Vi,
    Zh,
}

impl Locale {
    /// Lenient by design (SPEC 3: others fall back to `en`): `ko-KR` is Korean.
    pub fn from_tag(tag: &str) -> Locale {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "ko" => Locale::Ko,
            "vi" => Locale::Vi,
            "zh" => Locale::Zh,
            _ => Locale::En,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ko => "ko",
            Locale::Vi => "vi",
            Locale::Zh => "zh",
        }
    }
}

/// A CSAT answer, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct CsatScore(u8);

impl CsatScore {
    pub fn new(v: i64) -> Result<Self, InvalidValue> {
        if (1..=5).contains(&v) {
            Ok(Self(v as u8))
        } else {
            Err(InvalidValue(format!("CSAT score {v} is out of range 1-5")))
        }
    }
    pub fn value(self) -> u8 {
        self.0
    }
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }
    pub fn is_low(self) -> bool {
        self.0 <= 2
    }
}
impl TryFrom<u8> for CsatScore {
    type Error = InvalidValue;
    fn try_from(v: u8) -> Result<Self, InvalidValue> {
        Self::new(v.into())
    }
}
impl From<CsatScore> for u8 {
    fn from(s: CsatScore) -> u8 {
        s.0
    }
}

/// An NPS answer, 0 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct NpsScore(u8);

impl NpsScore {
    pub fn new(v: i64) -> Result<Self, InvalidValue> {
        if (0..=10).contains(&v) {
            Ok(Self(v as u8))
        } else {
            Err(InvalidValue(format!("NPS score {v} is out of range 0-10")))
        }
    }
    pub fn value(self) -> u8 {
        self.0
    }
    pub fn is_low(self) -> bool {
        self.0 <= 6
    }
}
impl TryFrom<u8> for NpsScore {
    type Error = InvalidValue;
    fn try_from(v: u8) -> Result<Self, InvalidValue> {
        Self::new(v.into())
    }
}
impl From<NpsScore> for u8 {
    fn from(s: NpsScore) -> u8 {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_need_one_at_and_a_dotted_domain() {
        assert!(EmailAddress::parse("minji@example.com").is_ok());
        assert!(EmailAddress::parse("minji@localhost").is_err());
        assert!(EmailAddress::parse("a b@example.com").is_err());
        assert!(EmailAddress::parse("@example.com").is_err());
    }

    #[test]
    fn addresses_ses_cannot_deliver_are_refused_with_the_reason() {
        for (raw, why) in [
            ("민지@example.com", "local part"),
            ("minji@exa_mple.com", "domain"),
            ("minji@-example.com", "domain"),
            ("minji@example.c0m", "domain"),
            ("minji@예시.com", "domain"),
            ("minji@example..com", "domain"),
        ] {
            let err = EmailAddress::parse(raw).expect_err(raw);
            assert!(err.0.contains(why), "{raw}: {}", err.0);
        }
        assert!(EmailAddress::parse("minji@xn--9n2bp8q.xn--3e0b707e").is_ok());
        assert!(EmailAddress::parse("o'brien+care@mail.example.co.uk").is_ok());
    }

    #[test]
    fn phone_numbers_must_be_e164() {
        assert!(PhoneNumber::parse("+821012345678").is_ok());
        assert!(PhoneNumber::parse("01012345678").is_err());
        assert!(PhoneNumber::parse("+82-10-1234").is_err());
    }

    #[test]
    fn unknown_locales_fall_back_to_english() {
        assert_eq!(Locale::from_tag("ko-KR"), Locale::Ko);
        assert_eq!(Locale::from_tag("fr"), Locale::En);
    }

    #[test]
    fn scores_reject_out_of_range_values() {
        assert!(CsatScore::new(0).is_err());
        assert!(CsatScore::new(5).is_ok());
        assert!(NpsScore::new(11).is_err());
        assert!(NpsScore::new(0).is_ok());
    }

    #[test]
    fn personal_data_is_redacted_in_debug_output() {
        let email = EmailAddress::parse("minji@example.com").unwrap();
        assert!(!format!("{email:?}").contains("minji"));
    }
}
