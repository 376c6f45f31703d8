/* Regie chauffeur: the driver's app, offline first. Plain JavaScript, no build step.
 *
 * - The day plan comes from GET /<t>/api/foodsavers/my/day?day=YYYY-MM-DD (the service worker keeps the last
 *   answer; IndexedDB keeps it too) and is drawn from the shell's <template>s.
 * - Every entry (pickup, delivery, closing) is first written to IndexedDB with an id made here
 *   (crypto.randomUUID), shown as "nog niet verzonden", and sent to POST /<t>/api/foodsavers/sync when there is
 *   signal: on the `online` event, on a timer (with backoff after a failure) and with "Nu verzenden". The server
 *   keys everything by these ids, so a retried, doubled or interrupted sync never counts twice.
 * - A stored entry leaves the queue; a refused one stays with its Dutch reason, editable and sent again with the
 *   same ids, or, when it cannot be put right (a passed use-by date), wiped from the phone by the driver ("Niet
 *   verzenden"): what the server already stored of it stays. A network error or 5xx keeps everything for later.
 */
'use strict';

(function () {
  const app = document.getElementById('app');
  if (!app) return;
  const tenant = app.dataset.tenant;
  const BASE = `/${tenant}/chauffeur/`;
  const API = `/${tenant}/api/foodsavers`;
  const MAX_LINES = 500;
  const TICK_MS = 15000;
  // Every text the driver reads comes from the page, in the driver's language: the data- attributes of #texts
  // (templates/driver/app.html), with {name} placeholders filled in here.
  const TEXTS = (document.getElementById('texts') || {}).dataset || {};
  const ROUND_KIND = { rescue: 'kindRescue', fead: 'kindFead' };
  const ROUND_STATUS = { planned: 'statusPlanned', 'under-way': 'statusUnderWay', closed: 'statusClosed',
    cancelled: 'statusCancelled' };
  const LOCALE = app.dataset.locale || document.documentElement.lang || 'nl-BE';

  /** The page's text `key`, its {name} placeholders filled from `values`. */
  function t(key, values) {
    const text = key in TEXTS ? TEXTS[key] : key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
  }

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  // ---- small helpers -------------------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function brusselsToday() {
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit',
      day: '2-digit' }).format(new Date());
  }

  function chosenDay() {
    const asked = new URLSearchParams(location.search).get('dag');
    return asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? asked : brusselsToday();
  }

  function nowHHMM() {
    const d = new Date();
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }

  function isoZ(day, hhmm) {
    const moment = new Date(`${day}T${hhmm}:00`);
    return moment.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  function hhmmOf(iso) {
    const d = new Date(iso);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }

  /** "12,5" or "12.5" kg → 12500 grams; the sign is kept (the server judges the value). null when unreadable. */
  function grams(text) {
    let t = String(text || '').trim().replace(/\s/g, '');
    if (!t) return null;
    if (t.includes(',')) t = t.replace(/\./g, '').replace(',', '.');
    const m = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(t);
    if (!m) return null;
    const value = Number(m[2]) * 1000 + Number((m[3] || '').padEnd(3, '0'));
    return m[1] ? -value : value;
  }

  function kg(g) {
    if (g === null || g === undefined) return '';
    const sign = g < 0 ? '-' : '';
    const a = Math.abs(g);
    const whole = Math.floor(a / 1000);
    const frac = String(a % 1000).padStart(3, '0').replace(/0+$/, '');
    return sign + whole + (frac ? `,${frac}` : '');
  }

  /** "4,5" → "4.5" (a decimal string, as the API wants it); null when unreadable. */
  function celsius(text) {
    const t = String(text || '').trim().replace(',', '.');
    return /^-?\d{1,2}(\.\d)?$/.test(t) ? t : null;
  }

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  function setCsrf(token) {
    let meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta) {
      meta = document.createElement('meta');
      meta.setAttribute('name', 'csrf-token');
      document.head.appendChild(meta);
    }
    meta.setAttribute('content', token);
  }

  // ---- IndexedDB: the queue, the photos, what is kept (day plans, the last batch, stops done) -----------

  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(`regie-chauffeur-${tenant}`, 1);
        request.onupgradeneeded = () => {
          const d = request.result;
          d.createObjectStore('queue', { keyPath: 'key' });
          d.createObjectStore('photos', { keyPath: 'pickup_id' });
          d.createObjectStore('kept', { keyPath: 'key' });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  async function store(name, mode, work) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(name, mode);
      const result = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  const all = (name) => store(name, 'readonly', (s) => s.getAll());
  const read = (name, key) => store(name, 'readonly', (s) => s.get(key));
  const put = (name, value) => store(name, 'readwrite', (s) => s.put(value));
  const drop = (name, key) => store(name, 'readwrite', (s) => s.delete(key));

  // ---- state --------------------------------------------------------------------------------------------

  const state = { day: chosenDay(), rounds: [], planFrom: null, syncing: false, failures: 0, nextTry: 0,
    notes: [], message: null };

  function say(text, kind) {
    state.message = text ? { text, kind: kind || 'info' } : null;
    renderSource();
  }

  function note(text) {
    state.notes.unshift(text);
    state.notes = state.notes.slice(0, 20);
    renderNotes();
  }

  // ---- the day plan ---------------------------------------------------------------------------------------

  async function loadPlan() {
    let plan = null;
    try {
      const response = await fetch(`${API}/my/day?day=${state.day}`, { headers: { accept: 'application/json' },
        credentials: 'same-origin' });
      if (response.status === 401) {
        loginNeeded();
      } else if (response.ok) {
        plan = await response.json();
        if (response.headers.get('x-regie-kept')) {
          state.planFrom = 'kept';  // the service worker's copy: there is no network
        } else {
          await put('kept', { key: `plan:${state.day}`, plan, at: new Date().toISOString() });
          state.planFrom = 'network';
        }
      }
    } catch (error) {
      plan = null;
    }
    if (plan === null) {
      const kept = await read('kept', `plan:${state.day}`);
      if (kept) {
        plan = kept.plan;
        state.planFrom = kept.at;
      }
    }
    state.rounds = roundsOf(plan);
    await render();
  }

  function roundsOf(plan) {
    if (!plan) return [];
    const rounds = Array.isArray(plan) ? plan : (plan.rounds || []);
    return rounds.map((r) => ({ ...r, stops: (r.stops || []).slice().sort((a, b) => a.position - b.position) }));
  }

  function findStop(roundId, stopId) {
    const round = state.rounds.find((r) => r.id === roundId);
    return { round, stop: round ? round.stops.find((s) => s.id === stopId) : null };
  }

  function windowText(stop) {
    const from = (stop.window_from || '').slice(0, 5);
    const until = (stop.window_until || '').slice(0, 5);
    if (from && until) return t('windowBetween', { from, until });
    if (from) return t('windowFrom', { from });
    if (until) return t('windowUntil', { until });
    return '';
  }

  // ---- drawing --------------------------------------------------------------------------------------------

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function button(text, className, onClick) {
    const el = element('button', `button dbutton ${className}`, text);
    el.type = 'button';
    el.addEventListener('click', onClick);
    return el;
  }

  function clone(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  async function render() {
    const queue = await all('queue');
    const done = new Set((await all('kept')).filter((k) => k.key.startsWith('done:')).map((k) => k.key.slice(5)));
    renderPlan(queue, done);
    renderQueue(queue);
    renderSource();
    renderNotes();
    renderBar(queue);
  }

  function renderSource() {
    const day = new Date(`${state.day}T12:00:00`);
    $('#plan-day').textContent = new Intl.DateTimeFormat(LOCALE, { weekday: 'long', day: 'numeric', month: 'long',
      year: 'numeric', timeZone: 'Europe/Brussels' }).format(day);
    const box = $('#plan-source');
    let text = '';
    let kind = '';
    if (state.message) {
      text = state.message.text;
      kind = state.message.kind === 'error' ? 'notice--error' : '';
    } else if (state.planFrom && state.planFrom !== 'network') {
      text = t('planKept');
    }
    box.textContent = text;
    box.className = `notice ${kind}`;
    box.hidden = !text;
  }

  function renderPlan(queue, done) {
    const holder = $('#rounds');
    holder.textContent = '';
    if (!state.rounds.length) {
      holder.appendChild(element('p', 'empty', state.planFrom ? t('noRound') : t('planMissing')));
      return;
    }
    const queued = new Map(queue.map((item) => [item.stop_id || item.round_id, item]));
    for (const round of state.rounds) {
      const el = clone('t-round');
      el.id = `round-${round.id}`;
      el.dataset.roundId = round.id;
      $('.round__title', el).textContent = t('roundOf', { time: (round.start_time || '').slice(0, 5) });
      const vehicle = round.vehicle || {};
      const meta = [ROUND_KIND[round.kind] ? t(ROUND_KIND[round.kind]) : round.kind,
        ROUND_STATUS[round.status] ? t(ROUND_STATUS[round.status]) : round.status,
        vehicle.name && vehicle.refrigerated ? t('refrigerated', { vehicle: vehicle.name }) : (vehicle.name || '')]
        .filter(Boolean);
      $('.round__meta', el).textContent = meta.join(' · ');
      const open = round.status === 'planned' || round.status === 'under-way';
      const closingQueued = queue.some((item) => item.kind === 'closing' && item.round_id === round.id);
      for (const stop of round.stops) {
        const li = clone('t-stop');
        li.id = `stop-${stop.id}`;
        $('.stop__no', li).textContent = String(stop.position);
        $('.stop__kind', li).textContent = stop.kind === 'pickup' ? t('pickupAt') : t('deliveryAt');
        $('.stop__name', li).textContent = stop.name || '';
        $('.stop__address', li).textContent = stop.address || '';
        $('.stop__window', li).textContent = windowText(stop);
        const instructions = $('.stop__instructions', li);
        instructions.textContent = stop.instructions || '';
        instructions.hidden = !stop.instructions;
        const phone = $('.stop__phone', li);
        if (stop.contact_phone) {
          const call = phone.appendChild(element('a', 'stop__call', t('call', { phone: stop.contact_phone })));
          call.href = `tel:${stop.contact_phone.replace(/[^+\d]/g, '')}`;
        } else {
          phone.hidden = true;
        }
        const stateEl = $('.stop__state', li);
        const item = queued.get(stop.id);
        if (item) {
          stateEl.textContent = item.status === 'refused' ? t('stopRefused') : t('stopQueued');
          li.classList.add(item.status === 'refused' ? 'stop--refused' : 'stop--queued');
        } else if (done.has(stop.id)) {
          stateEl.textContent = t('stopDone');
          li.classList.add('stop--done');
        } else {
          stateEl.hidden = true;
        }
        const action = $('.stop__action', li);
        const again = Boolean(item) || done.has(stop.id);
        action.textContent = t(`register${stop.kind === 'pickup' ? 'Pickup' : 'Delivery'}${again ? 'Again' : ''}`);
        if (again) action.classList.replace('dbutton--primary', 'button--secondary');
        action.hidden = !open || closingQueued;
        action.addEventListener('click', () => openEntry(stop.kind === 'pickup' ? 'pickup' : 'delivery', round, stop));
        $('.stops', el).appendChild(li);
      }
      const close = $('.round__close', el);
      if (open && !closingQueued) {
        close.appendChild(button(t('closeRound'), 'button--secondary round__close-button', () => openClosing(round)));
      } else if (closingQueued) {
        close.textContent = t('closingQueued');
      }
      holder.appendChild(el);
    }
  }

  function itemGrams(item) {
    return (item.payload.lines || []).reduce((sum, line) => sum + (line.grams || 0), 0);
  }

  function renderQueue(queue) {
    const list = $('#queue');
    list.textContent = '';
    $('#queue-empty').hidden = queue.length > 0;
    queue.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    for (const item of queue) {
      const li = element('li', `queued queued--${item.status}`);
      li.id = `q-${item.id}`;
      li.dataset.kind = item.kind;
      li.appendChild(element('p', 'queued__title', item.label));
      const n = (item.payload.lines || []).length;
      li.appendChild(element('p', 'queued__what', item.kind === 'closing' ? `${item.payload.km} km`
        : t(n === 1 ? 'lineCountOne' : 'lineCountMany', { n, kg: kg(itemGrams(item)) })));
      li.appendChild(element('p', 'queued__status',
        item.status === 'refused' ? t('queuedRefused') : t('queued')));
      const reasons = Object.entries(item.reasons || {});
      if (reasons.length) {
        const ul = li.appendChild(element('ul', 'queued__reasons'));
        for (const [id, reason] of reasons) {
          const line = (item.payload.lines || []).find((l) => l.id === id);
          ul.appendChild(element('li', '',
            line ? `${categoryLabel(line.category)} (${kg(line.grams)} kg): ${reason}` : reason));
        }
      }
      if (item.status === 'refused') {
        li.appendChild(button(t('edit'), 'dbutton--primary', () => openEdit(item)));
        li.appendChild(button(t('discard'), 'button--secondary', () => discard(item)));
      }
      list.appendChild(li);
    }
  }

  function renderNotes() {
    const list = $('#notes');
    list.textContent = '';
    for (const text of state.notes) list.appendChild(element('li', '', text));
    $('#notes-section').hidden = state.notes.length === 0;
  }

  function renderBar(queue) {
    const online = navigator.onLine;
    const net = $('#net-state');
    net.textContent = online ? t('online') : t('offline');
    net.className = `syncbar__net ${online ? 'syncbar__net--on' : 'syncbar__net--off'}`;
    const count = queue.length;
    $('#queue-count').textContent = state.syncing ? t('sending')
      : count ? t('waiting', { count }) : t('allSent');
    app.dataset.queue = String(count);
    app.dataset.syncing = state.syncing ? 'true' : 'false';
  }

  function categoryLabel(code) {
    const option = $(`#t-pickup-line`).content.querySelector(`option[value="${CSS.escape(code || '')}"]`);
    return option ? option.textContent.trim() : (code || t('unknownCategory'));
  }

  function storageOf(code) {
    const option = $(`#t-pickup-line`).content.querySelector(`option[value="${CSS.escape(code || '')}"]`);
    return option ? option.dataset.storage : null;
  }

  // ---- the forms ------------------------------------------------------------------------------------------

  function showForm(form) {
    const view = $('#view-form');
    view.textContent = '';
    view.appendChild(form);
    $('#view-plan').hidden = true;
    view.hidden = false;
    window.scrollTo(0, 0);
    const first = form.querySelector('input, select');
    if (first) first.focus();
  }

  function showPlan() {
    $('#view-form').hidden = true;
    $('#view-form').textContent = '';
    $('#view-plan').hidden = false;
    return render();
  }

  function addLine(form, template, values) {
    const line = clone(template);
    line.dataset.id = (values && values.id) || uuid();
    const holder = $('.lines', form);
    holder.appendChild(line);
    const category = $('select[name="category"]', line);
    const dateKind = $('select[name="date_kind"]', line);
    const refused = $('input[name="refused_kg"]', line);
    const follow = () => {
      const storage = storageOf(category.value);
      const temperature = $('.line__celsius', line);
      if (temperature) temperature.hidden = !(storage === 'chilled' || storage === 'frozen');
      const date = $('.line__date', line);
      if (date && dateKind) date.hidden = dateKind.value === 'none';
      const reason = $('.line__reason', line);
      if (reason && refused) reason.hidden = !(grams(refused.value) > 0);
    };
    if (values) {
      category.value = values.category || '';
      $('input[name="kg"]', line).value = kg(values.grams);
      if (dateKind) {
        dateKind.value = values.date_kind || 'best-before';
        $('input[name="best_date"]', line).value = values.best_date || '';
        $('input[name="celsius"]', line).value = values.celsius ? String(values.celsius).replace('.', ',') : '';
        refused.value = values.refused_grams ? kg(values.refused_grams) : '';
        $('input[name="refused_reason"]', line).value = values.refused_reason || '';
      }
      if (values.reason) {
        const error = $('.line__error', line);
        error.textContent = values.reason;
        error.hidden = false;
        line.classList.add('line--refused');
      }
    }
    category.addEventListener('change', follow);
    if (dateKind) dateKind.addEventListener('change', follow);
    if (refused) refused.addEventListener('input', follow);
    $('.line__remove', line).addEventListener('click', () => {
      line.remove();
      numberLines(form);
    });
    follow();
    numberLines(form);
    return line;
  }

  function numberLines(form) {
    $$('.line', form).forEach((line, i) => {
      $('.line__no', line).textContent = String(i + 1);
      $('.line__remove', line).hidden = $$('.line', form).length === 1;
    });
  }

  function problem(form, text) {
    const box = $('.entry__problem', form);
    box.textContent = text || '';
    box.hidden = !text;
    if (text) box.scrollIntoView({ block: 'center' });
  }

  function lineError(line, text) {
    const error = $('.line__error', line);
    error.textContent = text || '';
    error.hidden = !text;
    line.classList.toggle('line--refused', Boolean(text));
  }

  /** What the form's lines say, or null after marking the unreadable ones (format only: the server judges). */
  function readLines(form, withSafety) {
    let ok = true;
    const lines = [];
    for (const line of $$('.line', form)) {
      const category = $('select[name="category"]', line).value;
      const g = grams($('input[name="kg"]', line).value);
      let error = '';
      const values = { id: line.dataset.id, category, grams: g };
      if (!category) error = t('chooseCategory');
      else if (g === null) error = t('fillWeight');
      if (withSafety && !error) {
        const storage = storageOf(category);
        const dateKind = $('select[name="date_kind"]', line).value;
        const date = $('input[name="best_date"]', line).value;
        const refusedText = $('input[name="refused_kg"]', line).value;
        const refused = refusedText.trim() ? grams(refusedText) : 0;
        const reason = $('input[name="refused_reason"]', line).value.trim();
        let temp = null;
        if (storage === 'chilled' || storage === 'frozen') {
          temp = celsius($('input[name="celsius"]', line).value);
          if (temp === null) error = t('fillTemperature');
        }
        if (!error && dateKind !== 'none' && !date) error = t('fillDate');
        if (!error && refused === null) error = t('fillRefused');
        if (!error && refused > 0 && !reason) error = t('giveReason');
        Object.assign(values, { refused_grams: refused || 0, refused_reason: refused > 0 ? reason : '',
          date_kind: dateKind, best_date: dateKind === 'none' ? null : date, celsius: temp });
      }
      lineError(line, error);
      if (error) ok = false;
      lines.push(values);
    }
    if (!lines.length) {
      ok = false;
    }
    return ok ? lines : null;
  }

  function wire(form, onSubmit) {
    $('.entry__cancel', form).addEventListener('click', () => showPlan());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      problem(form, '');
      try {
        const saved = await onSubmit();
        if (saved) {
          await showPlan();
          trySync();
        }
      } catch (error) {
        problem(form, t('saveFailed', { error: error && error.message ? error.message : error }));
      }
    });
  }

  /** What differs between a pickup and a delivery form; the rest is openEntry's. */
  const ENTRIES = {
    pickup: {
      form: 't-pickup', line: 't-pickup-line', title: t('pickupTitle'), safety: true, at: 'picked_up_at',
      party: 'donor_id', header: 'input[name="van_full"], input[name="left_behind"], input[name="photo"]',
      setup(form) {
        const vanFull = $('input[name="van_full"]', form);
        vanFull.addEventListener('change', () => { $('.left-behind', form).hidden = !vanFull.checked; });
      },
      fill(form, payload) {
        $('input[name="van_full"]', form).checked = payload.van_full;
        $('.left-behind', form).hidden = !payload.van_full;
        $('input[name="left_behind"]', form).value = payload.van_full ? kg(payload.left_behind_grams) : '';
      },
      read(form) {
        const vanFull = $('input[name="van_full"]', form).checked;
        const left = vanFull ? grams($('input[name="left_behind"]', form).value) : 0;
        if (left === null) return t('fillLeftBehind');
        return { van_full: vanFull, left_behind_grams: left };
      },
      async after(form, body) {
        const files = $('input[name="photo"]', form).files;
        if (files && files.length) {
          await put('photos', { pickup_id: body.id, blob: files[0], type: files[0].type || 'image/jpeg', ready: false });
        }
      },
    },
    delivery: {
      form: 't-delivery', line: 't-delivery-line', title: t('deliveryTitle'), safety: false, at: 'delivered_at',
      party: 'recipient_id', header: 'input[name="confirmed_by"]',
      setup() {},
      fill(form, payload) { $('input[name="confirmed_by"]', form).value = payload.confirmed_by || ''; },
      read(form) {
        const confirmedBy = $('input[name="confirmed_by"]', form).value.trim();
        return confirmedBy ? { confirmed_by: confirmedBy } : t('fillConfirmedBy');
      },
      async after() {},
    },
  };

  /** The form of a pickup or delivery at `stop`: new, or `item` from the queue to correct (same ids). */
  function openEntry(kind, round, stop, item) {
    const spec = ENTRIES[kind];
    const form = clone(spec.form);
    const payload = item ? item.payload : null;
    const place = stop ? stop.name : item.label.replace(`${spec.title} `, '');
    $('.entry__title', form).textContent = `${spec.title} ${place}`;
    $('.entry__where', form).textContent = stop ? [stop.address, windowText(stop)].filter(Boolean).join(' · ') : '';
    $('input[name="time"]', form).value = payload ? hhmmOf(payload[spec.at]) : nowHHMM();
    spec.setup(form);
    if (payload) {
      spec.fill(form, payload);
      $('textarea[name="note"]', form).value = payload.note || '';
      for (const line of payload.lines) addLine(form, spec.line, { ...line, reason: (item.reasons || {})[line.id] });
      if (item.reasons && item.reasons[item.id]) problem(form, item.reasons[item.id]);
      if (item.header_stored) {
        // the server has the pickup or delivery itself: only its refused lines can still change
        for (const el of $$(`input[name="time"], textarea, ${spec.header}`, form)) el.disabled = true;
      }
    } else {
      addLine(form, spec.line);
    }
    $('.add-line', form).addEventListener('click', () => addLine(form, spec.line));
    wire(form, async () => {
      const lines = readLines(form, spec.safety);
      const time = $('input[name="time"]', form).value;
      if (!time) { problem(form, t('fillTime')); return false; }
      if (!lines) { problem(form, t('checkLines')); return false; }
      const fields = spec.read(form);
      if (typeof fields === 'string') { problem(form, fields); return false; }
      const day = round ? round.day || state.day : state.day;
      const body = item && item.header_stored ? { ...payload, lines } : {
        id: payload ? payload.id : uuid(),
        round_id: round ? round.id : payload.round_id,
        stop_id: stop ? stop.id : (payload ? payload.stop_id : null),
        [spec.party]: stop ? stop.party_id : payload[spec.party],
        [spec.at]: isoZ(day, time),
        note: $('textarea[name="note"]', form).value.trim(),
        ...fields,
        lines,
      };
      await enqueue(kind, body, `${spec.title} ${place}`, item);
      await spec.after(form, body);
      return true;
    });
    showForm(form);
  }

  function openClosing(round, item) {
    const form = clone('t-closing');
    const payload = item ? item.payload : null;
    $('.entry__where', form).textContent = round ? t('roundOf', { time: (round.start_time || '').slice(0, 5) })
      : (item ? item.label : '');
    if (payload) {
      $('input[name="km"]', form).value = String(payload.km);
      $('input[name="left_in_van"]', form).value = kg(payload.left_in_van_grams);
      $('input[name="discarded"]', form).value = kg(payload.discarded_grams);
      if (item.reasons && item.reasons[item.id]) problem(form, item.reasons[item.id]);
    }
    wire(form, async () => {
      const kmText = $('input[name="km"]', form).value.trim();
      const left = grams($('input[name="left_in_van"]', form).value || '0');
      const discarded = grams($('input[name="discarded"]', form).value || '0');
      if (!/^-?\d+$/.test(kmText)) { problem(form, t('fillKm')); return false; }
      if (left === null || discarded === null) { problem(form, t('fillWeights')); return false; }
      const roundId = round ? round.id : payload.round_id;
      const body = { round_id: roundId, closed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        km: Number(kmText), left_in_van_grams: left, discarded_grams: discarded };
      await enqueue('closing', body, t('closingOf', { time: round ? (round.start_time || '').slice(0, 5) : '' }).trim(),
        item);
      return true;
    });
    showForm(form);
  }

  async function discard(item) {
    const kept = item.header_stored ? ` ${t('discardKept')}` : '';
    if (!window.confirm(`${t('discardAsk')}${kept}`)) return;
    await drop('queue', item.key);
    // Nothing of it reached the server: the stop is not done after all.
    if (item.stop_id && !item.header_stored) await drop('kept', `done:${item.stop_id}`);
    note(t('discarded', { label: item.label }));
    await render();
  }

  function openEdit(item) {
    const { round, stop } = findStop(item.round_id, item.stop_id);
    if (item.kind === 'closing') openClosing(round, item);
    else openEntry(item.kind, round, stop, item);
  }

  async function enqueue(kind, payload, label, previous) {
    const id = kind === 'closing' ? payload.round_id : payload.id;
    const item = {
      key: `${kind}:${id}`, kind, id, round_id: payload.round_id, stop_id: payload.stop_id || null, label, payload,
      status: 'pending', reasons: {}, header_stored: previous ? Boolean(previous.header_stored) : false,
      created_at: previous ? previous.created_at : new Date().toISOString(),
    };
    await put('queue', item);
    if (item.stop_id) await put('kept', { key: `done:${item.stop_id}`, at: item.created_at });
  }

  // ---- sending --------------------------------------------------------------------------------------------

  function batches(items) {
    const out = [];
    let current = null;
    let lines = 0;
    for (const item of items) {
      const n = item.kind === 'closing' ? 1 : item.payload.lines.length + 1;
      if (!current || lines + n > MAX_LINES) {
        current = { body: { pickups: [], deliveries: [], closings: [] }, items: [] };
        lines = 0;
        out.push(current);
      }
      current.body[{ pickup: 'pickups', delivery: 'deliveries', closing: 'closings' }[item.kind]].push(item.payload);
      current.items.push(item);
      lines += n;
    }
    return out;
  }

  async function refreshCsrf() {
    try {
      const response = await fetch(BASE, { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok || !new URL(response.url).pathname.startsWith(BASE)) return false;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const meta = page.querySelector('meta[name="csrf-token"]');
      if (!meta || !meta.getAttribute('content')) return false;
      setCsrf(meta.getAttribute('content'));
      return true;
    } catch (error) {
      return false;
    }
  }

  async function send(body) {
    const attempt = () => fetch(`${API}/sync`, { method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf() },
      body: JSON.stringify(body) });
    let response = await attempt();
    if (response.status === 403 && await refreshCsrf()) response = await attempt();
    return response;
  }

  function loginNeeded() {
    say(t('loginExpired'), 'error');
    const box = $('#plan-source');
    const link = document.createElement('a');
    link.href = `/${tenant}/aanmelden?next=${encodeURIComponent(BASE)}`;
    link.textContent = ` ${t('loginAgain')}`;
    box.appendChild(link);
  }

  function backoff() {
    state.failures += 1;
    state.nextTry = Date.now() + Math.min(120000, 2000 * 2 ** state.failures);
  }

  function trySync() {
    if (navigator.onLine) sync(false);
    else render();
  }

  /** Send what waits, batch by batch, until nothing more can go (a closing waits for its round's entries). */
  async function sync(forced) {
    if (state.syncing) return;
    if (!forced && (!navigator.onLine || Date.now() < state.nextTry)) return;
    state.syncing = true;
    renderBar(await all('queue'));
    let sent = false;
    try {
      for (let round = 0; round < 5; round += 1) {
        const queue = await all('queue');
        const busy = new Set(queue.filter((i) => i.kind !== 'closing').map((i) => i.round_id));
        const ready = queue.filter((i) => i.status === 'pending' && !(i.kind === 'closing' && busy.has(i.round_id)));
        if (!ready.length) break;
        for (const batch of batches(ready)) {
          const outcome = await sendBatch(batch);
          if (outcome !== 'ok') return;
          sent = true;
        }
      }
      state.failures = 0;
      state.nextTry = 0;
      if (state.message && state.message.kind === 'error') say(null);
      await uploadPhotos();
      // the plan again after a sync: the rounds' state (under way, closed) is the server's
      if (sent || state.planFrom !== 'network') await loadPlan();
    } finally {
      state.syncing = false;
      await render();
    }
  }

  async function sendBatch(batch) {
    let response;
    try {
      response = await send(batch.body);
    } catch (error) {
      backoff();
      say(t('noConnection'));
      return 'later';
    }
    await put('kept', { key: 'last-batch', body: batch.body, at: new Date().toISOString() });
    if (response.status === 401) { loginNeeded(); return 'stop'; }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      backoff();
      say(t('serverBusy'));
      return 'later';
    }
    if (!response.ok) {
      let detail = t('error', { status: response.status });
      try { detail = (await response.json()).detail || detail; } catch (error) { /* no body */ }
      if (response.status === 403) {
        say(t('syncForbidden', { detail }), 'error');
        backoff();
        return 'stop';
      }
      for (const item of batch.items) {
        item.status = 'refused';
        item.reasons = { [item.id]: detail };
        await put('queue', item);
      }
      return 'stop';
    }
    const answer = await response.json();
    await applyAnswer(batch.items, answer);
    return 'ok';
  }

  async function applyAnswer(items, answer) {
    const stored = new Map((answer.stored || []).map((s) => [s.id, s]));
    const refused = new Map();
    for (const r of answer.refused || []) {
      refused.set(r.id, refused.has(r.id) ? `${refused.get(r.id)} ${r.reason}` : r.reason);
    }
    for (const s of answer.stored || []) {
      if (s.blocked) note(t('blocked', { what: describe(items, s.id), reason: s.blocked }));
      else if (s.flags && s.flags.length) note(t('flagged', { flags: s.flags.join(', '), what: describe(items, s.id) }));
    }
    for (const item of items) {
      if (item.kind === 'closing') {
        if (refused.has(item.round_id)) {
          item.status = 'refused';
          item.reasons = { [item.id]: refused.get(item.round_id) };
          await put('queue', item);
        } else if (stored.has(item.round_id)) {
          await drop('queue', item.key);
        }
        continue;
      }
      const headerStored = stored.has(item.id);
      const bad = item.payload.lines.filter((l) => refused.has(l.id));
      if (refused.has(item.id)) {
        item.status = 'refused';
        item.reasons = { [item.id]: refused.get(item.id) };
        for (const line of bad) item.reasons[line.id] = refused.get(line.id);
        await put('queue', item);
      } else if (bad.length) {
        item.status = 'refused';
        item.header_stored = item.header_stored || headerStored;
        item.payload = { ...item.payload, lines: bad };
        item.reasons = Object.fromEntries(bad.map((l) => [l.id, refused.get(l.id)]));
        await put('queue', item);
      } else if (headerStored || item.header_stored) {
        await drop('queue', item.key);
      }
      if (headerStored && item.kind === 'pickup') {
        const photo = await read('photos', item.id);
        if (photo && !photo.ready) await put('photos', { ...photo, ready: true });
      }
    }
  }

  function describe(items, id) {
    for (const item of items) {
      if (item.id === id) return item.label;
      const line = (item.payload.lines || []).find((l) => l.id === id);
      if (line) return `${item.label}, ${categoryLabel(line.category)} ${kg(line.grams + (line.refused_grams || 0))} kg`;
    }
    return id;
  }

  async function uploadPhotos() {
    for (const photo of await all('photos')) {
      if (!photo.ready) continue;
      try {
        const attempt = () => fetch(`${API}/pickups/${photo.pickup_id}/photo`, { method: 'PUT', credentials: 'same-origin',
          headers: { 'content-type': photo.type, 'x-csrf-token': csrf() }, body: photo.blob });
        let response = await attempt();
        if (response.status === 403 && await refreshCsrf()) response = await attempt();
        if (response.ok) {
          await drop('photos', photo.pickup_id);
        } else if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) {
          let detail = t('error', { status: response.status });
          try { detail = (await response.json()).detail || detail; } catch (error) { /* no body */ }
          note(t('photoRefused', { detail }));
          await drop('photos', photo.pickup_id);
        }
      } catch (error) {
        return;
      }
    }
  }

  // ---- installable and offline: the manifest and the service worker --------------------------------------

  function installable() {
    const link = document.createElement('link');
    link.rel = 'manifest';
    link.href = `${BASE}manifest.webmanifest`;
    link.crossOrigin = 'use-credentials';
    document.head.appendChild(link);
    const theme = document.createElement('meta');
    theme.name = 'theme-color';
    theme.content = '#0b5d8e';
    document.head.appendChild(theme);
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register(`${BASE}sw.js`, { scope: BASE }).then(() => navigator.serviceWorker.ready)
      .then(() => {
        const mark = () => { if (navigator.serviceWorker.controller) document.documentElement.dataset.offline = 'ready'; };
        mark();
        navigator.serviceWorker.addEventListener('controllerchange', mark);
      })
      .catch(() => { /* without a service worker the app still works while there is signal */ });
  }

  // ---- start ----------------------------------------------------------------------------------------------

  $('#sync-now').addEventListener('click', () => { state.nextTry = 0; sync(true); });
  window.addEventListener('online', () => { state.failures = 0; state.nextTry = 0; render(); sync(false); loadPlanIfEmpty(); });
  window.addEventListener('offline', () => render());
  setInterval(() => {
    sync(false);
    if (navigator.onLine && state.planFrom !== 'network') loadPlan();
  }, TICK_MS);

  async function loadPlanIfEmpty() {
    if (state.planFrom !== 'network') await loadPlan();
  }

  /** For the browser tests and support: the last batch sent, and a way to sync now. */
  window.regieChauffeur = {
    lastBatch: async () => { const kept = await read('kept', 'last-batch'); return kept ? kept.body : null; },
    syncNow: () => sync(true),
  };

  installable();
  loadPlan().then(() => trySync());
}());
