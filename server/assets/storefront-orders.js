// The storefront's buying views: the cart with its hold countdowns, checkout with the
// test cards, order history with cancel, and sign-in (see storefront.js for the core).
"use strict";

(function () {
  const { money, dateTime, countdown, el, replace, randomId } = window.Emporium;
  const {
    state,
    main,
    views,
    call,
    say,
    errorText,
    query,
    heading,
    loading,
    failure,
    signedIn,
    signedOut,
    loadCart,
    forgetCart,
    rememberCart,
    adoptCart,
  } = window.Storefront;

  const CANCELLABLE = new Set(["pending", "paid"]);
  const TEST_CARDS = [
    { number: "4242424242424242", label: "4242 4242 4242 4242", outcome: "succeeds" },
    { number: "4000000000000002", label: "4000 0000 0000 0002", outcome: "is declined" },
    { number: "4000000000009995", label: "4000 0000 0000 9995", outcome: "insufficient funds" },
  ];

  // ---------------------------------------------------------------- views: cart and checkout

  async function viewCart(view) {
    document.title = "Cart – Emporium";
    replace(main, heading("Your cart"), loading("your cart"));
    let cart;
    try {
      cart = await loadCart();
    } catch (error) {
      if (view === state.view) replace(main, heading("Your cart"), failure("The cart could not be loaded: " + errorText(error)));
      return;
    }
    if (view !== state.view) return;
    renderCart(cart, view);
  }

  function renderCart(cart, view) {
    if (!cart || !cart.items.length) {
      replace(main, heading("Your cart"), el("p", { class: "empty" }, "Your cart is empty. ", el("a", { href: "#/" }, "Find something you like.")));
      return;
    }
    const lines = cart.items.map((line) => cartLine(cart, line, view));
    const totals = cart.totals;
    const row = (label, value, strong) => el("tr", null, el("th", { scope: "row" }, label), el("td", null, strong ? el("strong", null, money(value)) : money(value)));
    replace(
      main,
      heading("Your cart"),
      el(
        "div",
        { class: "cart-layout" },
        el("section", { class: "cart-lines", "aria-label": "Items" }, el("ul", { class: "lines", id: "cart-lines" }, lines)),
        el(
          "section",
          { class: "cart-summary", "aria-labelledby": "summary-title" },
          el("h2", { id: "summary-title" }, "Summary"),
          el(
            "table",
            { class: "totals" },
            el(
              "tbody",
              null,
              row("Subtotal", totals.subtotal),
              totals.discount && totals.discount.amount ? row("Discount", { amount: -totals.discount.amount, currency: totals.discount.currency }) : null,
              row("Shipping", totals.shipping),
              totals.tax ? row("Tax", totals.tax) : null,
              row("Total", totals.total, true),
            ),
          ),
          checkoutSection(cart, view),
        ),
      ),
    );
    tickHolds();
  }

  function cartLine(cart, line, view) {
    const quantity = el("input", {
      type: "number",
      min: "1",
      max: "999",
      value: String(line.quantity),
      id: "qty-" + line.sku,
      "aria-label": "Quantity of " + line.name,
    });
    const change = async (path, method, body) => {
      try {
        const next = await call(method, "/v1/carts/" + encodeURIComponent(cart.id) + "/items/" + encodeURIComponent(line.sku) + path, {
          body,
          ifMatch: cart.version,
        });
        rememberCart(next);
        if (view === state.view) renderCart(next, view);
      } catch (error) {
        const text =
          error.code === "version_mismatch" ? "The cart changed elsewhere (another tab?); this is how it is now." : "The cart was not changed: " + errorText(error);
        say(text, "error");
        if (view === state.view) viewCart(view);
      }
    };
    const until = line.held && line.reserved_until ? Date.parse(line.reserved_until) : NaN;
    const hold = Number.isNaN(until)
      ? el("span", { class: "hold hold-none" }, "Not held: checkout will try to reserve it again")
      : el("span", { class: "hold", dataset: { until: String(until) } }, "Held");
    return el(
      "li",
      { class: "line", dataset: { sku: line.sku } },
      el(
        "div",
        { class: "line-main" },
        el("a", { href: "#/product/" + line.product_id, class: "line-name" }, line.name),
        el("span", { class: "muted" }, money(line.unit_price) + " each"),
        hold,
      ),
      el(
        "div",
        { class: "line-actions" },
        quantity,
        el("button", { type: "button", class: "secondary", onclick: () => {
          const value = Number(quantity.value);
          if (!Number.isInteger(value) || value < 1) {
            say("Choose a quantity of 1 or more, or remove the item.", "error");
            return;
          }
          change("", "PATCH", { quantity: value });
        } }, "Update"),
        el("button", { type: "button", class: "link", onclick: () => change("", "DELETE") }, "Remove"),
        el("strong", { class: "line-total" }, money(line.line_total)),
      ),
    );
  }

  /** Updates every hold countdown from its `reserved_until`, on the server's clock. */
  function tickHolds() {
    const now = Date.now() + state.serverOffsetMs;
    for (const node of document.querySelectorAll(".hold[data-until]")) {
      const left = Number(node.dataset.until) - now;
      if (left > 0) {
        node.textContent = "Held for you: " + countdown(left) + " left";
        node.classList.toggle("hold-ending", left < 60_000);
      } else {
        node.textContent = "Hold expired: checkout will try to reserve it again";
        node.classList.add("hold-none");
        delete node.dataset.until;
      }
    }
  }

  const ADDRESS_FIELDS = [
    ["name", "Full name", true, "name"],
    ["line1", "Address", true, "address-line1"],
    ["line2", "Apartment, suite (optional)", false, "address-line2"],
    ["city", "City", true, "address-level2"],
    ["region", "State or region (optional)", false, "address-level1"],
    ["postal_code", "Postal code", true, "postal-code"],
    ["country", "Country code (e.g. US)", true, "country"],
  ];

  function checkoutSection(cart, view) {
    if (!state.user) {
      return el("p", { class: "signin-to-checkout" }, el("a", { href: "#/account" + query({ next: "#/cart" }) }, "Sign in or create an account"), " to check out.");
    }
    const problem = el("div", { class: "checkout-error", id: "checkout-error", role: "alert", tabindex: "-1" });
    const fields = ADDRESS_FIELDS.map(([name, label, required, autocomplete]) =>
      el(
        "p",
        { class: "field" },
        el("label", { for: "ship-" + name }, label),
        el("input", {
          id: "ship-" + name,
          name,
          required,
          autocomplete,
          value: name === "country" ? "US" : name === "name" && state.user ? state.user.name : null,
          maxlength: name === "country" ? "2" : "200",
        }),
      ),
    );
    const card = el("input", { id: "card-number", name: "card_number", inputmode: "numeric", autocomplete: "cc-number", required: true, maxlength: "23" });
    const button = el("button", { type: "submit", id: "pay" }, "Pay " + money(cart.totals.total));
    const form = el(
      "form",
      {
        class: "checkout",
        id: "checkout-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const data = new FormData(form);
          const address = {};
          for (const [name] of ADDRESS_FIELDS) {
            const value = String(data.get(name) || "").trim();
            if (value) address[name] = name === "country" ? value.toUpperCase() : value;
          }
          const body = { payment: { method: "card", card_number: String(data.get("card_number") || "").replace(/[\s-]/g, "") }, shipping_address: address };
          button.disabled = true;
          replace(problem);
          form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
          try {
            const order = await call("POST", "/v1/carts/" + encodeURIComponent(cart.id) + "/checkout", { body, idempotencyKey: randomId() });
            forgetCart();
            location.hash = "#/order/" + order.id + "?placed=1";
          } catch (error) {
            button.disabled = false;
            if (view !== state.view) return;
            showCheckoutError(form, problem, error);
          }
        },
      },
      el("h2", null, "Checkout"),
      el("fieldset", null, el("legend", null, "Shipping address"), fields),
      el(
        "fieldset",
        null,
        el("legend", null, "Payment"),
        el("p", { class: "field" }, el("label", { for: "card-number" }, "Card number"), card),
        el(
          "div",
          { class: "test-cards" },
          el("p", { class: "muted" }, "Test cards (tap to fill):"),
          el(
            "ul",
            null,
            TEST_CARDS.map((test) =>
              el("li", null, el("button", { type: "button", class: "link", onclick: () => { card.value = test.label; card.focus(); } }, test.label), " " + test.outcome),
            ),
          ),
        ),
      ),
      problem,
      button,
    );
    return form;
  }

  function showCheckoutError(form, problem, error) {
    let message;
    if (error.code === "card_declined") {
      message = "Your card was declined. No money was taken. Try another card.";
    } else if (error.code === "insufficient_funds") {
      message = "Your card has insufficient funds. No money was taken. Try another card.";
    } else if (error.type === "insufficient_stock") {
      message = "Some items are no longer available in that quantity: " + errorText(error);
    } else if (error.code === "cart_closed") {
      forgetCart();
      message = "This cart was already checked out. Your orders are under Orders.";
    } else if (error.param) {
      message = "Check the " + error.param.replace(/^(shipping_address|payment)\./, "").replace(/_/g, " ") + ": " + errorText(error);
      const field = form.querySelector("[name='" + error.param.split(".").pop() + "']");
      if (field) field.setAttribute("aria-invalid", "true");
    } else {
      message = "The order was not placed: " + errorText(error);
    }
    replace(problem, el("p", null, message), el("p", { class: "muted" }, "Your cart and its holds are kept."));
    problem.focus();
  }

  // ---------------------------------------------------------------- views: orders

  function statusBadge(status) {
    return el("span", { class: "status status-" + status }, status);
  }

  function cancelControl(order, onCancelled) {
    if (!CANCELLABLE.has(order.status)) return null;
    const box = el("span", { class: "cancel" });
    const ask = () =>
      replace(
        box,
        el("button", { type: "button", class: "secondary", onclick: confirm }, "Cancel order"),
      );
    const confirm = () =>
      replace(
        box,
        el("span", null, "Cancel this order? "),
        el("button", { type: "button", class: "danger", onclick: cancel }, "Yes, cancel"),
        " ",
        el("button", { type: "button", class: "link", onclick: ask }, "Keep it"),
      );
    const cancel = async () => {
      replace(box, el("span", { class: "muted" }, "Cancelling…"));
      try {
        onCancelled(await call("POST", "/v1/orders/" + order.id + "/cancel"));
        say("Order " + order.id + " is cancelled.", "ok");
      } catch (error) {
        say("The order was not cancelled: " + errorText(error), "error");
        ask();
      }
    };
    ask();
    return box;
  }

  function needSignIn(next, what) {
    replace(main, heading(what), el("p", null, el("a", { href: "#/account" + query({ next }) }, "Sign in"), " to see your orders."));
  }

  async function viewOrders(view) {
    document.title = "Orders – Emporium";
    if (!state.user) {
      needSignIn("#/orders", "Your orders");
      return;
    }
    const list = el("ul", { class: "orders", id: "orders" });
    const more = el("div", { class: "more" });
    replace(main, heading("Your orders"), list, more);
    const page = async (cursor) => {
      const reply = await call("GET", "/v1/orders" + query({ limit: 20, cursor }));
      if (view !== state.view) return;
      for (const order of reply.data) list.append(orderRow(order));
      if (!list.children.length) list.append(el("li", { class: "empty" }, "No orders yet."));
      replace(more, reply.next_cursor ? el("button", { type: "button", class: "secondary", onclick: () => page(reply.next_cursor).catch(() => null) }, "Older orders") : null);
    };
    try {
      await page(null);
    } catch (error) {
      if (view === state.view) replace(main, heading("Your orders"), failure("Orders could not be loaded: " + errorText(error)));
    }
  }

  function orderRow(order) {
    const summary = order.items.map((item) => item.quantity + " × " + item.name).join(", ");
    const row = el(
      "li",
      { class: "order", dataset: { orderId: order.id, status: order.status } },
      el(
        "div",
        { class: "order-head" },
        el("a", { href: "#/order/" + order.id }, order.id),
        statusBadge(order.status),
        el("span", { class: "muted" }, dateTime(order.created_at)),
        el("strong", null, money(order.totals.total)),
      ),
      el("p", { class: "muted order-items" }, summary),
      cancelControl(order, (cancelled) => row.replaceWith(orderRow(cancelled))),
    );
    return row;
  }

  async function viewOrder(id, params, view) {
    document.title = "Order " + id + " – Emporium";
    if (!state.user) {
      needSignIn("#/order/" + id, "Order");
      return;
    }
    replace(main, loading("the order"));
    let order;
    let events = [];
    try {
      order = await call("GET", "/v1/orders/" + encodeURIComponent(id));
      events = (await call("GET", "/v1/orders/" + encodeURIComponent(id) + "/events" + query({ limit: 100 }))).data;
    } catch (error) {
      if (view === state.view) replace(main, heading("Order"), failure(error.status === 404 ? "There is no such order." : errorText(error)));
      return;
    }
    if (view !== state.view) return;
    renderOrder(order, events, params.get("placed") === "1", view);
  }

  function renderOrder(order, events, placed, view) {
    const address = order.shipping_address || {};
    const rerender = (next) => {
      if (view !== state.view) return;
      call("GET", "/v1/orders/" + order.id + "/events" + query({ limit: 100 }))
        .then((reply) => renderOrder(next, reply.data, false, view))
        .catch(() => renderOrder(next, events, false, view));
    };
    replace(
      main,
      placed ? el("p", { class: "notice-ok placed", id: "order-placed", role: "status" }, "Thank you! Your order is placed and " + order.status + ".") : null,
      heading("Order " + order.id),
      el("p", { class: "order-status" }, "Status: ", statusBadge(order.status), " ", cancelControl(order, rerender)),
      el(
        "table",
        { class: "order-items-table" },
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "Item"), el("th", { scope: "col" }, "Qty"), el("th", { scope: "col" }, "Price"), el("th", { scope: "col" }, "Total"))),
        el(
          "tbody",
          null,
          order.items.map((item) =>
            el("tr", null, el("td", null, el("a", { href: "#/product/" + item.product_id }, item.name)), el("td", null, String(item.quantity)), el("td", null, money(item.unit_price)), el("td", null, money(item.line_total))),
          ),
        ),
        el("tfoot", null, el("tr", null, el("th", { scope: "row", colspan: "3" }, "Total"), el("td", null, el("strong", null, money(order.totals.total))))),
      ),
      el(
        "div",
        { class: "order-details" },
        el(
          "section",
          null,
          el("h2", null, "Shipping to"),
          el("address", null, [address.name, address.line1, address.line2, [address.postal_code, address.city].filter(Boolean).join(" "), address.region, address.country].filter(Boolean).map((line) => el("div", null, line))),
        ),
        el(
          "section",
          null,
          el("h2", null, "Payment"),
          el("p", null, (order.payment ? order.payment.method + ", " + order.payment.status : "none") + (order.payment && order.payment.refunded && order.payment.refunded.amount ? ", refunded " + money(order.payment.refunded) : "")),
        ),
        el(
          "section",
          null,
          el("h2", null, "History"),
          el("ol", { class: "timeline" }, events.map((event) => el("li", null, el("span", { class: "muted" }, dateTime(event.at)), " ", event.to_status || event.type))),
        ),
      ),
      el("p", null, el("a", { href: "#/orders" }, "All orders")),
    );
  }

  // ---------------------------------------------------------------- views: account

  function viewAccount(params) {
    document.title = "Account – Emporium";
    const next = params.get("next");
    const go = () => {
      location.hash = next && next.startsWith("#/") ? next : "#/";
    };
    if (state.user) {
      replace(
        main,
        heading("Your account"),
        el("p", null, "Signed in as ", el("strong", null, state.user.name), " (" + state.user.email + ")."),
        el("p", null, el("a", { href: "#/orders" }, "Your orders")),
        el(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: async () => {
              await call("POST", "/v1/auth/logout").catch(() => null);
              signedOut();
              say("You are signed out.", "ok");
              location.hash = "#/";
            },
          },
          "Sign out",
        ),
      );
      return;
    }
    const form = (id, title, fields, submit, path, bodyOf) => {
      const problem = el("p", { class: "field-error", role: "alert" });
      const node = el(
        "form",
        {
          class: "account-form",
          id,
          onsubmit: async (event) => {
            event.preventDefault();
            const button = node.querySelector("button");
            button.disabled = true;
            problem.textContent = "";
            try {
              signedIn(await call("POST", path, { body: bodyOf(new FormData(node)), token: null }));
              await loadCart().catch(() => null);
              await adoptCart().catch((error) => say("Your cart could not be moved to your account: " + errorText(error), "error"));
              say("Welcome, " + state.user.name + ".", "ok");
              go();
            } catch (error) {
              problem.textContent = error.status === 401 ? "Wrong email or password." : errorText(error);
              button.disabled = false;
            }
          },
        },
        el("h2", null, title),
        fields.map(([name, label, type, autocomplete]) =>
          el("p", { class: "field" }, el("label", { for: id + "-" + name }, label), el("input", { id: id + "-" + name, name, type, autocomplete, required: true })),
        ),
        problem,
        el("button", { type: "submit" }, submit),
      );
      return node;
    };
    replace(
      main,
      heading("Sign in or create an account"),
      el(
        "div",
        { class: "account-forms" },
        form("signin", "Sign in", [["email", "Email", "email", "username"], ["password", "Password", "password", "current-password"]], "Sign in", "/v1/auth/login", (data) => ({
          email: String(data.get("email")),
          password: String(data.get("password")),
        })),
        form(
          "register",
          "Create an account",
          [["name", "Name", "text", "name"], ["email", "Email", "email", "email"], ["password", "Password (8 or more characters)", "password", "new-password"]],
          "Create account",
          "/v1/auth/register",
          (data) => ({ name: String(data.get("name")), email: String(data.get("email")), password: String(data.get("password")) }),
        ),
      ),
    );
  }

  views.cart = viewCart;
  views.orders = viewOrders;
  views.order = viewOrder;
  views.account = viewAccount;
  setInterval(tickHolds, 1000);
})();
