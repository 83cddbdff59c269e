"""Emporium's own check for `bench/scripts/api-fuzz.sh`, loaded by schemathesis as hooks.

schemathesis's `positive_data_acceptance` fails a schema-valid request that is answered
422 or 412. A few of Emporium's refusals come from rules no JSON Schema can state: a
category id that names no category, `ends_at` after `starts_at`, a cursor that was not
handed out, an `If-Match` version that is not the current one. For those operations
`schemathesis.toml` adds the status to the check's expected ones, and the check below
takes over: a schema-valid request may be refused with that status only for one of the
rules listed here (error `code` and `param`), never for anything else. So a decoder that
refuses `4.0` for an integer still fails the run on those operations too.
"""

from __future__ import annotations

import pathlib
import tomllib

import schemathesis

ANY = None
"""In a rule, matches any error `code`."""

# Per operation: (status, error code, param) of the refusals a schema-valid request may
# get, each one a rule across records or fields (or a secret) that a schema cannot state.
TOLERATED: dict[str, list[tuple[int, str | None, str | None]]] = {
    # Cursors are opaque and tamper-checked: only a `next_cursor` handed out is valid.
    "GET /v1/products": [(422, ANY, "cursor")],
    "GET /v1/products/{id}/reviews": [(422, ANY, "cursor")],
    "GET /v1/search": [
        (422, ANY, "cursor"),
        # `min_price` may not be above `max_price`: a comparison of two parameters.
        (422, "invalid", "min_price"),
    ],
    # A `cat_…` id of the right shape may name no category.
    "POST /v1/categories": [(422, "category_not_found", "parent_id")],
    "POST /v1/products": [(422, "category_not_found", "category_id")],
    "PATCH /v1/products/{id}": [
        (422, "category_not_found", "category_id"),
        # A generated `If-Match` is rarely the product's current version.
        (412, "version_mismatch", None),
    ],
    # `ends_at` must be after `starts_at`: a comparison of two fields.
    "POST /v1/vouchers": [(422, "out_of_range", "ends_at")],
    # `from` may not be after `to`: a comparison of two parameters.
    "GET /v1/analytics/windows": [(422, "invalid", "from")],
    # `at` is checked against the clock (at most a day old), and `user_id` against the
    # caller (only one's own).
    "POST /v1/events": [(422, "out_of_range", "at"), (422, "invalid", "user_id")],
    # The product's currency must be the cart's; a cart holds a bounded number of lines.
    "POST /v1/carts/{id}/items": [
        (422, "currency_mismatch", "sku"),
        (422, "too_many_lines", "sku"),
    ],
    # The voucher's dates, minimum subtotal and account rule are checked against the cart.
    "POST /v1/carts/{id}/voucher": [
        (422, "voucher_not_active", "code"),
        (422, "voucher_min_subtotal", "code"),
        (422, "voucher_requires_account", "code"),
    ],
    "POST /v1/carts/{id}/checkout": [
        # The cart's state: an empty cart has nothing to check out.
        (422, "cart_empty", None),
        # The Luhn check digit, which no pattern states.
        (422, "invalid", "payment.card_number"),
        # The cart's voucher, checked again at checkout.
        (422, "voucher_not_active", "code"),
        (422, "voucher_min_subtotal", "code"),
        (422, "voucher_requires_account", "code"),
    ],
}

# A generated `If-Match` is rarely the cart's current version.
for _label in [
    "POST /v1/carts/{id}/items",
    "PATCH /v1/carts/{id}/items/{sku}",
    "DELETE /v1/carts/{id}/items/{sku}",
    "POST /v1/carts/{id}/voucher",
    "DELETE /v1/carts/{id}/voucher",
    "POST /v1/carts/{id}/checkout",
]:
    TOLERATED.setdefault(_label, []).append((412, "version_mismatch", None))


def _check_config_agrees() -> None:
    """Fails loudly at load time when schemathesis.toml and TOLERATED disagree.

    Every status tolerated here must be expected by the built-in check for that operation
    (else the run fails on a refusal listed here), and every status the TOML adds must be
    listed here (else it would be accepted for any reason).
    """
    config = tomllib.loads((pathlib.Path(__file__).parent / "schemathesis.toml").read_text())
    defaults = {"401", "403", "404", "409", "429"}
    added: dict[str, set[int]] = {}
    for operation in config.get("operations", []):
        check = operation.get("checks", {}).get("positive_data_acceptance", {})
        statuses = set(check.get("expected-statuses", [])) - defaults
        statuses = {int(status) for status in statuses if status.isdigit()}
        if statuses:
            added.setdefault(operation["include-name"], set()).update(statuses)
    listed = {label: {status for status, _, _ in rules} for label, rules in TOLERATED.items()}
    if added != listed:
        raise RuntimeError(
            f"schemathesis.toml adds {sorted(added.items())} to positive_data_acceptance, "
            f"hooks.py tolerates {sorted(listed.items())}: they must agree"
        )


_check_config_agrees()


@schemathesis.check
def refusal_is_a_stated_rule(ctx, response, case):
    """A schema-valid request refused with a tolerated status must name a listed rule."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    rules = TOLERATED.get(case.operation.label, [])
    if response.status_code not in {status for status, _, _ in rules}:
        return None
    try:
        error = response.json()["error"]
        code, param = error["code"], error["param"]
    except (ValueError, KeyError, TypeError) as failure:
        raise AssertionError(
            f"{response.status_code} without the error object ({failure!r})"
        ) from None
    for status, rule_code, rule_param in rules:
        if status == response.status_code and rule_code in (ANY, code) and rule_param == param:
            return None
    raise AssertionError(
        f"Valid data refused with {response.status_code} `{code}` on `{param}`, which is "
        f"not one of the rules a schema cannot state for {case.operation.label}: {rules}"
    )
