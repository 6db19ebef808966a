//! Time-zone edges of the follow-up call (SPEC 4), through the use case
//! that books it: the default agent works 09:00–18:00 in Seoul, Mon–Fri;
//! customers' contact hours are 09:00–20:00 their time, Mon–Sat.

use crate::helpers::service_over;
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::ports::{AgentCalendar, Histories};
use aftercare_shared::testing::{envelope, event, utc};
use serde_json::json;
use std::sync::Arc;

/// Books the call for a purchase by a customer in `zone` at `at`, and
/// returns (slot, at risk).
async fn booked(zone: &str, at: &str) -> (String, bool) {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let outbox = tempfile::tempdir().unwrap();
    let service = service_over(store.clone(), outbox.path(), Settings::default());
    let e = envelope(
        "PurchaseCompleted",
        "ev-1",
        json!({"order_id": "o-1", "occurred_at": at,
               "customer": {"id": "c-1", "email": "c-1@example.com", "phone": "+12125550100",
                            "locale": "en", "time_zone": zone}}),
    );
    service.ingest(&event(&e), utc(at)).await.unwrap();
    let b = store
        .booking_for(&"c-1/order:o-1#1".parse().unwrap(), 0)
        .await
        .unwrap()
        .expect("a booking");
    let h = store
        .load(&aftercare_shared::domain::ids::CustomerId::parse("c-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let at_risk = h.facts.assignments.values().next().unwrap().at_risk;
    (b.slot.to_rfc3339(), at_risk)
}

#[tokio::test]
async fn a_new_york_customer_across_the_november_change_meets_a_seoul_agent_only_after_it() {
    // Fri 2026-10-30 10:00 EDT. Saturday (still EDT) ends at 20:00 EDT =
    // 00:00 UTC, exactly when the Seoul agent starts: no common slot.
    // Sunday is no contact day. After the change (Sun 1 Nov, to EST) the
    // customer's 19:00 Monday is 00:00 UTC Tuesday, 09:00 in Seoul.
    let (slot, at_risk) = booked("America/New_York", "2026-10-30T14:00:00Z").await;
    assert_eq!(slot, "2026-11-03T00:00:00+00:00");
    assert!(at_risk, "after the 72 hours (Mon 2 Nov 14:00 UTC)");
}

#[tokio::test]
async fn a_kolkata_customer_s_half_hour_offset_keeps_slots_on_both_grids() {
    // Mon 2026-11-16 10:30 IST (UTC+5:30): the next-day revisit is
    // Tuesday 09:00 IST = 03:30 UTC = 12:30 in Seoul.
    let (slot, at_risk) = booked("Asia/Kolkata", "2026-11-16T05:00:00Z").await;
    assert_eq!(slot, "2026-11-17T03:30:00+00:00");
    assert!(!at_risk);
}

#[tokio::test]
async fn a_seoul_customer_is_called_the_next_seoul_morning() {
    // Mon 2026-11-16 23:30 Seoul is still Monday 14:30 UTC: "next day" is
    // the customer's Tuesday, 09:00 Seoul = 00:00 UTC.
    let (slot, _) = booked("Asia/Seoul", "2026-11-16T14:30:00Z").await;
    assert_eq!(slot, "2026-11-17T00:00:00+00:00");
}
