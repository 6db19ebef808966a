//! The surveys of SPEC 5: planned send times (moved out of quiet time),
//! throttling, the answers that count, and low scores as reasons to call.

use super::input::{Customer, Ev, Kind, SurveyKind};
use super::{Reason, Rules, Trigger};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// The first contact-hours instant at or after `t` in `tz`.
fn contact_time(r: &Rules, t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    let contact_day = |d: NaiveDate| r.contact_days.contains(&d.weekday());
    let tod = local.time();
    if contact_day(local.date_naive()) && tod >= r.contact_start && tod < r.contact_end {
        return t;
    }
    let mut d = if tod < r.contact_start {
        local.date_naive()
    } else {
        local.date_naive().succ_opt().unwrap()
    };
    while !contact_day(d) {
        d = d.succ_opt().unwrap();
    }
    tz.from_local_datetime(&d.and_time(r.contact_start))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

pub struct Survey {
    pub kind: SurveyKind,
    pub subject: String,
    pub customer: Customer,
    pub trigger_at: DateTime<Utc>,
    pub planned: DateTime<Utc>,
    pub sent: bool,
    /// Valid answers, in time order.
    pub answers: Vec<(DateTime<Utc>, i64)>,
}

impl Survey {
    pub fn current(&self) -> Option<i64> {
        self.answers.last().map(|a| a.1)
    }
    pub fn first_answer(&self) -> Option<DateTime<Utc>> {
        self.answers.first().map(|a| a.0)
    }
}

pub fn is_low(kind: SurveyKind, score: i64) -> bool {
    match kind {
        SurveyKind::Csat => score <= 2,
        SurveyKind::Nps => score <= 6,
    }
}

/// The surveys planned by `until`, in send order, each sent or throttled.
pub fn plan(
    r: &Rules,
    triggers: &[Trigger],
    until: DateTime<Utc>,
    case: &mut dyn FnMut(&'static str),
) -> Vec<Survey> {
    let mut surveys: Vec<Survey> = Vec::new();
    for (at, kind, subject, customer) in triggers {
        if !customer.has_email {
            continue;
        }
        let delay = if *kind == SurveyKind::Csat {
            r.csat_delay
        } else {
            r.nps_delay
        };
        let planned = contact_time(r, *at + delay, customer.tz);
        if planned != *at + delay {
            case("survey moved out of quiet time");
        }
        if planned > until {
            continue;
        }
        surveys.push(Survey {
            kind: *kind,
            subject: subject.clone(),
            customer: customer.clone(),
            trigger_at: *at,
            planned,
            sent: false,
            answers: Vec::new(),
        });
    }
    // Two surveys for one instant: the earlier trigger first (my reading;
    // the spec and the project's readings are silent on this tie).
    surveys.sort_by(|a, b| {
        (a.planned, a.trigger_at, a.kind, &a.subject).cmp(&(
            b.planned,
            b.trigger_at,
            b.kind,
            &b.subject,
        ))
    });
    for (i, a) in surveys.iter().enumerate() {
        let tie = |b: &Survey| {
            b.customer.id == a.customer.id && b.kind == a.kind && b.planned == a.planned
        };
        if surveys[i + 1..].iter().any(tie) {
            case("two surveys of a kind planned for one customer at one instant");
        }
    }
    let mut last_sent: BTreeMap<(String, SurveyKind), DateTime<Utc>> = BTreeMap::new();
    for s in surveys.iter_mut() {
        let throttle = if s.kind == SurveyKind::Csat {
            r.csat_throttle
        } else {
            r.nps_throttle
        };
        let k = (s.customer.id.clone(), s.kind);
        let throttled = last_sent
            .get(&k)
            .is_some_and(|last| s.planned - *last < throttle);
        if !throttled {
            s.sent = true;
            last_sent.insert(k, s.planned);
        } else {
            case("survey throttled");
        }
    }
    surveys
}

/// Each answer counts for its survey, or is rejected.
pub fn answers(
    r: &Rules,
    unique: &[Ev],
    surveys: &mut [Survey],
    rejected_ids: &mut BTreeSet<String>,
    case: &mut dyn FnMut(&'static str),
) {
    for e in unique {
        if let Kind::Answer {
            kind,
            subject,
            score,
        } = &e.kind
        {
            let survey = surveys
                .iter_mut()
                .find(|s| s.kind == *kind && &s.subject == subject);
            match survey {
                Some(s) if s.sent && s.planned <= e.at && e.at <= s.planned + r.link_valid => {
                    if !s.answers.is_empty() {
                        case("answer updated");
                    }
                    s.answers.push((e.at, *score))
                }
                _ => {
                    case(match survey {
                        None => "answer for no survey",
                        Some(s) if !s.sent => "answer for a throttled survey",
                        Some(s) if e.at < s.planned => "answer before the send",
                        Some(_) => "answer after the link expired",
                    });
                    rejected_ids.insert(e.id.clone());
                }
            }
        }
    }
}

/// A survey's first low score is a reason to call, for the latest customer
/// object at or before the answer.
pub fn low_scores(
    r: &Rules,
    surveys: &[Survey],
    objects: &[(DateTime<Utc>, Customer)],
    reasons: &mut Vec<Reason>,
    case: &mut dyn FnMut(&'static str),
) {
    for s in surveys {
        if let Some(i) = s
            .answers
            .iter()
            .position(|(_, score)| is_low(s.kind, *score))
        {
            let at = &s.answers[i].0;
            if i > 0 {
                case("low score by an update");
            }
            let latest = objects
                .iter()
                .rfind(|(t, c)| c.id == s.customer.id && t <= at)
                .map(|(_, c)| c.clone())
                .unwrap_or_else(|| s.customer.clone());
            reasons.push((
                *at,
                *at + r.priority_deadline,
                format!("low {:?} {}", s.kind, s.subject),
                latest,
            ));
        }
    }
}
