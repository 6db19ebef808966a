//! Email: MIME building and the messages aftercare sends.

pub mod chart;
pub mod mime;
pub mod render;

/// Replaces every email address in `text` with `<address>`: a transport's
/// error message (SES names the refused identities) must not carry an
/// address into the logs.
pub fn redact_addresses(text: &str) -> String {
    let local = |c: &char| c.is_alphanumeric() || "._%+-'".contains(*c);
    let domain = |c: &char| c.is_alphanumeric() || ".-".contains(*c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // `copied` is where the text not yet written to `out` starts.
    let mut copied = 0;
    for at in (0..chars.len()).filter(|&i| chars[i] == '@') {
        if at < copied {
            continue;
        }
        let start = chars[copied..at]
            .iter()
            .rposition(|c| !local(c))
            .map_or(copied, |p| copied + p + 1);
        let mut end = at + 1 + chars[at + 1..].iter().take_while(|c| domain(c)).count();
        // A full stop after an address ends the sentence, not the domain.
        while end > at + 1 && chars[end - 1] == '.' {
            end -= 1;
        }
        if start < at && end > at + 1 {
            out.extend(&chars[copied..start]);
            out.push_str("<address>");
            copied = end;
        }
    }
    out.extend(&chars[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_addresses;

    #[test]
    fn addresses_in_a_transport_error_are_redacted() {
        assert_eq!(
            redact_addresses(
                "Email address is not verified: minji.kim+care@example.co.kr, o'neil@x.io."
            ),
            "Email address is not verified: <address>, <address>."
        );
        assert_eq!(redact_addresses("no @ here, a@ b"), "no @ here, a@ b");
    }
}
