//! MIME through `mail-builder`: a plain-text and an HTML alternative,
//! optional inline parts referenced by `cid:` (multipart/related), RFC 2047
//! headers, a display name on `From`, and a valid `Message-ID` made from
//! the message's own id. Boundaries are derived from the message id, so
//! the same message always renders to the same bytes.

use crate::domain::keys::MessageId;
use chrono::{DateTime, Utc};
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId as MessageIdHeader;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::mime::MimePart;
use mail_builder::MessageBuilder;

/// A binary part shown inside the HTML (`<img src="cid:…">`).
pub struct Inline<'a> {
    pub cid: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

pub struct Email<'a> {
    pub id: &'a MessageId,
    /// The sender's display name and address.
    pub from: (&'a str, &'a str),
    pub to: &'a [String],
    pub subject: &'a str,
    pub date: DateTime<Utc>,
    pub text: &'a str,
    pub html: &'a str,
    /// `List-Unsubscribe` (RFC 8058 one-click, with its `-Post` header).
    pub unsubscribe: Option<&'a str>,
    pub inline: &'a [Inline<'a>],
}

/// A header value from text that may hold anything a customer typed:
/// control characters (CR, LF) are replaced, so no value can start a new
/// header line.
pub fn header_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn boundary(id: &MessageId, level: u8) -> String {
    // FNV-1a of the id: stable across runs and releases.
    let hash = id
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("=_aftercare_{level}_{hash:016x}")
}

impl Email<'_> {
    pub fn to_mime(&self) -> String {
        let domain = self.from.1.rsplit_once('@').map_or("aftercare", |(_, d)| d);
        let alternative = MimePart::new(
            ContentType::new("multipart/alternative").attribute("boundary", boundary(self.id, 1)),
            vec![
                MimePart::new(
                    ContentType::new("text/plain").attribute("charset", "utf-8"),
                    self.text,
                ),
                MimePart::new(
                    ContentType::new("text/html").attribute("charset", "utf-8"),
                    self.html,
                ),
            ],
        );
        let body = if self.inline.is_empty() {
            alternative
        } else {
            let mut parts = vec![alternative];
            parts.extend(self.inline.iter().map(|p| {
                MimePart::new(ContentType::new(p.content_type), p.bytes)
                    .inline()
                    .cid(p.cid)
            }));
            MimePart::new(
                ContentType::new("multipart/related").attribute("boundary", boundary(self.id, 0)),
                parts,
            )
        };
        let to: Vec<Address> = self
            .to
            .iter()
            .map(|a| Address::new_address(None::<&str>, a.as_str()))
            .collect();
        let mut builder = MessageBuilder::new()
            .from(Address::new_address(
                Some(header_text(self.from.0)),
                self.from.1,
            ))
            .to(Address::new_list(to))
            .subject(header_text(self.subject))
            .date(self.date.timestamp())
            .message_id(MessageIdHeader::new(self.id.to_msg_id(domain)));
        if let Some(url) = self.unsubscribe {
            builder = builder.header("List-Unsubscribe", URL::new(url)).header(
                "List-Unsubscribe-Post",
                Raw::new("List-Unsubscribe=One-Click"),
            );
        }
        builder
            .body(body)
            .write_to_string()
            // Writing into a String cannot fail.
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    fn email<'a>(id: &'a MessageId, to: &'a [String], inline: &'a [Inline<'a>]) -> Email<'a> {
        Email {
            id,
            from: ("aftercare demo shop", "care@example.com"),
            to,
            subject: "만족하셨나요?\r\nBcc: evil@example.com",
            date: DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            text: "안녕하세요",
            html: "<p>안녕하세요</p>",
            unsubscribe: Some("http://127.0.0.1:8080/u/abc"),
            inline,
        }
    }

    #[test]
    fn a_message_parses_back_with_both_parts_its_headers_and_no_injected_header() {
        let id: MessageId = "survey-c-1-nps:o-1".parse().unwrap();
        let to = vec!["minji@example.com".to_string()];
        let mime = email(&id, &to, &[]).to_mime();
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        assert_eq!(
            parsed.subject(),
            Some("만족하셨나요?  Bcc: evil@example.com")
        );
        assert!(parsed.bcc().is_none());
        assert_eq!(
            parsed.message_id(),
            Some("survey-c-1-nps=3Ao-1@example.com")
        );
        let from = parsed.from().and_then(|f| f.first()).unwrap();
        assert_eq!(from.name(), Some("aftercare demo shop"));
        assert_eq!(parsed.body_text(0).as_deref(), Some("안녕하세요"));
        assert_eq!(parsed.body_html(0).as_deref(), Some("<p>안녕하세요</p>"));
        assert!(mime.contains("List-Unsubscribe: <http://127.0.0.1:8080/u/abc>\r\n"));
        assert!(mime.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(mime.lines().all(|l| l.len() <= 998));
        assert_eq!(
            mime,
            email(&id, &to, &[]).to_mime(),
            "rendering is deterministic"
        );
    }

    #[test]
    fn inline_parts_travel_in_a_related_part_with_their_content_id() {
        let id: MessageId = "report-2026-11-20".parse().unwrap();
        let to = vec!["manager@example.com".to_string()];
        let png = [0x89u8, b'P', b'N', b'G', 1, 2, 3];
        let inline = [Inline {
            cid: "trend",
            content_type: "image/png",
            bytes: &png,
        }];
        let mime = email(&id, &to, &inline).to_mime();
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        let part = parsed
            .attachments()
            .find(|p| p.content_id() == Some("trend"))
            .expect("the inline part");
        assert_eq!(part.contents(), png);
        assert!(mime.contains("multipart/related"));
    }
}
