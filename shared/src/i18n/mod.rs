//! Localized texts (en, ko, vi, zh), kept as data: one TOML file per
//! language in `shared/locales/`, compiled in and read once. Placeholders
//! are `{name}`-style and filled by [`fill`].

mod korean;
pub mod phone;
pub mod words;

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
    pub call: CallTexts,
    pub outcome: OutcomeTexts,
    pub escalation: EscalationTexts,
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
    /// Stands for the customer's name in a script a sheet shares between
    /// its calls ("[the customer's name]").
    pub name_placeholder: String,
    pub greeting: String,
    pub thanks_order: String,
    pub thanks_ticket: String,
    /// For a call opened by a low survey score.
    pub thanks_feedback: String,
    pub question: String,
    pub if_satisfied: String,
    pub if_unsatisfied: String,
    pub closing: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertTexts {
    /// The low-score alert's rows: how to reach the customer, the
    /// answer, the priority call, and the button to the case page.
    pub phone: String,
    pub email: String,
    pub answer: String,
    pub call: String,
    pub call_booked: String,
    pub call_at_risk: String,
    pub call_not_booked: String,
    pub open_case: String,
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
    /// The button to the escalation's page.
    pub open_escalation: String,
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
    pub their_time: String,
    pub deadline: String,
    pub at_risk: String,
    pub priority: String,
    pub tel: String,
    pub no_phone: String,
    /// The sheet's scripts, one per language, after its calls.
    pub scripts_heading: String,
    pub script_in: String,
    /// A call's pointer to its script.
    pub see_script: String,
    /// The branch labels, so no agent reads both replies aloud.
    pub if_satisfied: String,
    pub if_not: String,
    /// Which thanks fits which call.
    pub after_order: String,
    pub after_ticket: String,
    pub after_feedback: String,
    /// The update sent when calls are booked after the day's sheet.
    pub update_subject: String,
    pub update_title: String,
    /// After a label ("Reason: "; Chinese "原因：").
    pub colon: String,
    /// Between the parts of a line.
    pub sep: String,
    /// Between a call's reasons.
    pub reasons_sep: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTexts {
    pub subject: String,
    pub no_agents: String,
    pub open_escalations: String,
    pub since: String,
    pub and_more: String,
    pub heading: String,
    pub today: String,
    pub nothing_today: String,
    pub yesterday: String,
    pub vs_day_before: String,
    pub vs_week: String,
    pub csat: String,
    pub nps: String,
    pub on_time: String,
    pub reached: String,
    pub escalations_open: String,
    pub at_risk: String,
    pub orders: String,
    pub tickets_closed: String,
    pub resolution_rate: String,
    pub backlog: String,
    pub survey_responses: String,
    pub unsubscribes: String,
    pub up: String,
    pub down: String,
    pub same: String,
    pub unclear: String,
    pub unknown: String,
    pub points: String,
    pub was: String,
    pub answers: String,
    pub answers_one: String,
    /// Between the parts of one line (", "; Chinese "，").
    pub sep: String,
    /// After a label ("CSAT: "; Chinese "：").
    pub colon: String,
    /// A detail after a figure (" (…)"; Chinese "（…）").
    pub paren: String,
    pub due: String,
    pub closed: String,
    pub ci: String,
    pub moe: String,
    pub at_risk_heading: String,
    pub deadline: String,
    pub unassigned: String,
    pub detractors_heading: String,
    pub detractor_score: String,
    pub agents_heading: String,
    pub agent: String,
    pub calls: String,
    pub reached_col: String,
    pub satisfied: String,
    pub on_time_col: String,
    pub unassigned_row: String,
    pub trend_heading: String,
    pub trend_caption: String,
    pub trend_alt: String,
    pub revised: String,
    pub no_figures: String,
    pub range_heading: String,
    pub date: String,
    pub recovery: String,
    pub active_customers: String,
    pub new_customers: String,
    pub won_back: String,
    pub churned: String,
    pub low_scores: String,
    pub low_scores_one: String,
    /// The cohort days a recovery figure pools.
    pub cohort: String,
    pub recovered_col: String,
    pub recovery_col: String,
    pub churn_col: String,
    /// Escalations opened after the day reported, listed apart.
    pub new_escalations: String,
    /// The figures after the lists.
    pub more_figures: String,
    /// The median time to resolve, under the open escalations' card.
    pub time_to_resolve: String,
    /// An escalation's owner, or none yet.
    pub taken_by: String,
    pub not_taken: String,
    /// An escalation's age: "waiting 3 days".
    pub waiting: String,
    pub days_n: String,
    pub day_one: String,
    pub hours_n: String,
    pub overdue_tag: String,
    pub overdue_count: String,
    pub resolved_since: String,
    /// What the per-agent table's columns count.
    pub agents_note: String,
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
    pub no_such_call: String,
    pub call_closed: String,
    pub attempt_recorded: String,
    pub no_such_escalation: String,
    pub no_such_case: String,
    pub already_resolved: String,
    pub invalid_form: String,
    pub footer: String,
}

/// A call's reasons and outcomes in words (sheets, forms, alerts).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallTexts {
    pub order: String,
    pub ticket_resolved: String,
    pub ticket_unresolved: String,
    pub low_csat: String,
    pub low_nps: String,
    pub with_comment: String,
    pub today: String,
    pub yesterday: String,
    pub days_ago: String,
    pub reached: String,
    pub no_answer: String,
    pub busy: String,
    pub wrong_number: String,
    pub declined: String,
    pub satisfied: String,
    pub neutral: String,
    pub unsatisfied: String,
    pub csat: String,
    pub nps: String,
}

/// The agent's outcome form (`/c/{token}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeTexts {
    pub title: String,
    pub attempt: String,
    pub slot: String,
    pub customer_zone: String,
    pub language: String,
    pub reasons: String,
    pub deadline: String,
    pub at_risk: String,
    pub outcome: String,
    pub satisfaction: String,
    pub satisfaction_hint: String,
    pub notes: String,
    pub submit: String,
    pub need_outcome: String,
    pub need_satisfaction: String,
    pub recorded_title: String,
    pub recorded: String,
    pub next_retry: String,
    pub next_retry_unbooked: String,
    pub closed_reached: String,
    pub escalated: String,
    pub closed_unreached: String,
    pub closed_missed: String,
}

/// The manager's escalation page (`/e/{token}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationTexts {
    pub title: String,
    pub opened: String,
    pub customer: String,
    pub phone: String,
    pub email: String,
    pub reasons: String,
    pub agent: String,
    pub notes: String,
    pub no_notes: String,
    pub history: String,
    pub purchase: String,
    pub ticket_opened: String,
    pub ticket_closed_resolved: String,
    pub ticket_closed_unresolved: String,
    pub survey_sent: String,
    pub survey_answered: String,
    pub call_attempt: String,
    pub resolved_step: String,
    pub resolve: String,
    pub by: String,
    pub note: String,
    pub submit: String,
    pub need_by: String,
    pub resolved_title: String,
    pub resolved: String,
    /// Who has the case, and the form to take it.
    pub taken: String,
    pub not_taken: String,
    pub take: String,
    pub take_over: String,
    pub take_submit: String,
    pub need_taker: String,
    /// A low answer's case page.
    pub case_title: String,
    pub case_answered: String,
}

const SOURCES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../../locales/en.toml")),
    (Locale::Ko, include_str!("../../locales/ko.toml")),
    (Locale::Vi, include_str!("../../locales/vi.toml")),
    (Locale::Zh, include_str!("../../locales/zh.toml")),
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
    // One pass over the template: a value that itself holds "{date}" (a
    // business name, an order id) is written as it is, never filled in.
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v, close))
        });
        match filled {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // A Korean template writes a particle after a placeholder both ways
    // (`{business}을(를)`): the filled word decides.
    if korean::has_double_particle(template) {
        korean::particles(&out)
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filling_writes_values_as_they_are_and_leaves_unknown_braces() {
        assert_eq!(
            fill(
                "{business} KPIs for {date}",
                &[("business", "Shop {date}"), ("date", "2026-11-20")]
            ),
            "Shop {date} KPIs for 2026-11-20"
        );
        assert_eq!(fill("{a} {b} {", &[("a", "1")]), "1 {b} {");
        assert_eq!(fill("{n}점 {n}", &[("n", "3")]), "3점 3");
    }

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
