//! The deployment files agree with the worker: docs/configuration.md documents every flag
//! and variable, `.env.sample` names only documented variables, and the systemd unit waits
//! longer than the grace period before killing.

use std::time::Duration;

use longjobs_core::clock::parse_duration;
use longjobs_core::settings_doc::undocumented;

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_worker_setting_is_in_the_configuration_doc() {
    let bin = env!("CARGO_BIN_EXE_longjobs-worker");
    for args in [&[][..], &["run"], &["migrate"]] {
        let missing = undocumented(bin, args);
        assert!(
            missing.is_empty(),
            "longjobs-worker {args:?}: not in docs/configuration.md: {missing:?}"
        );
    }
}

#[test]
fn the_env_sample_names_only_documented_variables() {
    let doc = repo_file("docs/configuration.md");
    let sample = repo_file(".env.sample");
    let mut names = Vec::new();
    for line in sample.lines() {
        let line = line.trim_start_matches(['#', ' ']);
        if let Some((name, _)) = line.split_once('=')
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        {
            names.push(name.to_string());
        }
    }
    assert!(names.len() > 40, "too few variables found: {names:?}");
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !doc.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "in .env.sample, not documented: {missing:?}"
    );
}

#[test]
fn the_systemd_unit_waits_longer_than_the_workers_grace_period() {
    let unit = repo_file("docs/systemd/longjobs-worker.service");
    let value = |key: &str| -> String {
        unit.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in the unit"))
            .trim()
            .to_string()
    };
    let stop = parse_duration(&value("TimeoutStopSec=")).unwrap();
    let exec = value("ExecStart=");
    let grace = exec
        .split_once("--grace ")
        .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_string())
        .map(|g| parse_duration(&g).unwrap())
        .unwrap_or(longjobs_worker::config::DEFAULT_GRACE);
    assert!(
        stop >= grace + Duration::from_secs(10),
        "TimeoutStopSec {stop:?} leaves no time after the grace period {grace:?} to hand jobs back"
    );
    assert!(
        !unit.contains("LONGJOBS_GRACE="),
        "set the grace period with --grace in ExecStart"
    );
}
