//! The users operations (`/v1/auth/…`, `/v1/me…`) and their schemas, with the limits
//! taken from the engine's own constants so the document cannot drift from the rules.

use emporium::{
    ADDRESS_CITY_CHARS_MAX, ADDRESS_LINE_CHARS_MAX, ADDRESS_NAME_CHARS_MAX,
    ADDRESS_POSTAL_CODE_CHARS_MAX, ADDRESS_REGION_CHARS_MAX, ADDRESSES_PER_USER_MAX, COUNTRY_CODES,
    Currency, EMAIL_CHARS_MAX, EMAIL_CHARS_MIN, PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN,
    TOKEN_CHARS, TOKEN_PREFIX, USER_NAME_CHARS_MAX,
};
use serde_json::{Value, json};

use super::{
    created, error_response, id_pattern, list_schema, no_content, nullable, ok, one_line,
    path_param, request_body, schema_ref, with_body, with_common,
};

pub(super) fn register() -> Value {
    json!({
        "operationId": "register",
        "summary": "Create a customer account; the reply signs it in.",
        "tags": ["users"],
        "requestBody": request_body("RegisterRequest", true),
        "responses": with_common(with_body(json!({
            "201": created("The account and a session token.", "AuthResult"),
            "409": error_response("An account has this email (`email_taken`, `param` is `email`)."),
            "429": error_response("Too many failed attempts from this address; see `Retry-After`."),
        }))),
    })
}

pub(super) fn login() -> Value {
    let mut unauthenticated =
        error_response("Unknown email or wrong password (one answer for both).");
    unauthenticated["headers"]["WWW-Authenticate"] = www_authenticate();
    json!({
        "operationId": "login",
        "summary": "Sign in: a new session token.",
        "description": "Failed attempts are limited per account and per address (10 at once, \
            then 5 a minute); a successful one does not count.",
        "tags": ["users"],
        "requestBody": request_body("LoginRequest", true),
        "responses": with_common(with_body(json!({
            "200": ok("The account and a session token.", "AuthResult"),
            "401": unauthenticated,
            "429": error_response("Too many failed attempts for this account or from this address; see `Retry-After`."),
        }))),
    })
}

pub(super) fn logout() -> Value {
    json!({
        "operationId": "logout",
        "summary": "End the caller's session: its token is refused from this reply on.",
        "tags": ["users"],
        "responses": with_common(json!({"204": no_content("Signed out.")})),
    })
}

pub(super) fn get_me() -> Value {
    json!({
        "operationId": "getMe",
        "summary": "The caller's account.",
        "tags": ["users"],
        "responses": with_common(json!({"200": ok("The account.", "User")})),
    })
}

pub(super) fn update_me() -> Value {
    json!({
        "operationId": "updateMe",
        "summary": "Change one's name or preferences (merged field by field).",
        "tags": ["users"],
        "requestBody": request_body("UserPatch", false),
        "responses": with_common(with_body(json!({"200": ok("The account.", "User")}))),
    })
}

pub(super) fn list_addresses() -> Value {
    json!({
        "operationId": "listAddresses",
        "summary": "The caller's saved addresses, the default first, in one reply.",
        "tags": ["users"],
        "responses": with_common(json!({"200": ok("The addresses.", "AddressList")})),
    })
}

pub(super) fn create_address() -> Value {
    json!({
        "operationId": "createAddress",
        "summary": "Save an address; the first one, or one with `is_default`, is the default.",
        "tags": ["users"],
        "requestBody": request_body("NewAddress", true),
        "responses": with_common(with_body(json!({
            "201": created("The address.", "Address"),
            "409": error_response(&format!(
                "The account already has {ADDRESSES_PER_USER_MAX} addresses (`too_many_addresses`)."
            )),
        }))),
    })
}

pub(super) fn update_address() -> Value {
    json!({
        "operationId": "updateAddress",
        "summary": "Change a saved address; `is_default: true` makes it the only default.",
        "tags": ["users"],
        "parameters": [path_param("id", "The address id (`adr_…`).")],
        "requestBody": request_body("AddressPatch", false),
        "responses": with_common(with_body(json!({
            "200": ok("The address.", "Address"),
            "404": error_response("The caller has no address with this id (unknown, malformed or another user's)."),
        }))),
    })
}

pub(super) fn delete_address() -> Value {
    json!({
        "operationId": "deleteAddress",
        "summary": "Delete a saved address; if it was the default, the oldest left becomes it.",
        "tags": ["users"],
        "parameters": [path_param("id", "The address id (`adr_…`).")],
        "responses": with_common(json!({
            "200": ok("The deleted address.", "Address"),
            "404": error_response("The caller has no address with this id (unknown, malformed or another user's)."),
        })),
    })
}

/// The challenge header of a 401.
pub(super) fn www_authenticate() -> Value {
    json!({
        "description": "`Bearer realm=\"emporium\"`, with `error=\"invalid_token\"` when a token was refused.",
        "schema": {"type": "string"},
    })
}

/// The users schemas, for `components.schemas`.
pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("User", user_schema()),
        ("Preferences", preferences_schema()),
        (
            "AuthResult",
            json!({
                "type": "object",
                "required": ["user", "token"],
                "properties": {
                    "user": schema_ref("User"),
                    "token": {
                        "type": "string",
                        "pattern": format!("^{TOKEN_PREFIX}[0-9a-f]{{{}}}$", TOKEN_CHARS - TOKEN_PREFIX.len()),
                        "description": "For `Authorization: Bearer`; shown only this once.",
                    },
                },
            }),
        ),
        (
            "RegisterRequest",
            json!({
                "type": "object",
                "required": ["email", "password", "name"],
                "additionalProperties": false,
                "properties": {
                    "email": email_schema(),
                    "password": {"type": "string", "minLength": PASSWORD_CHARS_MIN, "maxLength": PASSWORD_CHARS_MAX,
                        "description": "Any characters; length is what counts (characters, not bytes)."},
                    "name": one_line(1, USER_NAME_CHARS_MAX),
                },
            }),
        ),
        (
            "LoginRequest",
            json!({
                "type": "object",
                "required": ["email", "password"],
                "additionalProperties": false,
                "properties": {
                    "email": {"type": "string", "maxLength": EMAIL_CHARS_MAX},
                    "password": {"type": "string", "maxLength": PASSWORD_CHARS_MAX},
                },
            }),
        ),
        (
            "UserPatch",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "name": one_line(1, USER_NAME_CHARS_MAX),
                    "preferences": preferences_patch_schema(),
                },
            }),
        ),
        ("Address", address_schema()),
        ("AddressList", list_schema("Address")),
        ("NewAddress", address_input_schema(true)),
        ("AddressPatch", address_input_schema(false)),
    ]
}

/// The engine's email rule: one `@` with something on both sides, no white space or
/// control characters; trimmed and lower-cased before the length is counted.
fn email_schema() -> Value {
    json!({
        "type": "string",
        "minLength": EMAIL_CHARS_MIN,
        "maxLength": EMAIL_CHARS_MAX,
        "pattern": r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\s*$",
        "description": "Trimmed and lower-cased; unique across accounts. Deliverability is not checked.",
    })
}

fn currency_codes() -> Vec<&'static str> {
    Currency::KNOWN.iter().map(|(code, _)| *code).collect()
}

fn locale_schema() -> Value {
    json!({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9-]{1,34}$", "description": "A BCP 47 tag such as `en-GB`."})
}

fn user_schema() -> Value {
    json!({
        "type": "object",
        "required": ["id", "email", "name", "role", "preferences", "created_at"],
        "properties": {
            "id": {"type": "string", "pattern": id_pattern("usr")},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ["customer", "admin"]},
            "preferences": schema_ref("Preferences"),
            "created_at": {"type": "string", "format": "date-time"},
        },
    })
}

fn preferences_schema() -> Value {
    let mut currencies: Vec<Value> = currency_codes().into_iter().map(Value::from).collect();
    currencies.push(Value::Null);
    json!({
        "type": "object",
        "required": ["email", "sms", "push", "marketing", "locale", "currency"],
        "properties": {
            "email": {"type": "boolean"},
            "sms": {"type": "boolean"},
            "push": {"type": "boolean"},
            "marketing": {"type": "boolean"},
            "locale": {"type": ["string", "null"]},
            "currency": {"enum": currencies},
        },
    })
}

fn preferences_patch_schema() -> Value {
    let mut currencies: Vec<Value> = currency_codes().into_iter().map(Value::from).collect();
    currencies.push(Value::Null);
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Absent fields stay as they are; `null` clears `locale` or `currency`.",
        "properties": {
            "email": {"type": "boolean"},
            "sms": {"type": "boolean"},
            "push": {"type": "boolean"},
            "marketing": {"type": "boolean"},
            "locale": {"oneOf": [locale_schema(), {"type": "null"}]},
            "currency": {"enum": currencies},
        },
    })
}

fn address_schema() -> Value {
    json!({
        "type": "object",
        "required": ["id", "name", "line1", "line2", "city", "region", "postal_code", "country", "is_default"],
        "properties": {
            "id": {"type": "string", "pattern": id_pattern("adr")},
            "name": {"type": "string"},
            "line1": {"type": "string"},
            "line2": {"type": ["string", "null"]},
            "city": {"type": "string"},
            "region": {"type": ["string", "null"]},
            "postal_code": {"type": "string"},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "is_default": {"type": "boolean"},
        },
    })
}

/// A new address (`create`) or a patch: the same fields, with `line2` and `region`
/// optional, blank or `null` meaning none; a new address takes `null` for
/// `is_default` as "not given", a patch refuses it.
pub(super) fn address_input_schema(create: bool) -> Value {
    // Blank (white space only, of any length) means none; anything else is one line
    // of 1..=max characters. A maxLength would wrongly bound the blank case.
    let optional_line = |max: usize| {
        let pattern = format!(r"^(\s*|[^\x00-\x1f\x7f-\x9f]{{1,{max}}})$");
        let mut schema = nullable(json!({"type": "string", "pattern": pattern}));
        schema["description"] = json!("Blank or `null`: none.");
        schema
    };
    let mut schema = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": one_line(1, ADDRESS_NAME_CHARS_MAX),
            "line1": one_line(1, ADDRESS_LINE_CHARS_MAX),
            "line2": optional_line(ADDRESS_LINE_CHARS_MAX),
            "city": one_line(1, ADDRESS_CITY_CHARS_MAX),
            "region": optional_line(ADDRESS_REGION_CHARS_MAX),
            "postal_code": one_line(1, ADDRESS_POSTAL_CODE_CHARS_MAX),
            "country": {"type": "string", "enum": COUNTRY_CODES,
                "description": "An upper-case ISO 3166-1 alpha-2 code."},
            "is_default": {"type": "boolean", "default": false},
        },
    });
    if create {
        schema["properties"]["is_default"] = nullable(json!({"type": "boolean", "default": false}));
        schema["required"] = json!(["name", "line1", "city", "postal_code", "country"]);
    }
    schema
}
