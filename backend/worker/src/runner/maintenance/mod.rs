//! The loops a worker runs beside its jobs, one service per file: the heartbeat (leases,
//! liveness, cancel requests), the rescuer (dead workers' jobs, due scheduled jobs), the
//! pruner (finished jobs past retention), the PostgreSQL listener, the periodic tasks a
//! worker is given, and the scheduler that enqueues periodic jobs when due, and the reader of the settings an
//! operator changes while workers run (limits, kind pauses).

pub mod heartbeat;
pub mod listener;
pub mod periodic;
pub mod pruner;
pub mod rescuer;
pub mod scheduler;
pub mod settings;
