//! Parser of Merritt ingest manifests (checkm 0.7, pipe-separated), lenient like Merritt.
//!
//! The accepted form, one file per line:
//!
//! ```text
//! #%checkm_0.7
//! #%profile | http://uc3.cdlib.org/registry/ingest/manifest/mrt-ingest-manifest
//! #%prefix | mrt: | http://merritt.cdlib.org/terms#
//! #%prefix | nfo: | http://www.semanticdesktop.org/ontologies/2007/03/22/nfo#
//! #%fields | nfo:fileUrl | nfo:hashAlgorithm | nfo:hashValue | nfo:fileSize | nfo:fileLastModified | nfo:fileName | mrt:mimeType
//! http://127.0.0.1:8089/files/data.csv?size=1000&seed=1 | md5 | 0123…ef | 1000 | | data.csv | text/csv
//! #%EOF
//! ```
//!
//! - Lines starting with `#` are headers or comments; only `#%fields` matters: it names the
//!   columns (case-insensitive, prefixes `nfo:`/`mrt:` optional, unknown names ignored).
//!   Without it the columns are the seven above, in that order.
//! - Cells are trimmed; missing trailing cells and empty cells mean "not given".
//! - `fileUrl` is required and must be an absolute http(s) URL. `fileName` defaults to the
//!   last segment of the URL's path. `fileSize` must be a whole number. A hash needs both its
//!   algorithm (`md5`, `sha1`, `sha256`/`sha-256`) and a hex value of the right length.
//! - A manifest without any file line, or naming the same file twice, is refused.

use serde::{Deserialize, Serialize};
use url::Url;

/// Column names in the default order (the `#%fields` line Merritt documents).
const DEFAULT_FIELDS: [Column; 7] = [
    Column::FileUrl,
    Column::HashAlgorithm,
    Column::HashValue,
    Column::FileSize,
    Column::FileLastModified,
    Column::FileName,
    Column::MimeType,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    FileUrl,
    HashAlgorithm,
    HashValue,
    FileSize,
    FileLastModified,
    FileName,
    MimeType,
    Ignored,
}

impl Column {
    fn from_name(name: &str) -> Self {
        let name = name.trim().to_ascii_lowercase();
        let bare = name
            .strip_prefix("nfo:")
            .or_else(|| name.strip_prefix("mrt:"))
            .unwrap_or(&name);
        match bare {
            "fileurl" => Self::FileUrl,
            "hashalgorithm" => Self::HashAlgorithm,
            "hashvalue" => Self::HashValue,
            "filesize" => Self::FileSize,
            "filelastmodified" => Self::FileLastModified,
            "filename" => Self::FileName,
            "mimetype" => Self::MimeType,
            _ => Self::Ignored,
        }
    }
}

/// One file line of a manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub url: String,
    /// Lowercase algorithm name without dashes (`md5`, `sha1`, `sha256`).
    pub hash_algorithm: Option<String>,
    /// Lowercase hex.
    pub hash_value: Option<String>,
    pub size: Option<u64>,
    pub last_modified: Option<String>,
    pub file_name: String,
    pub mime_type: Option<String>,
}

/// Why a manifest was refused; `line` is 1-based.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("the manifest lists no files")]
    Empty,
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
}

fn bad(line: usize, reason: impl Into<String>) -> ManifestError {
    ManifestError::BadLine {
        line,
        reason: reason.into(),
    }
}

/// Hex length of each accepted digest.
fn digest_hex_len(algorithm: &str) -> Option<usize> {
    match algorithm {
        "md5" => Some(32),
        "sha1" => Some(40),
        "sha256" => Some(64),
        _ => None,
    }
}

/// Parses `text` (see the module documentation for the form).
pub fn parse(text: &str) -> Result<Vec<ManifestEntry>, ManifestError> {
    let mut columns: Vec<Column> = DEFAULT_FIELDS.to_vec();
    let mut entries: Vec<ManifestEntry> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('#') {
            if let Some(fields) = header.strip_prefix("%fields") {
                columns = fields
                    .split('|')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(Column::from_name)
                    .collect();
                if !columns.contains(&Column::FileUrl) {
                    return Err(bad(line_no, "#%fields does not name nfo:fileUrl"));
                }
            }
            continue;
        }
        let entry = parse_line(line, line_no, &columns)?;
        if entries.iter().any(|e| e.file_name == entry.file_name) {
            return Err(bad(
                line_no,
                format!("file {:?} is listed twice", entry.file_name),
            ));
        }
        entries.push(entry);
    }
    if entries.is_empty() {
        return Err(ManifestError::Empty);
    }
    Ok(entries)
}

fn parse_line(
    line: &str,
    line_no: usize,
    columns: &[Column],
) -> Result<ManifestEntry, ManifestError> {
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    if cells.len() > columns.len() && cells[columns.len()..].iter().any(|c| !c.is_empty()) {
        return Err(bad(
            line_no,
            format!("{} cells but only {} fields", cells.len(), columns.len()),
        ));
    }
    let cell = |wanted: Column| {
        columns
            .iter()
            .position(|column| *column == wanted)
            .and_then(|at| cells.get(at).copied())
            .filter(|value| !value.is_empty())
    };
    let url_text = cell(Column::FileUrl).ok_or_else(|| bad(line_no, "no file URL"))?;
    let url = Url::parse(url_text)
        .map_err(|error| bad(line_no, format!("file URL {url_text:?}: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            line_no,
            format!("file URL {url_text:?} is not http(s)"),
        ));
    }
    let file_name = match cell(Column::FileName) {
        Some(name) => name.to_owned(),
        None => url
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .filter(|last| !last.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| bad(line_no, "no file name and none in the URL"))?,
    };
    let size = cell(Column::FileSize)
        .map(|text| {
            text.parse::<u64>()
                .map_err(|_| bad(line_no, format!("file size {text:?} is not a whole number")))
        })
        .transpose()?;
    let hash_algorithm =
        cell(Column::HashAlgorithm).map(|a| a.to_ascii_lowercase().replace('-', ""));
    let hash_value = cell(Column::HashValue).map(str::to_ascii_lowercase);
    match (&hash_algorithm, &hash_value) {
        (None, None) => {}
        (Some(algorithm), Some(value)) => {
            let expected = digest_hex_len(algorithm).ok_or_else(|| {
                bad(
                    line_no,
                    format!("hash algorithm {algorithm:?} is not md5, sha1 or sha256"),
                )
            })?;
            if value.len() != expected || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(
                    line_no,
                    format!("{algorithm} value {value:?} is not {expected} hex digits"),
                ));
            }
        }
        (Some(_), None) => return Err(bad(line_no, "hash algorithm without a hash value")),
        (None, Some(_)) => return Err(bad(line_no, "hash value without a hash algorithm")),
    }
    Ok(ManifestEntry {
        url: url_text.to_owned(),
        hash_algorithm,
        hash_value,
        size,
        last_modified: cell(Column::FileLastModified).map(str::to_owned),
        file_name,
        mime_type: cell(Column::MimeType).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_full_checkm_manifest_is_read() {
        let text = format!(
            "#%checkm_0.7\n\
             #%profile | http://uc3.cdlib.org/registry/ingest/manifest/mrt-ingest-manifest\n\
             #%fields | nfo:fileUrl | nfo:hashAlgorithm | nfo:hashValue | nfo:fileSize | nfo:fileLastModified | nfo:fileName | mrt:mimeType\n\
             http://h/files/a.csv?size=3 | MD5 | {MD5} | 3 | | a.csv | text/csv\n\
             https://h/b.txt | | | | | |\n\
             #%EOF\n"
        );
        let entries = parse(&text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].hash_algorithm.as_deref(), Some("md5"));
        assert_eq!(entries[0].size, Some(3));
        assert_eq!(entries[1].file_name, "b.txt");
        assert_eq!(entries[1].hash_value, None);
    }

    #[test]
    fn a_fields_line_reorders_the_columns() {
        let text = format!(
            "#%fields | nfo:fileUrl | nfo:hashAlgorithm | nfo:hashValue | nfo:fileName\n\
             http://h/x | md5 | {MD5} | renamed.bin\n"
        );
        assert_eq!(parse(&text).unwrap()[0].file_name, "renamed.bin");
    }

    #[test]
    fn empty_and_malformed_manifests_are_refused() {
        assert_eq!(parse("#%checkm_0.7\n#%EOF\n"), Err(ManifestError::Empty));
        assert!(parse("not a url | | | | | x |").is_err());
        assert!(parse("http://h/x | md5 | nothex | 3 | | x |").is_err());
        assert!(parse("http://h/x | | | three | | x |").is_err());
        assert!(parse("http://h/x | | | | | x |\nhttp://h/y | | | | | x |").is_err());
    }
}
