//! What the API accepts beyond its schema: the job kinds `POST /api/jobs` takes (replication
//! and notification kinds only come from their own endpoints and the workers) and, when the
//! server is told them, the hosts file URLs may name.

use longjobs_core::queue::EnqueueRequest;
use longjobs_notify::config::AlertLimits;
use longjobs_replication::source::SourcePolicy;
use longjobs_replication::{
    KIND_MERRITT_CHECK, KIND_MERRITT_SUBMIT, KIND_ZENODO_COPY, KIND_ZENODO_RETRY_ERRORS,
};

/// Kinds `POST /api/jobs` takes unless `LONGJOBS_API_JOB_KINDS` says otherwise: the
/// worker's built-in kinds (smoke checks, tests, benchmarks).
pub const DEFAULT_API_JOB_KINDS: &[&str] = &["noop", "record", "sleep"];

/// Kinds only longjobs itself enqueues, each with the way to ask for its work. A raw job of
/// these would bypass the records, checks and unique keys their endpoints keep (two raw
/// `zenodo.copy` jobs for one copy published it as separate concepts).
pub const INTERNAL_KINDS: &[(&str, &str)] = &[
    (
        KIND_ZENODO_COPY,
        "request a copy with POST /api/zenodo/copies, or resend one with POST /api/zenodo/copies/{id}/resend",
    ),
    (
        KIND_MERRITT_SUBMIT,
        "submit with POST /api/merritt/submissions, or resend with POST /api/merritt/submissions/resend",
    ),
    (
        KIND_MERRITT_CHECK,
        "the worker enqueues it after a deposit; resend the submission with POST /api/merritt/submissions/resend",
    ),
    (
        KIND_ZENODO_RETRY_ERRORS,
        "the workers schedule it daily (LONGJOBS_DAILY_RETRY_AT); run it now with POST /api/periodic/zenodo.retry_errors/run, or resend copies in error with POST /api/zenodo/copies/resend",
    ),
    // The notifier's kind (longjobs-notify, which the server does not link).
    ("notify.send", "the workers enqueue it for notifications"),
];

/// Ordering-key prefixes of replication jobs (`zenodo:<identifier>:<group>`,
/// `merritt:<resource>`): a raw job holding one would stall that chain behind it.
pub const RESERVED_ORDERING_PREFIXES: &[&str] = &["zenodo:", "merritt:"];

/// Unique-key prefix of periodic jobs' runs (`periodic:<name>`): a raw job holding one
/// would stand in for the periodic job's next run.
pub const PERIODIC_KEY_PREFIX: &str = "periodic:";

/// The API's acceptance rules, set once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPolicy {
    /// Kinds `POST /api/jobs` takes.
    job_kinds: Vec<String>,
    /// The source policy when the server knows it: file URLs of copies and submissions are
    /// checked up front (400) instead of failing in the worker. `None`: only http(s) is
    /// checked here; the worker enforces the policy either way.
    pub sources: Option<SourcePolicy>,
    /// The alert limits the status answers (maintenance, Merritt) apply: read from the same
    /// settings (`LONGJOBS_ALERT_*`) the notifications go by (see [`ApiPolicy::with_alerts`]);
    /// the console shows the alerts the API answers.
    pub alerts: AlertLimits,
}

impl Default for ApiPolicy {
    fn default() -> Self {
        ApiPolicy {
            job_kinds: DEFAULT_API_JOB_KINDS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            sources: None,
            alerts: AlertLimits::default(),
        }
    }
}

impl ApiPolicy {
    /// `job_kinds` from `LONGJOBS_API_JOB_KINDS` (empty entries skipped; an internal kind is
    /// an error); `sources` when `LONGJOBS_SOURCE_HOSTS` is set.
    pub fn new(job_kinds: &[String], sources: Option<SourcePolicy>) -> Result<Self, String> {
        let job_kinds: Vec<String> = job_kinds
            .iter()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect();
        if let Some(k) = job_kinds.iter().find(|k| internal(k).is_some()) {
            return Err(format!(
                "LONGJOBS_API_JOB_KINDS: {k} is internal and cannot be enqueued through POST /api/jobs"
            ));
        }
        Ok(ApiPolicy {
            job_kinds,
            sources,
            alerts: AlertLimits::default(),
        })
    }

    /// The policy with the alert limits the notifier was configured with, so the status
    /// pages and the notifications judge alerts by one set of limits.
    pub fn with_alerts(self, alerts: AlertLimits) -> Self {
        ApiPolicy { alerts, ..self }
    }

    /// Why `POST /api/jobs` does not take `kind`, naming what to use instead.
    pub fn refuse_kind(&self, kind: &str) -> Option<String> {
        if let Some(how) = internal(kind) {
            return Some(format!(
                "{kind:?} is an internal kind, not taken by POST /api/jobs: {how}"
            ));
        }
        if self.job_kinds.iter().any(|k| k == kind) {
            return None;
        }
        Some(format!(
            "{kind:?} is not taken by POST /api/jobs; it takes {} (LONGJOBS_API_JOB_KINDS)",
            if self.job_kinds.is_empty() {
                "no kind".to_string()
            } else {
                self.job_kinds.join(", ")
            }
        ))
    }
}

impl ApiPolicy {
    /// Why `POST /api/jobs` does not take `req`, starting with the field at fault: an
    /// invalid field, a kind it does not take, a key reserved for longjobs' own jobs.
    pub fn refuse_request(&self, req: &EnqueueRequest) -> Option<String> {
        if let Err(e) = req.validate() {
            return Some(e.to_string());
        }
        if let Some(why) = self.refuse_kind(&req.kind) {
            return Some(format!("kind {why}"));
        }
        self.refuse_keys(req.unique_key.as_deref(), req.ordering_key.as_deref())
    }

    /// Why a raw job may not hold these keys: unique keys of internal jobs (a raw job
    /// holding `zenodo.copy:<id>` would stand in for the copy's job, one holding the daily
    /// retry's key would cancel that retry) and replication ordering keys are longjobs'
    /// own.
    pub fn refuse_keys(
        &self,
        unique_key: Option<&str>,
        ordering_key: Option<&str>,
    ) -> Option<String> {
        if let Some(key) = unique_key
            && let Some((kind, _)) = INTERNAL_KINDS.iter().find(|(k, _)| key.starts_with(k))
        {
            return Some(format!(
                "unique_key {key:?} is reserved for {kind} jobs, which POST /api/jobs does not take"
            ));
        }
        if let Some(key) = unique_key
            && key.starts_with(PERIODIC_KEY_PREFIX)
        {
            return Some(format!(
                "unique_key {key:?} is reserved: keys starting {PERIODIC_KEY_PREFIX:?} hold the runs of periodic jobs (run one with POST /api/periodic/{{name}}/run)"
            ));
        }
        if let Some(key) = ordering_key
            && let Some(prefix) = RESERVED_ORDERING_PREFIXES
                .iter()
                .find(|p| key.starts_with(*p))
        {
            return Some(format!(
                "ordering_key {key:?} is reserved: keys starting {prefix:?} order replication jobs"
            ));
        }
        None
    }
}

fn internal(kind: &str) -> Option<&'static str> {
    INTERNAL_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, how)| *how)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_kinds_are_refused_with_the_endpoint_to_use() {
        let p = ApiPolicy::default();
        assert_eq!(p.refuse_kind("noop"), None);
        let why = p.refuse_kind("zenodo.copy").unwrap();
        assert!(why.contains("POST /api/zenodo/copies"), "{why}");
        let why = p.refuse_kind("build_usage_report").unwrap();
        assert!(why.contains("noop, record, sleep"), "{why}");
    }

    #[test]
    fn keys_of_replication_jobs_are_reserved() {
        let p = ApiPolicy::default();
        assert!(p.refuse_keys(Some("zenodo.copy:5"), None).is_some());
        assert!(
            p.refuse_keys(Some("zenodo.retry_errors:2026-12-01"), None)
                .is_some()
        );
        assert!(p.refuse_keys(Some("merritt.submit:1"), None).is_some());
        assert!(
            p.refuse_keys(Some("periodic:zenodo.retry_errors"), None)
                .is_some()
        );
        assert!(
            p.refuse_keys(None, Some("zenodo:doi:10.5061/x:data"))
                .is_some()
        );
        assert!(p.refuse_keys(None, Some("merritt:7")).is_some());
        assert_eq!(p.refuse_keys(Some("report:1"), Some("reports")), None);
    }

    #[test]
    fn an_internal_kind_cannot_be_opened_by_the_setting() {
        let err = ApiPolicy::new(&["noop".into(), " merritt.submit".into()], None).unwrap_err();
        assert!(err.contains("merritt.submit is internal"), "{err}");
        let p = ApiPolicy::new(&["report".into(), "".into()], None).unwrap();
        assert_eq!(p.refuse_kind("report"), None);
        assert!(p.refuse_kind("noop").is_some());
    }
}
