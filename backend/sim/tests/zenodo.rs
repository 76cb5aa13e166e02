//! The simulated Zenodo over HTTP: the deposit, publish and new-version walk, and every refusal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod common;

use common::{Harness, complete_metadata, error_fields, link, md5_hex};
use longjobs_sim::{SimConfig, ZenodoLimits};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_dataset_is_deposited_published_and_published_again_as_a_new_version() {
    let h = Harness::start().await;

    let created = h.create().await;
    assert_eq!(created["state"], "unsubmitted");
    assert_eq!(created["submitted"], false);
    assert_eq!(created["files"], json!([]));
    let id = created["id"].as_u64().unwrap();
    assert_eq!(
        created["metadata"]["prereserve_doi"]["doi"],
        format!("10.5072/zenodo.{id}")
    );
    for name in [
        "self",
        "bucket",
        "edit",
        "publish",
        "discard",
        "newversion",
        "latest_draft",
        "html",
    ] {
        assert!(
            link(&created, name).starts_with(h.sim.base_url()),
            "links.{name} is absolute on the simulator"
        );
    }

    let saved = h
        .put_metadata(&created, complete_metadata("Version one"))
        .await;
    assert_eq!(saved.status(), StatusCode::OK);

    let readme = b"read me first\n".as_slice();
    let data = vec![7u8; 100_000];
    for (name, bytes) in [("README.md", readme), ("data.bin", data.as_slice())] {
        let uploaded = h.upload(&created, name, bytes).await;
        assert_eq!(uploaded.status(), StatusCode::OK);
        let object: Value = uploaded.json().await.unwrap();
        assert_eq!(object["key"], name);
        assert_eq!(object["size"], bytes.len());
        assert_eq!(object["checksum"], format!("md5:{}", md5_hex(bytes)));
    }

    let fetched = h.get(&link(&created, "self")).await;
    let files = fetched["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1]["filename"], "data.bin");
    assert_eq!(files[1]["filesize"], 100_000);
    assert_eq!(files[1]["checksum"], md5_hex(&data));

    let published = h.action(&created, "publish").await;
    assert_eq!(published.status(), StatusCode::ACCEPTED);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["state"], "done");
    assert_eq!(published["submitted"], true);
    assert_eq!(published["doi"], format!("10.5072/zenodo.{id}"));

    let asked = h.action(&published, "newversion").await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let original: Value = asked.json().await.unwrap();
    assert_eq!(
        original["id"], id,
        "newversion answers the original deposition"
    );
    let draft = h.get(&link(&original, "latest_draft")).await;
    assert_ne!(draft["id"], id);
    assert_eq!(draft["conceptrecid"], published["conceptrecid"]);
    assert_eq!(draft["state"], "unsubmitted");
    assert_eq!(draft["metadata"]["title"], "Version one");
    assert_eq!(
        draft["files"].as_array().unwrap().len(),
        2,
        "files are copied"
    );

    let changed = vec![8u8; 100_000];
    assert_eq!(
        h.upload(&draft, "data.bin", &changed).await.status(),
        StatusCode::OK
    );
    let second = h.action(&draft, "publish").await;
    assert_eq!(second.status(), StatusCode::ACCEPTED);
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["state"], "done");
    assert_eq!(second["files"][1]["checksum"], md5_hex(&changed));

    let first_again = h.get(&link(&published, "self")).await;
    assert_eq!(
        link(&first_again, "latest_draft"),
        link(&second, "self"),
        "with no draft open, latest_draft is the latest version"
    );
    let state = h.state().await;
    assert_eq!(state["depositions"].as_array().unwrap().len(), 2);
    assert_eq!(state["requests"]["zenodo.upload"], 3);
    assert_eq!(state["requests"]["zenodo.publish"], 2);
}

#[tokio::test]
async fn requests_without_the_right_token_are_refused_with_401() {
    let h = Harness::start().await;
    let missing = h
        .http
        .post(h.depositions_url())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert!(body["message"].as_str().unwrap().contains("not verify"));

    let wrong = h
        .http
        .get(h.depositions_url())
        .query(&[("access_token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let bearer = h
        .http
        .get(h.depositions_url())
        .bearer_auth(h.sim.zenodo_token())
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::OK, "a bearer token works too");
}

#[tokio::test]
async fn an_empty_file_is_refused_at_upload() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    let refused = h.upload(&deposition, "empty.txt", b"").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("empty")
    );
    assert_eq!(h.get(&link(&deposition, "self")).await["files"], json!([]));
}

#[tokio::test]
async fn publishing_without_files_is_refused() {
    let h = Harness::start().await;
    let deposition = h.draft_with_files(&[]).await;
    let refused = h.action(&deposition, "publish").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "Validation error.");
    assert_eq!(
        body["errors"][0]["message"],
        "Minimum one file must be provided."
    );
}

#[tokio::test]
async fn metadata_missing_required_fields_is_refused_naming_each_field() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    let refused = h
        .put_metadata(
            &deposition,
            json!({"title": "Only a title", "creators": []}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], 400);
    assert_eq!(body["message"], "Validation error.");
    assert_eq!(
        error_fields(&body),
        [
            "metadata.upload_type",
            "metadata.description",
            "metadata.creators"
        ]
    );

    let nameless = h
        .put_metadata(
            &deposition,
            json!({"title": "T", "upload_type": "dataset", "description": "D",
                   "creators": [{"affiliation": "UC"}]}),
        )
        .await;
    let body: Value = nameless.json().await.unwrap();
    assert_eq!(error_fields(&body), ["metadata.creators.0.name"]);
}

#[tokio::test]
async fn a_new_version_with_the_same_files_is_refused() {
    let h = Harness::start().await;
    let published = h.published_with_files(&[("a.txt", b"same bytes")]).await;
    let original: Value = h
        .action(&published, "newversion")
        .await
        .json()
        .await
        .unwrap();
    let draft = h.get(&link(&original, "latest_draft")).await;
    let refused = h.action(&draft, "publish").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "Validation error.");
    assert_eq!(
        body["errors"][0]["message"],
        "New version's files must differ from all previous versions."
    );

    let reuploaded = h.upload(&draft, "a.txt", b"same bytes").await;
    assert_eq!(reuploaded.status(), StatusCode::OK);
    assert_eq!(
        h.action(&draft, "publish").await.status(),
        StatusCode::BAD_REQUEST,
        "re-uploading identical bytes changes nothing"
    );
}

#[tokio::test]
async fn an_upload_without_content_length_is_refused_with_411() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"chunked ".to_vec()), Ok(b"body".to_vec())];
    let refused = h
        .http
        .put(format!("{}/streamed.txt", link(&deposition, "bucket")))
        .query(&h.token())
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::LENGTH_REQUIRED);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], 411);
}

#[tokio::test]
async fn a_published_deposition_refuses_changes_until_reopened_and_keeps_its_files_frozen() {
    let h = Harness::start().await;
    let published = h.published_with_files(&[("a.txt", b"v1")]).await;

    let upload = h.upload(&published, "b.txt", b"more").await;
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    let metadata = h
        .put_metadata(&published, complete_metadata("Changed"))
        .await;
    assert_eq!(metadata.status(), StatusCode::BAD_REQUEST);

    let reopened = h.action(&published, "edit").await;
    assert_eq!(reopened.status(), StatusCode::CREATED);
    let reopened: Value = reopened.json().await.unwrap();
    assert_eq!(reopened["state"], "inprogress");
    assert_eq!(
        h.put_metadata(&published, complete_metadata("Changed"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        h.upload(&published, "b.txt", b"more").await.status(),
        StatusCode::FORBIDDEN,
        "Zenodo-DOI records keep their files after edit"
    );
    let republished = h.action(&published, "publish").await;
    assert_eq!(republished.status(), StatusCode::ACCEPTED);
    let republished: Value = republished.json().await.unwrap();
    assert_eq!(republished["metadata"]["title"], "Changed");
}

#[tokio::test]
async fn a_reopened_deposition_with_an_external_doi_accepts_new_files() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    let mut metadata = complete_metadata("External");
    metadata["doi"] = json!("10.5061/dryad.abc123");
    assert_eq!(
        h.put_metadata(&deposition, metadata).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        h.upload(&deposition, "a.txt", b"v1").await.status(),
        StatusCode::OK
    );
    let published: Value = h.action(&deposition, "publish").await.json().await.unwrap();
    assert_eq!(published["doi"], "10.5061/dryad.abc123");

    assert_eq!(
        h.action(&published, "edit").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        h.upload(&published, "b.txt", b"v2").await.status(),
        StatusCode::OK
    );

    let discarded = h.action(&published, "discard").await;
    assert_eq!(discarded.status(), StatusCode::CREATED);
    let discarded: Value = discarded.json().await.unwrap();
    assert_eq!(discarded["state"], "done");
    assert_eq!(
        discarded["files"].as_array().unwrap().len(),
        1,
        "discard restores the files"
    );
}

#[tokio::test]
async fn a_published_deposition_cannot_be_deleted_but_a_draft_can() {
    let h = Harness::start().await;
    let published = h.published_with_files(&[("a.txt", b"v1")]).await;
    let refused = h
        .http
        .delete(link(&published, "self"))
        .query(&h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let original: Value = h
        .action(&published, "newversion")
        .await
        .json()
        .await
        .unwrap();
    let draft_url = link(&original, "latest_draft");
    let deleted = h
        .http
        .delete(&draft_url)
        .query(&h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = h
        .http
        .get(&draft_url)
        .query(&h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        link(&h.get(&link(&published, "self")).await, "latest_draft"),
        link(&published, "self")
    );
}

#[tokio::test]
async fn deleting_a_file_removes_it_and_deleting_it_again_answers_404() {
    let h = Harness::start().await;
    let deposition = h.draft_with_files(&[("a.txt", b"v1")]).await;
    let url = format!("{}/a.txt", link(&deposition, "bucket"));
    let first = h.http.delete(&url).query(&h.token()).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let second = h.http.delete(&url).query(&h.token()).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::NOT_FOUND);
    assert_eq!(h.get(&link(&deposition, "self")).await["files"], json!([]));
}

#[tokio::test]
async fn publishing_more_files_or_bytes_than_the_limits_is_refused() {
    let h = Harness::start_with(SimConfig {
        zenodo_limits: ZenodoLimits {
            max_files: 2,
            max_total_bytes: 10,
        },
        ..SimConfig::for_tests()
    })
    .await;
    let too_many = h
        .draft_with_files(&[("a", b"1"), ("b", b"2"), ("c", b"3")])
        .await;
    let refused = h.action(&too_many, "publish").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Too many files")
    );

    let too_big = h.draft_with_files(&[("big", b"eleven bytes")]).await;
    assert_eq!(
        h.action(&too_big, "publish").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn an_unknown_deposition_answers_404_in_zenodo_form() {
    let h = Harness::start().await;
    let missing = h
        .http
        .get(format!("{}/999999", h.depositions_url()))
        .query(&h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": 404, "message": "PID does not exist."})
    );
}

#[tokio::test]
async fn the_list_filters_by_status_sorts_newest_first_and_pages_as_zenodo_documents() {
    let h = Harness::start().await;
    let published = h.published_with_files(&[("a.txt", b"published")]).await;
    let mut drafts = Vec::new();
    for _ in 0..12 {
        drafts.push(h.create().await["id"].as_u64().unwrap());
    }
    let list = |query: &'static str| {
        let url = format!("{}?{query}", h.depositions_url());
        let h = &h;
        async move { h.get(&url).await.as_array().unwrap().clone() }
    };
    let ids = |v: &[Value]| {
        v.iter()
            .map(|d| d["id"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };

    // Ten a page unless `size` says otherwise.
    assert_eq!(list("").await.len(), 10);
    let newest: Vec<u64> = drafts.iter().rev().copied().collect();
    assert_eq!(
        ids(&list("status=draft&sort=mostrecent&size=50").await),
        newest
    );
    assert_eq!(
        ids(&list("status=draft&sort=mostrecent&size=5&page=2").await),
        newest[5..10].to_vec()
    );
    assert_eq!(
        ids(&list("status=published").await),
        vec![published["id"].as_u64().unwrap()]
    );
    let refused = h
        .http
        .get(format!("{}?status=open", h.depositions_url()))
        .query(&h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}
