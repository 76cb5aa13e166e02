//! File sources: where the bytes of a copy may come from (an allow-list of hosts, public
//! addresses or networks named by the operator, checked at resolution and on every
//! redirect) and how they are read (idle timeout, length and MD5 of the manifest).

pub mod address;
pub mod body;
pub mod fetch;
pub mod hosts;
pub mod policy;
pub mod resolve;

pub use body::Transfer;
pub use fetch::{DEFAULT_IDLE_TIMEOUT, FetchError, Source, SourceFetcher};
pub use hosts::{BadHostPattern, HostPattern};
pub use policy::{SourcePolicy, SourceRefusal};
pub use resolve::{Lookup, SystemLookup};

/// Whether `text` is an absolute http(s) URL with a host.
pub fn is_http_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}
