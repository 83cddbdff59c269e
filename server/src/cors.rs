//! CORS for browser clients on other origins (`--cors-origin`).
//!
//! Off unless origins are configured: then no reply carries a CORS header and browsers
//! keep their same-origin rule. With origins configured, a request whose `Origin` is
//! one of them (or any, for `*`) gets `Access-Control-Allow-Origin` on every reply,
//! errors and 429s included (else a browser reports a CORS failure instead of the
//! real status), and a preflight `OPTIONS` is answered 204 with the methods its path
//! accepts and the request headers the API reads. Tokens travel in `Authorization`,
//! not cookies, so credentials mode is never allowed.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Response, StatusCode};

use crate::router::{self, Match};

/// Request headers a browser may send cross-origin.
const ALLOWED_HEADERS: &str =
    "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id";
/// Reply headers a browser script may read.
const EXPOSED_HEADERS: &str = "X-Request-Id, Idempotent-Replayed, Retry-After, WWW-Authenticate";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE_S: &str = "600";
/// Most origins configured (a sanity bound; each request scans them).
pub const CORS_ORIGINS_MAX: usize = 64;

/// The configured origins.
#[derive(Clone, Debug, Default)]
pub struct Cors {
    /// Lower-cased `scheme://host[:port]`.
    origins: Vec<String>,
    any: bool,
}

impl Cors {
    /// CORS for `origins` (each checked by [`parse_origin`]); none turns it off.
    pub fn new(origins: &[String]) -> Cors {
        Cors {
            any: origins.iter().any(|origin| origin == "*"),
            origins: origins
                .iter()
                .map(|origin| origin.to_ascii_lowercase())
                .collect(),
        }
    }

    /// The request's `Origin` when it is allowed: what `Access-Control-Allow-Origin`
    /// will say.
    pub fn allowed_origin(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        if self.origins.is_empty() {
            return None;
        }
        let origin = headers.get(header::ORIGIN)?;
        if self.any {
            return Some(HeaderValue::from_static("*"));
        }
        let text = origin.to_str().ok()?.to_ascii_lowercase();
        self.origins.contains(&text).then(|| origin.clone())
    }

    /// The answer to a preflight from an allowed origin: `None` when the request is not
    /// a preflight or its path names no route (it is then answered as usual, 404 or 405).
    pub fn preflight(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Option<Response<Full<Bytes>>> {
        if method != Method::OPTIONS || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return None;
        }
        let origin = self.allowed_origin(headers)?;
        let Match::MethodNotAllowed { allow } = router::route(method, path) else {
            return None;
        };
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if let Ok(allow) = HeaderValue::from_str(&allow) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, allow);
        }
        let fixed = [
            (header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS),
            (header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_S),
            (
                header::VARY,
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        ];
        for (name, value) in fixed {
            headers.insert(name, HeaderValue::from_static(value));
        }
        Some(response)
    }

    /// Adds the CORS headers of an ordinary reply to an allowed `origin`.
    pub fn decorate(&self, origin: Option<HeaderValue>, headers: &mut HeaderMap) {
        if self.origins.is_empty() {
            return;
        }
        // Caches must not serve one origin's reply to another.
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = origin else {
            return;
        };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        let exposed: HeaderName = header::ACCESS_CONTROL_EXPOSE_HEADERS;
        headers.insert(exposed, HeaderValue::from_static(EXPOSED_HEADERS));
    }
}

/// Checks one `--cors-origin`: `*`, or `scheme://host[:port]` exactly as a browser sends
/// it in `Origin` (no path, no trailing slash).
pub fn parse_origin(text: &str) -> Result<String, String> {
    if text == "*" {
        return Ok(text.to_string());
    }
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| format!("`{text}` is not an origin such as https://shop.example"))?;
    let valid = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@'])
        && HeaderValue::from_str(text).is_ok()
        && text.bytes().all(|byte| byte.is_ascii_graphic());
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not an origin: expected `*` or http(s)://host[:port] with no path"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_str(origin).expect("ascii"),
        );
        headers
    }

    #[test]
    fn only_configured_origins_are_allowed() {
        let cors = Cors::new(&["https://Shop.example".to_string()]);
        assert!(
            cors.allowed_origin(&with_origin("https://shop.example"))
                .is_some()
        );
        assert!(
            cors.allowed_origin(&with_origin("https://evil.example"))
                .is_none()
        );
        assert!(cors.allowed_origin(&HeaderMap::new()).is_none());
        let off = Cors::new(&[]);
        assert!(
            off.allowed_origin(&with_origin("https://shop.example"))
                .is_none()
        );
        let any = Cors::new(&["*".to_string()]);
        assert_eq!(
            any.allowed_origin(&with_origin("https://x.example")),
            Some(HeaderValue::from_static("*"))
        );
    }

    #[test]
    fn preflights_name_the_methods_of_the_path() {
        let cors = Cors::new(&["https://shop.example".to_string()]);
        let mut headers = with_origin("https://shop.example");
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("PATCH"),
        );
        let reply = cors
            .preflight(&Method::OPTIONS, "/v1/products/prod_x", &headers)
            .expect("a preflight");
        assert_eq!(reply.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            reply.headers()[header::ACCESS_CONTROL_ALLOW_METHODS],
            "GET, PATCH, DELETE"
        );
        assert!(
            cors.preflight(&Method::OPTIONS, "/nowhere", &headers)
                .is_none()
        );
        assert!(
            cors.preflight(&Method::GET, "/v1/products", &headers)
                .is_none()
        );
    }

    #[test]
    fn origins_are_checked() {
        for good in ["*", "https://shop.example", "http://localhost:3000"] {
            assert!(parse_origin(good).is_ok(), "{good}");
        }
        for bad in [
            "shop.example",
            "https://",
            "https://a/b",
            "ftp://a",
            "https://a b",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
