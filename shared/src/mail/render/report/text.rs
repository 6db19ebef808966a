//! The morning email's text part: the day's figures first, then what
//! needs a manager today, the agents and the 28 days as a table.

use super::{BriefView, KpiView};
use crate::i18n::{fill, ReportTexts};

pub(super) fn text_part(v: &BriefView<'_>) -> String {
    let t = v.t;
    let mut s = format!("{}\n{}\n", v.heading, v.business);
    if let Some(w) = v.warning {
        s.push_str(&format!("\n! {w}\n"));
    }
    if let Some(r) = &v.revised {
        s.push_str(&format!("\n* {r}\n"));
    }
    s.push_str(&format!("\n== {} ==\n", v.yesterday));
    kpis(&mut s, t, &v.kpis);
    s.push_str(&format!("\n== {} ==\n", t.today));
    if let Some(n) = v.nothing_today {
        s.push_str(&format!("{n}\n"));
    }
    for list in &v.lists {
        s.push_str(&format!("\n{}\n", list.heading));
        if let Some(sub) = &list.sub {
            s.push_str(&format!("{sub}\n"));
        }
        for item in &list.items {
            match &item.flag {
                Some(f) => s.push_str(&format!("- {} [{f}]\n", item.line)),
                None => s.push_str(&format!("- {}\n", item.line)),
            }
            if let Some(n) = &item.note {
                s.push_str(&format!("  {n}\n"));
            }
            if let Some(l) = &item.link {
                s.push_str(&format!("  {}{}{l}\n", v.resolve, t.colon));
            }
        }
        if let Some(m) = &list.more {
            s.push_str(&format!("  {m}\n"));
        }
    }
    s.push_str(&format!("\n== {} ==\n", v.more_heading));
    kpis(&mut s, t, &v.more_kpis);
    s.push_str(&format!("\n== {} ==\n", v.agents_heading));
    s.push_str(&format!(
        "{} | {} | {} | {} | {} | {}\n",
        t.agent, t.calls, t.reached_col, t.satisfied, t.on_time_col, t.recovered_col
    ));
    for a in &v.agents {
        s.push_str(&format!(
            "{} | {} | {} | {} | {} | {}\n",
            a.name, a.calls, a.reached, a.satisfied, a.on_time, a.recovered
        ));
    }
    s.push_str(&format!("{}\n", t.agents_note));
    s.push_str(&format!("\n== {} ==\n", v.trend_heading));
    s.push_str(&format!(
        "{} | {} | {} | {} | {} | {}\n",
        t.date, t.csat, t.nps, t.on_time, t.recovery_col, t.churn_col
    ));
    for r in &v.trend {
        s.push_str(&format!(
            "{} | {} | {} | {} | {} | {}\n",
            r.date, r.csat, r.nps, r.on_time, r.recovery, r.churn
        ));
    }
    s
}

fn kpis(s: &mut String, t: &ReportTexts, list: &[KpiView]) {
    for k in list {
        match &k.detail {
            Some(d) => s.push_str(&format!(
                "\n{}{}{}{}\n",
                k.name,
                t.colon,
                k.value,
                fill(&t.paren, &[("text", d)])
            )),
            None => s.push_str(&format!("\n{}{}{}\n", k.name, t.colon, k.value)),
        }
        s.push_str(&format!(
            "  {}{}{}\n",
            t.vs_day_before, t.colon, k.vs_day_before.text
        ));
        s.push_str(&format!("  {}{}{}\n", t.vs_week, t.colon, k.vs_week.text));
    }
}
