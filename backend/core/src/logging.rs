//! Logging for every binary: readable text, or JSON lines when asked; `RUST_LOG` filters.

/// Installs the global subscriber (stderr; `info` unless `RUST_LOG` says otherwise).
pub fn init(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
