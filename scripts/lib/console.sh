# Sourced by scripts: what the prebuilt console in frontend/dist was built from.
#
# frontend/dist/SOURCES lists every input of scripts/build-console with its sha256, in
# `sha256sum` format, sorted by path. The same list is computed by
# backend/server/tests/console_bundle.rs: change both together.

# Prints "<sha256>  <path>" for every input of the console build, sorted by path.
console_sources() {
  {
    printf '%s\n' frontend/Cargo.toml frontend/Cargo.lock frontend/.cargo/config.toml \
      frontend/index.html frontend/style.css frontend/package.json frontend/package-lock.json \
      openapi/Cargo.toml scripts/build-console scripts/lib/console.sh scripts/lib/compress.mjs
    find frontend/src openapi/src -type f -name '*.rs'
  } | LC_ALL=C sort | xargs sha256sum
}

# Succeeds when frontend/dist was built from the files as they are now.
console_is_current() {
  [[ -f frontend/dist/SOURCES ]] &&
    cmp -s <(grep -v '^#' frontend/dist/SOURCES) <(console_sources)
}

# The inputs that changed since frontend/dist was built (one path a line).
console_changed_sources() {
  if [[ ! -f frontend/dist/SOURCES ]]; then
    echo "(frontend/dist/SOURCES is missing)"
    return
  fi
  diff <(grep -v '^#' frontend/dist/SOURCES) <(console_sources) |
    sed -n 's/^[<>] [0-9a-f]*  //p' | LC_ALL=C sort -u
}

# Succeeds when this machine has what scripts/build-console needs (scripts/setup console).
console_tools_present() {
  local pin
  pin=$(sed -n 's/^WASM_BINDGEN_VERSION=\([0-9.]*\).*/\1/p' scripts/setup)
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown &&
    [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $pin" ]] &&
    [[ -x frontend/node_modules/.bin/wasm-opt ]]
}
