//! Starting and stopping the simulator in-process: [`serve`] and its [`SimHandle`].

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use poem::listener::TcpAcceptor;
use poem::{Endpoint, EndpointExt, Route, Server};
use tokio::sync::oneshot;
use tokio::task::{JoinError, JoinHandle};

use crate::config::{SHUTDOWN_GRACE, SimConfig};
use crate::connections::KillableAcceptor;
use crate::faults::{FaultPlan, FaultPlanError};
use crate::files::{SEED_PARAM, SIZE_PARAM};
use crate::state::{Sim, StateSnapshot};
use crate::{admin, files, merritt, zenodo};

/// Why the simulator could not start or did not stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid fault plan: {0}")]
    Faults(#[from] FaultPlanError),
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("the HTTP server failed: {0}")]
    Server(#[source] io::Error),
    #[error("the server task did not finish: {0}")]
    Join(#[from] JoinError),
}

/// Every route of the simulator.
fn app(sim: Arc<Sim>) -> impl Endpoint {
    Route::new()
        .nest("/zenodo", zenodo::routes(&sim))
        .nest("/merritt", merritt::routes(&sim))
        .nest("/files", files::routes(&sim))
        .nest("/admin", admin::routes())
        .data(sim)
}

/// Binds `config.listen` (port 0 picks a free port) and serves the simulator on the current
/// tokio runtime until [`SimHandle::shutdown`] is called or the handle is dropped.
///
/// ```no_run
/// # async fn example() -> Result<(), longjobs_sim::SimError> {
/// let sim = longjobs_sim::serve(longjobs_sim::SimConfig::for_tests()).await?;
/// let zenodo_base = sim.zenodo_url(); // http://127.0.0.1:PORT/zenodo
/// # Ok(()) }
/// ```
pub async fn serve(config: SimConfig) -> Result<SimHandle, SimError> {
    config.faults.validate()?;
    let bind_error = |source| SimError::Bind {
        addr: config.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let acceptor = TcpAcceptor::from_tokio(listener).map_err(bind_error)?;
    let base_url = config.public_url.clone().map_or_else(
        || format!("http://{addr}"),
        |url| url.trim_end_matches('/').to_owned(),
    );
    let sim = Arc::new(Sim::new(config, base_url));
    let acceptor = KillableAcceptor::new(acceptor, Arc::clone(&sim.connections));
    let (stop, stopped) = oneshot::channel::<()>();
    let endpoint = app(Arc::clone(&sim));
    let task = tokio::spawn(async move {
        let signal = async {
            // Both an explicit stop and a dropped handle (the sender gone) end the server.
            let _stop_or_dropped = stopped.await;
        };
        Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(endpoint, signal, Some(SHUTDOWN_GRACE))
            .await
    });
    tracing::info!(%addr, base_url = %sim.base_url, "simulator listening");
    Ok(SimHandle {
        addr,
        sim,
        stop: Some(stop),
        task: Some(task),
    })
}

/// A running simulator. Dropping it stops the server too (without waiting for it).
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    sim: Arc<Sim>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or the configured public URL).
    pub fn base_url(&self) -> &str {
        &self.sim.base_url
    }

    /// Base URL of the Zenodo API: `…/zenodo` (append `/api/deposit/depositions`).
    pub fn zenodo_url(&self) -> String {
        self.sim.zenodo_url()
    }

    /// The accepted Zenodo access token.
    pub fn zenodo_token(&self) -> &str {
        &self.sim.config.zenodo_token
    }

    /// Base URL of Merritt: `…/merritt` (append `/object/update`).
    pub fn merritt_url(&self) -> String {
        format!("{}/merritt", self.sim.base_url)
    }

    /// Base URL of the admin API: `…/admin`.
    pub fn admin_url(&self) -> String {
        format!("{}/admin", self.sim.base_url)
    }

    /// URL of a file of the file source: `…/files/<name>?size=N&seed=S`.
    pub fn file_url(&self, name: &str, size: u64, seed: u64) -> String {
        format!(
            "{}/files/{name}?{SIZE_PARAM}={size}&{SEED_PARAM}={seed}",
            self.sim.base_url
        )
    }

    /// Replaces the fault plan, like `PUT /admin/faults`.
    pub fn set_faults(&self, plan: FaultPlan) -> Result<(), SimError> {
        plan.validate()?;
        self.sim.set_faults(plan);
        Ok(())
    }

    /// The fault plan as it stands, like `GET /admin/faults`.
    pub fn faults(&self) -> FaultPlan {
        self.sim.faults()
    }

    /// Everything the simulator holds, like `GET /admin/state`.
    pub fn snapshot(&self) -> StateSnapshot {
        self.sim.snapshot()
    }

    /// Back to the start-up state, like `POST /admin/reset`.
    pub fn reset(&self) {
        self.sim.reset();
    }

    /// Stops accepting connections, waits up to [`SHUTDOWN_GRACE`] for open ones, and returns
    /// how the server ended.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone (then there is no one to tell): fine either way.
            let _already_stopped = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await?.map_err(SimError::Server),
            None => Ok(()),
        }
    }
}
