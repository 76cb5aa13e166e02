//! Entries of the source-host allow-list: `files.example.org`, `*.example.org`,
//! `storage.example.org:8443`, `127.0.0.1:8089`, `[::1]:8089`.
//!
//! An entry without a port allows the scheme's default port only (80 for http, 443 for
//! https): naming a storage host must not open its other services.

use std::fmt;
use std::str::FromStr;

use reqwest::Url;
use url::Host;

/// One allowed source host, optionally with a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: HostName,
    /// `None`: the URL scheme's default port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostName {
    /// This host exactly (lowercase; IP literals in their canonical form).
    Exact(String),
    /// Any host below this domain (`*.example.org`: `a.example.org`, `a.b.example.org`, not
    /// `example.org` itself).
    Below(String),
}

/// An allow-list entry that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?} is not a source host (expected host, *.domain, host:port or [v6]:port): {why}")]
pub struct BadHostPattern {
    entry: String,
    why: String,
}

impl FromStr for HostPattern {
    type Err = BadHostPattern;

    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| BadHostPattern {
            entry: entry.to_string(),
            why: why.to_string(),
        };
        let trimmed = entry.trim();
        if trimmed.is_empty() {
            return Err(bad("empty"));
        }
        if trimmed.contains(['/', '?', '#', '@']) {
            return Err(bad("a host, not a URL"));
        }
        let (wildcard, rest) = match trimmed.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        // The URL parser reads hosts and ports exactly as it will read them in file URLs
        // (lowercase, IDNA, canonical IP literals).
        let url = Url::parse(&format!("http://{rest}/")).map_err(|e| bad(&e.to_string()))?;
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_string(),
            Some(Host::Ipv4(ip)) if !wildcard => ip.to_string(),
            Some(Host::Ipv6(ip)) if !wildcard => format!("[{ip}]"),
            Some(_) => return Err(bad("a wildcard needs a domain name")),
            None => return Err(bad("no host")),
        };
        // `Url` drops a port equal to http's default; keep what the entry said.
        let port = match url.port() {
            Some(p) => Some(p),
            None if rest.ends_with(":80") => Some(80),
            None => None,
        };
        Ok(HostPattern {
            host: if wildcard {
                HostName::Below(host)
            } else {
                HostName::Exact(host)
            },
            port,
        })
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostName::Exact(h) => write!(f, "{h}")?,
            HostName::Below(h) => write!(f, "*.{h}")?,
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl HostPattern {
    /// Whether `url`'s host and port are this entry's.
    pub fn matches(&self, url: &Url) -> bool {
        let Some(host) = url_host(url) else {
            return false;
        };
        let host_ok = match &self.host {
            HostName::Exact(h) => *h == host,
            HostName::Below(d) => host
                .strip_suffix(d.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        };
        let port_ok = match self.port {
            Some(p) => url.port_or_known_default() == Some(p),
            None => url.port().is_none(),
        };
        host_ok && port_ok
    }
}

/// The host of `url` as entries write it: a lowercase name, `1.2.3.4` or `[::1]`.
pub fn url_host(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Domain(d) => Some(d.trim_end_matches('.').to_string()),
        Host::Ipv4(ip) => Some(ip.to_string()),
        Host::Ipv6(ip) => Some(format!("[{ip}]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entry: &str, url: &str) -> bool {
        entry
            .parse::<HostPattern>()
            .unwrap()
            .matches(&Url::parse(url).unwrap())
    }

    #[test]
    fn an_entry_without_a_port_allows_only_the_default_port() {
        assert!(allows("files.example.org", "https://files.example.org/a"));
        assert!(allows("files.example.org", "http://FILES.example.org./a"));
        assert!(allows(
            "files.example.org",
            "https://files.example.org:443/a"
        ));
        assert!(!allows(
            "files.example.org",
            "https://files.example.org:8443/a"
        ));
        assert!(!allows("files.example.org", "https://other.example.org/a"));
        assert!(!allows(
            "files.example.org",
            "https://files.example.org.evil.net/a"
        ));
    }

    #[test]
    fn an_entry_with_a_port_allows_that_port() {
        assert!(allows("127.0.0.1:8089", "http://127.0.0.1:8089/files/a"));
        assert!(!allows("127.0.0.1:8089", "http://127.0.0.1:8090/files/a"));
        assert!(!allows("127.0.0.1:8089", "http://127.0.0.1/files/a"));
        assert!(allows("[::1]:8089", "http://[0:0::1]:8089/a"));
        assert!(allows("host:80", "http://host/a"));
    }

    #[test]
    fn a_wildcard_allows_subdomains_only() {
        assert!(allows("*.example.org", "https://a.example.org/x"));
        assert!(allows("*.example.org", "https://a.b.example.org/x"));
        assert!(!allows("*.example.org", "https://example.org/x"));
        assert!(!allows("*.example.org", "https://badexample.org/x"));
    }

    #[test]
    fn entries_that_are_not_hosts_are_refused() {
        for entry in [
            "",
            "http://x/",
            "a/b",
            "*.1.2.3.4",
            "user@host",
            "host:99999",
        ] {
            assert!(entry.parse::<HostPattern>().is_err(), "{entry:?}");
        }
    }
}
