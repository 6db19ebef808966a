//! What managers do with escalations (a reached customer who was
//! unsatisfied): see the open ones, read one case, resolve it.

use super::calls::{kept_note, malformed};
use super::{Aftercare, Rejection, ServiceError};
use crate::domain::boards::Board;
use crate::domain::brief::TimeToResolve;
use crate::domain::calls::CallState;
use crate::domain::case::{case_history, reason_details, CaseStep, ReasonDetail};
use crate::domain::derive::derive;
use crate::domain::event::{Event, Satisfaction};
use crate::domain::history::{History, Resolution, Taken};
use crate::domain::ids::Locale;
use crate::domain::keys::CallId;
use crate::domain::policy::Policy;
use crate::domain::stats::median_duration;
use crate::domain::token::{LinkSubject, Purpose};
use crate::ports::OpenEscalation;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// How long an alert's escalation link works. An escalation can stay
/// open longer; `aftercare escalations resolve` works without a link.
pub const ESCALATION_LINK_DAYS: i64 = 90;

/// Which escalation: the manager's signed link, or its call's id.
#[derive(Clone, Copy)]
pub enum EscalationRef<'a> {
    Token(&'a str),
    Call(&'a CallId),
}

/// One escalated case, as the manager's page shows it.
#[derive(Debug, Clone)]
pub struct EscalationPage {
    pub call: CallId,
    /// The managers' language, and the report time zone.
    pub locale: Locale,
    pub time_zone: Tz,
    pub business: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// When the customer said they were unsatisfied.
    pub opened_at: DateTime<Utc>,
    pub reasons: Vec<ReasonDetail>,
    /// The notes of the call that reached the customer, and its agent.
    pub notes: Option<String>,
    pub agent: Option<String>,
    pub history: Vec<(DateTime<Utc>, CaseStep)>,
    /// Who took it, while it is open.
    pub taken: Option<Taken>,
    pub resolved: Option<Resolution>,
}

/// An open escalation in the managers' list.
#[derive(Debug, Clone)]
pub struct EscalationSummary {
    pub call: CallId,
    pub opened_at: DateTime<Utc>,
    pub name: Option<String>,
    pub notes: Option<String>,
    /// The manager who took it.
    pub owner: Option<String>,
}

/// What a manager sent to resolve an escalation.
#[derive(Debug, Clone, Copy)]
pub struct ResolveForm<'a> {
    pub by: &'a str,
    pub note: Option<&'a str>,
}

/// Resolutions the median reads, the latest first: each costs one history
/// read, so a week of more than this many is measured by its latest.
const MEASURED_RESOLUTIONS: usize = 200;

impl Aftercare {
    /// The median time to resolve over the escalations resolved in the 7
    /// days (report time zone) ending with `through`, by `now`; `None`
    /// when none were. Reads a week of the resolved board and one history
    /// per measured resolution.
    pub async fn time_to_resolve(
        &self,
        through: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<TimeToResolve>, ServiceError> {
        let mut entries = Vec::new();
        for back in 0..7 {
            let day = through - Duration::days(back);
            entries.extend(
                self.store
                    .board(Board::Resolved(day))
                    .await?
                    .into_iter()
                    .filter(|e| e.at <= now),
            );
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        let mut times = Vec::new();
        for e in entries.iter().take(MEASURED_RESOLUTIONS) {
            let Ok(call) = e.item.parse::<CallId>() else {
                continue;
            };
            let Some(h) = self.store.load(&e.customer).await? else {
                continue;
            };
            let reached = derive(&h, &self.settings.policy)
                .call(&call)
                .and_then(|c| c.reached_at());
            if let Some(reached) = reached {
                times.push((e.at - reached).max(Duration::zero()));
            }
        }
        Ok(median_duration(times).map(|median| TimeToResolve {
            median,
            resolutions: entries.len(),
        }))
    }

    /// The signed link to an escalation's page.
    pub(super) fn escalation_url(&self, call: &CallId, now: DateTime<Utc>) -> String {
        let token = self.key.sign_link(
            &LinkSubject::Escalation(call.clone()),
            now + Duration::days(ESCALATION_LINK_DAYS),
        );
        format!("{}/e/{token}", self.settings.business.base_url)
    }

    fn escalated_call(
        &self,
        which: EscalationRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<CallId, ServiceError> {
        match which {
            EscalationRef::Call(c) => Ok(c.clone()),
            EscalationRef::Token(t) => match self.key.verify_link(t, Purpose::Escalation, now)? {
                LinkSubject::Escalation(call) => Ok(call),
                _ => Err(malformed().into()),
            },
        }
    }

    /// One escalated case: the customer, the call, its notes and the
    /// case's history, and how it was resolved if it was.
    pub async fn escalation_page(
        &self,
        which: EscalationRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<EscalationPage, ServiceError> {
        let call_id = self.escalated_call(which, now)?;
        let h = self.history_of(call_id.customer()).await?;
        let d = derive(&h, &self.settings.policy);
        let call = d.call(&call_id).ok_or(Rejection::NoSuchEscalation)?;
        let CallState::Reached {
            at,
            satisfaction: Satisfaction::Unsatisfied,
        } = call.state
        else {
            return Err(Rejection::NoSuchEscalation.into());
        };
        let reaching = h.events.iter().find_map(|e| match e {
            Event::CallOutcomeRecorded(o) if o.occurred_at == at => Some(o),
            _ => None,
        });
        let agents = self.agents().await?;
        let agent = reaching.and_then(|o| o.agent_id.as_ref()).map(|id| {
            agents
                .iter()
                .find(|a| &a.id == id)
                .map_or_else(|| id.to_string(), |a| a.name.clone())
        });
        let profile = h.latest_profile();
        Ok(EscalationPage {
            locale: self.settings.business.locale,
            time_zone: self.settings.policy.report_time_zone,
            business: self.settings.business.name.clone(),
            name: profile.and_then(|p| p.name.clone()),
            phone: profile.and_then(|p| p.phone.as_ref().map(|x| x.as_str().to_string())),
            email: profile.and_then(|p| p.email.as_ref().map(|x| x.as_str().to_string())),
            opened_at: at,
            reasons: reason_details(call, &h, &d),
            notes: reaching.and_then(|o| o.notes.clone()),
            agent,
            history: case_history(&h),
            taken: h.facts.escalations_taken.get(&call_id).cloned(),
            resolved: h.facts.escalations_resolved.get(&call_id).cloned(),
            call: call_id,
        })
    }

    /// The open escalations, oldest first, with the customer's name and
    /// the call's notes (one history read each).
    pub async fn open_escalations(
        &self,
        limit: usize,
    ) -> Result<Vec<EscalationSummary>, ServiceError> {
        let mut out = Vec::new();
        for e in self.store.open_escalations(limit).await? {
            out.push(self.escalation_summary(e).await?);
        }
        Ok(out)
    }

    /// An index entry with the customer's name and the notes of the call
    /// that opened it (one history read).
    pub(super) async fn escalation_summary(
        &self,
        e: OpenEscalation,
    ) -> Result<EscalationSummary, ServiceError> {
        let h = self.store.load(e.call.customer()).await?;
        let name = h
            .as_ref()
            .and_then(|h| h.latest_profile())
            .and_then(|p| p.name.clone());
        let notes = h.as_ref().and_then(|h| {
            h.events.iter().find_map(|ev| match ev {
                Event::CallOutcomeRecorded(o) if o.occurred_at == e.opened_at => o.notes.clone(),
                _ => None,
            })
        });
        let owner = h
            .as_ref()
            .and_then(|h| h.facts.escalations_taken.get(&e.call))
            .map(|t| t.by.clone())
            .filter(|by| !by.is_empty());
        Ok(EscalationSummary {
            call: e.call,
            opened_at: e.opened_at,
            name,
            notes,
            owner,
        })
    }

    /// A manager closes an escalation: it leaves `escalations_open` from
    /// the end of this day on, and the open list at once.
    pub async fn resolve_escalation(
        &self,
        which: EscalationRef<'_>,
        form: ResolveForm<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let call = self.escalated_call(which, now)?;
        let by = form.by.trim();
        if by.is_empty() {
            return Err(Rejection::Invalid("by: who resolved it is required".into()).into());
        }
        let resolution = Resolution {
            at: now,
            by: by.chars().take(200).collect(),
            note: kept_note(form.note),
        };
        let customer = call.customer().clone();
        if self.store.load(&customer).await?.is_none() {
            return Err(Rejection::NoSuchEscalation.into());
        }
        let policy = &self.settings.policy;
        // Whether this call already tried once: a resolution equal to this
        // one found on a later try is this call's own, landed on a try
        // whose answer was lost (a separate request is "already resolved").
        let mut tried = false;
        self.change(&customer, now, |h| {
            let retry = std::mem::replace(&mut tried, true);
            open_since(h, policy, &call, now)?;
            match h.facts.escalations_resolved.get(&call) {
                Some(r) if retry && *r == resolution => return Ok(()),
                Some(_) => return Err(Rejection::AlreadyResolved.into()),
                None => {}
            }
            h.facts
                .escalations_resolved
                .insert(call.clone(), resolution.clone());
            Ok(())
        })
        .await
    }
}

/// When the escalation of `call` opened (the unsatisfied reach), checking
/// that it is one and that `now` is not before it: a case is taken or
/// resolved after the call that opened it, never before (a clock off, a
/// wrong `--at`).
fn open_since(
    h: &History,
    policy: &Policy,
    call: &CallId,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ServiceError> {
    let reached_at = derive(h, policy).call(call).and_then(|c| match c.state {
        CallState::Reached {
            at,
            satisfaction: Satisfaction::Unsatisfied,
        } => Some(at),
        _ => None,
    });
    let Some(reached_at) = reached_at else {
        return Err(Rejection::NoSuchEscalation.into());
    };
    if now < reached_at {
        return Err(Rejection::Invalid(format!(
            "at: {} is before the call that opened the escalation ({})",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            reached_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .into());
    }
    Ok(reached_at)
}

impl Aftercare {
    /// A manager takes an open escalation: it shows as theirs (on its page,
    /// in the morning email, in `escalations list`) until it is resolved.
    /// Another manager can take it over; taking it again is a no-op.
    pub async fn take_escalation(
        &self,
        which: EscalationRef<'_>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let call = self.escalated_call(which, now)?;
        let by = by.trim();
        if by.is_empty() {
            return Err(Rejection::Invalid("by: who takes it is required".into()).into());
        }
        let taken = Taken {
            at: now,
            by: by.chars().take(200).collect(),
        };
        let customer = call.customer().clone();
        if self.store.load(&customer).await?.is_none() {
            return Err(Rejection::NoSuchEscalation.into());
        }
        let policy = &self.settings.policy;
        self.change(&customer, now, |h| {
            open_since(h, policy, &call, now)?;
            if h.facts.escalations_resolved.contains_key(&call) {
                return Err(Rejection::AlreadyResolved.into());
            }
            // Already theirs (or this call's own, landed on a try whose
            // answer was lost): keep when they took it.
            if h.facts
                .escalations_taken
                .get(&call)
                .is_some_and(|t| t.by == taken.by)
            {
                return Ok(());
            }
            h.facts
                .escalations_taken
                .insert(call.clone(), taken.clone());
            Ok(())
        })
        .await
    }
}
