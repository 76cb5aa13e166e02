//! Choosing the database backend from the URL scheme, before any connection is tried.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The backends longjobs can store its queue in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
    Mysql,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mysql",
        })
    }
}

/// A database URL whose backend is known from its scheme.
///
/// `postgres://…` or `postgresql://…` select PostgreSQL (the URL goes to libpq unchanged);
/// `sqlite://path/to/file.db` (relative) or `sqlite:///abs/path.db` select SQLite;
/// `mysql://user:pass@host:3306/db` or `mariadb://…` select MySQL / MariaDB.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    Sqlite(PathBuf),
    /// Always held with the `mysql://` scheme the client library expects.
    Mysql(String),
}

/// Why a database URL was refused before any connection was tried.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DbUrlError {
    #[error(
        "unsupported database URL scheme in {0:?}: use postgres://user@host/db, mysql://user@host/db or sqlite://path/to/file.db"
    )]
    UnknownScheme(String),
    #[error("the SQLite URL {0:?} names no file: use sqlite://path/to/file.db")]
    EmptySqlitePath(String),
}

impl DbUrl {
    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Mysql(_) => Backend::Mysql,
        }
    }
}

impl FromStr for DbUrl {
    type Err = DbUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(s.to_string()));
        }
        if s.starts_with("mysql://") {
            return Ok(DbUrl::Mysql(s.to_string()));
        }
        if let Some(rest) = s.strip_prefix("mariadb://") {
            return Ok(DbUrl::Mysql(format!("mysql://{rest}")));
        }
        if let Some(path) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(DbUrlError::EmptySqlitePath(s.to_string()));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        Err(DbUrlError::UnknownScheme(redact(s)))
    }
}

/// Hides a password in a URL so it can be shown in errors and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}://{}:***{}",
                    &url[..scheme_end],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Postgres(url) | DbUrl::Mysql(url) => f.write_str(&redact(url)),
            DbUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_selects_the_backend() {
        assert_eq!(
            "postgres://u@h/db".parse::<DbUrl>().map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            "postgresql://u@h/db".parse::<DbUrl>().map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            "mysql://root@127.0.0.1:3306/test"
                .parse::<DbUrl>()
                .map(|u| u.backend()),
            Ok(Backend::Mysql)
        );
        assert_eq!(
            "mariadb://root@h/db".parse::<DbUrl>(),
            Ok(DbUrl::Mysql("mysql://root@h/db".to_string()))
        );
        assert_eq!(
            "sqlite://data/x.db".parse::<DbUrl>(),
            Ok(DbUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            "sqlite:///tmp/x.db".parse::<DbUrl>(),
            Ok(DbUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
    }

    #[test]
    fn a_bad_scheme_is_refused_not_turned_into_a_file() {
        let err = "postgress://u:secret@h/db".parse::<DbUrl>().unwrap_err();
        assert!(matches!(err, DbUrlError::UnknownScheme(_)));
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(matches!(
            "sqlite://".parse::<DbUrl>(),
            Err(DbUrlError::EmptySqlitePath(_))
        ));
        assert!("data.db".parse::<DbUrl>().is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:pw@h:5/db"), "postgres://u:***@h:5/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
