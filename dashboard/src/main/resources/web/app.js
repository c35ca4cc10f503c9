// SpineStream dashboard: polls the API every 2 s and draws one card per study. No dependencies.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const withToken = (url) => token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
const vertebrae = ["C1", "C2", "C3", "C4", "C5", "C6", "C7"];

// Green (low) to red (high) probability.
function colour(p) {
  const hue = Math.round(120 * (1 - Math.max(0, Math.min(1, p))));
  return `hsl(${hue}, 75%, 48%)`;
}

function bar(label, p, fallback, cls) {
  const pct = (100 * p).toFixed(1);
  return `<div class="bar ${cls || ""}" data-label="${label}" data-probability="${p.toFixed(4)}">
    <span class="label${fallback ? " fallback" : ""}">${label}${fallback ? " (not found)" : ""}</span>
    <span class="track"><span class="fill" style="display:block;width:${pct}%;background:${colour(p)}"></span></span>
    <span>${pct}%</span></div>`;
}

function picture(study) {
  if (!study.slices) return "";
  const width = 220;
  const scale = width / study.rows;
  const height = Math.round(study.slices * study.aspect * scale);
  const boxes = (study.crops || []).filter(c => c.found).map(c => {
    const p = study.score ? study.score[c.vertebra] : 0;
    const x = c.y0 * scale, w = (c.y1 - c.y0) * scale;
    const top = (study.slices - c.z1) * study.aspect * scale, h = (c.z1 - c.z0) * study.aspect * scale;
    return `<rect x="${x}" y="${top}" width="${w}" height="${h}" fill="none" stroke="${colour(p)}" stroke-width="2"/>
      <text x="${x + w + 3}" y="${top + h / 2 + 4}" fill="${colour(p)}" font-size="11">${c.vertebra}</text>`;
  }).join("");
  const src = withToken(`api/studies/${encodeURIComponent(study.study)}/sagittal.png?n=${study.slices}`);
  return `<div class="picture"><img alt="sagittal view with vertebra boxes" src="${src}" style="height:${height}px">
    <svg width="${width + 30}" height="${height}">${boxes}</svg></div>`;
}

function card(study) {
  const s = study.score;
  if (!s) {
    return `<article class="study pending">${picture(study)}<div class="details"><h2>${study.study}</h2>
      <div class="meta">${study.slices} slices received, ${study.crops.length} of 7 vertebrae located — scoring…</div></div></article>`;
  }
  const bars = bar("patient_overall", s.patient_overall, false, "overall")
    + vertebrae.map(v => bar(v, s[v], s.fallback.includes(v))).join("");
  return `<article class="study ${s.patient_overall >= 0.5 ? "positive" : ""}" data-study="${study.study}">
    ${picture(study)}
    <div class="details"><h2 title="${study.study}">${study.study}</h2>
      <div class="meta">scored ${new Date(s.scored_at).toLocaleTimeString()} · ${(s.latency_ms / 1000).toFixed(1)} s after the last slice<br>
      ${s.segmenter} · ${s.classifier} · overall by ${s.aggregation}</div>
      ${bars}</div></article>`;
}

async function refresh() {
  try {
    const [studies, stats] = await Promise.all([
      fetch(withToken("api/studies")).then(r => r.json()),
      fetch(withToken("api/stats")).then(r => r.json())]);
    document.getElementById("stats").innerHTML =
      `<span>studies scored <b>${stats.scoresSeen}</b></span>
       <span>throughput <b>${stats.studiesPerHour}</b> studies/h · <b>${stats.slicesPerSecond.toFixed(1)}</b> slices/s</span>
       <span>latency last slice → score p50 <b>${stats.latencyP50Ms < 0 ? "–" : (stats.latencyP50Ms / 1000).toFixed(1) + " s"}</b>
       p95 <b>${stats.latencyP95Ms < 0 ? "–" : (stats.latencyP95Ms / 1000).toFixed(1) + " s"}</b></span>`;
    const main = document.getElementById("studies");
    main.innerHTML = studies.length ? studies.map(card).join("") : '<p class="empty">Waiting for scored studies…</p>';
  } catch (e) {
    document.getElementById("stats").textContent = "dashboard API unreachable: " + e;
  }
}
refresh();
setInterval(refresh, 2000);
