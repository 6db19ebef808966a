//! The run on the generated data set agrees with the oracle, and the data
//! set exercises every case it is meant to.

use super::{assert_active_identity, clean_run, customers, disagreements, fail_with, seed, Setup};

#[test]
fn run_agrees_with_an_independent_recomputation() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let e = &clean.expected;
    eprintln!("cases: {:#?}", e.cases);
    let total = |section: &str, field: &str| {
        e.days
            .values()
            .map(|v| v[section][field].as_u64().unwrap())
            .sum::<u64>()
    };
    let problems = disagreements(&clean);
    fail_with("aftercare run disagrees with the oracle", &problems);
    let printed: Vec<serde_json::Value> = clean
        .reports
        .values()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    assert_active_identity(&printed);
    // Some low scores were reached in time and still not recovered.
    let recovery = |f: &str| total("recovery", f);
    assert!(recovery("reached_in_time") > recovery("recovered"));

    for (section, field) in [
        ("purchases", "repeat_customers"),
        ("tickets", "reopened"),
        ("callbacks", "merged"),
        ("callbacks", "skipped"),
        ("callbacks", "reached"),
        ("callbacks", "completed_on_time"),
        ("callbacks", "escalations_opened"),
        ("csat", "responses"),
        ("csat", "throttled"),
        ("nps", "responses"),
        ("nps", "throttled"),
        ("recovery", "low_scores"),
        ("recovery", "reached_in_time"),
        ("recovery", "recovered"),
        ("customers", "new"),
        ("customers", "won_back"),
        ("customers", "churned"),
    ] {
        assert!(
            total(section, field) > 0,
            "the data set has no {section}.{field}"
        );
    }
    for name in [
        "survey moved out of quiet time",
        "survey throttled",
        "answer updated",
        "answer for no survey",
        "answer for a throttled survey",
        "answer before the send",
        "answer after the link expired",
        "low score by an update",
        "merge moved a deadline earlier",
        "open call missed: a new reason after its deadline",
        "outcome with no open call",
        "outcome after the deadline",
        "call closed after the last failed attempt",
        "ticket never closed",
        "ticket closed without a seen open",
        "ticket reopened",
    ] {
        assert!(
            e.cases.contains_key(name),
            "the data set has no case of {name:?}: {:?}",
            e.cases
        );
    }
}
