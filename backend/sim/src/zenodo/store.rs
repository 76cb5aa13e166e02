//! The simulated Zenodo's depositions and buckets, kept in memory, and the rules it enforces.
//!
//! Each rule names where Zenodo documents it: the REST API documentation
//! (https://developers.zenodo.org, its sections cited as "REST API, Section › Subsection"),
//! Zenodo's FAQ (https://help.zenodo.org/faq/), or, for a rule only Zenodo's code states,
//! that code.
//!
//! Deposition states (Zenodo's own words; REST API, "Deposit › Representation", `state`):
//! - `unsubmitted`: created by `create` or `newversion`; left by `publish` (→ `done`) or `DELETE`.
//! - `done`: published; left by `edit` (→ `inprogress`). Never deleted.
//! - `inprogress`: a published deposition reopened by `edit`; left by `publish` or `discard`
//!   (both → `done`; discard restores the last published metadata and files).
//!
//! A bucket takes uploads while its deposition is `unsubmitted`. Once published its files are
//! frozen, also after `edit`, unless the deposition carries an external DOI (`metadata.doi` not
//! under Zenodo's prefix), as Zenodo allows for DOIs it does not manage.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::{FieldError, SAME_FILES_MESSAGE, ZenodoError};
use super::metadata;
use crate::config::ZenodoLimits;

/// DOI prefix of the DOIs the simulator mints (Zenodo sandbox's prefix).
pub const DOI_PREFIX: &str = "10.5072";
/// The first id handed out; ids are shared by depositions and concepts, like Zenodo's recids.
const FIRST_ID: u64 = 100;
/// `metadata` key through which a client asks for a pre-reserved DOI; always answered.
const PRERESERVE_DOI: &str = "prereserve_doi";

/// Where a deposition is in its life (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepositionState {
    Unsubmitted,
    InProgress,
    Done,
}

impl DepositionState {
    /// Zenodo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unsubmitted => "unsubmitted",
            Self::InProgress => "inprogress",
            Self::Done => "done",
        }
    }
}

/// A file in a bucket: only its name, size and md5 are kept, never its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Zenodo's file id (`files[].id`).
    pub id: String,
    /// The name in the bucket (`key`, `files[].filename`).
    pub key: String,
    pub size: u64,
    /// Lowercase hex md5 as stored: wrong when `corrupted`.
    pub md5: String,
    pub mimetype: String,
    pub version_id: String,
    pub created: DateTime<Utc>,
    /// True when a `corrupt_checksums` fault replaced the md5.
    pub corrupted: bool,
}

/// Metadata and files as of the last publish.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub metadata: Map<String, Value>,
    pub files: Vec<StoredFile>,
    pub at: DateTime<Utc>,
}

/// One deposition (one version of a concept).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deposition {
    pub id: u64,
    pub conceptrecid: u64,
    pub bucket_id: String,
    pub state: DepositionState,
    /// True once published, for good (Zenodo's `submitted`).
    pub submitted: bool,
    /// Metadata as the client last saved it (without `prereserve_doi`, which is rendered).
    pub metadata: Map<String, Value>,
    pub files: Vec<StoredFile>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub published: Option<Published>,
    /// The deposition this one was made from by `newversion`.
    pub new_version_of: Option<u64>,
}

impl Deposition {
    /// The DOI Zenodo reserved for this deposition.
    pub fn prereserved_doi(&self) -> String {
        format!("{DOI_PREFIX}/zenodo.{}", self.id)
    }

    /// The DOI the record has or will have: the client's `metadata.doi` or the reserved one.
    pub fn doi(&self) -> String {
        self.external_doi()
            .map_or_else(|| self.prereserved_doi(), str::to_owned)
    }

    /// The concept DOI shared by all versions.
    pub fn concept_doi(&self) -> String {
        format!("{DOI_PREFIX}/zenodo.{}", self.conceptrecid)
    }

    /// `metadata.doi` when it is a DOI Zenodo does not manage.
    pub fn external_doi(&self) -> Option<&str> {
        self.metadata
            .get("doi")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|doi| !doi.is_empty() && !doi.starts_with(&format!("{DOI_PREFIX}/")))
    }

    /// Whether the bucket takes uploads and deletions now.
    pub fn files_editable(&self) -> bool {
        match self.state {
            DepositionState::Unsubmitted => true,
            DepositionState::InProgress => self.external_doi().is_some(),
            DepositionState::Done => false,
        }
    }

    /// Total bytes of all files.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|file| file.size).sum()
    }
}

fn file_set(files: &[StoredFile]) -> BTreeSet<(&str, &str)> {
    files
        .iter()
        .map(|file| (file.key.as_str(), file.md5.as_str()))
        .collect()
}

/// All depositions, by id.
#[derive(Debug)]
pub struct ZenodoStore {
    next_id: u64,
    depositions: BTreeMap<u64, Deposition>,
    limits: ZenodoLimits,
}

impl ZenodoStore {
    /// An empty store enforcing `limits` at publish.
    pub fn new(limits: ZenodoLimits) -> Self {
        Self {
            next_id: FIRST_ID,
            depositions: BTreeMap::new(),
            limits,
        }
    }

    fn allocate_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Every deposition, by id.
    pub fn depositions(&self) -> impl Iterator<Item = &Deposition> {
        self.depositions.values()
    }

    /// The deposition `id`, or 404.
    pub fn get(&self, id: u64) -> Result<&Deposition, ZenodoError> {
        self.depositions
            .get(&id)
            .ok_or_else(ZenodoError::no_such_deposition)
    }

    fn get_mut(&mut self, id: u64) -> Result<&mut Deposition, ZenodoError> {
        self.depositions
            .get_mut(&id)
            .ok_or_else(ZenodoError::no_such_deposition)
    }

    /// Creates an `unsubmitted` deposition of a new concept with `metadata` (unvalidated, as
    /// Zenodo only validates on update and publish). Returns its id. (REST API, "Deposit ›
    /// Create": the body is `{}` or a deposition's metadata; 201.)
    pub fn create(&mut self, mut metadata: Map<String, Value>, now: DateTime<Utc>) -> u64 {
        metadata.remove(PRERESERVE_DOI);
        let conceptrecid = self.allocate_id();
        let id = self.allocate_id();
        self.depositions.insert(
            id,
            Deposition {
                id,
                conceptrecid,
                bucket_id: Uuid::new_v4().to_string(),
                state: DepositionState::Unsubmitted,
                submitted: false,
                metadata,
                files: Vec::new(),
                created: now,
                modified: now,
                published: None,
                new_version_of: None,
            },
        );
        id
    }

    /// Replaces the metadata of an `unsubmitted` or `inprogress` deposition after validating it
    /// (REST API, "Deposit › Update": the whole `metadata` is replaced; a published
    /// deposition must be reopened with edit first).
    pub fn update_metadata(
        &mut self,
        id: u64,
        mut metadata: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(), ZenodoError> {
        metadata.remove(PRERESERVE_DOI);
        let deposition = self.get(id)?;
        if deposition.state == DepositionState::Done {
            return Err(ZenodoError::bad_request(
                "The deposition is published; reopen it with the edit action before changing it.",
            ));
        }
        let mut errors = metadata::validate(&metadata);
        if let Some(doi) = metadata.get("doi").and_then(Value::as_str) {
            let taken = self.depositions.values().any(|other| {
                other.conceptrecid != deposition.conceptrecid && other.doi() == doi.trim()
            });
            if taken {
                errors.push(FieldError::field(
                    "metadata.doi",
                    "DOI already exists in Zenodo.",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ZenodoError::validation(errors));
        }
        let deposition = self.get_mut(id)?;
        deposition.metadata = metadata;
        deposition.modified = now;
        Ok(())
    }

    /// Deletes a deposition that was never published (a first draft or a new-version draft);
    /// 403 once published, 404 for an unknown one (REST API, "Deposit › Delete": "only
    /// unpublished depositions may be deleted"; "Deposit actions › Publish": "once a
    /// deposition is published, you can no longer delete it").
    pub fn delete(&mut self, id: u64) -> Result<(), ZenodoError> {
        if self.get(id)?.submitted {
            return Err(ZenodoError::forbidden(
                "A published deposition cannot be deleted.",
            ));
        }
        self.depositions.remove(&id);
        Ok(())
    }

    /// The id of the deposition owning `bucket_id` if its files may change now: 404 for an
    /// unknown bucket, 403 for a locked one. A published record's files cannot change, also
    /// once reopened with edit (FAQ, "Can I change the file in the already published
    /// record?": create a new version instead; only a record with a non-Zenodo DOI differs);
    /// a new-version draft's files are "modifiable as for a new deposit" (REST API, "Deposit
    /// actions › New version").
    pub fn writable_bucket(&self, bucket_id: &str) -> Result<u64, ZenodoError> {
        let deposition = self
            .depositions
            .values()
            .find(|deposition| deposition.bucket_id == bucket_id)
            .ok_or_else(|| ZenodoError::not_found("Bucket does not exist."))?;
        if !deposition.files_editable() {
            return Err(ZenodoError::forbidden(
                "Bucket is locked for modifications.",
            ));
        }
        Ok(deposition.id)
    }

    /// Stores (or replaces) `file` in `bucket_id`; zero-length files are refused.
    pub fn put_file(&mut self, bucket_id: &str, file: StoredFile) -> Result<(), ZenodoError> {
        if file.size == 0 {
            return Err(ZenodoError::validation(vec![FieldError::record(format!(
                "File {:?} is empty; Zenodo does not accept empty files.",
                file.key
            ))]));
        }
        let id = self.writable_bucket(bucket_id)?;
        let deposition = self.get_mut(id)?;
        deposition.modified = file.created;
        match deposition.files.iter_mut().find(|old| old.key == file.key) {
            Some(old) => *old = file,
            None => deposition.files.push(file),
        }
        Ok(())
    }

    /// Removes `key` from `bucket_id` (404 when it is not there).
    pub fn delete_file(&mut self, bucket_id: &str, key: &str) -> Result<(), ZenodoError> {
        let id = self.writable_bucket(bucket_id)?;
        let deposition = self.get_mut(id)?;
        let before = deposition.files.len();
        deposition.files.retain(|file| file.key != key);
        if deposition.files.len() == before {
            return Err(ZenodoError::not_found("Object does not exists."));
        }
        Ok(())
    }

    /// Publishes an `unsubmitted` or `inprogress` deposition (202; REST API, "Deposit actions ›
    /// Publish"), refusing with 400 what Zenodo refuses:
    /// - invalid metadata (REST API, "Deposit › Representation", deposit metadata: see
    ///   [`metadata::validate`]);
    /// - no files: "Minimum one file must be provided." (Zenodo's `MissingFilesError`, in
    ///   zenodo/modules/deposit/errors.py);
    /// - an empty file, too many files, too many bytes: the bucket limits, configurable
    ///   ([`ZenodoLimits`]); the FAQ gives 50 GB per record ("total files size limit per
    ///   record is 50GB"), the REST API documentation states no file count;
    /// - a new version whose files (names and md5) equal those of *any* earlier published
    ///   version of the concept: "New version's files must differ from all previous
    ///   versions." (Zenodo's `VersioningFilesError`, zenodo/modules/deposit/errors.py; the
    ///   REST API's "Deposit actions › New version" only says the draft starts as a snapshot
    ///   of the files).
    pub fn publish(&mut self, id: u64, now: DateTime<Utc>) -> Result<(), ZenodoError> {
        let deposition = self.get(id)?;
        if deposition.state == DepositionState::Done {
            return Err(ZenodoError::bad_request(
                "The deposition is already published.",
            ));
        }
        let mut errors = metadata::validate(&deposition.metadata);
        if deposition.files.is_empty() {
            errors.push(FieldError::record("Minimum one file must be provided."));
        }
        if let Some(empty) = deposition.files.iter().find(|file| file.size == 0) {
            errors.push(FieldError::record(format!(
                "File {:?} is empty; Zenodo does not accept empty files.",
                empty.key
            )));
        }
        if deposition.files.len() > self.limits.max_files {
            errors.push(FieldError::record(format!(
                "Too many files: {} (at most {} are allowed).",
                deposition.files.len(),
                self.limits.max_files
            )));
        }
        if deposition.total_size() > self.limits.max_total_bytes {
            errors.push(FieldError::record(format!(
                "The files add up to {} bytes, more than the {} bytes allowed.",
                deposition.total_size(),
                self.limits.max_total_bytes
            )));
        }
        if errors.is_empty() && deposition.state == DepositionState::Unsubmitted {
            let mine = file_set(&deposition.files);
            let same_as_earlier = self.depositions.values().any(|other| {
                other.id != id
                    && other.conceptrecid == deposition.conceptrecid
                    && other
                        .published
                        .as_ref()
                        .is_some_and(|published| file_set(&published.files) == mine)
            });
            if same_as_earlier {
                errors.push(FieldError::record(SAME_FILES_MESSAGE));
            }
        }
        if !errors.is_empty() {
            return Err(ZenodoError::validation(errors));
        }
        let deposition = self.get_mut(id)?;
        deposition.state = DepositionState::Done;
        deposition.submitted = true;
        deposition.modified = now;
        deposition.published = Some(Published {
            metadata: deposition.metadata.clone(),
            files: deposition.files.clone(),
            at: now,
        });
        Ok(())
    }

    /// Reopens a `done` deposition for editing (→ `inprogress`); 400 in any other state
    /// (REST API, "Deposit actions › Edit": "Deposition state does not allow for editing (e.g.
    /// depositions in state `inprogress`)").
    pub fn edit(&mut self, id: u64, now: DateTime<Utc>) -> Result<(), ZenodoError> {
        let deposition = self.get_mut(id)?;
        if deposition.state != DepositionState::Done {
            return Err(ZenodoError::bad_request(format!(
                "Only a published deposition can be reopened; this one is {}.",
                deposition.state.as_str()
            )));
        }
        deposition.state = DepositionState::InProgress;
        deposition.modified = now;
        Ok(())
    }

    /// Drops the changes of an `inprogress` deposition, back to its last publish (→ `done`);
    /// 400 when it is not being edited (REST API, "Deposit actions › Discard": "Discard
    /// changes in the current editing session"; "400 Bad Request: Deposition is not being
    /// edited").
    pub fn discard(&mut self, id: u64, now: DateTime<Utc>) -> Result<(), ZenodoError> {
        let deposition = self.get_mut(id)?;
        let (DepositionState::InProgress, Some(published)) =
            (deposition.state, deposition.published.clone())
        else {
            return Err(ZenodoError::bad_request(format!(
                "Only a reopened published deposition can be discarded; this one is {}.",
                deposition.state.as_str()
            )));
        };
        deposition.metadata = published.metadata;
        deposition.files = published.files;
        deposition.state = DepositionState::Done;
        deposition.modified = now;
        Ok(())
    }

    /// Makes (or finds) the new-version draft of a published deposition: one open draft per
    /// concept, so asking twice gives the same draft (REST API, "Deposit actions › New
    /// version": "Only one unpublished new version deposit can be available at any moment,
    /// i.e.: calling new version action multiple times will have no effect, as long as the
    /// resulting new version deposit from the first call is not published or deleted"; the
    /// answer is the original deposition, its `links.latest_draft` the draft). The draft copies the
    /// metadata (without `doi`, a new version gets a new DOI) and the files. Returns its id.
    pub fn new_version(&mut self, id: u64, now: DateTime<Utc>) -> Result<u64, ZenodoError> {
        let source = self.get(id)?;
        if !source.submitted {
            return Err(ZenodoError::bad_request(
                "Only a published deposition can have a new version.",
            ));
        }
        if let Some(draft) = self.open_draft(source.conceptrecid) {
            return Ok(draft);
        }
        let mut metadata = source
            .published
            .as_ref()
            .map_or_else(|| source.metadata.clone(), |p| p.metadata.clone());
        metadata.remove("doi");
        let files = source
            .published
            .as_ref()
            .map_or_else(|| source.files.clone(), |p| p.files.clone())
            .into_iter()
            .map(|file| StoredFile {
                version_id: Uuid::new_v4().to_string(),
                ..file
            })
            .collect();
        let conceptrecid = source.conceptrecid;
        let draft_id = self.allocate_id();
        self.depositions.insert(
            draft_id,
            Deposition {
                id: draft_id,
                conceptrecid,
                bucket_id: Uuid::new_v4().to_string(),
                state: DepositionState::Unsubmitted,
                submitted: false,
                metadata,
                files,
                created: now,
                modified: now,
                published: None,
                new_version_of: Some(id),
            },
        );
        Ok(draft_id)
    }

    /// The unpublished draft of a concept, if one is open.
    fn open_draft(&self, conceptrecid: u64) -> Option<u64> {
        self.depositions
            .values()
            .find(|d| d.conceptrecid == conceptrecid && !d.submitted)
            .map(|d| d.id)
    }

    /// The latest published version of a concept.
    pub fn latest_published(&self, conceptrecid: u64) -> Option<u64> {
        self.depositions
            .values()
            .filter(|d| d.conceptrecid == conceptrecid && d.submitted)
            .max_by_key(|d| d.published.as_ref().map(|p| (p.at, d.id)))
            .map(|d| d.id)
    }

    /// What `links.latest_draft` points at: the deposition itself while unpublished, else the
    /// concept's open draft, else its latest published version.
    pub fn latest_draft(&self, deposition: &Deposition) -> u64 {
        if !deposition.submitted {
            return deposition.id;
        }
        self.open_draft(deposition.conceptrecid)
            .or_else(|| self.latest_published(deposition.conceptrecid))
            .unwrap_or(deposition.id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn complete_metadata() -> Map<String, Value> {
        let Value::Object(map) = json!({
            "title": "T", "upload_type": "dataset", "description": "D",
            "creators": [{"name": "Doe, Jane"}]
        }) else {
            unreachable!()
        };
        map
    }

    fn file(key: &str, md5: &str) -> StoredFile {
        StoredFile {
            id: Uuid::new_v4().to_string(),
            key: key.to_owned(),
            size: 3,
            md5: md5.to_owned(),
            mimetype: "text/plain".to_owned(),
            version_id: Uuid::new_v4().to_string(),
            created: Utc::now(),
            corrupted: false,
        }
    }

    fn published_deposition(store: &mut ZenodoStore) -> u64 {
        let now = Utc::now();
        let id = store.create(Map::new(), now);
        store.update_metadata(id, complete_metadata(), now).unwrap();
        let bucket = store.get(id).unwrap().bucket_id.clone();
        store.put_file(&bucket, file("a.txt", "aaa")).unwrap();
        store.publish(id, now).unwrap();
        id
    }

    #[test]
    fn asking_twice_for_a_new_version_gives_the_same_draft() {
        let mut store = ZenodoStore::new(ZenodoLimits::default());
        let id = published_deposition(&mut store);
        let first = store.new_version(id, Utc::now()).unwrap();
        let second = store.new_version(id, Utc::now()).unwrap();
        assert_eq!(first, second);
        assert_eq!(store.latest_draft(store.get(id).unwrap()), first);
    }

    #[test]
    fn a_published_bucket_stays_locked_after_edit_unless_the_doi_is_external() {
        let mut store = ZenodoStore::new(ZenodoLimits::default());
        let id = published_deposition(&mut store);
        store.edit(id, Utc::now()).unwrap();
        let bucket = store.get(id).unwrap().bucket_id.clone();
        assert_eq!(
            store.writable_bucket(&bucket).unwrap_err().status,
            poem::http::StatusCode::FORBIDDEN
        );
        let mut metadata = complete_metadata();
        metadata.insert("doi".to_owned(), json!("10.5061/dryad.abc"));
        store.update_metadata(id, metadata, Utc::now()).unwrap();
        assert_eq!(store.writable_bucket(&bucket).unwrap(), id);
    }

    #[test]
    fn discard_restores_the_published_metadata() {
        let mut store = ZenodoStore::new(ZenodoLimits::default());
        let id = published_deposition(&mut store);
        store.edit(id, Utc::now()).unwrap();
        let mut changed = complete_metadata();
        changed.insert("title".to_owned(), json!("Changed"));
        store.update_metadata(id, changed, Utc::now()).unwrap();
        store.discard(id, Utc::now()).unwrap();
        let deposition = store.get(id).unwrap();
        assert_eq!(deposition.metadata["title"], json!("T"));
        assert_eq!(deposition.state, DepositionState::Done);
    }

    #[test]
    fn deleting_a_new_version_draft_points_latest_draft_back_at_the_published_version() {
        let mut store = ZenodoStore::new(ZenodoLimits::default());
        let id = published_deposition(&mut store);
        let draft = store.new_version(id, Utc::now()).unwrap();
        store.delete(draft).unwrap();
        assert_eq!(store.latest_draft(store.get(id).unwrap()), id);
        assert!(store.delete(id).is_err());
    }
}
