//! The record codec: a one-byte format version followed by postcard.
//!
//! The version byte lets a record written today be read after its struct changes: a
//! newer binary keeps a decoder for every older version it has shipped, and an older
//! binary refuses a newer record with a clear error instead of misreading it.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The format version written in front of every record today.
pub const RECORD_FORMAT_VERSION: u8 = 1;

/// A stored record that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The value has no bytes at all, so not even a version.
    #[error("empty record")]
    Empty,
    /// Written by a format this binary does not know (a newer one).
    #[error("record format version {found} is not supported (this binary reads {supported})")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
        /// The newest version this binary reads.
        supported: u8,
    },
    /// The bytes after the version do not decode.
    #[error("malformed record: {0}")]
    Malformed(String),
}

/// Encodes `value` behind the current format version.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(128);
    bytes.push(RECORD_FORMAT_VERSION);
    // postcard into a Vec fails only when a type's Serialize impl reports an error, and
    // none of the engine's record types do.
    postcard::to_extend(value, bytes).expect("engine records always serialize")
}

/// Decodes a record written by [`encode`]; errors, never panics, on any bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (&version, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    if version != RECORD_FORMAT_VERSION {
        return Err(CodecError::UnsupportedVersion {
            found: version,
            supported: RECORD_FORMAT_VERSION,
        });
    }
    let (value, rest) = postcard::take_from_bytes(body)
        .map_err(|error| CodecError::Malformed(error.to_string()))?;
    if !rest.is_empty() {
        return Err(CodecError::Malformed(format!(
            "{} trailing bytes",
            rest.len()
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, CategoryId, Timestamp};

    fn category() -> Category {
        Category {
            id: CategoryId::from_raw(3),
            name: "Küche".into(),
            parent_id: Some(CategoryId::from_raw(1)),
            created_at: Timestamp::from_millis(1_700_000_000_000),
        }
    }

    #[test]
    fn round_trips_behind_the_version_byte() {
        let bytes = encode(&category());
        assert_eq!(bytes[0], RECORD_FORMAT_VERSION);
        assert_eq!(decode::<Category>(&bytes), Ok(category()));
    }

    #[test]
    fn refuses_unknown_versions_and_garbage() {
        let mut bytes = encode(&category());
        bytes[0] = RECORD_FORMAT_VERSION + 1;
        assert!(matches!(
            decode::<Category>(&bytes),
            Err(CodecError::UnsupportedVersion { .. })
        ));
        assert_eq!(decode::<Category>(&[]), Err(CodecError::Empty));
        assert!(matches!(
            decode::<Category>(&[1, 0xff]),
            Err(CodecError::Malformed(_))
        ));
        let mut trailing = encode(&category());
        trailing.push(0);
        assert!(matches!(
            decode::<Category>(&trailing),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn never_panics_on_truncations() {
        let bytes = encode(&category());
        for end in 0..bytes.len() {
            assert!(
                decode::<Category>(&bytes[..end]).is_err(),
                "prefix of {end} bytes"
            );
        }
    }
}
