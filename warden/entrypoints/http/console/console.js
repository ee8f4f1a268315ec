// warden console: one small module, one render function per view. Every figure comes from the /v1 API with
// the bearer token the person pasted (kept in sessionStorage, so it leaves with the tab). DOM is built with
// textContent only (never innerHTML with data), except SVG drawn from numbers.

const I18N = {
  zh: {
    skip: "跳到内容", console: "控制台", token: "访问令牌", use: "使用", forget: "清除",
    tab_account: "账号", tab_weight: "权重", tab_review: "审核台", tab_unblock: "解封",
    account_id: "账号 ID", enterprise_id: "企业 ID", show: "查看", refresh: "刷新队列",
    footer: "所有数据来自 warden 接口（/v1），令牌只保存在本标签页（sessionStorage）。",
    try_title: "试一段文字：看看哪些字会被命中", try_label: "文字（问候语或消息）", try_go: "检测",
    no_token: "请先粘贴访问令牌。", token_saved: "令牌已保存在本标签页。", loading: "加载中…",
    state: "状态", can_add: "可主动加好友", can_login: "可登录", yes: "是", no: "否",
    restrictions: "生效中的限制", none_active: "当前没有生效的限制。", advice: "建议", strikes: "违规记录",
    rule: "规则", scope: "范围", reason: "原因", evidence: "证据", starts: "开始", ends: "结束", forever: "永久",
    remaining: "剩余", ended: "已到期", unblock: "解封", earliest: "最早", events: "事件", count: "次数",
    window: "时间窗", matched_text: "命中的原文", matched: "命中", at: "时间", severity: "等级", step: "阶梯",
    status: "状态", no_hits: "没有命中。", hits_in_text: "处命中", would_block: "会被拦截", would_pass: "不会被拦截", folded: "归一化文本", context: "策略情形",
    how: { wait: "到期自动解除", self_service: "可自助解封", appeal: "可申诉", none: "不可解封" },
    weight_account: "账号权重", weight_enterprise: "企业权重", factors: "各项得分", history: "历史",
    lowest: "拉低权重的成员", cascade: "连带处罚线", exposed: "已低于连带线", safe: "高于连带线",
    gain: "可提升", queue: "待审核队列", queue_empty: "队列为空。", due: "截止", overdue: "已超时", opened: "提交",
    subject: "对象", stage: "阶段", claimed_by: "认领人", kind: "类型", claim: "认领", release: "释放",
    open: "打开", checklist: "材料清单", required: "必需", optional: "可选", submissions: "提交次数",
    statement: "申诉说明", missing: "缺少必需材料", claimed: "已认领", released: "已释放",
    applications: "本月可申请次数", used: "已用", app_none: "这个账号还没有解封申请。", created: "申请时间",
    refusal: "拒绝原因", helpers: "辅助好友", code_state: "验证码", earliest_label: "最早可解封", health: "手机安全检测", today_only: "目前只有今天的记录",
    steps: ["发起申请", "手机安全检测", "身份验证", "已解封"], refused: "已拒绝", reversed: "异常解封，已重新封停",
    lang_button: "English", days: "天", hours: "小时", minutes: "分", seconds: "秒",
  },
  en: {
    skip: "Skip to content", console: "console", token: "Access token", use: "Use", forget: "Forget",
    tab_account: "Account", tab_weight: "Weight", tab_review: "Reviewer desk", tab_unblock: "Unblocking",
    account_id: "Account ID", enterprise_id: "Enterprise ID", show: "Show", refresh: "Refresh queue",
    footer: "Every figure comes from the warden API (/v1); the token stays in this tab only (sessionStorage).",
    try_title: "Try a text: see which characters would be hit", try_label: "Text (greeting or message)",
    try_go: "Screen", no_token: "Paste an access token first.", token_saved: "Token kept for this tab.",
    loading: "Loading…", state: "State", can_add: "May add contacts", can_login: "May log in", yes: "yes", no: "no",
    restrictions: "Active restrictions", none_active: "No active restriction.", advice: "Advice",
    strikes: "Strike history", rule: "Rule", scope: "Scope", reason: "Reason", evidence: "Evidence",
    starts: "Starts", ends: "Ends", forever: "never (permanent)", remaining: "Remaining", ended: "ended",
    unblock: "Unblocking", earliest: "earliest", events: "Events", count: "Count", window: "Window",
    matched_text: "Matched in the text", matched: "matched", at: "At", severity: "Severity", step: "Step",
    status: "Status", no_hits: "Nothing matched.", hits_in_text: "hit(s)", would_block: "would be blocked", would_pass: "would not be blocked", folded: "Folded text", context: "Policy context",
    how: { wait: "ends by itself", self_service: "self-service unblocking", appeal: "by appeal", none: "cannot be unblocked" },
    weight_account: "Account weight", weight_enterprise: "Enterprise weight", factors: "Factors", history: "History",
    lowest: "Members holding it down", cascade: "Cascade bar", exposed: "below the cascade bar", safe: "above the cascade bar",
    gain: "gain", queue: "Review queue", queue_empty: "The queue is empty.", due: "Due", overdue: "overdue",
    opened: "Opened", subject: "Subject", stage: "Stage", claimed_by: "Claimed by", kind: "Kind", claim: "Claim",
    release: "Release", open: "Open", checklist: "Document checklist", required: "required", optional: "optional",
    submissions: "submissions", statement: "Statement", missing: "Missing required documents", claimed: "Claimed",
    released: "Released", applications: "Applications left this month", used: "used",
    app_none: "This account has no unblock application.", created: "Applied", refusal: "Refused because",
    helpers: "Helpers", code_state: "Code", earliest_label: "Earliest lift", health: "Health check", today_only: "only today so far",
    steps: ["Started", "Health check", "Verification", "Lifted"], refused: "Refused",
    reversed: "Abnormal unblock, banned again", lang_button: "中文", days: "d", hours: "h", minutes: "m", seconds: "s",
  },
};

const store = window.sessionStorage;
const state = { token: store.getItem("warden.token") || "", lang: store.getItem("warden.lang") || "zh", view: "account", last: {} };
const $ = (id) => document.getElementById(id);
const t = (key) => I18N[state.lang][key] ?? key;

// --- small DOM helpers -----------------------------------------------------------------------------------
function el(tag, props = {}, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) node.append(kid);
  return node;
}
const badge = (text, tone) => el("span", { class: `badge ${tone}`, text });
const chips = (items) => items.map((x) => el("span", { class: "chip", text: String(x) }));
function kv(pairs) {
  return el("dl", { class: "kv" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)]));
}
function table(headers, rows, cls) { // rows: arrays of cells (text or nodes)
  const cell = (c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: c ?? "" }));
  return el("table", { class: cls },
    headers ? el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))) : "",
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map(cell)))));
}
function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}
function fmtSpan(seconds) {
  if (seconds <= 0) return t("ended");
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.floor(seconds % 60);
  const sep = state.lang === "zh" ? " " : " ";
  return [d && `${d}${t("days")}`, (d || h) && `${h}${t("hours")}`, `${m}${t("minutes")}`, !d && `${s}${t("seconds")}`].filter(Boolean).join(sep);
}
function countdown(iso) {
  const span = el("span", { class: "countdown", "data-ends": iso });
  tick(span);
  return span;
}
function tick(span) { span.textContent = fmtSpan((new Date(span.dataset.ends) - Date.now()) / 1000); }
setInterval(() => document.querySelectorAll(".countdown").forEach(tick), 1000);

// --- the API and its errors ------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(problem) { super(problem.detail || problem.title || "error"); this.problem = problem; }
}
async function api(path, { method = "GET", body } = {}) {
  if (!state.token) throw new ApiError({ title: t("no_token") });
  const sep = path.includes("?") ? "&" : "?";
  const headers = { Authorization: `Bearer ${state.token}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${path}${sep}lang=${state.lang}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ title: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new ApiError({ status: res.status, ...data });
  return data;
}
function showError(err) {
  const banner = $("banner");
  const p = err instanceof ApiError ? err.problem : { title: String(err) };
  const head = [p.status, p.title].filter(Boolean).join(" ");
  banner.replaceChildren(
    el("strong", { text: head || "Error" }),
    p.detail ? document.createTextNode(` — ${p.detail}`) : "",
    Array.isArray(p.errors) && p.errors.length
      ? el("ul", {}, p.errors.map((e) => el("li", { text: e.field ? `${e.field}: ${e.message ?? e.detail ?? ""}` : JSON.stringify(e) })))
      : "",
  );
  banner.hidden = false;
}
async function run(out, work) {
  $("banner").hidden = true;
  out.replaceChildren(el("p", { class: "muted", text: t("loading") }));
  try { out.replaceChildren(...[await work()].flat()); } catch (err) { out.replaceChildren(); showError(err); }
}

// --- highlighting: offsets are code points into the original text (as Python counts them) ---------------
function highlight(text, hits, offset = 0) { // offset: where an excerpt starts in the original text
  const chars = Array.from(text);
  const marks = new Array(chars.length).fill(null);
  for (const h of hits || []) for (let i = Math.max(0, h.start - offset); i < h.end - offset && i < chars.length; i++) marks[i] = h;
  const quote = el("div", { class: "quote" }, offset > 0 ? "…" : "");
  let i = 0;
  while (i < chars.length) {
    const h = marks[i];
    let j = i;
    while (j < chars.length && marks[j] === h) j++;
    const piece = chars.slice(i, j).join("");
    quote.append(h ? el("mark", { class: "hit", title: `${h.term} · ${h.category} · ${h.severity}`, text: piece }) : piece);
    i = j;
  }
  return quote;
}
function hitList(hits) {
  return el("ul", { class: "hits" }, hits.map((h) => el("li", {},
    el("mark", { class: "hit", text: h.matched }), ` → ${h.term} `,
    chips([h.category, h.severity, h.channel, ...(h.techniques || []), h.effect].filter((c) => c)),
    el("span", { class: "muted", text: ` [${h.start}, ${h.end})` }))));
}

// --- view 1: an account's explanation ---------------------------------------------------------------------
const STATE_TONE = { normal: "ok", capped: "warn", paused: "warn", restricted: "warn", login_restricted: "bad", banned: "bad" };

function fmtDuration(seconds) { // windows are whole days, hours or minutes
  for (const [unit, n] of [["days", 86400], ["hours", 3600], ["minutes", 60]]) if (seconds % n === 0) return `${seconds / n}${t(unit)}`;
  return `${seconds}${t("seconds")}`;
}
function timeline(r) { // how much of the restriction has passed, with the countdown to its end
  const start = new Date(r.starts_at), end = r.ends_at ? new Date(r.ends_at) : null;
  const bar = el("div", { class: "bar timeline" });
  const fill = el("span", { class: "pos" });
  fill.style.width = end ? `${Math.max(0, Math.min(100, ((Date.now() - start) / (end - start)) * 100)).toFixed(1)}%` : "100%";
  bar.append(fill);
  return el("div", { class: "when" },
    el("div", { class: "ends" }, end ? el("span", {}, `${t("remaining")} `, countdown(r.ends_at)) : el("strong", { text: t("forever") })),
    bar,
    el("div", { class: "span muted" }, el("span", { text: `${t("starts")} ${fmtTime(r.starts_at)}` }), el("span", { text: end ? `${t("ends")} ${fmtTime(r.ends_at)}` : "" })));
}
function restrictionCard(r) {
  const ev = r.evidence || {};
  const facts = Object.entries(ev).filter(([k, v]) => !["hits", "event_ids", "text", "text_offset", "spec"].includes(k) && (typeof v !== "object" || v === null || Array.isArray(v)));
  const u = r.unblock || {};
  return el("article", { class: `card restriction${r.scope === "add_contacts" ? " warn" : ""}`, "data-rule": r.rule },
    el("div", { class: "head" }, el("h3", { text: r.rule_title }), chips([r.spec]), el("span", { class: "spacer" }), badge(r.scope_text, r.scope === "login" || r.scope === "ban" ? "bad" : "warn")),
    el("p", { class: "reason", text: r.reason_text }),
    ev.hits && ev.text ? el("div", { class: "matched" }, el("div", { class: "label", text: t("matched_text") }), highlight(ev.text, ev.hits, ev.text_offset || 0)) : "",
    ev.hits ? hitList(ev.hits) : "",
    timeline(r),
    el("details", { class: "evidence" }, el("summary", { text: `${t("evidence")} · ${r.rule} · ${t("step")} ${r.step} · ${r.severity}` }),
      kv([
        [t("events"), ev.event_ids ? el("span", {}, chips(ev.event_ids)) : null],
        [t("count"), facts.length ? el("span", {}, facts.map(([k, v]) => el("span", { class: "chip", text: `${k} = ${k.endsWith("seconds") ? fmtDuration(v) : Array.isArray(v) ? v.join(", ") : v}` }))) : null],
        ["strike", el("span", { class: "chip", text: r.strike_id || "—" })],
      ])),
    el("div", { class: `unblock${u.possible ? " yes" : ""}` },
      el("strong", { text: `${t("unblock")}: ${t("how")[u.how] || u.how || "—"}` }),
      u.earliest_at ? el("span", {}, ` · ${t("earliest")} ${fmtTime(u.earliest_at)} (`, countdown(u.earliest_at), ")") : "",
      el("div", { class: "muted", text: u.text || "" })),
  );
}

async function viewAccount(id) {
  const x = await api(`/v1/accounts/${encodeURIComponent(id)}/explanation`);
  const summary = el("section", { class: "card" },
    el("div", { class: "head" }, el("h2", { text: x.account_id }), el("span", { class: "muted", text: x.enterprise_id }), el("span", { class: "spacer" }),
      el("span", { class: `badge state ${STATE_TONE[x.state] || "info"}`, "data-state": x.state, text: x.state_text })),
    kv([[t("can_add"), x.can_add_contacts ? t("yes") : t("no")], [t("can_login"), x.can_login ? t("yes") : t("no")], ["policy", el("span", { class: "chip", text: (x.policy_hash || "").slice(0, 12) })]]));
  const cards = x.restrictions.length ? el("div", { class: "grid" }, x.restrictions.map(restrictionCard)) : el("p", { class: "empty", text: t("none_active") });
  const advice = el("section", { class: "card" }, el("h2", { text: t("advice") }), el("ol", { class: "advice" }, x.advice.map((a) => el("li", { text: a.text }))));
  const strikeRows = x.strikes.map((k) => [
    fmtTime(k.at), k.rule, k.severity, String(k.step),
    el("span", {}, badge(k.status, k.status === "active" ? "bad" : "info"), k.status_reason ? ` ${k.status_reason}` : ""),
  ]);
  const strikes = el("section", { class: "card" }, el("h2", { text: t("strikes") }),
    strikeRows.length ? table([t("at"), t("rule"), t("severity"), t("step"), t("status")], strikeRows) : el("p", { class: "muted", text: "—" }));
  return [summary, el("h2", { text: t("restrictions") }), cards, advice, strikes];
}

async function viewTry(text) {
  const x = await api("/v1/screenings", { method: "POST", body: { text } });
  const verdict = el("p", {}, badge(t(x.blocked ? "would_block" : "would_pass"), x.blocked ? "bad" : "ok"));
  if (!x.hits) return [verdict]; // a member sees only whether the text would be blocked
  const detail = kv([[t("folded"), x.folded], [t("context"), x.context ? `${x.context.name} (${x.context.verdict})` : undefined]]);
  return [verdict, el("p", { text: x.hits.length ? `${x.hits.length} ${t("hits_in_text")}` : t("no_hits") }), detail, highlight(x.text, x.hits), x.hits.length ? hitList(x.hits) : ""];
}

// --- view 2: weight ----------------------------------------------------------------------------------------
const num = (v) => Number(v).toFixed(1);
function gauge(score, max) {
  const pct = Math.max(0, Math.min(1, score / max));
  const colour = pct >= 0.6 ? "#1b7f3b" : pct >= 0.4 ? "#b7791f" : "#b42318";
  const holder = el("div", { class: "gauge" });
  holder.innerHTML = `<svg width="120" height="120" viewBox="0 0 120 120" role="img" aria-label="${num(score)} / ${num(max)}">
    <circle cx="60" cy="60" r="50" fill="none" stroke="#e4e7eb" stroke-width="12"/>
    <circle cx="60" cy="60" r="50" fill="none" stroke="${colour}" stroke-width="12" stroke-linecap="round" pathLength="100" stroke-dasharray="${(pct * 100).toFixed(2)} 100" transform="rotate(-90 60 60)"/>
    <text x="60" y="66" text-anchor="middle" font-size="24" font-weight="700" fill="#1f2933">${num(score)}</text>
    <text x="60" y="84" text-anchor="middle" font-size="11" fill="#52606d">/ ${num(max)}</text></svg>`;
  return holder;
}
function sparkline(history) { // the daily scores, 0–100, as a line; one day is drawn flat
  const holder = el("div", { class: "spark" });
  if (!history || !history.length) return holder;
  const w = 240, h = 56, pts = history.map((p) => Number(p.score));
  if (pts.length === 1) pts.push(pts[0]);
  const step = w / (pts.length - 1);
  const y = (v) => (h - 4 - (v / 100) * (h - 8)).toFixed(1);
  const line = pts.map((v, i) => `${(i * step).toFixed(1)},${y(v)}`).join(" ");
  const last = pts.length - 1;
  holder.innerHTML = `<svg width="${w + 8}" height="${h}" viewBox="-4 0 ${w + 8} ${h}" role="img" aria-label="${history.map((p) => num(p.score)).join(", ")}">
    <rect x="0" y="4" width="${w}" height="${h - 8}" fill="#f5f7fa"/>
    <line x1="0" x2="${w}" y1="${y(50)}" y2="${y(50)}" stroke="#d9e2ec" stroke-dasharray="3 3"/>
    <polyline points="${line}" fill="none" stroke="#0b6bcb" stroke-width="2"/>
    <circle cx="${(last * step).toFixed(1)}" cy="${y(pts[last])}" r="3.5" fill="#0b6bcb"/></svg>`;
  const first = history[0], end = history[history.length - 1];
  holder.append(el("div", { class: "muted small", text: history.length === 1 ? `${first.date}: ${num(first.score)} (${t("today_only")})` : `${first.date} ${num(first.score)} → ${end.date} ${num(end.score)}` }));
  return holder;
}
function factorRow(f) {
  const span = f.max - f.min || 1;
  const bar = el("div", { class: "bar", role: "img", "aria-label": `${num(f.points)} / ${num(f.max)}` });
  const zero = (-f.min / span) * 100;
  const part = el("span", { class: f.points >= 0 ? "pos" : "neg" });
  part.style.left = `${f.points >= 0 ? zero : zero + (f.points / span) * 100}%`;
  part.style.width = `${(Math.abs(f.points) / span) * 100}%`;
  bar.append(part);
  return el("div", { class: "factor", "data-code": f.code },
    el("div", { text: f.title }), bar,
    el("div", { class: "pts", text: `${num(f.points)} / ${num(f.max)}` }),
    f.advice ? el("div", { class: "adv", text: f.advice }) : "");
}
function weightCard(title, x) {
  const rules = x.used_by_rules || {};
  const extra = [];
  if ("cascade_below_weight" in rules) extra.push(el("p", {}, `${t("cascade")}: ${num(rules.cascade_below_weight)} `, badge(rules.cascade_exposed ? t("exposed") : t("safe"), rules.cascade_exposed ? "bad" : "ok")));
  if (x.lowest_members && x.lowest_members.length) {
    extra.push(el("h3", { text: t("lowest") }), table(null, x.lowest_members.map((m) => [m.account_id, num(m.score)]), "scores"));
  }
  return el("section", { class: "card" },
    el("div", { class: "head" }, el("h2", { text: `${title} · ${x.account_id || x.enterprise_id}` })),
    el("div", { class: "gauge" }, gauge(x.score, x.max), el("div", {}, el("h3", { text: t("history") }), sparkline(x.history))),
    el("h3", { text: t("factors") }), x.factors.map(factorRow),
    el("h3", { text: t("advice") }), el("ol", { class: "advice" }, x.advice.map((a) => el("li", {}, el("strong", { text: `+${num(a.gain)} ` }), a.text))),
    extra);
}
async function viewWeight(account, enterprise) {
  const out = [];
  if (account) {
    const a = await api(`/v1/accounts/${encodeURIComponent(account)}/weight`);
    out.push(weightCard(t("weight_account"), a));
    if (!enterprise) enterprise = a.enterprise_id;
  }
  if (enterprise) out.push(weightCard(t("weight_enterprise"), await api(`/v1/enterprises/${encodeURIComponent(enterprise)}/weight`)));
  return out;
}

// --- view 3: the reviewer desk -----------------------------------------------------------------------------
async function viewReview() {
  const q = await api("/v1/review-queue");
  if (!q.items.length) return el("p", { class: "empty", text: t("queue_empty") });
  const rows = q.items.map((it) => {
    const open = () => it.type === "appeal" && openAppeal(it.appeal_id);
    const claimPath = it.type === "appeal" ? `/v1/appeals/${it.appeal_id}` : `/v1/flags/${it.flag_id}`;
    return el("tr", { class: `${it.overdue ? "overdue" : ""}${it.type === "appeal" ? " clickable" : ""}`, "data-case": it.case_id, onclick: open },
      el("td", {}, fmtTime(it.due_at), it.overdue ? el("span", {}, " ", badge(t("overdue"), "bad")) : ""),
      el("td", {}, badge(it.type === "appeal" ? it.kind : it.rule, "info")),
      el("td", { text: it.subject }), el("td", { text: it.stage_text }), el("td", { text: fmtTime(it.opened_at) }),
      el("td", { text: it.claimed_by || "—" }),
      el("td", {},
        it.type === "appeal" ? el("button", { class: "small secondary", type: "button", text: t("open"), onclick: (e) => { e.stopPropagation(); open(); } }) : "", " ",
        el("button", { class: "small", type: "button", text: t("claim"), onclick: (e) => { e.stopPropagation(); act(`${claimPath}/claim`); } }), " ",
        el("button", { class: "small secondary", type: "button", text: t("release"), onclick: (e) => { e.stopPropagation(); act(`${claimPath}/release`); } })));
  });
  return el("section", { class: "card" }, el("h2", { text: `${t("queue")} (${q.items.length})` }),
    el("table", {}, el("thead", {}, el("tr", {}, [t("due"), t("kind"), t("subject"), t("stage"), t("opened"), t("claimed_by"), ""].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows)));
}
async function act(path) {
  try { await api(path, { method: "POST" }); await run($("review-out"), viewReview); } catch (err) { showError(err); }
}
const DOC_TONE = { accepted: "ok", rejected: "bad", missing: "warn", submitted: "info", pending: "info" };
function openAppeal(id) {
  state.last.appeal = id;
  run($("appeal-out"), async () => {
    const a = await api(`/v1/appeals/${encodeURIComponent(id)}`);
    return el("section", { class: "card", "data-appeal": a.id },
      el("div", { class: "head" }, el("h2", { text: a.id }), badge(a.kind, "info"), badge(a.stage_text, "warn"),
        el("span", { class: "spacer" }), el("span", { class: "muted" }, `${t("due")} ${fmtTime(a.due_at)} · `, countdown(a.due_at))),
      kv([[t("subject"), a.subject], [t("statement"), a.statement || "—"], [t("missing"), a.missing_required && a.missing_required.length ? el("span", {}, chips(a.missing_required)) : "—"]]),
      el("h3", { text: t("checklist") }),
      !(a.checklist || []).length ? el("p", { class: "muted", text: "—" }) : el("table", {}, el("tbody", {}, a.checklist.map((d) => el("tr", {},
        el("td", { text: d.title }), el("td", {}, badge(d.required ? t("required") : t("optional"), d.required ? "warn" : "info")),
        el("td", {}, badge(d.state, DOC_TONE[d.state] || "info")), el("td", { class: "muted", text: `${d.submissions} ${t("submissions")}` }),
        el("td", { text: d.document ? `${d.document.filename || ""} · ${fmtTime(d.document.uploaded_at)}` : "" }),
        el("td", { text: d.rejection ? d.rejection.text : "" }))))));
  });
}

// --- view 4: unblocking ------------------------------------------------------------------------------------
const STEP_OF = { awaiting_health_check: 1, awaiting_verification: 2, lifted: 4, refused: -1, reversed: -1 };
function stepsFor(app) {
  const names = t("steps");
  let reached = STEP_OF[app.state];
  let failedAt = -1;
  if (reached === -1) { // where it stopped: a lifted-then-reversed ban fails at the end, a refusal where it was refused
    failedAt = app.state === "reversed" ? 3 : !app.health ? 0 : !app.health.ok ? 1 : 2;
    reached = failedAt;
  }
  return el("ol", { class: "steps", "data-state": app.state }, names.map((name, i) => {
    let cls = i < reached ? "done" : i === reached ? "current" : "";
    let label = name;
    if (i === failedAt) { cls = "failed"; label = app.state === "reversed" ? t("reversed") : t("refused"); }
    if (app.state === "lifted" && i === 3) cls = "done";
    return el("li", { class: cls, "aria-current": cls === "current" ? "step" : null, text: label });
  }));
}
function quota(q) {
  const boxes = Array.from({ length: q.cap }, (_, i) => el("span", { class: i < q.used ? "box used" : "box", title: i < q.used ? t("used") : "" }));
  const window = fmtDuration(Math.round(q.window_days * 86400));
  return el("div", { class: "quota", role: "img", "aria-label": `${q.remaining} / ${q.cap}` }, boxes,
    el("strong", { text: ` ${q.remaining} / ${q.cap}` }), el("span", { class: "muted", text: `(${t("used")} ${q.used}, ${window})` }));
}
async function viewUnblock(account) {
  const x = await api(`/v1/unblocks?account_id=${encodeURIComponent(account)}`);
  if (!x.items.length) return el("p", { class: "empty", text: t("app_none") });
  return [el("section", { class: "card" }, el("h2", { text: t("applications") }), quota(x.items[0].applications)),
    ...x.items.map((app) => el("section", { class: "card", "data-app": app.id },
      el("div", { class: "head" }, el("h2", { text: app.id }), el("span", { class: "spacer" }), badge(app.state_text, app.state === "lifted" ? "ok" : STEP_OF[app.state] === -1 ? "bad" : "info")),
      stepsFor(app),
      kv([
        [t("created"), fmtTime(app.created_at)],
        [t("refusal"), app.refusal ? app.refusal.text : null],
        [t("earliest_label"), app.earliest_at ? el("span", {}, `${fmtTime(app.earliest_at)} · `, countdown(app.earliest_at)) : null],
        [t("health"), app.health ? el("span", {}, badge(app.health.ok ? "✓" : "✕", app.health.ok ? "ok" : "bad"), " ", app.health.failures.map((f) => f.text).join("；")) : null],
        [t("code_state"), app.verification.code.outstanding ? `${fmtTime(app.verification.code.expires_at)} · ${app.verification.code.attempts_left}` : null],
        [t("helpers"), app.verification.helpers.length ? el("span", {}, app.verification.helpers.map((h) => el("span", { class: "chip", text: `${h.helper_id}: ${h.state}` }))) : null],
      ])))];
}

// --- wiring ----------------------------------------------------------------------------------------------
const VIEWS = {
  account: (f) => run($("account-out"), () => viewAccount(f.account.value.trim())),
  weight: (f) => run($("weight-out"), () => viewWeight(f.account.value.trim(), f.enterprise.value.trim())),
  review: () => { $("appeal-out").replaceChildren(); return run($("review-out"), viewReview); },
  unblock: (f) => run($("unblock-out"), () => viewUnblock(f.account.value.trim())),
};
function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  $("lang").textContent = t("lang_button");
  document.title = `warden ${t("console")}`;
}
function select(view) {
  state.view = view;
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.id === `tab-${view}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
}
function remember(id) { // the same account id follows the person from view to view
  for (const f of ["account-id", "weight-account", "unblock-account"]) if (!$(f).value) $(f).value = id;
  store.setItem("warden.account", id);
}
function init() {
  applyLang();
  $("token").value = state.token;
  const acc = store.getItem("warden.account");
  if (acc) remember(acc);
  $("auth").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value.trim();
    store.setItem("warden.token", state.token);
    $("banner").hidden = true;
    const form = document.querySelector(`#view-${state.view} form.query`); // show at once what the token may see
    if (form && form.checkValidity()) form.requestSubmit();
  });
  $("forget").addEventListener("click", () => { state.token = ""; $("token").value = ""; store.removeItem("warden.token"); });
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    store.setItem("warden.lang", state.lang);
    applyLang();
    for (const [view, form] of Object.entries(state.last)) if (view !== "appeal") VIEWS[view](form); // re-render in the new language
    if (state.last.appeal) openAppeal(state.last.appeal);
  });
  const tabs = [...document.querySelectorAll("[role=tab]")];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab.id.slice(4)));
    tab.addEventListener("keydown", (e) => { // arrow keys move between tabs (WAI-ARIA tabs pattern)
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!d) return;
      const next = tabs[(i + d + tabs.length) % tabs.length];
      next.focus();
      select(next.id.slice(4));
    });
  });
  select("account");
  for (const form of document.querySelectorAll("form.query")) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const view = form.dataset.view;
      if (form.account && form.account.value.trim()) remember(form.account.value.trim());
      state.last[view] = form;
      VIEWS[view](form);
    });
  }
  $("try-form").addEventListener("submit", (e) => { e.preventDefault(); run($("try-out"), () => viewTry($("try-text").value)); });
}
init();
