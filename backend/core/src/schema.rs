//! Diesel table definitions shared by every backend (kept in step with `migrations/*`).

diesel::table! {
    /// Every job the queue has ever been given, until the pruner removes finished ones.
    jobs (id) {
        id -> BigInt,
        queue -> Text,
        kind -> Text,
        /// JSON document handed to the job's handler.
        payload -> Text,
        priority -> Integer,
        state -> Text,
        attempt -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        unique_key -> Nullable<Text>,
        ordering_key -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        cancel_requested -> Bool,
        last_error -> Nullable<Text>,
        /// JSON array of the most recent [`crate::job::ErrorEntry`] values, newest last.
        errors -> Text,
        created_at -> Timestamp,
        attempted_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Per-queue settings seen by every worker; a queue without a row is running.
    queues (name) {
        name -> Text,
        paused -> Bool,
        paused_at -> Nullable<Timestamp>,
        paused_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The worker registry: one row per worker process, refreshed by its heartbeat.
    workers (id) {
        id -> Text,
        host -> Text,
        pid -> Integer,
        /// JSON object of queue name to concurrency.
        queues -> Text,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
        stopped_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// People who sign in to the console or the API.
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Long-lived API tokens for scripts, stored as SHA-256 hashes.
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        role -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Every operator action: who, what, on what, when, and how it ended.
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        target -> Text,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}
diesel::allow_tables_to_appear_in_same_query!(jobs, queues, workers, users, api_tokens, audit_log);
