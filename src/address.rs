//! Which addresses edgeplan may send a request to, in one place: the origin probes and the public
//! check ask the same question of the address they are about to connect to.
//!
//! Loopback is allowed (the tests' local servers live there). Private, shared, link-local,
//! unique-local and cloud-metadata addresses are not: a manifest author must not be able to make a
//! runner request its own network and read the answer back from a pull-request comment.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an address is, as far as a request from edgeplan goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressClass {
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

/// What `ip` is. For IPv6 the contract's order (DESIGN section 1): `::1` is loopback and `::`
/// refused, checked first; a form that carries an IPv4 address (IPv4-mapped `::ffff:0:0/96`,
/// IPv4-compatible `::/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is judged by that address,
/// and one that is not public is refused, never loopback; Teredo `2001::/32`, NAT64
/// `64:ff9b:1::/48` and site-local `fec0::/10` are refused outright.
pub(crate) fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        AddressClass::Loopback
    } else if METADATA_V4.contains(&ip) {
        AddressClass::Forbidden("a cloud metadata address")
    } else if ip.is_private() {
        AddressClass::Forbidden("a private address (10/8, 172.16/12, 192.168/16)")
    } else if a == 100 && (64..128).contains(&b) {
        AddressClass::Forbidden("a shared (carrier-grade NAT) address, 100.64/10")
    } else if ip.is_link_local() {
        AddressClass::Forbidden("a link-local address, 169.254/16 (cloud metadata lives there)")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        AddressClass::Forbidden("an unspecified, broadcast, multicast or reserved address")
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address an IPv6 form carries, with the reason to give when that address is not
/// public, for the forms the contract judges by their IPv4 address. `::` and `::1` are not asked
/// (they are decided first).
fn embedded_v4(ip: Ipv6Addr) -> Option<(Ipv4Addr, &'static str)> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..5] == [0; 5] && s[5] == 0xffff {
        Some((
            low,
            "an IPv4-mapped address (::ffff:0:0/96) carrying an IPv4 address that is not public (loopback, private, shared, link-local, metadata or reserved)",
        ))
    } else if s[..6] == [0; 6] {
        Some((
            low,
            "an IPv4-compatible address (::/96) carrying an IPv4 address that is not public (loopback, private, shared, link-local, metadata or reserved)",
        ))
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some((
            low,
            "a NAT64 address (64:ff9b::/96) carrying an IPv4 address that is not public (loopback, private, shared, link-local, metadata or reserved)",
        ))
    } else if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        Some((
            v4,
            "a 6to4 address (2002::/16) carrying an IPv4 address that is not public (loopback, private, shared, link-local, metadata or reserved)",
        ))
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let s = ip.segments();
    let first = s[0];
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    if ip.is_unspecified() {
        return AddressClass::Forbidden("the unspecified address, ::");
    }
    if let Some((v4, not_public)) = embedded_v4(ip) {
        // Loopback too is refused here: only 127/8 and `::1` are loopback.
        return match classify_v4(v4) {
            AddressClass::Public => AddressClass::Public,
            AddressClass::Loopback | AddressClass::Forbidden(_) => {
                AddressClass::Forbidden(not_public)
            }
        };
    }
    if first == 0x2001 && s[1] == 0 {
        AddressClass::Forbidden("a Teredo address, 2001::/32")
    } else if first == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        AddressClass::Forbidden("a local-use NAT64 address, 64:ff9b:1::/48")
    } else if first & 0xffc0 == 0xfec0 {
        AddressClass::Forbidden("a site-local address, fec0::/10")
    } else if ip == METADATA_V6 {
        AddressClass::Forbidden("a cloud metadata address")
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::Forbidden("a unique-local address, fc00::/7")
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::Forbidden("a link-local address, fe80::/10")
    } else if ip.is_multicast() {
        AddressClass::Forbidden("a multicast address")
    } else {
        AddressClass::Public
    }
}

/// The address a URL host or a DNS name spells, in any spelling edgeplan accepts: `[::1]`,
/// `::1`, `192.0.2.1`, `192.0.2.1.` (a trailing dot does not make an address a name).
pub(crate) fn literal(host: &str) -> Option<IpAddr> {
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
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || literal(host).is_some_and(|ip| classify(ip) == AddressClass::Loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(s: &str) -> AddressClass {
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
            assert!(matches!(reach(bad), AddressClass::Forbidden(_)), "{bad}");
        }
        for ok in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1",
        ] {
            assert_eq!(reach(ok), AddressClass::Public, "{ok}");
        }
        for lo in ["127.0.0.1", "127.9.9.9", "::1", "0:0:0:0:0:0:0:1"] {
            assert_eq!(reach(lo), AddressClass::Loopback, "{lo}");
        }
    }

    /// The IPv6 rules of DESIGN section 1, one row per address: the reason's words name the
    /// form, so a row that lands in the wrong rule fails.
    #[test]
    fn ipv6_forms_follow_the_contract_order() {
        let table: &[(&str, Option<&str>)] = &[
            // `::1` loopback and `::` refused, first.
            ("::1", None),
            ("::", Some("unspecified")),
            // IPv4-mapped, judged by the IPv4 address; loopback inside is refused.
            ("::ffff:127.0.0.1", Some("IPv4-mapped")),
            ("::ffff:10.0.0.1", Some("IPv4-mapped")),
            ("::ffff:169.254.169.254", Some("IPv4-mapped")),
            ("::ffff:a9fe:a9fe", Some("IPv4-mapped")),
            ("::ffff:1.1.1.1", Some("")),
            // IPv4-compatible ::/96.
            ("::127.0.0.1", Some("IPv4-compatible")),
            ("::10.0.0.1", Some("IPv4-compatible")),
            ("::169.254.169.254", Some("IPv4-compatible")),
            ("::0.0.0.2", Some("IPv4-compatible")),
            ("::8.8.8.8", Some("")),
            // NAT64 64:ff9b::/96.
            ("64:ff9b::a9fe:a9fe", Some("NAT64")),
            ("64:ff9b::127.0.0.1", Some("NAT64")),
            ("64:ff9b::192.168.0.1", Some("NAT64")),
            ("64:ff9b::8.8.8.8", Some("")),
            // 6to4 2002::/16, the IPv4 address in bits 16..48.
            ("2002:a9fe:a9fe::1", Some("6to4")),
            ("2002:7f00:1::", Some("6to4")),
            ("2002:c0a8:101::1", Some("6to4")),
            ("2002:808:808::1", Some("")),
            // Refused outright.
            ("2001::1", Some("Teredo")),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some("Teredo")),
            ("64:ff9b:1::a9fe:a9fe", Some("64:ff9b:1::/48")),
            ("64:ff9b:1:ffff::8.8.8.8", Some("64:ff9b:1::/48")),
            ("fec0::1", Some("site-local")),
            ("feff::1", Some("site-local")),
            // The other ranges are unchanged.
            ("fe80::1", Some("link-local")),
            ("fd00:ec2::254", Some("metadata")),
            ("fd12::1", Some("unique-local")),
            ("ff02::1", Some("multicast")),
            // Public neighbours of the refused ranges.
            ("2001:1::1", None),
            ("2001:db8::1", None),
            ("64:ff9b:2::1", None),
            ("2606:4700::1111", None),
            ("2003::1", None),
        ];
        for (addr, want) in table {
            let got = reach(addr);
            match want {
                None if *addr == "::1" => assert_eq!(got, AddressClass::Loopback, "{addr}"),
                None => assert_eq!(got, AddressClass::Public, "{addr}"),
                Some("") => assert_eq!(got, AddressClass::Public, "{addr}"),
                Some(words) => match got {
                    AddressClass::Forbidden(reason) => {
                        assert!(reason.contains(words), "{addr}: {reason}")
                    }
                    other => panic!("{addr}: {other:?}, want refused ({words})"),
                },
            }
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
        assert!(!is_loopback_host("::ffff:127.0.0.1"));
        assert!(!is_loopback_host("[::127.0.0.1]"));
        assert!(!is_loopback_host("127.example.com"));
        assert!(!is_loopback_host("10.0.0.1"));
    }
}
