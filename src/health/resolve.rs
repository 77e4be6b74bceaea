//! Name resolution for probes, guarded: a probe connects only to an address it may reach.
//!
//! The manifest author chooses what a preview probes. Without a guard a pull request could make
//! the runner request its own network (a cloud metadata service, a private admin page) and read
//! the status and timing back from the comment. So every address a name resolves to is checked
//! with [`crate::address::classify`]; a name with any forbidden address is refused as a whole, and
//! the client is handed exactly the addresses that were checked, so nothing is looked up again
//! between the check and the connection (no DNS rebinding). Literal addresses in a URL never reach
//! a resolver; [`check_literal`] covers them.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::LookupIpStrategy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::address::{AddressClass, classify};

/// Why a probe was not sent: the host is or resolves to an address probes never reach.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{host} resolves to {ip}, {why}: probes never go to private, link-local or metadata addresses"
)]
pub(super) struct Forbidden {
    pub host: String,
    pub ip: IpAddr,
    pub why: &'static str,
}

/// The system resolver (as reqwest configures it), with the guard, and a table of names answered
/// without DNS (`EDGEPLAN_RESOLVE`).
#[derive(Clone, Default)]
pub(super) struct Guarded {
    resolver: Arc<OnceLock<Result<TokioResolver, String>>>,
    table: Arc<Vec<(String, SocketAddr)>>,
}

impl Guarded {
    pub(super) fn with_table(table: &[(String, SocketAddr)]) -> Guarded {
        Guarded {
            resolver: Arc::default(),
            table: Arc::new(table.to_vec()),
        }
    }
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
            let fixed: Vec<SocketAddr> = (this.table.iter())
                .filter(|(n, _)| *n == host)
                .map(|(_, addr)| *addr)
                .collect();
            if !fixed.is_empty() {
                for addr in &fixed {
                    check_ip(&host, addr.ip())?;
                }
                return Ok(Box::new(fixed.into_iter()) as Addrs);
            }
            let resolver = this
                .resolver
                .get_or_init(system)
                .as_ref()
                .map_err(|e| Box::<dyn std::error::Error + Send + Sync>::from(e.clone()))?;
            let lookup = resolver.lookup_ip(host.as_str()).await?;
            let ips: Vec<IpAddr> = lookup.iter().collect();
            let addrs = checked(&host, &ips)?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

fn system() -> Result<TokioResolver, String> {
    let mut builder = TokioResolver::builder_tokio()
        .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?;
    builder.options_mut().ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    Ok(builder.build())
}

/// The addresses to connect to, when every one of them may be reached.
pub(super) fn checked(host: &str, ips: &[IpAddr]) -> Result<Vec<SocketAddr>, Forbidden> {
    for &ip in ips {
        check_ip(host, ip)?;
    }
    Ok(ips.iter().map(|&ip| SocketAddr::new(ip, 0)).collect())
}

/// Refuses a URL host that is a literal forbidden address (`https://10.0.0.1/`, `[fd00:ec2::254]`).
pub(super) fn check_literal(host: &str) -> Result<(), Forbidden> {
    match crate::address::literal(host) {
        Some(ip) => check_ip(host, ip),
        None => Ok(()),
    }
}

fn check_ip(host: &str, ip: IpAddr) -> Result<(), Forbidden> {
    match classify(ip) {
        AddressClass::Forbidden(why) => Err(Forbidden {
            host: host.to_owned(),
            ip,
            why,
        }),
        AddressClass::Loopback | AddressClass::Public => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_any_forbidden_address_is_refused_whole() {
        let public: IpAddr = "192.0.2.1".parse().expect("ip");
        let metadata: IpAddr = "169.254.169.254".parse().expect("ip");
        assert_eq!(
            checked("ok.example", &[public]).expect("allowed"),
            vec![SocketAddr::new(public, 0)]
        );
        let err = checked("rebind.example", &[public, metadata]).expect_err("refused");
        assert_eq!(err.ip, metadata);
        assert!(err.to_string().contains("link-local"), "{err}");
        assert!(check_literal("[fd00:ec2::254]").is_err());
        assert!(check_literal("168.63.129.16").is_err());
        assert!(check_literal("127.0.0.1").is_ok());
        assert!(check_literal("origin.example.net").is_ok());
    }
}
