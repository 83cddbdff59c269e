//! Bodies of the users routes: registration, sign-in, profile and address changes.
//!
//! As for products, shapes and types are checked here and the engine's own rules are
//! run too, so a body is refused with its field named before any password is hashed.

use std::fmt;

use emporium::{
    AddressPatch, Currency, EMAIL_CHARS_MAX, NewAddress, NewUser, PASSWORD_CHARS_MAX,
    PreferencesPatch, UserPatch, ValidationError,
};
use serde_json::Value;

use super::{Fields, string, type_error};

/// The fields of a `POST /v1/me/addresses` body.
pub const NEW_ADDRESS_FIELDS: &[&str] = &[
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "is_default",
];

const PREFERENCES_FIELDS: &[&str] = &["email", "sms", "push", "marketing", "locale", "currency"];

/// The body of `POST /v1/auth/login`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The email as sent (the engine normalizes it).
    pub email: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password must never reach a log line.
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A `POST /v1/auth/register` body, checked by the engine's rules.
pub fn new_user(value: &Value) -> Result<NewUser, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["email", "password", "name"])?;
    let new = NewUser {
        email: string(fields.required("email")?, "email")?,
        password: string(fields.required("password")?, "password")?,
        name: string(fields.required("name")?, "name")?,
    };
    new.validate()?;
    Ok(new)
}

/// A `POST /v1/auth/login` body. Only the lengths are bounded here (they bound the work
/// one attempt costs); any other email or password is simply not an account's, a 401.
pub fn credentials(value: &Value) -> Result<Credentials, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["email", "password"])?;
    let credentials = Credentials {
        email: string(fields.required("email")?, "email")?,
        password: string(fields.required("password")?, "password")?,
    };
    at_most("email", &credentials.email, EMAIL_CHARS_MAX)?;
    at_most("password", &credentials.password, PASSWORD_CHARS_MAX)?;
    Ok(credentials)
}

/// A `PATCH /v1/me` body: absent fields stay as they are.
pub fn user_patch(value: &Value) -> Result<UserPatch, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["name", "preferences"])?;
    let patch = UserPatch {
        name: fields
            .present("name")?
            .map(|v| string(v, "name"))
            .transpose()?,
        preferences: fields
            .present("preferences")?
            .map(preferences)
            .transpose()?,
    };
    patch.validate()?;
    Ok(patch)
}

/// `preferences` of a `PATCH /v1/me`: `null` clears `locale` or `currency`.
fn preferences(value: &Value) -> Result<PreferencesPatch, ValidationError> {
    let fields = Fields::of(value, "preferences")?;
    fields.only(PREFERENCES_FIELDS)?;
    let flag = |key: &str| -> Result<Option<bool>, ValidationError> {
        fields
            .present(key)?
            .map(|value| boolean(value, &fields.path(key)))
            .transpose()
    };
    let currency = match nullable_string(&fields, "currency")? {
        None => None,
        Some(None) => Some(None),
        Some(Some(code)) => Some(Some(Currency::parse(&code).ok_or_else(|| {
            let message = "`preferences.currency` must be an ISO 4217 code such as `USD`";
            ValidationError::new("preferences.currency", "invalid", message)
        })?)),
    };
    Ok(PreferencesPatch {
        email: flag("email")?,
        sms: flag("sms")?,
        push: flag("push")?,
        marketing: flag("marketing")?,
        locale: nullable_string(&fields, "locale")?,
        currency,
    })
}

/// A `POST /v1/me/addresses` body, normalized by the engine's rules.
pub fn new_address(value: &Value) -> Result<NewAddress, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(NEW_ADDRESS_FIELDS)?;
    let text = |key: &str| string(fields.required(key)?, key);
    let new = NewAddress {
        name: text("name")?,
        line1: text("line1")?,
        line2: nullable_string(&fields, "line2")?.flatten(),
        city: text("city")?,
        region: nullable_string(&fields, "region")?.flatten(),
        postal_code: text("postal_code")?,
        country: text("country")?,
        is_default: fields
            .optional("is_default")
            .map(|value| boolean(value, "is_default"))
            .transpose()?
            .unwrap_or(false),
    };
    new.normalized()
}

/// A `PATCH /v1/me/addresses/{id}` body: absent fields stay as they are; `null` clears
/// `line2` or `region`.
pub fn address_patch(value: &Value) -> Result<AddressPatch, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(NEW_ADDRESS_FIELDS)?;
    let text = |key: &str| -> Result<Option<String>, ValidationError> {
        fields.present(key)?.map(|v| string(v, key)).transpose()
    };
    let patch = AddressPatch {
        name: text("name")?,
        line1: text("line1")?,
        line2: nullable_string(&fields, "line2")?,
        city: text("city")?,
        region: nullable_string(&fields, "region")?,
        postal_code: text("postal_code")?,
        country: text("country")?,
        is_default: fields
            .present("is_default")?
            .map(|value| boolean(value, "is_default"))
            .transpose()?,
    };
    patch.normalized()
}

/// Absent: `None`; `null`: `Some(None)`; a string: `Some(Some(..))`.
fn nullable_string(
    fields: &Fields<'_>,
    key: &str,
) -> Result<Option<Option<String>>, ValidationError> {
    match fields.map.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(value) => Ok(Some(Some(string(value, &fields.path(key))?))),
    }
}

fn boolean(value: &Value, field: &str) -> Result<bool, ValidationError> {
    value
        .as_bool()
        .ok_or_else(|| type_error(field, "`true` or `false`"))
}

fn at_most(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        let message = format!("`{field}` must have at most {max} characters");
        return Err(ValidationError::new(field, "too_long", message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refusal(result: Result<impl fmt::Debug, ValidationError>) -> (String, &'static str) {
        let error = result.expect_err("must be refused");
        (error.field, error.code)
    }

    #[test]
    fn registration_fields_are_typed_and_checked() {
        let ok = json!({"email": " Ada@Example.com", "password": "correct horse", "name": "Ada"});
        assert_eq!(new_user(&ok).expect("valid").name, "Ada");
        let cases = [
            (
                json!({"password": "correct horse", "name": "A"}),
                "email",
                "required",
            ),
            (
                json!({"email": 7, "password": "correct horse", "name": "A"}),
                "email",
                "invalid_type",
            ),
            (
                json!({"email": "a@b", "password": "short", "name": "A"}),
                "password",
                "too_short",
            ),
            (
                json!({"email": "ab", "password": "correct horse", "name": "A"}),
                "email",
                "too_short",
            ),
            (
                json!({"email": "a@b", "password": "correct horse", "name": " "}),
                "name",
                "too_short",
            ),
            (
                json!({"email": "a@b", "password": "correct horse", "name": "A", "role": "admin"}),
                "role",
                "unknown_field",
            ),
            (json!([]), "", "invalid_type"),
        ];
        for (body, field, code) in cases {
            assert_eq!(
                refusal(new_user(&body)),
                (field.to_string(), code),
                "{body}"
            );
        }
    }

    #[test]
    fn login_bounds_lengths_only() {
        let short = json!({"email": "x", "password": "1"});
        assert_eq!(credentials(&short).expect("a 401, not a 422").email, "x");
        let long = json!({"email": "a@b", "password": "p".repeat(129)});
        assert_eq!(refusal(credentials(&long)), ("password".into(), "too_long"));
        let debug = format!(
            "{:?}",
            credentials(&json!({"email": "a@b", "password": "hunter22"}))
        );
        assert!(!debug.contains("hunter22"), "{debug}");
    }

    #[test]
    fn profile_patches_merge_and_clear() {
        let patch = user_patch(&json!({
            "name": "Ada L.",
            "preferences": {"sms": true, "locale": "en-GB", "currency": null}
        }))
        .expect("valid");
        assert_eq!(patch.name.as_deref(), Some("Ada L."));
        let preferences = patch.preferences.expect("preferences");
        assert_eq!(preferences.sms, Some(true));
        assert_eq!(preferences.email, None);
        assert_eq!(preferences.locale, Some(Some("en-GB".into())));
        assert_eq!(preferences.currency, Some(None));
        let cases = [
            (json!({"name": null}), "name"),
            (json!({"name": 1}), "name"),
            (json!({"preferences": []}), "preferences"),
            (json!({"preferences": {"sms": "yes"}}), "preferences.sms"),
            (
                json!({"preferences": {"currency": "usd"}}),
                "preferences.currency",
            ),
            (
                json!({"preferences": {"locale": "en_GB"}}),
                "preferences.locale",
            ),
            (
                json!({"preferences": {"theme": "dark"}}),
                "preferences.theme",
            ),
        ];
        for (body, field) in cases {
            assert_eq!(refusal(user_patch(&body)).0, field, "{body}");
        }
    }

    #[test]
    fn addresses_name_the_offending_field() {
        let full = json!({
            "name": "Ada", "line1": "1 Main St", "line2": null, "city": "London",
            "postal_code": "SW1", "country": "GB", "is_default": true
        });
        let address = new_address(&full).expect("valid");
        assert!(address.is_default);
        assert_eq!(address.line2, None);
        let cases = [
            (json!({"name": "Ada"}), "line1"),
            (
                json!({"name": "Ada", "line1": "x", "city": "c", "postal_code": "p", "country": "gb"}),
                "country",
            ),
            (
                json!({"name": "Ada", "line1": "x", "city": 5, "postal_code": "p", "country": "GB"}),
                "city",
            ),
            (
                json!({"name": "Ada", "line1": "x", "city": "c", "postal_code": "p", "country": "GB", "is_default": 1}),
                "is_default",
            ),
        ];
        for (body, field) in cases {
            assert_eq!(refusal(new_address(&body)).0, field, "{body}");
        }
        let patch = address_patch(&json!({"region": null, "is_default": true})).expect("valid");
        assert_eq!(patch.region, Some(None));
        assert_eq!(patch.is_default, Some(true));
        assert_eq!(refusal(address_patch(&json!({"city": null}))).0, "city");
        assert_eq!(refusal(address_patch(&json!({"line2": 3}))).0, "line2");
    }
}
