//! Signed link tokens (SPEC 5): HMAC-SHA256 over the subject, the purpose
//! and an expiry, verified in constant time.

use super::ids::CustomerId;
use super::keys::{AttemptKey, CallId, SurveyKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Survey,
    Unsubscribe,
    /// An agent's outcome form for one call attempt.
    Call,
    /// A manager's escalation page.
    Escalation,
    /// A manager's case page of a low score.
    LowScore,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Survey => "s",
            Purpose::Unsubscribe => "u",
            Purpose::Call => "c",
            Purpose::Escalation => "e",
            Purpose::LowScore => "l",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is malformed")]
    Malformed,
    #[error("the link's signature does not match (altered or forged)")]
    BadSignature,
    #[error("the link is for another purpose")]
    WrongPurpose,
    #[error("the link has expired")]
    Expired,
}

/// The keys that sign and verify links: one current key that signs, and
/// older ones that still verify, each named by a short id that every token
/// carries (`{id}.{payload}.{tag}`). Rotation adds a key and makes it
/// current; links signed with the old one keep working until they expire,
/// and the old key is dropped once none can still be valid.
#[derive(Clone)]
pub struct TokenKey {
    current: usize,
    keys: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(
            f,
            "TokenKey(current {}, ids {ids:?}, <secrets>)",
            self.current_id()
        )
    }
}

/// Why a set of link keys cannot be used (names the key, never its secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("link key {0:?} is shorter than 16 bytes")]
    Weak(String),
    #[error("link key id {0:?} must be 1 to 32 letters, digits, '-' or '_'")]
    BadId(String),
    #[error("the current link key {0:?} is not among the keys")]
    NoCurrent(String),
    #[error("link key {0:?} is given twice")]
    Duplicate(String),
}

/// The id of a key given alone (a local secret file, a plain secret).
pub const SINGLE_KEY_ID: &str = "0";

/// A token's key id: short, and never a `.` (the token's separator).
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A verified token's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub subject: String,
    pub expires: DateTime<Utc>,
}

impl TokenKey {
    /// One key (id [`SINGLE_KEY_ID`]). Keys shorter than 16 bytes are
    /// refused: a guessable key forges links.
    pub fn new(secret: &[u8]) -> Option<TokenKey> {
        TokenKey::ring(
            SINGLE_KEY_ID,
            vec![(SINGLE_KEY_ID.to_string(), secret.to_vec())],
        )
        .ok()
    }

    /// Several keys by id; `current` signs, every one verifies.
    pub fn ring(current: &str, keys: Vec<(String, Vec<u8>)>) -> Result<TokenKey, KeyError> {
        for (i, (id, secret)) in keys.iter().enumerate() {
            if !valid_id(id) {
                return Err(KeyError::BadId(id.clone()));
            }
            if secret.len() < 16 {
                return Err(KeyError::Weak(id.clone()));
            }
            if keys[..i].iter().any(|(other, _)| other == id) {
                return Err(KeyError::Duplicate(id.clone()));
            }
        }
        let current = keys
            .iter()
            .position(|(id, _)| id == current)
            .ok_or_else(|| KeyError::NoCurrent(current.to_string()))?;
        Ok(TokenKey { current, keys })
    }

    /// The id new links are signed with.
    pub fn current_id(&self) -> &str {
        &self.keys[self.current].0
    }

    fn mac(secret: &[u8], payload: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length; `new_from_slice` cannot fail here.
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        mac.update(payload);
        mac
    }

    pub fn sign(&self, purpose: Purpose, subject: &str, expires: DateTime<Utc>) -> String {
        let (id, secret) = &self.keys[self.current];
        let payload = format!("{}\n{}\n{}", purpose.code(), expires.timestamp(), subject);
        let tag = Self::mac(secret, payload.as_bytes())
            .finalize()
            .into_bytes();
        format!(
            "{id}.{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn verify(
        &self,
        token: &str,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let mut parts = token.splitn(3, '.');
        let (id, p, t) = match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(p), Some(t)) => (id, p, t),
            // A link from before keys were named (`payload.tag`): signed by
            // the one key there was, so it keeps working for its window.
            (Some(p), Some(t), None) => (SINGLE_KEY_ID, p, t),
            _ => return Err(TokenError::Malformed),
        };
        let payload = URL_SAFE_NO_PAD
            .decode(p)
            .map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(t)
            .map_err(|_| TokenError::Malformed)?;
        // A tag of the wrong length was cut short (a link broken across
        // lines, a partial copy): incomplete rather than forged.
        if tag.len() != 32 {
            return Err(TokenError::Malformed);
        }
        // A key no longer (or never) held: the link cannot be genuine now.
        let (_, secret) = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .ok_or(TokenError::BadSignature)?;
        // `verify_slice` compares in constant time.
        Self::mac(secret, &payload)
            .verify_slice(&tag)
            .map_err(|_| TokenError::BadSignature)?;
        let text = String::from_utf8(payload).map_err(|_| TokenError::Malformed)?;
        let mut parts = text.splitn(3, '\n');
        let (code, exp, subject) = match (parts.next(), parts.next(), parts.next()) {
            (Some(c), Some(e), Some(s)) => (c, e, s),
            _ => return Err(TokenError::Malformed),
        };
        if code != purpose.code() {
            return Err(TokenError::WrongPurpose);
        }
        let secs: i64 = exp.parse().map_err(|_| TokenError::Malformed)?;
        let expires = Utc
            .timestamp_opt(secs, 0)
            .single()
            .ok_or(TokenError::Malformed)?;
        if now > expires {
            return Err(TokenError::Expired);
        }
        Ok(Claims {
            subject: subject.to_string(),
            expires,
        })
    }
}

/// What a link is about, typed: the one place a link's signed subject is
/// written ([`TokenKey::sign_link`]) and read ([`TokenKey::verify_link`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkSubject {
    /// A customer's survey page: `{customer}\n{survey key}`.
    Survey {
        customer: CustomerId,
        survey: SurveyKey,
    },
    /// A customer's unsubscribe page: `{customer}`.
    Unsubscribe(CustomerId),
    /// An agent's outcome form for one attempt: `{call}#{n}`.
    Call(AttemptKey),
    /// A manager's escalation page: `{call}`.
    Escalation(CallId),
    /// A manager's case page of a low answer: `{customer}\n{survey key}`.
    LowScore {
        customer: CustomerId,
        survey: SurveyKey,
    },
}

impl LinkSubject {
    pub fn purpose(&self) -> Purpose {
        match self {
            LinkSubject::Survey { .. } => Purpose::Survey,
            LinkSubject::Unsubscribe(_) => Purpose::Unsubscribe,
            LinkSubject::Call(_) => Purpose::Call,
            LinkSubject::Escalation(_) => Purpose::Escalation,
            LinkSubject::LowScore { .. } => Purpose::LowScore,
        }
    }

    /// The customer the link belongs to.
    pub fn customer(&self) -> &CustomerId {
        match self {
            LinkSubject::Survey { customer, .. }
            | LinkSubject::LowScore { customer, .. }
            | LinkSubject::Unsubscribe(customer) => customer,
            LinkSubject::Call(attempt) => attempt.call.customer(),
            LinkSubject::Escalation(call) => call.customer(),
        }
    }

    /// The text that is signed.
    pub fn text(&self) -> String {
        match self {
            LinkSubject::Survey { customer, survey }
            | LinkSubject::LowScore { customer, survey } => {
                format!("{customer}\n{survey}")
            }
            LinkSubject::Unsubscribe(customer) => customer.to_string(),
            LinkSubject::Call(attempt) => attempt.to_string(),
            LinkSubject::Escalation(call) => call.to_string(),
        }
    }

    /// A verified link's text read back for its purpose.
    pub fn parse(purpose: Purpose, text: &str) -> Result<LinkSubject, TokenError> {
        let bad = |_| TokenError::Malformed;
        Ok(match purpose {
            Purpose::Survey => {
                let (customer, survey) = text.split_once('\n').ok_or(TokenError::Malformed)?;
                LinkSubject::Survey {
                    customer: CustomerId::parse(customer).map_err(bad)?,
                    survey: survey.parse().map_err(bad)?,
                }
            }
            Purpose::Unsubscribe => LinkSubject::Unsubscribe(CustomerId::parse(text).map_err(bad)?),
            Purpose::Call => LinkSubject::Call(text.parse().map_err(bad)?),
            Purpose::Escalation => LinkSubject::Escalation(text.parse().map_err(bad)?),
            Purpose::LowScore => {
                let (customer, survey) = text.split_once('\n').ok_or(TokenError::Malformed)?;
                LinkSubject::LowScore {
                    customer: CustomerId::parse(customer).map_err(bad)?,
                    survey: survey.parse().map_err(bad)?,
                }
            }
        })
    }
}

impl TokenKey {
    /// A link token for `subject`, valid until `expires`.
    pub fn sign_link(&self, subject: &LinkSubject, expires: DateTime<Utc>) -> String {
        self.sign(subject.purpose(), &subject.text(), expires)
    }

    /// The subject of a valid, unexpired link of `purpose`.
    pub fn verify_link(
        &self,
        token: &str,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<LinkSubject, TokenError> {
        let claims = self.verify(token, purpose, now)?;
        LinkSubject::parse(purpose, &claims.subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn key() -> TokenKey {
        TokenKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    /// A link mailed before keys were named in tokens (`payload.tag`,
    /// made here as that version made it) still opens its page.
    #[test]
    fn a_token_from_before_key_ids_verifies_with_the_single_key() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let expires = now + Duration::days(28);
        let payload = format!(
            "{}\n{}\nc-42\ncsat:t-1",
            Purpose::Survey.code(),
            expires.timestamp()
        );
        let mut mac = <HmacSha256 as Mac>::new_from_slice(b"0123456789abcdef-test-key").unwrap();
        mac.update(payload.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        let old = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(&payload));
        let claims = key().verify(&old, Purpose::Survey, now).unwrap();
        assert_eq!(claims.subject, "c-42\ncsat:t-1");
        let other = URL_SAFE_NO_PAD.encode(payload.replace("c-42", "c-43"));
        assert_eq!(
            key().verify(&format!("{other}.{tag}"), Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let t = key().sign(Purpose::Survey, "c-42\ncsat:t-1", now + Duration::days(28));
        let claims = key().verify(&t, Purpose::Survey, now).unwrap();
        assert_eq!(claims.subject, "c-42\ncsat:t-1");
        assert_eq!(
            key().verify(&t, Purpose::Survey, now + Duration::days(29)),
            Err(TokenError::Expired)
        );
        assert_eq!(
            key().verify(&t, Purpose::Unsubscribe, now),
            Err(TokenError::WrongPurpose)
        );
    }

    #[test]
    fn altered_forged_and_garbage_tokens_are_refused() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let t = key().sign(Purpose::Survey, "c-42\ncsat:t-1", now + Duration::days(1));
        let (id_and_payload, s) = t.rsplit_once('.').unwrap();
        let altered_payload = URL_SAFE_NO_PAD.encode(format!(
            "s\n{}\nc-43\ncsat:t-1",
            (now + Duration::days(1)).timestamp()
        ));
        assert_eq!(
            key().verify(&format!("0.{altered_payload}.{s}"), Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
        let other = TokenKey::new(b"another-secret-key-123").unwrap();
        assert_eq!(
            other.verify(&t, Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            key().verify(id_and_payload, Purpose::Survey, now),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            key().verify(&t[..t.len() - 5], Purpose::Survey, now),
            Err(TokenError::Malformed),
            "a link cut short is incomplete, not forged"
        );
        assert_eq!(
            key().verify("0.%%%.###", Purpose::Survey, now),
            Err(TokenError::Malformed)
        );
    }

    fn secret(n: u8) -> Vec<u8> {
        vec![b'a' + n; 32]
    }

    #[test]
    fn after_a_rotation_old_links_verify_and_new_ones_name_the_new_key() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let before = TokenKey::ring("k1", vec![("k1".into(), secret(1))]).unwrap();
        let old_link = before.sign(Purpose::Survey, "c-1\ncsat:t-1", now + Duration::days(28));
        assert!(old_link.starts_with("k1."));
        let rotated = TokenKey::ring(
            "k2",
            vec![("k1".into(), secret(1)), ("k2".into(), secret(2))],
        )
        .unwrap();
        assert_eq!(
            rotated
                .verify(&old_link, Purpose::Survey, now)
                .unwrap()
                .subject,
            "c-1\ncsat:t-1"
        );
        let new_link = rotated.sign(Purpose::Survey, "c-2\ncsat:t-2", now + Duration::days(28));
        assert!(new_link.starts_with("k2."));
        // Once k1 is dropped, its links no longer verify.
        let after = TokenKey::ring("k2", vec![("k2".into(), secret(2))]).unwrap();
        assert_eq!(
            after.verify(&old_link, Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
        assert!(after.verify(&new_link, Purpose::Survey, now).is_ok());
        // A token that claims another key id than the one that signed it fails.
        let swapped = new_link.replacen("k2.", "k1.", 1);
        assert_eq!(
            rotated.verify(&swapped, Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_ring_refuses_weak_keys_bad_ids_duplicates_and_a_missing_current_key() {
        assert_eq!(
            TokenKey::ring("k1", vec![("k1".into(), b"short".to_vec())]).unwrap_err(),
            KeyError::Weak("k1".into())
        );
        assert_eq!(
            TokenKey::ring("a.b", vec![("a.b".into(), secret(1))]).unwrap_err(),
            KeyError::BadId("a.b".into())
        );
        assert_eq!(
            TokenKey::ring(
                "k1",
                vec![("k1".into(), secret(1)), ("k1".into(), secret(2))]
            )
            .unwrap_err(),
            KeyError::Duplicate("k1".into())
        );
        assert_eq!(
            TokenKey::ring("k9", vec![("k1".into(), secret(1))]).unwrap_err(),
            KeyError::NoCurrent("k9".into())
        );
        let debug = format!(
            "{:?}",
            TokenKey::ring("k1", vec![("k1".into(), secret(1))]).unwrap()
        );
        assert!(!debug.contains("bbbb"), "{debug}");
    }

    #[test]
    fn every_link_subject_reads_back_as_written_and_not_for_another_purpose() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let customer = CustomerId::parse("c-42").unwrap();
        let call: CallId = "c-42/ticket:t-1".parse().unwrap();
        for subject in [
            LinkSubject::Survey {
                customer: customer.clone(),
                survey: "csat:t-1".parse().unwrap(),
            },
            LinkSubject::Unsubscribe(customer.clone()),
            LinkSubject::Call(call.attempt(2)),
            LinkSubject::Escalation(call.clone()),
        ] {
            let token = key().sign_link(&subject, now + chrono::Duration::days(1));
            assert_eq!(
                key().verify_link(&token, subject.purpose(), now),
                Ok(subject.clone())
            );
            assert_eq!(subject.customer(), &customer);
            let other = if subject.purpose() == Purpose::Survey {
                Purpose::Unsubscribe
            } else {
                Purpose::Survey
            };
            assert!(key().verify_link(&token, other, now).is_err());
        }
        assert_eq!(
            LinkSubject::parse(Purpose::Survey, "c-42"),
            Err(TokenError::Malformed)
        );
    }
}
