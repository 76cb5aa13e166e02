//! The application: the router and its routes.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::Shell;
use crate::pages::{
    AdminPage, AuditPage, DashboardPage, DatasetPage, JobPage, JobsPage, LoginPage,
    MaintenancePage, MerrittPage, MerrittSubmissionPage, NotFoundPage, PeriodicPage, QueuesPage,
    WorkersPage, ZenodoCopyPage, ZenodoPage,
};

/// The console: `/login` on its own, every other page inside the signed-in [`Shell`].
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=DashboardPage />
                    <Route path=path!("jobs") view=JobsPage />
                    <Route path=path!("jobs/:id") view=JobPage />
                    <Route path=path!("zenodo") view=ZenodoPage />
                    <Route path=path!("zenodo/copies/:id") view=ZenodoCopyPage />
                    <Route path=path!("merritt") view=MerrittPage />
                    <Route path=path!("merritt/submissions/:id") view=MerrittSubmissionPage />
                    <Route path=path!("datasets/:id") view=DatasetPage />
                    <Route path=path!("periodic") view=PeriodicPage />
                    <Route path=path!("maintenance") view=MaintenancePage />
                    <Route path=path!("queues") view=QueuesPage />
                    <Route path=path!("workers") view=WorkersPage />
                    <Route path=path!("audit") view=AuditPage />
                    <Route path=path!("admin") view=AdminPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
