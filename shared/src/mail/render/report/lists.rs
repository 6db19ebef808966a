//! What needs a manager today, as the morning email lists it: the open
//! escalations (with their age, owner and whether they are overdue), the
//! ones opened since midnight, the calls at risk, and the latest
//! detractor comments; each cut to what a phone screen holds.

use super::{ItemView, ListView};
use crate::config::Settings;
use crate::domain::brief::{Capped, EscalationItem, ManagerBrief};
use crate::domain::event::{Score, SurveyFor};
use crate::i18n::words::local_time;
use crate::i18n::{fill, texts, ReportTexts};

/// How much of an escalation's notes and a detractor's comment the list
/// shows: a line or two on a phone; the case page has the rest.
const NOTE_CHARS: usize = 80;
const COMMENT_CHARS: usize = 160;

/// `text` cut to `max` characters at a word where there is one, with "…".
fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = match cut.rfind(char::is_whitespace) {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end())
}

/// An age in whole days, or hours under a day.
fn age(t: &ReportTexts, age: chrono::Duration) -> String {
    match age.num_days() {
        0 => fill(&t.hours_n, &[("n", &age.num_hours().max(0).to_string())]),
        1 => t.day_one.clone(),
        n => fill(&t.days_n, &[("n", &n.to_string())]),
    }
}

fn more(t: &ReportTexts, n: usize) -> Option<String> {
    (n > 0).then(|| fill(&t.and_more, &[("n", &n.to_string())]))
}

fn subject_words(settings: &Settings, s: &SurveyFor) -> String {
    let a = &texts(settings.business.locale).alert;
    match s {
        SurveyFor::Order(o) => fill(&a.order, &[("id", o.as_str())]),
        SurveyFor::Ticket(k) => fill(&a.ticket, &[("id", k.as_str())]),
    }
}

/// A list under its heading with "and N more", or nothing when empty.
fn list<T>(
    t: &ReportTexts,
    heading: String,
    c: &Capped<T>,
    item: impl Fn(&T) -> ItemView,
) -> Option<ListView> {
    (c.total > 0).then(|| ListView {
        heading,
        sub: None,
        items: c.items.iter().map(item).collect(),
        more: more(t, c.more()),
    })
}

pub(super) fn lists(settings: &Settings, b: &ManagerBrief) -> Vec<ListView> {
    let locale = settings.business.locale;
    let t = &texts(locale).report;
    let a = &texts(locale).alert;
    let tz = b.time_zone;
    let count = |key: &str, c: usize| fill(key, &[("count", &c.to_string())]);
    let escalation = |e: &EscalationItem| ItemView {
        line: [
            e.name.as_str(),
            &fill(&t.waiting, &[("age", &age(t, e.age))]),
            &e.owner.as_deref().map_or_else(
                || t.not_taken.clone(),
                |by| fill(&t.taken_by, &[("by", by)]),
            ),
        ]
        .join(&t.sep),
        flag: e.overdue.then(|| t.overdue_tag.clone()),
        note: Some(format!(
            "{}{}{}",
            a.notes,
            t.colon,
            e.notes
                .as_deref()
                .map_or_else(|| a.no_notes.clone(), |n| shorten(n, NOTE_CHARS))
        )),
        link: Some(e.url.clone()),
    };
    let e = &b.escalation_counts;
    let escalations = (e.open_at_day_end > 0).then(|| {
        let hours = e.target.num_hours().to_string();
        let sub: Vec<String> = [
            (e.overdue, &t.overdue_count),
            (e.resolved_since, &t.resolved_since),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, key)| fill(key, &[("n", &n.to_string()), ("hours", &hours)]))
        .collect();
        ListView {
            heading: count(&t.open_escalations, e.open_at_day_end),
            sub: (!sub.is_empty()).then(|| sub.join(&t.sep)),
            items: b.escalations.items.iter().map(escalation).collect(),
            more: more(t, b.escalations.more()),
        }
    });
    let new_escalations = list(
        t,
        count(&t.new_escalations, b.new_escalations.total),
        &b.new_escalations,
        escalation,
    );
    let at_risk = list(
        t,
        count(&t.at_risk_heading, b.at_risk.total),
        &b.at_risk,
        |c| ItemView {
            line: [
                c.name.as_str(),
                &fill(&t.deadline, &[("time", &local_time(c.deadline, tz))]),
                c.agent.as_deref().unwrap_or(&t.unassigned),
            ]
            .join(&t.sep),
            flag: None,
            note: None,
            link: None,
        },
    );
    let detractors = list(t, t.detractors_heading.clone(), &b.detractors, |d| {
        let (kind, score) = match d.score {
            Score::Csat(s) => ("CSAT", s.value()),
            Score::Nps(s) => ("NPS", s.value()),
        };
        let said = fill(
            &t.detractor_score,
            &[
                ("kind", kind),
                ("score", &score.to_string()),
                ("subject", &subject_words(settings, &d.subject)),
                ("time", &local_time(d.at, tz)),
            ],
        );
        ItemView {
            line: [d.name.as_str(), &said].join(&t.sep),
            flag: None,
            note: Some(format!("“{}”", shorten(&d.comment, COMMENT_CHARS))),
            link: None,
        }
    });
    [escalations, new_escalations, at_risk, detractors]
        .into_iter()
        .flatten()
        .collect()
}
