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
        /// Most jobs of this queue running at once across every worker (NULL: no limit).
        concurrency -> Nullable<Integer>,
        /// Most jobs started per `rate_period_secs` across every worker (NULL: no limit).
        rate_limit -> Nullable<Integer>,
        rate_period_secs -> Nullable<Integer>,
        /// The rate limit's token bucket: starts left as of `rate_checked_at` (NULL: full).
        rate_tokens -> Nullable<Double>,
        rate_checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Job kinds an operator paused: no worker claims their jobs, in any queue.
    paused_kinds (kind) {
        kind -> Text,
        paused_at -> Timestamp,
        paused_by -> Text,
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
        /// JSON array of the job kinds it runs (NULL: not said; taken as every kind).
        kinds -> Nullable<Text>,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
        stopped_at -> Nullable<Timestamp>,
        /// What an operator asked of it: 'quiet' or 'stop' (NULL: carry on).
        command -> Nullable<Text>,
        command_at -> Nullable<Timestamp>,
        command_by -> Nullable<Text>,
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
        /// Bumped by a password change, disable and sign-out: login tokens carrying an
        /// older version stop working.
        token_version -> BigInt,
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
        /// The id of the user who made the token (null: a token made before ids were
        /// recorded whose creator could not be found — it works for nobody).
        created_by_id -> Nullable<BigInt>,
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
diesel::table! {
    /// PostgreSQL only: what a text search of jobs reads, one row per job (its payload and
    /// its last error as one text, under a trigram index), kept by triggers on `jobs`. See
    /// migrations/postgres/2026-12-05-000500_job_texts.
    job_texts (job_id) {
        job_id -> BigInt,
        body -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    jobs,
    job_texts,
    queues,
    paused_kinds,
    workers,
    users,
    api_tokens,
    audit_log,
    zenodo_copies,
    zenodo_copy_log,
    merritt_submissions,
    merritt_submission_states,
    maintenance_flags,
    host_events,
);

diesel::table! {
    /// One copy of a dataset version to Zenodo; `job_id` links it to the job that runs it.
    zenodo_copies (id) {
        id -> BigInt,
        identifier -> Text,
        resource_id -> BigInt,
        copy_type -> Text,
        state -> Text,
        deposition_id -> Nullable<BigInt>,
        software_doi -> Nullable<Text>,
        conceptrecid -> Nullable<Text>,
        /// Real attempts made (a clean first success shows 1).
        attempts -> Integer,
        note -> Nullable<Text>,
        last_error -> Nullable<Text>,
        size -> BigInt,
        /// JSON: the metadata and file manifest to send.
        request -> Text,
        job_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Times the daily retry resent it (its limit counts these).
        daily_retries -> Integer,
        /// An operator took it out of the daily retry (`daily_retry_note` says why).
        daily_retry_excluded -> Bool,
        daily_retry_note -> Nullable<Text>,
        /// Why an operator gave up on it (state `given_up`).
        given_up_reason -> Nullable<Text>,
        /// Upload progress of the current or last attempt: files of the manifest and bytes.
        files_total -> Integer,
        files_done -> Integer,
        bytes_done -> BigInt,
    }
}

diesel::table! {
    /// The request log of a copy: REQUEST, RESPONSE, ERROR and INFO lines.
    zenodo_copy_log (id) {
        id -> BigInt,
        copy_id -> BigInt,
        at -> Timestamp,
        kind -> Text,
        message -> Text,
    }
}

diesel::table! {
    /// A dataset version submitted to Merritt; `state` is the latest of its history.
    merritt_submissions (id) {
        id -> BigInt,
        resource_id -> BigInt,
        identifier -> Text,
        request -> Text,
        state -> Text,
        host -> Text,
        ark -> Nullable<Text>,
        job_id -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Bytes of the files it deposits (summed from its manifest).
        size -> BigInt,
    }
}

diesel::table! {
    /// Append-only history of submission states, each stamped with the writing host.
    merritt_submission_states (id) {
        id -> BigInt,
        submission_id -> BigInt,
        state -> Text,
        host -> Text,
        note -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::joinable!(zenodo_copy_log -> zenodo_copies (copy_id));
diesel::joinable!(merritt_submission_states -> merritt_submissions (submission_id));

diesel::table! {
    /// Maintenance switches ("defer Zenodo", "hold Merritt"): a row means on.
    maintenance_flags (name) {
        name -> Text,
        set_at -> Timestamp,
        set_by -> Text,
    }
}

diesel::table! {
    /// The notification outbox: events to e-mail or post, each channel stamping when it
    /// handled the event (sent it, or had nothing to send for it).
    notify_events (id) {
        id -> BigInt,
        kind -> Text,
        subject -> Text,
        /// JSON object with the event's fields.
        detail -> Text,
        created_at -> Timestamp,
        email_sent_at -> Nullable<Timestamp>,
        webhook_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Events for the host application (copy finished or failed, submission completed or
    /// failed), read with a cursor and delivered in id order to a signed webhook.
    host_events (id) {
        id -> BigInt,
        kind -> Text,
        /// The copy's or submission's id.
        subject_id -> BigInt,
        identifier -> Text,
        /// The JSON body delivered (and listed) for this event.
        payload -> Text,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    /// Alert conditions that hold now; a row means its event was recorded.
    notify_conditions (condition_key) {
        condition_key -> Text,
        kind -> Text,
        since -> Timestamp,
    }
}

diesel::table! {
    /// Recurring jobs (the daily retry, …): when each runs next, its last run, paused or not.
    periodic_jobs (name) {
        name -> Text,
        queue -> Text,
        kind -> Text,
        priority -> Integer,
        max_attempts -> Integer,
        /// `daily HH:MM` (UTC) or `every <seconds>s`.
        schedule -> Text,
        paused -> Bool,
        last_run_at -> Nullable<Timestamp>,
        last_job_id -> Nullable<BigInt>,
        next_run_at -> Timestamp,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The request log of a Merritt submission: REQUEST, RESPONSE, ERROR and INFO lines.
    merritt_submission_log (id) {
        id -> BigInt,
        submission_id -> BigInt,
        at -> Timestamp,
        kind -> Text,
        method -> Nullable<Text>,
        /// With any credentials removed.
        url -> Nullable<Text>,
        status -> Nullable<Integer>,
        duration_ms -> Nullable<BigInt>,
        message -> Text,
    }
}

diesel::table! {
    /// The latest answer of each remote service to the workers' probe.
    remote_probes (service) {
        service -> Text,
        checked_at -> Timestamp,
        ok -> Bool,
        status -> Nullable<Integer>,
        took_ms -> BigInt,
        message -> Text,
        host -> Text,
    }
}

diesel::table! {
    /// Finished jobs per minute (span 60) and hour (span 3600), queue and kind: counts and
    /// run / wait histograms that outlive the job rows (see [`crate::history`]).
    job_history (span_secs, bucket_start, queue, kind) {
        span_secs -> Integer,
        bucket_start -> Timestamp,
        queue -> Text,
        kind -> Text,
        completed -> BigInt,
        discarded -> BigInt,
        cancelled -> BigInt,
        failed_attempts -> BigInt,
        run_count -> BigInt,
        run_sum_ms -> BigInt,
        run_max_ms -> BigInt,
        /// Sparse log histogram, `index:count,…` (see [`crate::history::Histogram`]).
        run_hist -> Text,
        wait_count -> BigInt,
        wait_sum_ms -> BigInt,
        wait_max_ms -> BigInt,
        wait_hist -> Text,
    }
}

diesel::table! {
    /// One row (id 1): finished jobs with `finished_at` before `rolled_through` are in
    /// `job_history`; the pruner deletes none after it.
    job_history_rollup (id) {
        id -> Integer,
        rolled_through -> Timestamp,
        updated_at -> Timestamp,
    }
}
