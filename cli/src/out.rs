//! Standard output for the commands. A reader that goes away before the
//! end (`aftercare escalations list | head -1`) ends the command quietly
//! and successfully, as a Unix tool does, instead of the panic `println!`
//! gives on a closed pipe.

use std::io::Write;

/// Writes `text` to standard output and flushes it.
pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` that ends quietly on a closed pipe.
macro_rules! say {
    () => {
        $crate::out::write_out("\n")
    };
    ($($arg:tt)*) => {
        $crate::out::write_out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that ends quietly on a closed pipe.
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::out::write_out(&format!($($arg)*))
    };
}

/// A time as a person at the business reads it: in the report time zone,
/// to the minute, the zone named ("2026-11-20 09:05 Asia/Seoul").
pub fn local_time(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    format!(
        "{} {}",
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        tz.name()
    )
}

/// How long since `t`: whole days, or hours under a day ("3d", "5h").
pub fn age(t: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let age = now - t;
    match age.num_days() {
        0 => format!("{}h", age.num_hours().max(0)),
        n => format!("{n}d"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_in_the_report_zone_to_the_minute_with_the_zone_named() {
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 20, 0, 5, 59)
            .single()
            .unwrap_or_default();
        assert_eq!(
            local_time(t, chrono_tz::Asia::Seoul),
            "2026-11-20 09:05 Asia/Seoul"
        );
        assert_eq!(age(t, t + chrono::Duration::hours(49)), "2d");
        assert_eq!(age(t, t + chrono::Duration::minutes(90)), "1h");
    }
}
