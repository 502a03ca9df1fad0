// The semdex search page. Plain browser JavaScript, no build step, no dependencies.
// Every piece of text that comes from documents or queries reaches the DOM as a text node
// (textContent / createTextNode), never as markup: this file uses no innerHTML.
'use strict';

(() => {
  /**
   * Lowest value of the threshold slider: results are fetched once at this calibrated relevance (at
   * this cosine when the model is uncalibrated) and filtered here.
   */
  const FETCH_THRESHOLD = Number(document.getElementById('threshold').min);
  const FETCH_K = 100;
  const STATUS_EVERY_MS = 2000;
  const INDEXED_POLL_MS = 500;
  const SHOWN_ENTRIES = 200;

  const $ = (id) => document.getElementById(id);
  const state = {
    status: null,       // the last /api/status answer
    search: null,       // { query, mode, hits, scale }
    shown: [],          // hits on screen after the threshold
  };

  // ---- HTTP -------------------------------------------------------------------------------------

  const keyInput = $('api-key');
  keyInput.value = sessionStorage.getItem('semdex.apiKey') || '';
  keyInput.addEventListener('change', () => {
    sessionStorage.setItem('semdex.apiKey', keyInput.value.trim());
    refreshStatus();
  });

  /** Fetches JSON; throws an Error with the service's own message when the answer is not 2xx. */
  async function api(path, options = {}) {
    const headers = Object.assign({ 'Accept': 'application/json' }, options.headers || {});
    const key = keyInput.value.trim();
    if (key) headers['X-API-Key'] = key;
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
    });
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      let message = body && body.error ? (typeof body.error === 'string' ? body.error : body.error.message) : response.statusText;
      if (response.status === 401) message = 'this service needs an API key (field at the top right): ' + message;
      const error = new Error(message || ('HTTP ' + response.status));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // ---- status line ------------------------------------------------------------------------------

  function ago(ms) {
    if (ms < 1500) return 'just now';
    const s = Math.round(ms / 1000);
    if (s < 120) return s + ' s ago';
    const m = Math.round(s / 60);
    return m < 120 ? m + ' min ago' : Math.round(m / 60) + ' h ago';
  }

  async function refreshStatus() {
    const line = $('status');
    try {
      const s = await api('/api/status');
      state.status = s;
      const calibrated = s.calibration && s.calibration.calibrated;
      $('band-cutoffs').textContent = `(strong ≥ ${s.bands.strong}, related ≥ ${s.bands.related} `
        + (calibrated ? 'calibrated relevance' : 'cosine: the model is uncalibrated') + `: ${s.model})`;
      if (!state.sliderSet && s.defaultThreshold !== undefined) {
        state.sliderSet = true;
        $('threshold').value = String(s.defaultThreshold);
        render();
      }
      const parts = [
        'model ' + s.model + (calibrated ? ' (calibrated)' : ' (uncalibrated)'),
        'device ' + s.device,
        'generation ' + (s.generation || 'none yet'),
        s.documents + ' documents',
        s.units + ' units indexed',
        'index updated ' + ago(s.indexChangedAgoMs),
      ];
      if (s.deadLetters !== null && s.deadLetters !== undefined) parts.push(s.deadLetters + ' dead-lettered');
      if (!s.ready && s.problem) parts.push('not ready: ' + s.problem);
      line.textContent = parts.join(' · ');
      line.classList.toggle('problem', !s.ready);
      line.dataset.ready = String(s.ready);
      $('add').disabled = !s.documentsEndpoint;
    } catch (e) {
      line.textContent = 'status unavailable: ' + e.message;
      line.classList.add('problem');
      line.dataset.ready = 'false';
    }
  }

  // ---- knowledge base ---------------------------------------------------------------------------

  /** The lines worth indexing: trimmed, not empty, with at least one letter or digit. */
  function entries(text) {
    return text.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => /[\p{L}\p{N}]/u.test(l));
  }

  function showEntries(items) {
    const list = $('kb-entries');
    list.replaceChildren();
    for (const item of items.slice(0, SHOWN_ENTRIES)) {
      const li = document.createElement('li');
      const status = document.createElement('span');
      status.className = 'state';
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = item.text;
      text.title = item.text;
      li.append(status, text);
      item.element = li;
      setEntryState(item, 'sending');
      list.append(li);
    }
  }

  function setEntryState(item, s) {
    item.state = s;
    if (item.element) {
      item.element.dataset.state = s;
      item.element.firstChild.textContent = s === 'searchable' ? '✓ searchable' : s;
    }
  }

  async function addEntries() {
    const status = $('kb-status');
    const lines = entries($('kb').value);
    if (lines.length === 0) {
      status.textContent = 'Nothing to add: write one entry per line.';
      status.dataset.state = 'idle';
      return;
    }
    const max = (state.status && state.status.limits.maxDocumentsPerRequest) || 1000;
    const items = lines.map((text) => ({ text }));
    showEntries(items);
    $('add').disabled = true;
    status.dataset.state = 'sending';
    status.classList.remove('error');
    status.textContent = `Sending ${items.length} entries…`;
    const started = performance.now();
    try {
      for (let i = 0; i < items.length; i += max) {
        const batch = items.slice(i, i + max);
        // format "text": a line is taken as plain text even when it looks like markup.
        const answer = await api('/api/documents', {
          method: 'POST',
          json: batch.map((item) => ({ body: item.text, format: 'text', source: 'search-page' })),
        });
        answer.ids.forEach((id, j) => { batch[j].id = id; setEntryState(batch[j], 'in Kafka'); });
      }
      status.dataset.state = 'waiting';
      await awaitSearchable(items, started);
    } catch (e) {
      status.dataset.state = 'error';
      status.classList.add('error');
      status.textContent = 'Not added: ' + e.message;
    } finally {
      $('add').disabled = false;
    }
  }

  /** Asks which ids are searchable until all are; the entries change state as they arrive. */
  async function awaitSearchable(items, started) {
    const status = $('kb-status');
    const ids = [...new Set(items.map((i) => i.id))];
    const pending = new Set(ids);
    while (pending.size > 0) {
      const ask = [...pending].slice(0, 1000);
      const answer = await api('/api/documents?' + ask.map((id) => 'id=' + encodeURIComponent(id)).join('&'));
      answer.indexed.forEach((id) => pending.delete(id));
      for (const item of items) {
        if (!pending.has(item.id) && item.state !== 'searchable') setEntryState(item, 'searchable');
      }
      const done = ids.length - pending.size;
      status.textContent = `${done} of ${ids.length} entries searchable…`;
      if (pending.size > 0) await new Promise((r) => setTimeout(r, INDEXED_POLL_MS));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    status.textContent = `All ${ids.length} entries are searchable (${seconds} s after sending).`;
    status.dataset.state = 'done';
    status.dataset.count = String(ids.length);
    refreshStatus();
  }

  // ---- search -----------------------------------------------------------------------------------

  function mode() {
    return document.querySelector('input[name="mode"]:checked').value;
  }

  function threshold() {
    return Number($('threshold').value);
  }

  async function runSearch(event) {
    if (event) event.preventDefault();
    const query = $('q').value.trim();
    const results = $('results');
    if (!query) return;
    const m = mode();
    results.dataset.state = 'searching';
    $('summary').classList.remove('error');
    $('summary').textContent = 'Searching…';
    const params = new URLSearchParams({ q: query, mode: m, k: String(FETCH_K), threshold: String(FETCH_THRESHOLD) });
    try {
      const [answer] = await Promise.all([api('/api/search?' + params), showVector(query)]);
      state.search = { query, mode: m, hits: answer.hits, tookMs: answer.tookMs, generation: answer.generation,
        scale: answer.thresholdScale };
      render();
      results.dataset.query = query;
      results.dataset.mode = m;
      results.dataset.state = 'done';
    } catch (e) {
      state.search = null;
      render();
      $('summary').textContent = 'Search failed: ' + e.message;
      $('summary').classList.add('error');
      results.dataset.state = 'error';
    }
  }

  /** Shows the results of the last search that pass the slider; no request. */
  function render() {
    const t = threshold();
    $('threshold-value').textContent = t.toFixed(2);
    const results = $('results');
    results.replaceChildren();
    const search = state.search;
    const keyword = search && search.mode === 'keyword';
    const calibrated = !search || search.scale !== 'cosine';
    $('threshold-label').textContent = calibrated ? 'Threshold (calibrated relevance)' : 'Threshold (cosine)';
    $('threshold-note').textContent = keyword ? 'keyword mode ranks by BM25 and has no cosine: the threshold does not apply'
      : calibrated ? '' : 'this model is uncalibrated: the slider is on the raw cosine';
    if (!search) {
      state.shown = [];
      $('export').disabled = true;
      return;
    }
    // The service ranks by score; filtering keeps that order.
    state.shown = keyword ? search.hits
      : search.hits.filter((h) => (calibrated ? h.relevance !== null && h.relevance >= t : h.cosine !== null && h.cosine >= t));
    const topBm25 = search.hits.reduce((m, h) => Math.max(m, h.bm25), 0);
    state.shown.forEach((hit, i) => results.append(hitElement(hit, i + 1, topBm25)));
    const hidden = search.hits.length - state.shown.length;
    $('summary').textContent = `${state.shown.length} results`
      + (hidden > 0 ? ` (${hidden} below ${calibrated ? 'relevance' : 'cosine'} ${t.toFixed(2)} hidden)` : '')
      + ` · ${search.mode} · ${search.tookMs} ms`;
    results.dataset.shown = String(state.shown.length);
    $('export').disabled = state.shown.length === 0;
  }

  function hitElement(hit, position, topBm25) {
    const li = document.createElement('li');
    li.className = 'hit';
    const hasCosine = hit.cosine !== null && hit.cosine !== undefined;
    const hasRelevance = hit.relevance !== null && hit.relevance !== undefined;
    const b = hasCosine ? hit.band : 'weak';
    li.dataset.unit = hit.unitId;
    li.dataset.doc = hit.docId;
    li.dataset.band = hasCosine ? b : 'none';
    if (hasCosine) li.dataset.cosine = String(hit.cosine);
    if (hasRelevance) li.dataset.relevance = String(hit.relevance);

    const head = document.createElement('div');
    head.className = 'hit-head';
    const rank = span('hit-rank', '#' + position);
    const relevance = span('hit-relevance', hasRelevance ? 'relevance ' + hit.relevance.toFixed(2) : '');
    relevance.title = 'calibrated relevance: how likely a hit with this cosine is to be relevant, on this model';
    const cosine = span('hit-cosine', hasCosine ? hit.cosine.toFixed(4) : 'BM25 ' + hit.bm25.toFixed(2));
    cosine.title = hasCosine ? 'raw cosine between query and text' : 'keyword mode has no cosine';
    const bandLabel = span('hit-band', hasCosine ? b : '');
    const doc = span('hit-doc', hit.docId);
    doc.title = hit.unitId;
    const cosineLabel = span('hit-label', hasCosine ? 'cosine' : '');
    head.append(rank, relevance, cosineLabel, cosine, bandLabel, doc);

    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('div');
    fill.className = 'bar-fill ' + b;
    const length = hasRelevance ? hit.relevance : hasCosine ? hit.cosine : (topBm25 > 0 ? hit.bm25 / topBm25 : 0);
    fill.style.width = (Math.max(0, Math.min(1, length)) * 100).toFixed(1) + '%';
    bar.append(fill);

    li.append(head, bar);
    if (hit.title) {
      const title = document.createElement('div');
      title.className = 'hit-title';
      title.append(...highlighted(hit.title, hit.highlights, 'title'));
      li.append(title);
    }
    const text = document.createElement('div');
    text.className = 'hit-text';
    text.append(...highlighted(hit.text || '', hit.highlights, 'text'));
    li.append(text);
    return li;
  }

  function span(className, text) {
    const s = document.createElement('span');
    s.className = className;
    s.textContent = text;
    return s;
  }

  /** Text nodes and <mark> elements for the highlight spans of one field (offsets in UTF-16 units, sorted, disjoint). */
  function highlighted(text, highlights, field) {
    const nodes = [];
    let at = 0;
    for (const h of (highlights || []).filter((x) => x.field === field)) {
      if (h.start < at || h.end > text.length) continue;
      if (h.start > at) nodes.push(document.createTextNode(text.slice(at, h.start)));
      const mark = document.createElement('mark');
      mark.textContent = text.slice(h.start, h.end);
      nodes.push(mark);
      at = h.end;
    }
    if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
    return nodes;
  }

  // ---- vector data ------------------------------------------------------------------------------

  async function showVector(query) {
    const info = $('vector-info');
    const model = state.status ? state.status.model : undefined;
    try {
      const answer = await api('/v1/embeddings', { method: 'POST', json: { model, input: query, input_type: 'query' } });
      drawVector(answer.data[0].embedding);
    } catch (e) {
      info.textContent = 'No vector: ' + e.message;
      $('vector-values').replaceChildren();
      $('histogram').replaceChildren();
      $('histogram-axis').replaceChildren();
    }
  }

  function drawVector(v) {
    let min = Infinity, max = -Infinity, sum = 0, sq = 0;
    for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); sum += x; sq += x * x; }
    const info = $('vector-info');
    info.textContent = `${v.length} dimensions · min ${min.toFixed(4)} · max ${max.toFixed(4)} · mean ${(sum / v.length).toFixed(5)} · norm ${Math.sqrt(sq).toFixed(4)}`;
    info.dataset.dimensions = String(v.length);
    $('vector-values').replaceChildren(...v.slice(0, 50).map((x, i) => {
      const s = span('', x.toFixed(4));
      s.title = 'dimension ' + i;
      return s;
    }));
    const bins = 32;
    const counts = new Array(bins).fill(0);
    const width = (max - min) || 1;
    for (const x of v) counts[Math.min(bins - 1, Math.floor((x - min) / width * bins))]++;
    const top = Math.max(...counts);
    $('histogram').replaceChildren(...counts.map((c, i) => {
      const bar = document.createElement('div');
      bar.style.height = (c / top * 100).toFixed(1) + '%';
      const from = min + i * width / bins;
      bar.title = `${c} values in [${from.toFixed(3)}, ${(from + width / bins).toFixed(3)})`;
      return bar;
    }));
    const label = (x) => (Math.abs(x) < 0.0005 ? 0 : x).toFixed(3); // no "-0.000"
    $('histogram-axis').replaceChildren(span('', label(min)), span('', label((min + max) / 2)), span('', label(max)));
  }

  // ---- CSV --------------------------------------------------------------------------------------

  function csvCell(value) {
    let s = value === null || value === undefined ? '' : String(value);
    // A cell a spreadsheet would run as a formula is kept as text.
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return '"' + s.replace(/"/g, '""') + '"';
  }

  function exportCsv() {
    if (!state.search) return;
    const rows = [['rank', 'relevance', 'cosine', 'band', 'score', 'bm25', 'doc_id', 'unit_id', 'title', 'text']];
    state.shown.forEach((h, i) => rows.push([i + 1, h.relevance === null || h.relevance === undefined ? '' : h.relevance.toFixed(4),
      h.cosine === null ? '' : h.cosine.toFixed(4), h.cosine === null ? '' : h.band, h.score, h.bm25, h.docId, h.unitId, h.title,
      h.text]));
    const csv = '\ufeff' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'semdex-results.csv';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---- wiring -----------------------------------------------------------------------------------

  $('add').addEventListener('click', addEntries);
  $('search-form').addEventListener('submit', runSearch);
  $('threshold').addEventListener('input', render);
  $('export').addEventListener('click', exportCsv);
  document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener('change', () => {
    if ($('q').value.trim()) runSearch();
  }));
  render();
  refreshStatus();
  setInterval(refreshStatus, STATUS_EVERY_MS);
})();
