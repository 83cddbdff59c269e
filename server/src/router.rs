//! The route table and the matcher.
//!
//! [`ROUTES`] is the one list of what the server answers: the dispatcher matches on its
//! [`RouteId`]s, the metrics pre-register one series per entry, and a test checks that
//! the OpenAPI document states exactly these operations. A pattern is literal segments
//! and `{name}` parameters (OpenAPI's own syntax), matched segment by segment; a
//! parameter is percent-decoded and never empty.
//!
//! Each route also declares who may call it ([`Access`]). The pipeline enforces it
//! before the handler runs, so a forgotten check in a handler cannot open an admin
//! route, and the OpenAPI test checks that every protected route documents its 401
//! (and 403) and its `security`.

use hyper::Method;

use crate::query::percent_decode;

/// Every operation the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteId {
    /// `GET /healthz`
    Healthz,
    /// `GET /readyz`
    Readyz,
    /// `GET /metrics`
    Metrics,
    /// `GET /openapi.json`
    OpenApi,
    /// `GET /v1/categories`
    ListCategories,
    /// `GET /v1/products`
    ListProducts,
    /// `GET /v1/products/{id}`
    GetProduct,
    /// `GET /v1/inventory/{sku}`
    GetInventory,
    /// `GET /v1/search`
    Search,
    /// `GET /v1/autocomplete`
    Autocomplete,
    /// `POST /v1/auth/register`
    Register,
    /// `POST /v1/auth/login`
    Login,
    /// `POST /v1/auth/logout`
    Logout,
    /// `GET /v1/me`
    GetMe,
    /// `PATCH /v1/me`
    UpdateMe,
    /// `GET /v1/me/addresses`
    ListAddresses,
    /// `POST /v1/me/addresses`
    CreateAddress,
    /// `PATCH /v1/me/addresses/{id}`
    UpdateAddress,
    /// `DELETE /v1/me/addresses/{id}`
    DeleteAddress,
    /// `GET /v1/me/notifications`
    ListNotifications,
    /// `POST /v1/categories` (admin)
    CreateCategory,
    /// `POST /v1/products` (admin)
    CreateProduct,
    /// `PATCH /v1/products/{id}` (admin)
    UpdateProduct,
    /// `DELETE /v1/products/{id}` (admin; archives)
    ArchiveProduct,
    /// `POST /v1/carts`
    CreateCart,
    /// `GET /v1/carts/{id}`
    GetCart,
    /// `POST /v1/carts/{id}/items`
    AddCartItem,
    /// `PATCH /v1/carts/{id}/items/{sku}`
    UpdateCartItem,
    /// `DELETE /v1/carts/{id}/items/{sku}`
    RemoveCartItem,
    /// `POST /v1/carts/{id}/voucher`
    ApplyVoucher,
    /// `DELETE /v1/carts/{id}/voucher`
    RemoveVoucher,
    /// `POST /v1/carts/{id}/checkout`
    Checkout,
    /// `GET /v1/orders`
    ListOrders,
    /// `GET /v1/orders/{id}`
    GetOrder,
    /// `GET /v1/orders/{id}/events`
    ListOrderEvents,
    /// `POST /v1/orders/{id}/cancel` (owner or admin)
    CancelOrder,
    /// `POST /v1/orders/{id}/ship` (admin)
    ShipOrder,
    /// `POST /v1/orders/{id}/deliver` (admin)
    DeliverOrder,
    /// `POST /v1/orders/{id}/refund` (admin)
    RefundOrder,
    /// `POST /v1/vouchers` (admin)
    CreateVoucher,
    /// `GET /v1/vouchers` (admin)
    ListVouchers,
    /// `POST /v1/inventory/{sku}/adjust` (admin)
    AdjustInventory,
    /// `GET /v1/products/{id}/reviews`
    ListReviews,
    /// `POST /v1/products/{id}/reviews`
    CreateReview,
    /// `POST /v1/admin/backup` (admin)
    CreateBackup,
    /// `GET /v1/products/{id}/recommendations`
    ListRecommendations,
    /// `POST /v1/events`: a client event for analytics
    RecordEvent,
    /// `GET /v1/analytics/windows` (admin)
    AnalyticsWindows,
    /// `GET /v1/analytics/top-products` (admin)
    AnalyticsTopProducts,
    /// `GET /v1/analytics/funnel` (admin)
    AnalyticsFunnel,
    /// `GET /v1/analytics/search` (admin)
    AnalyticsSearch,
    /// `GET /v1/analytics/anomalies` (admin)
    AnalyticsAnomalies,
    /// `GET /v1/analytics/low-stock` (admin)
    AnalyticsLowStock,
    /// `GET /`: the storefront page
    StorefrontPage,
    /// `GET /dashboard`: the operations dashboard page
    DashboardPage,
    /// `GET /assets/{file}`: a script, style sheet or image of the pages
    Asset,
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone. A valid token may still change the reply (an admin sees draft
    /// products); a bad one is ignored, so an expired session never hides the catalog.
    Public,
    /// A signed-in user: 401 without a valid token.
    User,
    /// An admin: 401 without a valid token, 403 with a customer's.
    Admin,
}

/// One entry of the route table.
#[derive(Debug)]
pub struct Route {
    /// The method it answers.
    pub method: Method,
    /// The path pattern, e.g. `/v1/products/{id}`.
    pub pattern: &'static str,
    /// What answers it.
    pub id: RouteId,
    /// Who may call it.
    pub access: Access,
    /// Whether it is an operation of the HTTP API, stated in the OpenAPI document. The
    /// pages and their assets are not: they are for browsers, not API clients.
    pub api: bool,
}

const fn route_of(method: Method, pattern: &'static str, id: RouteId, access: Access) -> Route {
    Route {
        method,
        pattern,
        id,
        access,
        api: true,
    }
}

const fn get(pattern: &'static str, id: RouteId) -> Route {
    route_of(Method::GET, pattern, id, Access::Public)
}

/// A page or asset for browsers. It is public: a page signs its user in through the API
/// and the API checks every call the page makes.
const fn page(pattern: &'static str, id: RouteId) -> Route {
    Route {
        method: Method::GET,
        pattern,
        id,
        access: Access::Public,
        api: false,
    }
}

/// The route table.
pub static ROUTES: &[Route] = &[
    get("/healthz", RouteId::Healthz),
    get("/readyz", RouteId::Readyz),
    get("/metrics", RouteId::Metrics),
    get("/openapi.json", RouteId::OpenApi),
    get("/v1/categories", RouteId::ListCategories),
    get("/v1/products", RouteId::ListProducts),
    get("/v1/products/{id}", RouteId::GetProduct),
    get("/v1/inventory/{sku}", RouteId::GetInventory),
    get("/v1/search", RouteId::Search),
    get("/v1/autocomplete", RouteId::Autocomplete),
    route_of(
        Method::POST,
        "/v1/auth/register",
        RouteId::Register,
        Access::Public,
    ),
    route_of(
        Method::POST,
        "/v1/auth/login",
        RouteId::Login,
        Access::Public,
    ),
    route_of(
        Method::POST,
        "/v1/auth/logout",
        RouteId::Logout,
        Access::User,
    ),
    route_of(Method::GET, "/v1/me", RouteId::GetMe, Access::User),
    route_of(Method::PATCH, "/v1/me", RouteId::UpdateMe, Access::User),
    route_of(
        Method::GET,
        "/v1/me/addresses",
        RouteId::ListAddresses,
        Access::User,
    ),
    route_of(
        Method::POST,
        "/v1/me/addresses",
        RouteId::CreateAddress,
        Access::User,
    ),
    route_of(
        Method::PATCH,
        "/v1/me/addresses/{id}",
        RouteId::UpdateAddress,
        Access::User,
    ),
    route_of(
        Method::DELETE,
        "/v1/me/addresses/{id}",
        RouteId::DeleteAddress,
        Access::User,
    ),
    route_of(
        Method::GET,
        "/v1/me/notifications",
        RouteId::ListNotifications,
        Access::User,
    ),
    route_of(
        Method::POST,
        "/v1/categories",
        RouteId::CreateCategory,
        Access::Admin,
    ),
    route_of(
        Method::POST,
        "/v1/products",
        RouteId::CreateProduct,
        Access::Admin,
    ),
    route_of(
        Method::PATCH,
        "/v1/products/{id}",
        RouteId::UpdateProduct,
        Access::Admin,
    ),
    route_of(
        Method::DELETE,
        "/v1/products/{id}",
        RouteId::ArchiveProduct,
        Access::Admin,
    ),
    route_of(
        Method::POST,
        "/v1/carts",
        RouteId::CreateCart,
        Access::Public,
    ),
    get("/v1/carts/{id}", RouteId::GetCart),
    route_of(
        Method::POST,
        "/v1/carts/{id}/items",
        RouteId::AddCartItem,
        Access::Public,
    ),
    route_of(
        Method::PATCH,
        "/v1/carts/{id}/items/{sku}",
        RouteId::UpdateCartItem,
        Access::Public,
    ),
    route_of(
        Method::DELETE,
        "/v1/carts/{id}/items/{sku}",
        RouteId::RemoveCartItem,
        Access::Public,
    ),
    route_of(
        Method::POST,
        "/v1/carts/{id}/voucher",
        RouteId::ApplyVoucher,
        Access::Public,
    ),
    route_of(
        Method::DELETE,
        "/v1/carts/{id}/voucher",
        RouteId::RemoveVoucher,
        Access::Public,
    ),
    route_of(
        Method::POST,
        "/v1/carts/{id}/checkout",
        RouteId::Checkout,
        Access::Public,
    ),
    route_of(Method::GET, "/v1/orders", RouteId::ListOrders, Access::User),
    route_of(
        Method::GET,
        "/v1/orders/{id}",
        RouteId::GetOrder,
        Access::User,
    ),
    route_of(
        Method::GET,
        "/v1/orders/{id}/events",
        RouteId::ListOrderEvents,
        Access::User,
    ),
    route_of(
        Method::POST,
        "/v1/orders/{id}/cancel",
        RouteId::CancelOrder,
        Access::User,
    ),
    route_of(
        Method::POST,
        "/v1/orders/{id}/ship",
        RouteId::ShipOrder,
        Access::Admin,
    ),
    route_of(
        Method::POST,
        "/v1/orders/{id}/deliver",
        RouteId::DeliverOrder,
        Access::Admin,
    ),
    route_of(
        Method::POST,
        "/v1/orders/{id}/refund",
        RouteId::RefundOrder,
        Access::Admin,
    ),
    route_of(
        Method::POST,
        "/v1/vouchers",
        RouteId::CreateVoucher,
        Access::Admin,
    ),
    route_of(
        Method::GET,
        "/v1/vouchers",
        RouteId::ListVouchers,
        Access::Admin,
    ),
    route_of(
        Method::POST,
        "/v1/inventory/{sku}/adjust",
        RouteId::AdjustInventory,
        Access::Admin,
    ),
    get("/v1/products/{id}/reviews", RouteId::ListReviews),
    route_of(
        Method::POST,
        "/v1/products/{id}/reviews",
        RouteId::CreateReview,
        Access::User,
    ),
    route_of(
        Method::POST,
        "/v1/admin/backup",
        RouteId::CreateBackup,
        Access::Admin,
    ),
    get(
        "/v1/products/{id}/recommendations",
        RouteId::ListRecommendations,
    ),
    route_of(
        Method::POST,
        "/v1/events",
        RouteId::RecordEvent,
        Access::Public,
    ),
    route_of(
        Method::GET,
        "/v1/analytics/windows",
        RouteId::AnalyticsWindows,
        Access::Admin,
    ),
    route_of(
        Method::GET,
        "/v1/analytics/top-products",
        RouteId::AnalyticsTopProducts,
        Access::Admin,
    ),
    route_of(
        Method::GET,
        "/v1/analytics/funnel",
        RouteId::AnalyticsFunnel,
        Access::Admin,
    ),
    route_of(
        Method::GET,
        "/v1/analytics/search",
        RouteId::AnalyticsSearch,
        Access::Admin,
    ),
    route_of(
        Method::GET,
        "/v1/analytics/anomalies",
        RouteId::AnalyticsAnomalies,
        Access::Admin,
    ),
    route_of(
        Method::GET,
        "/v1/analytics/low-stock",
        RouteId::AnalyticsLowStock,
        Access::Admin,
    ),
    page("/", RouteId::StorefrontPage),
    page("/dashboard", RouteId::DashboardPage),
    page("/assets/{file}", RouteId::Asset),
];

/// Most path parameters in one pattern.
const PARAMS_MAX: usize = 4;

/// The decoded parameters of a matched path, by name.
#[derive(Debug, Default)]
pub struct Params {
    values: Vec<(&'static str, String)>,
}

impl Params {
    /// The value of `name`; empty if the pattern has no such parameter (a programming
    /// error the route tests catch).
    pub fn get(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(key, _)| *key == name)
            .map_or("", |(_, value)| value.as_str())
    }
}

/// What a request's method and path lead to.
#[derive(Debug)]
pub enum Match {
    /// A route, by its index in [`ROUTES`], with the path's parameters.
    Found {
        /// Index in [`ROUTES`].
        index: usize,
        /// The path parameters.
        params: Params,
    },
    /// The path exists but not for this method; `allow` lists the methods it accepts.
    MethodNotAllowed {
        /// For the `Allow` header, e.g. `GET, POST`.
        allow: String,
    },
    /// No route has this path.
    NotFound,
}

/// Finds the route for `method` and `path`.
pub fn route(method: &Method, path: &str) -> Match {
    let mut allowed: Vec<&str> = Vec::new();
    for (index, route) in ROUTES.iter().enumerate() {
        let Some(params) = match_pattern(route.pattern, path) else {
            continue;
        };
        if route.method == *method {
            return Match::Found { index, params };
        }
        if !allowed.contains(&route.method.as_str()) {
            allowed.push(route.method.as_str());
        }
    }
    if allowed.is_empty() {
        Match::NotFound
    } else {
        Match::MethodNotAllowed {
            allow: allowed.join(", "),
        }
    }
}

fn match_pattern(pattern: &'static str, path: &str) -> Option<Params> {
    let mut params = Params::default();
    let mut segments = path.split('/');
    for expected in pattern.split('/') {
        let segment = segments.next()?;
        match expected
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
        {
            Some(name) => {
                let value = percent_decode(segment, false);
                if value.is_empty() || params.values.len() == PARAMS_MAX {
                    return None;
                }
                params.values.push((name, value));
            }
            None if expected == segment => {}
            None => return None,
        }
    }
    // Extra segments (including a trailing slash) are another path.
    segments.next().is_none().then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(method: Method, path: &str) -> Option<(RouteId, Params)> {
        match route(&method, path) {
            Match::Found { index, params } => Some((ROUTES[index].id, params)),
            _ => None,
        }
    }

    #[test]
    fn matches_literals_and_parameters() {
        let (id, _) = found(Method::GET, "/v1/products").expect("matches");
        assert_eq!(id, RouteId::ListProducts);
        let (id, params) = found(Method::GET, "/v1/products/prod_abc").expect("matches");
        assert_eq!(id, RouteId::GetProduct);
        assert_eq!(params.get("id"), "prod_abc");
    }

    #[test]
    fn parameters_are_percent_decoded_and_keep_plus() {
        let (_, params) = found(Method::GET, "/v1/inventory/A+B%2FC%C3%A9").expect("matches");
        assert_eq!(params.get("sku"), "A+B/Cé");
    }

    #[test]
    fn unknown_paths_and_wrong_methods() {
        for path in [
            "/v1",
            "/v1/products/",
            "/v1/products/x/y",
            "/v1/inventory/",
            "",
            "/dashboard/",
            "/assets/",
        ] {
            assert!(
                matches!(route(&Method::GET, path), Match::NotFound),
                "{path}"
            );
        }
        match route(&Method::PUT, "/v1/products/x") {
            Match::MethodNotAllowed { allow } => assert_eq!(allow, "GET, PATCH, DELETE"),
            other => panic!("expected 405, got {other:?}"),
        }
    }

    #[test]
    fn pages_are_routed_and_are_not_api_operations() {
        let (id, _) = found(Method::GET, "/").expect("matches");
        assert_eq!(id, RouteId::StorefrontPage);
        let (id, _) = found(Method::GET, "/dashboard").expect("matches");
        assert_eq!(id, RouteId::DashboardPage);
        let (id, params) = found(Method::GET, "/assets/storefront.js").expect("matches");
        assert_eq!(id, RouteId::Asset);
        assert_eq!(params.get("file"), "storefront.js");
        let pages: Vec<_> = ROUTES.iter().filter(|route| !route.api).collect();
        assert_eq!(pages.len(), 3);
        assert!(pages.iter().all(|route| route.access == Access::Public));
    }

    #[test]
    fn patterns_are_well_formed_and_distinct() {
        for (index, route) in ROUTES.iter().enumerate() {
            assert!(route.pattern.starts_with('/'), "{}", route.pattern);
            for other in &ROUTES[index + 1..] {
                assert!(
                    (route.method.clone(), route.pattern) != (other.method.clone(), other.pattern),
                    "duplicate route {}",
                    route.pattern
                );
            }
        }
    }
}
