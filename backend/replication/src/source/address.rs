//! Which IP addresses are not on the public internet: loopback, private, link-local,
//! unspecified, multicast, reserved, and the IPv6 forms that carry an IPv4 address inside.
//!
//! A file source must be public unless an operator names its network explicitly: a request
//! must not make the worker read its own metrics, the API server, a cloud metadata service
//! or anything else only the worker's network can reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// IPv4 ranges that are not public, with what they are (RFC 6890 and its updates).
const V4: &[(Ipv4Net, &str)] = &[
    (
        Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8),
        "unspecified",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
        "private",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
        "shared (carrier-grade NAT)",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8),
        "loopback",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
        "link-local",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
        "private",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24),
        "reserved (IETF protocol)",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24),
        "documentation",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 88, 99, 0), 24),
        "reserved (6to4 relay)",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
        "private",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15),
        "reserved (benchmarking)",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24),
        "documentation",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24),
        "documentation",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4),
        "multicast",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(240, 0, 0, 0), 4),
        "reserved (or broadcast)",
    ),
];

/// IPv6 ranges that are not public. The IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms
/// are refused whole: each carries an IPv4 address that could be any of the above.
const V6: &[(Ipv6Net, &str)] = &[
    (
        Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128),
        "unspecified",
    ),
    (Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128), "loopback"),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
        "IPv4-mapped",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
        "IPv4-compatible",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96),
        "NAT64 (IPv4-embedded)",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
        "NAT64 (local)",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
        "discard-only",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
        "reserved (IETF protocol, Teredo)",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
        "documentation",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),
        "6to4 (IPv4-embedded)",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
        "private (unique local)",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
        "link-local",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
        "site-local",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
        "multicast",
    ),
];

/// What kind of non-public address `ip` is, or `None` for a public one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => V4
            .iter()
            .find(|(net, _)| net.contains(&v4))
            .map(|(_, kind)| *kind),
        IpAddr::V6(v6) => V6
            .iter()
            .find(|(net, _)| net.contains(&v6))
            .map(|(_, kind)| *kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<&'static str> {
        non_public(s.parse().unwrap())
    }

    #[test]
    fn addresses_only_a_local_network_reaches_are_not_public() {
        for (ip, what) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved (or broadcast)"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("::ffff:127.0.0.1", "IPv4-mapped"),
            ("::ffff:8.8.8.8", "IPv4-mapped"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("64:ff9b::a00:1", "NAT64 (IPv4-embedded)"),
            ("2002:7f00:1::", "6to4 (IPv4-embedded)"),
            ("fd00::1", "private (unique local)"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
        ] {
            assert_eq!(kind(ip), Some(what), "{ip}");
        }
    }

    #[test]
    fn addresses_on_the_internet_are_public() {
        for ip in [
            "8.8.8.8",
            "128.48.0.1",
            "172.32.0.1",
            "192.169.0.1",
            "2606:4700::1111",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }
}
