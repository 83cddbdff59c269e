//! The storefront and dashboard pages over HTTP: both answer HTML under a policy that
//! lets them run their own scripts and nothing else, every asset they name is served
//! with its media type and a cache policy tied to its version, a stale copy is
//! revalidated with a 304, and an unknown asset is a 404 in the API's error shape.
//! The pages' behaviour in a browser is tested by `e2e/run.sh`.

mod common;

use common::{Reply, TestServer};

/// The `?v=` a page puts on its assets.
fn asset_version(page: &str) -> String {
    let start = page.find("?v=").expect("a versioned asset") + 3;
    page[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// Every `/assets/...` URL a page names, with its query.
fn asset_urls(page: &str) -> Vec<String> {
    page.match_indices("\"/assets/")
        .map(|(position, _)| {
            let rest = &page[position + 1..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect()
}

fn html(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).expect("utf-8 page")
}

#[test]
fn both_pages_are_html_with_a_policy_that_runs_only_their_own_scripts() {
    let server = TestServer::start();
    for (path, marker) in [("/", "storefront.js"), ("/dashboard", "dashboard.js")] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let page = html(&reply);
        assert!(page.starts_with("<!doctype html>"), "{path}");
        assert!(page.contains(marker), "{path} loads {marker}");
        let policy = reply.header("content-security-policy").expect("a CSP");
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
        assert!(reply.header("etag").is_some_and(|tag| tag.starts_with('"')));
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert!(reply.header("x-request-id").is_some());
    }
}

#[test]
fn api_replies_keep_the_api_policy() {
    let server = TestServer::start();
    let reply = server.get("/v1/categories");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

#[test]
fn assets_have_their_media_types_and_versioned_caching() {
    let server = TestServer::start();
    let storefront = html(&server.get("/"));
    let dashboard = html(&server.get("/dashboard"));
    let version = asset_version(&storefront);
    assert_eq!(version.len(), 16);
    assert_eq!(asset_version(&dashboard), version);
    let mut urls = asset_urls(&storefront);
    urls.extend(asset_urls(&dashboard));
    urls.sort();
    urls.dedup();
    let expected = [
        ("site.css", "text/css; charset=utf-8"),
        ("common.js", "text/javascript; charset=utf-8"),
        ("storefront.js", "text/javascript; charset=utf-8"),
        ("storefront-catalog.js", "text/javascript; charset=utf-8"),
        ("storefront-orders.js", "text/javascript; charset=utf-8"),
        ("charts.js", "text/javascript; charset=utf-8"),
        ("dashboard.js", "text/javascript; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ];
    assert_eq!(urls.len(), expected.len(), "{urls:?}");
    for (name, content_type) in expected {
        let url = format!("/assets/{name}?v={version}");
        assert!(urls.contains(&url), "a page names {url}");
        let current = server.get(&url);
        assert_eq!(current.status, 200, "{url}");
        assert_eq!(current.header("content-type"), Some(content_type), "{url}");
        assert_eq!(
            current.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{url}"
        );
        assert!(!current.body.is_empty());
        // Without the current version (an old page, a hand-typed URL) the copy must be
        // revalidated, or a browser could keep an asset that no longer matches the page.
        for stale in [
            format!("/assets/{name}"),
            format!("/assets/{name}?v=0000000000000000"),
        ] {
            let reply = server.get(&stale);
            assert_eq!(reply.status, 200, "{stale}");
            assert_eq!(reply.header("cache-control"), Some("no-cache"), "{stale}");
            assert_eq!(reply.body, current.body, "{stale}");
        }
    }
}

#[test]
fn a_current_copy_is_revalidated_with_304() {
    let server = TestServer::start();
    for path in ["/", "/dashboard", "/assets/storefront.js"] {
        let first = server.get(path);
        let etag = first.header("etag").expect("an etag").to_string();
        let again = server.request("GET", path, &[("If-None-Match", &etag)], b"");
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty(), "{path}");
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let weak = format!("W/{etag}");
        let listed = format!("\"0000000000000000\", {weak}");
        let again = server.request("GET", path, &[("If-None-Match", &listed)], b"");
        assert_eq!(again.status, 304, "{path} with a list");
        let changed = server.request(
            "GET",
            path,
            &[("If-None-Match", "\"0000000000000000\"")],
            b"",
        );
        assert_eq!(changed.status, 200, "{path}");
        assert_eq!(changed.body, first.body);
    }
}

#[test]
fn unknown_assets_and_paths_are_404_and_pages_answer_only_get() {
    let server = TestServer::start();
    for path in [
        "/assets/nope.js",
        "/assets/..%2Fsrc%2Fmain.rs",
        "/assets/storefront.html",
        "/assets/site.css/x",
        "/dashboard/",
        "/index.html",
    ] {
        let reply = server.get(path);
        reply.assert_error(404, "not_found", None);
    }
    let reply = server.request("POST", "/", &[], b"");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET"));
}

#[test]
fn pages_are_counted_in_the_metrics_by_route() {
    let server = TestServer::start();
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/assets/site.css").status, 200);
    let metrics = String::from_utf8(server.get("/metrics").body).expect("text");
    assert!(
        metrics
            .contains("emporium_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"} 1")
    );
    assert!(metrics.contains(
        "emporium_http_requests_total{route=\"/assets/{file}\",method=\"GET\",status=\"200\"} 1"
    ));
    assert!(metrics.contains("emporium_committer_batches_total "));
    assert!(metrics.contains("emporium_committer_commit_seconds_total "));
}
