//! The boundary cases: hand-made customers, the same in every data set,
//! with their times written exactly as the readings they pin need.

use super::Gen;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

/// Hand-made customers on the boundaries the readings decide (`e-…` ids).
pub fn edge_cases(g: &mut Gen) {
    let purchase = |order: &str, at: &str, customer: &Value| json!({"order_id": order, "occurred_at": at, "customer": customer});
    let answer = |survey_for: Value, score: i64, at: &str| json!({"survey_for": survey_for, "score": score, "occurred_at": at});
    let outcome = |customer: &str, outcome: &str, at: &str| {
        let mut d = json!({"customer_id": customer, "outcome": outcome, "occurred_at": at});
        if outcome == "reached" {
            d["satisfaction"] = json!("satisfied");
        }
        d
    };
    let opened = |ticket: &str, at: &str, customer: &Value| json!({"ticket_id": ticket, "occurred_at": at, "customer": customer});
    let closed = |ticket: &str, at: &str, opened_at: &str, customer: &Value| json!({"ticket_id": ticket, "occurred_at": at, "opened_at": opened_at, "resolved": true, "customer": customer});

    // An answer at the very instant of the send counts (the send runs
    // first); an update exactly 28 days after the send still counts and
    // makes the score low (no phone: skipped); one second later is expired.
    let c =
        json!({"id": "e-1", "email": "e1@example.com", "time_zone": "Asia/Seoul", "locale": "ko"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e1", "2026-10-21T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e1"}), 9, "2026-10-28T10:00:00+09:00"),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e1"}), 5, "2026-11-25T01:00:00Z"),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e1"}), 10, "2026-11-25T10:00:01+09:00"),
    );

    // CSAT throttle: exactly 7 × 24 h after the last send is not throttled,
    // one second less is.
    let c = json!({"id": "e-2", "email": "e2@example.com", "time_zone": "Asia/Seoul"});
    for (ticket, open, close) in [
        (
            "t-e2-a",
            "2026-10-19T09:30:00+09:00",
            "2026-10-19T10:00:00+09:00",
        ),
        (
            "t-e2-b",
            "2026-10-26T09:30:00+09:00",
            "2026-10-26T10:00:00+09:00",
        ),
        (
            "t-e2-c",
            "2026-11-02T09:30:00+09:00",
            "2026-11-02T09:59:59+09:00",
        ),
    ] {
        g.emit_literal("TicketOpened", opened(ticket, open, &c));
        g.emit_literal("TicketClosed", closed(ticket, close, open, &c));
    }
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"ticket_id": "t-e2-b"}),
            4,
            "2026-10-27T10:00:00+09:00",
        ),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"ticket_id": "t-e2-c"}),
            1,
            "2026-11-03T10:00:00+09:00",
        ),
    );

    // Calls: a reason exactly at the open call's deadline merges; an outcome
    // at that same instant comes after the reason and is on time. A reason a
    // millisecond after the deadline closes the call as missed. Three failed
    // attempts close a call; an outcome after that is rejected.
    let c = json!({"id": "e-3", "phone": "+821000000003", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-a", "2026-10-20T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-b", "2026-10-23T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "reached", "2026-10-23T01:00:00Z"),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-c", "2026-10-30T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-d", "2026-11-02T10:00:00.001+09:00", &c),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "no_answer", "2026-11-03T10:00:00+09:00"),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "busy", "2026-11-03T14:00:00+09:00"),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "no_answer", "2026-11-04T10:00:00+09:00"),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "reached", "2026-11-04T15:00:00+09:00"),
    );
    // The same order again later, with another envelope: a duplicate.
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-a", "2026-10-25T10:00:00+09:00", &c),
    );

    // A low score's call goes by the latest customer object at or before the
    // answer: no phone at the purchase (skipped), a phone by the answer.
    let c = json!({"id": "e-4", "email": "e4@example.com", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e4", "2026-10-20T11:00:00+09:00", &c),
    );
    let c = json!({"id": "e-4", "email": "e4@example.com", "phone": "+821000000004", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "TicketOpened",
        opened("t-e4", "2026-10-29T11:00:00+09:00", &c),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e4"}), 2, "2026-10-30T12:00:00+09:00"),
    );

    // Two orders at one instant: not repeat customers (strictly earlier);
    // one call (scheduled, merged).
    let c = json!({"id": "e-5", "email": "e5@example.com", "phone": "+821000000005"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e5-a", "2026-10-22T15:00:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e5-b", "2026-10-22T06:00:00Z", &c),
    );

    // Two NPS surveys planned for one instant (both moved to Saturday Nov 7
    // 09:00 KST), from purchases at different times: the earlier purchase's
    // is sent, the other throttled (the oracle's reading of an open tie).
    let c = json!({"id": "e-11", "email": "e11@example.com"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e11-b", "2026-10-31T00:42:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e11-a", "2026-10-31T05:18:00+09:00", &c),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"order_id": "o-e11-a"}),
            10,
            "2026-11-08T10:00:00+09:00",
        ),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"order_id": "o-e11-b"}),
            10,
            "2026-11-08T11:00:00+09:00",
        ),
    );

    // Durations keep their fractions of a second: 59.75 s to the first
    // response, 3599.5 s to the close.
    let c = json!({"id": "e-12", "time_zone": "Asia/Seoul"});
    let mut close = closed(
        "t-e12",
        "2026-10-22T11:00:00+09:00",
        "2026-10-22T10:00:00.500+09:00",
        &c,
    );
    close["first_response_at"] = json!("2026-10-22T01:01:00.250Z");
    g.emit_literal("TicketClosed", close);

    // A ticket whose TicketOpened (Oct 20) and the close's opened_at (Oct 21)
    // are on different days; the same close delivered again written in UTC
    // (a duplicate); first_response_at null.
    let c = json!({"id": "e-6", "email": "e6@example.com", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "TicketOpened",
        opened("t-e6", "2026-10-20T23:50:00+09:00", &c),
    );
    let mut close = closed(
        "t-e6",
        "2026-10-21T15:00:00+09:00",
        "2026-10-21T00:10:00+09:00",
        &c,
    );
    close["first_response_at"] = Value::Null;
    close["customer_contacts"] = json!(2);
    g.emit_literal("TicketClosed", close.clone());
    close["occurred_at"] = json!("2026-10-21T06:00:00Z");
    g.emit_literal("TicketClosed", close);

    // Quiet time across the daylight-saving ends and at the half-open end
    // of contact hours: one second before the moved send is too early.
    for (id, zone, close, send) in [
        // Saturday 21:30 EDT → Monday 09:00 EDT.
        (
            "e-7",
            "America/New_York",
            "2026-10-24T19:30:00-04:00",
            "2026-10-26T13:00:00Z",
        ),
        // Saturday 21:00 BST → Monday 09:00 GMT (after the Oct 25 change).
        (
            "e-8",
            "Europe/London",
            "2026-10-24T19:00:00+01:00",
            "2026-10-26T09:00:00Z",
        ),
        // 18:00 + 2 h = 20:00 exactly: outside [09:00, 20:00) → next 09:00.
        (
            "e-9",
            "Asia/Ho_Chi_Minh",
            "2026-10-20T18:00:00+07:00",
            "2026-10-21T02:00:00Z",
        ),
        // Saturday 20:30 EST (after the Nov 1 change) → Monday 09:00 EST.
        (
            "e-10",
            "America/New_York",
            "2026-11-07T18:30:00-05:00",
            "2026-11-09T14:00:00Z",
        ),
    ] {
        let c = json!({"id": id, "email": format!("{id}@example.com"), "time_zone": zone});
        let ticket = format!("t-{id}");
        g.emit_literal("TicketClosed", closed(&ticket, close, close, &c));
        let send = DateTime::parse_from_rfc3339(send)
            .unwrap()
            .with_timezone(&Utc);
        let early = (send - Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let exact = send.to_rfc3339_opts(SecondsFormat::Secs, true);
        g.emit_literal(
            "SurveyAnswered",
            answer(json!({"ticket_id": ticket}), 5, &early),
        );
        g.emit_literal(
            "SurveyAnswered",
            answer(json!({"ticket_id": ticket}), 3, &exact),
        );
    }
}
