-- People and scripts that use the API, and the audit log of what they did.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT      NOT NULL UNIQUE,
    password_hash TEXT      NOT NULL,
    role          TEXT      NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    disabled      BOOLEAN   NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Long-lived bearer tokens for scripts; only a SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT      NOT NULL,
    token_hash   TEXT      NOT NULL UNIQUE,
    role         TEXT      NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_by   TEXT      NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMP NOT NULL,
    actor   TEXT      NOT NULL,
    action  TEXT      NOT NULL,
    target  TEXT      NOT NULL,
    outcome TEXT      NOT NULL,
    detail  TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Job listing filters and time series.
CREATE INDEX jobs_created_idx ON jobs (created_at);
CREATE INDEX jobs_finished_idx ON jobs (finished_at);
CREATE INDEX jobs_kind_idx ON jobs (kind);
