//! `login` and `logout`: the saved token, and where the password comes from.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use longjobs_openapi as wire;

use crate::client::Client;
use crate::output::Output;

/// Where `login` saves the token and every later command reads it.
pub fn token_file() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("longjobs").join("token")
}

/// The token saved by `login`, if any.
pub fn saved_token() -> Option<String> {
    std::fs::read_to_string(token_file())
        .ok()
        .map(|t| t.trim().to_string())
}

/// Where the password comes from: the flag, standard input, or the terminal.
pub enum PasswordFrom {
    Given(String),
    Stdin,
    Prompt,
}

pub async fn login(
    api: &Client,
    out: &Output,
    server: &str,
    username: String,
    password: PasswordFrom,
) -> anyhow::Result<()> {
    let password = match password {
        PasswordFrom::Given(p) => p,
        PasswordFrom::Stdin => read_password_from_stdin()?,
        PasswordFrom::Prompt => prompt_password(&username, server)?,
    };
    let resp: wire::LoginResponse = api
        .post(
            "/api/auth/login",
            &wire::LoginRequest {
                username: username.into(),
                password: password.into(),
            },
        )
        .await?;
    let path = token_file();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_private(&path, &resp.token)?;
    out.show(&resp, || {
        format!(
            "signed in as {} ({:?}) until {}; token saved in {}\n",
            resp.username,
            resp.role,
            resp.expires_at.format("%Y-%m-%d %H:%M UTC"),
            path.display()
        )
        .to_lowercase()
    })
}

pub async fn logout(api: &Client, out: &Output) -> anyhow::Result<()> {
    let path = token_file();
    let ended = api
        .post::<(), _>("/api/auth/logout", &serde_json::Map::new())
        .await;
    // The saved token goes either way: a token the server refused is no use.
    let _ = std::fs::remove_file(&path);
    ended?;
    out.show(&serde_json::json!({ "signed_out": true }), || {
        format!(
            "signed out: every login token of this user ended; {} removed\n",
            path.display()
        )
    })
}

/// The password piped in by a script: everything on standard input but the final newline.
fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut p = String::new();
    std::io::stdin()
        .read_to_string(&mut p)
        .context("reading the password from standard input")?;
    let p = p.trim_end_matches(['\n', '\r']).to_string();
    anyhow::ensure!(!p.is_empty(), "--password-stdin: standard input was empty");
    Ok(p)
}

/// Asks for the password at the terminal without echoing it. Refuses when there is no
/// terminal rather than wait for input nobody will type.
fn prompt_password(username: &str, server: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "no terminal to ask for the password: pipe it in with --password-stdin \
         (e.g. `printf %s \"$PASSWORD\" | longjobs login --username {username} --password-stdin`)"
    );
    rpassword::prompt_password(format!("Password for {username} at {server}: "))
        .context("reading the password from the terminal")
}

/// Writes the token readable by its owner only.
fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("saving the token in {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    Ok(())
}
