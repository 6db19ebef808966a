//! A small, strict MIME writer: multipart/alternative with a plain-text
//! and an HTML part, UTF-8, base64 bodies, RFC 2047 encoded subjects.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};

pub struct Email<'a> {
    pub id: &'a str,
    pub from: &'a str,
    pub to: &'a [String],
    pub subject: &'a str,
    pub date: DateTime<Utc>,
    pub text: &'a str,
    pub html: &'a str,
    /// Extra headers, already valid header values (ASCII).
    pub headers: &'a [(&'a str, String)],
}

fn encode_header(value: &str) -> String {
    if value.is_ascii() && !value.contains(['\r', '\n']) {
        value.to_string()
    } else {
        // Encoded words are limited to 75 characters: split on char bounds.
        let mut words = Vec::new();
        let mut chunk = String::new();
        for c in value.chars().filter(|c| *c != '\r' && *c != '\n') {
            if chunk.len() + c.len_utf8() > 45 {
                words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
                chunk.clear();
            }
            chunk.push(c);
        }
        if !chunk.is_empty() {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
        }
        words.join("\r\n ")
    }
}

fn base64_lines(body: &str) -> String {
    let encoded = STANDARD.encode(body.as_bytes());
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for line in encoded.as_bytes().chunks(76) {
        // base64 output is ASCII.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

impl Email<'_> {
    pub fn to_mime(&self) -> String {
        let boundary = format!("=_aftercare_{}", self.id.len() * 7919 + self.subject.len());
        let mut m = String::new();
        m.push_str(&format!("From: {}\r\n", self.from));
        m.push_str(&format!("To: {}\r\n", self.to.join(", ")));
        m.push_str(&format!("Subject: {}\r\n", encode_header(self.subject)));
        m.push_str(&format!("Date: {}\r\n", self.date.to_rfc2822()));
        m.push_str(&format!(
            "Message-ID: <{}@aftercare>\r\n",
            self.id.replace(['<', '>', ' ', '@'], "_")
        ));
        for (name, value) in self.headers {
            m.push_str(&format!("{name}: {value}\r\n"));
        }
        m.push_str("MIME-Version: 1.0\r\n");
        m.push_str(&format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
        ));
        for (ctype, body) in [("text/plain", self.text), ("text/html", self.html)] {
            m.push_str(&format!("--{boundary}\r\n"));
            m.push_str(&format!("Content-Type: {ctype}; charset=UTF-8\r\n"));
            m.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
            m.push_str(&base64_lines(body));
        }
        m.push_str(&format!("--{boundary}--\r\n"));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_has_both_parts_and_an_encoded_subject() {
        let to = vec!["minji@example.com".to_string()];
        let headers = [(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_string(),
        )];
        let mime = Email {
            id: "survey-1",
            from: "care@example.com",
            to: &to,
            subject: "만족하셨나요?",
            date: DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            text: "안녕하세요",
            html: "<p>안녕하세요</p>",
            headers: &headers,
        }
        .to_mime();
        assert!(mime.contains("Subject: =?UTF-8?B?"));
        assert!(mime.contains("Content-Type: text/plain; charset=UTF-8"));
        assert!(mime.contains("Content-Type: text/html; charset=UTF-8"));
        assert!(mime.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(mime.contains(&STANDARD.encode("안녕하세요")));
        assert!(mime.lines().all(|l| l.len() <= 998));
    }
}
