//! The jobs' schedule on DynamoDB: every scheduled run reads it whole,
//! so it is one query of one partition, and a table written before the
//! schedule moved there keeps its jobs' times.

use crate::helpers::{dynamo_table, dynamodb_client};
use aftercare_shared::domain::ids::AgentId;
use aftercare_shared::domain::keys::Job;
use aftercare_shared::ports::JobSchedule;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeZone, Utc};

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
}

/// The daily report and a sheet and its updates for each of `agents`.
fn jobs(agents: usize) -> Vec<Job> {
    let mut jobs = vec![Job::DailyReport];
    for i in 1..=agents {
        let agent = AgentId::parse(&format!("a-{i}")).unwrap();
        jobs.push(Job::CallSheet(agent.clone()));
        jobs.push(Job::SheetUpdates(agent));
    }
    jobs
}

#[tokio::test]
async fn reading_the_whole_schedule_of_fifty_agents_costs_one_request_of_a_few_read_units() {
    let (store, _) = dynamo_table().await;
    let jobs = jobs(50);
    for (i, job) in jobs.iter().enumerate() {
        let at = t(8) + chrono::Duration::minutes(i as i64);
        assert!(store.advance_job(job, None, at).await.unwrap());
    }
    let before = store.usage();
    let next = store.job_next_runs(&jobs).await.unwrap();
    let cost = store.usage().since(&before);
    for (i, at) in next.iter().enumerate() {
        assert_eq!(*at, Some(t(8) + chrono::Duration::minutes(i as i64)));
    }
    assert_eq!(cost.requests, 1, "{cost}");
    // 101 small items, about 6 KB: a read unit per 4 KB, not one an item.
    assert!(cost.read_units <= 2.0, "{cost}");
}

/// Writes a job's schedule item where tables before 2026-12-07 kept it.
async fn legacy_job(table: &str, job: &Job, next_at: &str) {
    dynamodb_client()
        .await
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(format!("JOB#{job}")))
        .item("sk", AttributeValue::S("J".into()))
        .item("next_at", AttributeValue::S(next_at.into()))
        .send()
        .await
        .unwrap();
}

async fn item_count(table: &str, pk: &str) -> usize {
    dynamodb_client()
        .await
        .query()
        .table_name(table)
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", AttributeValue::S(pk.into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
        .len()
}

#[tokio::test]
async fn a_job_scheduled_before_the_schedule_moved_keeps_its_time_and_runs_once() {
    let (store, table) = dynamo_table().await;
    let report = Job::DailyReport;
    let sheet = Job::CallSheet(AgentId::parse("a-1").unwrap());
    let never = Job::SheetUpdates(AgentId::parse("a-1").unwrap());
    legacy_job(&table, &report, "2026-11-20T07:00:00.000000000Z").await;
    legacy_job(&table, &sheet, "2026-11-20T09:00:00.000000000Z").await;

    let next = store
        .job_next_runs(&[report.clone(), sheet.clone(), never.clone()])
        .await
        .unwrap();
    assert_eq!(next, vec![Some(t(7)), Some(t(9)), None]);
    assert_eq!(item_count(&table, &format!("JOB#{report}")).await, 0);
    assert_eq!(item_count(&table, &format!("JOB#{sheet}")).await, 0);
    assert_eq!(item_count(&table, "JOBS").await, 2);

    // Adopted, the occurrence is run by the runner that expected it, once.
    let tomorrow = t(7) + chrono::Duration::days(1);
    assert!(store
        .advance_job(&report, Some(t(7)), tomorrow)
        .await
        .unwrap());
    assert!(!store
        .advance_job(&report, Some(t(7)), tomorrow)
        .await
        .unwrap());
    assert_eq!(store.job_next_run(&report).await.unwrap(), Some(tomorrow));
    // The process looked for old items once: the job never scheduled costs
    // nothing more than the schedule's one query.
    let before = store.usage();
    assert_eq!(
        store.job_next_runs(&[report, sheet, never]).await.unwrap(),
        vec![Some(tomorrow), Some(t(9)), None]
    );
    assert_eq!(store.usage().since(&before).requests, 1);
}
