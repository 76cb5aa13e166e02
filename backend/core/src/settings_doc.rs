//! Test helper: the flags and variables a binary's `--help` names that
//! docs/configuration.md does not mention (each binary's `documented_settings` test).
#![allow(
    clippy::expect_used,
    reason = "test support: a failure here is the calling test's failure"
)]

use std::path::Path;

/// The committed configuration reference.
pub fn configuration_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `--help` of `bin` with `args`, run with an empty environment.
pub fn help(bin: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(bin)
        .args(args)
        .arg("--help")
        .env_clear()
        .output()
        .expect("run --help");
    assert!(out.status.success(), "{bin} {args:?} --help failed");
    String::from_utf8(out.stdout).expect("--help prints UTF-8")
}

/// Every `LONGJOBS_*` variable and every `--flag` a help text names.
pub fn settings(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in help.match_indices("[env: ") {
        let name: String = help[i + 6..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        out.push(name);
    }
    for word in help.split(|c: char| c.is_whitespace() || c == ',') {
        if let Some(flag) = word.strip_prefix("--")
            && !flag.is_empty()
            && flag.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && !matches!(flag, "help" | "version")
        {
            out.push(format!("--{flag}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The names `bin args --help` mentions that docs/configuration.md does not.
pub fn undocumented(bin: &str, args: &[&str]) -> Vec<String> {
    let help = help(bin, args);
    let doc = configuration_doc();
    let named = settings(&help);
    assert!(
        named.iter().any(|n| n.starts_with("--")),
        "no flags found in:\n{help}"
    );
    named
        .into_iter()
        .filter(|name| !doc.contains(name.as_str()))
        .collect()
}
