//! How numbers, times and text excerpts are shown.

use chrono::{DateTime, Utc};

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
