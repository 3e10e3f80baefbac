// The sandbox's Slack-like client. It draws what /sandbox/state says one person sees and
// posts what they do to /sandbox/*; the stand-in turns each action into the signed request
// Slack would send the app. No app behaviour lives here: only rendering and forwarding.
"use strict";

const POLL_MS = 1000;
const EMOJI = {
  warning: "⚠️", white_check_mark: "✅", lock: "🔒", rotating_light: "🚨", hourglass: "⌛",
  zzz: "💤", shield: "🛡️", pager: "📟", page_facing_up: "📄", memo: "📝",
  information_source: "ℹ️", hourglass_flowing_sand: "⏳", file_cabinet: "🗄️",
  clipboard: "📋", bar_chart: "📊", alarm_clock: "⏰", twisted_rightwards_arrows: "🔀",
  sunrise: "🌅", red_circle: "🔴", pushpin: "📌", handshake: "🤝",
  busts_in_silhouette: "👥", arrows_counterclockwise: "🔄", fire: "🔥", eyes: "👀",
  heavy_check_mark: "✔️", x: "❌", bell: "🔔", calendar: "📅", link: "🔗",
  large_green_circle: "🟢", large_yellow_circle: "🟡", large_orange_circle: "🟠",
  tada: "🎉", thumbsup: "👍", "+1": "👍", wave: "👋", mag: "🔍", pencil: "✏️",
};

const ui = {
  me: null, channel: null, showHome: false, state: null, lastJson: "",
  modalKey: "", seen: {}, people: {}, channels: {}, groups: {}, parts: {}, scrollDown: false,
};

// ---- small helpers ----------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function toast(text, kind = "error") {
  const note = el("div", { class: `toast ${kind}`, role: "status" }, text);
  $("toasts").append(note);
  setTimeout(() => note.remove(), kind === "error" ? 9000 : 4000);
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: ui.me, ...body }),
  });
  let answer = {};
  try { answer = await response.json(); } catch (_) { /* an empty answer */ }
  if (!response.ok) {
    toast(answer.error || `The sandbox answered HTTP ${response.status}`);
    return null;
  }
  for (const problem of answer.problems || []) toast(`Slack: ${problem}`);
  await refresh();
  return answer;
}

function myZone() {
  const me = ui.people[ui.me];
  return (me && me.tz) || "UTC";
}

// ---- time, as Slack shows it in each reader's zone --------------------------------------

function parts(epochSeconds, zone) {
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, year: "numeric", month: "long", day: "numeric", weekday: "long",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const out = {};
  for (const part of format.formatToParts(new Date(epochSeconds * 1000))) {
    out[part.type] = part.value;
  }
  return out;
}

function dayNumber(epochSeconds, zone) {
  const p = parts(epochSeconds, zone);
  const month = new Date(`${p.month} 1, 2000`).getMonth();
  return Date.UTC(Number(p.year), month, Number(p.day)) / 86400000;
}

function ordinal(day) {
  const n = Number(day);
  const suffix = n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd"
    : n % 10 === 3 && n !== 13 ? "rd" : "th";
  return `${n}${suffix}`;
}

function slackDate(epochSeconds, layout) {
  const zone = myZone();
  const p = parts(epochSeconds, zone);
  const now = ui.state ? ui.state.now : Date.now() / 1000;
  const delta = dayNumber(epochSeconds, zone) - dayNumber(now, zone);
  const relative = { "-1": "yesterday", 0: "today", 1: "tomorrow" }[delta];
  const short = `${p.month.slice(0, 3)} ${ordinal(p.day)}, ${p.year}`;
  const full = `${p.month} ${ordinal(p.day)}, ${p.year}`;
  const long = `${p.weekday}, ${full}`;
  const monthNumber = String(new Date(`${p.month} 1, 2000`).getMonth() + 1).padStart(2, "0");
  const tokens = {
    date_num: `${p.year}-${monthNumber}-${String(p.day).padStart(2, "0")}`,
    date: full, date_short: short, date_long: long,
    date_pretty: relative || full, date_short_pretty: relative || short,
    date_long_pretty: relative || long,
    time: `${p.hour}:${p.minute}`, time_secs: `${p.hour}:${p.minute}:${p.second}`,
  };
  return layout.replace(/\{(\w+)\}/g, (whole, name) => tokens[name] || whole);
}

// ---- mrkdwn -----------------------------------------------------------------------------

function emoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

function token(inner) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const person = ui.people[target.slice(1)];
    return `<span class="mention">@${escapeHtml(person ? person.name : target.slice(1))}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = label || (ui.channels[id] && ui.channels[id].name) || id;
    return `<a href="#" class="channel-link" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
  }
  if (target.startsWith("!date^")) {
    const [, ts, layout, link] = target.split("^");
    const shown = escapeHtml(slackDate(Number(ts), layout || "{date}"));
    return link ? `<a href="${escapeHtml(link)}">${shown}</a>` : `<time>${shown}</time>`;
  }
  if (target.startsWith("!subteam^")) {
    const group = ui.groups[target.split("^")[1]];
    const handle = label || (group ? `@${group.handle}` : "@group");
    return `<span class="mention">${escapeHtml(handle)}</span>`;
  }
  if (target.startsWith("!")) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  if (/^(https?:|mailto:)/.test(target)) {
    return `<a href="${escapeHtml(target)}" target="_blank" rel="noopener">${
      escapeHtml(label || target)}</a>`;
  }
  return escapeHtml(`<${inner}>`);
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function inlineMrkdwn(text) {
  // Text between tokens: entities decoded, made safe, then Slack's emphasis applied.
  let html = escapeHtml(decodeEntities(text));
  html = html.replace(/`([^`\n]+)`/g, "<code>$1</code>");
  html = html.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1<strong>$2</strong>");
  html = html.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, "$1<em>$2</em>");
  html = html.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, "$1<del>$2</del>");
  return emoji(html);
}

function mrkdwn(text) {
  const chunks = String(text || "").split("```");
  return chunks.map((chunk, index) => {
    if (index % 2 === 1) return `<pre>${escapeHtml(decodeEntities(chunk))}</pre>`;
    const lines = chunk.split("\n").map((line) => {
      const quote = line.startsWith("&gt; ") || line.startsWith("> ");
      const body = quote ? line.replace(/^(&gt;|>) /, "") : line;
      const html = body.split(/(<[^<>]*>)/).map((piece) =>
        piece.startsWith("<") && piece.endsWith(">") ? token(piece.slice(1, -1))
          : inlineMrkdwn(piece)).join("");
      return quote ? `<blockquote>${html}</blockquote>` : html;
    });
    return lines.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  }).join("");
}

function textObject(object, cls = "") {
  if (!object) return el("span");
  if (object.type === "mrkdwn") return el("div", { class: `mrkdwn ${cls}`, html: mrkdwn(object.text) });
  const text = String(object.text || "");
  return el("div", { class: `plain ${cls}` }, object.emoji === false ? text : emoji(text));
}

function plain(object) {
  return object ? String(object.text || "") : "";
}

// ---- Block Kit --------------------------------------------------------------------------

// `where`: {kind: "message", channel, ts, ephemeral} (elements act), or {kind: "view"}
// (modal inputs are collected on submit; other elements there are shown inert).
function renderBlocks(blocks, where) {
  return el("div", { class: "blocks" }, (blocks || []).map((block) => renderBlock(block, where)));
}

function renderBlock(block, where) {
  const attrs = { class: `block block-${block.type}`, dataset: { blockId: block.block_id || "" } };
  switch (block.type) {
    case "section": {
      const node = el("div", attrs);
      const body = el("div", { class: "section-body" });
      if (block.text) body.append(textObject(block.text));
      if (block.fields) {
        body.append(el("div", { class: "fields" }, block.fields.map((f) => textObject(f, "field"))));
      }
      node.append(body);
      if (block.accessory) node.append(renderElement(block.accessory, block, where));
      return node;
    }
    case "header":
      return el("div", attrs, el("h3", {}, plain(block.text)));
    case "divider":
      return el("hr", attrs);
    case "context":
      return el("div", attrs, (block.elements || []).map((item) => item.type === "image"
        ? el("img", { src: item.image_url, alt: item.alt_text, class: "context-image" })
        : textObject(item, "context-text")));
    case "actions":
      return el("div", attrs, (block.elements || []).map((e) => renderElement(e, block, where)));
    case "image":
      return el("figure", attrs,
        block.title ? el("figcaption", {}, plain(block.title)) : null,
        el("img", { src: block.image_url || (block.slack_file && block.slack_file.url) || "",
          alt: block.alt_text || "" }));
    case "rich_text":
      return el("div", attrs, (block.elements || []).map(renderRichElement));
    case "input":
      return renderInput(block, where);
    default:
      return el("div", { ...attrs, class: "block block-unknown" }, `[${block.type} block]`);
  }
}

function renderRichElement(element) {
  const inline = (items) => (items || []).map((item) => {
    let node;
    if (item.type === "link") {
      node = el("a", { href: item.url, target: "_blank", rel: "noopener" }, item.text || item.url);
    } else if (item.type === "user") {
      const person = ui.people[item.user_id];
      node = el("span", { class: "mention" }, `@${person ? person.name : item.user_id}`);
    } else if (item.type === "channel") {
      const channel = ui.channels[item.channel_id];
      node = el("span", { class: "mention" }, `#${channel ? channel.name : item.channel_id}`);
    } else if (item.type === "emoji") {
      node = document.createTextNode(EMOJI[item.name] || `:${item.name}:`);
    } else {
      node = document.createTextNode(item.text || "");
    }
    const style = item.style || {};
    if (style.code) node = el("code", {}, node);
    if (style.bold) node = el("strong", {}, node);
    if (style.italic) node = el("em", {}, node);
    if (style.strike) node = el("del", {}, node);
    return node;
  });
  switch (element.type) {
    case "rich_text_section":
      return el("div", { class: "rich-section" }, inline(element.elements));
    case "rich_text_quote":
      return el("blockquote", {}, inline(element.elements));
    case "rich_text_preformatted":
      return el("pre", {}, inline(element.elements));
    case "rich_text_list":
      return el(element.style === "ordered" ? "ol" : "ul", {},
        (element.elements || []).map((item) => el("li", {}, renderRichElement(item))));
    default:
      return el("div", {}, inline(element.elements));
  }
}

function allOptions(element) {
  const options = [...(element.options || [])];
  for (const group of element.option_groups || []) options.push(...group.options);
  return options;
}

function act(where, element, extra) {
  if (where.kind !== "message") {
    toast("The sandbox forwards clicks on messages; this element is shown only.", "info");
    return;
  }
  const send = () => post("/sandbox/click", {
    channel: where.channel, ts: where.ts, ephemeral: where.ephemeral,
    action_id: element.action_id, ...extra,
  });
  if (element.confirm) confirmThen(element.confirm, send);
  else send();
}

function confirmThen(confirm, go) {
  const dialog = el("div", { class: "confirm", role: "alertdialog" },
    el("h3", {}, plain(confirm.title)),
    textObject(confirm.text),
    el("div", { class: "confirm-buttons" },
      el("button", { type: "button", onclick: () => dialog.remove() }, plain(confirm.deny) || "Cancel"),
      el("button", { type: "button", class: "primary",
        onclick: () => { dialog.remove(); go(); } }, plain(confirm.confirm) || "Yes")));
  document.body.append(dialog);
}

function peopleOptions(selected) {
  return Object.values(ui.people).filter((p) => !p.is_bot).map((p) =>
    el("option", { value: p.id, selected: p.id === selected }, `${p.real_name} (@${p.name})`));
}

function renderElement(element, block, where) {
  const data = { dataset: { actionId: element.action_id || "" } };
  switch (element.type) {
    case "button":
      return el("button", { type: "button", ...data,
        class: `button ${element.style || ""}`,
        onclick: () => {
          if (element.url) window.open(element.url, "_blank", "noopener");
          act(where, element, {});
        } }, plain(element.text));
    case "static_select":
    case "external_select":
    case "overflow": {
      const initial = element.initial_option && element.initial_option.value;
      const label = element.type === "overflow" ? "⋯" : plain(element.placeholder) || "Choose…";
      return el("select", { ...data, class: `select ${element.type}`,
        onchange: (event) => act(where, element, { selected_option: event.target.value }) },
        el("option", { value: "", disabled: true, selected: !initial }, label),
        allOptions(element).map((o) => el("option", { value: o.value, selected: o.value === initial },
          plain(o.text))));
    }
    case "users_select":
      return el("select", { ...data, class: "select users_select",
        onchange: (event) => act(where, element, { selected_user: event.target.value }) },
        el("option", { value: "", disabled: true, selected: !element.initial_user },
          plain(element.placeholder) || "Choose a person…"),
        peopleOptions(element.initial_user));
    case "datepicker":
      return el("input", { ...data, type: "date", value: element.initial_date || "",
        onchange: (event) => act(where, element, { value: event.target.value }) });
    case "image":
      return el("img", { src: element.image_url, alt: element.alt_text, class: "accessory-image" });
    default:
      return el("span", { class: "unsupported" }, `[${element.type}]`);
  }
}

// ---- modal inputs -----------------------------------------------------------------------

function zonedToEpoch(localValue, zone) {
  // "2026-11-27T18:00" read as wall time in `zone` (the person's Slack time zone).
  const [datePart, timePart] = localValue.split("T");
  const [y, m, d] = datePart.split("-").map(Number);
  const [hh, mm] = timePart.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm) / 1000;
  const offsetAt = (epoch) => {
    const p = parts(epoch, zone);
    const month = new Date(`${p.month} 1, 2000`).getMonth();
    const asUtc = Date.UTC(Number(p.year), month, Number(p.day), Number(p.hour),
      Number(p.minute), Number(p.second)) / 1000;
    return asUtc - epoch;
  };
  const first = guess - offsetAt(guess);
  return guess - offsetAt(first);
}

function epochToZoned(epoch, zone) {
  const p = parts(epoch, zone);
  const month = String(new Date(`${p.month} 1, 2000`).getMonth() + 1).padStart(2, "0");
  return `${p.year}-${month}-${String(p.day).padStart(2, "0")}T${p.hour}:${p.minute}`;
}

function renderInput(block, where) {
  const element = block.element || {};
  const key = `${block.block_id}.${element.action_id}`;
  const error = where.errors && where.errors[block.block_id];
  const data = { dataset: { input: key, kind: element.type, actionId: element.action_id } };
  let control;
  switch (element.type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_text_input": {
      const type = { email_text_input: "email", url_text_input: "url",
        number_text_input: "number" }[element.type] || "text";
      control = element.multiline
        ? el("textarea", { ...data, rows: 4, maxlength: element.max_length,
          placeholder: plain(element.placeholder) })
        : el("input", { ...data, type, maxlength: element.max_length,
          placeholder: plain(element.placeholder) });
      control.value = element.initial_value || "";
      break;
    }
    case "static_select":
    case "radio_buttons": {
      const initial = element.initial_option && element.initial_option.value;
      control = el("select", data,
        el("option", { value: "", selected: !initial }, plain(element.placeholder) || "Choose…"),
        allOptions(element).map((o) => el("option", { value: o.value, selected: o.value === initial },
          plain(o.text))));
      break;
    }
    case "multi_static_select":
      control = el("select", { ...data, multiple: true },
        allOptions(element).map((o) => el("option", { value: o.value,
          selected: (element.initial_options || []).some((i) => i.value === o.value) },
        plain(o.text))));
      break;
    case "users_select":
      control = el("select", data,
        el("option", { value: "", selected: !element.initial_user },
          plain(element.placeholder) || "Choose a person…"),
        peopleOptions(element.initial_user));
      break;
    case "multi_users_select":
      control = el("select", { ...data, multiple: true },
        Object.values(ui.people).filter((p) => !p.is_bot).map((p) => el("option", { value: p.id,
          selected: (element.initial_users || []).includes(p.id) }, p.real_name)));
      break;
    case "checkboxes":
      control = el("div", { ...data, class: "checkboxes" }, allOptions(element).map((o) =>
        el("label", {}, el("input", { type: "checkbox", value: o.value,
          checked: (element.initial_options || []).some((i) => i.value === o.value) }),
        ` ${plain(o.text)}`)));
      break;
    case "datepicker":
      control = el("input", { ...data, type: "date", value: element.initial_date || "" });
      break;
    case "timepicker":
      control = el("input", { ...data, type: "time", value: element.initial_time || "" });
      break;
    case "datetimepicker":
      control = el("input", { ...data, type: "datetime-local",
        value: element.initial_date_time ? epochToZoned(element.initial_date_time, myZone()) : "" });
      break;
    default:
      control = el("span", { class: "unsupported" }, `[${element.type} input]`);
  }
  const label = el("label", { class: "input-label" }, plain(block.label),
    block.optional ? el("span", { class: "optional" }, " (optional)") : null);
  return el("div", { class: `block block-input${error ? " has-error" : ""}`,
    dataset: { blockId: block.block_id } },
  label, control,
  block.hint ? el("div", { class: "hint" }, plain(block.hint)) : null,
  error ? el("div", { class: "input-error", role: "alert" }, error) : null);
}

function inputValue(node) {
  const kind = node.dataset.kind;
  if (kind === "checkboxes") {
    return [...node.querySelectorAll("input:checked")].map((box) => box.value);
  }
  if (node.multiple) return [...node.selectedOptions].map((o) => o.value);
  const value = node.value;
  if (kind === "datetimepicker") return value ? zonedToEpoch(value, myZone()) : null;
  if (["static_select", "radio_buttons", "users_select", "datepicker", "timepicker"].includes(kind)) {
    return value || null;
  }
  return value;
}

// ---- drawing ------------------------------------------------------------------------------

function conversationItem(c) {
  const unread = Math.max(0, c.messages - (ui.seen[`${ui.me}:${c.id}`] ?? c.messages));
  const prefix = c.is_im ? "● " : c.is_private ? "🔒 " : "# ";
  return el("li", {},
    el("a", { href: "#", class: `nav-item${c.id === ui.channel && !ui.showHome ? " active" : ""}${
      c.is_member ? "" : " not-member"}${unread ? " unread" : ""}`,
    dataset: { channel: c.id, name: c.name },
    onclick: (event) => { event.preventDefault(); openChannel(c.id); } },
    `${prefix}${c.name}`, c.is_archived ? " (archived)" : "",
    unread ? el("span", { class: "badge" }, unread) : null));
}

function messageNode(m) {
  const where = { kind: "message", channel: ui.channel, ts: m.ts, ephemeral: m.ephemeral };
  const body = el("div", { class: "message-body" });
  if (m.blocks && m.blocks.length) body.append(renderBlocks(m.blocks, where));
  else if (m.text) body.append(el("div", { class: "mrkdwn", html: mrkdwn(m.text) }));
  for (const attachment of m.attachments || []) {
    body.append(el("div", { class: "attachment", style: `border-color:${attachment.color || "#ddd"}` },
      attachment.blocks ? renderBlocks(attachment.blocks, where) : null,
      attachment.text ? el("div", { class: "mrkdwn", html: mrkdwn(attachment.text) }) : null));
  }
  for (const file of m.files || []) {
    const href = `/files/${encodeURIComponent(file.id)}`;
    body.append((file.mimetype || "").startsWith("image/")
      ? el("figure", { class: "file" }, el("figcaption", {}, file.title || file.name),
        el("img", { src: href, alt: file.title || file.name }))
      : el("a", { class: "file", href, download: file.name }, `📎 ${file.title || file.name}`));
  }
  const reactions = Object.entries(m.reactions || {}).map(([name, users]) =>
    el("span", { class: "reaction" }, `${EMOJI[name] || `:${name}:`} ${users.length}`));
  const pinned = ui.state.conversations.find((c) => c.id === ui.channel);
  const isPinned = pinned && pinned.pins.includes(m.ts);
  return el("article", { class: `message${m.ephemeral ? " ephemeral" : ""}${m.thread_ts && m.thread_ts !== m.ts ? " reply" : ""}`,
    dataset: { ts: m.ts, user: m.user } },
  el("header", {},
    el("strong", {}, m.user_name), m.is_bot ? el("span", { class: "app-tag" }, "APP") : null,
    el("time", {}, slackDate(Number(m.ts), "{time}")),
    m.edited ? el("span", { class: "edited" }, "(edited)") : null,
    isPinned ? el("span", { class: "pinned" }, "📌 pinned") : null,
    m.ephemeral ? null : el("button", { type: "button", class: "react",
      title: "React with :pushpin:",
      onclick: () => post("/sandbox/react", { channel: ui.channel, ts: m.ts, name: "pushpin" }) },
    "📌+")),
  body,
  reactions.length ? el("div", { class: "reactions" }, reactions) : null,
  m.ephemeral ? el("div", { class: "ephemeral-note" }, "👁 Only visible to you") : null);
}

function drawSidebar(state) {
  $("channels").replaceChildren(...state.conversations.filter((c) => !c.is_im).map(conversationItem));
  const dms = state.conversations.filter((c) => c.is_im);
  $("dms").replaceChildren(...(dms.length ? dms.map(conversationItem)
    : [el("li", { class: "muted" }, "No messages from Firebreak yet")]));
  $("open-home").classList.toggle("active", ui.showHome);
}

function drawPane(state) {
  const home = $("home-view");
  if (ui.showHome) {
    $("pane-title").textContent = "Firebreak · Home";
    $("pane-topic").textContent = "";
    $("messages").hidden = true;
    $("composer").hidden = true;
    home.hidden = false;
    home.replaceChildren(state.home ? renderBlocks(state.home.view.blocks, { kind: "view" })
      : el("p", { class: "muted" }, "Opening the Home tab…"));
    return;
  }
  home.hidden = true;
  $("messages").hidden = false;
  $("composer").hidden = false;
  const channel = state.conversations.find((c) => c.id === state.channel);
  $("pane-title").textContent = channel ? `${channel.is_im ? "" : channel.is_private ? "🔒 " : "#"}${channel.name}` : "";
  $("pane-topic").innerHTML = channel && channel.topic ? mrkdwn(channel.topic) : "";
  $("composer-text").placeholder = channel
    ? `Message ${channel.is_im ? channel.name : `#${channel.name}`} — or /incident help, /incident declare …, /oncall`
    : "";
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...(state.messages.length ? state.messages.map(messageNode)
    : [el("p", { class: "muted" }, "No messages yet. Type a command below.")]));
  if (atBottom || ui.scrollDown) list.scrollTop = list.scrollHeight;
  ui.scrollDown = false;
  if (channel) ui.seen[`${ui.me}:${channel.id}`] = channel.messages;
}

function drawModal(state) {
  const backdrop = $("modal-backdrop");
  const modal = state.modal;
  if (!modal) {
    backdrop.hidden = true;
    ui.modalKey = "";
    return;
  }
  const key = JSON.stringify([modal.id, modal.view]);
  if (key === ui.modalKey) {
    // Same view: keep what the person typed, only show the app's field errors.
    for (const block of $("modal-blocks").querySelectorAll(".block-input")) {
      const error = modal.errors[block.dataset.blockId];
      block.classList.toggle("has-error", Boolean(error));
      let note = block.querySelector(".input-error");
      if (error && !note) block.append(note = el("div", { class: "input-error", role: "alert" }));
      if (note) { if (error) note.textContent = error; else note.remove(); }
    }
    return;
  }
  ui.modalKey = key;
  const view = modal.view;
  $("modal").dataset.viewId = modal.id;
  $("modal").dataset.callbackId = view.callback_id || "";
  $("modal-title").textContent = plain(view.title);
  $("modal-submit").textContent = plain(view.submit) || "Submit";
  $("modal-submit").hidden = !view.submit;
  $("modal-close").textContent = plain(view.close) || "Cancel";
  $("modal-blocks").replaceChildren(renderBlocks(view.blocks, { kind: "view", errors: modal.errors }));
  backdrop.hidden = false;
}

function drawClock(state) {
  const p = parts(state.now, myZone());
  $("clock-now").textContent =
    `${p.weekday.slice(0, 3)} ${p.day} ${p.month.slice(0, 3)} ${p.hour}:${p.minute} (${myZone()})`;
}

function drawPeople(state) {
  const select = $("person");
  if (select.options.length) return;
  for (const person of state.people.filter((p) => !p.is_bot)) {
    const part = ui.parts[person.id];
    select.append(el("option", { value: person.id, selected: person.id === ui.me },
      `${person.real_name}${part ? ` — ${part}` : ""}`));
  }
}

function draw(state) {
  ui.people = Object.fromEntries(state.people.map((p) => [p.id, p]));
  ui.channels = Object.fromEntries(state.conversations.map((c) => [c.id, c]));
  ui.groups = Object.fromEntries(state.usergroups.map((g) => [g.id, g]));
  $("team").textContent = state.team;
  drawPeople(state);
  drawClock(state);
  drawSidebar(state);
  drawPane(state);
  drawModal(state);
}

// ---- state and actions ------------------------------------------------------------------

async function refresh() {
  const query = new URLSearchParams({ as: ui.me });
  if (ui.channel) query.set("channel", ui.channel);
  const response = await fetch(`/sandbox/state?${query}`);
  if (!response.ok) return;
  const text = await response.text();
  const state = JSON.parse(text);
  if (!ui.channel || state.channel !== ui.channel) {
    const first = state.conversations.find((c) => c.name === "general") || state.conversations[0];
    if (first && state.channel !== first.id) {
      ui.channel = first.id;
      return refresh();
    }
  }
  ui.state = state;
  if (text !== ui.lastJson) {
    ui.lastJson = text;
    draw(state);
  } else {
    drawClock(state);
  }
}

function remember() {
  const query = new URLSearchParams({ as: ui.me });
  if (ui.channel) query.set("channel", ui.channel);
  history.replaceState(null, "", `/?${query}`);
  localStorage.setItem("sandbox-person", ui.me);
}

function openChannel(id) {
  ui.channel = id;
  ui.showHome = false;
  ui.scrollDown = true;
  ui.lastJson = "";
  remember();
  refresh();
}

async function openHome() {
  ui.showHome = true;
  ui.lastJson = "";
  refresh();
  await post("/sandbox/home", {});
}

async function jump(text) {
  const answer = await post("/sandbox/clock", { text });
  if (answer) toast(`Sandbox time is now ${$("clock-now").textContent}`, "info");
}

function wire() {
  $("person").addEventListener("change", (event) => {
    ui.me = event.target.value;
    ui.lastJson = "";
    ui.modalKey = "";
    remember();
    if (ui.showHome) openHome(); else refresh();
  });
  $("open-home").addEventListener("click", openHome);
  for (const button of document.querySelectorAll("[data-jump]")) {
    button.addEventListener("click", () => jump(button.dataset.jump));
  }
  $("jump-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("jump-text").value.trim();
    if (text) jump(text).then(() => { $("jump-text").value = ""; });
  });
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("composer-text");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    ui.scrollDown = true;
    const answer = await post("/sandbox/command", { channel: ui.channel, text });
    if (!answer) box.value = text;
  });
  $("modal").addEventListener("submit", (event) => {
    event.preventDefault();
    const values = {};
    for (const node of $("modal-blocks").querySelectorAll("[data-input]")) {
      values[node.dataset.input] = inputValue(node);
    }
    post("/sandbox/submit", { view_id: $("modal").dataset.viewId, values });
  });
  $("modal-close").addEventListener("click", () =>
    post("/sandbox/cancel", { view_id: $("modal").dataset.viewId }));
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link) return;
    const channel = link.dataset.channel
      || (link.getAttribute("href") || "").match(/\/archives\/([A-Z0-9]+)/)?.[1];
    if (channel) {
      event.preventDefault();
      openChannel(channel);
    }
  });
}

async function start() {
  const query = new URLSearchParams(location.search);
  ui.me = query.get("as") || localStorage.getItem("sandbox-person") || "";
  ui.channel = query.get("channel") || null;
  wire();
  const people = await (await fetch("/sandbox/people")).json();
  ui.parts = Object.fromEntries(people.map((p) => [p.id, p.part]));
  if (!people.some((p) => p.id === ui.me)) ui.me = people[0].id;
  remember();
  await refresh();
  setInterval(() => { refresh().catch(() => {}); }, POLL_MS);
}

start();
