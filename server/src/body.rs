//! Reading JSON request bodies under a size limit.
//!
//! The body is capped while it streams ([`Limited`]), so an oversized request never
//! sits in memory whole. When it is too large, the rest is read and thrown away (up to
//! [`BODY_DISCARD_BYTES_MAX`]) before the 413 is sent: a client that is still writing
//! would otherwise see the connection reset instead of the answer (API.md).
//!
//! Order of checks: size (413), then emptiness (an empty body counts as `{}`), then
//! media type (415), then JSON syntax (400). The syntax error message carries serde's
//! line and column. Only a body of no bytes at all is empty: white space alone is not a
//! JSON text, so it is a 400 like any other unparseable body.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::StatusCode;
use hyper::body::Body;
use hyper::header::{self, HeaderMap};
use serde_json::Value;

use crate::error::{ApiError, ErrorType};

/// The default request body limit (API.md: 1 MiB).
pub const BODY_BYTES_MAX_DEFAULT: usize = 1 << 20;
/// Most bytes of an oversized body read and discarded before answering 413; a client
/// sending more than this sees the connection closed instead.
pub const BODY_DISCARD_BYTES_MAX: usize = 16 << 20;

/// Reads the whole body as JSON, `limit_bytes` at most.
pub async fn read_json<B>(
    headers: &HeaderMap,
    mut body: B,
    limit_bytes: usize,
) -> Result<Value, ApiError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let collected = Limited::new(&mut body, limit_bytes).collect().await;
    let bytes = match collected {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            discard(&mut body, limit_bytes).await;
            return Err(too_large(limit_bytes));
        }
        Err(error) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorType::InvalidRequest,
                "unreadable_body",
                format!("the request body could not be read: {error}"),
            ));
        }
    };
    if bytes.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    check_media_type(headers)?;
    serde_json::from_slice(&bytes).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequest,
            "invalid_json",
            format!("the body is not valid JSON: {error}"),
        )
    })
}

/// Reads and drops what is left of a body (up to [`BODY_DISCARD_BYTES_MAX`] in all), so
/// a client still sending it can read the refusal instead of meeting a reset.
pub async fn discard<B>(body: &mut B, already_read_bytes: usize)
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut total = already_read_bytes;
    while total < BODY_DISCARD_BYTES_MAX {
        match body.frame().await {
            Some(Ok(frame)) => total += frame.data_ref().map_or(0, Bytes::len),
            // The end, or a broken stream: either way nothing more to read.
            Some(Err(_)) | None => return,
        }
    }
}

pub(crate) fn too_large(limit_bytes: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorType::InvalidRequest,
        "body_too_large",
        format!("the request body is larger than {limit_bytes} bytes"),
    )
}

/// A body must be `application/json` (parameters such as `charset=utf-8` allowed, and
/// the `+json` family such as `application/merge-patch+json`).
fn check_media_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    match media_type.as_deref() {
        Some("application/json") => Ok(()),
        Some(other) if other.starts_with("application/") && other.ends_with("+json") => Ok(()),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorType::InvalidRequest,
            "unsupported_media_type",
            format!(
                "the body must be `application/json`, not `{}`",
                other.unwrap_or("(none)")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};

    use http_body_util::Full;
    use hyper::body::Frame;
    use hyper::header::HeaderValue;

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers
    }

    fn read(headers: &HeaderMap, body: &'static [u8], limit: usize) -> Result<Value, ApiError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(read_json(
            headers,
            Full::new(Bytes::from_static(body)),
            limit,
        ))
    }

    #[test]
    fn parses_json_and_treats_empty_as_an_empty_object() {
        let value = read(&json_headers(), br#"{"a": 1}"#, 1024).expect("valid");
        assert_eq!(value["a"], 1);
        let empty = read(&HeaderMap::new(), b"", 1024).expect("empty is {}");
        assert_eq!(empty, serde_json::json!({}));
    }

    /// Regression (found by schemathesis): a body of white space alone was taken as
    /// empty, so `PATCH /v1/me` with `"\n"` answered 200 instead of refusing it.
    #[test]
    fn white_space_alone_is_not_an_empty_body() {
        for body in [&b"\n"[..], b"  ", b"\r\n\t"] {
            let error = read(&json_headers(), body, 1024).expect_err("refused");
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body:?}");
        }
    }

    #[test]
    fn refusals_have_their_statuses() {
        let status = |result: Result<Value, ApiError>| result.expect_err("refused").status;
        assert_eq!(
            status(read(&json_headers(), b"{\"a\":", 1024)),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status(read(&HeaderMap::new(), b"{}", 1024)),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let mut form = HeaderMap::new();
        form.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(
            status(read(&form, b"a=1", 1024)),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            status(read(&json_headers(), b"[1, 2, 3]", 4)),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let mut merge = HeaderMap::new();
        merge.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/merge-patch+json"),
        );
        assert!(read(&merge, b"{}", 1024).is_ok());
    }

    /// A body of `remaining` chunks of spaces, counting how many were read.
    struct Chunks {
        remaining: usize,
        chunk_bytes: usize,
        read: Arc<AtomicUsize>,
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            if self.remaining == 0 {
                return Poll::Ready(None);
            }
            self.remaining -= 1;
            self.read.fetch_add(1, Ordering::Relaxed);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![
                b' ';
                self.chunk_bytes
            ])))))
        }
    }

    /// An oversized body is read on to its end (within the discard bound), so the
    /// client is not reset while it is still sending.
    #[test]
    fn an_oversized_body_is_drained_up_to_the_discard_bound() {
        let chunk_bytes = 64 * 1024;
        for (chunks, drained_all) in [(32, true), (400, false)] {
            let read = Arc::new(AtomicUsize::new(0));
            let body = Chunks {
                remaining: chunks,
                chunk_bytes,
                read: Arc::clone(&read),
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            let error = runtime
                .block_on(read_json(&json_headers(), body, 1 << 20))
                .expect_err("too large");
            assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
            let read = read.load(Ordering::Relaxed);
            if drained_all {
                assert_eq!(read, chunks);
            } else {
                assert!(read < chunks);
                assert!(read * chunk_bytes <= BODY_DISCARD_BYTES_MAX + chunk_bytes);
            }
        }
    }
}
