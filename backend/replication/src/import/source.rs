//! Reading the tables of the system we replace (Dryad's Rails application, MySQL/MariaDB):
//! `stash_engine_zenodo_copies`, `stash_engine_repo_queue_states`, `delayed_jobs`, with
//! `stash_engine_resources` and `stash_engine_identifiers` for each row's dataset.
//!
//! Columns are cast to plain types in SQL (ENUM → CHAR, INT → SIGNED) so the rows read the
//! same whatever column types a given installation ended up with.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::{MysqlConnection, QueryableByName};

/// The tables the import reads; each must exist.
pub const TABLES: [&str; 5] = [
    "stash_engine_zenodo_copies",
    "stash_engine_repo_queue_states",
    "delayed_jobs",
    "stash_engine_resources",
    "stash_engine_identifiers",
];

/// One row of `stash_engine_zenodo_copies` with its identifier.
#[derive(Debug, Clone, QueryableByName)]
pub struct SourceCopy {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub copy_type: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub deposition_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub error_info: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub identifier_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub resource_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub retries: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub software_doi: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub conceptrecid: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    pub updated_at: NaiveDateTime,
    /// `stash_engine_identifiers.identifier` (e.g. `10.5061/dryad.abc`).
    #[diesel(sql_type = Nullable<Text>)]
    pub doi: Option<String>,
    /// `stash_engine_identifiers.identifier_type` (e.g. `DOI`).
    #[diesel(sql_type = Nullable<Text>)]
    pub id_type: Option<String>,
}

/// One row of `stash_engine_repo_queue_states` (append-only; the latest row of a resource
/// is its current state) with the resource's identifier.
#[derive(Debug, Clone, QueryableByName)]
pub struct SourceQueueState {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub resource_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub hostname: Option<String>,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    pub doi: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub id_type: Option<String>,
}

/// One row of `delayed_jobs`.
#[derive(Debug, Clone, QueryableByName)]
pub struct SourceDelayedJob {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub handler: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub failed_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Text>)]
    pub locked_by: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub queue: Option<String>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The tables of [`TABLES`] the connected database lacks.
pub fn missing_tables(conn: &mut MysqlConnection) -> QueryResult<Vec<&'static str>> {
    let present: Vec<String> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS name FROM information_schema.tables \
         WHERE table_schema = DATABASE()",
    )
    .load::<Name>(conn)?
    .into_iter()
    .map(|n| n.name)
    .collect();
    Ok(TABLES
        .into_iter()
        .filter(|t| !present.iter().any(|p| p == t))
        .collect())
}

pub fn copies(conn: &mut MysqlConnection) -> QueryResult<Vec<SourceCopy>> {
    diesel::sql_query(
        "SELECT CAST(z.id AS SIGNED) AS id, CAST(z.state AS CHAR) AS state, \
                CAST(z.copy_type AS CHAR) AS copy_type, \
                CAST(z.deposition_id AS SIGNED) AS deposition_id, z.error_info, \
                CAST(z.identifier_id AS SIGNED) AS identifier_id, \
                CAST(z.resource_id AS SIGNED) AS resource_id, \
                CAST(z.retries AS SIGNED) AS retries, \
                CAST(z.software_doi AS CHAR) AS software_doi, \
                CAST(z.conceptrecid AS CHAR) AS conceptrecid, z.note, \
                z.created_at, z.updated_at, \
                CAST(i.identifier AS CHAR) AS doi, CAST(i.identifier_type AS CHAR) AS id_type \
         FROM stash_engine_zenodo_copies z \
         LEFT JOIN stash_engine_identifiers i ON i.id = z.identifier_id \
         ORDER BY z.id",
    )
    .load(conn)
}

pub fn queue_states(conn: &mut MysqlConnection) -> QueryResult<Vec<SourceQueueState>> {
    diesel::sql_query(
        "SELECT CAST(q.id AS SIGNED) AS id, CAST(q.resource_id AS SIGNED) AS resource_id, \
                CAST(q.state AS CHAR) AS state, CAST(q.hostname AS CHAR) AS hostname, \
                q.created_at, \
                CAST(i.identifier AS CHAR) AS doi, CAST(i.identifier_type AS CHAR) AS id_type \
         FROM stash_engine_repo_queue_states q \
         LEFT JOIN stash_engine_resources r ON r.id = q.resource_id \
         LEFT JOIN stash_engine_identifiers i ON i.id = r.identifier_id \
         ORDER BY q.id",
    )
    .load(conn)
}

pub fn delayed_jobs(conn: &mut MysqlConnection) -> QueryResult<Vec<SourceDelayedJob>> {
    diesel::sql_query(
        "SELECT CAST(id AS SIGNED) AS id, handler, last_error, failed_at, \
                CAST(locked_by AS CHAR) AS locked_by, CAST(queue AS CHAR) AS queue \
         FROM delayed_jobs ORDER BY id",
    )
    .load(conn)
}

/// What a `delayed_jobs.handler` (ActiveJob's YAML) asks to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handler {
    /// `StashEngine::ZenodoCopyJob`: its argument is the resource id of a data copy.
    ZenodoData { resource_id: i64 },
    /// `StashEngine::ZenodoSoftwareJob`: its argument is the copy id.
    ZenodoSoftware { copy_id: i64 },
    /// `StashEngine::ZenodoSuppJob`: its argument is the copy id.
    ZenodoSupp { copy_id: i64 },
    /// Any other job class (mailers, other jobs of the application).
    Other(String),
    /// A Zenodo job class whose first argument is not a number.
    Unreadable(String),
}

/// Reads the job class and its first argument from the handler's YAML — exactly, not by
/// a substring match on the text (copy 12 is not copy 123).
pub fn parse_handler(yaml: &str) -> Handler {
    let mut class = None;
    let mut first_arg = None;
    let mut in_args = false;
    for line in yaml.lines() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix("job_class:") {
            class.get_or_insert_with(|| c.trim().trim_matches(['\'', '"']).to_string());
            in_args = false;
        } else if t == "arguments:" {
            in_args = true;
        } else if in_args {
            if let Some(a) = t.strip_prefix("- ") {
                first_arg.get_or_insert_with(|| a.trim().trim_matches(['\'', '"']).to_string());
            }
            in_args = false;
        }
    }
    let Some(class) = class else {
        // Not an ActiveJob wrapper: name the Ruby object it serialized, if any.
        let first = yaml.lines().next().unwrap_or("").trim();
        return Handler::Other(
            first
                .strip_prefix("--- !ruby/object:")
                .unwrap_or(first)
                .to_string(),
        );
    };
    let short = class.rsplit("::").next().unwrap_or(&class).to_string();
    let arg = first_arg.as_deref().and_then(|a| a.parse::<i64>().ok());
    match (short.as_str(), arg) {
        ("ZenodoCopyJob", Some(resource_id)) => Handler::ZenodoData { resource_id },
        ("ZenodoSoftwareJob", Some(copy_id)) => Handler::ZenodoSoftware { copy_id },
        ("ZenodoSuppJob", Some(copy_id)) => Handler::ZenodoSupp { copy_id },
        ("ZenodoCopyJob" | "ZenodoSoftwareJob" | "ZenodoSuppJob", None) => {
            Handler::Unreadable(format!("{class} with argument {first_arg:?}, not a number"))
        }
        _ => Handler::Other(class),
    }
}

/// `doi:10.5061/dryad.x` from an identifier row, as longjobs names datasets.
pub fn identifier(doi: Option<&str>, id_type: Option<&str>) -> Option<String> {
    let doi = doi.map(str::trim).filter(|d| !d.is_empty())?;
    let kind = id_type
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("DOI");
    Some(format!("{}:{doi}", kind.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOFTWARE: &str = "--- !ruby/object:ActiveJob::QueueAdapters::DelayedJobAdapter::JobWrapper\njob_data:\n  job_class: StashEngine::ZenodoSoftwareJob\n  job_id: 5d3c\n  provider_job_id:\n  queue_name: zenodo_software\n  priority: -10\n  arguments:\n  - 123\n  executions: 0\n";

    #[test]
    fn the_handler_names_its_class_and_argument_exactly() {
        assert_eq!(
            parse_handler(SOFTWARE),
            Handler::ZenodoSoftware { copy_id: 123 }
        );
        assert_eq!(
            parse_handler(&SOFTWARE.replace("ZenodoSoftwareJob", "ZenodoCopyJob")),
            Handler::ZenodoData { resource_id: 123 }
        );
        assert_eq!(
            parse_handler(&SOFTWARE.replace("ZenodoSoftwareJob", "ZenodoSuppJob")),
            Handler::ZenodoSupp { copy_id: 123 }
        );
        assert_eq!(
            parse_handler(&SOFTWARE.replace(
                "StashEngine::ZenodoSoftwareJob",
                "ActionMailer::MailDeliveryJob"
            )),
            Handler::Other("ActionMailer::MailDeliveryJob".into())
        );
        assert!(matches!(
            parse_handler(&SOFTWARE.replace("- 123", "- abc")),
            Handler::Unreadable(_)
        ));
        assert_eq!(
            parse_handler("--- !ruby/object:Delayed::PerformableMethod\nobject: x\n"),
            Handler::Other("Delayed::PerformableMethod".into())
        );
    }

    #[test]
    fn identifiers_take_longjobs_form() {
        assert_eq!(
            identifier(Some("10.5061/dryad.x"), Some("DOI")).as_deref(),
            Some("doi:10.5061/dryad.x")
        );
        assert_eq!(identifier(None, Some("DOI")), None);
    }
}
