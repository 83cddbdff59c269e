//! The OpenAPI document states exactly the operations the router serves: a route added
//! without documentation, or documentation of a route that does not exist, fails here.
//! Also checks what every operation must say: its path parameters, its statuses, the
//! error schema on every error, and that every `$ref` resolves.

use std::collections::BTreeSet;

use emporium_server::openapi::document;
use emporium_server::router::{Access, ROUTES, Route};
use serde_json::{Value, json};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The API's operations. The pages and their assets are for browsers, not API
/// clients, and the document leaves them out.
fn api_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES.iter().filter(|route| route.api)
}

fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("path item");
            item.keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .map(|method| (method.to_ascii_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_document_and_the_route_table_list_the_same_operations() {
    let document = document();
    let routed: BTreeSet<(String, String)> = api_routes()
        .map(|route| (route.method.as_str().to_string(), route.pattern.to_string()))
        .collect();
    let documented = documented_operations(&document);
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not documented: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}

#[test]
fn every_path_parameter_is_declared_and_every_declared_one_exists() {
    let document = document();
    for route in api_routes() {
        let operation =
            &document["paths"][route.pattern][route.method.as_str().to_ascii_lowercase()];
        let in_pattern: BTreeSet<&str> = route
            .pattern
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .map(|parameters| {
                parameters
                    .iter()
                    .filter(|parameter| parameter["in"] == "path")
                    .inspect(|parameter| assert_eq!(parameter["required"], true))
                    .filter_map(|parameter| parameter["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(in_pattern, declared, "{}", route.pattern);
    }
}

#[test]
fn every_operation_states_its_statuses_with_the_error_schema() {
    let document = document();
    for route in api_routes() {
        let method = route.method.as_str().to_ascii_lowercase();
        let operation = &document["paths"][route.pattern][&method];
        assert!(operation["operationId"].is_string(), "{}", route.pattern);
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{} has a success",
            route.pattern
        );
        assert!(
            responses.contains_key("429"),
            "rate limiting applies to {}",
            route.pattern
        );
        assert!(
            responses.contains_key("503"),
            "timeouts apply to {}",
            route.pattern
        );
        if route.pattern.contains('{') {
            assert!(responses.contains_key("404"), "{} has ids", route.pattern);
        }
        let has_query = operation["parameters"]
            .as_array()
            .is_some_and(|parameters| {
                parameters
                    .iter()
                    .any(|parameter| parameter["in"] == "query")
            });
        if has_query {
            assert!(
                responses.contains_key("422"),
                "{} parses a query",
                route.pattern
            );
        }
        for (status, response) in responses {
            let is_error =
                status.starts_with('4') || (status.starts_with('5') && route.pattern != "/readyz");
            if is_error {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/Error",
                    "{} {status}",
                    route.pattern
                );
            }
        }
    }
}

#[test]
fn every_reference_resolves() {
    let document = document();
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let pointer = reference.strip_prefix('#').expect("local reference");
        assert!(document.pointer(pointer).is_some(), "dangling {reference}");
    }
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference.clone());
            }
            map.values()
                .for_each(|value| collect_references(value, out));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|value| collect_references(value, out)),
        _ => {}
    }
}

#[test]
fn protected_operations_state_their_security_and_refusals() {
    let document = document();
    let scheme = &document["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for route in api_routes() {
        let method = route.method.as_str().to_ascii_lowercase();
        let operation = &document["paths"][route.pattern][&method];
        let responses = &operation["responses"];
        let what = format!("{method} {}", route.pattern);
        match route.access {
            Access::Public => {
                assert!(responses.get("403").is_none(), "{what}");
                if let Some(security) = operation.get("security") {
                    assert!(
                        security
                            .as_array()
                            .is_some_and(|options| options.contains(&json!({}))),
                        "{what}: optional"
                    );
                }
            }
            Access::User | Access::Admin => {
                assert_eq!(operation["security"], json!([{"bearerAuth": []}]), "{what}");
                assert!(
                    responses["401"]["headers"]["WWW-Authenticate"].is_object(),
                    "{what}"
                );
                assert_eq!(
                    responses.get("403").is_some(),
                    route.access == Access::Admin,
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn operations_with_a_body_state_its_schema_and_refusals() {
    let document = document();
    for route in api_routes() {
        let method = route.method.as_str().to_ascii_lowercase();
        let operation = &document["paths"][route.pattern][&method];
        let what = format!("{method} {}", route.pattern);
        let Some(body) = operation.get("requestBody") else {
            assert!(
                !["post", "patch"].contains(&method.as_str())
                    || [
                        "/v1/auth/logout",
                        "/v1/carts",
                        "/v1/orders/{id}/cancel",
                        "/v1/orders/{id}/ship",
                        "/v1/orders/{id}/deliver",
                    ]
                    .contains(&route.pattern),
                "{what} takes a body but documents none"
            );
            continue;
        };
        let schema = &body["content"]["application/json"]["schema"]["$ref"];
        let pointer = schema
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .expect("a $ref");
        let resolved = document.pointer(pointer).expect("resolves");
        assert_eq!(
            resolved["additionalProperties"], false,
            "{what}: unknown fields are refused"
        );
        for status in ["400", "413", "415", "422"] {
            assert!(
                operation["responses"].get(status).is_some(),
                "{what} {status}"
            );
        }
    }
}

/// The constraints the engine enforces, as the document states them.
#[test]
fn request_schemas_state_the_engine_limits() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    let password = &schemas["RegisterRequest"]["properties"]["password"];
    assert_eq!(
        (password["minLength"].clone(), password["maxLength"].clone()),
        (json!(8), json!(128))
    );
    assert_eq!(
        schemas["RegisterRequest"]["required"],
        json!(["email", "password", "name"])
    );
    assert!(schemas["RegisterRequest"]["properties"]["email"]["pattern"].is_string());
    assert_eq!(schemas["NewProduct"]["properties"]["sku"]["maxLength"], 100);
    assert_eq!(
        schemas["NewProduct"]["properties"]["stock"]["oneOf"][0]["maximum"],
        1_000_000_000_000_u64
    );
    assert_eq!(
        schemas["NewAddress"]["properties"]["country"]["enum"]
            .as_array()
            .map(Vec::len),
        Some(249)
    );
    assert!(
        schemas["ProductPatch"]["properties"].get("sku").is_none(),
        "sku is immutable"
    );
    let if_match = document["paths"]["/v1/products/{id}"]["patch"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .any(|parameter| parameter["name"] == "If-Match" && parameter["in"] == "header");
    assert!(if_match);
}

/// Links (followed by clients from a created object to its next steps, and by the
/// stateful phase of `bench/scripts/api-fuzz.sh`) name operations that exist, and only
/// parameters those operations declare, taken from the response body.
#[test]
fn every_link_names_an_operation_and_its_declared_parameters() {
    let document = document();
    let mut parameters_of = std::collections::BTreeMap::new();
    for item in document["paths"].as_object().expect("paths").values() {
        for (method, operation) in item.as_object().expect("path item") {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let names: BTreeSet<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|parameter| parameter["name"].as_str().map(str::to_string))
                .collect();
            let id = operation["operationId"].as_str().expect("operationId");
            parameters_of.insert(id.to_string(), names);
        }
    }
    let mut links = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Some(responses) = operation["responses"].as_object() else {
                continue;
            };
            for (status, response) in responses {
                let Some(targets) = response["links"].as_object() else {
                    continue;
                };
                for (name, link) in targets {
                    links += 1;
                    let what = format!("{method} {path} {status} link {name}");
                    let target = link["operationId"].as_str().expect("operationId");
                    let declared = parameters_of
                        .get(target)
                        .unwrap_or_else(|| panic!("{what}: no operation {target}"));
                    for (parameter, expression) in
                        link["parameters"].as_object().expect("parameters")
                    {
                        assert!(declared.contains(parameter), "{what}: {parameter}");
                        let expression = expression.as_str().expect("expression");
                        assert!(expression.starts_with("$response.body#/"), "{what}");
                    }
                }
            }
        }
    }
    let cart_links = &document["paths"]["/v1/carts"]["post"]["responses"]["201"]["links"];
    assert!(
        cart_links.get("checkout").is_some(),
        "a new cart links to its checkout"
    );
    assert!(links >= 20, "{links} links");
}

/// Regression (found by schemathesis): a 409 `insufficient_stock` and a 402
/// `payment_failed` carry a `type` of their own (API.md), which the error schema refused.
#[test]
fn the_error_schema_allows_every_error_type() {
    let document = document();
    let types = &document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["type"]
        ["enum"];
    for kind in [
        "invalid_request",
        "authentication",
        "authorization",
        "not_found",
        "conflict",
        "payment_failed",
        "insufficient_stock",
        "rate_limited",
        "unavailable",
        "internal",
    ] {
        assert!(
            types.as_array().expect("enum").contains(&json!(kind)),
            "{kind}"
        );
    }
}

/// Rules the server enforces that the request schemas now state, each found by
/// schemathesis as a schema-valid request the server refused.
#[test]
fn request_schemas_state_the_rules_fuzzing_found() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    // A percent voucher is at most 100; any voucher value at most the engine's maximum.
    let voucher = &schemas["VoucherInput"];
    assert_eq!(voucher["if"]["properties"]["kind"]["const"], "percent");
    assert_eq!(voucher["then"]["properties"]["value"]["maximum"], 100);
    assert_eq!(
        voucher["properties"]["value"]["maximum"],
        emporium::VOUCHER_AMOUNT_MAX
    );
    // Times before 1970 are refused.
    let starts_at = &voucher["properties"]["starts_at"]["oneOf"][0];
    assert_eq!(starts_at["format"], "date-time");
    assert!(
        starts_at["pattern"]
            .as_str()
            .expect("pattern")
            .contains("19[7-9]")
    );
    // A card payment needs its number.
    let payment = &schemas["CheckoutInput"]["properties"]["payment"];
    assert_eq!(payment["then"]["required"], json!(["card_number"]));
    // An empty cursor is the first page.
    for path in ["/v1/orders", "/v1/orders/{id}/events"] {
        let cursor = document["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|parameter| parameter["name"] == "cursor")
            .expect("cursor");
        assert!(
            cursor["schema"]["pattern"]
                .as_str()
                .expect("pattern")
                .starts_with("^$|")
                || cursor["schema"]["pattern"] == "^[0-9]{0,19}$",
            "{path}"
        );
    }
    // Carts take the same `If-Match` forms as products, and state them.
    let if_match = |path: &str, method: &str| {
        document["paths"][path][method]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|parameter| parameter["name"] == "If-Match")
            .expect("If-Match")["schema"]
            .clone()
    };
    assert_eq!(
        if_match("/v1/carts/{id}/items", "post"),
        if_match("/v1/products/{id}", "patch")
    );
}
