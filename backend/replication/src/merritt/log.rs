//! The request log of a Merritt submission, as Zenodo copies keep theirs: each request the
//! submitter and checker make (method, URL with credentials removed), its answer (status,
//! time taken, a short excerpt of the body) or its error, newest last, the oldest dropped
//! beyond [`LOG_LINES_KEPT`].

use std::time::Duration;

use diesel::prelude::*;
use longjobs_core::db::DbConn;
use longjobs_core::schema::merritt_submission_log;
use longjobs_core::{Db, clock, with_conn};

use super::model::LogLine;

/// Lines kept per submission.
pub const LOG_LINES_KEPT: i64 = 500;
/// Longest message kept (bytes); an answer's body is cut shorter still.
pub const LOG_LINE_MAX: usize = 4_000;
/// Longest excerpt of an answer's body.
pub const BODY_EXCERPT: usize = 500;

/// A line to append.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub kind: &'static str,
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<i32>,
    pub duration: Option<Duration>,
    pub message: String,
}

/// Appends `e` to submission `id`'s log (URL and message with credentials removed, long
/// messages cut) and drops the oldest lines beyond [`LOG_LINES_KEPT`].
pub fn append(conn: &mut DbConn, id: i64, e: &Entry) -> QueryResult<()> {
    let message = longjobs_core::job::truncate(redact(&e.message), LOG_LINE_MAX);
    let url = e.url.as_deref().map(redact_url);
    let duration_ms = e
        .duration
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let now = clock::now();
    with_conn!(conn, |c| {
        diesel::insert_into(merritt_submission_log::table)
            .values((
                merritt_submission_log::submission_id.eq(id),
                merritt_submission_log::at.eq(now),
                merritt_submission_log::kind.eq(e.kind),
                merritt_submission_log::method.eq(e.method.as_deref()),
                merritt_submission_log::url.eq(url.as_deref()),
                merritt_submission_log::status.eq(e.status),
                merritt_submission_log::duration_ms.eq(duration_ms),
                merritt_submission_log::message.eq(&message),
            ))
            .execute(c)?;
        let cutoff: Option<i64> = merritt_submission_log::table
            .filter(merritt_submission_log::submission_id.eq(id))
            .order(merritt_submission_log::id.desc())
            .offset(LOG_LINES_KEPT)
            .select(merritt_submission_log::id)
            .first(c)
            .optional()?;
        if let Some(cutoff) = cutoff {
            diesel::delete(
                merritt_submission_log::table
                    .filter(merritt_submission_log::submission_id.eq(id))
                    .filter(merritt_submission_log::id.le(cutoff)),
            )
            .execute(c)?;
        }
        Ok(())
    })
}

/// Submission `id`'s log, oldest first.
pub fn lines(conn: &mut DbConn, id: i64) -> QueryResult<Vec<LogLine>> {
    with_conn!(conn, |c| merritt_submission_log::table
        .filter(merritt_submission_log::submission_id.eq(id))
        .order(merritt_submission_log::id.asc())
        .select(LogLine::as_select())
        .load(c))
}

/// `url` without the user name and password it may carry (`https://user:pw@host/…`), and
/// with the value of any `password=` or `access_token=` parameter replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let cleaned = match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            // Both only fail for URLs that cannot hold credentials at all.
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    };
    redact(&cleaned)
}

/// `s` with credentials removed: the value of `password=` and `access_token=`, and the
/// user information of any URL in it.
pub fn redact(s: &str) -> String {
    let mut out = s.to_string();
    for key in ["password=", "access_token="] {
        let mut done = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(key) {
            let (head, tail) = rest.split_at(i + key.len());
            done.push_str(head);
            done.push_str("***");
            let end = tail
                .find(|c: char| c == '&' || c == '"' || c.is_whitespace())
                .unwrap_or(tail.len());
            rest = &tail[end..];
        }
        done.push_str(rest);
        out = done;
    }
    // `scheme://user:password@host`: drop what stands between `//` and `@`.
    let mut done = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        done.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => rest = &tail[at + 1..],
            None => rest = tail,
        }
    }
    done.push_str(rest);
    done
}

/// Where a client writes the log of one submission.
#[derive(Clone)]
pub struct RequestLog {
    pub db: Db,
    pub submission_id: i64,
}

impl RequestLog {
    /// Appends `e`; a failure to write is logged, never the call's failure.
    pub async fn write(&self, e: Entry) {
        let id = self.submission_id;
        if let Err(err) = self.db.run(move |c| append(c, id, &e)).await {
            tracing::warn!(submission.id = id, error = %err, "cannot write the submission's request log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_log() {
        assert_eq!(
            redact_url("https://dryad:s3cret@merritt.example.org/object/update"),
            "https://merritt.example.org/object/update"
        );
        assert_eq!(
            redact_url("https://merritt.example.org/api/dryad/local_id_search?terms=doi%3Ax"),
            "https://merritt.example.org/api/dryad/local_id_search?terms=doi%3Ax"
        );
        let msg =
            redact("GET https://u:pw@m.example.org/x?password=hunter2&a=1 failed; see http://h/y");
        assert!(!msg.contains("pw@") && !msg.contains("hunter2"), "{msg}");
        assert!(
            msg.contains("https://m.example.org/x?password=***&a=1"),
            "{msg}"
        );
        assert!(msg.contains("http://h/y"), "{msg}");
    }
}
