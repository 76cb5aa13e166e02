//! `longjobs`: the command line for operators and scripts, over the REST API.
//!
//! Tables for people, `--json` for scripts. The server URL comes from `--server` or
//! `LONGJOBS_SERVER`; the token from `--token`, `LONGJOBS_TOKEN`, or the file `login` saves.
//! Each command group lives in `commands/`, sending the API's wire types.

mod client;
mod commands;
mod output;
mod table;

use clap::{Parser, Subcommand};
use client::Client;
use commands::auth::PasswordFrom;
use commands::control::{KindsCmd, WorkersCmd};
use commands::import::ImportCmd;
use commands::jobs::JobsCmd;
use commands::maintenance::{Drain, NotDrained};
use commands::merritt::MerrittCmd;
use commands::ops::QueuesCmd;
use commands::periodic::PeriodicCmd;
use commands::zenodo::ZenodoCmd;
use commands::{auth, control, import, jobs, maintenance, merritt, ops, periodic, zenodo};
use output::Output;

#[derive(Parser, Debug)]
#[command(
    name = "longjobs",
    version,
    about = "Operate longjobs from the command line"
)]
struct Cli {
    /// The longjobs server.
    #[arg(
        long,
        env = "LONGJOBS_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    server: String,
    /// A login or API token (default: the one `longjobs login` saved).
    #[arg(long, env = "LONGJOBS_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign in and save the token for later commands.
    Login {
        #[arg(long)]
        username: String,
        /// The password (visible to other users of this machine in the process list:
        /// prefer the prompt, or --password-stdin in scripts).
        #[arg(long, env = "LONGJOBS_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Read the password from standard input (for scripts); without this and
        /// --password, the password is asked for at the terminal without echo.
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
    },
    /// Sign out: ends every login token of the user on the server and forgets the saved one.
    Logout,
    /// Jobs: list, show, enqueue, retry, cancel, discard.
    #[command(subcommand)]
    Jobs(JobsCmd),
    /// Queues: list, pause, resume, set limits (concurrency, rate).
    #[command(subcommand)]
    Queues(QueuesCmd),
    /// Job kinds: list, pause, resume (in every queue).
    #[command(subcommand)]
    Kinds(KindsCmd),
    /// Zenodo copies: list, show, resend, resend-chain, give-up, daily-retry, reset-stalled.
    #[command(subcommand)]
    Zenodo(ZenodoCmd),
    /// Merritt submissions: status, list, show, resend, restart.
    #[command(subcommand)]
    Merritt(MerrittCmd),
    /// Periodic jobs (the daily retry, …): list, run now, pause, resume.
    #[command(subcommand)]
    Periodic(PeriodicCmd),
    /// The worker registry (list), and quiet, resume or stop a worker.
    Workers {
        #[command(subcommand)]
        cmd: Option<WorkersCmd>,
    },
    /// Job counts per queue and state.
    Stats,
    /// Maintenance status: the old script's four counts, what still runs, drained or not,
    /// and whether Zenodo and Merritt answer.
    Status,
    /// Whether Zenodo and Merritt answer: the workers' latest probe and the recent calls.
    Remotes,
    /// Drain before maintenance: defer Zenodo replication and hold Merritt submissions.
    Drain {
        /// Wait until drained, showing what still runs.
        #[arg(long)]
        wait: bool,
        /// Only defer Zenodo replication.
        #[arg(long, conflicts_with = "merritt_only")]
        zenodo_only: bool,
        /// Only hold Merritt submissions.
        #[arg(long)]
        merritt_only: bool,
        /// Give up waiting after this many seconds (exit code 2).
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
    },
    /// After maintenance: clear the switches and requeue deferred and held work in order.
    Restart,
    /// Move the history of the system longjobs replaces into longjobs' database.
    #[command(subcommand)]
    Import(ImportCmd),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("longjobs: {e:#}");
            if e.downcast_ref::<NotDrained>().is_some() {
                // As `drain --help` says: a timeout is exit code 2, other failures 1.
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let token = cli.token.clone().or_else(auth::saved_token);
    let api = Client::new(&cli.server, token)?;
    let out = Output { json: cli.json };
    match cli.command {
        Command::Login {
            username,
            password,
            password_stdin,
        } => {
            let from = match password {
                Some(p) => PasswordFrom::Given(p),
                None if password_stdin => PasswordFrom::Stdin,
                None => PasswordFrom::Prompt,
            };
            auth::login(&api, &out, &cli.server, username, from).await
        }
        Command::Logout => auth::logout(&api, &out).await,
        Command::Jobs(cmd) => jobs::run(&api, &out, cmd).await,
        Command::Queues(cmd) => ops::queues(&api, &out, cmd).await,
        Command::Zenodo(cmd) => zenodo::run(&api, &out, cmd).await,
        Command::Merritt(cmd) => merritt::run(&api, &out, cmd).await,
        Command::Periodic(cmd) => periodic::run(&api, &out, cmd).await,
        Command::Kinds(cmd) => control::kinds(&api, &out, cmd).await,
        Command::Workers { cmd } => ops::workers(&api, &out, cmd.unwrap_or(WorkersCmd::List)).await,
        Command::Stats => ops::stats(&api, &out).await,
        Command::Status => maintenance::status(&api, &out).await,
        Command::Remotes => maintenance::remotes(&api, &out).await,
        Command::Drain {
            wait,
            zenodo_only,
            merritt_only,
            timeout,
        } => {
            let drain = Drain {
                wait,
                zenodo: !merritt_only,
                merritt: !zenodo_only,
                timeout,
            };
            maintenance::drain(&api, &out, drain).await
        }
        Command::Restart => maintenance::restart(&api, &out).await,
        Command::Import(cmd) => import::run(&out, cmd).await,
    }
}
