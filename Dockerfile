# Builds the longjobs binaries (server, worker, command line, simulators) in release mode.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libsqlite3-dev default-libmysqlclient-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release -p longjobs-server -p longjobs-worker -p longjobs-cli -p longjobs-sim

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libsqlite3-0 libmariadb3 ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/longjobs-server /src/target/release/longjobs-worker /src/target/release/longjobs /src/target/release/longjobs-sim /usr/local/bin/
# The prebuilt console the repository carries (a test keeps it in step with its sources).
COPY frontend/dist /srv/console
ENV LONGJOBS_CONSOLE_DIR=/srv/console
USER nobody
