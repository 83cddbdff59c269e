// The storefront's core: its state, API calls, the cart, the search box with its
// suggestions, and the router. The views live in storefront-catalog.js (search,
// facets, product pages) and storefront-orders.js (cart, checkout, orders, account).
// The storefront is a client of the public API and nothing else: every rule (prices,
// holds, payments) is the server's, and these files only show what the server answers.
"use strict";

(function () {
  const { api, randomId, el, replace, storage } = window.Emporium;

  const SUGGESTIONS_MAX = 8;
  const SUGGEST_DELAY_MS = 120;

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
  /** The views, filled in by the view scripts: `views.search(params, view)` and so on. */
  const views = {};

  // ---------------------------------------------------------------- small helpers

  function call(method, path, options) {
    const opts = Object.assign({ token: state.token, sessionId: sessionId() }, options || {});
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

  /** Whether an error says this server has no such endpoint (an older server). */
  function isMissingRoute(error) {
    return error.status === 404 && error.code === "route_not_found";
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

  /** This visit's id, kept for the tab's life: analytics counts sessions by it. */
  function sessionId() {
    let id = session.get("emporium.session");
    if (!id) {
      id = randomId();
      session.set("emporium.session", id);
    }
    return id;
  }

  /**
   * Reports what only the browser sees (page and product views) to `/v1/events`. Carts,
   * checkouts and searches are counted by the server itself, so they are not sent.
   */
  function track(type, fields) {
    if (!state.eventsAvailable) return;
    const body = Object.assign({ type, session_id: sessionId() }, fields || {});
    call("POST", "/v1/events", { body }).catch((error) => {
      if (isMissingRoute(error)) state.eventsAvailable = false;
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

  // ---------------------------------------------------------------- router

  async function route(initial) {
    const view = ++state.view;
    const hash = location.hash.replace(/^#/, "") || "/";
    const [path, search] = hash.split("?");
    const params = new URLSearchParams(search || "");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (!initial) say(null);
    track("page_view", { properties: { page: parts[0] || "search" } });
    if (parts[0] === "product" && parts[1]) await views.product(parts[1], view);
    else if (parts[0] === "cart") await views.cart(view);
    else if (parts[0] === "orders") await views.orders(view);
    else if (parts[0] === "order" && parts[1]) await views.order(parts[1], params, view);
    else if (parts[0] === "account") views.account(params);
    else await views.search(params, view);
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
    await route(true);
  }

  window.Storefront = {
    state,
    main,
    views,
    call,
    say,
    errorText,
    isMissingRoute,
    query,
    searchHref,
    heading,
    loading,
    failure,
    tile,
    stockText,
    ratingText,
    categoryName,
    loadCategories,
    track,
    signedIn,
    signedOut,
    loadCart,
    forgetCart,
    rememberCart,
    adoptCart,
    addButton,
  };
  // Deferred scripts run in order before DOMContentLoaded, so every view is registered
  // by then.
  document.addEventListener("DOMContentLoaded", start);
})();
