// The storefront's catalog views: search results with facets and filters, and the
// product page with its reviews and recommendations (see storefront.js for the core).
"use strict";

(function () {
  const { money, currencyDigits, parsePrice, dateTime, el, replace, highlighted } = window.Emporium;
  const {
    state,
    main,
    views,
    call,
    say,
    errorText,
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
    addButton,
    isMissingRoute,
  } = window.Storefront;

  const SEARCH_PAGE = 24;
  const FACET_VALUES_SHOWN = 12;
  const RECOMMENDATIONS_SHOWN = 6;
  /** Why a product is recommended, in the words a shopper reads. */
  const REASONS = {
    bought_together: "Bought together",
    also_viewed: "Also viewed",
    popular_in_category: "Popular in this category",
  };

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
    // On a phone the filters start folded, so the results are what the screen shows.
    const wide = window.matchMedia("(min-width: 48rem)").matches;
    const active = Object.keys(filters).filter((name) => name !== "q").length;
    const facetGroups = el("div", { class: "facet-groups" }, loading("filters"));
    const facets = el(
      "aside",
      { "aria-label": "Filters" },
      el("details", { class: "facets", open: wide }, el("summary", null, active ? "Filters (" + active + " active)" : "Filters"), facetGroups),
    );
    const results = el("section", { class: "results", "aria-label": "Results" }, loading("products"));
    replace(main, heading(title), el("div", { class: "search-layout" }, facets, results));

    await loadCategories();
    let page;
    try {
      page = await call("GET", "/v1/search" + query(Object.assign({ limit: SEARCH_PAGE }, filters)));
    } catch (error) {
      if (view === state.view) {
        replace(facetGroups);
        replace(results, failure("Search failed: " + errorText(error)));
      }
      return;
    }
    if (view !== state.view) return;
    renderFacets(facetGroups, filters, page.facets, page.data);
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

  /** A product in a grid; `note` is a short line above its name (why it is shown). */
  function productCard(product, highlights, note) {
    const name = highlights && highlights.name ? highlighted(highlights.name) : product.name;
    return el(
      "article",
      { class: "card", dataset: { productId: product.id, brand: product.brand || "" } },
      el("a", { href: "#/product/" + product.id, class: "card-image", tabindex: "-1", "aria-hidden": "true" }, tile(product)),
      note ? el("p", { class: "card-note" }, note) : null,
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

  /**
   * The category facet counts every level (a headphone counts for Electronics, Audio
   * and Headphones). Shown are the children of the chosen category (of the root without
   * one), going down while a level has a single child, so a search that is all
   * headphones offers Headphones' own subcategories rather than "Electronics".
   */
  function categoryLevel(values, chosen) {
    const counted = values.filter((value) => value.count > 0);
    if (!state.categories.size) return counted;
    const childrenOf = (parent) =>
      counted.filter((value) => {
        const category = state.categories.get(value.value);
        return category && (category.parent_id || null) === parent;
      });
    let level = childrenOf(chosen);
    for (let depth = 0; depth < 8 && level.length === 1; depth++) {
      const deeper = childrenOf(level[0].value);
      if (!deeper.length) break;
      level = deeper;
    }
    return level;
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

    const categories = categoryLevel(facets.category || [], filters.category || null)
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
            ? el("dl", { class: "attributes" }, attributes.map(([key, value]) => [el("dt", null, attributeName(key)), el("dd", null, value)]))
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

  /** `weight_g` as "weight (g)", `warranty_years` as "warranty years". */
  function attributeName(key) {
    const unit = /_(g|kg|mg|ml|l|cm|mm|m|in)$/.exec(key);
    const name = (unit ? key.slice(0, -unit[0].length) : key).replace(/_/g, " ");
    return unit ? name + " (" + unit[1] + ")" : name;
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
      // One more than shown: the product itself may come back and is left out.
      reply = await call("GET", "/v1/products/" + product.id + "/recommendations" + query({ limit: RECOMMENDATIONS_SHOWN + 1 }));
    } catch (error) {
      if (view !== state.view) return;
      const text = isMissingRoute(error) ? "Recommendations are not available on this server yet." : "Recommendations could not be loaded.";
      replace(section, title, el("p", { class: "muted" }, text));
      return;
    }
    if (view !== state.view) return;
    const reasons = reply.reasons || [];
    const cards = (reply.data || [])
      .map((item, index) => ({ item, reason: REASONS[reasons[index]] || null }))
      .filter(({ item }) => item.id !== product.id)
      .slice(0, RECOMMENDATIONS_SHOWN)
      .map(({ item, reason }) => productCard(item, null, reason));
    replace(
      section,
      title,
      cards.length ? el("div", { class: "grid grid-small" }, cards) : el("p", { class: "muted" }, "No recommendations for this product yet."),
    );
  }

  views.search = viewSearch;
  views.product = viewProduct;
})();
