//! CloudWatch metrics in the embedded metric format: one JSON line on
//! standard output per invocation that did something, which CloudWatch
//! Logs turns into metrics without an API call. They count events
//! accepted, duplicate and rejected, mail sent, deferred and parked, and
//! calls booked and at risk (the service's [`Tally`]); the template's
//! alarms watch `MailParked` and `EventsRejected`.

use aftercare_shared::services::{Aftercare, Tally};
use std::future::Future;

/// The namespace the template's alarms read.
pub const NAMESPACE: &str = "aftercare";

/// Runs one invocation's work and publishes what it did.
pub async fn measured<T>(service: &Aftercare, work: impl Future<Output = T>) -> T {
    let before = service.tally();
    let out = work.await;
    publish(&service.tally().since(&before));
    out
}

/// Prints `tally` as one embedded-metric-format line (nothing when every
/// count is zero), under the dimension `Deployment` (the stack's name,
/// from `DEPLOYMENT_NAME`).
pub fn publish(tally: &Tally) {
    if let Some(line) = emf_line(
        tally,
        &deployment_name(),
        chrono::Utc::now().timestamp_millis(),
    ) {
        println!("{line}");
    }
}

fn deployment_name() -> String {
    std::env::var("DEPLOYMENT_NAME").unwrap_or_else(|_| "aftercare".into())
}

fn emf_line(tally: &Tally, deployment: &str, timestamp_ms: i64) -> Option<String> {
    let counts: Vec<(&str, u64)> = tally
        .metrics()
        .into_iter()
        .filter(|(_, v)| *v > 0)
        .collect();
    if counts.is_empty() {
        return None;
    }
    let definitions: Vec<serde_json::Value> = counts
        .iter()
        .map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Count"}))
        .collect();
    let mut line = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Deployment"]],
                "Metrics": definitions,
            }],
        },
        "Deployment": deployment,
    });
    for (name, value) in counts {
        line[name] = serde_json::json!(value);
    }
    Some(line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_becomes_one_emf_line_with_only_its_nonzero_counts() {
        let tally = Tally {
            events_accepted: 3,
            mail_parked: 1,
            ..Tally::default()
        };
        let line = emf_line(&tally, "acme-care", 1_796_205_600_000).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["EventsAccepted"], 3);
        assert_eq!(v["MailParked"], 1);
        assert!(v.get("MailSent").is_none());
        assert_eq!(v["Deployment"], "acme-care");
        let defs = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(defs["Namespace"], NAMESPACE);
        assert_eq!(defs["Dimensions"], serde_json::json!([["Deployment"]]));
        assert_eq!(defs["Metrics"].as_array().unwrap().len(), 2);
        assert_eq!(emf_line(&Tally::default(), "x", 0), None);
    }
}
