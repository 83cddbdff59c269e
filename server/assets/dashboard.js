// The operations dashboard: analytics windows, the funnel, rankings, alerts, the
// server's own metrics and the newest orders, refreshed by short polling every few
// seconds without reloading the page. It signs in as an admin through the API; every
// panel reads one endpoint and says "not available" when this server lacks it.
"use strict";

(function () {
  const { api, money, currencyDigits, dateTime, clock, el, replace, storage } = window.Emporium;
  const { timeChart, hbars } = window.EmporiumCharts;

  const POLL_MS = 2000;
  /** Metric samples kept for the client-side charts (3 minutes at one per poll). */
  const HISTORY_MAX = 90;
  const ROUTES_SHOWN = 15;
  const RANKING_SHOWN = 10;
  /** Product names looked up per poll, so a new ranking never floods the server. */
  const NAME_LOOKUPS_MAX = 10;
  const WINDOWS = [
    ["1m", "1 minute"],
    ["5m", "5 minutes"],
    ["1h", "1 hour"],
    ["10m/5m", "10 minutes, sliding every 5"],
  ];
  const RANKINGS = [
    ["views", "Views"],
    ["purchases", "Purchases"],
    ["revenue", "Revenue"],
  ];

  const stored = storage("session");
  const state = {
    token: stored.get("emporium.admin.token"),
    user: null,
    window: stored.get("emporium.admin.window") || "1h",
    rankBy: stored.get("emporium.admin.rank") || "views",
    paused: false,
    timer: null,
    polling: false,
    /** Parsed `/metrics` samples with their time, oldest first. */
    history: [],
    productNames: new Map(),
    panels: null,
    /** Server clock minus ours: the window charts end at the server's now. */
    serverOffsetMs: 0,
  };

  const main = document.getElementById("main");

  // ---------------------------------------------------------------- sign-in

  function call(path) {
    return api("GET", path, { token: state.token }).then((reply) => {
      state.serverOffsetMs = reply.serverOffsetMs;
      return reply.data;
    });
  }

  function showWho() {
    document.getElementById("who").textContent = state.user ? state.user.email : "";
    document.getElementById("sign-out").hidden = !state.user;
  }

  function showLogin(message) {
    stop();
    state.user = null;
    state.token = null;
    stored.remove("emporium.admin.token");
    showWho();
    const problem = el("p", { class: "field-error", role: "alert" }, message || "");
    const form = el(
      "form",
      {
        class: "account-form login",
        id: "admin-login",
        onsubmit: async (event) => {
          event.preventDefault();
          const data = new FormData(form);
          const button = form.querySelector("button");
          button.disabled = true;
          problem.textContent = "";
          try {
            const reply = await api("POST", "/v1/auth/login", { body: { email: String(data.get("email")), password: String(data.get("password")) } });
            if (reply.data.user.role !== "admin") {
              await api("POST", "/v1/auth/logout", { token: reply.data.token }).catch(() => null);
              problem.textContent = "This account is not an admin. The dashboard needs an admin account.";
              button.disabled = false;
              return;
            }
            state.token = reply.data.token;
            state.user = reply.data.user;
            stored.set("emporium.admin.token", state.token);
            showDashboard();
          } catch (error) {
            problem.textContent = error.status === 401 ? "Wrong email or password." : error.message;
            button.disabled = false;
          }
        },
      },
      el("h1", null, "Admin sign-in"),
      el("p", { class: "field" }, el("label", { for: "admin-email" }, "Email"), el("input", { id: "admin-email", name: "email", type: "email", autocomplete: "username", required: true })),
      el("p", { class: "field" }, el("label", { for: "admin-password" }, "Password"), el("input", { id: "admin-password", name: "password", type: "password", autocomplete: "current-password", required: true })),
      problem,
      el("button", { type: "submit" }, "Sign in"),
    );
    replace(main, form);
    document.getElementById("admin-email").focus();
  }

  // ---------------------------------------------------------------- layout

  function panel(id, title, wide, ...controls) {
    const body = el("div", { class: "panel-body", id: id + "-body" }, el("p", { class: "loading" }, "Loading…"));
    const node = el(
      "section",
      { class: "panel" + (wide ? " " + wide : ""), id, "aria-labelledby": id + "-title" },
      el("h2", { id: id + "-title" }, title),
      controls,
      body,
    );
    return { node, body };
  }

  function select(id, label, choices, current, onchange) {
    return el(
      "p",
      { class: "field-inline" },
      el("label", { for: id }, label + " "),
      el(
        "select",
        { id, onchange: (event) => onchange(event.currentTarget.value) },
        choices.map(([value, text]) => el("option", { value, selected: value === current }, text)),
      ),
    );
  }

  function showDashboard() {
    showWho();
    const kpis = el("div", { class: "kpis", id: "kpis" });
    const live = el("span", { class: "live", id: "live", role: "status" }, el("span", { class: "live-dot", "aria-hidden": "true" }), el("span", { id: "live-text" }, "Connecting…"));
    const pause = el(
      "button",
      {
        type: "button",
        class: "secondary",
        id: "pause",
        "aria-pressed": "false",
        onclick: () => {
          state.paused = !state.paused;
          pause.setAttribute("aria-pressed", String(state.paused));
          pause.textContent = state.paused ? "Resume updates" : "Pause updates";
          if (state.paused) stop();
          else poll();
        },
      },
      "Pause updates",
    );
    const windowChoice = select("window-choice", "Rankings and funnel over", WINDOWS, state.window, (value) => {
      state.window = value;
      stored.set("emporium.admin.window", value);
      poll();
    });
    const rankChoice = select("rank-choice", "Rank by", RANKINGS, state.rankBy, (value) => {
      state.rankBy = value;
      stored.set("emporium.admin.rank", value);
      poll();
    });
    const panels = {
      orders: panel("orders-chart", "Orders per minute", "panel-double"),
      funnel: panel("funnel", "Funnel"),
      revenue: panel("revenue-chart", "Revenue per minute", "panel-double"),
      top: panel("top-products", "Top products", null, rankChoice),
      recent: panel("recent-orders", "Recent orders", "panel-double"),
      searches: panel("searches", "Searches"),
      requests: panel("requests", "Requests per second"),
      latency: panel("latency", "p99 latency (ms)"),
      cache: panel("cache", "Product cache hit ratio (%)"),
      routes: panel("routes", "Routes", "panel-wide"),
      committer: panel("committer", "Committer: commands per batch"),
      fsync: panel("fsync", "Committer: commit (fsync) time per batch (ms)"),
      lowStock: panel("low-stock", "Low-stock alerts"),
      anomalies: panel("anomalies", "Anomalies", "panel-wide"),
    };
    state.panels = panels;
    replace(
      main,
      el("h1", { class: "view-title", tabindex: "-1" }, "Operations"),
      el("div", { class: "toolbar" }, live, pause, windowChoice),
      kpis,
      el("div", { class: "panels" }, Object.values(panels).map((p) => p.node)),
    );
    poll();
  }

  // ---------------------------------------------------------------- polling

  function stop() {
    clearTimeout(state.timer);
    state.timer = null;
  }

  function schedule() {
    stop();
    if (!state.paused && state.user && !document.hidden) state.timer = setTimeout(poll, POLL_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.user && !state.paused) poll();
  });

  const windowQuery = () => "?window=" + encodeURIComponent(state.window);

  async function poll() {
    if (state.polling || !state.user) return;
    state.polling = true;
    stop();
    const requests = {
      minutes: call("/v1/analytics/windows?window=1m"),
      sliding: call("/v1/analytics/windows?window=" + encodeURIComponent("10m/5m")),
      funnel: call("/v1/analytics/funnel" + windowQuery()),
      top: call("/v1/analytics/top-products" + windowQuery() + "&by=" + state.rankBy),
      search: call("/v1/analytics/search" + windowQuery()),
      anomalies: call("/v1/analytics/anomalies"),
      lowStock: call("/v1/analytics/low-stock"),
      orders: call("/v1/orders?limit=10"),
      metrics: call("/metrics"),
    };
    const names = Object.keys(requests);
    const settled = await Promise.allSettled(Object.values(requests));
    const results = {};
    names.forEach((name, index) => (results[name] = settled[index]));
    if (results.top.status === "fulfilled" && Array.isArray(results.top.value.data)) {
      await lookUpNames(results.top.value.data.slice(0, RANKING_SHOWN).map((stats) => stats.product_id));
    }
    state.polling = false;
    if (!state.user) return;
    const refused = settled.find((r) => r.status === "rejected" && r.reason && (r.reason.status === 401 || r.reason.status === 403));
    if (refused) {
      showLogin(refused.reason.status === 401 ? "Your session has ended. Sign in again." : "This account is not an admin.");
      return;
    }
    const failed = settled.filter((r) => r.status === "rejected" && r.reason && r.reason.code !== "route_not_found").length;
    const liveNode = document.getElementById("live");
    if (liveNode) {
      liveNode.className = "live " + (failed === settled.length ? "live-error" : state.paused ? "" : "live-on");
      document.getElementById("live-text").textContent =
        (failed === settled.length ? "Server unreachable, retrying · " : state.paused ? "Paused · " : "Live · ") + "updated " + new Date().toLocaleTimeString();
    }
    try {
      render(results);
    } finally {
      schedule();
    }
  }

  /** The panel's data, or null after saying why there is none. */
  function settledData(result, body) {
    if (result.status === "fulfilled") return result.value;
    const error = result.reason || {};
    const missing = error.status === 404 && error.code === "route_not_found";
    const text = missing ? "Not available on this server yet." : "Could not load: " + (error.message || "unknown error");
    replace(body, el("p", { class: "unavailable" }, text));
    return null;
  }

  /**
   * Draws a panel from its reply. A reply this page does not expect (a server newer or
   * older than the page) spoils only its own panel: the others, and the polling, go on.
   */
  function show(result, bodies, draw) {
    if (result.status !== "fulfilled") {
      settledData(result, bodies[0]);
      for (const body of bodies.slice(1)) replace(body, bodies[0].firstChild.cloneNode(true));
      return null;
    }
    try {
      draw(result.value);
    } catch (error) {
      for (const body of bodies) replace(body, el("p", { class: "unavailable" }, "Could not show this reply: " + error.message));
    }
    return result.value;
  }

  function render(results) {
    const panels = state.panels;
    const sliding = results.sliding.status === "fulfilled" ? results.sliding.value.data || [] : [];
    const minutes = show(results.minutes, [panels.orders.body, panels.revenue.body], (reply) => renderWindows(reply.data || [], sliding));
    show(results.funnel, [panels.funnel.body], renderFunnel);
    show(results.top, [panels.top.body], renderTop);
    show(results.search, [panels.searches.body], renderSearch);
    show(results.anomalies, [panels.anomalies.body], (reply) => renderAnomalies(reply.data || []));
    show(results.lowStock, [panels.lowStock.body], (reply) => renderLowStock(reply.data || []));
    show(results.orders, [panels.recent.body], (reply) => renderOrders(reply.data || []));
    const metricsBodies = [panels.requests, panels.latency, panels.cache, panels.routes, panels.committer, panels.fsync].map((p) => p.body);
    show(results.metrics, metricsBodies, (text) => {
      remember(parseMetrics(text));
      renderMetrics();
    });
    try {
      renderKpis(minutes ? minutes.data || [] : null);
    } catch (error) {
      replace(document.getElementById("kpis"), el("p", { class: "unavailable" }, "Could not show the totals: " + error.message));
    }
  }

  // ---------------------------------------------------------------- analytics panels

  /** The currency with the most orders over `windows`, for the revenue chart. */
  function mainCurrency(windows) {
    const orders = new Map();
    for (const window of windows) {
      for (const totals of window.currencies || []) orders.set(totals.currency, (orders.get(totals.currency) || 0) + totals.orders);
    }
    let best = null;
    for (const [currency, count] of orders) if (best === null || count > orders.get(best)) best = currency;
    return best || "USD";
  }

  function revenueIn(window, currency) {
    const totals = (window.currencies || []).find((c) => c.currency === currency);
    return totals ? totals.revenue.amount : 0;
  }

  function span(window) {
    return { start: Date.parse(window.window.start), end: Date.parse(window.window.end), open: !window.window.final };
  }

  function renderWindows(minutes, sliding) {
    const panels = state.panels;
    const currency = mainCurrency(minutes.concat(sliding));
    const now = Date.now() + state.serverOffsetMs;
    const to = minutes.length ? Math.max(now, ...minutes.map((w) => span(w).end)) : now;
    const from = to - 60 * 60 * 1000;
    // A sliding window spans ten minutes; divided by its minutes it reads as a
    // per-minute rate on the same axis as the one-minute windows, plotted at its end.
    // An open window has only lived until now, so it is divided by the minutes so far;
    // of two open windows (they overlap) the older one, which has seen more, is drawn.
    const slidingPoints = (value) => {
      const byEnd = new Map();
      for (const w of sliding) {
        const s = span(w);
        const end = Math.min(s.end, to);
        const minutes = Math.max(1, (end - s.start) / 60000);
        const known = byEnd.get(end);
        if (!known || known.minutes < minutes) byEnd.set(end, { t: end, minutes, value: value(w) / minutes });
      }
      return Array.from(byEnd.values()).sort((a, b) => a.t - b.t);
    };
    timeChart(panels.orders.body, {
      label: "Orders per minute over the last hour",
      from,
      to,
      bars: minutes.map((w) => Object.assign(span(w), { value: w.orders })),
      barName: "1-minute windows (tumbling)",
      series: [{ name: "10-minute windows every 5 minutes, per minute (sliding)", points: slidingPoints((w) => w.orders), style: 1 }],
      format: (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)),
      stepMin: 1,
      columns: "Orders",
      empty: "No orders in the last hour.",
    });
    const digits = currencyDigits(currency);
    timeChart(panels.revenue.body, {
      label: "Revenue per minute in " + currency + " over the last hour",
      from,
      to,
      bars: minutes.map((w) => Object.assign(span(w), { value: revenueIn(w, currency) })),
      barName: "1-minute windows (tumbling)",
      series: [{ name: "10-minute windows every 5 minutes, per minute (sliding)", points: slidingPoints((w) => revenueIn(w, currency)), style: 1 }],
      format: (v) => money({ amount: Math.round(v), currency }),
      stepMin: 10 ** digits,
      columns: "Revenue",
      empty: "No revenue in the last hour.",
    });
  }

  function percent(ratio) {
    return ratio === null || ratio === undefined ? "—" : (ratio * 100).toFixed(1) + "%";
  }

  function renderFunnel(report) {
    const labels = { view: "Product views", add_to_cart: "Added to cart", checkout: "Checkouts", purchase: "Purchases" };
    hbars(
      state.panels.funnel.body,
      ((report.funnel && report.funnel.steps) || []).map((step) => ({
        label: labels[step.step] || step.step,
        value: step.count,
        text: step.count + (step.conversion === null || step.conversion === undefined ? "" : " · " + percent(step.conversion)),
      })),
      "No activity in this window.",
    );
    state.panels.funnel.body.append(el("p", { class: "muted" }, windowText(report.window)));
  }

  function windowText(window) {
    if (!window) return "";
    return "Window " + clock(window.start) + "–" + clock(window.end) + (window.final ? "" : " (open)");
  }

  /** Names for product ids, fetched a few per poll and kept. */
  function productName(id) {
    const known = state.productNames.get(id);
    return typeof known === "string" ? known : id;
  }

  function lookUpNames(ids) {
    const missing = ids.filter((id) => !state.productNames.has(id)).slice(0, NAME_LOOKUPS_MAX);
    return Promise.all(
      missing.map((id) => {
        state.productNames.set(id, null);
        return call("/v1/products/" + encodeURIComponent(id))
          .then((product) => state.productNames.set(id, product.name))
          .catch(() => state.productNames.delete(id));
      }),
    );
  }

  function renderTop(report) {
    const currency = report.currency || "USD";
    const value = (stats) => {
      if (report.by === "revenue") {
        const revenue = (stats.revenue || []).find((m) => m.currency === currency);
        return revenue ? revenue.amount : 0;
      }
      return report.by === "purchases" ? stats.purchases : stats.views;
    };
    const data = (report.data || []).slice(0, RANKING_SHOWN);
    hbars(
      state.panels.top.body,
      data.map((stats) => ({
        label: productName(stats.product_id),
        href: "/#/product/" + stats.product_id,
        value: value(stats),
        text: report.by === "revenue" ? money({ amount: value(stats), currency }) : String(value(stats)),
      })),
      "No products ranked in this window.",
    );
    state.panels.top.body.append(el("p", { class: "muted" }, windowText(report.window)));
  }

  function queryList(title, queries, count) {
    return [
      el("h3", null, title),
      queries.length
        ? el("ol", { class: "query-list" }, queries.slice(0, RANKING_SHOWN).map((q) => el("li", null, el("span", null, q.query || "(empty)"), " ", el("span", { class: "muted" }, "× " + count(q)))))
        : el("p", { class: "unavailable" }, "None in this window."),
    ];
  }

  function renderSearch(report) {
    replace(
      state.panels.searches.body,
      el("p", null, report.searches + " searches, " + report.zero_result_searches + " with no result" + (report.latency_us && report.latency_us.count ? " · p99 " + (report.latency_us.p99 / 1000).toFixed(1) + " ms" : "")),
      queryList("Zero-result searches", report.zero_result_queries || [], (q) => q.zero_results),
      queryList("Top searches", report.top_queries || [], (q) => q.searches),
      el("p", { class: "muted" }, windowText(report.window)),
    );
  }

  function table(headers, rows, empty, rowAttributes) {
    if (!rows.length) return el("p", { class: "unavailable" }, empty);
    return el(
      "div",
      { class: "scroll" },
      el(
        "table",
        null,
        el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col", class: h.endsWith("#") ? "number" : null }, h.replace(/#$/, ""))))),
        el(
          "tbody",
          null,
          rows.map((cells, index) =>
            el(
              "tr",
              rowAttributes ? rowAttributes(index) : null,
              cells.map((cell, column) => el("td", { class: headers[column].endsWith("#") ? "number" : null }, cell)),
            ),
          ),
        ),
      ),
    );
  }

  function renderAnomalies(anomalies) {
    const describe = (a) => {
      if (a.kind === "payment_failure_burst") return a.count + " failed payments" + (a.window ? " in " + clock(a.window.start) + "–" + clock(a.window.end) : "");
      const who = a.user_id ? "user " + a.user_id : "session " + (a.session || "?");
      if (a.kind === "long_session") return who + " active for " + Math.round(a.duration_ms / 60000) + " min";
      return who + ": " + a.count + " events in " + Math.round(a.duration_ms / 1000) + " s";
    };
    replace(
      state.panels.anomalies.body,
      table(
        ["When", "Kind", "Detail"],
        anomalies.map((a) => [dateTime(a.at), a.kind.replace(/_/g, " "), describe(a)]),
        "No anomalies.",
      ),
    );
  }

  function renderLowStock(alerts) {
    replace(
      state.panels.lowStock.body,
      table(
        ["SKU", "Available#", "Threshold#", "Since"],
        alerts.map((a) => [el("a", { href: "/#/product/" + a.product_id }, a.sku), String(a.available), String(a.threshold), dateTime(a.at)]),
        "No product is low on stock.",
        () => ({ class: "alert-row" }),
      ),
    );
  }

  function renderOrders(orders) {
    replace(
      state.panels.recent.body,
      table(
        ["Order", "Placed", "Customer", "Status", "Items#", "Total#"],
        orders.map((o) => [
          o.id,
          dateTime(o.created_at),
          o.user_id || "guest",
          el("span", { class: "status status-" + o.status }, o.status),
          String(o.items.reduce((sum, item) => sum + item.quantity, 0)),
          money(o.totals.total),
        ]),
        "No orders yet.",
        (index) => ({ dataset: { orderId: orders[index].id, status: orders[index].status } }),
      ),
    );
  }

  // ---------------------------------------------------------------- server metrics

  /** The Prometheus text format as `[{name, labels, value}]`. */
  function parseMetrics(text) {
    const samples = [];
    const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const raw of String(text).split("\n")) {
      if (!raw || raw.startsWith("#")) continue;
      const match = line.exec(raw);
      if (!match) continue;
      const labels = {};
      for (const pair of (match[2] || "").matchAll(label)) labels[pair[1]] = pair[2].replace(/\\(.)/g, "$1");
      const value = match[3] === "+Inf" ? Infinity : Number(match[3]);
      if (!Number.isNaN(value)) samples.push({ name: match[1], labels, value });
    }
    return samples;
  }

  function remember(samples) {
    state.history.push({ t: Date.now(), samples });
    if (state.history.length > HISTORY_MAX) state.history.shift();
  }

  function total(samples, name) {
    let sum = null;
    for (const s of samples) if (s.name === name) sum = (sum || 0) + s.value;
    return sum;
  }

  const routeKey = (labels) => labels.method + " " + labels.route;

  /** Per route: requests counted and the cumulative histogram `[[le, count]]`. */
  function routeStats(samples) {
    const routes = new Map();
    const entry = (labels) => {
      const key = routeKey(labels);
      if (!routes.has(key)) routes.set(key, { route: labels.route, method: labels.method, count: 0, buckets: [] });
      return routes.get(key);
    };
    for (const s of samples) {
      if (s.name === "emporium_http_request_duration_seconds_count") entry(s.labels).count = s.value;
      else if (s.name === "emporium_http_request_duration_seconds_bucket") entry(s.labels).buckets.push([Number(s.labels.le === "+Inf" ? Infinity : s.labels.le), s.value]);
    }
    for (const stats of routes.values()) stats.buckets.sort((a, b) => a[0] - b[0]);
    return routes;
  }

  /**
   * The q-quantile of a cumulative histogram in seconds, interpolated inside its bucket
   * the way Prometheus' `histogram_quantile` does; null without observations.
   */
  function quantile(q, buckets) {
    const count = buckets.length ? buckets[buckets.length - 1][1] : 0;
    if (!(count > 0)) return null;
    const rank = q * count;
    let lowerBound = 0;
    let lowerCount = 0;
    for (const [le, cumulative] of buckets) {
      if (cumulative >= rank) {
        if (le === Infinity) return lowerBound;
        const inside = cumulative - lowerCount;
        return inside > 0 ? lowerBound + (le - lowerBound) * ((rank - lowerCount) / inside) : le;
      }
      lowerBound = le;
      lowerCount = cumulative;
    }
    return lowerBound;
  }

  function subtractBuckets(now, before) {
    if (!before) return now;
    return now.map(([le, count], i) => [le, count - (before.buckets[i] ? before.buckets[i][1] : 0)]);
  }

  function mergedBuckets(routes) {
    const merged = new Map();
    for (const stats of routes) for (const [le, count] of stats.buckets) merged.set(le, (merged.get(le) || 0) + count);
    return Array.from(merged.entries()).sort((a, b) => a[0] - b[0]);
  }

  /** What changed between two consecutive samples: rates, p99s, committer, cache. */
  function interval(previous, current) {
    const seconds = (current.t - previous.t) / 1000;
    const now = routeStats(current.samples);
    const before = routeStats(previous.samples);
    const routes = [];
    const deltas = [];
    for (const [key, stats] of now) {
      const old = before.get(key);
      const delta = { route: stats.route, method: stats.method, count: stats.count - (old ? old.count : 0), buckets: subtractBuckets(stats.buckets, old) };
      deltas.push(delta);
      routes.push({
        route: stats.route,
        method: stats.method,
        total: stats.count,
        rate: delta.count / seconds,
        p99: quantile(0.99, delta.buckets),
        p99All: quantile(0.99, stats.buckets),
      });
    }
    const diff = (name) => {
      const a = total(current.samples, name);
      const b = total(previous.samples, name);
      return a === null || b === null ? null : a - b;
    };
    const batches = diff("emporium_committer_batches_total");
    const commands = diff("emporium_committer_commands_total");
    const commitSeconds = diff("emporium_committer_commit_seconds_total");
    const hits = diff("emporium_product_cache_hits_total");
    const misses = diff("emporium_product_cache_misses_total");
    return {
      t: current.t,
      routes,
      rate: deltas.reduce((sum, d) => sum + d.count, 0) / seconds,
      p99: quantile(0.99, mergedBuckets(deltas)),
      batchSize: batches === null ? undefined : batches > 0 ? commands / batches : null,
      fsyncMs: batches === null || commitSeconds === null ? undefined : batches > 0 ? (commitSeconds / batches) * 1000 : null,
      cacheRatio: hits === null ? undefined : hits + misses > 0 ? hits / (hits + misses) : null,
    };
  }

  function intervals() {
    const out = [];
    for (let i = 1; i < state.history.length; i++) out.push(interval(state.history[i - 1], state.history[i]));
    return out;
  }

  function series(list, pick, name) {
    return { name, points: list.filter((i) => pick(i) !== null && pick(i) !== undefined).map((i) => ({ t: i.t, value: pick(i) })) };
  }

  function renderMetrics() {
    const panels = state.panels;
    const list = intervals();
    const waiting = (body) => replace(body, el("p", { class: "loading" }, "Measuring… (one more update)"));
    if (!list.length) {
      [panels.requests, panels.latency, panels.routes, panels.committer, panels.fsync, panels.cache].forEach((p) => waiting(p.body));
      return;
    }
    const last = list[list.length - 1];
    const span = { from: list[0].t, to: last.t };
    timeChart(panels.requests.body, Object.assign({ label: "Requests per second, all routes", series: [series(list, (i) => i.rate, "requests/s")], format: (v) => v.toFixed(v < 10 ? 1 : 0), columns: "req/s" }, span));
    timeChart(panels.latency.body, Object.assign({ label: "p99 latency in milliseconds, all routes", series: [series(list, (i) => (i.p99 === null ? null : i.p99 * 1000), "p99 ms")], format: (v) => v.toFixed(v < 10 ? 2 : 0), columns: "ms", empty: "No requests in this period." }, span));
    const missing = (body, what) => replace(body, el("p", { class: "unavailable" }, what + " is not available on this server yet."));
    if (last.batchSize === undefined) {
      missing(panels.committer.body, "Committer batch size");
      missing(panels.fsync.body, "Commit time");
    } else {
      timeChart(panels.committer.body, Object.assign({ label: "Commands per committed batch", series: [series(list, (i) => i.batchSize, "commands/batch")], format: (v) => v.toFixed(1), columns: "commands", empty: "No writes in this period." }, span));
      timeChart(panels.fsync.body, Object.assign({ label: "Commit time per batch in milliseconds", series: [Object.assign(series(list, (i) => i.fsyncMs, "ms/batch"), { style: 2 })], format: (v) => v.toFixed(2), columns: "ms", empty: "No writes in this period." }, span));
    }
    if (last.cacheRatio === undefined) missing(panels.cache.body, "The cache ratio");
    else timeChart(panels.cache.body, Object.assign({ label: "Product cache hit ratio in percent", series: [Object.assign(series(list, (i) => (i.cacheRatio === null ? null : i.cacheRatio * 100), "hit %"), { style: 3 })], format: (v) => v.toFixed(0) + "%", columns: "%", empty: "No product reads in this period." }, span));
    renderRoutes(last.routes);
    state.lastInterval = last;
  }

  function renderRoutes(routes) {
    const shown = routes
      .filter((r) => r.total > 0)
      .sort((a, b) => b.rate - a.rate || b.total - a.total)
      .slice(0, ROUTES_SHOWN);
    const ms = (seconds) => (seconds === null ? "—" : (seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1));
    replace(
      state.panels.routes.body,
      table(
        ["Route", "req/s#", "p99 ms (now)#", "p99 ms (since start)#", "Requests#"],
        shown.map((r) => [r.method + " " + r.route, r.rate.toFixed(r.rate < 10 ? 2 : 0), ms(r.p99), ms(r.p99All), String(r.total)]),
        "No requests yet.",
      ),
    );
  }

  function kpi(id, label, value) {
    return el("div", { class: "kpi", id }, el("p", { class: "kpi-label" }, label), el("p", { class: "kpi-value" }, value));
  }

  function renderKpis(minutes) {
    const tiles = [];
    if (minutes && minutes.length) {
      const currency = mainCurrency(minutes);
      const newest = minutes[minutes.length - 1];
      const hourOrders = minutes.reduce((sum, w) => sum + w.orders, 0);
      const hourRevenue = minutes.reduce((sum, w) => sum + revenueIn(w, currency), 0);
      tiles.push(kpi("kpi-orders-minute", "Orders, this minute", String(newest.orders)));
      tiles.push(kpi("kpi-revenue-minute", "Revenue, this minute", money({ amount: revenueIn(newest, currency), currency })));
      tiles.push(kpi("kpi-orders-hour", "Orders, last hour", String(hourOrders)));
      tiles.push(kpi("kpi-revenue-hour", "Revenue, last hour", money({ amount: hourRevenue, currency })));
    } else if (minutes) {
      tiles.push(kpi("kpi-orders-hour", "Orders, last hour", "0"));
    } else {
      tiles.push(kpi("kpi-orders-hour", "Orders, last hour", "not available"));
    }
    const last = state.lastInterval;
    if (last) {
      tiles.push(kpi("kpi-rate", "Requests/s", last.rate.toFixed(1)));
      tiles.push(kpi("kpi-p99", "p99 latency", last.p99 === null ? "—" : (last.p99 * 1000).toFixed(1) + " ms"));
      if (last.cacheRatio !== undefined) tiles.push(kpi("kpi-cache", "Cache hits", last.cacheRatio === null ? "—" : (last.cacheRatio * 100).toFixed(0) + "%"));
      if (last.batchSize !== undefined) tiles.push(kpi("kpi-batch", "Commands/batch", last.batchSize === null ? "—" : last.batchSize.toFixed(1)));
    }
    const node = document.getElementById("kpis");
    if (node) replace(node, tiles);
  }

  // ---------------------------------------------------------------- start

  document.getElementById("sign-out").addEventListener("click", async () => {
    const token = state.token;
    showLogin("You are signed out.");
    await api("POST", "/v1/auth/logout", { token }).catch(() => null);
  });

  async function start() {
    if (!state.token) {
      showLogin();
      return;
    }
    try {
      const user = (await api("GET", "/v1/me", { token: state.token })).data;
      if (user.role !== "admin") {
        showLogin("This account is not an admin.");
        return;
      }
      state.user = user;
      showDashboard();
    } catch (_) {
      showLogin();
    }
  }

  start();
})();
