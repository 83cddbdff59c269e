//! The storefront (`GET /`), the operations dashboard (`GET /dashboard`) and the files
//! they load (`GET /assets/{file}`). Every file is compiled into the binary with
//! `include_bytes!`, so the one binary serves them with no build step, no second
//! server and no network (nothing comes from a CDN; the charts are drawn as SVG by the
//! dashboard's own script).
//!
//! The pages are clients of the API like any other: they sign in through
//! `/v1/auth/login`, keep the token in the browser and send it as `Authorization:
//! Bearer`, so these routes are public and the API checks every call a page makes.
//!
//! Caching: a page names its assets with `?v=` and a hash of every asset, so an asset
//! fetched under the current version is cached for a year (`immutable`) and a new
//! binary is picked up on the next page load. Pages, and assets asked for without the
//! current version, are revalidated on every use (`no-cache`) against a strong `ETag`
//! of their content, answered 304 when unchanged.
//!
//! Content-Security-Policy: API replies forbid everything; a page may load scripts,
//! styles and images from this origin and call this origin's API, nothing else. No
//! page has inline script or style, so neither is allowed.

use std::sync::LazyLock;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};

use super::{Ctx, Reply, ReqBody};
use crate::error::ApiError;
use crate::query::Query;
use crate::render::bytes_with_type;

/// The policy of the pages and their assets.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";
/// For a page, and an asset asked for without the current version: revalidate first.
const REVALIDATE: &str = "no-cache";
/// For an asset asked for under the current version, which never changes under it.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// What a page writes where its assets' version goes.
const VERSION_MARK: &str = "{{v}}";

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// One file under `server/assets/`.
struct File {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! file {
    ($name:literal, $content_type:expr) => {
        File {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/", $name)),
        }
    };
}

/// What `/assets/{file}` serves.
static ASSETS: [File; 8] = [
    file!("site.css", CSS),
    file!("common.js", JAVASCRIPT),
    file!("storefront.js", JAVASCRIPT),
    file!("storefront-catalog.js", JAVASCRIPT),
    file!("storefront-orders.js", JAVASCRIPT),
    file!("charts.js", JAVASCRIPT),
    file!("dashboard.js", JAVASCRIPT),
    file!("favicon.svg", SVG),
];

static STOREFRONT: File = file!("storefront.html", HTML);
static DASHBOARD: File = file!("dashboard.html", HTML);

/// A file ready to serve: its bytes (a page with the version filled in) and its tag.
struct Prepared {
    bytes: Bytes,
    etag: HeaderValue,
}

impl Prepared {
    fn new(bytes: Bytes) -> Prepared {
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", fnv1a(&bytes)))
            .expect("hex digits in quotes are a valid header value");
        Prepared { bytes, etag }
    }
}

struct Site {
    /// The hash of every asset, as the `v` the pages write.
    version: String,
    storefront: Prepared,
    dashboard: Prepared,
    /// In the order of [`ASSETS`].
    assets: Vec<Prepared>,
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let mut whole = Vec::new();
    for file in &ASSETS {
        whole.extend_from_slice(file.name.as_bytes());
        whole.push(0);
        whole.extend_from_slice(file.bytes);
    }
    let version = format!("{:016x}", fnv1a(&whole));
    let page = |file: &File| {
        let text = String::from_utf8_lossy(file.bytes).replace(VERSION_MARK, &version);
        Prepared::new(Bytes::from(text))
    };
    Site {
        storefront: page(&STOREFRONT),
        dashboard: page(&DASHBOARD),
        assets: ASSETS
            .iter()
            .map(|file| Prepared::new(Bytes::from_static(file.bytes)))
            .collect(),
        version,
    }
});

/// `GET /`: the storefront.
pub(super) fn storefront(request: &Request<ReqBody>) -> Response<Full<Bytes>> {
    serve(request.headers(), &SITE.storefront, HTML, REVALIDATE)
}

/// `GET /dashboard`: the operations dashboard (it asks for an admin sign-in itself).
pub(super) fn dashboard(request: &Request<ReqBody>) -> Response<Full<Bytes>> {
    serve(request.headers(), &SITE.dashboard, HTML, REVALIDATE)
}

/// `GET /assets/{file}`: 404 for a name that is not one of [`ASSETS`].
pub(super) fn asset(ctx: &Ctx, request: &Request<ReqBody>) -> Reply {
    let name = ctx.params.get("file");
    let Some(index) = ASSETS.iter().position(|file| file.name == name) else {
        return Err(ApiError::not_found(
            "asset_not_found",
            format!("no asset named `{name}`"),
        ));
    };
    let site = &*SITE;
    // A malformed query is no version at all: the asset is still served, revalidated.
    let current = Query::parse(request.uri().query())
        .is_ok_and(|query| query.get("v") == Some(site.version.as_str()));
    let cache_control = if current { IMMUTABLE } else { REVALIDATE };
    Ok(serve(
        request.headers(),
        &site.assets[index],
        ASSETS[index].content_type,
        cache_control,
    ))
}

fn serve(
    headers: &HeaderMap,
    prepared: &Prepared,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response<Full<Bytes>> {
    let mut response = if is_fresh(headers, &prepared.etag) {
        bytes_with_type(StatusCode::NOT_MODIFIED, Bytes::new(), content_type)
    } else {
        bytes_with_type(StatusCode::OK, prepared.bytes.clone(), content_type)
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, prepared.etag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

/// Whether `If-None-Match` names `etag` (or is `*`): the client's copy is current.
/// Weak tags compare by their opaque part, as RFC 9110 asks for `If-None-Match`.
fn is_fresh(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(wanted) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let ours = etag.to_str().unwrap_or_default();
    wanted.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*" || tag == ours
    })
}

/// FNV-1a, 64 bits: a content tag, not a security boundary (the files are ours).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_name_their_assets_under_the_current_version() {
        let site = &*SITE;
        for page in [&site.storefront, &site.dashboard] {
            let text = std::str::from_utf8(&page.bytes).expect("utf-8");
            assert!(!text.contains(VERSION_MARK));
            assert!(text.contains(&format!("?v={}", site.version)));
            // Inline script would be refused by the pages' own policy.
            assert!(!text.contains("<script>"));
            assert!(!text.contains(" style=\""));
        }
    }

    #[test]
    fn every_asset_a_page_names_exists() {
        let site = &*SITE;
        for page in [&site.storefront, &site.dashboard] {
            let text = std::str::from_utf8(&page.bytes).expect("utf-8");
            for (position, _) in text.match_indices("/assets/") {
                let rest = &text[position + "/assets/".len()..];
                let name = &rest[..rest.find(['?', '"']).expect("quoted")];
                assert!(
                    ASSETS.iter().any(|file| file.name == name),
                    "{name} is not served"
                );
            }
        }
    }

    #[test]
    fn if_none_match_compares_tags() {
        let etag = HeaderValue::from_static("\"00ff\"");
        let mut headers = HeaderMap::new();
        assert!(!is_fresh(&headers, &etag));
        for (sent, fresh) in [
            ("\"00ff\"", true),
            ("W/\"00ff\"", true),
            ("\"aa\", \"00ff\"", true),
            ("*", true),
            ("\"00fe\"", false),
            ("00ff", false),
        ] {
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(sent));
            assert_eq!(is_fresh(&headers, &etag), fresh, "{sent}");
        }
    }
}
