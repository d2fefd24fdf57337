/// The fleet dashboard's page, script and style (`enpire main --dashboard`): served from memory, nothing from a
/// CDN. The script renders each `snapshot` event of `/api/events` and sends a station's e-stop with the token it
/// reads from the address's fragment (`#token=...`) or from the token field.
enum FleetPage {
    static let html = DashboardPage.document(title: "Enpire fleet", body: """
    <header>
      <h1>Enpire fleet <span id="task">…</span></h1>
      <span id="phase" class="muted"></span>
      <span id="connection" class="muted">connecting…</span>
    </header>
    <main>
    <section id="stations-section">
      <h2>Stations <span id="fleet-mru" class="muted"></span></h2>
      <label id="token-label">E-stop token <input id="token" type="password" autocomplete="off" size="34"></label>
      <p id="estop-message" class="muted"></p>
      <table id="stations">
        <thead><tr><th>station</th><th>role</th><th>doing</th><th>progress</th><th>robot s</th><th>MRU (wall)</th><th>health</th><th>e-stop</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    <section id="frames-section">
      <h2>Latest frames</h2>
      <div id="frames"><p class="muted">no station has a camera</p></div>
    </section>
    <section id="chart-section">
      <h2>Success vs robot time</h2>
      <svg id="chart" viewBox="0 0 600 220" role="img" aria-label="success rate of each trial with its 95% Wilson interval against cumulative fleet robot time"></svg>
    </section>
    <section id="heldout-section">
      <h2>Held-out scores</h2>
      <ul id="heldout"><li class="muted">none yet</li></ul>
    </section>
    \(DashboardPage.ledgerSection)
    </main>
    """)

    static let style = DashboardPage.style + """
    #stations-section, #frames-section { grid-column: 1 / -1; }
    #stations button.stop { font-size: 0.9em; padding: 0.2em 0.8em; }
    #stations progress { width: 8em; }
    tr.stopped td { color: #c00; }
    figure { display: inline-block; margin: 2px 6px; text-align: center; }
    figure img { image-rendering: pixelated; width: 192px; border: 1px solid #ccc; }
    """

    static let script = DashboardPage.prelude + #"""

    function renderStations(s) {
      $("task").textContent = s.task;
      $("phase").textContent = `phase: ${s.phase}`;
      const research = s.stations.filter((st) => st.role === "research");
      const busy = research.reduce((a, st) => a + st.busySeconds, 0), wall = research.reduce((a, st) => a + st.wallSeconds, 0);
      $("fleet-mru").textContent = wall > 0 ? `research stations' MRU ${pct(busy / wall)} (share of wall time running experiments)` : "";
      // Rows are made once per station and updated in place, so an E-STOP button never moves or is replaced under
      // a pointer that is pressing it.
      const body = $("stations").tBodies[0];
      for (const st of s.stations) {
        let tr = body.querySelector(`tr[data-station="${CSS.escape(st.name)}"]`);
        if (!tr) {
          tr = el("tr");
          tr.dataset.station = st.name;
          const cells = ["name", "role", "doing", "progress", "robot", "mru", "health", "stop"].map((key) => {
            const td = el("td"); td.dataset.cell = key; return td;
          });
          const bar = el("progress"), count = el("span");
          cells[3].append(bar, count);
          const button = el("button", "E-STOP", "stop");
          button.type = "button"; button.dataset.station = st.name;
          button.addEventListener("click", () => estop(st.name));
          cells[7].append(button);
          tr.append(...cells);
          body.append(tr);
        }
        const cell = (key) => tr.querySelector(`td[data-cell="${key}"]`);
        tr.className = st.stoppedReason ? "stopped" : "";
        cell("name").textContent = st.name;
        cell("role").textContent = st.role;
        cell("doing").textContent = st.stoppedReason ? `stopped: ${st.stoppedReason}`
          : st.activity + (st.trial ? ` ${st.trial}` : "") + (st.detail ? `: ${st.detail}` : "");
        const bar = cell("progress").querySelector("progress");
        bar.max = Math.max(1, st.episodesTotal); bar.value = st.episodesDone;
        cell("progress").querySelector("span").textContent = ` ${st.episodesDone}${st.episodesTotal ? "/" + st.episodesTotal : ""}`;
        cell("robot").textContent = st.robotSeconds.toFixed(0);
        cell("mru").textContent = pct(st.utilisation);
        const h = st.health;
        cell("health").textContent = h ? `${h.emergencyStopLatched ? "E-STOP LATCHED" : h.paused ? "paused" : "ok"}, ${h.episodes} episodes, ${h.steps} steps` : "no live station";
        cell("stop").querySelector("button").disabled = !!(h && h.emergencyStopLatched);
      }
    }

    let framesKey = "";
    function renderFrames(s) {
      const withCameras = s.stations.filter((st) => st.cameras.length > 0 && !st.stoppedReason);
      const key = withCameras.map((st) => st.name + ":" + st.cameras.join(",")).join(";");
      if (key === framesKey) return;
      framesKey = key;
      const box = $("frames");
      if (withCameras.length === 0) { box.replaceChildren(el("p", "no station has a camera", "muted")); return; }
      box.replaceChildren(...withCameras.flatMap((st) => st.cameras.map((camera) => {
        const figure = el("figure"), img = el("img");
        img.alt = `${st.name} ${camera}`; img.dataset.station = st.name; img.dataset.camera = camera;
        figure.append(img, el("figcaption", `${st.name} · ${camera}`));
        return figure;
      })));
      refreshFrames();
    }
    function refreshFrames() {
      for (const img of document.querySelectorAll("#frames img")) {
        img.src = "/api/frame?" + new URLSearchParams({ station: img.dataset.station, camera: img.dataset.camera, t: String(Date.now()) });
      }
    }

    function renderLedger(records) {
      const kept = records.filter((r) => r.decision === "keep").length;
      $("ledger-counts").textContent = `${kept} kept, ${records.length - kept} reverted`;
      $("ledger").tBodies[0].replaceChildren(...records.slice().reverse().map((r) => {
        const res = r.results, tr = el("tr", undefined, r.decision);
        tr.dataset.id = r.id;
        const bar = el("span", undefined, "interval"), fill = el("span");
        fill.style.left = pct(res.wilsonLower); fill.style.width = pct(res.wilsonUpper - res.wilsonLower);
        bar.append(fill);
        const wilson = el("td"); wilson.append(bar, `${pct(res.wilsonLower)}–${pct(res.wilsonUpper)}`);
        tr.append(el("td", r.id), el("td", r.decision), el("td", `${res.successes}/${res.trials}`), el("td", pct(res.rate)),
                  wilson, el("td", r.robotTimeSeconds.toFixed(0)), el("td", r.hypothesis));
        return tr;
      }));
    }

    function renderHeldOut(scores) {
      const list = $("heldout");
      if (scores.length === 0) { list.replaceChildren(el("li", "none yet", "muted")); return; }
      list.replaceChildren(...scores.map((h) => el("li", `${h.policy}: ${h.successes}/${h.trials} (Wilson 95% ${pct(h.wilsonLower)}–${pct(h.wilsonUpper)})`)));
    }

    function renderChart(records) {
      const sorted = records.slice().sort((a, b) => a.finishedAtUnixSeconds - b.finishedAtUnixSeconds);
      let t = 0;
      drawChart(sorted.map((r) => {
        t += r.robotTimeSeconds;
        return { t, rate: r.results.rate, lower: r.results.wilsonLower, upper: r.results.wilsonUpper,
                 colour: r.decision === "keep" ? "#080" : "#aaa" };
      }), "fleet robot time");
    }

    function render(s) {
      renderStations(s);
      renderFrames(s);
      renderLedger(s.records);
      renderHeldOut(s.heldOut);
      renderChart(s.records);
    }

    async function estop(station) {
      const token = $("token").value.trim();
      if (!token) { $("estop-message").textContent = "enter the token `enpire main --dashboard` printed"; $("token-label").hidden = false; return; }
      try {
        const response = await fetch("/api/estop?" + new URLSearchParams({ station }), { method: "POST", headers: { "X-Enpire-Token": token } });
        const body = await response.json();
        $("estop-message").textContent = response.ok
          ? `${station}: stop latched, the station holds and takes no more work in this campaign`
          : body.error || `refused (${response.status})`;
      } catch (error) {
        $("estop-message").textContent = `request failed: ${error}`;
      }
    }

    const events = new EventSource("/api/events");
    events.addEventListener("snapshot", (e) => { render(JSON.parse(e.data)); $("connection").textContent = "live"; });
    events.onerror = () => { $("connection").textContent = "reconnecting…"; };
    setInterval(refreshFrames, 2000);
    """#
}
