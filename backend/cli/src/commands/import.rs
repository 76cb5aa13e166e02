//! `longjobs import dryad`: the history of the system longjobs replaces, written straight to
//! longjobs' database (not over the API).

use anyhow::Context;
use clap::Subcommand;

use crate::output::Output;

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// From the Dryad application's MySQL/MariaDB database: its Zenodo copies, Merritt repo
    /// queue states and the delayed_job rows still pending for them. Writes straight to
    /// longjobs' database (not over the API); run it while the old system is stopped.
    Dryad {
        /// The Dryad application's database: mysql://user:pass@host:port/db.
        #[arg(long)]
        from: String,
        /// longjobs' database (PostgreSQL, SQLite or MySQL/MariaDB), as the server uses it.
        #[arg(
            long,
            env = "LONGJOBS_DATABASE_URL",
            default_value = "sqlite://data/longjobs.db",
            hide_env_values = true
        )]
        database_url: String,
        /// Print what would be imported and what cannot be (with reasons); write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The host the imported history names as this import's (default: the machine's).
        #[arg(long, env = "LONGJOBS_HOST_NAME", value_parser = longjobs_core::host::parse)]
        host_name: Option<String>,
    },
}

pub async fn run(out: &Output, cmd: ImportCmd) -> anyhow::Result<()> {
    let ImportCmd::Dryad {
        from,
        database_url,
        dry_run,
        host_name,
    } = cmd;
    longjobs_core::host::set(host_name);
    let report =
        tokio::task::spawn_blocking(move || import_dryad(&from, &database_url, dry_run)).await??;
    out.show(&report, || report.text())
}

/// Opens both databases and runs the import (blocking: Diesel).
fn import_dryad(
    from: &str,
    database_url: &str,
    dry_run: bool,
) -> anyhow::Result<longjobs_replication::import::Report> {
    use diesel::Connection;
    use longjobs_core::db::{DbConn, DbUrl, is_up_to_date, redact};
    let raw = match from.parse::<DbUrl>()? {
        DbUrl::Mysql(raw) => raw,
        other => anyhow::bail!(
            "--from must name the Dryad application's MySQL/MariaDB database \
             (mysql://user:pass@host:port/db), not {other}"
        ),
    };
    let mut source = diesel::MysqlConnection::establish(&raw)
        .with_context(|| format!("cannot connect to the source database {}", redact(&raw)))?;
    let target_url: DbUrl = database_url.parse()?;
    let mut target = DbConn::establish(&target_url)?;
    anyhow::ensure!(
        is_up_to_date(&mut target)?,
        "longjobs' database {target_url} is not migrated: run `longjobs-server migrate` first"
    );
    let host = longjobs_core::host::name();
    Ok(longjobs_replication::import::import_dryad(
        &mut source,
        &mut target,
        dry_run,
        &host,
    )?)
}
