-- People and scripts that use the API, and the audit log of what they did.

CREATE TABLE users (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(255) NOT NULL UNIQUE,
    password_hash TEXT         NOT NULL,
    role          VARCHAR(16)  NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    disabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Long-lived bearer tokens for scripts; only a SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name         VARCHAR(255) NOT NULL,
    token_hash   VARCHAR(128) NOT NULL UNIQUE,
    role         VARCHAR(16)  NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_by   VARCHAR(255) NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    last_used_at DATETIME(6),
    revoked_at   DATETIME(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE audit_log (
    id      BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at      DATETIME(6)  NOT NULL,
    actor   VARCHAR(255) NOT NULL,
    action  VARCHAR(255) NOT NULL,
    target  TEXT         NOT NULL,
    outcome VARCHAR(255) NOT NULL,
    detail  LONGTEXT
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Job listing filters and time series.
CREATE INDEX jobs_created_idx ON jobs (created_at);
CREATE INDEX jobs_finished_idx ON jobs (finished_at);
CREATE INDEX jobs_kind_idx ON jobs (kind);
