//! The users capability through the public engine API: accounts, credentials, session
//! tokens, roles, profiles and addresses.
//!
//! Protects: one account per normalized email even under racing registrations; one error
//! for unknown email and wrong password; logout and expiry really end a token; sessions
//! survive a reopen; every validation error names its field; exactly one default address
//! whenever there are any (a model-based property test over random operation sequences);
//! the admin bootstrap. Cheap argon2 parameters keep it fast, except in the one test that
//! covers the production parameters.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use emporium::{
    ADDRESSES_PER_USER_MAX, AddressPatch, Config, Engine, Error, NewAddress, NewUser,
    PasswordParams, PreferencesPatch, Role, StoreLocation, TOKEN_CHARS, TOKEN_PREFIX, UserError,
    UserPatch,
};
use proptest::prelude::*;

fn config(location: StoreLocation) -> Config {
    let mut config = Config::new(location);
    config.users.password_params = PasswordParams::INSECURE_FAST_FOR_TESTS;
    config
}

fn engine() -> Engine {
    Engine::open_with(config(StoreLocation::Memory)).expect("open")
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        password: "correct horse battery".into(),
        name: "Ada Lovelace".into(),
    }
}

fn address(name: &str) -> NewAddress {
    NewAddress {
        name: name.into(),
        line1: "1 Main Street".into(),
        line2: None,
        city: "Springfield".into(),
        region: Some("IL".into()),
        postal_code: "62701".into(),
        country: "US".into(),
        is_default: false,
    }
}

fn field_of(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Invalid(error)) => error.field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn register_login_authenticate_logout_round_trip() {
    let engine = engine();
    let registered = engine
        .register(new_user("ada@example.com"))
        .expect("register");
    let first = registered.token.as_str().to_string();
    assert!(first.starts_with(TOKEN_PREFIX) && first.len() == TOKEN_CHARS);
    assert_eq!(registered.user.role, Role::Customer);
    let principal = engine.authenticate(&first).expect("live token");
    assert_eq!(
        (principal.user_id, principal.role, principal.is_admin()),
        (registered.user.id, Role::Customer, false)
    );
    assert_eq!(engine.me(principal.user_id).expect("me"), registered.user);

    let second = engine
        .login("ada@example.com", "correct horse battery")
        .expect("login");
    assert_eq!(second.user, registered.user);
    assert_ne!(second.token.as_str(), first);

    engine.logout(&first).expect("logout");
    assert_eq!(engine.authenticate(&first), None, "revoked at once");
    assert!(
        engine.authenticate(second.token.as_str()).is_some(),
        "other sessions live on"
    );
    assert!(matches!(
        engine.logout(&first),
        Err(Error::Users(UserError::TokenInvalid))
    ));
    assert!(matches!(
        engine.logout("emp_not-a-token"),
        Err(Error::Users(UserError::TokenInvalid))
    ));
    assert_eq!(engine.authenticate(""), None);
}

#[test]
fn wrong_password_and_unknown_email_are_one_error() {
    let engine = engine();
    engine
        .register(new_user("ada@example.com"))
        .expect("register");
    for (email, password) in [
        ("ada@example.com", "correct horse batterY"),
        ("nobody@example.com", "correct horse battery"),
        ("not an email", "correct horse battery"),
        ("ada@example.com", ""),
        ("ada@example.com", &"x".repeat(10_000)),
    ] {
        match engine.login(email, password) {
            Err(Error::Users(UserError::InvalidCredentials)) => {}
            other => panic!("{email:?}: expected InvalidCredentials, got {other:?}"),
        }
    }
}

#[test]
fn an_expired_token_is_refused_and_purged() {
    let mut config = config(StoreLocation::Memory);
    config.users.session_lifetime_ms = 1;
    let engine = Engine::open_with(config).expect("open");
    let registered = engine
        .register(new_user("ada@example.com"))
        .expect("register");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(engine.authenticate(registered.token.as_str()), None);
    assert_eq!(engine.purge_expired_sessions().expect("purge"), 1);
    assert_eq!(engine.purge_expired_sessions().expect("purge"), 0);
    assert!(matches!(
        engine.logout(registered.token.as_str()),
        Err(Error::Users(UserError::TokenInvalid))
    ));
}

#[test]
fn emails_are_normalized_and_unique() {
    let engine = engine();
    let registered = engine
        .register(new_user("  Ada@Example.COM "))
        .expect("register");
    assert_eq!(registered.user.email, "ada@example.com");
    match engine.register(new_user("ADA@example.com")) {
        Err(Error::Users(error @ UserError::EmailTaken { .. })) => {
            assert_eq!(error.code(), "email_taken");
        }
        other => panic!("expected EmailTaken, got {other:?}"),
    }
    engine
        .login(" ada@EXAMPLE.com", "correct horse battery")
        .expect("login with another spelling");
}

#[test]
fn sixteen_racing_registrations_of_one_email_make_one_account() {
    let engine = engine();
    let start = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let engine = engine.clone();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                engine.register(new_user(if i % 2 == 0 {
                    "race@example.com"
                } else {
                    "RACE@example.com"
                }))
            })
        })
        .collect();
    let outcomes: Vec<_> = threads
        .into_iter()
        .map(|thread| thread.join().expect("thread"))
        .collect();
    let created = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let taken = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(Error::Users(UserError::EmailTaken { .. }))))
        .count();
    assert_eq!((created, taken), (1, 15), "{outcomes:?}");
}

#[test]
fn every_registration_error_names_its_field() {
    let engine = engine();
    let with = |change: &dyn Fn(&mut NewUser)| {
        let mut user = new_user("ada@example.com");
        change(&mut user);
        field_of(engine.register(user))
    };
    assert_eq!(with(&|u| u.email = "ada.example.com".into()), "email");
    assert_eq!(with(&|u| u.email = "a b@example.com".into()), "email");
    assert_eq!(with(&|u| u.email = "@example.com".into()), "email");
    assert_eq!(
        with(&|u| u.email = format!("{}@e.com", "a".repeat(250))),
        "email"
    );
    assert_eq!(with(&|u| u.password = "1234567".into()), "password");
    assert_eq!(with(&|u| u.password = "🔑".repeat(129)), "password");
    assert_eq!(with(&|u| u.name = String::new()), "name");
    assert_eq!(with(&|u| u.name = "n".repeat(201)), "name");
    // Lengths count characters: 8 emoji (32 bytes) is a valid password, 128 is the most.
    let mut emoji = new_user("emoji@example.com");
    emoji.password = "🔑".repeat(8);
    engine.register(emoji).expect("8 emoji");
    engine
        .login("emoji@example.com", &"🔑".repeat(8))
        .expect("login");
    let mut longest = new_user("long@example.com");
    longest.password = "é".repeat(128);
    engine.register(longest).expect("128 characters");
}

#[test]
fn production_argon2_parameters_register_and_log_in() {
    let config = Config::new(StoreLocation::Memory);
    assert_eq!(config.users.password_params, PasswordParams::PRODUCTION);
    assert_eq!(
        (
            PasswordParams::PRODUCTION.memory_kib,
            PasswordParams::PRODUCTION.iterations
        ),
        (19_456, 2)
    );
    let engine = Engine::open_with(config).expect("open");
    engine
        .register(new_user("ada@example.com"))
        .expect("register");
    engine
        .login("ada@example.com", "correct horse battery")
        .expect("login");
    assert!(engine.login("ada@example.com", "correct horse").is_err());
    assert!(
        engine
            .login("bob@example.com", "correct horse battery")
            .is_err()
    );
}

#[test]
fn sessions_survive_reopening_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let location = StoreLocation::Directory(dir.path().into());
    let (kept, ended) = {
        let engine = Engine::open_with(config(location.clone())).expect("open");
        let kept = engine
            .register(new_user("ada@example.com"))
            .expect("register");
        let ended = engine
            .login("ada@example.com", "correct horse battery")
            .expect("login");
        engine.logout(ended.token.as_str()).expect("logout");
        (kept, ended)
    };
    let engine = Engine::open_with(config(location)).expect("reopen");
    let principal = engine.authenticate(kept.token.as_str()).expect("kept");
    assert_eq!(principal.user_id, kept.user.id);
    assert_eq!(engine.authenticate(ended.token.as_str()), None);
    assert_eq!(engine.me(kept.user.id).expect("me"), kept.user);
}

#[test]
fn the_admin_bootstrap_creates_promotes_and_resets() {
    let engine = engine();
    let admin = engine
        .ensure_admin("Root@Example.com", "admin password 1", "Root")
        .expect("create");
    assert_eq!(
        (admin.role, admin.email.as_str()),
        (Role::Admin, "root@example.com")
    );
    let again = engine
        .ensure_admin("root@example.com", "admin password 1", "Other name")
        .expect("idempotent");
    assert_eq!(again, admin);
    let login = engine
        .login("root@example.com", "admin password 1")
        .expect("login");
    assert!(
        engine
            .authenticate(login.token.as_str())
            .expect("live")
            .is_admin()
    );

    // Promoting a customer with their own password keeps their session, now as admin.
    let customer = engine
        .register(new_user("ops@example.com"))
        .expect("register");
    let token = customer.token.as_str();
    assert!(!engine.authenticate(token).expect("live").is_admin());
    let promoted = engine
        .ensure_admin("ops@example.com", "correct horse battery", "Ops")
        .expect("promote");
    assert_eq!(
        (promoted.id, promoted.role),
        (customer.user.id, Role::Admin)
    );
    assert_eq!(
        promoted.name, "Ada Lovelace",
        "an existing account keeps its name"
    );
    assert!(engine.authenticate(token).expect("still live").is_admin());

    // A new password ends the account's sessions.
    engine
        .ensure_admin("ops@example.com", "a brand new password", "Ops")
        .expect("reset");
    assert_eq!(engine.authenticate(token), None);
    assert!(
        engine
            .login("ops@example.com", "correct horse battery")
            .is_err()
    );
    engine
        .login("ops@example.com", "a brand new password")
        .expect("new password");
    assert_eq!(
        field_of(engine.ensure_admin("root@example.com", "short", "Root")),
        "password"
    );
}

#[test]
fn profile_updates_merge_preferences() {
    let engine = engine();
    let user = engine
        .register(new_user("ada@example.com"))
        .expect("register")
        .user;
    assert!(user.preferences.email && user.preferences.push);
    assert!(!user.preferences.sms && !user.preferences.marketing);
    let updated = engine
        .update_me(
            user.id,
            UserPatch {
                name: Some("Countess".into()),
                preferences: Some(PreferencesPatch {
                    marketing: Some(true),
                    locale: Some(Some("en-GB".into())),
                    ..Default::default()
                }),
            },
        )
        .expect("update");
    assert_eq!(updated.name, "Countess");
    assert!(updated.preferences.marketing && updated.preferences.email);
    assert_eq!(updated.preferences.locale.as_deref(), Some("en-GB"));
    assert_eq!(engine.me(user.id).expect("me"), updated);
    assert_eq!(
        engine
            .update_me(user.id, UserPatch::default())
            .expect("no-op"),
        updated
    );
    let bad_locale = UserPatch {
        preferences: Some(PreferencesPatch {
            locale: Some(Some("en GB".into())),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        field_of(engine.update_me(user.id, bad_locale)),
        "preferences.locale"
    );
    let blank = UserPatch {
        name: Some(" ".into()),
        ..Default::default()
    };
    assert_eq!(field_of(engine.update_me(user.id, blank)), "name");
    let stranger = emporium::model::UserId::from_raw(999);
    assert!(matches!(
        engine.me(stranger),
        Err(Error::Users(UserError::UserNotFound { .. }))
    ));
}

#[test]
fn addresses_belong_to_their_owner() {
    let engine = engine();
    let ada = engine
        .register(new_user("ada@example.com"))
        .expect("ada")
        .user
        .id;
    let bob = engine
        .register(new_user("bob@example.com"))
        .expect("bob")
        .user
        .id;
    let home = engine.create_address(ada, address("Home")).expect("create");
    assert!(home.is_default, "the first address is the default");
    assert_eq!(engine.address(ada, home.id).expect("own"), home);
    for outcome in [
        engine.address(bob, home.id).map(|_| ()),
        engine.delete_address(bob, home.id).map(|_| ()),
        engine
            .update_address(bob, home.id, AddressPatch::default())
            .map(|_| ()),
    ] {
        assert!(matches!(
            outcome,
            Err(Error::Users(UserError::AddressNotFound { .. }))
        ));
    }
    assert!(engine.addresses(bob).expect("list").is_empty());
    let patched = engine
        .update_address(
            ada,
            home.id,
            AddressPatch {
                line2: Some(Some("Flat 2".into())),
                region: Some(None),
                ..Default::default()
            },
        )
        .expect("patch");
    assert_eq!(
        (patched.line2.as_deref(), patched.region.as_deref()),
        (Some("Flat 2"), None)
    );
    let mut bad = address("Bad");
    bad.country = "us".into();
    assert_eq!(field_of(engine.create_address(ada, bad)), "country");
    let patch = AddressPatch {
        postal_code: Some(String::new()),
        ..Default::default()
    };
    assert_eq!(
        field_of(engine.update_address(ada, home.id, patch)),
        "postal_code"
    );
}

#[test]
fn an_account_holds_at_most_fifty_addresses() {
    let engine = engine();
    let ada = engine
        .register(new_user("ada@example.com"))
        .expect("ada")
        .user
        .id;
    for i in 0..ADDRESSES_PER_USER_MAX {
        engine
            .create_address(ada, address(&format!("a{i}")))
            .expect("under the cap");
    }
    assert!(matches!(
        engine.create_address(ada, address("one too many")),
        Err(Error::Users(UserError::TooManyAddresses { max: 50 }))
    ));
    let list = engine.addresses(ada).expect("list");
    assert_eq!(list.len(), ADDRESSES_PER_USER_MAX);
    let victim = list[3].id;
    engine.delete_address(ada, victim).expect("delete");
    engine
        .create_address(ada, address("room again"))
        .expect("room again");
}

#[derive(Clone, Debug)]
enum Op {
    Create { is_default: bool },
    SetDefault { pick: usize },
    UnsetDefault { pick: usize },
    Rename { pick: usize },
    Delete { pick: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<bool>().prop_map(|is_default| Op::Create { is_default }),
        2 => any::<usize>().prop_map(|pick| Op::SetDefault { pick }),
        1 => any::<usize>().prop_map(|pick| Op::UnsetDefault { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Rename { pick }),
        3 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
    ]
}

/// The model: ids in creation order and which one is the default.
#[derive(Default)]
struct Model {
    ids: Vec<emporium::model::AddressId>,
    default: Option<emporium::model::AddressId>,
}

impl Model {
    fn pick(&self, pick: usize) -> Option<emporium::model::AddressId> {
        (!self.ids.is_empty()).then(|| self.ids[pick % self.ids.len()])
    }
}

fn apply(engine: &Engine, user: emporium::model::UserId, model: &mut Model, op: &Op) {
    match *op {
        Op::Create { is_default } => {
            let mut new = address("x");
            new.is_default = is_default;
            match engine.create_address(user, new) {
                Ok(created) => {
                    assert!(model.ids.len() < ADDRESSES_PER_USER_MAX);
                    model.ids.push(created.id);
                    if is_default || model.default.is_none() {
                        model.default = Some(created.id);
                    }
                }
                Err(Error::Users(UserError::TooManyAddresses { .. })) => {
                    assert_eq!(model.ids.len(), ADDRESSES_PER_USER_MAX);
                }
                Err(other) => panic!("create: {other}"),
            }
        }
        Op::SetDefault { pick } | Op::UnsetDefault { pick } | Op::Rename { pick } => {
            let Some(id) = model.pick(pick) else { return };
            let is_default = match op {
                Op::SetDefault { .. } => Some(true),
                Op::UnsetDefault { .. } => Some(false),
                _ => None,
            };
            let patch = AddressPatch {
                name: Some(format!("renamed {pick}")),
                is_default,
                ..Default::default()
            };
            let patched = engine.update_address(user, id, patch).expect("patch");
            if is_default == Some(true) {
                model.default = Some(id);
            }
            assert_eq!(patched.is_default, model.default == Some(id));
        }
        Op::Delete { pick } => {
            let Some(id) = model.pick(pick) else { return };
            engine.delete_address(user, id).expect("delete");
            model.ids.retain(|&kept| kept != id);
            if model.default == Some(id) {
                model.default = model.ids.first().copied();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// After every operation: exactly one default whenever the list is non-empty, the
    /// default listed first and the rest oldest first, never more than the cap.
    #[test]
    fn exactly_one_default_after_every_operation(
        prefill in 0usize..=55,
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let engine = engine();
        let user = engine.register(new_user("prop@example.com")).expect("register").user.id;
        let mut model = Model::default();
        // Some runs start near or at the cap, so creation beyond it is exercised too.
        let prefill = std::iter::repeat_n(Op::Create { is_default: false }, prefill);
        let ops: Vec<Op> = prefill.chain(ops).collect();
        for op in &ops {
            apply(&engine, user, &mut model, op);
            let list = engine.addresses(user).expect("list");
            let defaults = list.iter().filter(|a| a.is_default).count();
            prop_assert_eq!(defaults, usize::from(!list.is_empty()), "after {:?}", op);
            prop_assert!(list.len() <= ADDRESSES_PER_USER_MAX);
            let mut expected: Vec<_> = model.ids.clone();
            if let Some(default) = model.default {
                expected.retain(|&id| id != default);
                expected.insert(0, default);
            }
            let listed: Vec<_> = list.iter().map(|a| a.id).collect();
            prop_assert_eq!(listed, expected, "after {:?}", op);
        }
    }
}
