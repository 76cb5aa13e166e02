//! How a command answers: a table or text for people, the API's JSON with `--json`.

use std::io::Write;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or the text `text` makes of it.
    pub fn show<T: serde::Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        let out = if self.json {
            format!("{}\n", serde_json::to_string_pretty(value)?)
        } else {
            text()
        };
        // A reader that stops early (`| head`) is not an error of ours.
        match std::io::stdout().lock().write_all(out.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}

/// A UTC time as the tables show it.
pub fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}
