//! The source policy: which file URLs a request may name — an http(s) URL on an allowed
//! host whose addresses are public, or inside a network an operator allowed by name.

use std::net::IpAddr;

use ipnet::IpNet;
use reqwest::Url;
use url::Host;

use super::address::non_public;
use super::hosts::{HostPattern, url_host};

/// Most redirects a source fetch follows (each hop checked like the first URL).
pub const MAX_REDIRECTS: usize = 5;

/// The allow-list of source hosts and the non-public networks allowed anyway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePolicy {
    /// Hosts file URLs may name; empty: none (every file URL is refused).
    pub hosts: Vec<HostPattern>,
    /// Non-public networks a source may resolve to all the same (e.g. `127.0.0.0/8` for the
    /// simulator, or the storage's private network).
    pub private_networks: Vec<IpNet>,
}

/// Why a file URL, a redirect or an address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceRefusal {
    #[error("{0:?} is not an http(s) URL")]
    NotHttp(String),
    #[error("{0:?} names no host")]
    NoHost(String),
    #[error(
        "no source host is allowed; set LONGJOBS_SOURCE_HOSTS to the hosts of the repository's storage"
    )]
    NoHostsAllowed,
    #[error("{host} is not an allowed source host (LONGJOBS_SOURCE_HOSTS: {allowed})")]
    NotListed { host: String, allowed: String },
    #[error(
        "{host} is {ip}, a {kind} address; sources must be public unless LONGJOBS_SOURCE_PRIVATE_NETWORKS names the network"
    )]
    NotPublic {
        host: String,
        ip: IpAddr,
        kind: &'static str,
    },
    #[error("{0} resolves to no address")]
    NoAddress(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
}

impl SourcePolicy {
    pub fn new(hosts: Vec<HostPattern>, private_networks: Vec<IpNet>) -> Self {
        SourcePolicy {
            hosts,
            private_networks,
        }
    }

    /// The policy of the settings `LONGJOBS_SOURCE_HOSTS` and
    /// `LONGJOBS_SOURCE_PRIVATE_NETWORKS` (empty entries skipped); the error names the
    /// setting and the entry at fault.
    pub fn from_settings(hosts: &[String], private_networks: &[String]) -> Result<Self, String> {
        let entries = |list: &[String]| {
            list.iter()
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect::<Vec<_>>()
        };
        let hosts = entries(hosts)
            .iter()
            .map(|h| h.parse::<HostPattern>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("LONGJOBS_SOURCE_HOSTS: {e}"))?;
        let private_networks = entries(private_networks)
            .iter()
            .map(|n| {
                n.parse::<IpNet>().map_err(|_| {
                    format!(
                        "LONGJOBS_SOURCE_PRIVATE_NETWORKS: {n:?} is not a network (e.g. 10.0.0.0/8, 127.0.0.1/32, fd00::/8)"
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SourcePolicy::new(hosts, private_networks))
    }

    /// Everything that can be checked without DNS: scheme, host and port on the allow-list,
    /// and the address when the host is an IP literal (those are never resolved).
    pub fn check_url(&self, url: &Url) -> Result<(), SourceRefusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SourceRefusal::NotHttp(url.as_str().to_string()));
        }
        let Some(host) = url_host(url) else {
            return Err(SourceRefusal::NoHost(url.as_str().to_string()));
        };
        if self.hosts.is_empty() {
            return Err(SourceRefusal::NoHostsAllowed);
        }
        if !self.hosts.iter().any(|h| h.matches(url)) {
            let port = url
                .port_or_known_default()
                .map(|p| format!(":{p}"))
                .unwrap_or_default();
            return Err(SourceRefusal::NotListed {
                host: format!("{host}{port}"),
                allowed: self.allowed(),
            });
        }
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        match literal {
            Some(ip) => self.check_ip(&host, ip),
            None => Ok(()),
        }
    }

    /// Parses `text` and checks it with [`SourcePolicy::check_url`].
    pub fn check_str(&self, text: &str) -> Result<Url, SourceRefusal> {
        let url = Url::parse(text).map_err(|_| SourceRefusal::NotHttp(text.to_string()))?;
        self.check_url(&url)?;
        Ok(url)
    }

    /// Whether a connection to `ip` (what `host` resolved to) may be made.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), SourceRefusal> {
        if self.private_networks.iter().any(|n| n.contains(&ip)) {
            return Ok(());
        }
        match non_public(ip) {
            None => Ok(()),
            Some(kind) => Err(SourceRefusal::NotPublic {
                host: host.to_string(),
                ip,
                kind,
            }),
        }
    }

    fn allowed(&self) -> String {
        self.hosts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: &[&str], networks: &[&str]) -> SourcePolicy {
        SourcePolicy::new(
            hosts.iter().map(|h| h.parse().unwrap()).collect(),
            networks.iter().map(|n| n.parse().unwrap()).collect(),
        )
    }

    #[test]
    fn settings_name_the_entry_at_fault() {
        let ok = SourcePolicy::from_settings(
            &[" files.example.org ".into(), "".into()],
            &[" 127.0.0.1/32".into()],
        );
        assert!(ok.is_ok(), "{ok:?}");
        let bad = SourcePolicy::from_settings(&["http://x/".into()], &[]).unwrap_err();
        assert!(bad.starts_with("LONGJOBS_SOURCE_HOSTS"), "{bad}");
        let bad = SourcePolicy::from_settings(&[], &["10.0.0.0".into()]).unwrap_err();
        assert!(bad.starts_with("LONGJOBS_SOURCE_PRIVATE_NETWORKS"), "{bad}");
    }

    #[test]
    fn with_no_hosts_allowed_every_url_is_refused() {
        let p = SourcePolicy::default();
        assert_eq!(
            p.check_str("https://files.example.org/a"),
            Err(SourceRefusal::NoHostsAllowed)
        );
    }

    #[test]
    fn only_http_urls_on_the_list_pass() {
        let p = policy(&["files.example.org"], &[]);
        assert!(p.check_str("https://files.example.org/a?x=1").is_ok());
        for url in [
            "file:///etc/passwd",
            "ftp://files.example.org/a",
            "gopher://files.example.org/a",
            "https://elsewhere.example.org/a",
            "https://files.example.org:9090/metrics",
            "not a url",
        ] {
            assert!(p.check_str(url).is_err(), "{url}");
        }
    }

    #[test]
    fn an_ip_literal_on_the_list_must_still_be_public_or_an_allowed_network() {
        let listed = ["127.0.0.1:8089", "[::ffff:7f00:1]:8089", "169.254.169.254"];
        let p = policy(&listed, &[]);
        for url in [
            "http://127.0.0.1:8089/files/a",
            "http://[::ffff:127.0.0.1]:8089/files/a",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            assert!(
                matches!(p.check_str(url), Err(SourceRefusal::NotPublic { .. })),
                "{url}"
            );
        }
        let p = policy(&listed, &["127.0.0.0/8"]);
        assert!(p.check_str("http://127.0.0.1:8089/files/a").is_ok());
        assert!(
            p.check_str("http://[::ffff:127.0.0.1]:8089/files/a")
                .is_err(),
            "a v4 network does not open the IPv4-mapped form"
        );
    }
}
