// warden console: one small module, one render function per view. Every figure comes from the /v1 API with
// the bearer token the person pasted (kept in sessionStorage, so it leaves with the tab). DOM is built with
// textContent only (never innerHTML with data), except SVG drawn from numbers. The views shown follow the
// token's role (`GET /v1/me`): a member, a helper, a reviewer, an enterprise admin, HR, the platform/auditor.

const I18N = {
  zh: {
    skip: "跳到内容", console: "控制台", token: "访问令牌", use: "使用", forget: "清除",
    tab_account: "账号", tab_weight: "权重", tab_review: "审核台", tab_unblock: "解封", tab_appeals: "申诉",
    tab_helper: "协助好友", tab_enterprise: "企业", tab_usage: "使用规范", tab_cases: "案件台", tab_platform: "策略与审计", 
    account_id: "账号 ID", enterprise_id: "企业 ID", show: "查看", refresh: "刷新",
    footer: "所有数据来自 warden 接口（/v1），令牌只保存在本标签页（sessionStorage）。",
    try_title: "试一段文字：看看哪些字会被命中", try_label: "文字（问候语或消息）", try_go: "检测",
    no_token: "请先粘贴访问令牌。", token_saved: "令牌已保存在本标签页。", loading: "加载中…",
    signed_in: "当前身份", state: "状态", can_add: "可主动加好友", can_login: "可登录", yes: "是", no: "否",
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
    left_of: (n, cap) => `本月还可申请 ${n} 次（共 ${cap} 次）`,
    start_unblock: "开始自助解封", run_health: "进行手机安全检测", client_version: "客户端版本", plugins: "已安装插件（逗号分隔，没有就留空）",
    send_code: "发送验证码到绑定手机", enter_code: "输入收到的验证码", verify: "验证", name_helpers: "请好友协助（账号 ID，逗号分隔）", ask_helpers: "发送协助请求",
    attempts_left: "剩余尝试次数", sends_left: "剩余发送次数", expires: "有效至", lifted_msg: "已解封：限制已解除（违规记录仍保留）。",
    file_appeal: "提出申诉", appeal_statement: "申诉说明（为什么这项处罚不对）", send_appeal: "提交申诉", my_appeals: "我的申诉", no_appeals: "还没有申诉。",
    appeal_filed: "申诉已提交。", withdraw: "撤回申诉", decision: "决定", upload: "上传", resubmit: "重新上传", file_label: "选择文件",
    enterprise_wide: (e) => `这是对整个企业（${e}）的限制，不是针对你个人的处罚。请联系本企业的管理员了解情况；你无需为此申诉。`,
    helper_requests: "别人请我协助解封", no_helper_requests: "目前没有协助请求。", confirm_token: "协助确认码（短信里的 hc_…）", confirm_help: "确认协助", requester: "申请人",
    helper_confirmed: "已确认协助。", helper_refused: "协助未被接受", decline_help: "婉拒协助", helper_declined: "已婉拒这次协助请求。",
    internal_notes: "内部备注", internal_help: "只有审核台（审核员、平台、审计）看得到，申诉人看不到。", add_note: "添加备注", reassign: "转交给同事", reassign_to: "转交给", reassigned: "已转交",
    filters: "筛选", all: "全部", type_appeal: "申诉", type_flag: "举报/标记", due_filter: "截止", due_overdue: "已超时", due_24h: "24 小时内到期",
    mine_only: "只看我认领的", search: "搜索（账号、企业或申诉编号）", selected: "已选", bulk_claim: "批量认领", bulk_release: "批量释放", select_row: "选择",
    history_side: "该账号的历史", earlier_appeals: "以往申诉", recent_events: "最近事件", weight: "权重", active_strikes: "生效中的违规",
    accept: "接受", reject: "退回", reject_reason: "退回原因", note: "备注（申诉人可见）", propose: "提出决定", outcome: "结论", reason_code: "理由",
    to_step: "降到阶梯", exempt_days: "豁免天数", four_eyes: "四眼原则：永久封禁的改判需另一位审核员确认",
    awaiting_confirm: "等待第二位审核员确认", proposed_by: "提议人", agree: "同意并生效", disagree: "不同意，退回队列", case_closed: "已结案",
    outcomes: { uphold: "维持", reduce: "减轻", overturn: "撤销" },
    reasons: { violation_confirmed: "违规属实", evidence_insufficient: "证据不足", documents_invalid: "材料无效", mitigating_circumstances: "情有可原", rectified: "已整改", rule_misfired: "规则误判", evidence_convincing: "证据充分", documents_verified: "材料核实" },
    reject_codes: { illegible: "看不清", expired: "已过期", mismatch: "信息不符", seal_missing: "缺少公章", wrong_document: "材料不对", other: "其他" },
    doc_states: { missing: "未提交", submitted: "待审核", accepted: "已接受", rejected: "已退回", pending: "待审核" },
    since: "开始于", only_on_appeal: "不会自动结束：只能通过申诉解除", appeal_h: "申诉", in_force: "生效中", lifted: "已解除",
    our_enterprise: "我们的企业", ent_ok: "我们的企业目前没有受限。", ent_restricted: "我们的企业正受到限制", until: "直到", ent_restrictions: "企业受到的限制",
    members_holding: "拉低企业权重的成员", member_restrictions: "成员的限制", ent_appeals: "企业申诉", appeal_this: "对这项限制申诉",
    usage_policy: "企业使用规范", version: "版本", rules_json: "规则（JSON）", save: "保存", saved: "已保存。", stale: "别人已经改过这份规范，你看到的是旧版本。请重新加载后再改。", reload: "重新加载",
    cases: "案件", case_status: "状态", overdue_only: "只看超时", open_cases: "进行中", training_cases: "培训中", closed_cases: "已结案", no_cases: "没有案件。",
    deadline: "期限", statement_h: "员工陈述", outcome_h: "处理结果", record_outcome: "记录处理结果", training_done: "登记培训已完成", timeline: "经过",
    reverse_outcome: "撤销这个处理结果", reverse_reason: "撤销原因（会记入审计）", reverse_help: "处理结果错了：撤销后其后果一并解除（注销或下架恢复、移交撤回），案件回到待处理。", reversed_outcome: "处理结果已撤销，案件重新待处理。",
    add_evidence: "上传证据", evidence_added: "证据已上传",
    case_outcomes: { warning: "警告", training: "培训", deregister: "注销账号", app_removed: "下架应用", escalate_illegal: "移交（涉嫌违法）", dismissed: "不予处理" },
    policy_versions: "策略版本", stages: { live: "生效", shadow: "影子运行", staged: "灰度" }, stage_live: "生效版本", stage_shadow: "影子运行", stage_staged: "灰度发布", of_enterprises: "的企业", changed: "最近变更",
    comment: "说明", diff_live: "与生效版本对比", diff_h: "差异", no_diff: "两个版本的文本相同。", shadow_vs_live: "影子运行与生效版本的差异（按规则）", decisions_differ: "判定不同的事件",
    shadow_only: "仅影子版本会限制", live_only: "仅生效版本限制了", both: "两者都限制", examples: "示例事件", no_shadow_diff: "影子运行至今与生效版本没有差异。",
    tab_backtests: "回测", bt_start_h: "发起回测", bt_help: "在临时数据库里用已存储的全部事件分别按生效版本和所选版本重放，并与审核结论对比；不会改变任何人的状态。",
    bt_candidate: "候选版本", bt_start: "开始回测", bt_started: "回测已开始。", bt_list: "回测记录", bt_none: "还没有回测。", bt_open: "查看",
    bt_states: { queued: "排队中", running: "运行中", done: "已完成", failed: "失败" }, bt_progress: "进度", bt_replayed: "已重放事件",
    bt_result: "回测结果", bt_vs: "对比", bt_why: "失败原因", bt_per_rule: "按规则：处罚、准确率与召回率（对照审核结论）",
    bt_strikes_live: "处罚·生效", bt_strikes_cand: "处罚·候选", bt_prec_live: "准确率·生效", bt_prec_cand: "准确率·候选", bt_rec_live: "召回率·生效", bt_rec_cand: "召回率·候选",
    bt_newly: "候选版本下新被限制的账号", bt_no_longer: "候选版本下不再被限制的账号", bt_nobody: "没有。", bt_labelled: "有审核结论的处罚", bt_denied: "被拒绝的操作（生效 → 候选）",
    bt_weight: "平均权重（生效 → 候选）", bt_no_labels: "还没有审核结论，准确率和召回率无从计算。", bt_requested_by: "发起人",
    rule_figures: "规则数据", hits: "命中", restrictions_n: "限制", appealed: "被申诉", overturned: "被推翻", precision: "估计准确率", total: "合计",
    policy_in_force: "生效中的策略", audit: "审计记录", verify_chain: "校验审计链", chain_ok: "审计链完整", chain_bad: "审计链被破坏", checked: "已校验条目", search_audit: "搜索审计记录（操作人、动作、对象）",
    word_lists: "敏感词表", scope_word: "范围", terms: "词条", actor: "操作人", action: "动作", target: "对象",
    scopes: { add_contacts: "暂停主动加好友", features: "限制部分功能", login: "限制登录", account: "封号" },
    kinds: { member: "成员申诉", enterprise: "企业申诉" },
    helper_states: { pending: "待确认", confirmed: "已确认", refused: "未接受", declined: "已婉拒", expired: "已过期" },
    appeal_status: { open: "处理中", awaiting_confirmation: "待第二人确认", upheld: "维持原处罚", reduced: "已减轻", overturned: "已撤销", withdrawn: "已撤回" },
    severities: { low: "低", medium: "中", high: "高" },
    strike_status: { active: "生效中", voided: "已作废", overturned: "已撤销", reduced: "已减轻", expired: "已过期", lifted: "已解除" },
    ev: { actor: "操作人", note: "说明", block_until: "封禁至", modifiers: "加重因素", count: "次数", window: "时间窗", window_seconds: "时间窗", window_days: "时间窗（天）", threshold: "阈值", distinct_reporters: "举报人数", reasons: "举报原因", reason: "原因", why: "原因", severity: "等级", hard: "硬阈值", soft: "软阈值", factor: "系数", device_id: "设备", client_version: "客户端版本", signatures: "插件特征", repeat_count: "重复次数", below_weight: "低于权重", enterprise_weight: "企业权重", restricted_members: "受限成员数", active_members: "活跃成员数", min_members: "最少成员数", min_share: "最低占比", share_min_active: "最低活跃占比" },
  },
  en: {
    skip: "Skip to content", console: "console", token: "Access token", use: "Use", forget: "Forget",
    tab_account: "Account", tab_weight: "Weight", tab_review: "Reviewer desk", tab_unblock: "Unblocking", tab_appeals: "Appeals",
    tab_helper: "Helping a friend", tab_enterprise: "Enterprise", tab_usage: "Usage policy", tab_cases: "Case desk", tab_platform: "Policy & audit",
    account_id: "Account ID", enterprise_id: "Enterprise ID", show: "Show", refresh: "Refresh",
    footer: "Every figure comes from the warden API (/v1); the token stays in this tab only (sessionStorage).",
    try_title: "Try a text: see which characters would be hit", try_label: "Text (greeting or message)",
    try_go: "Screen", no_token: "Paste an access token first.", token_saved: "Token kept for this tab.",
    loading: "Loading…", signed_in: "Signed in as", state: "State", can_add: "May add contacts", can_login: "May log in", yes: "yes", no: "no",
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
    released: "Released", applications: "Applications this month", used: "used",
    app_none: "This account has no unblock application.", created: "Applied", refusal: "Refused because",
    helpers: "Helpers", code_state: "Code", earliest_label: "Earliest lift", health: "Health check", today_only: "only today so far",
    steps: ["Started", "Health check", "Verification", "Lifted"], refused: "Refused",
    reversed: "Abnormal unblock, banned again", lang_button: "中文", days: "d", hours: "h", minutes: "m", seconds: "s",
    left_of: (n, cap) => `${n} of ${cap} left this month`,
    start_unblock: "Start self-service unblocking", run_health: "Run the phone health check", client_version: "Client version", plugins: "Installed plug-ins (comma-separated; empty if none)",
    send_code: "Send a code to my bound phone", enter_code: "Enter the code you received", verify: "Verify", name_helpers: "Ask friends to help (account IDs, comma-separated)", ask_helpers: "Send help requests",
    attempts_left: "attempts left", sends_left: "sends left", expires: "valid until", lifted_msg: "Unblocked: the restrictions are lifted (the strikes stay on the record).",
    file_appeal: "Appeal", appeal_statement: "Statement (why this penalty is wrong)", send_appeal: "File the appeal", my_appeals: "My appeals", no_appeals: "No appeal yet.",
    appeal_filed: "Appeal filed.", withdraw: "Withdraw the appeal", decision: "Decision", upload: "Upload", resubmit: "Upload again", file_label: "Choose a file",
    enterprise_wide: (e) => `This restriction is on your whole enterprise (${e}), not a penalty on you. Please contact your enterprise's administrator; there is nothing for you to appeal.`,
    helper_requests: "Friends asking for my help", no_helper_requests: "No help request right now.", confirm_token: "Confirmation code (hc_… from the message)", confirm_help: "Confirm I help", requester: "Requester",
    helper_confirmed: "Help confirmed.", helper_refused: "Help not accepted", decline_help: "Decline", helper_declined: "You declined this help request.",
    internal_notes: "Internal notes", internal_help: "Seen by the desk only (reviewers, platform, auditors), never by the appellant.", add_note: "Add a note", reassign: "Reassign to a colleague", reassign_to: "Reassign to", reassigned: "Reassigned",
    filters: "Filters", all: "all", type_appeal: "appeal", type_flag: "flag", due_filter: "Due", due_overdue: "overdue", due_24h: "due within 24 h",
    mine_only: "claimed by me", search: "Search (account, enterprise or appeal id)", selected: "selected", bulk_claim: "Claim selected", bulk_release: "Release selected", select_row: "Select",
    history_side: "The account's history", earlier_appeals: "Earlier appeals", recent_events: "Recent events", weight: "Weight", active_strikes: "Active strikes",
    accept: "Accept", reject: "Reject", reject_reason: "Reason for rejecting", note: "Note (shown to the appellant)", propose: "Propose the decision", outcome: "Outcome", reason_code: "Reason",
    to_step: "Reduce to step", exempt_days: "Exempt for days", four_eyes: "Four eyes: a decision on a permanent ban or an enterprise penalty needs a second reviewer to confirm",
    awaiting_confirm: "Awaiting a second reviewer", proposed_by: "Proposed by", agree: "Agree: take effect", disagree: "Disagree: back to the queue", case_closed: "Closed",
    outcomes: { uphold: "uphold", reduce: "reduce", overturn: "overturn" },
    reasons: { violation_confirmed: "violation confirmed", evidence_insufficient: "evidence insufficient", documents_invalid: "documents invalid", mitigating_circumstances: "mitigating circumstances", rectified: "rectified", rule_misfired: "rule misfired", evidence_convincing: "evidence convincing", documents_verified: "documents verified" },
    reject_codes: { illegible: "illegible", expired: "expired", mismatch: "mismatch", seal_missing: "seal missing", wrong_document: "wrong document", other: "other" },
    doc_states: { missing: "missing", submitted: "to review", accepted: "accepted", rejected: "rejected", pending: "to review" },
    since: "Since", only_on_appeal: "does not end by itself: only on appeal", appeal_h: "Appeal", in_force: "in force", lifted: "lifted",
    our_enterprise: "Our enterprise", ent_ok: "Our enterprise is not restricted.", ent_restricted: "Our enterprise is restricted", until: "until", ent_restrictions: "Restrictions on the enterprise",
    members_holding: "Members holding the enterprise's weight down", member_restrictions: "Members' restrictions", ent_appeals: "Enterprise appeals", appeal_this: "Appeal this restriction",
    usage_policy: "Enterprise usage policy", version: "Version", rules_json: "Rules (JSON)", save: "Save", saved: "Saved.", stale: "Someone changed this policy since you loaded it: you are looking at an old version. Reload, then change it again.", reload: "Reload",
    cases: "Cases", case_status: "Status", overdue_only: "overdue only", open_cases: "open", training_cases: "in training", closed_cases: "closed", no_cases: "No case.",
    deadline: "Deadline", statement_h: "Employee's statement", outcome_h: "Outcome", record_outcome: "Record the outcome", training_done: "Record training completed", timeline: "Timeline",
    reverse_outcome: "Reverse this outcome", reverse_reason: "Why it was a mistake (audited)", reverse_help: "The outcome was a mistake: reversing undoes its effects (a deregistration or app removal lifted, an escalation withdrawn) and the case is open again.", reversed_outcome: "Outcome reversed; the case is open again.",
    add_evidence: "Upload evidence", evidence_added: "Evidence uploaded",
    case_outcomes: { warning: "warning", training: "training", deregister: "deregister the account", app_removed: "remove the app", escalate_illegal: "escalate (illegal)", dismissed: "dismissed" },
    policy_versions: "Policy versions", stages: { live: "live", shadow: "shadow", staged: "staged" }, stage_live: "Live", stage_shadow: "Shadow", stage_staged: "Staged", of_enterprises: "of enterprises", changed: "Last change",
    comment: "Comment", diff_live: "Diff against live", diff_h: "Difference", no_diff: "The two texts are the same.", shadow_vs_live: "Shadow vs live, per rule", decisions_differ: "Events decided differently",
    shadow_only: "Shadow only would restrict", live_only: "Live only restricted", both: "Both", examples: "Example events", no_shadow_diff: "So far the shadow run decides as live does.",
    tab_backtests: "Backtests", bt_start_h: "Start a backtest", bt_help: "Replays every stored event under the live version and the chosen one in scratch databases and compares them with reviewers' verdicts; nobody's state changes.",
    bt_candidate: "Candidate version", bt_start: "Start the backtest", bt_started: "Backtest started.", bt_list: "Backtests", bt_none: "No backtests yet.", bt_open: "Open",
    bt_states: { queued: "queued", running: "running", done: "done", failed: "failed" }, bt_progress: "Progress", bt_replayed: "events replayed",
    bt_result: "Backtest result", bt_vs: "vs", bt_why: "Why it failed", bt_per_rule: "Per rule: strikes, precision and recall (against reviewers' verdicts)",
    bt_strikes_live: "Strikes · live", bt_strikes_cand: "Strikes · candidate", bt_prec_live: "Precision · live", bt_prec_cand: "Precision · candidate", bt_rec_live: "Recall · live", bt_rec_cand: "Recall · candidate",
    bt_newly: "Newly restricted under the candidate", bt_no_longer: "No longer restricted under the candidate", bt_nobody: "Nobody.", bt_labelled: "Strikes judged by people", bt_denied: "Denied decisions (live → candidate)",
    bt_weight: "Mean weight (live → candidate)", bt_no_labels: "No verdicts yet: precision and recall cannot be measured.", bt_requested_by: "Requested by",
    rule_figures: "Rule figures", hits: "Hits", restrictions_n: "Restrictions", appealed: "Appealed", overturned: "Overturned", precision: "Est. precision", total: "Total",
    policy_in_force: "Policy in force", audit: "Audit trail", verify_chain: "Verify the audit chain", chain_ok: "audit chain intact", chain_bad: "audit chain BROKEN", checked: "entries checked", search_audit: "Search the audit trail (actor, action, target)",
    word_lists: "Word lists", scope_word: "Scope", terms: "Terms", actor: "Actor", action: "Action", target: "Target",
    scopes: { add_contacts: "no new contacts", features: "some features off", login: "no login", account: "banned" },
    kinds: { member: "member appeal", enterprise: "enterprise appeal" },
    helper_states: { pending: "pending", confirmed: "confirmed", refused: "refused", declined: "declined", expired: "expired" },
    appeal_status: { open: "open", awaiting_confirmation: "awaiting a second reviewer", upheld: "upheld", reduced: "reduced", overturned: "overturned", withdrawn: "withdrawn" },
    severities: { low: "low", medium: "medium", high: "high" },
    strike_status: { active: "active", voided: "voided", overturned: "overturned", reduced: "reduced", expired: "expired", lifted: "lifted" },
    ev: { actor: "by", note: "note", block_until: "blocked until", modifiers: "aggravating factors", count: "count", window: "window", window_seconds: "window", window_days: "window (days)", threshold: "threshold", distinct_reporters: "reporters", reasons: "report reasons", reason: "reason", why: "why", severity: "severity", hard: "hard limit", soft: "soft limit", factor: "factor", device_id: "device", client_version: "client version", signatures: "plug-in signatures", repeat_count: "repeats", below_weight: "below weight", enterprise_weight: "enterprise weight", restricted_members: "restricted members", active_members: "active members", min_members: "minimum members", min_share: "minimum share", share_min_active: "minimum active share" },
  },
};

const store = window.sessionStorage;
const state = { token: store.getItem("warden.token") || "", lang: store.getItem("warden.lang") || "zh", view: "account", last: {}, me: null, tz: "Asia/Shanghai", skew: 0, queue: [], picked: new Set() };
const $ = (id) => document.getElementById(id);
const t = (key) => I18N[state.lang][key] ?? key;
const tr = (group, key) => (I18N[state.lang][group] || {})[key] ?? key; // a code's name in the language, else the code

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
let uid = 0;
function field(label, input) { // a labelled control: every input has a visible label
  const id = input.id || `f${++uid}`;
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: label }), input);
}
function select(name, options, current) { // options: [value, text]
  return el("select", { name }, options.map(([v, label]) => el("option", { value: v, text: label, selected: v === current })));
}
// Times people read: in the policy's time zone (Asia/Shanghai by default), written the language's way (Intl).
function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const f = new Intl.DateTimeFormat(state.lang === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: state.tz });
  return f.format(d);
}
function fmtSpan(seconds) { // to the minute: a countdown changes once a minute, not every second
  if (seconds <= 0) return t("ended");
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
  return [d && `${d}${t("days")}`, (d || h) && `${h}${t("hours")}`, !d && `${m}${t("minutes")}`].filter(Boolean).join(" ");
}
function countdown(iso) { // role=timer, aria-live off: screen readers read it when asked, never on every update
  const span = el("span", { class: "countdown", role: "timer", "aria-live": "off", "data-ends": iso });
  tick(span);
  return span;
}
const now = () => Date.now() + state.skew; // the server's clock (GET /v1/me), not the browser's
function tick(span) { span.textContent = fmtSpan((new Date(span.dataset.ends) - now()) / 1000); }
setInterval(() => document.querySelectorAll(".countdown").forEach(tick), 30000);

// --- the API and its errors ------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(problem) { super(problem.detail || problem.title || "error"); this.problem = problem; }
}
async function api(path, { method = "GET", body, form, headers: extra = {} } = {}) {
  if (!state.token) throw new ApiError({ title: t("no_token") });
  const sep = path.includes("?") ? "&" : "?";
  const headers = { Authorization: `Bearer ${state.token}`, Accept: "application/json", ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const payload = form !== undefined ? form : body === undefined ? undefined : JSON.stringify(body);
  const res = await fetch(`${path}${sep}lang=${state.lang}`, { method, headers, body: payload });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ title: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new ApiError({ status: res.status, ...data });
  return data;
}
const FIELD_NAMES = { zh: { statement: "申诉说明", code: "验证码", client_version: "客户端版本", helper_ids: "协助好友", rules: "规则", version: "版本", note: "备注", reason_code: "理由", outcome: "结论", file: "文件", strike_id: "处罚" }, en: {} };
function showError(err) {
  const banner = $("banner");
  const p = err instanceof ApiError ? err.problem : { title: String(err) };
  const head = [p.status, p.title].filter(Boolean).join(" ");
  const name = (f) => FIELD_NAMES[state.lang][f] ?? f;
  banner.replaceChildren(
    el("strong", { text: head || "Error" }),
    p.detail ? document.createTextNode(` — ${p.detail}`) : "",
    p.status === 409 && state.view === "usage" ? el("p", { text: t("stale") }) : "",
    Array.isArray(p.errors) && p.errors.length
      ? el("ul", {}, p.errors.map((e) => el("li", { text: e.field ? `${name(e.field)}: ${e.message ?? e.detail ?? ""}` : JSON.stringify(e) })))
      : "",
  );
  banner.hidden = false;
}
function notice(text) { const n = $("notice"); n.textContent = text; n.hidden = !text; }
async function run(out, work) {
  $("banner").hidden = true;
  out.replaceChildren(el("p", { class: "muted", text: t("loading") }));
  try { out.replaceChildren(...[await work()].flat()); } catch (err) { out.replaceChildren(); showError(err); }
}
async function act(work, then) { // a write: errors in the banner, then re-render what it changed
  $("banner").hidden = true;
  try { const r = await work(); if (then) await then(r); return r; } catch (err) { showError(err); return undefined; }
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
  fill.style.width = end ? `${Math.max(0, Math.min(100, ((now() - start) / (end - start)) * 100)).toFixed(1)}%` : "100%";
  bar.append(fill);
  return el("div", { class: "when" },
    el("div", { class: "ends" }, end ? el("span", {}, `${t("remaining")} `, countdown(r.ends_at)) : el("strong", { text: t("forever") })),
    bar,
    el("div", { class: "span muted" }, el("span", { text: `${t("starts")} ${fmtTime(r.starts_at)}` }), el("span", { text: end ? `${t("ends")} ${fmtTime(r.ends_at)}` : "" })));
}
function evValue(k, v) { // a number of seconds as a duration, a time in the policy's zone, a list joined
  if (k.endsWith("seconds") || k === "window") return typeof v === "number" ? fmtDuration(v) : String(v);
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return fmtTime(v);
  return Array.isArray(v) ? v.map((x) => tr("ev", x)).join(", ") : String(v);
}
function appealBox(r, bystander) { // a member contests the penalty behind a restriction with a statement
  if (!state.me || state.me.role !== "member" || bystander || !r.strike_id) return "";
  const text = el("textarea", { name: "statement", rows: 3, maxlength: 2000, required: true });
  const form = el("form", { class: "appeal-form", "data-strike": r.strike_id, onsubmit: (e) => {
    e.preventDefault();
    act(() => api("/v1/appeals", { method: "POST", body: { strike_id: r.strike_id, statement: text.value.trim() } }),
      (a) => { notice(t("appeal_filed")); select_("appeals"); state.last.appeals = true; return run($("appeals-out"), () => viewAppeals(a.id)); });
  } }, field(t("appeal_statement"), text), el("button", { type: "submit", text: t("send_appeal") }));
  return el("details", { class: "appeal" }, el("summary", { text: t("file_appeal") }), form);
}
function restrictionCard(r) {
  const ev = r.evidence || {};
  const bystander = r.subject_type === "enterprise"; // an enterprise-wide restriction: not who caused it
  const hide = ["hits", "event_ids", "text", "text_offset", "spec", ...(bystander && state.me && state.me.role === "member" ? ["restricted_members", "active_members"] : [])];
  const facts = Object.entries(ev).filter(([k, v]) => !hide.includes(k) && (typeof v !== "object" || v === null || Array.isArray(v)));
  const u = r.unblock || {};
  return el("article", { class: `card restriction${r.scope === "add_contacts" ? " warn" : ""}`, "data-rule": r.rule },
    el("div", { class: "head" }, el("h3", { text: r.rule_title }), r.spec ? chips([r.spec]) : "", el("span", { class: "spacer" }), badge(r.scope_text, r.scope === "login" || r.scope === "ban" ? "bad" : "warn")),
    el("p", { class: "reason", text: r.reason_text }),
    bystander ? el("p", { class: "callout", "data-enterprise-wide": "true", text: t("enterprise_wide")(r.subject_id) }) : "",
    ev.hits && ev.text ? el("div", { class: "matched" }, el("div", { class: "label", text: t("matched_text") }), highlight(ev.text, ev.hits, ev.text_offset || 0)) : "",
    ev.hits ? hitList(ev.hits) : "",
    timeline(r),
    el("details", { class: "evidence" }, el("summary", { text: `${t("evidence")} · ${r.rule} · ${t("step")} ${r.step} · ${r.severity}` }),
      kv([
        [t("events"), ev.event_ids ? el("span", {}, chips(ev.event_ids)) : null],
        [t("count"), facts.length ? el("span", {}, facts.map(([k, v]) => el("span", { class: "chip", "data-key": k, text: `${tr("ev", k)} = ${evValue(k, v)}` }))) : null],
      ])),
    el("div", { class: `unblock${u.possible ? " yes" : ""}` },
      el("strong", { text: `${t("unblock")}: ${t("how")[u.how] || u.how || "—"}` }),
      u.earliest_at ? el("span", {}, ` · ${t("earliest")} ${fmtTime(u.earliest_at)} (`, countdown(u.earliest_at), ")") : "",
      el("div", { class: "muted", text: u.text || "" })),
    appealBox(r, bystander),
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
    el("span", {}, badge(tr("strike_status", k.status), k.status === "active" ? "bad" : "info"), k.status_reason ? ` ${k.status_reason}` : ""),
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
  if (state.me && state.me.role === "member") return out; // a member reads only their own weight, factor by factor
  if (enterprise) out.push(weightCard(t("weight_enterprise"), await api(`/v1/enterprises/${encodeURIComponent(enterprise)}/weight`)));
  return out;
}

// --- member: self-service unblocking, step by step ---------------------------------------------------------
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
  const boxes = Array.from({ length: q.cap }, (_, i) => el("span", { class: i < q.used ? "box used" : "box", "aria-hidden": "true" }));
  return el("div", { class: "quota" }, boxes, el("strong", { class: "left", text: ` ${t("left_of")(q.remaining, q.cap)}` }),
    q.next_slot_at ? el("span", { class: "muted", text: `(${fmtTime(q.next_slot_at)})` }) : "");
}
const csv = (s) => s.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);
function nextStep(app, redraw) { // the one thing to do now, as a form
  const post = (path, body) => act(() => api(`/v1/unblocks/${app.id}/${path}`, { method: "POST", body }), redraw);
  if (app.state === "awaiting_health_check") {
    const ver = el("input", { name: "client_version", value: "4.1.30", required: true, spellcheck: "false" });
    const plugins = el("input", { name: "plugins", spellcheck: "false" });
    return el("form", { class: "step-form", "data-step": "health", onsubmit: (e) => { e.preventDefault(); post("health-check", { client_version: ver.value.trim(), plugin_signatures: csv(plugins.value) }); } },
      field(t("client_version"), ver), field(t("plugins"), plugins), el("button", { type: "submit", text: t("run_health") }));
  }
  if (app.state !== "awaiting_verification") return app.state === "lifted" ? el("p", { class: "callout ok", text: t("lifted_msg") }) : "";
  const v = app.verification, parts = [];
  if (v.methods.includes("sms_code") || v.methods.some((m) => m.includes("code"))) {
    const c = v.code;
    parts.push(el("div", { class: "step-form", "data-step": "code" },
      el("button", { type: "button", class: "secondary", text: t("send_code"), disabled: c.sends_left === 0, onclick: () => act(() => api(`/v1/unblocks/${app.id}/codes`, { method: "POST" }), redraw) }),
      el("span", { class: "muted", text: ` ${t("sends_left")}: ${c.sends_left}` }),
      c.outstanding ? el("form", { onsubmit: (e) => { e.preventDefault(); post("verification", { code: e.target.code.value.trim() }); } },
        field(t("enter_code"), el("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true, pattern: "\\d{4,10}" })),
        el("button", { type: "submit", text: t("verify") }),
        el("span", { class: "muted", text: ` ${t("expires")} ${fmtTime(c.expires_at)} · ${t("attempts_left")}: ${c.attempts_left}` })) : ""));
  }
  if (v.methods.some((m) => m.includes("helper") || m.includes("friend"))) {
    const ids = el("input", { name: "helpers", spellcheck: "false", required: true });
    parts.push(el("form", { class: "step-form", "data-step": "helpers", onsubmit: (e) => { e.preventDefault(); post("helpers", { helper_ids: csv(ids.value) }); } },
      field(t("name_helpers"), ids), el("button", { type: "submit", class: "secondary", text: t("ask_helpers") })));
  }
  return parts;
}
function appCard(app, redraw) {
  return el("section", { class: "card", "data-app": app.id, "data-state": app.state },
    el("div", { class: "head" }, el("h2", { text: app.id }), el("span", { class: "spacer" }), badge(app.state_text, app.state === "lifted" ? "ok" : STEP_OF[app.state] === -1 ? "bad" : "info")),
    stepsFor(app),
    kv([
      [t("created"), fmtTime(app.created_at)],
      [t("refusal"), app.refusal ? app.refusal.text : null],
      [t("earliest_label"), app.earliest_at ? el("span", {}, `${fmtTime(app.earliest_at)} · `, countdown(app.earliest_at)) : null],
      [t("health"), app.health ? el("span", {}, badge(app.health.ok ? "✓" : "✕", app.health.ok ? "ok" : "bad"), " ", app.health.failures.map((f) => f.text).join("；")) : null],
      [t("helpers"), app.verification.helpers.length ? el("span", {}, app.verification.helpers.map((h) => el("span", { class: "chip", text: `${h.helper_id}: ${tr("helper_states", h.state)}${h.refusals.length ? ` (${h.refusals.map((x) => x.text).join("；")})` : ""}` }))) : null],
    ]),
    nextStep(app, redraw));
}
async function viewUnblock(account) {
  const me = state.me && state.me.role === "member";
  const redraw = () => run($("unblock-out"), () => viewUnblock(account));
  const x = await api(`/v1/unblocks${account ? `?account_id=${encodeURIComponent(account)}` : ""}`);
  const start = me ? el("button", { type: "button", id: "start-unblock", text: t("start_unblock"), onclick: () => act(() => api("/v1/unblocks", { method: "POST", body: {} }), redraw) }) : "";
  if (!x.items.length) return [el("p", { class: "empty", text: t("app_none") }), start];
  const open = x.items.some((a) => STEP_OF[a.state] > 0 && a.state !== "lifted");
  return [el("section", { class: "card" }, el("h2", { text: t("applications") }), quota(x.items[0].applications), open ? "" : start),
    ...x.items.map((app) => appCard(app, redraw))];
}

// --- appeals: a member's or an enterprise's own, with the document checklist --------------------------------
const DOC_TONE = { accepted: "ok", rejected: "bad", missing: "warn", submitted: "info", pending: "info" };
function checklist(a, mine, redraw) { // the documents as a checklist; the appellant uploads and resubmits
  if (!(a.checklist || []).length) return el("p", { class: "muted", text: "—" });
  return el("ul", { class: "checklist" }, a.checklist.map((d) => {
    const file = el("input", { type: "file", name: "file", accept: "image/png,image/jpeg,image/webp,application/pdf" });
    const upload = mine && d.state !== "accepted" && ["open"].includes(a.status)
      ? el("form", { class: "upload", "data-kind": d.kind, onsubmit: (e) => {
        e.preventDefault();
        if (!file.files.length) return;
        const fd = new FormData(); fd.append("file", file.files[0]);
        act(() => api(`/v1/appeals/${a.id}/documents/${d.kind}`, { method: "PUT", form: fd }), redraw);
      } }, field(t("file_label"), file), el("button", { type: "submit", class: "small", text: d.state === "missing" ? t("upload") : t("resubmit") }))
      : "";
    return el("li", { class: `doc ${d.state}`, "data-kind": d.kind },
      el("span", { class: "tick", "aria-hidden": "true", text: d.state === "accepted" ? "☑" : "☐" }),
      el("strong", { text: d.title }), " ", badge(d.required ? t("required") : t("optional"), d.required ? "warn" : "info"), " ",
      badge(tr("doc_states", d.state), DOC_TONE[d.state] || "info"),
      el("span", { class: "muted", text: ` ${d.submissions} ${t("submissions")}` }),
      d.document ? el("div", { class: "muted small", text: `${d.document.filename || ""} · ${fmtTime(d.document.uploaded_at)}` }) : "",
      d.rejection ? el("div", { class: "bad-text", text: [d.rejection.text, d.rejection.note].filter(Boolean).join(" — ") }) : "",
      upload);
  }));
}
function appealCard(a, redraw) {
  const mine = !!state.me && ((state.me.role === "member" && a.kind === "member") || (state.me.role === "enterprise_admin" && a.kind === "enterprise"));
  return el("section", { class: "card", "data-appeal": a.id, "data-status": a.status },
    el("div", { class: "head" }, el("h2", { text: a.id }), badge(tr("kinds", a.kind), "info"), el("span", { class: "badge warn stage", text: a.stage_text }),
      el("span", { class: "spacer" }), el("span", { class: "muted" }, `${t("due")} ${fmtTime(a.due_at)} · `, countdown(a.due_at))),
    kv([[t("statement"), a.statement || "—"], [t("rule"), a.penalty ? `${a.penalty.rule} · ${a.penalty.severity}` : null],
      [t("decision"), a.decision ? `${a.decision.text}${a.decision.note ? ` — ${a.decision.note}` : ""}` : null]]),
    el("h3", { text: t("checklist") }), checklist(a, mine, redraw),
    mine && a.status === "open" ? el("button", { type: "button", class: "secondary small", text: t("withdraw"), onclick: () => act(() => api(`/v1/appeals/${a.id}/withdrawal`, { method: "POST" }), redraw) }) : "");
}
async function viewAppeals(focus) {
  const page = await api("/v1/appeals");
  if (!page.items.length) return el("p", { class: "empty", text: t("no_appeals") });
  const redraw = () => run($("appeals-out"), () => viewAppeals(focus));
  const details = await Promise.all(page.items.map((a) => api(`/v1/appeals/${encodeURIComponent(a.id)}`)));
  return [el("h2", { text: t("my_appeals") }), ...details.map((a) => appealCard(a, redraw))];
}

// --- helper: a friend asked me to confirm their unblocking ---------------------------------------------------
async function viewHelper() {
  const x = await api("/v1/helper-requests");
  const redraw = () => run($("helper-out"), viewHelper);
  const tokenIn = el("input", { name: "token", spellcheck: "false", required: true, pattern: "[A-Za-z0-9_\\-]+" });
  const confirm = el("form", { id: "helper-confirm", onsubmit: (e) => {
    e.preventDefault();
    act(() => api(`/v1/helper-confirmations/${encodeURIComponent(tokenIn.value.trim())}`, { method: "POST", body: {} }), (r) => {
      notice(r.helper_state === "confirmed" ? t("helper_confirmed") : `${t("helper_refused")}: ${r.refusals.map((f) => f.text).join("；")}`);
      return redraw();
    });
  } }, field(t("confirm_token"), tokenIn), el("button", { type: "submit", text: t("confirm_help") }));
  const decline = (h) => el("button", { type: "button", class: "small secondary decline", "data-request": h.id, text: t("decline_help"),
    onclick: () => act(() => api(`/v1/helper-requests/${encodeURIComponent(h.id)}/decline`, { method: "POST" }), () => { notice(t("helper_declined")); return redraw(); }) });
  const rows = x.items.map((h) => [h.requester_id, badge(tr("helper_states", h.state), h.state === "confirmed" ? "ok" : h.state === "pending" ? "info" : "bad"), fmtTime(h.created_at), h.expires_at ? fmtTime(h.expires_at) : "—", h.refusals.map((f) => f.text).join("；"),
    h.state === "pending" && h.id ? decline(h) : ""]);
  return el("section", { class: "card" }, el("h2", { text: t("helper_requests") }),
    rows.length ? table([t("requester"), t("status"), t("created"), t("expires"), t("reason"), ""], rows) : el("p", { class: "muted", text: t("no_helper_requests") }), confirm);
}

// --- reviewer desk -----------------------------------------------------------------------------------------
function mine(it) { const me = state.me; return !!(me && it.claimed_by && (it.claimed_by === me.person || it.claimed_by.includes(`:${me.person}`) || it.claimed_by === me.label)); }
function filtered() {
  const f = $("queue-filters");
  const type = f.type.value, stage = f.stage.value, due = f.due.value, q = f.q.value.trim().toLowerCase();
  const soon = now() + 86400e3;
  return state.queue.filter((it) => (type === "all" || it.type === type) && (stage === "all" || it.stage === stage)
    && (due === "all" || (due === "overdue" ? it.overdue : new Date(it.due_at) <= soon))
    && (!f.mine.checked || mine(it))
    && (!q || [it.subject, it.case_id, it.appeal_id, it.flag_id, it.enterprise_id].some((v) => v && v.toLowerCase().includes(q))));
}
function claimRef(it) { return it.type === "appeal" ? `appeals/${it.appeal_id}` : `flags/${it.flag_id}`; }
function queueTable() {
  const items = filtered();
  if (!items.length) return el("p", { class: "empty", text: t("queue_empty") });
  const rows = items.map((it) => {
    const open = () => it.type === "appeal" && openAppeal(it.appeal_id);
    const pick = el("input", { type: "checkbox", "aria-label": `${t("select_row")} ${it.case_id}`, checked: state.picked.has(it.case_id),
      onchange: (e) => { e.target.checked ? state.picked.add(it.case_id) : state.picked.delete(it.case_id); $("bulk-count").textContent = `${state.picked.size} ${t("selected")}`; } });
    return el("tr", { class: `${it.overdue ? "overdue" : ""}`, "data-case": it.case_id },
      el("td", {}, pick),
      el("td", {}, fmtTime(it.due_at), it.overdue ? el("span", {}, " ", badge(t("overdue"), "bad")) : ""),
      el("td", {}, badge(it.type === "appeal" ? tr("kinds", it.kind) : `${t("type_flag")} · ${it.rule}`, "info")),
      el("td", { text: it.subject }), el("td", { text: it.stage_text }), el("td", { text: fmtTime(it.opened_at) }),
      el("td", { text: it.claimed_by_label || it.claimed_by || "—", title: it.claimed_by || "" }),
      el("td", { class: "actions" },
        it.type === "appeal" ? el("button", { class: "small secondary", type: "button", text: t("open"), onclick: open }) : "", " ",
        el("button", { class: "small", type: "button", text: t("claim"), onclick: () => act(() => api(`/v1/${claimRef(it)}/claim`, { method: "POST" }), refreshQueue) }), " ",
        el("button", { class: "small secondary", type: "button", text: t("release"), onclick: () => act(() => api(`/v1/${claimRef(it)}/release`, { method: "POST" }), refreshQueue) })));
  });
  return el("div", { class: "scroll" }, el("table", { class: "queue" }, el("caption", { class: "sr", text: t("queue") }),
    el("thead", {}, el("tr", {}, ["", t("due"), t("kind"), t("subject"), t("stage"), t("opened"), t("claimed_by"), ""].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows)));
}
async function bulk(action) { // one cause, several cases: claim or release them all
  const chosen = state.queue.filter((it) => state.picked.has(it.case_id));
  for (const it of chosen) await api(`/v1/${claimRef(it)}/${action}`, { method: "POST" });
  state.picked.clear();
}
function stageOptions() {
  const stages = [...new Map(state.queue.map((it) => [it.stage, it.stage_text])).entries()];
  return [["all", t("all")], ...stages];
}
async function viewReview() {
  const q = await api("/v1/review-queue");
  state.queue = q.items;
  const f = $("queue-filters");
  const keep = f.stage.value;
  f.stage.replaceChildren(...stageOptions().map(([v, label]) => el("option", { value: v, text: label, selected: v === keep })));
  return [el("h2", { text: `${t("queue")} (${q.items.length})` }), queueTable()];
}
function refreshQueue() { return run($("review-out"), viewReview); }
function historySide(h) {
  if (!h) return "";
  return el("aside", { class: "card history", "aria-label": t("history_side") }, el("h3", { text: t("history_side") }),
    kv([[t("active_strikes"), String(h.active_strikes)], [t("weight"), h.weight === null || h.weight === undefined ? "—" : num(h.weight)]]),
    el("h3", { text: t("strikes") }), h.strikes.length ? table(null, h.strikes.map((k) => [fmtTime(k.at), k.rule, k.severity, tr("strike_status", k.status)])) : el("p", { class: "muted", text: "—" }),
    el("h3", { text: t("restrictions") }), h.restrictions.length ? table(null, h.restrictions.map((r) => [r.rule, tr("scopes", r.scope), r.active ? badge(t("yes"), "bad") : "—", r.ends_at ? fmtTime(r.ends_at) : t("forever")])) : el("p", { class: "muted", text: "—" }),
    el("h3", { text: t("recent_events") }), h.recent_events.length ? table(null, h.recent_events.slice(0, 8).map((e) => [fmtTime(e.occurred_at), e.type, e.allowed === false ? "✕" : "✓"])) : el("p", { class: "muted", text: "—" }),
    el("h3", { text: t("earlier_appeals") }), h.earlier_appeals.length ? table(null, h.earlier_appeals.map((e) => [e.id, tr("appeal_status", e.status), fmtTime(e.submitted_at)])) : el("p", { class: "muted", text: "—" }));
}
const REASONS = { uphold: ["violation_confirmed", "evidence_insufficient", "documents_invalid"], reduce: ["mitigating_circumstances", "rectified"], overturn: ["rule_misfired", "evidence_convincing", "documents_verified"] };
function docReview(a, d, redraw) {
  if (d.state !== "submitted" && d.state !== "pending") return "";
  const code = select("reason_code", Object.keys(I18N.en.reject_codes).map((c) => [c, tr("reject_codes", c)]));
  const note = el("input", { name: "note", maxlength: 2000 });
  const send = (verdict) => act(() => api(`/v1/appeals/${a.id}/documents/${d.kind}/review`, { method: "POST", body: verdict === "accepted" ? { verdict } : { verdict, reason_code: code.value, note: note.value.trim() || null } }), redraw);
  return el("div", { class: "doc-review", "data-kind": d.kind }, el("button", { type: "button", class: "small", text: t("accept"), onclick: () => send("accepted") }), " ",
    field(t("reject_reason"), code), field(t("note"), note), el("button", { type: "button", class: "small danger", text: t("reject"), onclick: () => send("rejected") }));
}
function decisionForm(a, redraw) {
  const permanent = a.kind === "enterprise" || (a.penalty && a.penalty.restriction ? a.penalty.restriction.ends_at === null : false); // four eyes
  if (["upheld", "reduced", "overturned", "withdrawn"].includes(a.status)) return el("p", { class: "callout", text: `${t("case_closed")}: ${a.decision ? a.decision.text : a.status}` });
  const ifMatch = { "If-Match": String(a.version) };
  if (a.status === "awaiting_confirmation" && a.proposal) {
    const note = el("input", { name: "note", maxlength: 2000 });
    const send = (agree) => act(() => api(`/v1/appeals/${a.id}/confirmation`, { method: "POST", body: { agree, note: note.value.trim() || null }, headers: ifMatch }), redraw);
    return el("div", { class: "card four-eyes", "data-proposal": a.proposal.outcome },
      el("p", {}, badge(t("awaiting_confirm"), "warn"), " ", el("strong", { text: t("four_eyes") })),
      kv([[t("outcome"), tr("outcomes", a.proposal.outcome)], [t("reason_code"), tr("reasons", a.proposal.reason_code)], [t("proposed_by"), a.proposal.proposed_by_label || a.proposal.proposed_by], [t("note"), a.proposal.note]]),
      field(t("note"), note), el("button", { type: "button", text: t("agree"), onclick: () => send(true) }), " ",
      el("button", { type: "button", class: "secondary", text: t("disagree"), onclick: () => send(false) }));
  }
  const outcome = select("outcome", Object.keys(REASONS).map((o) => [o, tr("outcomes", o)]));
  const reason = el("select", { name: "reason_code" });
  const fill = () => reason.replaceChildren(...REASONS[outcome.value].map((r) => el("option", { value: r, text: tr("reasons", r) })));
  outcome.addEventListener("change", fill); fill();
  const note = el("input", { name: "note", maxlength: 2000 });
  const step = el("input", { name: "to_step", type: "number", min: 0 });
  const days = el("input", { name: "exempt_days", type: "number", min: 1 });
  return el("form", { class: "decision", onsubmit: (e) => {
    e.preventDefault();
    const body = { outcome: outcome.value, reason_code: reason.value, note: note.value.trim() || null };
    if (outcome.value === "reduce" && step.value !== "") body.to_step = Number(step.value);
    if (outcome.value === "overturn" && days.value !== "") body.exempt_days = Number(days.value);
    act(() => api(`/v1/appeals/${a.id}/decision`, { method: "POST", body, headers: ifMatch }), redraw);
  } }, el("h3", { text: t("propose") }), permanent ? el("p", { class: "four-eyes-note" }, badge(t("four_eyes"), "warn")) : "",
    field(t("outcome"), outcome), field(t("reason_code"), reason), field(t("note"), note), field(t("to_step"), step), field(t("exempt_days"), days),
    el("button", { type: "submit", text: t("propose") }));
}
async function deskTools(a, redraw) { // internal notes (the desk only) and handing the case to a named colleague
  const reviewer = state.me && state.me.role === "reviewer";
  const notes = await api(`/v1/appeals/${encodeURIComponent(a.id)}/notes`).catch(() => null);
  const out = [];
  if (notes) {
    const text = el("textarea", { name: "note_text", rows: 2, required: true, maxlength: 4000 });
    out.push(el("section", { class: "card internal-notes" }, el("h3", { text: t("internal_notes") }), el("p", { class: "muted small", text: t("internal_help") }),
      notes.items.length ? el("ul", { class: "notes" }, notes.items.map((n) => el("li", {}, el("span", { class: "muted", text: `${fmtTime(n.at)} · ${n.author}：` }), n.text))) : el("p", { class: "muted", text: "—" }),
      reviewer ? el("form", { class: "note-form", onsubmit: (e) => { e.preventDefault(); act(() => api(`/v1/appeals/${encodeURIComponent(a.id)}/notes`, { method: "POST", body: { text: text.value.trim() } }), redraw); } },
        field(t("add_note"), text), el("button", { type: "submit", class: "small", text: t("add_note") })) : ""));
  }
  const held = a.claim && a.claim.claimed_by;
  if (reviewer && a.status === "open" && (!held || mine({ claimed_by: held }))) {
    const people = await api("/v1/review-colleagues").catch(() => ({ items: [] }));
    const others = people.items.filter((c) => !mine({ claimed_by: `reviewer:${c.person}` }));
    if (others.length) {
      const to = select("to", others.map((c) => [c.person, `${c.name} (${c.person})`]));
      const why = el("input", { name: "reassign_note", maxlength: 2000 });
      out.push(el("form", { class: "reassign", onsubmit: (e) => { e.preventDefault(); act(() => api(`/v1/appeals/${encodeURIComponent(a.id)}/reassignment`, { method: "POST", body: { to: to.value, note: why.value.trim() || null } }), () => { notice(`${t("reassigned")}: ${to.value}`); return redraw(); }); } },
        el("h3", { text: t("reassign") }), field(t("reassign_to"), to), field(t("reason"), why), el("button", { type: "submit", class: "small secondary", text: t("reassign") })));
    }
  }
  return out;
}
function openAppeal(id) {
  state.last.appeal = id;
  const redraw = () => { openAppeal(id); return refreshQueue(); };
  return run($("appeal-out"), async () => {
    const a = await api(`/v1/appeals/${encodeURIComponent(id)}`);
    const main = el("section", { class: "card", "data-appeal": a.id, tabindex: "-1" },
      el("div", { class: "head" }, el("h2", { text: a.id }), badge(tr("kinds", a.kind), "info"), badge(a.stage_text, "warn"),
        a.claim ? "" : el("button", { type: "button", class: "small case-claim", text: t("claim"), onclick: () => act(() => api(`/v1/appeals/${a.id}/claim`, { method: "POST" }), redraw) }),
        el("span", { class: "spacer" }), el("span", { class: "muted" }, `${t("due")} ${fmtTime(a.due_at)} · `, countdown(a.due_at))),
      kv([[t("subject"), a.subject], [t("statement"), a.statement || "—"], [t("rule"), a.penalty ? `${a.penalty.rule} · ${a.penalty.severity} · ${t("step")} ${a.penalty.step}` : null],
        [t("claimed_by"), a.claim ? a.claim.claimed_by_label || a.claim.claimed_by : "—"], [t("missing"), a.missing_required && a.missing_required.length ? el("span", {}, chips(a.missing_required)) : "—"]]),
      el("h3", { text: t("checklist") }),
      !(a.checklist || []).length ? el("p", { class: "muted", text: "—" }) : el("ul", { class: "checklist" }, a.checklist.map((d) => el("li", { class: `doc ${d.state}`, "data-kind": d.kind },
        el("strong", { text: d.title }), " ", badge(d.required ? t("required") : t("optional"), d.required ? "warn" : "info"), " ",
        badge(tr("doc_states", d.state), DOC_TONE[d.state] || "info"), el("span", { class: "muted", text: ` ${d.submissions} ${t("submissions")}` }),
        d.rejection ? el("div", { class: "bad-text", text: [d.rejection.text, d.rejection.note].filter(Boolean).join(" — ") }) : "",
        docReview(a, d, redraw)))),
      decisionForm(a, redraw), await deskTools(a, redraw));
    return el("div", { class: "case" }, main, historySide(a.history));
  });
}

// --- enterprise admin: our state, our restrictions, our appeals, our usage policy ----------------------------
async function viewEnterprise(eid) {
  const [ent, rs] = await Promise.all([api(`/v1/enterprises/${encodeURIComponent(eid)}`).catch(() => ({ id: eid, state: null })), api(`/v1/enterprises/${encodeURIComponent(eid)}/restrictions`)]);
  const st = ent.state; // the enterprise's own standing (admins and the platform's roles; null for the others)
  const active = rs.items.filter((r) => r.active !== false && !r.lifted_at && (!r.ends_at || new Date(r.ends_at) > now()));
  const restricted = st ? st.restricted : active.length > 0;
  const head = el("section", { class: "card", "data-enterprise": eid, "data-restricted": String(restricted) },
    el("h2", { text: `${t("our_enterprise")} · ${ent.name || eid}` }),
    el("p", {}, badge(restricted ? t("ent_restricted") : t("ent_ok"), restricted ? "bad" : "ok")),
    st ? el("div", { class: "ent-state" },
      st.text ? el("p", { class: "state-text", text: st.text }) : "",
      st.reasons.length ? el("ul", { class: "reasons" }, st.reasons.map((x) => el("li", { text: x }))) : "",
      kv([[t("since"), st.since ? fmtTime(st.since) : null],
        [t("until"), st.restricted ? (st.until ? el("span", {}, fmtTime(st.until), " (", countdown(st.until), ")") : t("only_on_appeal")) : null],
        [t("restrictions"), st.restricted ? String(st.restrictions) : null]]))
      : active.length ? el("ul", {}, active.map((r) => el("li", {}, el("strong", { text: r.reason_text || r.rule_title || r.rule }), ` · ${r.scope_text || r.scope} · ${t("until")} ${r.ends_at ? fmtTime(r.ends_at) : t("forever")}`))) : "");
  const redraw = () => run($("enterprise-out"), () => viewEnterprise(eid));
  const admin = state.me && state.me.role === "enterprise_admin";
  const appealWay = (r) => { // "appeal this", from the restriction's own appeal field (strike id, whether possible, how)
    const way = r.appeal || (r.strike_id ? { possible: true, strike_id: r.strike_id, text: "" } : null);
    if (!way) return "";
    if (!admin || !way.possible || !way.strike_id) return el("span", { class: "muted small appeal-way", text: way.text || "" });
    const text = el("textarea", { name: "statement", rows: 3, required: true, maxlength: 2000 });
    return el("details", { class: "appeal" }, el("summary", { text: t("appeal_this") }), way.text ? el("p", { class: "muted small", text: way.text }) : "",
      el("form", { class: "appeal-form", "data-strike": way.strike_id, onsubmit: (e) => { e.preventDefault(); act(() => api("/v1/appeals", { method: "POST", body: { strike_id: way.strike_id, statement: text.value.trim() } }), () => { notice(t("appeal_filed")); return redraw(); }); } },
        field(t("appeal_statement"), text), el("button", { type: "submit", text: t("send_appeal") })));
  };
  const list = el("section", { class: "card", id: "ent-restrictions" }, el("h2", { text: t("ent_restrictions") }),
    rs.items.length ? el("div", { class: "scroll" }, table([t("rule"), t("scope"), t("status"), t("starts"), t("ends"), t("reason"), t("appeal_h")], rs.items.map((r) => [r.rule_title || r.rule, r.scope_text || r.scope,
      badge(r.active ? t("in_force") : r.lifted_at ? t("lifted") : t("ended"), r.active ? "bad" : "info"),
      fmtTime(r.starts_at), r.ends_at ? fmtTime(r.ends_at) : t("forever"), r.reason_text || "", appealWay(r)]))) : el("p", { class: "muted", text: "—" }));
  const out = [head, list];
  try {
    const wt = await api(`/v1/enterprises/${encodeURIComponent(eid)}/weight`);
    // the members' restrictions: those holding the weight down (no route lists every member's restrictions yet)
    const members = await Promise.all((wt.lowest_members || []).map((m) => api(`/v1/accounts/${encodeURIComponent(m.account_id)}/explanation`)));
    const rows = members.map((x) => [x.account_id, badge(x.state_text, STATE_TONE[x.state] || "info"),
      x.restrictions.map((r) => `${r.rule_title} · ${r.scope_text} · ${t("until")} ${r.ends_at ? fmtTime(r.ends_at) : t("forever")}`).join("；") || "—"]);
    if (rows.length) out.push(el("section", { class: "card", id: "member-restrictions" }, el("h2", { text: t("member_restrictions") }), table([t("account_id"), t("state"), t("restrictions")], rows)));
    out.push(weightCard(t("weight_enterprise"), wt));
  } catch (err) { /* a role that may not read the weight or the members: the rest still shows */ }
  if (admin) {
    const page = await api("/v1/appeals");
    const details = (await Promise.all(page.items.map((a) => api(`/v1/appeals/${encodeURIComponent(a.id)}`)))).filter((a) => a.kind === "enterprise");
    out.push(el("h2", { text: t("ent_appeals") }), ...(details.length ? details.map((a) => appealCard(a, redraw)) : [el("p", { class: "empty", text: t("no_appeals") })]));
  }
  return out;
}
async function viewUsage(eid) {
  const p = await api(`/v1/enterprises/${encodeURIComponent(eid)}/usage-policy`);
  const text = el("textarea", { name: "rules", rows: 16, spellcheck: "false", class: "code" });
  text.value = JSON.stringify(p.rules, null, 2);
  const redraw = () => run($("usage-out"), () => viewUsage(eid));
  return el("section", { class: "card", "data-version": String(p.version) }, el("h2", { text: `${t("usage_policy")} · ${eid}` }),
    kv([[t("version"), String(p.version)], [t("at"), p.updated_at ? fmtTime(p.updated_at) : "—"]]),
    el("form", { id: "usage-form", onsubmit: (e) => {
      e.preventDefault();
      let rules;
      try { rules = JSON.parse(text.value); } catch (err) { showError(new ApiError({ title: t("rules_json"), detail: String(err.message) })); return; }
      act(() => api(`/v1/enterprises/${encodeURIComponent(eid)}/usage-policy`, { method: "PUT", body: { rules, version: p.version } }), () => { notice(t("saved")); return redraw(); });
    } }, field(t("rules_json"), text), el("button", { type: "submit", text: t("save") }), " ",
      el("button", { type: "button", class: "secondary", text: t("reload"), onclick: redraw })));
}

// --- HR / investigator: the usage-policy case desk ---------------------------------------------------------
async function viewCases(eid) {
  const f = $("cases-filters");
  const qs = new URLSearchParams();
  if (f.status.value !== "all") qs.set("status", f.status.value);
  if (f.overdue.checked) qs.set("overdue", "true");
  const x = await api(`/v1/enterprises/${encodeURIComponent(eid)}/cases${qs.toString() ? `?${qs}` : ""}`);
  if (!x.items.length) return el("p", { class: "empty", text: t("no_cases") });
  return el("div", { class: "scroll" }, el("table", { class: "cases" }, el("thead", {}, el("tr", {}, [t("deadline"), t("subject"), t("rule"), t("severity"), t("status"), t("outcome_h"), ""].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, x.items.map((c) => el("tr", { class: c.overdue ? "overdue" : "", "data-case": c.id },
      el("td", {}, fmtTime(c.deadline_at), c.overdue ? el("span", {}, " ", badge(t("overdue"), "bad")) : ""),
      el("td", { text: c.account }), el("td", { text: c.rule || c.category }), el("td", { text: tr("severities", c.severity) }),
      el("td", { text: t(`${c.status}_cases`) }), el("td", { text: c.outcome_text || "—" }),
      el("td", {}, el("button", { type: "button", class: "small secondary", text: t("open"), onclick: () => openCase(c.id) })))))));
}
function openCase(id) {
  const redraw = () => { openCase(id); return run($("cases-out"), () => viewCases(state.me.enterprise_id)); };
  return run($("case-out"), async () => {
    const c = await api(`/v1/cases/${encodeURIComponent(id)}`);
    const outcome = select("outcome", Object.keys(I18N.en.case_outcomes).map((o) => [o, tr("case_outcomes", o)]));
    const note = el("input", { name: "note", required: true, minlength: 3, maxlength: 2000 });
    return el("section", { class: "card", "data-case": c.id, "data-status": c.status },
      el("div", { class: "head" }, el("h2", { text: c.id }), badge(t(`${c.status}_cases`), c.status === "closed" ? "ok" : "warn"), c.overdue ? badge(t("overdue"), "bad") : "",
        el("span", { class: "spacer" }), el("span", { class: "muted" }, `${t("deadline")} ${fmtTime(c.deadline_at)}`)),
      kv([[t("subject"), c.account], [t("rule"), c.rule || c.category], [t("severity"), tr("severities", c.severity)], [t("opened"), fmtTime(c.opened_at)],
        [t("statement_h"), c.statement ? `${c.statement.responsibility_text}${c.statement.text ? ` — ${c.statement.text}` : ""}` : "—"],
        [t("outcome_h"), c.outcome_text ? `${c.outcome_text}${c.outcome_note ? ` — ${c.outcome_note}` : ""}` : "—"],
        ["training", c.training ? `${t("due")} ${fmtTime(c.training.due_at)}${c.training.completed_at ? ` · ✓ ${fmtTime(c.training.completed_at)}` : ""}` : null]]),
      c.timeline ? el("details", { class: "evidence" }, el("summary", { text: `${t("timeline")} · ${t("evidence")}` }),
        table(null, c.timeline.map((e) => [fmtTime(e.at), e.kind, e.actor_label || e.actor, Object.entries(e.data || {}).map(([k, v]) => `${tr("ev", k)}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ")]))) : "",
      c.status === "open" ? el("form", { class: "outcome", onsubmit: (e) => { e.preventDefault(); act(() => api(`/v1/cases/${c.id}/outcome`, { method: "POST", body: { outcome: outcome.value, note: note.value.trim() } }), redraw); } },
        el("h3", { text: t("record_outcome") }), field(t("outcome_h"), outcome), field(t("note"), note), el("button", { type: "submit", text: t("record_outcome") })) : "",
      c.status === "training" ? el("button", { type: "button", id: "training-done", text: t("training_done"), onclick: () => act(() => api(`/v1/cases/${c.id}/training-completion`, { method: "POST" }), redraw) }) : "",
      c.status !== "closed" ? evidenceForm(c, redraw) : "", c.outcome ? reversalForm(c, redraw) : "");
  });
}
function reversalForm(c, redraw) { // HR takes back an outcome that was a mistake, with a reason (audited)
  const reason = el("textarea", { name: "reason", rows: 2, required: true, minlength: 3, maxlength: 2000 });
  return el("details", { class: "reversal" }, el("summary", { text: t("reverse_outcome") }),
    el("form", { class: "reversal", onsubmit: (e) => {
      e.preventDefault();
      act(() => api(`/v1/cases/${encodeURIComponent(c.id)}/outcome-reversal`, { method: "POST", body: { reason: reason.value.trim() } }), () => { notice(t("reversed_outcome")); return redraw(); });
    } }, el("p", { class: "muted", text: t("reverse_help") }), field(t("reverse_reason"), reason), el("button", { type: "submit", class: "danger", text: t("reverse_outcome") })));
}
function evidenceForm(c, redraw) { // a piece of evidence for the case (PNG, JPEG, WebP or PDF, judged by content)
  const file = el("input", { type: "file", name: "file", required: true, accept: "image/png,image/jpeg,image/webp,application/pdf" });
  return el("form", { class: "evidence-upload", onsubmit: (e) => {
    e.preventDefault();
    if (!file.files.length) return;
    const fd = new FormData(); fd.append("file", file.files[0]);
    act(() => api(`/v1/cases/${encodeURIComponent(c.id)}/evidence`, { method: "POST", form: fd }), (ev) => { notice(`${t("evidence_added")}: ${ev.filename} (${ev.id})`); return redraw(); });
  } }, el("h3", { text: t("add_evidence") }), field(t("file_label"), file), el("button", { type: "submit", class: "small", text: t("upload") }));
}

// --- platform / auditor: the policy in force, the audit trail and its proof, the word lists ------------------
async function viewPlatform() {
  const [pol, chain, audit, words] = await Promise.all([api("/v1/policy"), api("/v1/audit/verification"), api("/v1/audit/entries?limit=200"), api("/v1/word-lists/platform")]);
  const search = el("input", { id: "audit-q", type: "search", spellcheck: "false" });
  const rowsOf = (q) => audit.items.filter((e) => !q || [e.actor, e.action, e.subject].some((v) => v.toLowerCase().includes(q))).slice(0, 100)
    .map((e) => el("tr", {}, el("td", { text: `${e.chain}:${e.seq}` }), el("td", { text: fmtTime(e.at) }), el("td", { text: e.actor }), el("td", { text: e.action }), el("td", { text: e.subject })));
  const body = el("tbody", {}, rowsOf(""));
  search.addEventListener("input", () => body.replaceChildren(...rowsOf(search.value.trim().toLowerCase())));
  return [
    el("section", { class: "card", id: "policy-card" }, el("h2", { text: t("policy_in_force") }),
      kv([[t("version"), pol.version || pol.label || "—"], ["hash", el("span", { class: "chip", text: (pol.hash || pol.content_hash || "").slice(0, 16) })], [t("at"), pol.loaded_at ? fmtTime(pol.loaded_at) : null]])),
    el("section", { class: "card", id: "chain-card" }, el("h2", { text: t("verify_chain") }),
      el("p", {}, badge(chain.ok ? t("chain_ok") : t("chain_bad"), chain.ok ? "ok" : "bad"), ` ${chain.checked} ${t("checked")}`, chain.problem ? ` — ${chain.problem}` : "")),
    el("section", { class: "card" }, el("h2", { text: t("audit") }), field(t("search_audit"), search),
      el("div", { class: "scroll" }, el("table", { class: "audit" }, el("thead", {}, el("tr", {}, ["#", t("at"), t("actor"), t("action"), t("target")].map((h) => el("th", { scope: "col", text: h })))), body))),
    el("section", { class: "card" }, el("h2", { text: `${t("word_lists")} · ${words.scope}` }), kv([[t("version"), String(words.version)], [t("terms"), String(words.terms.length)]]),
      words.terms.length ? table([t("terms"), "", ""], words.terms.slice(0, 50)) : ""),
    ...(await policyVersions(pol)),
  ];
}

// --- the policy's versions (issue 18): list, diff against live, stages, shadow vs live per rule, rule figures ---
const pct = (v) => (v === null || v === undefined ? "—" : `${(Number(v) * 100).toFixed(1)}%`);
async function policyVersions(pol) {
  let list;
  try { list = await api("/v1/policies"); } catch (err) { return []; } // a role that may not read versions
  const st = list.stages;
  const diffOut = el("div", { id: "policy-diff" });
  const showDiff = (v) => act(() => api(`/v1/policies/${v.id}/diff?against=${st.live_id}`), (d) => diffOut.replaceChildren(
    el("h3", { text: `${t("diff_h")}: #${d.old_id} (${t("stage_live")}) → #${d.new_id}` }),
    d.diff ? el("pre", { class: "diff", tabindex: "0" }, d.diff.split("\n").map((line) => el("span", { class: line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : "", text: `${line}\n` })))
      : el("p", { class: "muted", text: t("no_diff") })));
  const stageBadge = (s_) => (s_ ? badge(tr("stages", s_), s_ === "live" ? "ok" : "warn") : "—");
  const rows = list.items.slice().reverse().map((v) => el("tr", { "data-version": String(v.id), "data-stage": v.stage || "" },
    el("td", { text: `#${v.id}` }), el("td", { text: v.label }), el("td", {}, stageBadge(v.stage)), el("td", { text: v.author }), el("td", { text: fmtTime(v.created_at) }), el("td", { text: v.comment }),
    el("td", {}, st && v.id !== st.live_id ? el("button", { type: "button", class: "small secondary", text: t("diff_live"), onclick: () => showDiff(v) }) : "")));
  const out = [el("section", { class: "card", id: "versions-card" }, el("h2", { text: t("policy_versions") }),
    st ? kv([[t("stage_live"), `#${st.live_id}`], [t("stage_shadow"), st.shadow_id ? `#${st.shadow_id}` : "—"],
      [t("stage_staged"), st.staged_id ? `#${st.staged_id} · ${st.staged_share}% ${t("of_enterprises")}` : "—"],
      [t("changed"), `${fmtTime(st.changed_at)} · ${st.changed_by} · ${st.reason}`]]) : "",
    el("div", { class: "scroll" }, el("table", { class: "versions" }, el("thead", {}, el("tr", {}, ["#", t("version"), t("stage"), t("actor"), t("at"), t("comment"), ""].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows))),
    diffOut)];
  if (st && st.shadow_id) { // what the shadow version would have restricted that live did not, and the reverse, per rule
    const sd = await api(`/v1/policies/${st.shadow_id}/shadow-diff`);
    out.push(el("section", { class: "card", id: "shadow-card" }, el("h2", { text: `${t("shadow_vs_live")} · #${sd.version_id}` }),
      kv([[t("events"), String(sd.events)], [t("decisions_differ"), String(sd.decisions_differ)]]),
      sd.rules.length ? el("div", { class: "scroll" }, table([t("rule"), t("shadow_only"), t("live_only"), t("both"), t("examples")],
        sd.rules.map((r) => [r.rule, String(r.shadow_only), String(r.live_only), String(r.both), [...r.shadow_only_examples.map((x) => `+${x}`), ...r.live_only_examples.map((x) => `−${x}`)].slice(0, 6).join(" ")]), "shadow"))
        : el("p", { class: "muted", text: t("no_shadow_diff") })));
  }
  const rules = Object.keys((pol.policy && pol.policy.rules) || {});
  const which = select("rule", rules.map((r) => [r, r]));
  const figOut = el("div", { id: "figures-out" });
  const figRow = (f, label) => [label, String(f.hits), String(f.restrictions), `${f.appealed} (${pct(f.appealed_share)})`, `${f.wrong}/${f.labelled} (${pct(f.overturn_rate)})`, pct(f.precision)];
  const showFigures = () => act(() => api(`/v1/rules/${encodeURIComponent(which.value)}/figures`), (x) => figOut.replaceChildren(el("div", { class: "scroll", "data-rule": x.rule },
    table([t("version"), t("hits"), t("restrictions_n"), t("appealed"), t("overturned"), t("precision")],
      [figRow(x.total, t("total")), ...x.versions.map((f) => figRow(f, f.version_id ? `#${f.version_id}` : f.policy_hash.slice(0, 12)))], "figures"))));
  if (rules.length) out.push(el("section", { class: "card", id: "rule-figures" }, el("h2", { text: t("rule_figures") }),
    el("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); showFigures(); } }, field(t("rule"), which), el("button", { type: "submit", text: t("show") })), figOut));
  return out;
}

// --- backtests (issue 18): start one of a stored version, watch its progress, read its result --------------------
const BT_TONE = { queued: "warn", running: "warn", done: "ok", failed: "bad" };
let btWatch = 0; // the backtest being watched: a newer watch (or a re-render) ends the older poll
function btProgress(b) { // a real progress bar: value and max, named by its label
  const p = b.progress, total = p.events_total || 0;
  const bar = el("progress", { max: String(Math.max(total, 1)), value: String(total ? p.events_done : 0), "aria-label": t("bt_progress") });
  return el("span", { class: "bt-progress" }, bar, ` ${p.events_done} / ${total || "…"} ${t("bt_replayed")}`);
}
function btResult(b) {
  const x = b.result, lab = x.labels || { current: {}, candidate: {}, labelled_strikes: 0 };
  const rules = [...new Set([...Object.keys(x.per_rule || {}), ...Object.keys(lab.current || {}), ...Object.keys(lab.candidate || {})])].sort();
  const rate = (m, r, k) => pct(((m || {})[r] || {})[k]);
  const rows = rules.map((r) => [r, String((x.per_rule[r] || {}).current ?? 0), String((x.per_rule[r] || {}).candidate ?? 0),
    rate(lab.current, r, "precision"), rate(lab.candidate, r, "precision"), rate(lab.current, r, "recall"), rate(lab.candidate, r, "recall")]);
  const accounts = (items, id) => {
    const ids = Object.keys(items || {});
    return ids.length ? el("ul", { class: "bt-accounts", id }, ids.map((a) => el("li", { "data-account": a }, el("strong", { text: a }), " ", chips(items[a]))))
      : el("p", { class: "muted", id, text: t("bt_nobody") });
  };
  const w = x.weights || { mean: {} };
  return [
    kv([[t("events"), String(x.events)], [t("bt_vs"), el("span", {}, el("span", { class: "chip", text: `${t("stage_live")} ${x.current_policy.slice(0, 12)}` }), " → ", el("span", { class: "chip", text: `#${b.candidate_version} ${x.candidate_policy.slice(0, 12)}` }))],
      [t("bt_labelled"), String(lab.labelled_strikes)], [t("bt_denied"), `${x.denied.current} → ${x.denied.candidate}`],
      [t("bt_weight"), `${w.mean.current ?? "—"} → ${w.mean.candidate ?? "—"}`]]),
    el("h3", { text: t("bt_per_rule") }),
    lab.labelled_strikes ? "" : el("p", { class: "muted", text: t("bt_no_labels") }),
    el("div", { class: "scroll" }, table([t("rule"), t("bt_strikes_live"), t("bt_strikes_cand"), t("bt_prec_live"), t("bt_prec_cand"), t("bt_rec_live"), t("bt_rec_cand")], rows, "bt-rules")),
    el("h3", { text: `${t("bt_newly")} (${Object.keys(x.newly_restricted).length})` }), accounts(x.newly_restricted, "bt-newly"),
    el("h3", { text: `${t("bt_no_longer")} (${Object.keys(x.no_longer_restricted).length})` }), accounts(x.no_longer_restricted, "bt-no-longer"),
  ];
}
const who = (b) => el("span", { title: b.requested_by, text: b.requested_by_label || b.requested_by });
function btRow(b) { // one line of the list; the watched one is redrawn as it moves
  return el("tr", { "data-backtest": b.id, "data-state": b.state },
    el("td", { text: fmtTime(b.created_at) }), el("td", { text: `#${b.candidate_version}` }), el("td", {}, badge(tr("bt_states", b.state), BT_TONE[b.state])),
    el("td", {}, b.state === "done" || b.state === "failed" ? `${b.progress.events_done} / ${b.progress.events_total}` : btProgress(b)), el("td", {}, who(b)),
    el("td", {}, el("button", { type: "button", class: "small secondary", text: t("bt_open"), onclick: () => watchBacktest(b.id) })));
}
function btCard(b) {
  return el("section", { class: "card", id: "backtest-card", "data-backtest": b.id, "data-state": b.state },
    el("div", { class: "head" }, el("h2", { text: `${t("bt_result")} · ${b.id}` }), el("span", { class: "spacer" }), badge(tr("bt_states", b.state), BT_TONE[b.state])),
    kv([[t("bt_candidate"), `#${b.candidate_version}`], [t("bt_requested_by"), who(b)], [t("at"), fmtTime(b.created_at)],
      [t("bt_progress"), b.state === "done" ? null : btProgress(b)]]),
    b.state === "failed" ? el("p", { class: "callout", "data-error-code": b.error_code || "", text: `${t("bt_why")}: ${b.error_text || b.error || ""}` }) : "",
    ...(b.state === "done" && b.result ? btResult(b) : []));
}
async function watchBacktest(id) { // poll while it runs (once a second), showing its progress, then its result
  const me = ++btWatch, out = $("backtest-out");
  for (;;) {
    let b;
    try { b = await api(`/v1/backtests/${encodeURIComponent(id)}`); } catch (err) { showError(err); return; }
    if (me !== btWatch || !out.isConnected) return;
    out.replaceChildren(btCard(b));
    const row = document.querySelector(`#backtests-list tr[data-backtest="${id}"]`);
    if (row) row.replaceWith(btRow(b));
    if (b.state === "done" || b.state === "failed") return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
async function viewBacktests() {
  btWatch++;
  const [list, versions] = await Promise.all([api("/v1/backtests?limit=50"), api("/v1/policies")]);
  const out = el("div", { id: "backtest-out", "aria-live": "polite" });
  const writer = state.me && ["platform", "reviewer"].includes(state.me.role);
  const live = versions.stages ? versions.stages.live_id : null;
  const options = versions.items.slice().reverse().map((v) => [String(v.id), `#${v.id} · ${v.label}${v.stage ? ` · ${tr("stages", v.stage)}` : ""}${v.comment ? ` · ${v.comment}` : ""}`]);
  const pick = select("candidate_version", options, String((versions.items.slice().reverse().find((v) => v.id !== live) || {}).id || live));
  const start = el("section", { class: "card", id: "backtest-start" }, el("h2", { text: t("bt_start_h") }), el("p", { class: "muted", text: t("bt_help") }),
    el("form", { class: "inline", onsubmit: (e) => { e.preventDefault();
      act(() => api("/v1/backtests", { method: "POST", body: { candidate_version: Number(pick.value) } }), (b) => { notice(t("bt_started")); return VIEWS.backtests().then(() => watchBacktest(b.id)); }); } },
      field(t("bt_candidate"), pick), el("button", { type: "submit", text: t("bt_start") })));
  const rows = list.items.map(btRow);
  return [
    writer ? start : "",
    el("section", { class: "card", id: "backtests-list" }, el("h2", { text: t("bt_list") }),
      rows.length ? el("div", { class: "scroll" }, el("table", { class: "backtests" }, el("thead", {}, el("tr", {}, [t("at"), t("bt_candidate"), t("state"), t("bt_progress"), t("bt_requested_by"), ""].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows)))
        : el("p", { class: "muted", text: t("bt_none") })),
    out,
  ];
}

// --- wiring ----------------------------------------------------------------------------------------------
const ROLE_TABS = {
  member: ["account", "unblock", "appeals", "weight", "helper"],
  reviewer: ["review", "account", "weight", "unblock"],
  enterprise_admin: ["enterprise", "usage"],
  hr: ["cases", "enterprise"], investigator: ["cases", "enterprise"], analyst: ["cases"],
  platform: ["platform", "backtests", "review", "account", "weight", "unblock"], auditor: ["platform", "backtests", "review", "account", "weight"],
};
const DEFAULT_TABS = ["account", "weight", "review", "unblock"];
const val = (f, name) => (f && f[name] ? f[name].value.trim() : "");
const VIEWS = {
  account: (f) => run($("account-out"), () => viewAccount(val(f, "account"))),
  weight: (f) => run($("weight-out"), () => viewWeight(val(f, "account"), val(f, "enterprise"))),
  review: () => { $("appeal-out").replaceChildren(); return run($("review-out"), viewReview); },
  unblock: (f) => run($("unblock-out"), () => viewUnblock(val(f, "account"))),
  appeals: () => run($("appeals-out"), () => viewAppeals()),
  helper: () => run($("helper-out"), viewHelper),
  enterprise: () => run($("enterprise-out"), () => viewEnterprise(state.me.enterprise_id)),
  usage: () => run($("usage-out"), () => viewUsage(state.me.enterprise_id)),
  cases: () => { $("case-out").replaceChildren(); return run($("cases-out"), () => viewCases(state.me.enterprise_id)); },
  platform: () => run($("platform-out"), viewPlatform),
  backtests: () => run($("backtests-out"), () => viewBacktests()),
};
function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-opt]").forEach((n) => { n.textContent = t(n.dataset.i18nOpt); });
  $("lang").textContent = t("lang_button");
  document.title = `warden ${t("console")}`;
  showMe();
}
function showMe() {
  const who = $("who");
  if (!state.me) { who.hidden = true; return; }
  who.hidden = false;
  who.textContent = `${t("signed_in")}: ${state.me.label} · ${state.me.role}${state.me.account_id ? ` · ${state.me.account_id}` : state.me.enterprise_id ? ` · ${state.me.enterprise_id}` : ""}`;
}
function visibleTabs() { return [...document.querySelectorAll("[role=tab]")].filter((b) => !b.hidden); }
function select_(view) {
  state.view = view;
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.id === `tab-${view}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
}
function showView(view) { // select the tab and show at once what the token may see there
  select_(view);
  const form = document.querySelector(`#view-${view} form.query`);
  if (form && form.checkValidity()) form.requestSubmit();
}
function arrange(tabs) {
  const nav = document.querySelector(".tabs");
  for (const tab of nav.querySelectorAll("[role=tab]")) tab.hidden = !tabs.includes(tab.id.slice(4));
  for (const v of tabs) nav.append($(`tab-${v}`)); // in the role's order
}
function remember(id) { // the same account id follows the person from view to view
  for (const f of ["account-id", "weight-account", "unblock-account"]) if (!$(f).value) $(f).value = id;
  store.setItem("warden.account", id);
}
async function signIn() {
  $("banner").hidden = true;
  try { state.me = await api("/v1/me"); } catch (err) { state.me = null; showError(err); arrange(DEFAULT_TABS); showMe(); return; }
  state.tz = state.me.timezone || state.tz;
  state.skew = state.me.now ? new Date(state.me.now) - Date.now() : 0;
  if (state.me.account_id) { for (const f of ["account-id", "weight-account", "unblock-account"]) $(f).value = state.me.account_id; remember(state.me.account_id); }
  if (state.me.role === "member") for (const f of ["weight-enterprise"]) $(f).closest(".field-inline").hidden = true;
  const tabs = ROLE_TABS[state.me.role] || DEFAULT_TABS;
  arrange(tabs);
  showMe();
  showView(tabs[0]); // the role's main page first
}
function init() {
  applyLang();
  $("token").value = state.token;
  const acc = store.getItem("warden.account");
  if (acc) remember(acc);
  arrange(DEFAULT_TABS);
  $("auth").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value.trim();
    store.setItem("warden.token", state.token);
    signIn();
  });
  $("forget").addEventListener("click", () => { state.token = ""; state.me = null; $("token").value = ""; store.removeItem("warden.token"); arrange(DEFAULT_TABS); showMe(); });
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    store.setItem("warden.lang", state.lang);
    applyLang();
    for (const [view, form] of Object.entries(state.last)) if (VIEWS[view]) VIEWS[view](form); // re-render in the new language
    if (state.last.appeal) openAppeal(state.last.appeal);
  });
  const nav = document.querySelector(".tabs");
  nav.addEventListener("click", (e) => { const tab = e.target.closest("[role=tab]"); if (tab) showView(tab.id.slice(4)); });
  nav.addEventListener("keydown", (e) => { // arrow keys move between the visible tabs (WAI-ARIA tabs pattern)
    const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!d) return;
    const tabs = visibleTabs(), i = tabs.indexOf(e.target.closest("[role=tab]"));
    const next = tabs[(i + d + tabs.length) % tabs.length];
    next.focus();
    showView(next.id.slice(4));
  });
  select_("account");
  for (const form of document.querySelectorAll("form.query")) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const view = form.dataset.view;
      if (form.account && form.account.value.trim()) remember(form.account.value.trim());
      state.last[view] = form;
      VIEWS[view](form);
    });
  }
  $("queue-filters").addEventListener("input", () => { if (state.queue.length || true) { const out = $("review-out"); const h = out.querySelector("h2"); out.replaceChildren(...(h ? [h] : []), queueTable()); } });
  $("queue-filters").addEventListener("submit", (e) => e.preventDefault());
  $("bulk-claim").addEventListener("click", () => act(() => bulk("claim"), refreshQueue));
  $("bulk-release").addEventListener("click", () => act(() => bulk("release"), refreshQueue));
  $("cases-filters").addEventListener("change", () => VIEWS.cases());
  $("try-form").addEventListener("submit", (e) => { e.preventDefault(); run($("try-out"), () => viewTry($("try-text").value)); });
  if (state.token) signIn();
}
init();
