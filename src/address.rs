//! Which addresses edgeplan may send a request to, in one place: the origin probes and the public
//! check ask the same question of the address they are about to connect to.
//!
//! Loopback is allowed (the tests' local servers live there). Private, shared, link-local,
//! unique-local and cloud-metadata addresses are not: a manifest author must not be able to make a
//! runner request its own network and read the answer back from a pull-request comment.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an address is, as far as a request from edgeplan goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// 127.0.0.0/8 and `::1`: the machine itself (test servers).
    Loopback,
    /// Anywhere on the internet.
    Public,
    /// Never requested; the reason names the range.
    Forbidden(&'static str),
}

/// Cloud metadata and platform endpoints that sit outside the private ranges.
const METADATA_V4: [Ipv4Addr; 2] = [
    // Azure's wire server (reachable from GitHub's hosted runners).
    Ipv4Addr::new(168, 63, 129, 16),
    // Alibaba Cloud's metadata service.
    Ipv4Addr::new(100, 100, 100, 200),
];

/// AWS's IPv6 instance metadata endpoint.
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

pub fn classify(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Reach {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Reach::Loopback
    } else if METADATA_V4.contains(&ip) {
        Reach::Forbidden("a cloud metadata address")
    } else if ip.is_private() {
        Reach::Forbidden("a private address (10/8, 172.16/12, 192.168/16)")
    } else if a == 100 && (64..128).contains(&b) {
        Reach::Forbidden("a shared (carrier-grade NAT) address, 100.64/10")
    } else if ip.is_link_local() {
        Reach::Forbidden("a link-local address, 169.254/16 (cloud metadata lives there)")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        Reach::Forbidden("an unspecified, broadcast, multicast or reserved address")
    } else {
        Reach::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> Reach {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Reach::Loopback
    } else if ip == METADATA_V6 {
        Reach::Forbidden("a cloud metadata address")
    } else if first & 0xfe00 == 0xfc00 {
        Reach::Forbidden("a unique-local address, fc00::/7")
    } else if first & 0xffc0 == 0xfe80 {
        Reach::Forbidden("a link-local address, fe80::/10")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Reach::Forbidden("an unspecified or multicast address")
    } else {
        Reach::Public
    }
}

/// The address a URL host or a DNS name spells, in any spelling edgeplan accepts: `[::1]`,
/// `::1`, `192.0.2.1`, `192.0.2.1.` (a trailing dot does not make an address a name).
pub fn literal(host: &str) -> Option<IpAddr> {
    let host = host.trim();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = host.strip_suffix('.').unwrap_or(host);
    host.parse().ok()
}

/// True for the hosts a plain-http probe may use: 127.0.0.0/8, `::1` (bracketed or not) and
/// `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || literal(host).is_some_and(|ip| classify(ip) == Reach::Loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(s: &str) -> Reach {
        classify(s.parse().expect("an address"))
    }

    #[test]
    fn every_range_the_contract_names_is_forbidden() {
        for bad in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "168.63.129.16",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fd00:ec2::254",
            "::",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
        ] {
            assert!(matches!(reach(bad), Reach::Forbidden(_)), "{bad}");
        }
        for ok in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1",
        ] {
            assert_eq!(reach(ok), Reach::Public, "{ok}");
        }
        for lo in ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(reach(lo), Reach::Loopback, "{lo}");
        }
    }

    #[test]
    fn literals_in_every_spelling() {
        assert_eq!(literal("1.2.3.4."), Some("1.2.3.4".parse().expect("ip")));
        assert_eq!(literal("[::1]"), Some("::1".parse().expect("ip")));
        assert_eq!(
            literal("2001:db8::1"),
            Some("2001:db8::1".parse().expect("ip"))
        );
        assert_eq!(literal("origin.example.net"), None);
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("127.0.0.2"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("127.example.com"));
        assert!(!is_loopback_host("10.0.0.1"));
    }
}
