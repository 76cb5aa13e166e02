//! Which address a request comes from, for the login limits: the peer's, or — when the
//! peer is a proxy the operator named (`LONGJOBS_TRUSTED_PROXIES`) — the address that proxy
//! says it forwarded for.

use std::net::IpAddr;

use ipnet::IpNet;

/// Parses `LONGJOBS_TRUSTED_PROXIES`: addresses or CIDR networks.
pub fn parse_trusted_proxies(items: &[String]) -> Result<Vec<IpNet>, String> {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("LONGJOBS_TRUSTED_PROXIES: {s:?} is not an IP address or CIDR network")
                })
        })
        .collect()
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the last
/// address of `X-Forwarded-For` that is not itself a trusted proxy (the one the nearest
/// untrusted hop connected from — anything left of it the client could have written).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> String {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let Some(peer) = peer else {
        return "unknown".to_string();
    };
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let Some(list) = forwarded_for else {
        return peer.to_string();
    };
    for hop in list.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip.to_string(),
            // A hop we cannot read: the chain is not to be believed beyond it.
            Err(_) => return peer.to_string(),
        }
    }
    peer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let trusted = parse_trusted_proxies(&["10.0.0.0/8".into(), "192.0.2.1".into()]).unwrap();
        // Untrusted peer: its header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            "203.0.113.9"
        );
        // Trusted peer: the nearest untrusted hop.
        assert_eq!(
            client_address(
                ip("10.1.1.1"),
                Some("6.6.6.6, 198.51.100.7, 10.2.2.2"),
                &trusted
            ),
            "198.51.100.7"
        );
        assert_eq!(client_address(ip("192.0.2.1"), None, &trusted), "192.0.2.1");
        assert_eq!(
            client_address(ip("10.1.1.1"), Some("garbage"), &trusted),
            "10.1.1.1"
        );
        // Nothing trusted (the default): the peer, whatever the header says.
        assert_eq!(
            client_address(ip("10.1.1.1"), Some("1.2.3.4"), &[]),
            "10.1.1.1"
        );
        assert!(parse_trusted_proxies(&["nope".into()]).is_err());
    }
}
