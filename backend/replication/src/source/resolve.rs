//! Name resolution for source fetches: the addresses a name resolves to are checked here,
//! and these very addresses are the ones the connection is made to — the name is resolved
//! once per connection, so a name that answers a public address to a check and a private
//! one to the connection (DNS rebinding) has no second answer to give.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::policy::{SourcePolicy, SourceRefusal};

/// Turns a host name into addresses.
pub trait Lookup: Send + Sync + 'static {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>>;
}

/// The system resolver (getaddrinfo, on tokio's blocking pool).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// The resolver the source client connects through.
pub struct CheckedResolver {
    pub policy: Arc<SourcePolicy>,
    pub lookup: Arc<dyn Lookup>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (policy, lookup) = (self.policy.clone(), self.lookup.clone());
        let host = name.as_str().to_string();
        Box::pin(async move {
            let mut addrs = lookup.lookup(host.clone()).await?;
            addrs.dedup();
            if addrs.is_empty() {
                return Err(boxed(SourceRefusal::NoAddress(host)));
            }
            // Every address must pass, not just one: the connector may try any of them.
            for ip in &addrs {
                policy.check_ip(&host, *ip).map_err(boxed)?;
            }
            let addrs: Addrs = Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn boxed(refusal: SourceRefusal) -> BoxError {
    Box::new(refusal)
}
