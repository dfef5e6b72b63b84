/* Thi đua Bot — the offline sandbox's web chat.
 *
 * Plain JavaScript, no build step. It talks only to the sandbox's control API (/sandbox/api/*).
 * Each tab acts as one simulated person, chosen in the picker and kept in the URL hash
 * (#u=910001 for the private chat with the bot, #u=910001&c=-1002 for a group chat), so several
 * tabs can be several people at once.
 *
 * Live updates come from the long poll /sandbox/api/events. A browser opens at most six HTTP/1.1
 * connections to one host, so ten tabs each holding a long poll would starve each other (and their
 * own sends). The tabs therefore elect one poller (Web Locks) that polls the events of every chat
 * and shares them over a BroadcastChannel; the others only fetch a short catch-up when they open a
 * chat or when the poller falls silent. Where those APIs are missing, each tab polls its own chat.
 *
 * The bot's messages are never injected as HTML: they arrive as text + entities (offsets in UTF-16
 * code units, as Telegram counts them) and are built into DOM nodes by renderFormatted().
 *
 * A person can also be on Zalo (the picker's "Telegram | Zalo" switch; #z=<zalo id> in the hash).
 * A Zalo chat looks like Zalo: plain text (links made clickable), no buttons or edits, photos shown
 * from their URL, stickers; its ids are strings and its dates milliseconds.
 */
(() => {
  'use strict';

  const API = '/sandbox/api';
  const POLL_SECONDS = 20;
  const SILENT_LEADER_MS = 30000;
  const LOCK_NAME = 'thidua-webchat-poller';
  const CHANNEL_NAME = 'thidua-webchat-events';
  const PALETTE = ['#b23b2e', '#a35200', '#6b4fa0', '#2e7d32', '#00796b', '#1565c0', '#ad1457', '#5d4037'];
  const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:', 'tg:']);

  // ------------------------------------------------------------------ small helpers
  const $ = (id) => document.getElementById(id);

  /** Build an element. Children that are strings become text nodes (never parsed as HTML). */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function svgIcon(path) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', path);
    svg.append(p);
    return svg;
  }
  const DOC_ICON = 'M6 2c-1.1 0-1.99.9-1.99 2L4 20c0 1.1.89 2 1.99 2H18c1.1 0 2-.9 2-2V8l-6-6H6zm7 7V3.5L18.5 9H13z';

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function dateFormat(options) {
    try {
      return new Intl.DateTimeFormat('vi-VN', { ...options, timeZone: 'Asia/Ho_Chi_Minh' });
    } catch (_) {
      return new Intl.DateTimeFormat('vi-VN', options);
    }
  }
  const timeFormat = dateFormat({ hour: '2-digit', minute: '2-digit', hour12: false });
  const dayFormat = dateFormat({ weekday: 'long', day: 'numeric', month: 'numeric', year: 'numeric' });
  const number = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });

  function formatSize(bytes) {
    if (!Number.isFinite(bytes)) return '';
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${number.format(bytes / 1024)} KB`;
    return `${number.format(bytes / (1024 * 1024))} MB`;
  }

  /** Vietnamese without diacritics, lower case: "Bùi Hữu Nghĩa" matches "bui huu nghia". */
  function fold(text) {
    return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
  }

  function colorFor(id) {
    const n = Math.abs(Number(id) || 0);
    return PALETTE[n % PALETTE.length];
  }

  function initials(words, lastWord) {
    const parts = String(words || '').trim().split(/\s+/).filter(Boolean);
    if (!parts.length) return '?';
    const first = Array.from(parts[0])[0] || '';
    const second = parts.length > 1 ? Array.from(parts[lastWord ? parts.length - 1 : 1])[0] : '';
    return (first + second).toUpperCase();
  }

  // ------------------------------------------------------------------ the control API
  async function api(path, options) {
    const response = await fetch(API + path, options);
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok || !body || body.ok === false) {
      const error = new Error((body && body.description) || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }
  const postJson = (path, payload) => api(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });

  // ------------------------------------------------------------------ the bot's formatting
  function safeUrl(href) {
    try {
      const url = new URL(String(href), window.location.href);
      return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  /** Never cut a surrogate pair: an offset inside one moves to the pair's start. */
  function snap(text, index) {
    if (index > 0 && index < text.length) {
      const code = text.charCodeAt(index);
      const previous = text.charCodeAt(index - 1);
      if (code >= 0xdc00 && code <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff) return index - 1;
    }
    return index;
  }

  function link(href, options) {
    const url = safeUrl(href);
    if (!url) return h('span', { class: 'link-blocked', title: 'Liên kết không an toàn, đã chặn' });
    const external = !url.startsWith('mailto:') && !url.startsWith('tel:');
    return h('a', { href: url, target: external ? '_blank' : null, rel: external ? 'noopener noreferrer' : null,
      title: options && options.title ? url : null });
  }

  function commandNode(command, options) {
    if (!options.onCommand) return h('span', { class: 'cmd-text' }, command);
    return h('button', {
      type: 'button',
      class: 'cmd',
      title: `Gửi ${command}`,
      onclick: () => options.onCommand(command),
    }, command);
  }

  const BLOCK_TYPES = new Set(['pre', 'blockquote', 'expandable_blockquote']);

  /** The element for one entity; `inner` is where its content goes (differs for pre). */
  function entityElement(entity, segment, options) {
    switch (entity.type) {
      case 'bold': return { node: h('strong') };
      case 'italic': return { node: h('em') };
      case 'underline': return { node: h('u') };
      case 'strikethrough': return { node: h('s') };
      case 'code': return { node: h('code'), code: true };
      case 'pre': {
        const code = h('code', { class: entity.language ? `language-${entity.language}` : null });
        return { node: h('pre', null, code), inner: code, code: true };
      }
      case 'text_link': return { node: link(entity.url, { title: true }) };
      case 'url': return { node: link(/^[a-z][a-z0-9+.-]*:/i.test(segment) ? segment : `http://${segment}`) };
      case 'email': return { node: link(`mailto:${segment}`) };
      case 'phone_number': return { node: link(`tel:${segment.replace(/[^\d+]/g, '')}`) };
      case 'text_mention': return { node: h('span', { class: 'mention' }) };
      case 'mention': return { node: h('span', { class: 'mention' }) };
      case 'hashtag':
      case 'cashtag': return { node: h('span', { class: 'tag' }) };
      case 'bot_command': return { node: commandNode(segment, options), leaf: true };
      case 'spoiler': {
        const node = h('span', { class: 'spoiler', role: 'button', tabindex: '0', 'aria-label': 'Nội dung ẩn — bấm để xem' });
        const reveal = () => {
          node.classList.add('revealed');
          node.removeAttribute('role');
          node.removeAttribute('tabindex');
          node.removeAttribute('aria-label');
        };
        node.addEventListener('click', reveal);
        node.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); reveal(); }
        });
        return { node };
      }
      case 'blockquote':
      case 'expandable_blockquote': return { node: h('blockquote') };
      default: return { node: h('span', { class: `entity-${String(entity.type || 'unknown').replace(/[^a-z_]/g, '')}` }) };
    }
  }

  const AUTO = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]}'])|(^|[\s(])(\/[A-Za-z0-9_]{1,32})(?=$|[\s.,;:!?)])/g;

  /** Plain text, with bare links and /commands made clickable as Telegram's apps do. */
  function appendPlain(parent, text, options, inCode) {
    if (!text) return;
    if (inCode || !options.autolink) {
      parent.append(text);
      return;
    }
    let last = 0;
    AUTO.lastIndex = 0;
    for (let match = AUTO.exec(text); match; match = AUTO.exec(text)) {
      if (match[1]) {
        parent.append(text.slice(last, match.index));
        const anchor = link(match[1]);
        anchor.append(match[1]);
        parent.append(anchor);
        last = match.index + match[1].length;
      } else {
        const start = match.index + match[2].length;
        parent.append(text.slice(last, start));
        parent.append(commandNode(match[3], options));
        last = start + match[3].length;
      }
    }
    parent.append(text.slice(last));
  }

  function build(parent, text, entities, start, end, options, inCode) {
    let position = start;
    let afterBlock = false;
    const list = entities.slice();
    const plain = (until) => {
      let piece = text.slice(position, until);
      if (afterBlock && piece.startsWith('\n')) piece = piece.slice(1);
      appendPlain(parent, piece, options, inCode);
      afterBlock = false;
    };
    for (let i = 0; i < list.length;) {
      const entity = list[i];
      const inner = [];
      const rest = [];
      let j = i + 1;
      for (; j < list.length && list[j].offset < entity.end; j += 1) {
        const child = list[j];
        if (child.end > entity.end) {
          inner.push({ ...child, end: entity.end });
          rest.push({ ...child, offset: entity.end });
        } else {
          inner.push(child);
        }
      }
      if (rest.length) {
        // The part of a crossing entity beyond this one continues after it, at this level.
        const tail = list.splice(j).concat(rest).sort((a, b) => a.offset - b.offset || b.end - a.end);
        list.push(...tail);
      }
      if (entity.offset > position) plain(entity.offset);
      const made = entityElement(entity, text.slice(entity.offset, entity.end), options);
      if (!made.leaf) {
        build(made.inner || made.node, text, inner, entity.offset, entity.end, options, inCode || Boolean(made.code));
      }
      parent.append(made.node);
      afterBlock = BLOCK_TYPES.has(entity.type);
      position = Math.max(position, entity.end);
      i = j;
    }
    if (position < end) plain(end);
  }

  /**
   * Text + Telegram entities → a DocumentFragment.
   * Offsets and lengths are UTF-16 code units; JavaScript strings are indexed in UTF-16 code units
   * too, so they apply to `text` directly (an emoji counts 2, a precomposed "ệ" counts 1, exactly as
   * Telegram counts). Offsets that would split a surrogate pair are snapped to its start.
   */
  function renderFormatted(text, entities, options) {
    const opts = { autolink: true, ...(options || {}) };
    const source = String(text || '');
    const list = (Array.isArray(entities) ? entities : [])
      .filter((e) => e && Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0 && e.offset >= 0)
      .map((e) => {
        const offset = snap(source, Math.min(e.offset, source.length));
        const end = snap(source, Math.min(e.offset + e.length, source.length));
        return { ...e, offset, end: end > offset ? end : Math.min(source.length, offset + e.length) };
      })
      .filter((e) => e.end > e.offset)
      .sort((a, b) => a.offset - b.offset || b.end - a.end);
    const fragment = document.createDocumentFragment();
    build(fragment, source, list, 0, source.length, opts, false);
    return fragment;
  }

  // ------------------------------------------------------------------ state
  const state = {
    bot: null,
    personas: [],
    users: new Map(),
    groups: [],
    me: null, // the user this tab acts as
    chatId: null,
    chatType: 'private',
    loading: false,
    buffer: [],
    floor: 0, // events up to this seq are already in the loaded transcript
    chatSeq: 0, // the newest event applied to this chat
    seen: new Set(),
    versions: new Map(), // message_id -> seq of the version shown
    lastDay: null,
    maxId: 0, // the newest message shown: newer ones are appended
    replyKeyboard: null,
    keyboardSeq: 0,
    keyboardHidden: false,
    commands: [],
    suggestions: [],
    active: -1,
    pending: new Map(), // callback_query_id -> finish()
    early: new Map(), // callback answers that came before the press request returned
    globalSeq: 0,
    mode: 'tab', // 'leader' | 'follower' | 'tab'
    lastBeat: Date.now(),
    tabAbort: null, // the per-tab long poll, when there is no shared one
    session: null, // changes with every chat opened: late answers for an old chat are dropped
    pickerGroup: null,
    connected: true,
    channel: 'telegram', // the open chat's: 'telegram' | 'zalo'
    pickerChannel: 'telegram', // the picker's switch
    zaloUsers: new Map(), // zalo id -> {id, display_name}
    stickers: [],
  };
  let channel = null;

  const messagesEl = $('messages');
  const textEl = $('text');

  // ------------------------------------------------------------------ people
  function fullName(user) {
    if (!user) return '';
    return [user.last_name, user.first_name].filter(Boolean).join(' ').trim() || String(user.id);
  }
  function personaOf(id) {
    return state.personas.find((p) => Number(p.user_id) === Number(id)) || null;
  }
  function userOf(id) {
    const persona = personaOf(id);
    const user = state.users.get(Number(id));
    if (user) return user;
    if (persona) return { id: persona.user_id, first_name: persona.first_name, last_name: persona.last_name };
    return null;
  }
  const zaloIdOf = (persona) => `z${persona.user_id}`;
  function personaOfZalo(zaloId) {
    return state.personas.find((p) => zaloIdOf(p) === String(zaloId)) || null;
  }
  function zaloUserOf(zaloId) {
    const user = state.zaloUsers.get(String(zaloId));
    if (user) return user;
    const persona = personaOfZalo(zaloId);
    return persona ? { id: zaloIdOf(persona), display_name: fullName(persona), persona } : null;
  }
  const isZalo = () => state.channel === 'zalo';
  /** A message's date in ms: Telegram counts seconds, Zalo milliseconds. */
  const dateMs = (date) => (isZalo() ? Number(date) : Number(date) * 1000);
  /** Is this event about the open chat (the same channel and the same chat id)? */
  function inOpenChat(event) {
    if (state.chatId === null || (event.channel || 'telegram') !== state.channel) return false;
    return isZalo() ? String(event.chat_id) === String(state.chatId) : Number(event.chat_id) === state.chatId;
  }
  const channelQuery = () => (isZalo() ? '&channel=zalo' : '');

  function groupsOf(id) {
    return state.groups.filter((g) => (g.member_ids || []).map(Number).includes(Number(id)));
  }

  // ------------------------------------------------------------------ routing (the URL hash)
  function readHash() {
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    const u = Number.parseInt(params.get('u') || '', 10);
    const c = Number.parseInt(params.get('c') || '', 10);
    return { user: Number.isFinite(u) ? u : null, chat: Number.isFinite(c) ? c : null, zalo: params.get('z') };
  }
  /** Open a persona's (or a Zalo user's) Zalo chat, creating the Zalo account in the sandbox if new. */
  async function goZalo(zaloId, displayName) {
    if (!state.zaloUsers.has(zaloId)) {
      try {
        const answer = await postJson('/users', { channel: 'zalo', id: zaloId, display_name: displayName });
        state.zaloUsers.set(zaloId, answer.result);
      } catch (error) {
        toast(`Không tạo được tài khoản Zalo: ${error.message}`);
        return;
      }
    }
    const hash = `#z=${encodeURIComponent(zaloId)}`;
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  }
  function go(userId, chatId) {
    const hash = chatId && chatId !== userId ? `#u=${userId}&c=${chatId}` : `#u=${userId}`;
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  }

  function route() {
    const { user, chat, zalo } = readHash();
    if (zalo) {
      const who = zaloUserOf(zalo);
      if (!who) {
        toast(`Không có người dùng Zalo mang mã ${zalo} trong bản thử.`);
        showPicker();
      } else if (!state.zaloUsers.has(zalo)) {
        goZalo(zalo, who.display_name);
      } else {
        openChat(who, zalo, 'zalo');
      }
      return;
    }
    if (user === null) {
      showPicker();
      return;
    }
    const who = userOf(user);
    if (!who) {
      toast(`Không có người mang mã ${user} trong bản thử.`);
      showPicker();
      return;
    }
    let chatId = chat === null ? user : chat;
    if (chatId < 0 && !groupsOf(user).some((g) => Number(g.id) === chatId)) {
      toast('Người này không ở trong nhóm đó; mở cuộc trò chuyện riêng với bot.');
      chatId = user;
    }
    openChat(who, chatId);
  }

  // ------------------------------------------------------------------ the picker
  function personButton(persona, extraLabel, onChoose) {
    const zalo = state.pickerChannel === 'zalo';
    const me = state.me && (zalo
      ? state.channel === 'zalo' && String(state.me.id) === zaloIdOf(persona)
      : state.channel === 'telegram' && Number(state.me.id) === Number(persona.user_id));
    const name = fullName(persona.first_name ? persona : userOf(persona.user_id));
    return h('li', null, h('button', {
      type: 'button',
      class: 'person',
      'data-user-id': persona.user_id,
      'data-channel': state.pickerChannel,
      'data-zalo-id': zalo ? zaloIdOf(persona) : null,
      'aria-current': me ? 'true' : null,
      onclick: onChoose,
    },
    h('span', { class: 'avatar', 'aria-hidden': 'true', style: `background:${colorFor(persona.user_id)}` },
      initials([persona.last_name, persona.first_name].filter(Boolean).join(' ') || name)),
    h('span', { class: 'person-text' },
      h('span', { class: 'person-name' }, name),
      h('span', { class: 'person-label' }, extraLabel || persona.label || ''))));
  }

  function renderPicker() {
    const list = $('picker-list');
    const query = fold($('picker-filter').value.trim());
    const matches = (...texts) => !query || texts.some((t) => fold(t).includes(query));
    list.replaceChildren();
    list.removeAttribute('aria-busy');
    for (const radio of document.querySelectorAll('input[name="channel"]')) {
      radio.checked = radio.value === state.pickerChannel;
    }
    if (state.pickerChannel === 'zalo') {
      renderZaloPicker(list, matches);
      return;
    }

    if (state.pickerGroup !== null) {
      const group = state.groups.find((g) => Number(g.id) === state.pickerGroup);
      if (group) {
        const members = (group.member_ids || []).map((id) => personaOf(id) || { user_id: id, ...userOf(id) })
          .filter((p) => matches(fullName(p), p.label));
        list.append(
          h('button', { type: 'button', class: 'picker-back', onclick: () => { state.pickerGroup = null; renderPicker(); } },
            '← Tất cả mọi người'),
          h('section', { class: 'picker-group', 'aria-labelledby': 'pg-members' },
            h('h2', { id: 'pg-members', class: 'sentence' }, `Vào nhóm «${group.title}» với tư cách…`),
            h('ul', null, members.map((p) => personButton(p, p.label, () => go(p.user_id, group.id))))),
        );
        return;
      }
      state.pickerGroup = null;
    }

    const sections = [];
    const groups = state.groups.filter((g) => matches(g.title));
    if (groups.length) {
      sections.push(h('section', { class: 'picker-group', 'aria-labelledby': 'pg-chats' },
        h('h2', { id: 'pg-chats' }, 'Nhóm chat'),
        h('ul', null, groups.map((g) => h('li', null, h('button', {
          type: 'button',
          class: 'person',
          'data-chat-id': g.id,
          'aria-current': state.chatId === Number(g.id) ? 'true' : null,
          onclick: () => chooseGroup(g),
        },
        h('span', { class: 'avatar', 'aria-hidden': 'true', style: `background:${colorFor(g.id)}` }, initials(g.title, true)),
        h('span', { class: 'person-text' },
          h('span', { class: 'person-name' }, g.title),
          h('span', { class: 'person-label' }, `Nhóm · ${(g.member_ids || []).length} thành viên`))))))));
    }
    const byGroup = new Map();
    for (const persona of state.personas) {
      if (!matches(fullName(persona), persona.label, persona.group)) continue;
      const key = persona.group || 'Khác';
      if (!byGroup.has(key)) byGroup.set(key, []);
      byGroup.get(key).push(persona);
    }
    // The blocs that have a group chat first (the demo's bloc 2), "Khác" (others) last.
    const rank = (title) => (state.groups.some((g) => g.title === title) ? 0 : title === 'Khác' ? 2 : 1);
    const ordered = Array.from(byGroup).sort((a, b) => rank(a[0]) - rank(b[0]));
    let index = 0;
    for (const [title, people] of ordered) {
      index += 1;
      sections.push(h('section', { class: 'picker-group', 'aria-labelledby': `pg-${index}` },
        h('h2', { id: `pg-${index}` }, title),
        h('ul', null, people.map((p) => personButton(p, p.label, () => go(p.user_id, null))))));
    }
    if (!sections.length) {
      sections.push(h('p', { class: 'picker-empty' },
        state.personas.length ? 'Không tìm thấy ai khớp với từ khoá.' : 'Bản thử chưa có người nào (dữ liệu mẫu chưa nạp).'));
    }
    list.append(...sections);
  }

  /** Zalo: the same people, each with a Zalo account of their own (Zalo bots have no group chats). */
  function renderZaloPicker(list, matches) {
    const sections = [];
    const byGroup = new Map();
    for (const persona of state.personas) {
      if (!matches(fullName(persona), persona.label, persona.group)) continue;
      const key = persona.group || 'Khác';
      if (!byGroup.has(key)) byGroup.set(key, []);
      byGroup.get(key).push(persona);
    }
    let index = 0;
    for (const [title, people] of byGroup) {
      index += 1;
      sections.push(h('section', { class: 'picker-group', 'aria-labelledby': `pz-${index}` },
        h('h2', { id: `pz-${index}` }, title),
        h('ul', null, people.map((p) => personButton(p, p.label, () => goZalo(zaloIdOf(p), fullName(p)))))));
    }
    // Zalo people who are not demo personas (added by a test or a script).
    const others = Array.from(state.zaloUsers.values())
      .filter((u) => !personaOfZalo(u.id) && matches(u.display_name));
    if (others.length) {
      sections.push(h('section', { class: 'picker-group', 'aria-labelledby': 'pz-others' },
        h('h2', { id: 'pz-others' }, 'Người dùng Zalo khác'),
        h('ul', null, others.map((u) => h('li', null, h('button', {
          type: 'button',
          class: 'person',
          'data-channel': 'zalo',
          'data-zalo-id': u.id,
          onclick: () => goZalo(u.id, u.display_name),
        },
        h('span', { class: 'avatar', 'aria-hidden': 'true', style: 'background:#0068ff' }, initials(u.display_name)),
        h('span', { class: 'person-text' },
          h('span', { class: 'person-name' }, u.display_name),
          h('span', { class: 'person-label' }, 'Zalo'))))))));
    }
    if (!sections.length) {
      sections.push(h('p', { class: 'picker-empty' },
        state.personas.length || state.zaloUsers.size ? 'Không tìm thấy ai khớp với từ khoá.' : 'Bản thử chưa có người nào.'));
    }
    list.append(...sections);
  }

  function chooseGroup(group) {
    if (state.me && groupsOf(state.me.id).some((g) => g.id === group.id)) {
      go(state.me.id, group.id);
      return;
    }
    state.pickerGroup = Number(group.id);
    $('picker-filter').value = '';
    renderPicker();
    const first = $('picker-list').querySelector('.person');
    if (first) first.focus();
  }

  function showPicker(event) {
    $('chat').hidden = true;
    $('picker').hidden = false;
    $('picker-close').hidden = state.me === null;
    document.title = 'Chọn người — Thi đua Bot';
    renderPicker();
    const current = $('picker-list').querySelector('[aria-current="true"]');
    if (current) current.scrollIntoView({ block: 'center' });
    // Opened by the back button: keyboard users land in the search field. Not on first load,
    // where a phone would open its keyboard over the list.
    if (event) $('picker-filter').focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ opening a chat
  async function openChat(user, chatId, channelName) {
    state.me = user;
    state.channel = channelName || 'telegram';
    state.pickerChannel = state.channel;
    state.chatId = chatId;
    state.chatType = !isZalo() && chatId < 0 ? 'group' : 'private';
    $('app').classList.toggle('zalo', isZalo());
    $('file-input').accept = isZalo() ? 'image/jpeg,image/png' : '';
    $('sticker-btn').hidden = !isZalo();
    $('sticker-tray').hidden = true;
    state.loading = true;
    state.buffer = [];
    state.seen = new Set();
    state.versions = new Map();
    state.lastDay = null;
    state.maxId = 0;
    state.floor = 0;
    state.chatSeq = 0;
    state.replyKeyboard = null;
    state.keyboardSeq = 0;
    state.keyboardHidden = false;
    state.pickerGroup = null;
    for (const finish of state.pending.values()) finish();
    state.pending.clear();
    hideSuggestions();

    const persona = isZalo() ? personaOfZalo(user.id) : personaOf(user.id);
    const group = isZalo() ? null : state.groups.find((g) => Number(g.id) === chatId);
    const name = isZalo() ? user.display_name : fullName(user);
    const avatar = $('chat-avatar');
    if (isZalo()) {
      $('chat-title').textContent = 'Thi đua Bot';
      $('chat-sub').textContent = `Zalo · bạn là ${name}${persona && persona.label ? ` — ${persona.label}` : ''}`;
      avatar.textContent = initials('Thi đua');
      avatar.style.background = '#fff';
      textEl.placeholder = 'Nhập tin nhắn';
    } else if (group) {
      $('chat-title').textContent = group.title;
      $('chat-sub').textContent = `Nhóm · bạn là ${name}`;
      avatar.textContent = initials(group.title, true);
      avatar.style.background = colorFor(group.id);
      textEl.placeholder = 'Tin nhắn tới nhóm';
    } else {
      $('chat-title').textContent = (state.bot && state.bot.first_name) || 'Thi đua Bot';
      $('chat-sub').textContent = `bot · bạn là ${name}${persona && persona.label ? ` — ${persona.label}` : ''}`;
      avatar.textContent = initials((state.bot && state.bot.first_name) || 'Thi đua');
      avatar.style.background = '#1565c0';
      textEl.placeholder = 'Tin nhắn';
    }
    $('chat-sub').title = $('chat-sub').textContent;
    document.title = `${name} — ${group ? group.title : 'Thi đua Bot'}${isZalo() ? ' (Zalo)' : ''}`;
    renderTabs();
    renderReplyKeyboard();
    messagesEl.replaceChildren();
    messagesEl.setAttribute('aria-busy', 'true');
    $('picker').hidden = true;
    $('chat').hidden = false;
    textEl.focus({ preventScroll: true });

    const session = Symbol('chat');
    state.session = session;
    try {
      const transcript = await api(`/chats/${encodeURIComponent(chatId)}${isZalo() ? '?channel=zalo' : ''}`);
      if (state.session !== session) return;
      state.floor = transcript.last_seq || 0;
      state.chatSeq = state.floor;
      state.globalSeq = Math.max(state.globalSeq, state.floor);
      for (const message of transcript.result || []) upsert(message, state.floor);
      state.keyboardSeq = state.floor;
      setReplyKeyboard(transcript.reply_keyboard || null, state.floor);
    } catch (error) {
      if (state.session !== session) return;
      toast(`Không tải được cuộc trò chuyện: ${error.message}`);
    }
    state.loading = false;
    messagesEl.removeAttribute('aria-busy');
    const buffered = state.buffer;
    state.buffer = [];
    buffered.forEach(applyEvent);
    showEmptyIfNeeded();
    scrollToBottom(true);
    loadCommands();
    if (state.mode === 'tab') startTabPoll();
    else catchUp();
  }

  function renderTabs() {
    const nav = $('chat-tabs');
    const groups = state.me && !isZalo() ? groupsOf(state.me.id) : [];
    nav.replaceChildren();
    if (!groups.length) {
      nav.hidden = true;
      return;
    }
    const tab = (label, chatId) => h('button', {
      type: 'button',
      class: 'chat-tab',
      'aria-current': state.chatId === chatId ? 'page' : null,
      onclick: () => go(state.me.id, chatId),
    }, label);
    nav.append(tab('Riêng với bot', Number(state.me.id)), ...groups.map((g) => tab(g.title, Number(g.id))));
    nav.hidden = false;
  }

  // ------------------------------------------------------------------ messages
  function isMine(message) {
    if (!state.me || !message.from) return false;
    return isZalo() ? String(message.from.id) === String(state.me.id) : Number(message.from.id) === Number(state.me.id);
  }

  function senderName(from) {
    if (!from) return '';
    if (from.is_bot) return from.first_name || from.username || 'Bot';
    return fullName(userOf(from.id) || from);
  }

  /** Zalo shows plain text; its apps make web addresses clickable, so this does too. */
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    const pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
    let at = 0;
    for (const match of text.matchAll(pattern)) {
      fragment.append(text.slice(at, match.index));
      const anchor = link(match[0]);
      anchor.append(match[0]);
      fragment.append(anchor);
      at = match.index + match[0].length;
    }
    fragment.append(text.slice(at));
    return fragment;
  }

  function renderZaloMessage(message) {
    const mine = isMine(message);
    const bubble = h('div', { class: 'bubble' });
    const sticker = typeof message.sticker === 'string' && message.sticker;
    if (message.photo_url) {
      const src = safeUrl(message.photo_url);
      if (src) {
        bubble.append(h('a', { class: 'photo', href: src, target: '_blank', rel: 'noopener', title: 'Mở ảnh' },
          h('img', { src, alt: message.caption ? `Ảnh: ${message.caption}` : 'Ảnh', loading: 'lazy' })));
      }
    } else if (sticker) {
      const src = safeUrl(message.url || `/zalo/stickers/${encodeURIComponent(sticker)}`);
      bubble.append(h('img', { class: 'sticker-img', src, alt: `Nhãn dán ${sticker}`, width: 120, height: 120 }));
    }
    const text = typeof message.text === 'string' ? message.text : message.caption;
    const body = h('div', { class: 'body' });
    if (text) body.append(h('span', { class: 'text' }, linkified(text)));
    else if (!message.photo_url && !sticker) {
      body.append(h('span', { class: 'unsupported' }, 'Loại tin nhắn này chưa hiển thị được trong bản thử.'));
    }
    const when = message.date ? timeFormat.format(new Date(Number(message.date))) : '';
    const stamp = () => h('time', { datetime: message.date ? new Date(Number(message.date)).toISOString() : null }, when);
    body.append(h('span', { class: 'meta-spacer', 'aria-hidden': 'true' }, stamp()));
    bubble.append(body, h('span', { class: 'meta' }, stamp()));
    return h('div', {
      class: `msg ${mine ? 'out' : 'in'}${sticker ? ' is-sticker' : ''}`,
      'data-message-id': message.message_id,
      'data-from': message.from ? message.from.id : null,
      tabindex: '-1',
    }, bubble);
  }

  function renderMessage(message) {
    if (isZalo()) return renderZaloMessage(message);
    const mine = isMine(message);
    const bubble = h('div', { class: 'bubble' });
    if (state.chatType === 'group' && !mine && message.from) {
      bubble.append(h('div', { class: 'sender', style: `color:${colorFor(message.from.id)}` }, senderName(message.from)));
    }
    if (Array.isArray(message.photo) && message.photo.length) {
      const photo = message.photo[message.photo.length - 1];
      const src = `${API}/files/${encodeURIComponent(photo.file_id)}`;
      bubble.append(h('a', { class: 'photo', href: src, target: '_blank', rel: 'noopener', title: 'Mở ảnh' },
        h('img', {
          src,
          alt: message.caption ? `Ảnh: ${message.caption}` : 'Ảnh',
          width: photo.width || null,
          height: photo.height || null,
          loading: 'lazy',
        })));
    }
    if (message.document) {
      const doc = message.document;
      const fileName = doc.file_name || 'tệp';
      bubble.append(h('a', {
        class: 'doc',
        href: `${API}/files/${encodeURIComponent(doc.file_id)}`,
        download: fileName,
        title: `Tải xuống ${fileName}`,
      },
      h('span', { class: 'doc-icon' }, svgIcon(DOC_ICON)),
      h('span', { class: 'doc-info' },
        h('span', { class: 'doc-name' }, fileName),
        h('span', { class: 'doc-size' }, [formatSize(doc.file_size), 'Tải xuống'].filter(Boolean).join(' · ')))));
    }
    const hasText = typeof message.text === 'string';
    const text = hasText ? message.text : message.caption;
    const entities = hasText ? message.entities : message.caption_entities;
    const body = h('div', { class: 'body' });
    if (text) {
      const span = h('span', { class: 'text' });
      span.append(renderFormatted(text, entities, {
        onCommand: (command) => sendText(command.split('@')[0]),
      }));
      body.append(span);
    } else if (!message.document && !message.photo) {
      body.append(h('span', { class: 'unsupported' }, 'Loại tin nhắn này chưa hiển thị được trong bản thử.'));
    }
    const when = message.date ? timeFormat.format(new Date(message.date * 1000)) : '';
    const metaText = () => [
      message.edit_date ? h('span', { class: 'edited', title: 'Tin nhắn đã được sửa' }, 'đã sửa') : null,
      h('time', { datetime: message.date ? new Date(message.date * 1000).toISOString() : null }, when),
    ];
    body.append(h('span', { class: 'meta-spacer', 'aria-hidden': 'true' }, ...metaText()));
    bubble.append(body, h('span', { class: 'meta' }, ...metaText()));

    const node = h('div', {
      class: `msg ${mine ? 'out' : 'in'}${message.edit_date ? ' is-edited' : ''}`,
      'data-message-id': message.message_id,
      'data-from': message.from ? message.from.id : null,
      tabindex: '-1',
    }, bubble);
    const rows = message.reply_markup && message.reply_markup.inline_keyboard;
    if (Array.isArray(rows) && rows.length) node.append(renderInlineKeyboard(message, rows));
    return node;
  }

  function renderInlineKeyboard(message, rows) {
    const box = h('div', { class: 'ikb', role: 'group', 'aria-label': 'Nút bấm của tin nhắn' });
    for (const row of rows) {
      const line = h('div', { class: 'ikb-row' });
      for (const button of row) {
        if (button.url) {
          const anchor = link(button.url);
          if (anchor.tagName === 'A') {
            anchor.className = 'ikb-btn';
            anchor.append(button.text, h('span', { class: 'ext', 'aria-hidden': 'true' }, '↗'));
            line.append(anchor);
            continue;
          }
        }
        if (button.callback_data !== undefined) {
          const node = h('button', { type: 'button', class: 'ikb-btn' }, button.text);
          node.addEventListener('click', () => press(message, button, node));
          line.append(node);
        } else {
          line.append(h('button', {
            type: 'button', class: 'ikb-btn', disabled: true, title: 'Loại nút này không dùng được trong bản thử',
          }, button.text));
        }
      }
      box.append(line);
    }
    return box;
  }

  function dayKey(date) {
    return date ? dayFormat.format(new Date(dateMs(date))) : '';
  }

  function showEmptyIfNeeded() {
    const empty = messagesEl.querySelector('.empty');
    const any = messagesEl.querySelector('.msg');
    if (any) {
      if (empty) empty.remove();
      return;
    }
    if (empty) return;
    const box = h('div', { class: 'empty' });
    if (isZalo()) {
      box.append(h('p', null, 'Chưa có tin nhắn. Gửi lời chào tới Thi đua Bot trên Zalo để bắt đầu.'),
        h('button', { type: 'button', onclick: () => sendText('/start') }, 'Bắt đầu'));
    } else if (state.chatType === 'group') {
      box.append(h('p', null, 'Chưa có tin nhắn nào trong nhóm.'));
    } else {
      box.append(h('p', null, `Chưa có tin nhắn. Bấm «Bắt đầu» hoặc gõ /start để chào ${(state.bot && state.bot.first_name) || 'bot'}.`),
        h('button', { type: 'button', onclick: () => sendText('/start') }, 'Bắt đầu'));
    }
    messagesEl.append(box);
  }

  /** Show a message, or a newer version of it, in place. Returns true when it is new. */
  function upsert(message, seq) {
    if (isZalo()) return upsertZalo(message, seq);
    const id = Number(message.message_id);
    const known = state.versions.get(id);
    if (known !== undefined && known >= seq) return false;
    state.versions.set(id, seq);
    const node = renderMessage(message);
    const old = messagesEl.querySelector(`.msg[data-message-id="${id}"]`);
    if (old) {
      const hadFocus = old.contains(document.activeElement);
      old.replaceWith(node);
      if (hadFocus) node.focus({ preventScroll: true });
      return false;
    }
    const empty = messagesEl.querySelector('.empty');
    if (empty) empty.remove();
    if (id < state.maxId) {
      // An older message arriving late (rare): its place is before the first newer one.
      const later = Array.from(messagesEl.querySelectorAll('.msg')).find((m) => Number(m.dataset.messageId) > id);
      if (later) {
        messagesEl.insertBefore(node, later);
        return true;
      }
    }
    state.maxId = Math.max(state.maxId, id);
    const day = dayKey(message.date);
    if (day && day !== state.lastDay) {
      messagesEl.append(h('div', { class: 'day', role: 'separator' }, day));
      state.lastDay = day;
    }
    messagesEl.append(node);
    return true;
  }

  /** Zalo: string ids, no edits, so a message is shown once, in the order it came. */
  function upsertZalo(message, seq) {
    const id = String(message.message_id);
    if (state.versions.has(id)) return false;
    state.versions.set(id, seq);
    const empty = messagesEl.querySelector('.empty');
    if (empty) empty.remove();
    const day = dayKey(message.date);
    if (day && day !== state.lastDay) {
      messagesEl.append(h('div', { class: 'day', role: 'separator' }, day));
      state.lastDay = day;
    }
    messagesEl.append(renderMessage(message));
    return true;
  }

  function removeMessage(id) {
    const old = messagesEl.querySelector(`.msg[data-message-id="${Number(id)}"]`);
    if (old) old.remove();
    state.versions.set(Number(id), Number.MAX_SAFE_INTEGER);
    showEmptyIfNeeded();
  }

  function nearBottom() {
    return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 160;
  }
  function scrollToBottom(force) {
    if (force || nearBottom()) messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  // ------------------------------------------------------------------ the reply keyboard
  function setReplyKeyboard(markup, seq) {
    if (seq < state.keyboardSeq) return;
    state.keyboardSeq = seq;
    const next = markup && Array.isArray(markup.keyboard) ? markup : null;
    if (JSON.stringify(next) !== JSON.stringify(state.replyKeyboard)) state.keyboardHidden = false;
    state.replyKeyboard = next;
    renderReplyKeyboard();
  }

  function renderReplyKeyboard() {
    const box = $('reply-kb');
    const toggle = $('kb-toggle');
    const keyboard = state.replyKeyboard;
    box.replaceChildren();
    toggle.hidden = !keyboard;
    if (keyboard && keyboard.input_field_placeholder) textEl.placeholder = keyboard.input_field_placeholder;
    if (!keyboard || state.keyboardHidden) {
      box.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      return;
    }
    for (const row of keyboard.keyboard) {
      const line = h('div', { class: 'rkb-row' });
      for (const button of row || []) {
        const label = typeof button === 'string' ? button : String((button && button.text) || '');
        line.append(h('button', {
          type: 'button',
          class: 'rkb-btn',
          onclick: () => {
            sendText(label);
            if (keyboard.one_time_keyboard) {
              state.keyboardHidden = true;
              renderReplyKeyboard();
              textEl.focus();
            }
          },
        }, label));
      }
      box.append(line);
    }
    box.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
  }

  // ------------------------------------------------------------------ events
  function dispatch(events) {
    for (const event of events || []) {
      if (event.seq > state.globalSeq) state.globalSeq = event.seq;
      if (!inOpenChat(event)) continue;
      if (state.loading) state.buffer.push(event);
      else applyEvent(event);
    }
  }

  function applyEvent(event) {
    if (event.seq <= state.floor || state.seen.has(event.seq)) return;
    state.seen.add(event.seq);
    state.chatSeq = Math.max(state.chatSeq, event.seq);
    const follow = nearBottom();
    switch (event.type) {
      case 'message':
      case 'edit': {
        const fresh = upsert(event.message, event.seq);
        if (Object.prototype.hasOwnProperty.call(event, 'reply_keyboard')) {
          setReplyKeyboard(event.reply_keyboard, event.seq);
        }
        if (follow || (fresh && isMine(event.message))) scrollToBottom(true);
        break;
      }
      case 'delete':
        removeMessage(event.message_id);
        break;
      case 'callback_answer':
        callbackAnswered(event.callback_query_id, event.answer || {});
        break;
      default:
        break;
    }
  }

  function setConnected(ok, share) {
    if (state.connected !== ok) {
      state.connected = ok;
      $('conn').hidden = ok;
    }
    if (share && channel) channel.postMessage({ kind: 'conn', ok });
  }

  /** The events of the open chat since the last one applied: a short request, no waiting. */
  async function catchUp() {
    const chatId = state.chatId;
    if (chatId === null || state.loading) return;
    try {
      const answer = await api(`/events?chat_id=${encodeURIComponent(chatId)}&after=${state.chatSeq}&timeout=0${channelQuery()}`);
      if (state.chatId === chatId && !state.loading) dispatch(answer.result);
      if (state.mode !== 'leader') setConnected(true, false);
    } catch (_) {
      if (state.mode !== 'leader') setConnected(false, false);
    }
  }

  /** The elected tab: one long poll for every chat, shared with the other tabs. */
  async function leaderLoop() {
    state.mode = 'leader';
    let after = state.globalSeq;
    if (!after) {
      // Start from now: each tab loads its chat's past from the transcript.
      try {
        after = (await api('/events?chat_id=0&after=0&timeout=0')).last_seq || 0;
      } catch (_) {
        after = 0;
      }
    }
    let delay = 1000;
    for (;;) {
      try {
        const answer = await api(`/events?after=${after}&timeout=${POLL_SECONDS}`);
        const events = answer.result || [];
        const last = Math.max(answer.last_seq || 0, ...events.map((e) => e.seq));
        if ((answer.last_seq || 0) < after) {
          // The sandbox restarted: its numbering began again. Start afresh, in every tab.
          if (channel) channel.postMessage({ kind: 'reset' });
          window.location.reload();
          return;
        }
        after = last;
        if (channel) channel.postMessage({ kind: 'events', events, last_seq: last });
        dispatch(events);
        state.globalSeq = Math.max(state.globalSeq, last);
        setConnected(true, true);
        delay = 1000;
      } catch (_) {
        setConnected(false, true);
        await sleep(delay);
        delay = Math.min(delay * 2, 15000);
      }
    }
  }

  /** Fallback without Web Locks or BroadcastChannel: this tab polls its own chat. */
  async function startTabPoll() {
    if (state.tabAbort) state.tabAbort.abort();
    const controller = new AbortController();
    state.tabAbort = controller;
    const chatId = state.chatId;
    let delay = 1000;
    while (!controller.signal.aborted && state.chatId === chatId) {
      try {
        const answer = await api(`/events?chat_id=${encodeURIComponent(chatId)}&after=${state.chatSeq}&timeout=${POLL_SECONDS}${channelQuery()}`,
          { signal: controller.signal });
        if (controller.signal.aborted) return;
        dispatch(answer.result);
        setConnected(true, false);
        delay = 1000;
      } catch (_) {
        if (controller.signal.aborted) return;
        setConnected(false, false);
        await sleep(delay);
        delay = Math.min(delay * 2, 15000);
      }
    }
  }

  function startUpdates() {
    const canShare = 'BroadcastChannel' in window && navigator.locks && typeof navigator.locks.request === 'function';
    if (!canShare) {
      state.mode = 'tab';
      return;
    }
    channel = new BroadcastChannel(CHANNEL_NAME);
    state.mode = 'follower';
    channel.addEventListener('message', (event) => {
      const data = event.data || {};
      state.lastBeat = Date.now();
      if (data.kind === 'events') {
        dispatch(data.events);
        state.globalSeq = Math.max(state.globalSeq, data.last_seq || 0);
        setConnected(true, false);
      } else if (data.kind === 'conn') {
        setConnected(Boolean(data.ok), false);
      } else if (data.kind === 'reset') {
        window.location.reload();
      }
    });
    navigator.locks.request(LOCK_NAME, () => leaderLoop());
    // A follower whose poller falls silent (a frozen background tab) catches up by itself.
    setInterval(() => {
      if (state.mode === 'follower' && Date.now() - state.lastBeat > SILENT_LEADER_MS) catchUp();
    }, 5000);
  }

  // ------------------------------------------------------------------ acting
  async function sendText(raw) {
    const text = String(raw || '').trim();
    if (!text || !state.me) return;
    try {
      const payload = isZalo()
        ? { channel: 'zalo', from_id: state.me.id, text }
        : { from_id: state.me.id, chat_id: state.chatId, text };
      const answer = await postJson('/send', payload);
      const message = answer.result && answer.result.message;
      if (message && inOpenChat({ channel: state.channel, chat_id: message.chat.id })) {
        if (upsert(message, 0)) scrollToBottom(true);
      }
    } catch (error) {
      toast(`Không gửi được: ${error.message}`);
    }
  }

  async function uploadFile(file) {
    if (!file || !state.me) return;
    if (isZalo() && !/^image\/(jpeg|png)$/.test(file.type)) {
      toast('Bot Zalo chỉ nhận ảnh (JPEG hoặc PNG).');
      return;
    }
    const form = new FormData();
    form.append('from_id', String(state.me.id));
    if (isZalo()) form.append('channel', 'zalo');
    else form.append('chat_id', String(state.chatId));
    const caption = textEl.value.trim();
    if (caption) form.append('caption', caption);
    form.append('file', file, file.name);
    // As Telegram's apps do by default: a picture goes as a photo, anything else as a document.
    if (/^image\/(jpeg|png|webp)$/.test(file.type)) form.append('photo', '1');
    toast(`Đang gửi «${file.name}»…`);
    try {
      const answer = await api('/upload', { method: 'POST', body: form });
      if (caption) {
        textEl.value = '';
        autosize();
      }
      const message = answer.result && answer.result.message;
      if (message && inOpenChat({ channel: state.channel, chat_id: message.chat.id }) && upsert(message, 0)) {
        scrollToBottom(true);
      }
      toast(`Đã gửi «${file.name}».`);
    } catch (error) {
      toast(error.status === 413 ? 'Tệp quá lớn (tối đa 50 MB).' : `Không gửi được tệp: ${error.message}`);
    }
  }

  async function sendSticker(sticker) {
    if (!state.me || !isZalo()) return;
    $('sticker-tray').hidden = true;
    $('sticker-btn').setAttribute('aria-expanded', 'false');
    try {
      const answer = await postJson('/sticker', { channel: 'zalo', from_id: state.me.id, sticker });
      const message = answer.result && answer.result.message;
      if (message && upsert(message, 0)) scrollToBottom(true);
    } catch (error) {
      toast(`Không gửi được nhãn dán: ${error.message}`);
    }
  }

  async function toggleStickers() {
    const tray = $('sticker-tray');
    if (!tray.hidden) {
      tray.hidden = true;
      $('sticker-btn').setAttribute('aria-expanded', 'false');
      return;
    }
    if (!state.stickers.length) {
      try {
        state.stickers = (await api('/stickers')).result || [];
      } catch (error) {
        toast(`Không tải được nhãn dán: ${error.message}`);
        return;
      }
    }
    tray.replaceChildren(...state.stickers.map((sticker) => h('button', {
      type: 'button',
      class: 'sticker-choice',
      'data-sticker': sticker.id,
      title: `Gửi nhãn dán ${sticker.emoji}`,
      'aria-label': `Gửi nhãn dán ${sticker.emoji}`,
      onclick: () => sendSticker(sticker.id),
    }, sticker.emoji)));
    tray.hidden = false;
    $('sticker-btn').setAttribute('aria-expanded', 'true');
  }

  async function press(message, button, node) {
    if (node.getAttribute('aria-busy') === 'true') return;
    node.setAttribute('aria-busy', 'true');
    let timer = null;
    const finish = () => {
      clearTimeout(timer);
      node.removeAttribute('aria-busy');
    };
    try {
      const answer = await postJson('/press', {
        from_id: state.me.id,
        chat_id: state.chatId,
        message_id: message.message_id,
        data: button.callback_data,
      });
      const id = answer.result && answer.result.callback_query_id;
      if (id && state.early.has(id)) {
        const early = state.early.get(id);
        state.early.delete(id);
        finish();
        showAnswer(early);
      } else if (id) {
        timer = setTimeout(() => {
          state.pending.delete(id);
          finish();
        }, 15000);
        state.pending.set(id, finish);
      } else {
        finish();
      }
    } catch (error) {
      finish();
      toast(`Không bấm được nút: ${error.message}`);
    }
  }

  function callbackAnswered(id, answer) {
    const finish = state.pending.get(id);
    if (finish) {
      state.pending.delete(id);
      finish();
      showAnswer(answer);
    } else {
      // Possibly ours, before our press request returned; kept briefly (other people's are never claimed).
      state.early.set(id, answer);
      setTimeout(() => state.early.delete(id), 20000);
    }
  }

  function showAnswer(answer) {
    if (!answer || !answer.text) return;
    if (answer.show_alert) showAlert(answer.text);
    else toast(answer.text);
  }

  let toastTimer = null;
  function toast(text) {
    const box = $('toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, Math.min(8000, 2500 + text.length * 40));
  }

  function showAlert(text) {
    const dialog = $('alert');
    $('alert-text').textContent = text;
    if (typeof dialog.showModal === 'function') {
      if (!dialog.open) dialog.showModal();
    } else {
      window.alert(text);
    }
  }

  // ------------------------------------------------------------------ commands and the text box
  async function loadCommands() {
    if (state.chatId === null) return;
    if (isZalo()) {
      state.commands = []; // Zalo has no command menu
      return;
    }
    const chatId = state.chatId;
    const persona = state.me ? personaOf(state.me.id) : null;
    const language = (persona && persona.language) || (state.me && state.me.language_code) || '';
    try {
      const answer = await api(`/commands?chat_id=${chatId}&language_code=${encodeURIComponent(language)}`);
      if (state.chatId === chatId) state.commands = answer.result || [];
    } catch (_) {
      state.commands = state.commands || [];
    }
  }

  function hideSuggestions() {
    const list = $('suggest');
    list.hidden = true;
    list.replaceChildren();
    state.suggestions = [];
    state.active = -1;
    textEl.removeAttribute('aria-activedescendant');
    $('suggest-status').textContent = '';
  }

  function updateSuggestions() {
    const value = textEl.value;
    const match = /^\/([A-Za-z0-9_]*)(@\S*)?$/.exec(value);
    if (!match) {
      hideSuggestions();
      return;
    }
    const prefix = match[1].toLowerCase();
    const items = state.commands.filter((c) => c.command.toLowerCase().startsWith(prefix));
    if (!items.length) {
      hideSuggestions();
      return;
    }
    const list = $('suggest');
    state.suggestions = items;
    state.active = Math.min(state.active, items.length - 1);
    list.replaceChildren(...items.map((command, index) => h('li', {
      id: `sg-${index}`,
      role: 'option',
      'aria-selected': index === state.active ? 'true' : 'false',
      'data-command': command.command,
      onmousedown: (event) => event.preventDefault(),
      onclick: () => chooseSuggestion(index, true),
    },
    h('span', { class: 'cmd-name' }, `/${command.command}`),
    h('span', { class: 'cmd-desc' }, command.description || ''))));
    list.hidden = false;
    $('suggest-status').textContent = `${items.length} lệnh gợi ý; mũi tên lên xuống để chọn, Tab để điền.`;
  }

  function moveActive(step) {
    const count = state.suggestions.length;
    if (!count) return;
    state.active = (state.active + step + count) % count;
    const items = $('suggest').querySelectorAll('li');
    items.forEach((item, index) => item.setAttribute('aria-selected', index === state.active ? 'true' : 'false'));
    const current = items[state.active];
    if (current) {
      current.scrollIntoView({ block: 'nearest' });
      textEl.setAttribute('aria-activedescendant', current.id);
      $('suggest-status').textContent = `/${state.suggestions[state.active].command}: ${state.suggestions[state.active].description || ''}`;
    }
  }

  function chooseSuggestion(index, send) {
    const command = state.suggestions[index];
    if (!command) return;
    hideSuggestions();
    if (send) {
      textEl.value = '';
      autosize();
      sendText(`/${command.command}`);
    } else {
      textEl.value = `/${command.command} `;
      autosize();
    }
    textEl.focus();
  }

  function autosize() {
    textEl.style.height = 'auto';
    textEl.style.height = `${Math.min(textEl.scrollHeight, 140)}px`;
  }

  function submit() {
    const value = textEl.value;
    if (!value.trim()) return;
    textEl.value = '';
    autosize();
    hideSuggestions();
    sendText(value);
  }

  function wireComposer() {
    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      submit();
      textEl.focus();
    });
    textEl.addEventListener('keydown', (event) => {
      if (event.isComposing || event.keyCode === 229) return; // an input method (Telex, VNI) is composing
      const open = !$('suggest').hidden;
      if (open && event.key === 'ArrowDown') { event.preventDefault(); moveActive(1); return; }
      if (open && event.key === 'ArrowUp') { event.preventDefault(); moveActive(-1); return; }
      if (open && event.key === 'Escape') { event.preventDefault(); hideSuggestions(); return; }
      if (open && event.key === 'Tab' && !event.shiftKey) {
        event.preventDefault();
        chooseSuggestion(Math.max(state.active, 0), false);
        return;
      }
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        if (open && state.active >= 0) chooseSuggestion(state.active, true);
        else submit();
      }
    });
    textEl.addEventListener('input', () => {
      autosize();
      if (textEl.value === '/') {
        state.active = -1;
        loadCommands().then(updateSuggestions);
      }
      updateSuggestions();
    });
    textEl.addEventListener('blur', () => setTimeout(() => {
      if (document.activeElement !== textEl) hideSuggestions();
    }, 150));
    $('file-input').addEventListener('change', (event) => {
      const input = event.target;
      const file = input.files && input.files[0];
      if (file) uploadFile(file);
      input.value = '';
    });
    $('sticker-btn').addEventListener('click', toggleStickers);
    $('kb-toggle').addEventListener('click', () => {
      state.keyboardHidden = !state.keyboardHidden;
      renderReplyKeyboard();
    });
  }

  // ------------------------------------------------------------------ start
  async function loadDirectory() {
    const [info, users, chats, zaloUsers] = await Promise.all([
      api('/info'),
      api('/users').catch(() => ({ result: [] })),
      api('/chats').catch(() => ({ result: [] })),
      api('/users?channel=zalo').catch(() => ({ result: [] })),
    ]);
    state.zaloUsers = new Map((zaloUsers.result || []).map((u) => [String(u.id), u]));
    state.bot = info.result.bot;
    state.personas = info.result.personas || [];
    state.users = new Map((users.result || []).map((u) => [Number(u.id), u]));
    state.groups = (chats.result || []).filter((c) => Number(c.id) < 0);
  }

  async function boot() {
    wireComposer();
    $('back').addEventListener('click', showPicker);
    $('picker-close').addEventListener('click', () => route());
    $('picker-filter').addEventListener('input', renderPicker);
    for (const radio of document.querySelectorAll('input[name="channel"]')) {
      radio.addEventListener('change', () => {
        state.pickerChannel = radio.value;
        state.pickerGroup = null;
        renderPicker();
      });
    }
    window.addEventListener('hashchange', route);
    for (let delay = 1000; ; delay = Math.min(delay * 2, 10000)) {
      try {
        await loadDirectory();
        break;
      } catch (error) {
        $('picker-list').replaceChildren(h('p', { class: 'picker-empty' },
          `Chưa kết nối được tới bản thử (${error.message}). Đang thử lại…`));
        await sleep(delay);
      }
    }
    startUpdates();
    route();
  }

  // For tests and the curious: the formatter, and how this tab receives updates.
  window.WebChat = Object.freeze({
    renderFormatted,
    get updates() {
      return state.mode;
    },
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
