//! The prebuilt console the repository carries in `frontend/dist` (what `scripts/run`
//! serves without a wasm toolchain) matches its sources, names its files by their content,
//! carries true compressed variants and fits the size budget. `scripts/e2e` goes further:
//! it rebuilds the bundle and compares it byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Bytes of wasm + js a browser downloads (brotli), as `scripts/build-console` checks too.
const BUDGET_BYTES: usize = 400 * 1024;

const REBUILD: &str =
    "run `scripts/setup console && scripts/build-console` and commit frontend/dist";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dist() -> PathBuf {
    root().join("frontend/dist")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every input of the console build with its sha256, by path — the same list as
/// `console_sources` in scripts/lib/console.sh (change both together).
fn console_sources() -> BTreeMap<String, String> {
    let mut paths: Vec<String> = [
        "frontend/Cargo.toml",
        "frontend/Cargo.lock",
        "frontend/.cargo/config.toml",
        "frontend/index.html",
        "frontend/style.css",
        "frontend/package.json",
        "frontend/package-lock.json",
        "openapi/Cargo.toml",
        "scripts/build-console",
        "scripts/lib/console.sh",
        "scripts/lib/compress.mjs",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    for dir in ["frontend/src", "openapi/src"] {
        rust_files(&root(), dir, &mut paths);
    }
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(root().join(&p)).unwrap_or_else(|e| panic!("{p}: {e}"));
            (p, sha256_hex(&bytes))
        })
        .collect()
}

fn rust_files(root: &Path, rel: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(root.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{rel}/{name}");
        if entry.file_type().unwrap().is_dir() {
            rust_files(root, &path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// `frontend/dist/SOURCES`: what the bundle was built from, by path.
fn recorded_sources() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dist().join("SOURCES"))
        .unwrap_or_else(|e| panic!("frontend/dist/SOURCES: {e}; {REBUILD}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (hash, path) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("not a sha256sum line in SOURCES: {l:?}"));
            (path.to_string(), hash.to_string())
        })
        .collect()
}

fn decompress_gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn decompress_brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The bundle's files other than SOURCES and the compressed variants, by name.
fn bundle_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dist())
        .unwrap_or_else(|e| panic!("frontend/dist: {e}; {REBUILD}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SOURCES" && !n.ends_with(".br") && !n.ends_with(".gz"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_committed_console_bundle_was_built_from_the_sources_as_they_are() {
    let recorded = recorded_sources();
    let now = console_sources();
    let changed: Vec<&String> = now
        .iter()
        .filter(|(p, h)| recorded.get(*p) != Some(h))
        .map(|(p, _)| p)
        .chain(recorded.keys().filter(|p| !now.contains_key(*p)))
        .collect();
    assert!(
        changed.is_empty(),
        "the console's sources changed since frontend/dist was built: {changed:?}; {REBUILD}"
    );
}

#[test]
fn index_html_loads_content_hashed_files_that_the_bundle_holds() {
    let index = std::fs::read_to_string(dist().join("index.html")).unwrap();
    let files = bundle_files();
    let assets: Vec<&String> = files.iter().filter(|n| *n != "index.html").collect();
    assert_eq!(assets.len(), 3, "expected wasm, js and css: {files:?}");
    for name in assets {
        assert!(
            index.contains(&format!("/{name}")),
            "index.html does not load {name}"
        );
        // The name's hash is the content's: the server lets browsers cache it for good.
        assert!(
            longjobs_server::console::is_content_hashed(name),
            "{name} is not content-hashed"
        );
        let bytes = std::fs::read(dist().join(name)).unwrap();
        let hash = name.rsplit_once('-').unwrap().1.split('.').next().unwrap();
        assert!(
            sha256_hex(&bytes).starts_with(hash),
            "{name}: its name does not carry its content's hash; {REBUILD}"
        );
    }
    assert!(!index.contains("{{"), "a placeholder left in index.html");
}

#[test]
fn every_compressed_variant_holds_the_same_bytes_as_its_file() {
    for name in bundle_files() {
        let raw = std::fs::read(dist().join(&name)).unwrap();
        let br = std::fs::read(dist().join(format!("{name}.br")))
            .unwrap_or_else(|e| panic!("{name}.br: {e}"));
        let gz = std::fs::read(dist().join(format!("{name}.gz")))
            .unwrap_or_else(|e| panic!("{name}.gz: {e}"));
        assert!(
            decompress_brotli(&br) == raw,
            "{name}.br differs from {name}"
        );
        assert!(decompress_gzip(&gz) == raw, "{name}.gz differs from {name}");
    }
}

#[test]
fn the_console_a_browser_downloads_fits_in_400_kb() {
    let sent: usize = bundle_files()
        .iter()
        .filter(|n| n.ends_with(".wasm") || n.ends_with(".js"))
        .map(|n| {
            std::fs::metadata(dist().join(format!("{n}.br")))
                .unwrap()
                .len() as usize
        })
        .sum();
    assert!(
        sent <= BUDGET_BYTES,
        "wasm + js brotli: {sent} bytes > {BUDGET_BYTES}"
    );
}

#[test]
fn the_wasm_bindgen_cli_that_setup_installs_matches_the_consoles_pin() {
    let setup = std::fs::read_to_string(root().join("scripts/setup")).unwrap();
    let cli = setup
        .lines()
        .find_map(|l| l.strip_prefix("WASM_BINDGEN_VERSION="))
        .and_then(|v| v.split_whitespace().next())
        .expect("WASM_BINDGEN_VERSION= in scripts/setup");
    let manifest = std::fs::read_to_string(root().join("frontend/Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!("wasm-bindgen = \"={cli}\"")),
        "frontend/Cargo.toml does not pin wasm-bindgen to {cli} (scripts/setup installs that CLI)"
    );
}
