//! Localized texts (en, ko, vi, zh), kept as data: one TOML file per
//! language in `shared/locales/`, compiled in and read once. Placeholders
//! are `{name}`-style and filled by [`fill`].

use crate::domain::ids::Locale;
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub survey: SurveyTexts,
    pub script: Script,
    pub alert: AlertTexts,
    pub sheet: SheetTexts,
    pub report: ReportTexts,
    pub page: PageTexts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyTexts {
    pub hello: String,
    pub hello_anonymous: String,
    pub csat_subject: String,
    pub csat_question: String,
    pub nps_subject: String,
    pub nps_question: String,
    pub reminder_prefix: String,
    pub csat_low: String,
    pub csat_high: String,
    pub nps_low: String,
    pub nps_high: String,
    pub choose: String,
    pub unsubscribe: String,
    pub signature: String,
}

/// The revisit call script (greeting, thanks, the question, both branches, closing).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub greeting: String,
    pub thanks_order: String,
    pub thanks_ticket: String,
    pub question: String,
    pub if_satisfied: String,
    pub if_unsatisfied: String,
    pub closing: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertTexts {
    pub low_subject: String,
    /// An order or a ticket in words, `{id}` filled in.
    pub order: String,
    pub ticket: String,
    pub low_intro: String,
    pub comment: String,
    pub no_comment: String,
    pub priority_call: String,
    pub no_call: String,
    pub escalation_subject: String,
    pub escalation_intro: String,
    pub notes: String,
    pub no_notes: String,
    pub stays_open: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetTexts {
    pub subject: String,
    pub title: String,
    pub time: String,
    pub customer: String,
    pub phone: String,
    pub language: String,
    pub reason: String,
    pub record: String,
    pub script: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTexts {
    pub subject: String,
}

/// The customer pages (survey, thanks, unsubscribe, refusals).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageTexts {
    pub survey_title: String,
    pub comment_label: String,
    pub submit: String,
    pub current: String,
    pub thanks_title: String,
    pub thanks_score: String,
    pub thanks_comment: String,
    pub thanks_low: String,
    pub change: String,
    pub choose_score: String,
    pub unsubscribe_title: String,
    pub unsubscribe_question: String,
    pub unsubscribe_question_anonymous: String,
    pub unsubscribe_button: String,
    pub unsubscribed_title: String,
    pub unsubscribed_body: String,
    pub already_unsubscribed: String,
    pub refusal_title: String,
    pub link_malformed: String,
    pub link_forged: String,
    pub link_wrong_purpose: String,
    pub link_expired: String,
    pub survey_not_sent: String,
    pub survey_not_asked: String,
    pub survey_unknown: String,
    pub too_large: String,
    pub not_found: String,
    pub wrong_method: String,
    pub unavailable: String,
    pub footer: String,
}

const SOURCES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../locales/en.toml")),
    (Locale::Ko, include_str!("../locales/ko.toml")),
    (Locale::Vi, include_str!("../locales/vi.toml")),
    (Locale::Zh, include_str!("../locales/zh.toml")),
];

/// Every language's texts, parsed on first use. The files are part of the
/// build and `every_language_has_every_text` parses each one, so a broken
/// file fails the tests, never a customer's email.
fn all() -> &'static [Texts] {
    static ALL: OnceLock<Vec<Texts>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(locale, text)| {
                toml::from_str(text).unwrap_or_else(|e| {
                    unreachable!("locales/{}.toml is invalid: {e}", locale.code())
                })
            })
            .collect()
    })
}

pub fn texts(locale: Locale) -> &'static Texts {
    let i = SOURCES.iter().position(|(l, _)| *l == locale).unwrap_or(0);
    &all()[i]
}

/// Fills `{key}` placeholders with their values.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_text() {
        for (locale, text) in SOURCES {
            let parsed: Result<Texts, _> = toml::from_str(text);
            assert!(parsed.is_ok(), "{}: {:?}", locale.code(), parsed.err());
        }
        assert_eq!(texts(Locale::Ko).script.question, "만족하셨나요?");
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(
            fill(
                "{name} at {business}",
                &[("name", "Minji"), ("business", "Shop")]
            ),
            "Minji at Shop"
        );
    }
}
