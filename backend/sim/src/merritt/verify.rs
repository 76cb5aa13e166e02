//! Checks manifest lines that point at this simulator's own file source, as Merritt's ingest
//! checks every file it fetches.
//!
//! A line whose URL is `…/files/<name>?size=N&seed=S` on this simulator is checked without
//! fetching anything: a declared size must be N and a declared md5 must be
//! [`expected_md5`](crate::files::pattern::expected_md5)`(N, S)`. Missing size and md5 are
//! filled in, as Merritt computes them. Lines pointing elsewhere are taken as declared.

use url::Url;

use super::manifest::ManifestEntry;
use crate::files::pattern::expected_md5;
use crate::files::{SEED_PARAM, SIZE_PARAM};

/// Host names that all mean this machine.
const LOOPBACK_HOSTS: &[&str] = &["127.0.0.1", "localhost", "[::1]", "::1"];

/// Whether `url` is on the file source of the simulator at `base_url`.
fn is_local_file(url: &Url, base_url: &Url) -> bool {
    let same_host = url.host_str() == base_url.host_str()
        || [url.host_str(), base_url.host_str()]
            .iter()
            .all(|host| host.is_some_and(|h| LOOPBACK_HOSTS.contains(&h)));
    same_host
        && url.port_or_known_default() == base_url.port_or_known_default()
        && url.path().starts_with("/files/")
}

/// Size and seed in a file-source URL, or what the file source would refuse.
fn size_and_seed(url: &Url) -> Result<(u64, u64), String> {
    let param = |wanted: &str| {
        url.query_pairs()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.into_owned())
    };
    let number = |name: &str, text: String| {
        text.parse::<u64>()
            .map_err(|_| format!("{url}: the file source refuses {name}={text:?}"))
    };
    let size = param(SIZE_PARAM)
        .ok_or_else(|| format!("{url}: the file source refuses a URL without {SIZE_PARAM}"))
        .and_then(|text| number(SIZE_PARAM, text))?;
    let seed = param(SEED_PARAM).map_or(Ok(0), |text| number(SEED_PARAM, text))?;
    Ok((size, seed))
}

/// Checks and completes `entries`; returns why the ingest must fail, if it must.
pub async fn check_local_files(entries: &mut [ManifestEntry], base_url: &str) -> Option<String> {
    let Ok(base_url) = Url::parse(base_url) else {
        // Without a base URL of our own nothing can be recognised as local: trust the manifest.
        return None;
    };
    for entry in entries.iter_mut() {
        // Every manifest URL was parsed once already by the manifest parser.
        let Ok(url) = Url::parse(&entry.url) else {
            continue;
        };
        if !is_local_file(&url, &base_url) {
            continue;
        }
        let (size, seed) = match size_and_seed(&url) {
            Ok(found) => found,
            Err(reason) => return Some(reason),
        };
        if let Some(declared) = entry.size.filter(|declared| *declared != size) {
            return Some(format!(
                "{}: manifest says {declared} bytes, fetched {size}",
                entry.file_name
            ));
        }
        entry.size = Some(size);
        let checks_md5 = entry.hash_algorithm.as_deref().is_none_or(|a| a == "md5");
        if !checks_md5 {
            continue;
        }
        let actual = match tokio::task::spawn_blocking(move || expected_md5(size, seed)).await {
            Ok(md5) => md5,
            Err(error) => return Some(format!("{}: digest failed: {error}", entry.file_name)),
        };
        match &entry.hash_value {
            Some(declared) if *declared != actual => {
                return Some(format!(
                    "{}: manifest md5 {declared} does not match fetched md5 {actual}",
                    entry.file_name
                ));
            }
            Some(_) => {}
            None => {
                entry.hash_algorithm = Some("md5".to_owned());
                entry.hash_value = Some(actual);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, size: Option<u64>, md5: Option<String>) -> ManifestEntry {
        ManifestEntry {
            url: url.to_owned(),
            hash_algorithm: md5.as_ref().map(|_| "md5".to_owned()),
            hash_value: md5,
            size,
            last_modified: None,
            file_name: "f".to_owned(),
            mime_type: None,
        }
    }

    #[tokio::test]
    async fn matching_local_files_pass_and_get_their_md5_filled_in() {
        let mut entries = [entry(
            "http://localhost:9/files/f?size=10&seed=2",
            None,
            None,
        )];
        assert_eq!(
            check_local_files(&mut entries, "http://127.0.0.1:9").await,
            None
        );
        assert_eq!(
            entries[0].hash_value.as_deref(),
            Some(expected_md5(10, 2).as_str())
        );
        assert_eq!(entries[0].size, Some(10));
    }

    #[tokio::test]
    async fn a_wrong_md5_or_size_fails_the_ingest_but_foreign_urls_are_trusted() {
        let wrong_md5 = Some("0".repeat(32));
        let mut bad = [entry(
            "http://127.0.0.1:9/files/f?size=10&seed=2",
            Some(10),
            wrong_md5.clone(),
        )];
        assert!(
            check_local_files(&mut bad, "http://127.0.0.1:9")
                .await
                .is_some()
        );
        let mut bad_size = [entry("http://127.0.0.1:9/files/f?size=10", Some(11), None)];
        assert!(
            check_local_files(&mut bad_size, "http://127.0.0.1:9")
                .await
                .is_some()
        );
        let mut bad_seed = [entry(
            "http://127.0.0.1:9/files/f?size=10&seed=x",
            None,
            None,
        )];
        assert!(
            check_local_files(&mut bad_seed, "http://127.0.0.1:9")
                .await
                .is_some()
        );
        let mut foreign = [entry(
            "https://example.org/files/f?size=10",
            Some(3),
            wrong_md5,
        )];
        assert_eq!(
            check_local_files(&mut foreign, "http://127.0.0.1:9").await,
            None
        );
    }
}
