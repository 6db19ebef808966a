//! The managers' case page of a low answer, `GET /l/{token}` from the
//! low-score alert: who the customer is and how to reach them, what they
//! answered and said, the priority call booked for it, and the case so
//! far. Read-only: the call is the agents' to make, and an unhappy call
//! opens an escalation with its own page.

use crate::links::LinkGet;
use crate::pages::{footer, html};
use crate::staff_pages::{history_lines, HistoryLine};
use crate::Pages;
use aftercare_shared::domain::event::Score;
use aftercare_shared::i18n::words;
use aftercare_shared::i18n::{fill, phone, texts, AlertTexts, EscalationTexts};
use aftercare_shared::services::LowScoreCase;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// The templates' filters: `keep_words` keeps dates and ids whole on a phone.
use crate::filters;

#[derive(Template)]
#[template(path = "case.html")]
struct CaseTemplate<'a> {
    lang: &'a str,
    title: String,
    business: &'a str,
    footer: String,
    heading: String,
    t: &'a EscalationTexts,
    a: &'a AlertTexts,
    answered: String,
    name: String,
    phone: Option<(&'a str, String)>,
    email: Option<&'a str>,
    comment: Option<&'a str>,
    call: String,
    zone: &'a str,
    history: Vec<HistoryLine>,
}

/// `GET /l/{token}`: the case (changes nothing).
pub async fn low_score_case(
    State(p): State<Pages>,
    LinkGet { token, headers }: LinkGet,
) -> Response {
    match p.service.low_score_case(&token, p.clock.now()).await {
        Ok(case) => page(&case),
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}

fn page(case: &LowScoreCase) -> Response {
    let l = case.locale;
    let all = texts(l);
    let (t, a) = (&all.escalation, &all.alert);
    let tz = case.time_zone;
    let name = case
        .name
        .clone()
        .unwrap_or_else(|| case.customer.to_string());
    let kind = match case.score {
        Score::Csat(_) => "CSAT",
        Score::Nps(_) => "NPS",
    };
    let call = case
        .call
        .as_ref()
        .map_or_else(|| a.no_call.clone(), |c| words::priority_call(l, c, tz));
    let template = CaseTemplate {
        lang: l.code(),
        title: fill(&t.case_title, &[("name", &name)]),
        business: &case.business,
        footer: footer(&all.page, &case.business),
        heading: fill(&t.case_title, &[("name", &name)]),
        t,
        a,
        answered: fill(
            &t.case_answered,
            &[
                ("kind", kind),
                ("score", &case.score.value().to_string()),
                ("time", &words::zoned_time(case.answered_at, tz)),
            ],
        ),
        phone: case.phone.as_deref().map(|p| (p, phone::display(p))),
        email: case.email.as_deref(),
        comment: case.comment.as_deref(),
        call,
        zone: tz.name(),
        history: history_lines(l, &case.history, tz),
        name,
    };
    html(StatusCode::OK, template.render())
}
