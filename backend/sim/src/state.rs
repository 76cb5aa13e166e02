//! The simulator's shared state: every store and the faults, behind one lock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::config::SimConfig;
use crate::connections::ConnectionRegistry;
use crate::faults::{Decision, FaultPlan, Faults};
use crate::merritt::store::{MerrittObject, MerrittStore, Submission};
use crate::routes;
use crate::zenodo::store::{Deposition, ZenodoStore};

/// Everything that changes while the simulator runs.
#[derive(Debug)]
pub struct World {
    pub zenodo: ZenodoStore,
    pub merritt: MerrittStore,
    pub faults: Faults,
    /// Requests seen per route, faulted ones included.
    pub requests: BTreeMap<String, u64>,
}

impl World {
    fn new(config: &SimConfig) -> Self {
        Self {
            zenodo: ZenodoStore::new(config.zenodo_limits),
            merritt: MerrittStore::default(),
            faults: Faults::new(config.faults.clone(), config.seed),
            requests: routes::ALL
                .iter()
                .map(|route| ((*route).to_owned(), 0))
                .collect(),
        }
    }
}

/// What `GET /admin/state` answers: what the remote services saw and hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    pub depositions: Vec<Deposition>,
    pub merritt_submissions: Vec<Submission>,
    /// Objects as `local_id_search` would show them now (only completed ingests).
    pub merritt_objects: Vec<MerrittObject>,
    /// Requests per route name, every route listed.
    pub requests: BTreeMap<String, u64>,
    /// Faults injected per route name since the last reset.
    pub faults_injected: BTreeMap<String, u64>,
}

/// The running simulator: its configuration, its own base URL and its [`World`].
#[derive(Debug)]
pub struct Sim {
    pub config: SimConfig,
    /// `http://host:port` that links in answers start with.
    pub base_url: String,
    /// Open connections, so that a fault can drop the one a request came on.
    pub connections: Arc<ConnectionRegistry>,
    world: Mutex<World>,
}

impl Sim {
    /// A fresh simulator answering under `base_url`.
    pub fn new(config: SimConfig, base_url: String) -> Self {
        let world = Mutex::new(World::new(&config));
        Self {
            config,
            base_url,
            connections: Arc::default(),
            world,
        }
    }

    /// Locks the world. A handler that panicked while holding the lock left the stores in a
    /// state that is still well-formed (every change is a single assignment), so a poisoned
    /// lock is taken over rather than turned into a simulator that answers nothing.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The simulated Zenodo's base URL (`…/zenodo`).
    pub fn zenodo_url(&self) -> String {
        format!("{}/zenodo", self.base_url)
    }

    /// Counts a request of `route` and decides its faults.
    pub fn begin_request(&self, route: &str) -> Decision {
        let mut world = self.world();
        *world.requests.entry(route.to_owned()).or_default() += 1;
        world.faults.decide(route)
    }

    /// Puts `plan` in force (already validated).
    pub fn set_faults(&self, plan: FaultPlan) {
        self.world().faults.replace(plan);
    }

    /// The fault plan as it stands.
    pub fn faults(&self) -> FaultPlan {
        self.world().faults.current()
    }

    /// Forgets every deposition, submission, counter and fault: back to the start-up state.
    pub fn reset(&self) {
        *self.world() = World::new(&self.config);
    }

    /// A copy of everything the simulator holds.
    pub fn snapshot(&self) -> StateSnapshot {
        let world = self.world();
        let now = Utc::now();
        StateSnapshot {
            depositions: world.zenodo.depositions().cloned().collect(),
            merritt_submissions: world.merritt.submissions(now),
            merritt_objects: world.merritt.objects(now),
            requests: world.requests.clone(),
            faults_injected: world.faults.injected().clone(),
        }
    }
}
