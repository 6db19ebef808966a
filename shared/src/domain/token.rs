//! Signed link tokens (SPEC 5): HMAC-SHA256 over the subject, the purpose
//! and an expiry, verified in constant time.

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
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Survey => "s",
            Purpose::Unsubscribe => "u",
            Purpose::Call => "c",
            Purpose::Escalation => "e",
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

/// Signs and verifies tokens with one secret key.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(<secret>)")
    }
}

/// A verified token's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub subject: String,
    pub expires: DateTime<Utc>,
}

impl TokenKey {
    /// Keys shorter than 16 bytes are refused: a guessable key forges links.
    pub fn new(secret: &[u8]) -> Option<TokenKey> {
        (secret.len() >= 16).then(|| TokenKey(secret.to_vec()))
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length; `new_from_slice` cannot fail here.
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(payload);
        mac
    }

    pub fn sign(&self, purpose: Purpose, subject: &str, expires: DateTime<Utc>) -> String {
        let payload = format!("{}\n{}\n{}", purpose.code(), expires.timestamp(), subject);
        let tag = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
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
        let (p, t) = token.split_once('.').ok_or(TokenError::Malformed)?;
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
        // `verify_slice` compares in constant time.
        self.mac(&payload)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn key() -> TokenKey {
        TokenKey::new(b"0123456789abcdef-test-key").unwrap()
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
        let (p, s) = t.split_once('.').unwrap();
        let altered_payload = URL_SAFE_NO_PAD.encode(format!(
            "s\n{}\nc-43\ncsat:t-1",
            (now + Duration::days(1)).timestamp()
        ));
        assert_eq!(
            key().verify(&format!("{altered_payload}.{s}"), Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
        let other = TokenKey::new(b"another-secret-key-123").unwrap();
        assert_eq!(
            other.verify(&t, Purpose::Survey, now),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            key().verify(p, Purpose::Survey, now),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            key().verify(&t[..t.len() - 5], Purpose::Survey, now),
            Err(TokenError::Malformed),
            "a link cut short is incomplete, not forged"
        );
        assert_eq!(
            key().verify("%%%.###", Purpose::Survey, now),
            Err(TokenError::Malformed)
        );
    }
}
