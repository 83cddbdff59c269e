//! The account types of the users capability and the rules on their fields.
//!
//! Every check here is pure: it runs on the caller's thread before anything is queued for
//! the committer, and its error names the JSON field (`email`, `preferences.locale`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Currency, Timestamp, UserId, ValidationError};

/// Shortest email address, in characters.
pub const EMAIL_CHARS_MIN: usize = 3;
/// Longest email address, in characters (RFC 5321's path limit).
pub const EMAIL_CHARS_MAX: usize = 254;
/// Shortest password, in characters (API.md: 8–128, no composition rules).
pub const PASSWORD_CHARS_MIN: usize = 8;
/// Longest password, in characters. Bounds the work one login can ask for.
pub const PASSWORD_CHARS_MAX: usize = 128;
/// Longest display name, in characters.
pub const USER_NAME_CHARS_MAX: usize = 200;
/// Shortest locale tag (`en`), in characters.
pub const LOCALE_CHARS_MIN: usize = 2;
/// Longest locale tag, in characters (BCP 47 tags in practice stay far below it).
pub const LOCALE_CHARS_MAX: usize = 35;

/// What an account may do. Registration always makes customers; admins come from
/// [`crate::Engine::ensure_admin`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A shopper: their own carts, orders, profile and addresses.
    #[default]
    Customer,
    /// A merchant operator: the admin endpoints too.
    Admin,
}

impl Role {
    /// The API word (`customer`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }
}

/// How a user wants to be reached, and how they read the shop.
///
/// Defaults for a new account: transactional email on, SMS off, push on, marketing off
/// (marketing is opt-in), no locale and no currency preference (the shop's own apply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Order and account notifications by email (default on).
    pub email: bool,
    /// Notifications by SMS (default off).
    pub sms: bool,
    /// Push notifications (default on).
    pub push: bool,
    /// Marketing messages on any channel (default off: opt-in).
    pub marketing: bool,
    /// Preferred locale, a BCP 47 tag such as `en-GB`.
    pub locale: Option<String>,
    /// Preferred display currency.
    pub currency: Option<Currency>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            email: true,
            sms: false,
            push: true,
            marketing: false,
            locale: None,
            currency: None,
        }
    }
}

/// A user account as the API shows it (`GET /v1/me`). It never carries the password
/// hash: that lives only in the stored record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id (`usr_…`).
    pub id: UserId,
    /// Normalized email: trimmed and lower-cased; unique across accounts.
    pub email: String,
    /// Display name.
    pub name: String,
    /// What the account may do.
    pub role: Role,
    /// Notification channels and display preferences.
    pub preferences: Preferences,
    /// When the account was created.
    pub created_at: Timestamp,
}

/// Who a valid token speaks for: enough to authorize a request without a store read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The account.
    pub user_id: UserId,
    /// Its role when the session was made (kept current by [`crate::Engine::ensure_admin`]).
    pub role: Role,
}

impl Principal {
    /// Whether the admin endpoints are open to it.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The input of registration (`POST /v1/auth/register`).
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Email address; normalized (trimmed, lower-cased) before it is checked or stored.
    pub email: String,
    /// Password: 8–128 characters, any characters.
    pub password: String,
    /// Display name: 1–200 characters, one line, not blank.
    pub name: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password must never reach a log line.
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("name", &self.name)
            .finish()
    }
}

/// Changes to one's own profile (`PATCH /v1/me`): `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// New display name.
    pub name: Option<String>,
    /// Changes to the preferences (merged field by field).
    pub preferences: Option<PreferencesPatch>,
}

/// Field-by-field changes to [`Preferences`]: `None` leaves a field as it is; for the
/// optional fields `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreferencesPatch {
    /// Email notifications on or off.
    pub email: Option<bool>,
    /// SMS notifications on or off.
    pub sms: Option<bool>,
    /// Push notifications on or off.
    pub push: Option<bool>,
    /// Marketing on or off.
    pub marketing: Option<bool>,
    /// New locale; `Some(None)` clears it.
    pub locale: Option<Option<String>>,
    /// New display currency; `Some(None)` clears it.
    pub currency: Option<Option<Currency>>,
}

impl NewUser {
    /// Checks every field and returns the normalized email; the error names the first
    /// field that breaks a rule.
    pub fn validate(&self) -> Result<String, ValidationError> {
        let email = normalize_email(&self.email)?;
        validate_password(&self.password)?;
        validate_user_name(&self.name)?;
        Ok(email)
    }
}

impl UserPatch {
    /// Checks every field that is present.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(name) = &self.name {
            validate_user_name(name)?;
        }
        if let Some(Some(locale)) = self.preferences.as_ref().and_then(|p| p.locale.as_ref()) {
            validate_locale(locale)?;
        }
        Ok(())
    }

    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self
                .preferences
                .as_ref()
                .is_none_or(|patch| *patch == PreferencesPatch::default())
    }
}

impl PreferencesPatch {
    /// `preferences` with this patch applied.
    pub fn apply(&self, preferences: &Preferences) -> Preferences {
        Preferences {
            email: self.email.unwrap_or(preferences.email),
            sms: self.sms.unwrap_or(preferences.sms),
            push: self.push.unwrap_or(preferences.push),
            marketing: self.marketing.unwrap_or(preferences.marketing),
            locale: self
                .locale
                .clone()
                .unwrap_or_else(|| preferences.locale.clone()),
            currency: self.currency.unwrap_or(preferences.currency),
        }
    }
}

/// `email` trimmed and lower-cased, if it is a plausible address: 3–254 characters,
/// exactly one `@` with something on both sides, no white space or control characters.
/// Deliverability is not checked here; that is what a confirmation mail is for.
pub fn normalize_email(email: &str) -> Result<String, ValidationError> {
    let email = email.trim().to_lowercase();
    let chars = email.chars().count();
    if chars < EMAIL_CHARS_MIN {
        let message = format!("`email` must have at least {EMAIL_CHARS_MIN} characters");
        return Err(ValidationError::new("email", "too_short", message));
    }
    if chars > EMAIL_CHARS_MAX {
        let message = format!("`email` must have at most {EMAIL_CHARS_MAX} characters");
        return Err(ValidationError::new("email", "too_long", message));
    }
    let invalid = |why: &str| {
        let message = format!("`email` is not a valid address: {why}");
        ValidationError::new("email", "invalid", message)
    };
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("it must not contain spaces"));
    }
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            if domain.contains('@') {
                return Err(invalid("it must contain exactly one `@`"));
            }
            Ok(email)
        }
        Some(_) => Err(invalid("it needs a name before and a domain after the `@`")),
        None => Err(invalid("it must contain exactly one `@`")),
    }
}

/// A password is 8–128 characters (not bytes) with no composition rules: length is
/// what makes a password strong, and API.md promises nothing more.
pub(crate) fn validate_password(password: &str) -> Result<(), ValidationError> {
    let chars = password.chars().count();
    if chars < PASSWORD_CHARS_MIN {
        let message = format!("`password` must have at least {PASSWORD_CHARS_MIN} characters");
        return Err(ValidationError::new("password", "too_short", message));
    }
    if chars > PASSWORD_CHARS_MAX {
        let message = format!("`password` must have at most {PASSWORD_CHARS_MAX} characters");
        return Err(ValidationError::new("password", "too_long", message));
    }
    Ok(())
}

/// A display name: 1–200 characters, one line, not blank.
pub(crate) fn validate_user_name(name: &str) -> Result<(), ValidationError> {
    one_line("name", name, 1, USER_NAME_CHARS_MAX)
}

/// A locale tag: 2–35 ASCII letters, digits and `-`, starting with a letter.
fn validate_locale(locale: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "preferences.locale";
    one_line(FIELD, locale, LOCALE_CHARS_MIN, LOCALE_CHARS_MAX)?;
    let well_formed = locale.starts_with(|c: char| c.is_ascii_alphabetic())
        && locale
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !well_formed {
        let message = format!("`{FIELD}` must be a language tag such as `en-GB`");
        return Err(ValidationError::new(FIELD, "invalid", message));
    }
    Ok(())
}

/// `value` has `min..=max` characters, no control characters, and is not blank.
pub(crate) fn one_line(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let chars = value.chars().count();
    if chars < min || value.trim().is_empty() {
        let message = if min <= 1 {
            format!("`{field}` must not be blank")
        } else {
            format!("`{field}` must have at least {min} characters")
        };
        return Err(ValidationError::new(field, "too_short", message));
    }
    if chars > max {
        let message = format!("`{field}` must have at most {max} characters, it has {chars}");
        return Err(ValidationError::new(field, "too_long", message));
    }
    if value.chars().any(char::is_control) {
        let message = format!("`{field}` must not contain control characters");
        return Err(ValidationError::new(field, "invalid", message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").as_deref(),
            Ok("ada@example.com")
        );
        assert_eq!(normalize_email("a@b").as_deref(), Ok("a@b"));
    }

    #[test]
    fn bad_emails_name_the_field() {
        let long = format!("{}@example.com", "a".repeat(250));
        for (bad, code) in [
            ("", "too_short"),
            ("   ", "too_short"),
            ("ab@", "invalid"),
            ("@b.c", "invalid"),
            ("ab.c", "invalid"),
            ("a@b@c", "invalid"),
            ("a b@c.d", "invalid"),
            ("a@b\u{0}c", "invalid"),
            (long.as_str(), "too_long"),
        ] {
            let error = normalize_email(bad).expect_err(bad);
            assert_eq!(
                (error.field.as_str(), error.code),
                ("email", code),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(
            validate_password(&"🔑".repeat(8)).is_ok(),
            "8 emoji are 32 bytes"
        );
        assert!(validate_password(&"é".repeat(128)).is_ok());
        let short = validate_password("1234567").expect_err("7 characters");
        assert_eq!(
            (short.field.as_str(), short.code),
            ("password", "too_short")
        );
        let long = validate_password(&"🔑".repeat(129)).expect_err("129 characters");
        assert_eq!((long.field.as_str(), long.code), ("password", "too_long"));
        assert!(
            validate_password("        ").is_ok(),
            "no composition rules"
        );
    }

    #[test]
    fn names_and_locales_are_checked() {
        assert_eq!(validate_user_name("").map_err(|e| e.code), Err("too_short"));
        assert_eq!(
            validate_user_name("  ").map_err(|e| e.code),
            Err("too_short")
        );
        assert_eq!(
            validate_user_name("a\nb").map_err(|e| e.code),
            Err("invalid")
        );
        assert!(validate_user_name(&"n".repeat(200)).is_ok());
        assert_eq!(
            validate_user_name(&"n".repeat(201)).map_err(|e| e.code),
            Err("too_long")
        );
        let patch = |locale: &str| UserPatch {
            preferences: Some(PreferencesPatch {
                locale: Some(Some(locale.into())),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(patch("en-GB").validate().is_ok());
        for bad in ["e", "en_GB", "-en", "en GB", &"a".repeat(36)] {
            let error = patch(bad).validate().expect_err(bad);
            assert_eq!(error.field, "preferences.locale", "{bad:?}");
        }
    }

    #[test]
    fn preferences_default_and_merge() {
        let defaults = Preferences::default();
        assert!(defaults.email && defaults.push && !defaults.sms && !defaults.marketing);
        let patch = PreferencesPatch {
            sms: Some(true),
            locale: Some(Some("de".into())),
            ..Default::default()
        };
        let merged = patch.apply(&defaults);
        assert!(merged.sms && merged.email);
        assert_eq!(merged.locale.as_deref(), Some("de"));
        let cleared = PreferencesPatch {
            locale: Some(None),
            ..Default::default()
        }
        .apply(&merged);
        assert_eq!(cleared.locale, None);
        assert!(UserPatch::default().is_empty());
    }

    #[test]
    fn user_json_has_the_api_shape_and_no_secret() {
        let user = User {
            id: UserId::from_raw(1),
            email: "a@b.c".into(),
            name: "Ada".into(),
            role: Role::Admin,
            preferences: Preferences::default(),
            created_at: Timestamp::from_millis(0),
        };
        let json = serde_json::to_value(&user).expect("json");
        assert_eq!(json["role"], "admin");
        assert_eq!(json["preferences"]["email"], true);
        assert!(json.get("password_hash").is_none());
        let debug = format!(
            "{:?}",
            NewUser {
                email: "a@b.c".into(),
                password: "hunter2hunter2".into(),
                name: "A".into()
            }
        );
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}
