//! The OpenAPI document states exactly the operations the router serves: a route added
//! without documentation, or documentation of a route that does not exist, fails here.
//! Also checks what every operation must say: its path parameters, its statuses, the
//! error schema on every error, and that every `$ref` resolves.

use std::collections::BTreeSet;

use emporium_server::openapi::document;
use emporium_server::router::ROUTES;
use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

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
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
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
    for route in &ROUTES {
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
    for route in &ROUTES {
        let method = route.method.as_str().to_ascii_lowercase();
        let operation = &document["paths"][route.pattern][&method];
        assert!(operation["operationId"].is_string(), "{}", route.pattern);
        let responses = operation["responses"].as_object().expect("responses");
        assert!(responses.contains_key("200"), "{}", route.pattern);
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
