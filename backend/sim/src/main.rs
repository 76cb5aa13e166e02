//! `longjobs-sim`: serves the simulated Zenodo, Merritt and file source until Ctrl-C.

mod cli;

use std::io::IsTerminal;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Log filter when `RUST_LOG` is not set.
const DEFAULT_LOG_FILTER: &str = "info";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER)),
        )
        // Colours only for a person at a terminal; a log file gets plain text.
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    let args = cli::Args::parse();
    let config = args.config()?;
    let sim = longjobs_sim::serve(config)
        .await
        .context("starting the simulator")?;
    println!("longjobs-sim listening on {}", sim.base_url());
    println!(
        "  zenodo:  {} (access_token={})",
        sim.zenodo_url(),
        sim.zenodo_token()
    );
    println!("  merritt: {}", sim.merritt_url());
    println!("  files:   {}/files/<name>?size=N&seed=S", sim.base_url());
    println!("  admin:   {}", sim.admin_url());
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown().await.context("stopping the simulator")?;
    Ok(())
}
