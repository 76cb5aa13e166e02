//! Names of the simulated routes: the keys that fault knobs and request counters use.

/// `POST /zenodo/api/deposit/depositions`: create a deposition.
pub const ZENODO_CREATE: &str = "zenodo.create";
/// `GET /zenodo/api/deposit/depositions`: list all depositions.
pub const ZENODO_LIST: &str = "zenodo.list";
/// `GET /zenodo/api/deposit/depositions/:id`: read a deposition.
pub const ZENODO_GET: &str = "zenodo.get";
/// `PUT /zenodo/api/deposit/depositions/:id`: replace a deposition's metadata.
pub const ZENODO_UPDATE: &str = "zenodo.update";
/// `DELETE /zenodo/api/deposit/depositions/:id`: delete an unpublished deposition.
pub const ZENODO_DELETE: &str = "zenodo.delete";
/// `PUT /zenodo/api/files/:bucket/:key`: upload a file into a bucket.
pub const ZENODO_UPLOAD: &str = "zenodo.upload";
/// `DELETE /zenodo/api/files/:bucket/:key`: delete a file from a bucket.
pub const ZENODO_DELETE_FILE: &str = "zenodo.delete_file";
/// `POST .../actions/publish`.
pub const ZENODO_PUBLISH: &str = "zenodo.publish";
/// `POST .../actions/edit`: reopen a published deposition.
pub const ZENODO_EDIT: &str = "zenodo.edit";
/// `POST .../actions/newversion`.
pub const ZENODO_NEWVERSION: &str = "zenodo.newversion";
/// `POST .../actions/discard`.
pub const ZENODO_DISCARD: &str = "zenodo.discard";
/// `POST /merritt/object/update`: submit a manifest.
pub const MERRITT_UPDATE: &str = "merritt.update";
/// `GET /merritt/api/:collection/local_id_search`.
pub const MERRITT_SEARCH: &str = "merritt.search";
/// `GET` (and `HEAD`) `/files/:name`.
pub const FILES_GET: &str = "files.get";

/// Every route name, in the order the admin state lists them.
pub const ALL: &[&str] = &[
    ZENODO_CREATE,
    ZENODO_LIST,
    ZENODO_GET,
    ZENODO_UPDATE,
    ZENODO_DELETE,
    ZENODO_UPLOAD,
    ZENODO_DELETE_FILE,
    ZENODO_PUBLISH,
    ZENODO_EDIT,
    ZENODO_NEWVERSION,
    ZENODO_DISCARD,
    MERRITT_UPDATE,
    MERRITT_SEARCH,
    FILES_GET,
];

/// Whether `name` is one of [`ALL`].
pub fn is_known(name: &str) -> bool {
    ALL.contains(&name)
}
