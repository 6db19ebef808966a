//! The emails' own template filter: `keep_words` escapes a text and keeps
//! each short word with a hyphen, a dash or a slash in it on one line.
//! Browsers break after a hyphen (UAX 14), so a date (`2026-11-09`), an
//! order id (`o-000004`) or a range (`4.6–69.9`) was cut in two on a
//! phone; a span with `white-space:nowrap` keeps it whole. Emails cannot
//! carry a stylesheet class for this (clients strip `<style>`), hence
//! the inline style (which the pages' CSP allows, so they use it too).

use askama::filters::{Escaper, Html, Safe};

/// Longer than this, a "word" is a URL or a run of CJK text, which must
/// be free to wrap.
const LONGEST_KEPT: usize = 40;

fn kept_whole(word: &str) -> bool {
    word.chars().count() <= LONGEST_KEPT
        && word.chars().any(|c| matches!(c, '-' | '–' | '/'))
        && word.chars().any(char::is_alphanumeric)
}

#[askama::filter_fn]
pub fn keep_words(text: impl ToString, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
    let text = text.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let space = rest.len() - rest.trim_start().len();
        Html.write_escaped_str(&mut out, &rest[..space])?;
        rest = &rest[space..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        if kept_whole(word) {
            out.push_str("<span style=\"white-space:nowrap;\">");
            Html.write_escaped_str(&mut out, word)?;
            out.push_str("</span>");
        } else {
            Html.write_escaped_str(&mut out, word)?;
        }
        rest = &rest[end..];
    }
    Ok(Safe(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyphenated_words_are_kept_whole_and_everything_is_escaped() {
        let values: &dyn askama::Values = &();
        let out = keep_words::default()
            .execute("order o-0106 <b>, 95% CI 4.6–69.9 & more", values)
            .map(|s| s.0)
            .unwrap_or_default();
        assert_eq!(
            out,
            "order <span style=\"white-space:nowrap;\">o-0106</span> &#60;b&#62;, 95% CI \
             <span style=\"white-space:nowrap;\">4.6–69.9</span> &#38; more"
        );
    }
}
