//! Who is calling: `Authorization: Bearer <token>` → [`Caller`], and the checks a route
//! makes of it.
//!
//! Every request's header is read once, before rate limiting (which keys valid callers
//! by account). The engine answers [`emporium::Engine::authenticate`] from memory (one
//! SHA-256 and a map lookup), so this runs inline on every request.
//!
//! The rule for bad credentials: a route that needs a user or an admin answers 401
//! (`missing_token` without a token, `token_invalid` for a malformed, unknown, expired
//! or revoked one) and a customer on an admin route 403; a public route ignores a bad
//! token and answers as it would anyone, so a storefront whose session lapsed still
//! shows the catalog. The route table ([`crate::router::Access`]) says which is which,
//! and the pipeline checks it before the handler runs.

use emporium::{Engine, Principal};
use hyper::StatusCode;
use hyper::header::{self, HeaderMap};

use crate::error::{ApiError, ErrorType};
use crate::router::Access;

/// The caller of one request. Its `Debug` leaves the token out, so it can never reach a
/// log line.
pub(crate) enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A valid session token and whom it speaks for.
    User {
        /// The account and its role.
        principal: Principal,
        /// The token itself (logout ends exactly this session).
        token: String,
    },
    /// An `Authorization` header that does not name a live session.
    Invalid {
        /// Why, for the 401's message.
        reason: &'static str,
    },
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Caller::Anonymous => f.write_str("Anonymous"),
            Caller::User { principal, .. } => f
                .debug_struct("User")
                .field("principal", principal)
                .finish_non_exhaustive(),
            Caller::Invalid { reason } => {
                f.debug_struct("Invalid").field("reason", reason).finish()
            }
        }
    }
}

impl Caller {
    /// Reads the `Authorization` header.
    pub(crate) fn from_headers(engine: &Engine, headers: &HeaderMap) -> Caller {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Caller::Anonymous;
        };
        if values.next().is_some() {
            return Caller::Invalid {
                reason: "send one `Authorization` header, not several",
            };
        }
        let Some((scheme, token)) = value.to_str().ok().and_then(|text| text.split_once(' '))
        else {
            return Caller::Invalid {
                reason: "the `Authorization` header must be `Bearer <token>`",
            };
        };
        // RFC 9110: the scheme is case-insensitive.
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Caller::Invalid {
                reason: "only `Bearer` tokens are accepted",
            };
        }
        let token = token.trim();
        match engine.authenticate(token) {
            Some(principal) => Caller::User {
                principal,
                token: token.to_string(),
            },
            None => Caller::Invalid {
                reason: "the token is invalid, expired or revoked; sign in again",
            },
        }
    }

    /// The principal of a valid token; `None` for anyone else (public routes).
    pub(crate) fn principal(&self) -> Option<Principal> {
        match self {
            Caller::User { principal, .. } => Some(*principal),
            Caller::Anonymous | Caller::Invalid { .. } => None,
        }
    }

    /// Whether the caller is a signed-in admin.
    pub(crate) fn is_admin(&self) -> bool {
        self.principal()
            .is_some_and(|principal| principal.is_admin())
    }
}

/// A signed-in user, or the 401 that says why not.
pub(crate) fn require_user(caller: &Caller) -> Result<Principal, ApiError> {
    require_session(caller).map(|(principal, _)| principal)
}

/// The token of a signed-in user (logout ends exactly that session).
pub(crate) fn require_token(caller: &Caller) -> Result<&str, ApiError> {
    require_session(caller).map(|(_, token)| token)
}

fn require_session(caller: &Caller) -> Result<(Principal, &str), ApiError> {
    match caller {
        Caller::User { principal, token } => Ok((*principal, token)),
        Caller::Anonymous => Err(ApiError::unauthenticated(
            "missing_token",
            "this endpoint needs `Authorization: Bearer <token>`; sign in at /v1/auth/login",
        )),
        Caller::Invalid { reason } => Err(ApiError::unauthenticated("token_invalid", *reason)),
    }
}

/// A signed-in admin: 401 as [`require_user`], 403 for a customer.
pub(crate) fn require_admin(caller: &Caller) -> Result<Principal, ApiError> {
    let principal = require_user(caller)?;
    if !principal.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorType::Authorization,
            "admin_required",
            "this endpoint is for admins only",
        ));
    }
    Ok(principal)
}

/// Whether `caller` may use a route of `access`.
pub(crate) fn authorize(caller: &Caller, access: Access) -> Result<(), ApiError> {
    match access {
        Access::Public => Ok(()),
        Access::User => require_user(caller).map(drop),
        Access::Admin => require_admin(caller).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emporium::{NewUser, UserId};
    use hyper::header::HeaderValue;

    fn caller(engine: &Engine, value: Option<&str>) -> Caller {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            let value = HeaderValue::from_str(value).expect("header");
            headers.insert(header::AUTHORIZATION, value);
        }
        Caller::from_headers(engine, &headers)
    }

    #[test]
    fn headers_become_callers() {
        let mut config = emporium::Config::new(emporium::StoreLocation::Memory);
        config.users.password_params = emporium::PasswordParams::INSECURE_FAST_FOR_TESTS;
        let engine = Engine::open_with(config).expect("engine");
        let token = engine
            .register(NewUser {
                email: "ada@example.com".into(),
                password: "correct horse".into(),
                name: "Ada".into(),
            })
            .expect("register")
            .token;
        let valid = format!("bearer  {}", token.as_str());
        let user = caller(&engine, Some(&valid));
        assert!(matches!(user, Caller::User { .. }));
        assert!(!format!("{user:?}").contains(token.as_str()), "redacted");
        assert!(matches!(caller(&engine, None), Caller::Anonymous));
        for bad in ["Bearer", "Bearer ", "Basic abc", "Bearer emp_00", "token"] {
            let refused = caller(&engine, Some(bad));
            assert!(matches!(refused, Caller::Invalid { .. }), "{bad}");
            let error = require_user(&refused).expect_err(bad);
            assert_eq!((error.status.as_u16(), error.code), (401, "token_invalid"));
        }
        let anonymous = require_user(&Caller::Anonymous).expect_err("anonymous");
        assert_eq!(anonymous.code, "missing_token");
        assert!(
            anonymous
                .headers
                .iter()
                .any(|(name, _)| name == header::WWW_AUTHENTICATE)
        );
    }

    #[test]
    fn admins_pass_customers_are_forbidden() {
        let as_role = |role| Caller::User {
            principal: Principal {
                user_id: UserId::from_raw(1),
                role,
            },
            token: String::new(),
        };
        let customer = as_role(emporium::Role::Customer);
        let admin = as_role(emporium::Role::Admin);
        assert_eq!(
            require_admin(&customer).map_err(|e| e.status.as_u16()),
            Err(403)
        );
        assert!(require_admin(&admin).is_ok());
        assert!(authorize(&customer, Access::User).is_ok());
        assert!(authorize(&Caller::Anonymous, Access::Public).is_ok());
        assert_eq!(
            authorize(&Caller::Anonymous, Access::Admin).map_err(|e| e.status.as_u16()),
            Err(401)
        );
    }
}
