//! The simulated Merritt's submissions and the objects they become, kept in memory.
//!
//! A submission is `QUEUED` until its `completes_at`; then it is `COMPLETED` (a new version
//! of the object with its local identifier) or `FAILED` (never visible). Objects are derived
//! from completed submissions whenever asked, so nothing runs in the background.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::manifest::ManifestEntry;

/// Merritt's test ARK shoulder; objects get `ark:/99999/fk4…`.
pub const ARK_SHOULDER: &str = "ark:/99999/fk4";
/// Characters of ARK names (Merritt's "betanumeric" alphabet).
const ARK_ALPHABET: &[u8] = b"0123456789bcdfghjkmnpqrstvwxz";
/// Length of the name after the shoulder.
const ARK_NAME_LEN: usize = 7;
/// Where Merritt files what the depositor sent.
const PRODUCER_DIR: &str = "producer/";

/// Where a submission is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IngestStatus {
    Queued,
    Completed,
    Failed,
}

/// One `POST /object/update`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub batch_id: String,
    pub local_id: String,
    pub profile: String,
    pub submitter: String,
    /// The ARK of the object (given at the first submission of a local id).
    pub ark: String,
    pub received: DateTime<Utc>,
    pub completes_at: DateTime<Utc>,
    pub files: Vec<ManifestEntry>,
    /// Why the ingest fails, if it does (a fault, or a file that does not match the manifest).
    pub failure: Option<String>,
    /// Status as of the moment this copy was made.
    pub status: IngestStatus,
}

/// A file of an object version, as `local_id_search` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerrittFile {
    pub pathname: String,
    pub full_size: Option<u64>,
    pub billable_size: Option<u64>,
    pub mime_type: Option<String>,
    pub digest_value: Option<String>,
    pub digest_type: Option<String>,
}

/// A version of an object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerrittVersion {
    pub version_number: u32,
    pub created: String,
    pub file_count: usize,
    pub files: Vec<MerrittFile>,
}

/// An object as `local_id_search` answers it (versions newest first, like Merritt).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerrittObject {
    pub ark: String,
    pub version_number: u32,
    pub created: String,
    pub modified: String,
    pub versions: Vec<MerrittVersion>,
    pub localids: Vec<String>,
    pub total_files: usize,
    pub included_files: usize,
}

/// What the ingest handler hands over.
#[derive(Clone, Debug)]
pub struct NewSubmission {
    pub local_id: String,
    pub profile: String,
    pub submitter: String,
    pub files: Vec<ManifestEntry>,
    pub failure: Option<String>,
}

/// All submissions and the ARKs given so far.
#[derive(Debug, Default)]
pub struct MerrittStore {
    submissions: Vec<Submission>,
    arks: BTreeMap<String, String>,
}

/// Local ids compare case-insensitively and with or without `doi:`.
pub fn normalize_local_id(local_id: &str) -> String {
    let lower = local_id.trim().to_ascii_lowercase();
    lower.strip_prefix("doi:").unwrap_or(&lower).to_owned()
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn ark_name(mut n: usize) -> String {
    let mut name = vec![ARK_ALPHABET[0]; ARK_NAME_LEN];
    for slot in name.iter_mut().rev() {
        *slot = ARK_ALPHABET[n % ARK_ALPHABET.len()];
        n /= ARK_ALPHABET.len();
    }
    String::from_utf8_lossy(&name).into_owned()
}

impl MerrittStore {
    /// Records a submission that completes at `completes_at`; returns a copy of it.
    pub fn submit(
        &mut self,
        new: NewSubmission,
        now: DateTime<Utc>,
        completes_at: DateTime<Utc>,
    ) -> Submission {
        let key = normalize_local_id(&new.local_id);
        let next_ark = format!("{ARK_SHOULDER}{}", ark_name(self.arks.len() + 1));
        let ark = self.arks.entry(key).or_insert(next_ark).clone();
        let submission = Submission {
            batch_id: format!("bid-{}", Uuid::new_v4()),
            local_id: new.local_id,
            profile: new.profile,
            submitter: new.submitter,
            ark,
            received: now,
            completes_at,
            files: new.files,
            failure: new.failure,
            status: IngestStatus::Queued,
        };
        self.submissions.push(submission.clone());
        submission
    }

    /// Every submission, with its status as of `now`.
    pub fn submissions(&self, now: DateTime<Utc>) -> Vec<Submission> {
        self.submissions
            .iter()
            .map(|submission| Submission {
                status: status_at(submission, now),
                ..submission.clone()
            })
            .collect()
    }

    /// The object with `local_id`, if an ingest of it has completed by `now`.
    pub fn find(&self, local_id: &str, now: DateTime<Utc>) -> Option<MerrittObject> {
        let key = normalize_local_id(local_id);
        let mut done: Vec<&Submission> = self
            .submissions
            .iter()
            .filter(|s| {
                normalize_local_id(&s.local_id) == key
                    && status_at(s, now) == IngestStatus::Completed
            })
            .collect();
        done.sort_by_key(|s| s.completes_at);
        let first = done.first()?;
        let last = done.last()?;
        let mut versions: Vec<MerrittVersion> = done
            .iter()
            .zip(1u32..)
            .map(|(submission, number)| version(submission, number))
            .collect();
        versions.reverse();
        let total_files = versions.iter().map(|v| v.file_count).sum();
        Some(MerrittObject {
            ark: first.ark.clone(),
            version_number: versions.first().map_or(0, |v| v.version_number),
            created: timestamp(first.completes_at),
            modified: timestamp(last.completes_at),
            versions,
            localids: vec![first.local_id.clone()],
            total_files,
            included_files: total_files,
        })
    }

    /// Every object visible at `now`.
    pub fn objects(&self, now: DateTime<Utc>) -> Vec<MerrittObject> {
        let mut seen = Vec::new();
        self.submissions
            .iter()
            .filter_map(|s| {
                let key = normalize_local_id(&s.local_id);
                if seen.contains(&key) {
                    return None;
                }
                seen.push(key);
                self.find(&s.local_id, now)
            })
            .collect()
    }
}

fn status_at(submission: &Submission, now: DateTime<Utc>) -> IngestStatus {
    if now < submission.completes_at {
        IngestStatus::Queued
    } else if submission.failure.is_some() {
        IngestStatus::Failed
    } else {
        IngestStatus::Completed
    }
}

fn version(submission: &Submission, number: u32) -> MerrittVersion {
    let files: Vec<MerrittFile> = submission
        .files
        .iter()
        .map(|entry| MerrittFile {
            pathname: format!("{PRODUCER_DIR}{}", entry.file_name),
            full_size: entry.size,
            billable_size: entry.size,
            mime_type: entry.mime_type.clone(),
            digest_value: entry.hash_value.clone(),
            digest_type: entry.hash_algorithm.clone(),
        })
        .collect();
    MerrittVersion {
        version_number: number,
        created: timestamp(submission.completes_at),
        file_count: files.len(),
        files,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn new(local_id: &str, failure: Option<&str>) -> NewSubmission {
        NewSubmission {
            local_id: local_id.to_owned(),
            profile: "dryad_ingest_profile".to_owned(),
            submitter: "longjobs".to_owned(),
            files: Vec::new(),
            failure: failure.map(str::to_owned),
        }
    }

    #[test]
    fn an_object_appears_only_after_its_ingest_completes() {
        let mut store = MerrittStore::default();
        let now = Utc::now();
        let later = now + Duration::seconds(2);
        store.submit(new("doi:10.5061/dryad.x", None), now, later);
        assert!(store.find("10.5061/DRYAD.X", now).is_none());
        let object = store.find("10.5061/DRYAD.X", later).unwrap();
        assert!(object.ark.starts_with(ARK_SHOULDER));
        assert_eq!(object.version_number, 1);
    }

    #[test]
    fn a_second_submission_is_a_second_version_of_the_same_ark() {
        let mut store = MerrittStore::default();
        let now = Utc::now();
        let first = store.submit(new("doi:10.1/a", None), now, now);
        let second = store.submit(
            new("doi:10.1/a", None),
            now,
            now + Duration::milliseconds(1),
        );
        assert_eq!(first.ark, second.ark);
        let object = store
            .find("doi:10.1/a", now + Duration::seconds(1))
            .unwrap();
        assert_eq!(object.versions.len(), 2);
        assert_eq!(object.versions[0].version_number, 2);
    }

    #[test]
    fn a_failed_ingest_never_shows() {
        let mut store = MerrittStore::default();
        let now = Utc::now();
        store.submit(new("doi:10.1/b", Some("simulated")), now, now);
        assert!(store.find("doi:10.1/b", now).is_none());
        assert_eq!(store.submissions(now)[0].status, IngestStatus::Failed);
    }
}
