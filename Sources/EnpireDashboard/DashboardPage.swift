/// The dashboard's one page, its script and its style: written here, served from memory, nothing from a CDN.
/// The script renders each `snapshot` event of `/api/events` (Server-Sent Events; the browser reconnects by
/// itself) and sends the e-stop with the token it reads from the address's fragment (`#token=...`, never sent to
/// the server in the URL) or from the token field.
enum DashboardPage {
    /// A whole page: the shared head (title, style, script) and `body`'s markup.
    static func document(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <link rel="stylesheet" href="/app.css">
        <script src="/app.js" defer></script>
        </head>
        <body>
        \(body)
        </body>
        </html>
        """
    }

    /// The ledger's table, newest row first (both pages).
    static let ledgerSection = """
    <section id="ledger-section">
      <h2>Ledger <span id="ledger-counts" class="muted"></span></h2>
      <table id="ledger">
        <thead><tr><th>trial</th><th>decision</th><th>successes</th><th>rate</th><th>Wilson 95%</th><th>robot s</th><th>hypothesis</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    """

    static let html = document(title: "Enpire station", body: """
    <header>
      <h1>Enpire <span id="station">…</span></h1>
      <span id="connection" class="muted">connecting…</span>
    </header>
    <main>
    <section id="safety">
      <h2>Emergency stop</h2>
      <p>State: <strong id="estop-state">unknown</strong></p>
      <button id="estop-button" class="stop" type="button">E-STOP</button>
      <button id="clear-button" type="button">Clear stop</button>
      <label id="token-label">Token <input id="token" type="password" autocomplete="off" size="34"></label>
      <p id="estop-message" class="muted"></p>
    </section>
    <section id="health-section">
      <h2>Health</h2>
      <dl id="health"></dl>
    </section>
    <section id="progress-section">
      <h2>Running trial</h2>
      <p id="progress-text" class="muted">none</p>
      <progress id="progress" max="1" value="0"></progress>
    </section>
    <section id="frames-section">
      <h2>Latest frames <span id="frames-caption" class="muted"></span></h2>
      <div id="frames"></div>
    </section>
    <section id="chart-section">
      <h2>Success vs robot time</h2>
      <svg id="chart" viewBox="0 0 600 220" role="img" aria-label="success rate of each trial with its 95% Wilson interval against cumulative robot time"></svg>
    </section>
    \(DashboardPage.ledgerSection)
    </main>
    """)

    static let style = """
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
    header { display: flex; gap: 1em; align-items: baseline; padding: 0.5em 1em; background: #223; color: #fff; }
    header h1 { font-size: 1.2em; margin: 0; }
    main { display: grid; grid-template-columns: repeat(auto-fit, minmax(22em, 1fr)); gap: 1em; padding: 1em; }
    section { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 0.5em 1em; }
    #ledger-section, #chart-section { grid-column: 1 / -1; }
    h2 { font-size: 1em; margin: 0.3em 0; }
    .muted { color: #888; font-weight: normal; }
    button.stop { background: #c00; color: #fff; font-weight: bold; font-size: 1.3em; padding: 0.4em 1.2em; border: 0; border-radius: 4px; }
    .latched { color: #c00; }
    .clear { color: #080; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eee; }
    tr.keep td:nth-child(2) { color: #080; font-weight: bold; }
    tr.revert td:nth-child(2) { color: #888; }
    tr.evaluation td:nth-child(2) { color: #05a; }
    tr.pending td:nth-child(2) { color: #a60; }
    .interval { display: inline-block; position: relative; width: 80px; height: 8px; background: #eee; margin-right: 4px; }
    .interval span { position: absolute; top: 0; height: 8px; background: #69c; }
    #frames img { image-rendering: pixelated; width: 192px; margin: 2px; border: 1px solid #ccc; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 0 1em; margin: 0; }
    dt { color: #666; }
    progress { width: 100%; }
    #chart { width: 100%; height: 260px; }
    """

    /// What both pages' scripts start with: `$`, `el`, `pct`, the token taken from the address's fragment, and
    /// `drawChart`, which draws success rates with their Wilson intervals against cumulative robot time.
    static let prelude = #"""
    "use strict";
    const $ = (id) => document.getElementById(id);
    const tokenFromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (tokenFromHash) { $("token").value = tokenFromHash; $("token-label").hidden = true; }
    function el(tag, text, cls) {
      const e = document.createElement(tag);
      if (text !== undefined) e.textContent = text;
      if (cls) e.className = cls;
      return e;
    }
    const pct = (x) => (100 * x).toFixed(1) + "%";
    // points: [{ t, rate, lower, upper, colour }] with t the cumulative robot time; best: a rate to draw dashed.
    function drawChart(points, label, best) {
      const svg = $("chart"), ns = "http://www.w3.org/2000/svg";
      const W = 600, H = 220, L = 40, B = 25, T = 10, R = 10;
      const maxT = Math.max(1, ...points.map((p) => p.t));
      const x = (v) => L + (W - L - R) * v / maxT, y = (v) => T + (H - T - B) * (1 - v);
      const node = (tag, attrs, text) => {
        const n = document.createElementNS(ns, tag);
        for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
        if (text !== undefined) n.textContent = text;
        return n;
      };
      const parts = [node("line", { x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: "#999" }),
                     node("line", { x1: L, y1: y(0), x2: L, y2: y(1), stroke: "#999" }),
                     node("text", { x: 2, y: y(1) + 4, "font-size": 10 }, "100%"),
                     node("text", { x: 2, y: y(0), "font-size": 10 }, "0%"),
                     node("text", { x: W - R, y: H - 5, "font-size": 10, "text-anchor": "end" }, `${label} ${maxT.toFixed(0)} s`)];
      for (const p of points) {
        parts.push(node("line", { x1: x(p.t), y1: y(p.lower), x2: x(p.t), y2: y(p.upper), stroke: p.colour }));
        parts.push(node("circle", { cx: x(p.t), cy: y(p.rate), r: 3, fill: p.colour }));
      }
      if (best !== undefined) parts.push(node("line", { x1: L, y1: y(best), x2: W - R, y2: y(best), stroke: "#080", "stroke-dasharray": "4 3" }));
      svg.replaceChildren(...parts);
    }

    """#

    static let script = prelude + #"""
    let snapshot = null, receivedAt = 0;
    function eta(seconds) {
      if (seconds === null || seconds === undefined) return "ETA unknown";
      const s = Math.max(0, Math.round(seconds));
      return s >= 60 ? `ETA ${Math.floor(s / 60)} min ${s % 60} s` : `ETA ${s} s`;
    }

    function renderHealth(h) {
      $("station").textContent = `${h.station} (${h.task})`;
      const state = $("estop-state");
      state.textContent = h.emergencyStopLatched ? `LATCHED: ${h.emergencyStopReason}` : "clear";
      state.className = h.emergencyStopLatched ? "latched" : "clear";
      const dl = $("health");
      dl.replaceChildren();
      const add = (k, v) => { dl.append(el("dt", k), el("dd", v)); };
      add("frozen criteria", h.frozenCriteriaIntact ? "intact" : `CHANGED: ${h.frozenCriteriaProblem} (trials refused)`);
      add("can run trials", !h.emergencyStopLatched && h.frozenCriteriaIntact ? "yes" : "no");
      add("agent run", h.agentTrialsRemaining === null || h.agentTrialsRemaining === undefined ? "none" : `${h.agentTrialsRemaining} trials left`);
      add("held-out evaluations", `${h.evaluationsUsed} of ${h.evaluationLimit} used`);
      if (h.fleet) add("fleet", h.fleet);
    }

    function renderProgress() {
      const r = snapshot && snapshot.running;
      if (!r) { $("progress-text").textContent = "none"; $("progress").value = 0; return; }
      const left = r.etaSeconds === null || r.etaSeconds === undefined ? null : r.etaSeconds - (Date.now() / 1000 - receivedAt);
      $("progress-text").textContent = `${r.id}: ${r.episodesFinished} of ${r.episodes} episodes, ${eta(left)}`;
      $("progress").max = r.episodes; $("progress").value = r.episodesFinished;
    }

    function renderFrames(f) {
      const box = $("frames");
      if (!f) { box.replaceChildren(); $("frames-caption").textContent = "none yet"; return; }
      $("frames-caption").textContent = `${f.trial}, episode ${f.episode}`;
      const key = `${f.trial}/${f.episode}/${f.cameras.join(",")}`;
      if (box.dataset.key === key) return;
      box.dataset.key = key;
      box.replaceChildren(...f.cameras.map((camera) => {
        const img = el("img");
        img.alt = camera; img.title = camera;
        img.src = "/api/frame?" + new URLSearchParams({ trial: f.trial, episode: String(f.episode), camera });
        return img;
      }));
    }

    function renderLedger(rows, kept, reverted) {
      $("ledger-counts").textContent = `${kept} kept, ${reverted} reverted, ${rows.filter((r) => r.decision === "pending").length} pending`;
      const body = $("ledger").tBodies[0];
      body.replaceChildren(...rows.slice().reverse().map((r) => {
        const tr = el("tr", undefined, r.decision);
        tr.dataset.id = r.id;
        const bar = el("span", undefined, "interval"), fill = el("span");
        fill.style.left = pct(r.wilsonLower); fill.style.width = pct(r.wilsonUpper - r.wilsonLower);
        bar.append(fill);
        const wilson = el("td"); wilson.append(bar, `${pct(r.wilsonLower)}–${pct(r.wilsonUpper)}`);
        tr.append(el("td", r.id), el("td", r.decision === "evaluation" ? "held-out eval" : r.decision),
                  el("td", `${r.successes}/${r.trials}`), el("td", pct(r.rate)), wilson,
                  el("td", r.robotSeconds.toFixed(0)), el("td", r.hypothesis));
        return tr;
      }));
    }

    function renderChart(rows) {
      const trials = rows.filter((r) => r.decision === "keep" || r.decision === "revert" || r.decision === "pending");
      let t = 0, best = null;
      const points = trials.map((r) => {
        t += r.robotSeconds;
        if (r.decision === "keep" && (best === null || r.wilsonLower > best.wilsonLower)) best = r;
        const colour = r.decision === "keep" ? "#080" : r.decision === "pending" ? "#a60" : "#aaa";
        return { t, rate: r.rate, lower: r.wilsonLower, upper: r.wilsonUpper, colour };
      });
      drawChart(points, "robot time", best ? best.rate : undefined);
    }

    function render(s) {
      snapshot = s; receivedAt = Date.now() / 1000;
      renderHealth(s.health);
      renderProgress();
      renderFrames(s.frames);
      renderLedger(s.rows, s.kept, s.reverted);
      renderChart(s.rows);
    }

    function connect() {
      const events = new EventSource("/api/events");
      events.addEventListener("snapshot", (e) => { render(JSON.parse(e.data)); $("connection").textContent = "live"; });
      events.onerror = () => { $("connection").textContent = "reconnecting…"; };
    }

    async function estop(path) {
      const token = $("token").value.trim();
      if (!token) { $("estop-message").textContent = "enter the token `enpire dashboard` printed"; $("token-label").hidden = false; return; }
      try {
        const response = await fetch(path, { method: "POST", headers: { "X-Enpire-Token": token } });
        const body = await response.json();
        if (!response.ok) { $("estop-message").textContent = body.error || `refused (${response.status})`; return; }
        $("estop-message").textContent = body.latched ? "stop latched: no trial runs until it is cleared" : "stop cleared";
        if (snapshot) { snapshot.health.emergencyStopLatched = body.latched; snapshot.health.emergencyStopReason = body.reason; renderHealth(snapshot.health); }
      } catch (error) {
        $("estop-message").textContent = `request failed: ${error}`;
      }
    }
    $("estop-button").addEventListener("click", () => estop("/api/estop"));
    $("clear-button").addEventListener("click", () => estop("/api/estop/clear"));
    setInterval(renderProgress, 1000);
    connect();
    """#
}
