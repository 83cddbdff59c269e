// The storefront: search with suggestions and facets, product pages with reviews and
// recommendations, the cart with its stock holds, checkout, and order history. It is a
// client of the public API and nothing else: every rule (prices, holds, payments) is
// the server's, and this file only shows what the server answers.
"use strict";

(function () {
  const { api, money, currencyDigits, parsePrice, dateTime, countdown, el, replace, highlighted, randomId, storage } =
    window.Emporium;

  const SEARCH_PAGE = 24;
  const SUGGESTIONS_MAX = 8;
  const SUGGEST_DELAY_MS = 120;
  const FACET_VALUES_SHOWN = 12;
  const CANCELLABLE = new Set(["pending", "paid"]);
  const TEST_CARDS = [
    { number: "4242424242424242", label: "4242 4242 4242 4242", outcome: "succeeds" },
    { number: "4000000000000002", label: "4000 0000 0000 0002", outcome: "is declined" },
    { number: "4000000000009995", label: "4000 0000 0000 9995", outcome: "insufficient funds" },
  ];

  const local = storage("local");
  const session = storage("session");
  const state = {
    token: local.get("emporium.token"),
    user: null,
    cartId: local.get("emporium.cart"),
    cart: null,
    /** Server clock minus ours, so hold countdowns follow the server's clock. */
    serverOffsetMs: 0,
    categories: new Map(),
    /** False after `/v1/events` answered 404 (not on this server). */
    eventsAvailable: true,
    /** Bumped on every navigation; a view drops replies that arrive after it. */
    view: 0,
  };

  const main = document.getElementById("main");
  const notice = document.getElementById("notice");

  // ---------------------------------------------------------------- small helpers

  function call(method, path, options) {
    const opts = Object.assign({ token: state.token }, options || {});
    return api(method, path, opts).then((reply) => {
      state.serverOffsetMs = reply.serverOffsetMs;
      return reply.data;
    }).catch((error) => {
      // A revoked or expired session: sign out here too, then let the view say so.
      if (error.status === 401 && state.token && opts.token === state.token) signedOut();
      throw error;
    });
  }

  function say(message, kind) {
    replace(notice, message ? el("p", { class: "notice-" + (kind || "info") }, message) : null);
  }

  function errorText(error) {
    return error && error.message ? error.message : String(error);
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") search.set(key, value);
    }
    const text = search.toString();
    return text ? "?" + text : "";
  }

  function searchHref(params) {
    return "#/search" + query(params);
  }

  function heading(text) {
    return el("h1", { tabindex: "-1", class: "view-title" }, text);
  }

  function loading(what) {
    return el("p", { class: "loading" }, "Loading " + what + "…");
  }

  function failure(message) {
    return el("p", { class: "error", role: "alert" }, message);
  }

  /** A square with the product's initials: the demo catalog's image URLs point nowhere. */
  function tile(product, size) {
    const letters = (product.name || "?")
      .split(/\s+/)
      .filter((word) => /^[\p{L}\p{N}]/u.test(word))
      .slice(0, 2)
      .map((word) => word[0].toUpperCase())
      .join("");
    let hue = 0;
    for (const char of product.category_id || product.sku || "") hue = (hue * 31 + char.charCodeAt(0)) % 360;
    const node = el("div", { class: "tile tile-" + (size || "small"), "aria-hidden": "true" }, letters);
    node.style.setProperty("--hue", String(hue));
    return node;
  }

  function stockText(product) {
    const available = product.stock ? product.stock.available : 0;
    if (available <= 0) return el("span", { class: "stock stock-out" }, "Out of stock");
    if (available <= 5) return el("span", { class: "stock stock-low" }, "Only " + available + " left");
    return el("span", { class: "stock stock-in" }, "In stock");
  }

  function ratingText(rating) {
    if (!rating || !rating.count) return el("span", { class: "rating muted" }, "No reviews yet");
    const average = Math.round(rating.average * 10) / 10;
    return el(
      "span",
      { class: "rating", "aria-label": "Rated " + average + " out of 5 from " + rating.count + " reviews" },
      "★ " + average.toFixed(1) + " (" + rating.count + ")",
    );
  }

  function categoryName(id) {
    const category = state.categories.get(id);
    return category ? category.path.split("/").join(" › ") : id;
  }

  async function loadCategories() {
    if (state.categories.size) return;
    try {
      const reply = await call("GET", "/v1/categories");
      for (const category of reply.data) state.categories.set(category.id, category);
    } catch (_) {
      // Facets then show category ids; the rest of the page still works.
    }
  }

  function track(type, fields) {
    if (!state.eventsAvailable) return;
    let sessionId = session.get("emporium.session");
    if (!sessionId) {
      sessionId = randomId();
      session.set("emporium.session", sessionId);
    }
    const body = Object.assign({ type, session_id: sessionId }, fields || {});
    if (state.user) body.user_id = state.user.id;
    call("POST", "/v1/events", { body }).catch((error) => {
      if (error.status === 404) state.eventsAvailable = false;
    });
  }

  // ---------------------------------------------------------------- account

  function signedIn(reply) {
    state.token = reply.token;
    state.user = reply.user;
    local.set("emporium.token", reply.token);
    showAccount();
  }

  function signedOut() {
    const hadOwnCart = state.cart && state.cart.user_id;
    state.token = null;
    state.user = null;
    local.remove("emporium.token");
    if (hadOwnCart) forgetCart();
    showAccount();
  }

  function showAccount() {
    const link = document.getElementById("account-link");
    link.textContent = state.user ? state.user.name || state.user.email : "Sign in";
  }

  async function loadUser() {
    if (!state.token) return;
    try {
      state.user = await call("GET", "/v1/me");
    } catch (_) {
      state.user = null;
    }
    showAccount();
  }

  // ---------------------------------------------------------------- cart

  function forgetCart() {
    state.cart = null;
    state.cartId = null;
    local.remove("emporium.cart");
    showCartCount();
  }

  function rememberCart(cart) {
    state.cart = cart;
    state.cartId = cart.id;
    local.set("emporium.cart", cart.id);
    showCartCount();
  }

  function showCartCount() {
    const count = state.cart ? state.cart.items.reduce((sum, line) => sum + line.quantity, 0) : 0;
    document.getElementById("cart-count").textContent = String(count);
  }

  async function loadCart() {
    if (!state.cartId) return null;
    try {
      rememberCart(await call("GET", "/v1/carts/" + encodeURIComponent(state.cartId)));
    } catch (error) {
      if (error.status === 404 || error.status === 401) forgetCart();
      else throw error;
    }
    return state.cart;
  }

  async function newCart() {
    rememberCart(await call("POST", "/v1/carts"));
    return state.cart;
  }

  /** Adds `quantity` of `sku`; a closed or vanished cart is replaced by a new one. */
  async function addToCart(sku, quantity) {
    if (!state.cartId) await newCart();
    const add = () =>
      call("POST", "/v1/carts/" + encodeURIComponent(state.cartId) + "/items", { body: { sku, quantity } });
    try {
      rememberCart(await add());
    } catch (error) {
      if (error.status !== 404 && error.code !== "cart_closed") throw error;
      await newCart();
      rememberCart(await add());
    }
    return state.cart;
  }

  /**
   * After signing in, an anonymous cart's lines move into a cart of the account, so the
   * order lands in the account's history. Each line leaves the old cart first, which
   * returns its hold, so the new cart can hold the same stock.
   */
  async function adoptCart() {
    const old = state.cart;
    if (!old || old.user_id || !old.items.length) {
      if (old && !old.user_id) forgetCart();
      return;
    }
    const lines = old.items.map((line) => ({ sku: line.sku, quantity: line.quantity }));
    await newCart();
    for (const line of lines) {
      await call("DELETE", "/v1/carts/" + encodeURIComponent(old.id) + "/items/" + encodeURIComponent(line.sku), {
        token: null,
      }).catch(() => null);
      await addToCart(line.sku, line.quantity);
    }
  }

  function addButton(product, quantityInput) {
    const out = !product.stock || product.stock.available <= 0;
    return el(
      "button",
      {
        type: "button",
        class: "add",
        disabled: out,
        dataset: { sku: product.sku },
        onclick: async (event) => {
          const button = event.currentTarget;
          const quantity = quantityInput ? Number(quantityInput.value) : 1;
          if (!Number.isInteger(quantity) || quantity < 1) {
            say("Choose a quantity of 1 or more.", "error");
            return;
          }
          button.disabled = true;
          try {
            await addToCart(product.sku, quantity);
            track("add_to_cart", { product_id: product.id, properties: { sku: product.sku } });
            say(el("span", null, "Added " + product.name + " to your cart. ", el("a", { href: "#/cart" }, "View cart")), "ok");
          } catch (error) {
            say("Could not add " + product.name + ": " + errorText(error), "error");
          } finally {
            button.disabled = false;
          }
        },
      },
      out ? "Out of stock" : "Add to cart",
    );
  }

  // ---------------------------------------------------------------- search box

  function setUpSearchBox() {
    const form = document.getElementById("search-form");
    const input = document.getElementById("q");
    const list = document.getElementById("suggestions");
    let timer = null;
    let asked = 0;
    let active = -1;

    const options = () => Array.from(list.querySelectorAll("[role=option]"));
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (index) => {
      const all = options();
      all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index >= 0 && all[index]) input.setAttribute("aria-activedescendant", all[index].id);
      else input.removeAttribute("aria-activedescendant");
    };
    const choose = (text) => {
      input.value = text;
      close();
      location.hash = searchHref({ q: text });
    };

    async function suggest() {
      const text = input.value.trim();
      const ticket = ++asked;
      if (!text) {
        close();
        return;
      }
      let reply;
      try {
        reply = await call("GET", "/v1/autocomplete" + query({ q: text, limit: SUGGESTIONS_MAX }));
      } catch (_) {
        return;
      }
      // A slower reply to an earlier keystroke must not replace a newer list.
      if (ticket !== asked) return;
      const suggestions = reply.suggestions || [];
      replace(
        list,
        suggestions.map((suggestion, index) =>
          el(
            "li",
            {
              role: "option",
              id: "suggestion-" + index,
              "aria-selected": "false",
              class: "suggestion",
              onmousedown: (event) => {
                // mousedown, not click: the input's blur would close the list first.
                event.preventDefault();
                choose(suggestion.text);
              },
            },
            el("span", null, suggestion.text),
            el("span", { class: "suggestion-kind" }, suggestion.kind),
          ),
        ),
      );
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", String(suggestions.length > 0));
      active = -1;
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, SUGGEST_DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        if (list.hidden) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        highlight((active + 1) % all.length);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        highlight(active <= 0 ? all.length - 1 : active - 1);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(all[active].firstChild.textContent);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      asked++;
      close();
      location.hash = searchHref({ q: input.value.trim() });
    });
  }

  // ---------------------------------------------------------------- views: search

  const FILTERS = ["q", "category", "brand", "min_price", "max_price", "in_stock"];

  function filtersFrom(params) {
    const filters = {};
    for (const name of FILTERS) {
      const value = params.get(name);
      if (value) filters[name] = value;
    }
    return filters;
  }

  function withFilter(filters, changes) {
    const next = Object.assign({}, filters, changes);
    for (const [key, value] of Object.entries(next)) if (value === null) delete next[key];
    return searchHref(next);
  }

  async function viewSearch(params, view) {
    const filters = filtersFrom(params);
    document.getElementById("q").value = filters.q || "";
    const title = filters.q ? "Results for “" + filters.q + "”" : "All products";
    document.title = (filters.q ? filters.q + " – " : "") + "Emporium";
    const facets = el("aside", { class: "facets", "aria-label": "Filters" });
    const results = el("section", { class: "results", "aria-label": "Results" }, loading("products"));
    replace(main, heading(title), el("div", { class: "search-layout" }, facets, results));
    track("page_view", { properties: { page: "search", q: filters.q || "" } });

    await loadCategories();
    let page;
    try {
      page = await call("GET", "/v1/search" + query(Object.assign({ limit: SEARCH_PAGE }, filters)));
    } catch (error) {
      if (view === state.view) replace(results, failure("Search failed: " + errorText(error)));
      return;
    }
    if (view !== state.view) return;
    renderFacets(facets, filters, page.facets, page.data);
    const grid = el("div", { class: "grid", id: "results-grid" });
    const more = el("div", { class: "more" });
    replace(
      results,
      el("p", { class: "result-count", id: "result-count" }, page.total + (page.total === 1 ? " product" : " products")),
      activeFilters(filters),
      grid,
      more,
    );
    if (!page.data.length) {
      replace(grid, el("p", { class: "empty" }, "Nothing matches. Try fewer words or remove a filter."));
    }
    appendHits(grid, page.data);
    showMore(more, grid, filters, page.next_cursor, view);
  }

  function appendHits(grid, hits) {
    for (const hit of hits) grid.append(productCard(hit.product, hit.highlights));
  }

  function showMore(container, grid, filters, cursor, view) {
    if (!cursor) {
      replace(container);
      return;
    }
    const button = el(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: async () => {
          button.disabled = true;
          try {
            const page = await call("GET", "/v1/search" + query(Object.assign({ limit: SEARCH_PAGE, cursor }, filters)));
            if (view !== state.view) return;
            appendHits(grid, page.data);
            showMore(container, grid, filters, page.next_cursor, view);
          } catch (error) {
            button.disabled = false;
            say("Could not load more: " + errorText(error), "error");
          }
        },
      },
      "Show more",
    );
    replace(container, button);
  }

  function productCard(product, highlights) {
    const name = highlights && highlights.name ? highlighted(highlights.name) : product.name;
    return el(
      "article",
      { class: "card", dataset: { productId: product.id, brand: product.brand || "" } },
      el("a", { href: "#/product/" + product.id, class: "card-image", tabindex: "-1", "aria-hidden": "true" }, tile(product)),
      el("h3", { class: "card-title" }, el("a", { href: "#/product/" + product.id }, name)),
      el("p", { class: "card-brand" }, product.brand || ""),
      el("p", { class: "card-price" }, money(product.price)),
      el("p", { class: "card-meta" }, stockText(product), " ", ratingText(product.rating)),
      addButton(product),
    );
  }

  function activeFilters(filters) {
    const chips = [];
    const chip = (label, changes) =>
      chips.push(
        el("li", null, el("a", { class: "chip", href: withFilter(filters, changes), "aria-label": "Remove filter " + label }, label, " ×")),
      );
    if (filters.category) chip("Category: " + categoryName(filters.category), { category: null });
    if (filters.brand) chip("Brand: " + filters.brand, { brand: null });
    if (filters.min_price || filters.max_price) chip("Price: " + priceRangeText(filters), { min_price: null, max_price: null });
    if (filters.in_stock) chip("In stock only", { in_stock: null });
    return chips.length ? el("ul", { class: "chips", "aria-label": "Active filters" }, chips) : null;
  }

  function priceRangeText(filters, currency) {
    const unit = currency || "USD";
    const min = filters.min_price ? money({ amount: Number(filters.min_price), currency: unit }) : null;
    const max = filters.max_price ? money({ amount: Number(filters.max_price), currency: unit }) : null;
    if (min && max) return min + " – " + max;
    return min ? min + " and up" : "up to " + max;
  }

  function renderFacets(container, filters, facets, hits) {
    const currency = hits.length ? hits[0].product.price.currency : "USD";
    const group = (title, id, items) =>
      el(
        "section",
        { class: "facet", "aria-labelledby": id },
        el("h2", { id, class: "facet-title" }, title),
        items.length ? el("ul", { class: "facet-values" }, items) : el("p", { class: "muted" }, "—"),
      );
    const entry = (label, count, href, current) =>
      el(
        "li",
        null,
        el("a", { href, "aria-current": current ? "true" : null, class: current ? "current" : null }, el("span", null, label), el("span", { class: "count" }, String(count))),
      );

    const categories = (facets.category || [])
      .filter((value) => value.count > 0)
      .sort((a, b) => b.count - a.count || categoryName(a.value).localeCompare(categoryName(b.value)))
      .slice(0, FACET_VALUES_SHOWN)
      .map((value) =>
        entry(categoryName(value.value), value.count, withFilter(filters, { category: filters.category === value.value ? null : value.value }), filters.category === value.value),
      );
    const brands = (facets.brand || [])
      .filter((value) => value.count > 0)
      .slice(0, FACET_VALUES_SHOWN)
      .map((value) =>
        entry(value.value, value.count, withFilter(filters, { brand: filters.brand === value.value ? null : value.value }), filters.brand === value.value),
      );
    const prices = (facets.price || [])
      .filter((bucket) => bucket.count > 0)
      .map((bucket) => {
        const range = { min_price: bucket.min ? String(bucket.min) : null, max_price: bucket.max === null ? null : String(bucket.max) };
        const current = (filters.min_price || null) === range.min_price && (filters.max_price || null) === range.max_price;
        return entry(priceRangeText(range, currency), bucket.count, withFilter(filters, current ? { min_price: null, max_price: null } : range), current);
      });

    replace(
      container,
      group("Category", "facet-category", categories),
      group("Brand", "facet-brand", brands),
      group("Price", "facet-price", prices),
      priceForm(filters, currency),
      stockToggle(filters),
    );
  }

  function priceForm(filters, currency) {
    const digits = currencyDigits(currency);
    const shown = (value) => (value ? money({ amount: Number(value), currency }).replace(/[^\d.]/g, "") : "");
    const min = el("input", { id: "min-price", name: "min", inputmode: "decimal", value: shown(filters.min_price), size: "6" });
    const max = el("input", { id: "max-price", name: "max", inputmode: "decimal", value: shown(filters.max_price), size: "6" });
    const problem = el("p", { class: "field-error", role: "alert" });
    return el(
      "form",
      {
        class: "price-form",
        onsubmit: (event) => {
          event.preventDefault();
          const low = min.value.trim() ? parsePrice(min.value, digits) : null;
          const high = max.value.trim() ? parsePrice(max.value, digits) : null;
          if ((min.value.trim() && low === null) || (max.value.trim() && high === null)) {
            problem.textContent = "Enter prices like 25 or 24.99.";
            return;
          }
          if (low !== null && high !== null && low > high) {
            problem.textContent = "The lowest price is above the highest.";
            return;
          }
          location.hash = withFilter(filters, {
            min_price: low === null ? null : String(low),
            max_price: high === null ? null : String(high),
          });
        },
      },
      el("label", { for: "min-price" }, "Min"),
      min,
      el("label", { for: "max-price" }, "Max"),
      max,
      el("button", { type: "submit", class: "secondary" }, "Apply"),
      problem,
    );
  }

  function stockToggle(filters) {
    const box = el("input", {
      type: "checkbox",
      id: "in-stock",
      checked: Boolean(filters.in_stock),
      onchange: (event) => {
        location.hash = withFilter(filters, { in_stock: event.currentTarget.checked ? "true" : null });
      },
    });
    return el("p", { class: "stock-toggle" }, box, el("label", { for: "in-stock" }, " In stock only"));
  }

  // ---------------------------------------------------------------- views: product

  async function viewProduct(id, view) {
    replace(main, loading("the product"));
    await loadCategories();
    let product;
    try {
      product = await call("GET", "/v1/products/" + encodeURIComponent(id));
    } catch (error) {
      if (view !== state.view) return;
      replace(main, heading("Product not found"), failure(error.status === 404 ? "There is no such product." : errorText(error)));
      return;
    }
    if (view !== state.view) return;
    document.title = product.name + " – Emporium";
    track("product_view", { product_id: product.id });

    const category = state.categories.get(product.category_id);
    const crumbs = category
      ? category.path.split("/").map((name, index, names) => {
          const path = names.slice(0, index + 1).join("/");
          const match = Array.from(state.categories.values()).find((c) => c.path === path);
          return el("li", null, match ? el("a", { href: searchHref({ category: match.id }) }, name) : name);
        })
      : [];
    const quantity = el("input", { id: "quantity", type: "number", min: "1", max: "99", value: "1", inputmode: "numeric" });
    const attributes = Object.entries(product.attributes || {});
    const reviews = el("section", { class: "reviews", "aria-labelledby": "reviews-title" }, el("h2", { id: "reviews-title" }, "Reviews"), loading("reviews"));
    const recommendations = el(
      "section",
      { class: "recommendations", "aria-labelledby": "recommendations-title" },
      el("h2", { id: "recommendations-title" }, "You may also like"),
      loading("recommendations"),
    );

    replace(
      main,
      el("nav", { "aria-label": "Breadcrumb" }, el("ol", { class: "breadcrumbs" }, crumbs)),
      el(
        "div",
        { class: "product" },
        tile(product, "large"),
        el(
          "div",
          { class: "product-info" },
          heading(product.name),
          product.brand ? el("p", { class: "card-brand" }, "by ", el("a", { href: searchHref({ brand: product.brand }) }, product.brand)) : null,
          el("p", { class: "product-price" }, money(product.price)),
          el("p", null, stockText(product), " ", ratingText(product.rating)),
          el("p", { class: "description" }, product.description),
          attributes.length
            ? el("dl", { class: "attributes" }, attributes.map(([key, value]) => [el("dt", null, key.replace(/_/g, " ")), el("dd", null, value)]))
            : null,
          el("div", { class: "buy" }, el("label", { for: "quantity" }, "Quantity"), quantity, addButton(product, quantity)),
          el("p", { class: "muted sku" }, "SKU " + product.sku),
        ),
      ),
      reviews,
      recommendations,
    );
    loadReviews(product, reviews, view);
    loadRecommendations(product, recommendations, view);
  }

  async function loadReviews(product, section, view) {
    const title = section.firstChild;
    const list = el("ol", { class: "review-list" });
    const more = el("div", { class: "more" });
    const page = async (cursor) => {
      const reply = await call("GET", "/v1/products/" + product.id + "/reviews" + query({ limit: 10, cursor }));
      if (view !== state.view) return;
      for (const review of reply.data) list.append(reviewItem(review));
      if (!list.children.length) list.append(el("li", { class: "muted" }, "No reviews yet. Be the first."));
      replace(
        more,
        reply.next_cursor
          ? el("button", { type: "button", class: "secondary", onclick: () => page(reply.next_cursor).catch(() => null) }, "More reviews")
          : null,
      );
    };
    try {
      await page(null);
    } catch (error) {
      if (view === state.view) replace(section, title, failure("Reviews could not be loaded: " + errorText(error)));
      return;
    }
    if (view !== state.view) return;
    replace(section, title, list, more, reviewForm(product, list));
  }

  function reviewItem(review) {
    const stars = "★".repeat(review.rating) + "☆".repeat(5 - review.rating);
    return el(
      "li",
      { class: "review" },
      el("p", { class: "review-head" }, el("span", { class: "stars", "aria-label": review.rating + " out of 5" }, stars), " ", el("strong", null, review.title)),
      el("p", null, review.body),
      el("p", { class: "muted" }, dateTime(review.created_at), review.verified_purchase ? " · Verified purchase" : ""),
    );
  }

  function reviewForm(product, list) {
    if (!state.user) {
      return el("p", null, el("a", { href: "#/account" + query({ next: "#/product/" + product.id }) }, "Sign in"), " to write a review.");
    }
    const problem = el("p", { class: "field-error", role: "alert" });
    const form = el(
      "form",
      {
        class: "review-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const data = new FormData(form);
          const button = form.querySelector("button");
          button.disabled = true;
          problem.textContent = "";
          try {
            const review = await call("POST", "/v1/products/" + product.id + "/reviews", {
              body: { rating: Number(data.get("rating")), title: String(data.get("title")), body: String(data.get("body")) },
            });
            const placeholder = list.querySelector("li.muted");
            if (placeholder) placeholder.remove();
            list.prepend(reviewItem(review));
            form.replaceWith(el("p", { class: "notice-ok" }, "Thank you for your review."));
          } catch (error) {
            problem.textContent =
              error.code === "duplicate_review" ? "You have already reviewed this product." : "Your review was not saved: " + errorText(error);
            button.disabled = false;
          }
        },
      },
      el("h3", null, "Write a review"),
      el("label", { for: "review-rating" }, "Rating"),
      el(
        "select",
        { id: "review-rating", name: "rating", required: true },
        [5, 4, 3, 2, 1].map((n) => el("option", { value: String(n) }, n + " star" + (n > 1 ? "s" : ""))),
      ),
      el("label", { for: "review-title" }, "Title"),
      el("input", { id: "review-title", name: "title", required: true, maxlength: "200" }),
      el("label", { for: "review-body" }, "Review"),
      el("textarea", { id: "review-body", name: "body", required: true, rows: "4", maxlength: "5000" }),
      problem,
      el("button", { type: "submit" }, "Post review"),
    );
    return form;
  }

  async function loadRecommendations(product, section, view) {
    const title = section.firstChild;
    let reply;
    try {
      reply = await call("GET", "/v1/products/" + product.id + "/recommendations");
    } catch (error) {
      if (view !== state.view) return;
      const text = error.status === 404 ? "Recommendations are not available on this server yet." : "Recommendations could not be loaded.";
      replace(section, title, el("p", { class: "muted" }, text));
      return;
    }
    if (view !== state.view) return;
    const products = (reply.data || []).filter((item) => item.id !== product.id).slice(0, 8);
    replace(
      section,
      title,
      products.length
        ? el("div", { class: "grid grid-small" }, products.map((item) => productCard(item)))
        : el("p", { class: "muted" }, "No recommendations for this product yet."),
    );
  }

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

  // ---------------------------------------------------------------- router

  async function route(initial) {
    const view = ++state.view;
    const hash = location.hash.replace(/^#/, "") || "/";
    const [path, search] = hash.split("?");
    const params = new URLSearchParams(search || "");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (!initial) say(null);
    if (parts[0] === "product" && parts[1]) await viewProduct(parts[1], view);
    else if (parts[0] === "cart") await viewCart(view);
    else if (parts[0] === "orders") await viewOrders(view);
    else if (parts[0] === "order" && parts[1]) await viewOrder(parts[1], params, view);
    else if (parts[0] === "account") viewAccount(params);
    else await viewSearch(params, view);
    // After a navigation, move focus to the new view's title so keyboard and screen
    // reader users start there; on first load, leave focus where the browser put it.
    if (!initial && view === state.view) {
      const title = main.querySelector(".view-title");
      if (title) title.focus({ preventScroll: false });
    }
  }

  async function start() {
    setUpSearchBox();
    await loadUser();
    await loadCart().catch(() => null);
    window.addEventListener("hashchange", () => route(false));
    setInterval(tickHolds, 1000);
    await route(true);
  }

  start();
})();
