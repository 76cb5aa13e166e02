//! Model-based replication test: seeded, generated histories of dataset versions per
//! identifier (new, changed and removed files, identical versions, metadata-only changes,
//! data / software / supp copies, identifiers interleaved; some identifiers also submit each
//! version to Merritt) run through the real server, worker and simulator while faults are
//! injected at random points (504 storms, 503s, dropped connections mid-upload, a publish, a
//! create or a new version whose answer is lost after Zenodo carried it out, checksum
//! corruption, 429 with Retry-After, a permanent 400, a drain and restart, a worker killed
//! mid-copy or mid-deposit, Merritt 5xx, a Merritt deposit whose answer is lost, slow
//! ingests). After each run the invariants below are checked against the model.
//!
//! The quick run (two seeds) is part of the suite. `LONGJOBS_MODEL_SEEDS=N` runs N seeds
//! from `LONGJOBS_MODEL_SEED` (default 1), `LONGJOBS_MODEL_PARALLEL` of them at once; a
//! failing seed prints its history, its faults, what broke, the smallest scenario that
//! still fails (faults and rounds dropped; `LONGJOBS_MODEL_SHRINK=0` skips that) and the
//! command that replays it. `scripts/faults --model N` is the long run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use longjobs_core::testing::TestDb;
use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::{Value, json};
use stack::Stack;

/// splitmix64: small, seeded, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, PartialEq)]
struct File {
    name: String,
    size: u64,
    seed: u64,
}

#[derive(Debug, Clone)]
struct Version {
    files: Vec<File>,
    title: String,
    /// What the generator did to make it from the previous version.
    change: &'static str,
}

#[derive(Debug, Clone)]
struct History {
    identifier: String,
    copy_type: &'static str,
    /// Each version is also submitted to Merritt.
    merritt: bool,
    versions: Vec<Version>,
}

/// A fault drawn before a round: its kind (the summary counts by it) and what it does.
#[derive(Debug, Clone)]
struct Fault {
    kind: &'static str,
    what: Action,
}

#[derive(Debug, Clone)]
enum Action {
    None,
    /// This plan is in force for the round.
    Plan(FaultPlan),
    /// Every create and update answers 400 for the round: copies fail for good.
    Refusal,
    DrainAndRestart,
    /// Uploads are slowed down (this plan), and the worker is killed while a copy uploads.
    KillMidCopy(FaultPlan),
    /// Merritt deposits are slowed down (this plan), and the worker is killed while one is
    /// being sent.
    KillMidDeposit(FaultPlan),
}

fn one(route: &str, f: RouteFaults) -> FaultPlan {
    let mut p = FaultPlan::default();
    p.routes.insert(route.to_string(), f);
    p
}

/// Every kind of fault, in the order the summary lists them.
const FAULT_KINDS: &[&str] = &[
    "none",
    "504 storm on uploads",
    "503 on creates and new versions",
    "connections dropped mid-upload",
    "publish answer lost (504 after it went through)",
    "checksum corruption",
    "429 with Retry-After",
    "permanent 400 on creates and new versions",
    "drain and restart",
    "worker killed mid-copy",
    "create answer lost (504 or dropped after Zenodo made it)",
    "new-version answer lost",
    "Merritt 5xx on deposit",
    "Merritt deposit answer lost",
    "Merritt slow ingest",
    "worker killed mid-deposit",
];

fn random_fault(rng: &mut Rng) -> Fault {
    let k = rng.below(FAULT_KINDS.len() as u64 + 1) as usize;
    let kind = FAULT_KINDS.get(k).copied().unwrap_or("none");
    let what = match k {
        1 => Action::Plan(one(
            "zenodo.upload",
            RouteFaults {
                storm_next: 2,
                ..Default::default()
            },
        )),
        2 => Action::Plan({
            let mut p = one(
                "zenodo.create",
                RouteFaults {
                    storm_next: 1,
                    ..Default::default()
                },
            );
            p.routes.insert(
                "zenodo.newversion".into(),
                RouteFaults {
                    error_rate: 0.5,
                    status: 503,
                    ..Default::default()
                },
            );
            p
        }),
        3 => Action::Plan(one(
            "zenodo.upload",
            RouteFaults {
                drop_next: 2,
                ..Default::default()
            },
        )),
        4 => Action::Plan(one(
            "zenodo.publish",
            RouteFaults {
                storm_next: 1,
                commit_then_fail: true,
                ..Default::default()
            },
        )),
        5 => Action::Plan(FaultPlan {
            corrupt_checksums: 2,
            ..Default::default()
        }),
        6 => Action::Plan(one(
            "zenodo.get",
            RouteFaults {
                rate_limit_next: 2,
                retry_after_s: 1,
                ..Default::default()
            },
        )),
        7 => Action::Refusal,
        8 => Action::DrainAndRestart,
        9 => Action::KillMidCopy(one(
            "zenodo.upload",
            RouteFaults {
                latency_ms: 150 + rng.below(300),
                ..Default::default()
            },
        )),
        10 => Action::Plan(one(
            "zenodo.create",
            if rng.below(2) == 0 {
                RouteFaults {
                    storm_next: 1 + rng.below(2) as u32,
                    commit_then_fail: true,
                    ..Default::default()
                }
            } else {
                RouteFaults {
                    drop_next: 1 + rng.below(2) as u32,
                    commit_then_fail: true,
                    ..Default::default()
                }
            },
        )),
        11 => Action::Plan(one(
            "zenodo.newversion",
            RouteFaults {
                storm_next: 1 + rng.below(2) as u32,
                commit_then_fail: true,
                ..Default::default()
            },
        )),
        12 => Action::Plan(one(
            "merritt.update",
            RouteFaults {
                error_rate: 1.0,
                status: [500, 502, 503][rng.below(3) as usize],
                ..Default::default()
            },
        )),
        13 => Action::Plan(one(
            "merritt.update",
            if rng.below(2) == 0 {
                RouteFaults {
                    storm_next: 1,
                    commit_then_fail: true,
                    ..Default::default()
                }
            } else {
                RouteFaults {
                    drop_next: 1,
                    commit_then_fail: true,
                    ..Default::default()
                }
            },
        )),
        14 => Action::Plan(FaultPlan {
            merritt_ingest_ms: 1_000 + rng.below(2_000),
            ..Default::default()
        }),
        15 => Action::KillMidDeposit(one(
            "merritt.update",
            RouteFaults {
                latency_ms: 300 + rng.below(400),
                ..Default::default()
            },
        )),
        _ => Action::None,
    };
    Fault { kind, what }
}

impl Fault {
    fn describe(&self) -> String {
        match &self.what {
            Action::Plan(p) | Action::KillMidCopy(p) | Action::KillMidDeposit(p) => {
                format!("{} {}", self.kind, serde_json::to_string(p).unwrap())
            }
            _ => self.kind.to_string(),
        }
    }
}

fn generate(rng: &mut Rng, identifiers: usize, versions: usize) -> Vec<History> {
    let mut fresh = 0u64;
    let mut next_seed = || {
        fresh += 1;
        fresh
    };
    (0..identifiers)
        .map(|i| {
            let copy_type = ["data", "software_publish", "supp_publish"][rng.below(3) as usize];
            let merritt = rng.below(2) == 0;
            let mut files = vec![File {
                name: "f0.csv".into(),
                size: 200 + rng.below(2_000),
                seed: next_seed(),
            }];
            let mut title = format!("Dataset {i}, title 0");
            let mut out = vec![Version {
                files: files.clone(),
                title: title.clone(),
                change: "first",
            }];
            for v in 1..versions {
                let change = match rng.below(6) {
                    0 => {
                        files.push(File {
                            name: format!("f{v}.csv"),
                            size: 200 + rng.below(2_000),
                            seed: next_seed(),
                        });
                        "new file"
                    }
                    1 => {
                        let k = rng.below(files.len() as u64) as usize;
                        files[k].seed = next_seed();
                        files[k].size = 200 + rng.below(2_000);
                        "changed file"
                    }
                    2 if files.len() > 1 => {
                        let k = rng.below(files.len() as u64) as usize;
                        files.remove(k);
                        "removed file"
                    }
                    3 => {
                        title = format!("Dataset {i}, title {v}");
                        "metadata only"
                    }
                    _ => "identical",
                };
                out.push(Version {
                    files: files.clone(),
                    title: title.clone(),
                    change,
                });
            }
            History {
                identifier: format!("doi:10.5061/dryad.gen{i}"),
                copy_type,
                merritt,
                versions: out,
            }
        })
        .collect()
}

/// What one seed runs: the histories, the fault before each round, and the pauses.
#[derive(Debug, Clone)]
struct Scenario {
    seed: u64,
    histories: Vec<History>,
    /// One per round (version index).
    faults: Vec<Fault>,
    /// Milliseconds after each round's requests, and before the restart of a drain.
    pauses: Vec<(u64, u64)>,
}

impl Scenario {
    fn generate(seed: u64) -> Scenario {
        let mut rng = Rng(seed);
        let histories = generate(&mut rng, 3, 4);
        let mut faults = Vec::new();
        let mut pauses = Vec::new();
        for _ in 0..4 {
            faults.push(random_fault(&mut rng));
            pauses.push((150 + rng.below(450), rng.below(600)));
        }
        Scenario {
            seed,
            histories,
            faults,
            pauses,
        }
    }

    fn rounds(&self) -> usize {
        self.faults.len()
    }

    fn story(&self) -> String {
        let mut story = format!("seed {}\n", self.seed);
        for h in &self.histories {
            let _ = writeln!(
                story,
                "  {} ({}{}):",
                h.identifier,
                h.copy_type,
                if h.merritt { ", and to Merritt" } else { "" }
            );
            for (i, v) in h.versions.iter().take(self.rounds()).enumerate() {
                let names: Vec<String> = v
                    .files
                    .iter()
                    .map(|f| format!("{}#{}", f.name, f.seed))
                    .collect();
                let _ = writeln!(
                    story,
                    "    v{} {}: {:?} {:?}",
                    i + 1,
                    v.change,
                    names,
                    v.title
                );
            }
        }
        for (round, f) in self.faults.iter().enumerate() {
            let _ = writeln!(story, "  before round {}: {}", round + 1, f.describe());
        }
        story
    }

    /// The smaller scenarios to try when this one fails: without one fault, then with one
    /// round (version) fewer.
    fn smaller(&self) -> Vec<Scenario> {
        let mut out = Vec::new();
        for (i, f) in self.faults.iter().enumerate() {
            if f.kind != "none" {
                let mut s = self.clone();
                s.faults[i] = Fault {
                    kind: "none",
                    what: Action::None,
                };
                out.push(s);
            }
        }
        if self.rounds() > 1 {
            let mut s = self.clone();
            s.faults.pop();
            s.pauses.pop();
            out.push(s);
        }
        out
    }
}

/// The Merritt submission of version `index` of `h`: its files plus the version's own
/// `stash-wrapper.xml` (as the repository sends one per version, so that no two versions
/// of an identifier are the same files).
fn submission_files(h: &History, which: usize, index: usize) -> Vec<File> {
    let mut files = h.versions[index].files.clone();
    files.push(File {
        name: "stash-wrapper.xml".into(),
        size: 300 + (which as u64) * 10 + index as u64,
        seed: 10_000 + (which as u64) * 100 + index as u64,
    });
    files
}

fn file_set(files: &[File]) -> BTreeSet<(String, String)> {
    files
        .iter()
        .map(|f| (f.name.clone(), longjobs_sim::expected_md5(f.size, f.seed)))
        .collect()
}

fn resource_id(which: usize, index: usize) -> i64 {
    (which as i64) * 100 + (index as i64) + 1
}

async fn request(s: &Stack, which: usize, h: &History, index: usize) -> i64 {
    let v = &h.versions[index];
    let files: Vec<Value> = v
        .files
        .iter()
        .map(|f| s.file(&f.name, f.size, f.seed))
        .collect();
    let mut metadata = stack::metadata();
    metadata["title"] = json!(v.title);
    if h.copy_type != "data" {
        metadata["upload_type"] = json!("software");
    }
    let (st, body) = s
        .post(
            "/api/zenodo/copies",
            json!({ "identifier": h.identifier, "resource_id": resource_id(which, index), "copy_type": h.copy_type, "metadata": metadata, "files": files }),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn request_submission(s: &Stack, which: usize, h: &History, index: usize) -> i64 {
    let files: Vec<Value> = submission_files(h, which, index)
        .iter()
        .map(|f| s.file(&f.name, f.size, f.seed))
        .collect();
    let (st, sub) = s
        .post(
            "/api/merritt/submissions",
            json!({ "resource_id": resource_id(which, index), "identifier": h.identifier, "profile": "dryad_ingest", "submitter": "ops", "files": files }),
        )
        .await;
    assert_eq!(st, 201, "{sub}");
    sub["id"].as_i64().unwrap()
}

async fn all_copies(s: &Stack) -> Vec<Value> {
    s.get("/api/zenodo/copies?limit=500").await["copies"]
        .as_array()
        .unwrap()
        .clone()
}

async fn all_submissions(s: &Stack) -> Vec<Value> {
    s.get("/api/merritt/submissions?limit=500").await["submissions"]
        .as_array()
        .unwrap()
        .clone()
}

/// What a run counted, for the summary.
#[derive(Debug, Default, Clone)]
struct Tally {
    copies: usize,
    submissions: usize,
    resends: usize,
}

/// The replication settings of the generated runs: the simulator's, with a Merritt check
/// that gives up sooner than in production (a slow ingest stays below it).
fn replication(s: &Stack) -> longjobs_worker::setup::ReplicationSettings {
    let mut r = stack::settings(&s.sim);
    r.merritt_check_timeout = Duration::from_secs(6);
    r
}

/// Runs one scenario on a fresh stack (SQLite); returns what broke (empty when nothing).
async fn run_scenario(sc: Scenario) -> (Tally, Vec<String>) {
    let mut s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    s.stop_worker().await;
    // Killed workers' jobs come back once their leases expire: short leases keep runs short.
    s.lease = Duration::from_secs(2);
    let settings = replication(&s);
    s.start_worker_with(&settings);
    let out = run_on(&mut s, &sc, &settings).await;
    if s.has_worker() {
        s.stop_worker().await;
    }
    out
}

/// Waits (up to `within`) until `pred` holds for something `list` lists.
async fn wait_for_any(
    s: &Stack,
    submissions: bool,
    within: Duration,
    pred: impl Fn(&Value) -> bool,
) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let items = if submissions {
            all_submissions(s).await
        } else {
            all_copies(s).await
        };
        if items.iter().any(&pred) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn run_on(
    s: &mut Stack,
    sc: &Scenario,
    settings: &longjobs_worker::setup::ReplicationSettings,
) -> (Tally, Vec<String>) {
    let histories = &sc.histories;
    let any_merritt = histories.iter().any(|h| h.merritt);
    let mut tally = Tally::default();
    let mut ids: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    let mut subs: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for (round, fault) in sc.faults.iter().enumerate() {
        match &fault.what {
            Action::None | Action::DrainAndRestart => {
                s.sim.set_faults(FaultPlan::default()).unwrap();
            }
            Action::Plan(p) | Action::KillMidCopy(p) | Action::KillMidDeposit(p) => {
                s.sim.set_faults(p.clone()).unwrap();
            }
            Action::Refusal => {
                let mut p = one(
                    "zenodo.create",
                    RouteFaults {
                        error_rate: 1.0,
                        status: 400,
                        ..Default::default()
                    },
                );
                p.routes.insert(
                    "zenodo.newversion".into(),
                    RouteFaults {
                        error_rate: 1.0,
                        status: 400,
                        ..Default::default()
                    },
                );
                s.sim.set_faults(p).unwrap();
            }
        }
        for (i, h) in histories.iter().enumerate() {
            ids.insert((i, round), request(s, i, h, round).await);
            tally.copies += 1;
            if h.merritt {
                subs.insert((i, round), request_submission(s, i, h, round).await);
                tally.submissions += 1;
            }
        }
        let (pause, restart_after) = sc.pauses[round];
        match &fault.what {
            Action::KillMidCopy(_) | Action::KillMidDeposit(_) => {
                let deposit = matches!(fault.what, Action::KillMidDeposit(_));
                let watched = if deposit { "processing" } else { "replicating" };
                wait_for_any(s, deposit, Duration::from_secs(3), |c| {
                    c["state"] == watched
                })
                .await;
                tokio::time::sleep(Duration::from_millis(pause % 200)).await;
                s.kill_worker().await;
                s.start_worker_with(settings);
            }
            _ => tokio::time::sleep(Duration::from_millis(pause)).await,
        }
        if let Action::DrainAndRestart = fault.what {
            let (st, v) = s
                .post(
                    "/api/maintenance/drain",
                    json!({ "zenodo": true, "merritt": any_merritt }),
                )
                .await;
            assert_eq!(st, 200, "{v}");
            tokio::time::sleep(Duration::from_millis(restart_after)).await;
            let (st, v) = s.post("/api/maintenance/restart", json!({})).await;
            assert_eq!(st, 200, "{v}");
        }
        // Refusals and Merritt outages last one round; other plans until the next round's.
        if matches!(fault.what, Action::Refusal) || fault.kind == "Merritt 5xx on deposit" {
            s.sim.set_faults(FaultPlan::default()).unwrap();
        }
    }
    s.sim.set_faults(FaultPlan::default()).unwrap();

    // Settle; then one operator resend per copy or submission stopped by a permanent fault.
    let mut problems = Vec::new();
    let mut resent: BTreeSet<String> = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let copies = all_copies(s).await;
        let submissions = all_submissions(s).await;
        if copies.iter().all(|c| c["state"] == "finished")
            && submissions.iter().all(|m| m["state"] == "completed")
        {
            break;
        }
        for c in copies
            .iter()
            .filter(|c| c["state"] == "error" && c["note"] == "final failure")
        {
            let ident = c["identifier"].as_str().unwrap().to_string();
            if !resent.contains(&format!("copy {}", c["id"])) {
                let (st, v) = s
                    .post("/api/zenodo/chains/resend", json!({ "identifier": ident }))
                    .await;
                assert_eq!(st, 200, "resend chain {ident}: {v}");
                // Nothing requeued while the failed attempt's job is still being recorded:
                // the operator tries again a moment later.
                if v["requeued"].as_array().is_some_and(|r| !r.is_empty()) {
                    resent.insert(format!("copy {}", c["id"]));
                    tally.resends += 1;
                }
            }
        }
        for m in submissions.iter().filter(|m| m["state"] == "errored") {
            if !resent.contains(&format!("submission {}", m["id"])) {
                let (st, v) = s
                    .post(
                        "/api/merritt/submissions/resend",
                        json!({ "ids": [m["id"]] }),
                    )
                    .await;
                assert_eq!(st, 200, "resend submission {}: {v}", m["id"]);
                // A submission whose job still runs is not requeued: try again later.
                if v["requeued"].as_array().is_some_and(|r| !r.is_empty()) {
                    resent.insert(format!("submission {}", m["id"]));
                    tally.resends += 1;
                }
            }
        }
        if Instant::now() > deadline {
            problems.push(format!(
                "not every copy finished: {:?}",
                copies
                    .iter()
                    .filter(|c| c["state"] != "finished")
                    .map(|c| (
                        c["id"].clone(),
                        c["state"].clone(),
                        c["note"].clone(),
                        c["last_error"].clone()
                    ))
                    .collect::<Vec<_>>()
            ));
            let stuck: Vec<String> = submissions
                .iter()
                .filter(|m| m["state"] != "completed")
                .map(|m| {
                    format!(
                        "submission {} ({}) {}: {} / history {}",
                        m["id"], m["identifier"], m["state"], m["last_error"], m["history"]
                    )
                })
                .collect();
            if !stuck.is_empty() {
                problems.push(format!("not every submission completed: {stuck:?}"));
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !problems.is_empty() {
        return (tally, problems);
    }
    // Invariants against the model.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let snap = s.sim.snapshot();
    let copies = all_copies(s).await;
    let submissions = all_submissions(s).await;
    for c in &copies {
        if c["state"] != "finished" {
            problems.push(format!("copy {} is {} at the end", c["id"], c["state"]));
        }
    }
    for dep in snap
        .depositions
        .iter()
        .filter(|d| !d.submitted || d.state != longjobs_sim::zenodo::store::DepositionState::Done)
    {
        problems.push(format!(
            "orphan draft or open edit on Zenodo: deposition {} ({:?}, notes {:?})",
            dep.id,
            dep.state,
            dep.metadata.get("notes")
        ));
    }
    let rounds = sc.rounds();
    for (i, h) in histories.iter().enumerate() {
        let versions = &h.versions[..rounds];
        let mut concepts = BTreeSet::new();
        for (v, version) in versions.iter().enumerate() {
            let id = ids[&(i, v)];
            let c = copies.iter().find(|c| c["id"] == id).unwrap();
            let Some(dep_id) = c["deposition_id"].as_i64() else {
                problems.push(format!(
                    "copy {id} ({} v{}) names no deposition",
                    h.identifier,
                    v + 1
                ));
                continue;
            };
            let Some(dep) = snap.depositions.iter().find(|d| d.id as i64 == dep_id) else {
                problems.push(format!(
                    "copy {id} ({} v{}) names deposition {dep_id}, which does not exist",
                    h.identifier,
                    v + 1
                ));
                continue;
            };
            concepts.insert(dep.conceptrecid);
            let Some(published) = &dep.published else {
                problems.push(format!("copy {id}: deposition {dep_id} is not published"));
                continue;
            };
            let have: BTreeSet<(String, String)> = published
                .files
                .iter()
                .map(|f| (f.key.clone(), f.md5.clone()))
                .collect();
            if have != file_set(&version.files) {
                problems.push(format!(
                    "copy {id} ({} v{}): deposition {dep_id} holds {have:?}, the version has {:?}",
                    h.identifier,
                    v + 1,
                    file_set(&version.files)
                ));
            }
            if published.files.iter().any(|f| f.corrupted) {
                problems.push(format!(
                    "deposition {dep_id} was published with a corrupted file"
                ));
            }
        }
        if concepts.len() != 1 {
            problems.push(format!(
                "{}: its copies span concepts {concepts:?}",
                h.identifier
            ));
        }
        // One published version per file set never seen before (Zenodo refuses a version
        // whose files equal any earlier version's: "New version's files must differ from
        // all previous versions"), no duplicate version.
        let sets: Vec<BTreeSet<(String, String)>> =
            versions.iter().map(|v| file_set(&v.files)).collect();
        let expected = (0..sets.len())
            .filter(|&k| !sets[..k].contains(&sets[k]))
            .count();
        let published = snap
            .depositions
            .iter()
            .filter(|d| concepts.contains(&d.conceptrecid) && d.submitted)
            .count();
        if published != expected {
            problems.push(format!(
                "{}: {published} published versions on Zenodo, the model has {expected}",
                h.identifier
            ));
        }
        // Merritt holds each version exactly once: one ingest per submission, each with
        // that version's files, all completed, under one ARK that every submission names.
        if h.merritt {
            let mut want: Vec<BTreeSet<(String, String)>> = (0..rounds)
                .map(|v| file_set(&submission_files(h, i, v)))
                .collect();
            want.sort();
            let ingests: Vec<&longjobs_sim::merritt::store::Submission> = snap
                .merritt_submissions
                .iter()
                .filter(|m| m.local_id == h.identifier)
                .collect();
            let mut held: Vec<BTreeSet<(String, String)>> = ingests
                .iter()
                .map(|m| {
                    m.files
                        .iter()
                        .map(|f| {
                            (
                                f.file_name.clone(),
                                f.hash_value.clone().unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .collect();
            held.sort();
            if held != want {
                problems.push(format!(
                    "{}: Merritt ingested {} versions, the model has {} (each once): {held:?}",
                    h.identifier,
                    held.len(),
                    want.len()
                ));
            }
            for m in ingests.iter().filter(|m| m.failure.is_some()) {
                problems.push(format!(
                    "{}: Merritt ingest {} failed: {:?}",
                    h.identifier, m.batch_id, m.failure
                ));
            }
            let arks: BTreeSet<String> = ingests.iter().map(|m| m.ark.clone()).collect();
            for v in 0..rounds {
                let id = subs[&(i, v)];
                let m = submissions.iter().find(|m| m["id"] == id).unwrap();
                let ark = m["ark"].as_str().unwrap_or_default().to_string();
                if m["state"] != "completed" || !arks.contains(&ark) || arks.len() != 1 {
                    problems.push(format!(
                        "submission {id} ({} v{}) is {} with ARK {ark:?}; Merritt has {arks:?}",
                        h.identifier,
                        v + 1,
                        m["state"]
                    ));
                }
            }
        }
        // The last version's metadata is what its deposition shows — unless its files went
        // back to an older version's (that version is not edited: its record stays as it
        // was published).
        let n = sets.len() - 1;
        let first_seen = sets.iter().position(|x| *x == sets[n]).unwrap_or(n);
        if sets[first_seen..].iter().any(|x| *x != sets[n]) {
            continue;
        }
        let last = ids[&(i, n)];
        let c = copies.iter().find(|c| c["id"] == last).unwrap();
        if let Some(dep) = snap
            .depositions
            .iter()
            .find(|d| Some(d.id as i64) == c["deposition_id"].as_i64())
        {
            let title = dep
                .published
                .as_ref()
                .and_then(|p| p.metadata.get("title").cloned())
                .unwrap_or_default();
            if title != json!(versions[n].title) {
                problems.push(format!(
                    "{}: the last version's deposition shows title {title}, the model {:?}",
                    h.identifier, versions[n].title
                ));
            }
        }
    }
    (tally, problems)
}

/// Runs a scenario in its own task, so that a panic in it is a failure of that seed only.
async fn run_caught(sc: Scenario) -> (Tally, Vec<String>) {
    match tokio::spawn(run_scenario(sc)).await {
        Ok(out) => out,
        Err(e) => (Tally::default(), vec![format!("the run panicked: {e}")]),
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The test the replay command runs.
const REPLAY: &str = "cargo nextest run -p longjobs-worker --test generated generated_histories_with_faults_end_as_the_model_says";

/// Runs one seed; on a failure, tries smaller scenarios that still fail (dropping faults,
/// then rounds), when `shrink` allows, and returns the report.
async fn one_seed(seed: u64, shrink: bool) -> Option<String> {
    let sc = Scenario::generate(seed);
    let started = Instant::now();
    let (tally, problems) = run_caught(sc.clone()).await;
    let kinds: Vec<&str> = sc.faults.iter().map(|f| f.kind).collect();
    // One line per seed, read by scripts/model-run for its summary.
    eprintln!(
        "MODEL seed={seed} result={} secs={:.1} copies={} submissions={} resends={} faults={}",
        if problems.is_empty() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64(),
        tally.copies,
        tally.submissions,
        tally.resends,
        kinds.join("|")
    );
    if problems.is_empty() {
        return None;
    }
    let mut report = format!(
        "{}  broken:\n    {}\n  replay: LONGJOBS_MODEL_SEED={seed} LONGJOBS_MODEL_SEEDS=1 {REPLAY}",
        sc.story(),
        problems.join("\n    ")
    );
    if shrink {
        let mut smallest = sc;
        let mut tries = 0;
        'outer: while tries < 8 {
            for smaller in smallest.smaller() {
                tries += 1;
                let (_, p) = run_caught(smaller.clone()).await;
                if !p.is_empty() {
                    smallest = smaller;
                    continue 'outer;
                }
                if tries >= 8 {
                    break 'outer;
                }
            }
            break;
        }
        let _ = write!(
            report,
            "\n  smallest scenario that still failed (after {tries} tries):\n{}",
            smallest.story()
        );
    }
    Some(report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn generated_histories_with_faults_end_as_the_model_says() {
    let first = env_u64("LONGJOBS_MODEL_SEED", 1);
    let count = env_u64("LONGJOBS_MODEL_SEEDS", 2);
    // Seeds in flight at once in this process (each on its own stack).
    let parallel = env_u64("LONGJOBS_MODEL_PARALLEL", 1).max(1) as usize;
    let shrink = env_u64("LONGJOBS_MODEL_SHRINK", 1) == 1;
    let seeds: Vec<u64> = (first..first + count).collect();
    let mut failed = Vec::new();
    for chunk in seeds.chunks(parallel) {
        let runs: Vec<_> = chunk
            .iter()
            .map(|&seed| tokio::spawn(one_seed(seed, shrink)))
            .collect();
        for run in runs {
            if let Some(report) = run.await.unwrap() {
                eprintln!("{report}\n");
                failed.push(report.lines().next().unwrap_or_default().to_string());
            }
        }
    }
    assert!(
        failed.is_empty(),
        "failed (reports above): {}",
        failed.join(", ")
    );
}

/// The copy's one published deposition, failing when Zenodo holds any other.
fn only_deposition(s: &Stack) -> longjobs_sim::zenodo::store::Deposition {
    let snap = s.sim.snapshot();
    assert_eq!(
        snap.depositions.len(),
        1,
        "one deposition, no orphan draft: {:?}",
        snap.depositions
            .iter()
            .map(|d| (d.id, d.state, d.metadata.get("notes").cloned()))
            .collect::<Vec<_>>()
    );
    let dep = snap.depositions[0].clone();
    assert!(dep.submitted, "published: {dep:?}");
    dep
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_create_whose_answer_is_lost_is_found_again_not_left_as_an_orphan_draft() {
    for (how, fault) in [
        (
            "504 after the create",
            RouteFaults {
                storm_next: 1,
                commit_then_fail: true,
                ..Default::default()
            },
        ),
        (
            "connection dropped after the create",
            RouteFaults {
                drop_next: 1,
                commit_then_fail: true,
                ..Default::default()
            },
        ),
    ] {
        let s = Stack::start(TestDb::sqlite().await.unwrap()).await;
        s.sim.set_faults(one("zenodo.create", fault)).unwrap();
        let id = s
            .request_copy(
                "doi:10.5061/dryad.lost",
                1,
                "software_publish",
                vec![s.file("a.csv", 500, 1)],
            )
            .await;
        let done = s
            .wait_view(id, Duration::from_secs(30), "finished", |v| {
                v["copy"]["state"] == "finished"
            })
            .await;
        // The create went through unanswered; the retry finds its draft instead of creating
        // another.
        assert_eq!(s.sim.snapshot().requests["zenodo.create"], 1, "{how}");
        let dep = only_deposition(&s);
        assert_eq!(done["copy"]["deposition_id"], json!(dep.id), "{how}");
        let log = done["log"].to_string();
        assert!(log.contains("answer was lost: reused"), "{how}: {log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_copy_stops_its_upload_and_the_next_worker_finishes_the_copy() {
    let mut s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    s.stop_worker().await;
    s.lease = Duration::from_secs(1);
    s.start_worker();
    s.sim
        .set_faults(one(
            "zenodo.upload",
            RouteFaults {
                latency_ms: 400,
                ..Default::default()
            },
        ))
        .unwrap();
    let files = (0..6)
        .map(|k| s.file(&format!("f{k}.csv"), 300, k))
        .collect();
    let id = s
        .request_copy("doi:10.5061/dryad.killed", 1, "data", files)
        .await;
    s.wait_copy(id, Duration::from_secs(10), "uploading", |_| {
        s.sim
            .snapshot()
            .requests
            .get("zenodo.upload")
            .copied()
            .unwrap_or(0)
            >= 1
    })
    .await;
    s.kill_worker().await;
    let at_kill = s.sim.snapshot().requests["zenodo.upload"];
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // Killed means stopped: no job of the dead worker goes on uploading.
    assert_eq!(s.sim.snapshot().requests["zenodo.upload"], at_kill);
    assert_eq!(s.copy(id).await["copy"]["state"], "replicating");
    s.start_worker();
    let done = s.wait_state(id, "finished").await;
    let dep = only_deposition(&s);
    assert_eq!(done["copy"]["deposition_id"], json!(dep.id));
    assert_eq!(dep.published.unwrap().files.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chain_resent_while_its_failed_attempt_is_being_recorded_is_not_left_waiting_for_ever() {
    use longjobs_core::{clock, queue};
    use longjobs_replication::zenodo::{CopyState, store};

    const IDENT: &str = "doi:10.5061/dryad.race";
    const OWNER: &str = "a worker recording a failure";
    let mut s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    s.stop_worker().await;
    let id = s
        .request_copy(IDENT, 1, "data", vec![s.file("a.csv", 300, 1)])
        .await;
    // The moment of the race: the copy already reads `error` (final failure) while its
    // job is still running, its outcome not yet written.
    let jobs = s
        .t
        .db
        .run(move |c| {
            let now = clock::now();
            let until = queue::lease_until(Duration::from_secs(60));
            let jobs = queue::claim(c, longjobs_replication::QUEUE_ZENODO, 1, OWNER, now, until)?;
            store::set_state(c, id, CopyState::Error, Some("final failure"), Some("400"))?;
            Ok(jobs)
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let resend = || s.post("/api/zenodo/chains/resend", json!({ "identifier": IDENT }));
    let (st, v) = resend().await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["requeued"], json!([]), "nothing while its job runs: {v}");
    // The failure is written (the job ends discarded); a resend now goes through, and the
    // copy finishes instead of waiting behind the discarded job.
    s.t.db
        .run(move |c| {
            let failure = queue::Failure::Discard {
                error: "400".into(),
            };
            queue::record_failures(c, OWNER, &[(jobs[0].clone(), failure)], clock::now())
        })
        .await
        .unwrap();
    let (st, v) = resend().await;
    assert_eq!((st, v["requeued"].clone()), (200, json!([id])), "{v}");
    s.start_worker();
    s.wait_state(id, "finished").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_metadata_only_change_whose_attempt_stopped_before_edit_is_finished_by_the_retry() {
    const IDENT: &str = "doi:10.5061/dryad.meta";
    let s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    let request = |resource: i64, title: &str| {
        let mut metadata = stack::metadata();
        metadata["title"] = json!(title);
        s.post(
            "/api/zenodo/copies",
            json!({ "identifier": IDENT, "resource_id": resource, "copy_type": "data",
                    "metadata": metadata, "files": [s.file("a.csv", 400, 1)] }),
        )
    };
    let (st, v1) = request(1, "First title").await;
    assert_eq!(st, 201, "{v1}");
    s.wait_state(v1["id"].as_i64().unwrap(), "finished").await;
    // The metadata-only change's first attempt records the published deposition, then its
    // edit fails (as when its worker stops there); the retry must still change the record.
    s.sim
        .set_faults(one(
            "zenodo.edit",
            RouteFaults {
                storm_next: 1,
                ..Default::default()
            },
        ))
        .unwrap();
    let (st, v2) = request(2, "Second title").await;
    assert_eq!(st, 201, "{v2}");
    let done = s.wait_state(v2["id"].as_i64().unwrap(), "finished").await;
    let dep = only_deposition(&s);
    assert_eq!(done["copy"]["deposition_id"], json!(dep.id));
    assert_eq!(
        dep.published.unwrap().metadata["title"],
        json!("Second title"),
        "{}",
        done["log"]
    );
}
