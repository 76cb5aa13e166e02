//! `longjobs-server`: serves the REST API, Swagger UI and the console.

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use longjobs_core::access::{Role, users};
use longjobs_core::clock::parse_duration;
use longjobs_core::logging::LogFormat;
use longjobs_core::{Db, clock};
use longjobs_replication::source::SourcePolicy;
use longjobs_server::auth::{AuthConfig, hash_password, parse_trusted_proxies, rules};
use longjobs_server::bootstrap::{FIRST_ADMIN, ensure_first_admin, random_password};
use longjobs_server::policy::ApiPolicy;
use longjobs_server::serve::{ServeOptions, serve as serve_http};
use longjobs_server::{AppState, HttpOptions, app, openapi_json};

/// The longjobs API server.
#[derive(Parser, Debug)]
#[command(name = "longjobs-server", version)]
struct Cli {
    /// Database URL, the backend chosen by its scheme: postgres://user@host/db,
    /// mysql://user@host/db (MariaDB 10.6+ / MySQL 8) or sqlite://path/to/file.db.
    #[arg(
        long,
        env = "LONGJOBS_DATABASE_URL",
        default_value = "sqlite://data/longjobs.db",
        global = true
    )]
    database_url: String,
    /// Log format: text, or json (one object per line).
    #[arg(
        long,
        env = "LONGJOBS_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    /// Log as JSON lines (the same as --log-format json).
    #[arg(long, env = "LONGJOBS_LOG_JSON", global = true)]
    log_json: bool,
    /// The name this process goes by in worker lists, histories and alerts (default: the
    /// machine's host name).
    #[arg(long, env = "LONGJOBS_HOST_NAME", global = true, value_parser = longjobs_core::host::parse)]
    host_name: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API (the default).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a user (prints the password when none is given).
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role, default_value = "admin")]
        role: Role,
        /// The password; read from LONGJOBS_NEW_PASSWORD, or generated and printed.
        #[arg(long, env = "LONGJOBS_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LONGJOBS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Secret that signs login tokens; required with --production.
    #[arg(long, env = "LONGJOBS_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// How long a login lasts.
    #[arg(long, env = "LONGJOBS_TOKEN_TTL", value_parser = parse_duration, default_value = "12h")]
    token_ttl: Duration,
    /// Production mode: refuse to start without a JWT secret; create no first admin.
    #[arg(long, env = "LONGJOBS_PRODUCTION")]
    production: bool,
    /// Password for the first admin on a new database (development mode); random if unset.
    #[arg(long, env = "LONGJOBS_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Directory of the built console, served at `/` (skipped when it has no index.html).
    #[arg(long, env = "LONGJOBS_CONSOLE_DIR", default_value = "frontend/dist")]
    console_dir: std::path::PathBuf,
    /// Browser origins allowed to call the API (comma-separated); CORS is closed if unset.
    #[arg(long, env = "LONGJOBS_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Serve Prometheus /metrics without a token (else a bearer token of any role, e.g.
    /// a viewer API token, is needed). Only where the port is private to the scraper.
    #[arg(long, env = "LONGJOBS_METRICS_PUBLIC")]
    metrics_public: bool,
    /// Job kinds POST /api/jobs takes (comma-separated); Zenodo, Merritt and notification
    /// kinds are never taken there: they have their own endpoints.
    #[arg(
        long,
        env = "LONGJOBS_API_JOB_KINDS",
        value_delimiter = ',',
        default_value = "noop,record,sleep"
    )]
    api_job_kinds: Vec<String>,
    /// Hosts file URLs may name, as the workers are told (comma-separated); when set,
    /// copies and submissions naming other URLs are refused up front with 400.
    #[arg(long, env = "LONGJOBS_SOURCE_HOSTS", value_delimiter = ',')]
    source_hosts: Vec<String>,
    /// Non-public networks a source may be in, as the workers are told (comma-separated
    /// CIDRs); checked here for URLs whose host is an IP address.
    #[arg(long, env = "LONGJOBS_SOURCE_PRIVATE_NETWORKS", value_delimiter = ',')]
    source_private_networks: Vec<String>,
    /// Proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the
    /// client for the login limits; none by default (the peer's address counts).
    #[arg(long, env = "LONGJOBS_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<String>,
    /// Time a client has to send a request's head, and to start its next request on a
    /// kept-alive connection; the connection is closed after it.
    #[arg(long, env = "LONGJOBS_HEADER_READ_TIMEOUT", value_parser = parse_duration, default_value = "10s")]
    header_read_timeout: Duration,
    /// A request body with no byte arriving for this long fails (400).
    #[arg(long, env = "LONGJOBS_BODY_IDLE_TIMEOUT", value_parser = parse_duration, default_value = "60s")]
    body_idle_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    #[arg(long, env = "LONGJOBS_MAX_CONNECTIONS", default_value_t = longjobs_server::serve::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Alert limits and notification channels, as the workers take them: the server shows
    /// the same alerts and tells them while no worker is alive.
    #[command(flatten)]
    notify: longjobs_notify::NotifySettings,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|e: longjobs_core::text_enum::UnknownValue| e.to_string())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    longjobs_core::host::set(cli.host_name.clone());
    longjobs_core::logging::init(if cli.log_json {
        LogFormat::Json
    } else {
        cli.log_format
    });
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("longjobs-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Openapi) = cli.command {
        print!("{}", spec_without_database().await?);
        return Ok(());
    }
    let db = Db::connect(&cli.database_url)
        .await
        .context("opening the database")?;
    let applied = db.migrate().await.context("migrating the database")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    match cli
        .command
        .unwrap_or_else(|| Command::Serve(Box::new(ServeArgs::default_from_env())))
    {
        Command::Migrate => {
            println!("database {} is up to date", db.url());
            Ok(())
        }
        Command::CreateUser {
            username,
            role,
            password,
        } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(random_password);
            rules::check_username(&username).map_err(anyhow::Error::msg)?;
            rules::check_password(&password).map_err(anyhow::Error::msg)?;
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            let name = username.clone();
            db.run(move |c| users::create(c, &name, &hash, role, clock::now()))
                .await
                .with_context(|| format!("creating user {username:?}"))?;
            println!("created user {username} with role {role}");
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::Serve(args) => serve(db, *args).await,
        Command::Openapi => unreachable!("handled above"),
    }
}

impl ServeArgs {
    /// `serve`'s defaults and environment when no subcommand is given.
    fn default_from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        Only::parse_from(["longjobs-server"]).args
    }
}

async fn serve(db: Db, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(p) = &args.admin_password {
        rules::check_password(p).map_err(|e| anyhow::anyhow!("LONGJOBS_ADMIN_PASSWORD: {e}"))?;
    }
    let secret = match (args.jwt_secret, args.production) {
        (Some(s), _) => {
            rules::check_jwt_secret(&s).map_err(anyhow::Error::msg)?;
            s.into_bytes()
        }
        (None, true) => anyhow::bail!(
            "production mode needs LONGJOBS_JWT_SECRET (at least 32 random characters)"
        ),
        (None, false) => {
            tracing::warn!(
                "no LONGJOBS_JWT_SECRET: using a random one; logins end when this server restarts"
            );
            random_password().repeat(2).into_bytes()
        }
    };
    if args.production {
        if db.run(users::count).await? == 0 {
            tracing::warn!(
                "no users yet: create one with `longjobs-server create-user --username NAME --role admin`"
            );
        }
    } else {
        // A password the operator chose stays out of the log; only a generated one is shown.
        let chosen = args.admin_password.is_some();
        match ensure_first_admin(&db, args.admin_password).await? {
            Some(_) if chosen => tracing::info!(
                username = FIRST_ADMIN,
                "created the first admin with the password given (not shown)"
            ),
            Some(password) => eprint!("{}", first_admin_notice(&password)),
            None => {}
        }
    }
    let sources = SourcePolicy::from_settings(&args.source_hosts, &args.source_private_networks)
        .map_err(anyhow::Error::msg)?;
    // An empty list here means "not told": the workers refuse everything then, and the
    // server leaves the refusal to them instead of refusing every request.
    let sources = (!sources.hosts.is_empty()).then_some(sources);
    let notify = longjobs_notify::NotifyConfig::from_settings(&args.notify)?;
    let policy = ApiPolicy::new(&args.api_job_kinds, sources)
        .map_err(anyhow::Error::msg)?
        .with_alerts(notify.alerts.clone());
    tokio::spawn(longjobs_notify::Notifier::new(db.clone(), notify)?.watch_forever());
    let mut auth = AuthConfig::new(secret, args.token_ttl);
    auth.trusted_proxies =
        parse_trusted_proxies(&args.trusted_proxies).map_err(anyhow::Error::msg)?;
    let state = AppState::new(db, auth, policy);
    // Count jobs once now, so on a large table the first dashboards after a restart do not
    // wait for that scan.
    tokio::spawn(state.counts.clone().warm());
    let console_dir = args
        .console_dir
        .join("index.html")
        .is_file()
        .then_some(args.console_dir);
    if console_dir.is_none() {
        tracing::warn!("no built console found (run scripts/build-console); serving the API only");
    }
    let opts = HttpOptions {
        cors_origins: args.cors_origins,
        console_dir,
        metrics_public: args.metrics_public,
        body_idle_timeout: Some(args.body_idle_timeout),
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    println!(
        "longjobs-server listening on http://{}  (API /api, Swagger UI /docs)",
        args.listen
    );
    let limits = ServeOptions {
        header_read_timeout: args.header_read_timeout,
        max_connections: args.max_connections,
        shutdown_grace: Duration::from_secs(10),
    };
    let live = state.live.clone();
    serve_http(listener, app(state, &opts), limits, async move {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        // Open live streams never end by themselves: end them, so stopping does not wait
        // out the grace period for them.
        live.close();
    })
    .await
    .context("serving HTTP")
}

/// The generated first-admin password as a block of its own on stderr (where the log goes,
/// so it is in the log file too), set apart from the log lines so it cannot be missed.
/// Written with one call so no log line lands inside it.
fn first_admin_notice(password: &str) -> String {
    let rule = "=".repeat(72);
    format!(
        "\n{rule}\n  longjobs: created the first admin of this database\n\n    username: {FIRST_ADMIN}\n    password: {password}\n\n  Shown this once only: note it now. Sign in at the console or with\n  `longjobs login --username {FIRST_ADMIN}`, then create your own users.\n{rule}\n\n"
    )
}

/// The spec needs no database: build it over a throwaway SQLite file.
async fn spec_without_database() -> anyhow::Result<String> {
    let dir = std::env::temp_dir().join(format!("longjobs-spec-{}", std::process::id()));
    let url = format!("sqlite://{}/spec.db", dir.display());
    let db = Db::connect(&url).await?;
    let state = AppState::new(
        db,
        AuthConfig::new(b"spec-only".to_vec(), Duration::from_secs(1)),
        Default::default(),
    );
    let spec = openapi_json(state);
    let _ = std::fs::remove_dir_all(dir);
    Ok(spec)
}
