//! Model-based replication test: seeded, generated histories of dataset versions per
//! identifier (new, changed and removed files, identical versions, metadata-only changes,
//! data / software / supp copies, identifiers interleaved) run through the real server,
//! worker and simulator while faults are injected at random points (504 storms, 503s,
//! dropped connections mid-upload, a publish whose answer is lost, checksum corruption, 429
//! with Retry-After, a permanent 400, a drain and restart in the middle). After each run the
//! invariants below are checked against the model.
//!
//! The quick run (two seeds) is part of the suite. `LONGJOBS_MODEL_SEEDS=N` runs N seeds
//! from `LONGJOBS_MODEL_SEED` (default 1); a failing seed prints its history, its faults and
//! the command that replays it.
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
    versions: Vec<Version>,
}

#[derive(Debug, Clone)]
enum Fault {
    None,
    Plan(&'static str, FaultPlan),
    /// Every create and update answers 400 for a moment: copies fail for good.
    Refusal,
    DrainAndRestart,
}

fn one(route: &str, f: RouteFaults) -> FaultPlan {
    let mut p = FaultPlan::default();
    p.routes.insert(route.to_string(), f);
    p
}

fn random_fault(rng: &mut Rng) -> Fault {
    match rng.below(10) {
        0 => Fault::Plan(
            "504 storm on uploads",
            one(
                "zenodo.upload",
                RouteFaults {
                    storm_next: 2,
                    ..Default::default()
                },
            ),
        ),
        1 => Fault::Plan("503 on creates and new versions", {
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
        2 => Fault::Plan(
            "dropped connections mid-upload",
            one(
                "zenodo.upload",
                RouteFaults {
                    drop_next: 2,
                    ..Default::default()
                },
            ),
        ),
        3 => Fault::Plan(
            "a publish that went through answers 504",
            one(
                "zenodo.publish",
                RouteFaults {
                    storm_next: 1,
                    commit_then_fail: true,
                    ..Default::default()
                },
            ),
        ),
        4 => Fault::Plan(
            "checksum corruption",
            FaultPlan {
                corrupt_checksums: 2,
                ..Default::default()
            },
        ),
        5 => Fault::Plan(
            "429 with Retry-After on reads",
            one(
                "zenodo.get",
                RouteFaults {
                    rate_limit_next: 2,
                    retry_after_s: 1,
                    ..Default::default()
                },
            ),
        ),
        6 => Fault::Refusal,
        7 => Fault::DrainAndRestart,
        _ => Fault::None,
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
                versions: out,
            }
        })
        .collect()
}

fn file_set(files: &[File]) -> BTreeSet<(String, String)> {
    files
        .iter()
        .map(|f| (f.name.clone(), longjobs_sim::expected_md5(f.size, f.seed)))
        .collect()
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
    let resource = (which as i64) * 100 + (index as i64) + 1;
    let (st, body) = s
        .post(
            "/api/zenodo/copies",
            json!({ "identifier": h.identifier, "resource_id": resource, "copy_type": h.copy_type, "metadata": metadata, "files": files }),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn all_copies(s: &Stack) -> Vec<Value> {
    s.get("/api/zenodo/copies?limit=500").await["copies"]
        .as_array()
        .unwrap()
        .clone()
}

/// Runs one seed; returns the description of the run (for a failure report) and any
/// broken invariant.
async fn run_seed(seed: u64) -> (String, Vec<String>) {
    let mut s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    let out = run_on(&s, seed).await;
    s.stop_worker().await;
    out
}

async fn run_on(s: &Stack, seed: u64) -> (String, Vec<String>) {
    let mut rng = Rng(seed);
    let histories = generate(&mut rng, 3, 4);
    let mut story = format!("seed {seed}\n");
    for h in &histories {
        let _ = writeln!(story, "  {} ({}):", h.identifier, h.copy_type);
        for (i, v) in h.versions.iter().enumerate() {
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
    let mut ids: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for round in 0..4 {
        let fault = random_fault(&mut rng);
        let what = match &fault {
            Fault::None => "no fault".to_string(),
            Fault::Plan(label, p) => format!("{label} {}", serde_json::to_string(p).unwrap()),
            Fault::Refusal => "400 on creates and new versions (permanent)".to_string(),
            Fault::DrainAndRestart => "drain and restart after the requests".to_string(),
        };
        let _ = writeln!(story, "  before round {}: {what}", round + 1);
        match &fault {
            Fault::None => s.sim.set_faults(FaultPlan::default()).unwrap(),
            Fault::Plan(_, p) => s.sim.set_faults(p.clone()).unwrap(),
            Fault::Refusal => {
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
            Fault::DrainAndRestart => {}
        }
        for (i, h) in histories.iter().enumerate() {
            ids.insert((i, round), request(s, i, h, round).await);
        }
        tokio::time::sleep(Duration::from_millis(300 + rng.below(500))).await;
        if let Fault::DrainAndRestart = fault {
            let (st, v) = s
                .post("/api/maintenance/drain", json!({ "merritt": false }))
                .await;
            assert_eq!(st, 200, "{v}");
            tokio::time::sleep(Duration::from_millis(rng.below(800))).await;
            let (st, v) = s.post("/api/maintenance/restart", json!({})).await;
            assert_eq!(st, 200, "{v}");
        }
        if let Fault::Refusal = fault {
            s.sim.set_faults(FaultPlan::default()).unwrap();
        }
    }
    s.sim.set_faults(FaultPlan::default()).unwrap();

    // Settle; then one operator resend per chain stopped by a permanent fault.
    let mut problems = Vec::new();
    let mut resent: BTreeSet<String> = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let copies = all_copies(s).await;
        if copies.iter().all(|c| c["state"] == "finished") {
            break;
        }
        let stuck: Vec<&Value> = copies
            .iter()
            .filter(|c| c["state"] == "error" && c["note"] == "final failure")
            .collect();
        for c in stuck {
            let ident = c["identifier"].as_str().unwrap().to_string();
            let key = format!("{ident}:{}", c["id"]);
            if resent.insert(key) {
                let (st, v) = s
                    .post("/api/zenodo/chains/resend", json!({ "identifier": ident }))
                    .await;
                let _ = writeln!(story, "  resend chain {ident}: {st} {v}");
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
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !problems.is_empty() {
        return (story, problems);
    }
    // Invariants against the model.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let snap = s.sim.snapshot();
    let copies = all_copies(s).await;
    for dep in snap
        .depositions
        .iter()
        .filter(|d| !d.submitted || d.state != longjobs_sim::zenodo::store::DepositionState::Done)
    {
        problems.push(format!(
            "orphan draft or open edit on Zenodo: deposition {} ({:?})",
            dep.id, dep.state
        ));
    }
    for (i, h) in histories.iter().enumerate() {
        let mut concepts = BTreeSet::new();
        for (v, version) in h.versions.iter().enumerate() {
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
            h.versions.iter().map(|v| file_set(&v.files)).collect();
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
        // The last version's metadata is what its deposition shows — unless its files went
        // back to an older version's (that version is not edited: its record stays as it
        // was published).
        let n = sets.len() - 1;
        let first_seen = sets.iter().position(|x| *x == sets[n]).unwrap_or(n);
        if sets[first_seen..].iter().any(|x| *x != sets[n]) {
            continue;
        }
        let last = ids[&(i, h.versions.len() - 1)];
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
            if title != json!(h.versions.last().unwrap().title) {
                problems.push(format!(
                    "{}: the last version's deposition shows title {title}, the model {:?}",
                    h.identifier,
                    h.versions.last().unwrap().title
                ));
            }
        }
    }
    (story, problems)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn generated_histories_with_faults_end_as_the_model_says() {
    let first: u64 = std::env::var("LONGJOBS_MODEL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let count: u64 = std::env::var("LONGJOBS_MODEL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let mut failed = Vec::new();
    for seed in first..first + count {
        let started = Instant::now();
        let (story, problems) = run_seed(seed).await;
        eprintln!(
            "seed {seed}: {} in {:.1} s",
            if problems.is_empty() { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        if !problems.is_empty() {
            failed.push(format!(
                "{story}  broken:\n    {}\n  replay: LONGJOBS_MODEL_SEED={seed} LONGJOBS_MODEL_SEEDS=1 cargo nextest run -p longjobs-worker --test generated",
                problems.join("\n    ")
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
