//! How numbers, times, text excerpts, counted things and job actions are shown.

use chrono::{DateTime, Utc};
use longjobs_openapi::{JobAction, JobState, StateCount};

/// Now, from the browser's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// `2025-11-28 13:47:02` (UTC, as the API stores it).
pub fn datetime(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `13:47` for chart axes.
pub fn clock(t: &DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

/// `850 ms`, `12.3 s`, `4.2 min`, `1.5 h`: a duration in milliseconds.
pub fn millis(ms: i64) -> String {
    let f = ms as f64;
    match ms {
        ..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", f / 1_000.0),
        60_000..3_600_000 => format!("{:.1} min", f / 60_000.0),
        _ => format!("{:.1} h", f / 3_600_000.0),
    }
}

/// `12 s ago`, `3 min ago`, `in 2 h`: how far `t` is from now.
pub fn relative(t: &DateTime<Utc>) -> String {
    let secs = (now() - *t).num_seconds();
    let span = human_span(secs.unsigned_abs());
    if secs.abs() < 2 {
        "just now".into()
    } else if secs > 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// `45 s`, `12 min`, `3 h`, `2 d`.
pub fn human_span(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86400),
    }
}

/// `45 s`, `3 min 12 s`, `2 h 5 min`, `1 d 3 h`: a duration to the second while short.
pub fn elapsed(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        3600..86400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86400, secs % 86400 / 3600),
    }
}

/// `12,345`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first line of `text`, cut to `max` characters with an ellipsis.
pub fn excerpt(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max && line.len() == text.len() {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// `512 B`, `1.5 kB`, `12 MB`, `4.2 GB`: a size in decimal units (one decimal below 10),
/// in whole-number arithmetic.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    let n = n.max(0) as u64;
    if n < 1000 {
        return format!("{n} B");
    }
    // Tenths of the unit, rounded.
    let mut unit = 0;
    let mut scale = 1000u64;
    while unit + 1 < UNITS.len() && (n + scale / 2) / scale >= 1000 {
        scale *= 1000;
        unit += 1;
    }
    let tenths = (n * 10 + scale / 2) / scale;
    if tenths < 100 {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", (n + scale / 2) / scale, UNITS[unit])
    }
}

/// `#12, #13 and #14`: copy or submission ids for a sentence.
pub fn id_list(ids: &[i64]) -> String {
    let tags: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
    match tags.as_slice() {
        [] => "none".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `1 copy`, `3 copies`, `1,200 copies`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count(n as i64))
    }
}

/// `job` or `jobs`: the word for `n` of them.
pub fn noun<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `No jobs`, `1 job`, `12 jobs`: a selection's size.
pub fn tally(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("No {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// How many jobs of `state` a breakdown counts (none when it does not list the state).
pub fn count_of(counts: &[StateCount], state: JobState) -> i64 {
    counts
        .iter()
        .find(|c| c.state == state)
        .map_or(0, |c| c.count)
}

/// `Retry`: a job action as a button names it.
pub fn action_verb(a: JobAction) -> &'static str {
    match a {
        JobAction::Retry => "Retry",
        JobAction::Cancel => "Cancel",
        JobAction::Discard => "Discard",
    }
}

/// What a job action does to a job, after "will be".
pub fn action_past(a: JobAction) -> &'static str {
    match a {
        JobAction::Retry => "retried (run again now)",
        JobAction::Cancel => "cancelled (running jobs at their worker's next heartbeat)",
        JobAction::Discard => "discarded without running again",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_decimal_units_with_one_decimal_below_ten() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_000), "1.0 kB");
        assert_eq!(bytes(1_549), "1.5 kB");
        assert_eq!(bytes(20_480), "20 kB");
        assert_eq!(bytes(9_960), "10 kB");
        assert_eq!(bytes(999_999), "1.0 MB");
        assert_eq!(bytes(4_200_000_000), "4.2 GB");
        assert_eq!(bytes(50_000_000_000), "50 GB");
    }

    #[test]
    fn a_selection_reads_none_one_or_many() {
        assert_eq!(tally(0, "job", "jobs"), "No jobs");
        assert_eq!(tally(1, "job", "jobs"), "1 job");
        assert_eq!(tally(12, "job", "jobs"), "12 jobs");
        assert_eq!(plural(1_200, "copy", "copies"), "1,200 copies");
    }

    #[test]
    fn a_running_time_reads_to_the_second_while_short() {
        assert_eq!(elapsed(7), "7 s");
        assert_eq!(elapsed(192), "3 min 12 s");
        assert_eq!(elapsed(7_500), "2 h 5 min");
        assert_eq!(elapsed(97_200), "1 d 3 h");
    }

    #[test]
    fn ids_read_as_a_list() {
        assert_eq!(id_list(&[]), "none");
        assert_eq!(id_list(&[7]), "#7");
        assert_eq!(id_list(&[7, 8, 9]), "#7, #8 and #9");
    }
}
