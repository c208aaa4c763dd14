/*
 * Visitor-desk chat widget. One tag on any page:
 *
 *   <script src="https://desk.example/widget.js" data-server="https://desk.example"
 *           data-title="Visitor desk" data-color="#0b6e4f" data-lang="en" async></script>
 *
 * Everything lives in a Shadow DOM so the host page's CSS cannot reach it. Visitor and bot
 * text is always inserted as text (never as HTML); links are created only for http(s) URLs.
 * The conversation id and token stay in this browser's localStorage, so a reload continues
 * the conversation; a dropped socket catches up from the transcript endpoint.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__visitorDeskLoaded) { return; }
  window.__visitorDeskLoaded = true;

  var LANGS = ["en", "vi", "zh", "ko", "ja", "fr", "de", "ru"];
  var NAMES = { en: "English", vi: "Tiếng Việt", zh: "中文", ko: "한국어", ja: "日本語",
    fr: "Français", de: "Deutsch", ru: "Русский" };
  var UI = {
    en: { title: "Visitor desk", open: "Chat with the visitor desk", close: "Close chat",
      placeholder: "Type your question…", send: "Send", language: "Language",
      menu: "More options", erase: "Delete my conversation",
      confirmErase: "Delete this conversation and your data? This cannot be undone.",
      erased: "Your conversation has been deleted.", typing: "The assistant is typing…",
      offline: "Connection lost. Reconnecting…", failed: "Not sent. Tap to retry.",
      article: "Full article", reviewed: "reviewed", you: "You", officer: "Officer",
      intro: "Hello! Ask me about investing, visiting or reporting in Tây Ninh (which now includes the former Long An), in your own language.",
      privacy: "Privacy notice" },
    vi: { title: "Hỗ trợ khách", open: "Trò chuyện với bộ phận hỗ trợ khách", close: "Đóng",
      placeholder: "Nhập câu hỏi của Quý khách…", send: "Gửi", language: "Ngôn ngữ",
      menu: "Tùy chọn khác", erase: "Xóa cuộc trò chuyện của tôi",
      confirmErase: "Xóa cuộc trò chuyện này và dữ liệu của Quý khách? Không thể hoàn tác.",
      erased: "Cuộc trò chuyện đã được xóa.", typing: "Trợ lý đang soạn trả lời…",
      offline: "Mất kết nối. Đang kết nối lại…", failed: "Chưa gửi được. Bấm để gửi lại.",
      article: "Bài viết đầy đủ", reviewed: "rà soát", you: "Quý khách", officer: "Cán bộ",
      intro: "Xin chào! Quý khách có thể hỏi về đầu tư, tham quan hoặc tác nghiệp báo chí tại Tây Ninh (nay bao gồm tỉnh Long An cũ) bằng ngôn ngữ của mình.",
      privacy: "Thông báo quyền riêng tư" },
    zh: { title: "访客服务台", open: "与访客服务台聊天", close: "关闭",
      placeholder: "请输入您的问题…", send: "发送", language: "语言",
      menu: "更多选项", erase: "删除我的对话",
      confirmErase: "删除此对话及您的数据？此操作无法撤销。",
      erased: "您的对话已删除。", typing: "助手正在输入…",
      offline: "连接中断，正在重新连接…", failed: "未发送，点击重试。",
      article: "完整文章", reviewed: "审核于", you: "您", officer: "工作人员",
      intro: "您好！您可以用自己的语言咨询在西宁省 (Tây Ninh，现已包括原隆安省) 投资、旅游或采访的问题。",
      privacy: "隐私声明" },
    ko: { title: "방문객 안내", open: "방문객 안내 채팅 열기", close: "닫기",
      placeholder: "질문을 입력해 주세요…", send: "보내기", language: "언어",
      menu: "더보기", erase: "내 대화 삭제",
      confirmErase: "이 대화와 데이터를 삭제하시겠습니까? 되돌릴 수 없습니다.",
      erased: "대화가 삭제되었습니다.", typing: "답변을 작성하고 있습니다…",
      offline: "연결이 끊겼습니다. 다시 연결하는 중…", failed: "전송되지 않았습니다. 눌러서 다시 보내기.",
      article: "전체 글", reviewed: "검토일", you: "나", officer: "담당 직원",
      intro: "안녕하세요! 떠이닌성(Tây Ninh, 현재 옛 롱안성 포함)의 투자, 방문, 취재에 관해 원하시는 언어로 질문해 주세요.",
      privacy: "개인정보 처리 안내" },
    ja: { title: "来訪者窓口", open: "来訪者窓口とチャット", close: "閉じる",
      placeholder: "ご質問を入力してください…", send: "送信", language: "言語",
      menu: "その他", erase: "会話を削除",
      confirmErase: "この会話とデータを削除しますか？元に戻せません。",
      erased: "会話を削除しました。", typing: "回答を作成しています…",
      offline: "接続が切れました。再接続しています…", failed: "送信できませんでした。タップして再送信。",
      article: "記事全文", reviewed: "確認日", you: "あなた", officer: "担当者",
      intro: "こんにちは。タイニン省（Tây Ninh、旧ロンアン省を含む）での投資・観光・取材について、お好きな言語でご質問ください。",
      privacy: "プライバシーに関するお知らせ" },
    fr: { title: "Accueil des visiteurs", open: "Discuter avec l’accueil des visiteurs", close: "Fermer",
      placeholder: "Écrivez votre question…", send: "Envoyer", language: "Langue",
      menu: "Plus d’options", erase: "Supprimer ma conversation",
      confirmErase: "Supprimer cette conversation et vos données ? Action irréversible.",
      erased: "Votre conversation a été supprimée.", typing: "L’assistant écrit…",
      offline: "Connexion perdue. Reconnexion…", failed: "Non envoyé. Touchez pour réessayer.",
      article: "Article complet", reviewed: "vérifié le", you: "Vous", officer: "Agent",
      intro: "Bonjour ! Posez vos questions sur l’investissement, le tourisme ou le reportage à Tây Ninh (qui inclut l’ancienne province de Long An), dans votre langue.",
      privacy: "Avis de confidentialité" },
    de: { title: "Besucherservice", open: "Chat mit dem Besucherservice", close: "Schließen",
      placeholder: "Ihre Frage…", send: "Senden", language: "Sprache",
      menu: "Weitere Optionen", erase: "Mein Gespräch löschen",
      confirmErase: "Dieses Gespräch und Ihre Daten löschen? Das kann nicht rückgängig gemacht werden.",
      erased: "Ihr Gespräch wurde gelöscht.", typing: "Der Assistent schreibt…",
      offline: "Verbindung verloren. Neuer Versuch…", failed: "Nicht gesendet. Tippen zum Wiederholen.",
      article: "Vollständiger Artikel", reviewed: "geprüft am", you: "Sie", officer: "Mitarbeiter",
      intro: "Guten Tag! Fragen Sie in Ihrer Sprache zu Investitionen, Reisen oder Berichterstattung in Tây Ninh (einschließlich der früheren Provinz Long An).",
      privacy: "Datenschutzhinweis" },
    ru: { title: "Служба для посетителей", open: "Чат со службой для посетителей", close: "Закрыть",
      placeholder: "Введите вопрос…", send: "Отправить", language: "Язык",
      menu: "Ещё", erase: "Удалить мою переписку",
      confirmErase: "Удалить эту переписку и Ваши данные? Отменить будет нельзя.",
      erased: "Переписка удалена.", typing: "Ассистент печатает…",
      offline: "Связь потеряна. Переподключение…", failed: "Не отправлено. Нажмите, чтобы повторить.",
      article: "Полная статья", reviewed: "проверено", you: "Вы", officer: "Сотрудник",
      intro: "Здравствуйте! Задайте на своём языке вопрос об инвестициях, поездках или работе журналистов в провинции Тэйнинь (Tây Ninh), куда теперь входит бывшая провинция Лонган.",
      privacy: "Уведомление о конфиденциальности" }
  };

  var server = (script.getAttribute("data-server") || new URL(script.src).origin).replace(/\/$/, "");
  var color = /^#[0-9a-fA-F]{3,8}$/.test(script.getAttribute("data-color") || "")
    ? script.getAttribute("data-color") : "#0b6e4f";
  var pageLang = script.getAttribute("data-lang") || document.documentElement.lang ||
    navigator.language || "en";
  var storeKey = "visitor-desk:" + server;
  var state = load();
  var uiLang = state.language || base(pageLang) || base(navigator.language) || "en";
  var titleText = script.getAttribute("data-title") || null;

  function base(code) {
    var b = String(code || "").toLowerCase().split(/[-_]/)[0];
    return LANGS.indexOf(b) >= 0 ? b : null;
  }
  function t(key) { return (UI[uiLang] || UI.en)[key] || UI.en[key]; }
  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // --- DOM ------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-visitor-desk", "");
  var root = host.attachShadow({ mode: "open" });
  var css = new CSSStyleSheet();
  css.replaceSync([
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:var(--c);color:#fff;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,button:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:380px;max-width:calc(100vw - 24px);",
    "height:600px;max-height:calc(100vh - 40px);display:flex;flex-direction:column;background:#fff;",
    "border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden;color:#1c1c1c}",
    ".panel[hidden]{display:none}",
    "header{background:var(--c);color:#fff;padding:10px 12px;display:flex;align-items:center;gap:8px}",
    "header h2{font-size:16px;margin:0;flex:1}",
    "header select{max-width:110px;border-radius:6px;border:0;padding:4px}",
    "header button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer;padding:2px 6px}",
    ".menu{position:absolute;top:48px;right:8px;background:#fff;border:1px solid #ddd;border-radius:8px;",
    "box-shadow:0 4px 12px rgba(0,0,0,.2);z-index:3}",
    ".menu button{display:block;background:#fff;color:#b00020;border:0;padding:10px 14px;font-size:14px;cursor:pointer}",
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f6f7f8;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;font-size:14px;line-height:1.4;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".visitor{align-self:flex-end;background:var(--c);color:#fff;border-bottom-right-radius:3px}",
    ".bot,.system{align-self:flex-start;background:#fff;border:1px solid #e2e2e2;border-bottom-left-radius:3px}",
    ".system{background:#fff8e1}",
    ".officer{align-self:flex-start;background:#e8f0fe;border:1px solid #c6d8fb}",
    ".who{display:block;font-size:11px;font-weight:600;margin-bottom:2px;color:#3a4a6b}",
    ".msg a{color:inherit;text-decoration:underline}",
    ".sources{margin-top:6px;font-size:12px;color:#555}",
    ".buttons{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start}",
    ".buttons button{border:1px solid var(--c);background:#fff;color:var(--c);border-radius:16px;padding:6px 12px;font-size:13px;cursor:pointer}",
    ".pending{opacity:.6}.failed{opacity:1;background:#b00020;cursor:pointer}",
    ".typing,.status{font-size:12px;color:#666;padding:4px 12px;min-height:20px}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e2e2e2;background:#fff}",
    "textarea{flex:1;resize:none;border:1px solid #ccc;border-radius:8px;padding:8px;font-size:14px;height:44px;max-height:120px}",
    "form button{background:var(--c);color:#fff;border:0;border-radius:8px;padding:0 14px;font-size:14px;cursor:pointer}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}"
  ].join(""));
  root.adoptedStyleSheets = [css];
  host.style.setProperty("--c", color);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var launcher = el("button", { class: "launcher", type: "button", "aria-haspopup": "dialog" });
  var panel = el("section", { class: "panel", role: "dialog", "aria-modal": "false", hidden: "" });
  var header = el("header");
  var heading = el("h2", { id: "vd-title" });
  panel.setAttribute("aria-labelledby", "vd-title");
  var select = el("select", {});
  LANGS.forEach(function (code) {
    var option = el("option", { value: code, lang: code }, NAMES[code]);
    select.appendChild(option);
  });
  var menuButton = el("button", { type: "button", "aria-haspopup": "menu" }, "⋯");
  var closeButton = el("button", { type: "button" }, "×");
  header.append(heading, select, menuButton, closeButton);
  var menu = el("div", { class: "menu", role: "menu", hidden: "" });
  var eraseButton = el("button", { type: "button", role: "menuitem" });
  menu.appendChild(eraseButton);
  var log = el("div", { class: "log", role: "log", "aria-live": "polite" });
  var typing = el("div", { class: "typing", "aria-live": "polite" });
  var status = el("div", { class: "status", role: "status" });
  var form = el("form", {});
  var input = el("textarea", { rows: "1", maxlength: "4096" });
  var sendButton = el("button", { type: "submit" });
  form.append(input, sendButton);
  panel.append(header, menu, log, status, typing, form);
  root.append(launcher, panel);

  function applyLanguage() {
    launcher.textContent = t("open");
    launcher.setAttribute("aria-label", t("open"));
    heading.textContent = titleText || t("title");
    select.value = uiLang;
    select.setAttribute("aria-label", t("language"));
    menuButton.setAttribute("aria-label", t("menu"));
    closeButton.setAttribute("aria-label", t("close"));
    eraseButton.textContent = t("erase");
    input.setAttribute("placeholder", t("placeholder"));
    input.setAttribute("aria-label", t("placeholder"));
    sendButton.textContent = t("send");
    panel.setAttribute("lang", uiLang);
  }

  // --- rendering ------------------------------------------------------------------------
  var rendered = {};           // message id -> true
  var buttonTitles = {};       // payload -> title, to show a tapped button as its title
  var lastButtons = null;

  function appendText(node, text) {
    // Links only for http(s) URLs; everything else stays text.
    var parts = String(text).split(/(https?:\/\/[^\s<>"')]+)/g);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        var a = el("a", { href: part, target: "_blank", rel: "noopener noreferrer nofollow" }, part);
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function renderMessage(m) {
    if (m.id && rendered[m.id]) { return; }
    if (m.id) { rendered[m.id] = true; }
    var bubble = el("div", { class: "msg " + m.sender });
    if (m.sender === "officer") { bubble.appendChild(el("span", { class: "who" }, t("officer"))); }
    var shown = m.sender === "visitor" && buttonTitles[m.text] ? buttonTitles[m.text] : m.text;
    appendText(bubble, shown);
    if (m.sources && m.sources.length) {
      // The answer text names the legal sources; this links the article and its review date.
      var src = el("div", { class: "sources" });
      src.appendChild(document.createTextNode(t("article") + ": "));
      m.sources.forEach(function (s, i) {
        if (i) { src.appendChild(document.createTextNode(" · ")); }
        if (/^https?:\/\//.test(s.url)) {
          src.appendChild(el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.title));
        } else {
          src.appendChild(document.createTextNode(s.title));
        }
        if (s.reviewed) { src.appendChild(document.createTextNode(" (" + t("reviewed") + " " + s.reviewed + ")")); }
      });
      bubble.appendChild(src);
    }
    log.appendChild(bubble);
    if (lastButtons) { lastButtons.remove(); lastButtons = null; }
    if (m.buttons && m.buttons.length) {
      var row = el("div", { class: "buttons" });
      m.buttons.forEach(function (b) {
        buttonTitles[b.payload] = b.title;
        var button = el("button", { type: "button" }, b.title);
        button.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(button);
      });
      log.appendChild(row);
      lastButtons = row;
    }
    log.scrollTop = log.scrollHeight;
  }

  function showIntro() {
    var bubble = el("div", { class: "msg system" });
    appendText(bubble, t("intro") + " ");
    bubble.appendChild(el("a", { href: server + "/kb/privacy?lang=" + uiLang, target: "_blank",
      rel: "noopener noreferrer" }, t("privacy")));
    log.appendChild(bubble);
  }

  // --- transport ------------------------------------------------------------------------
  var socket = null, socketReady = false, retry = 0, pending = {};

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    return fetch(server + path, { method: method, headers: headers,
      body: body ? JSON.stringify(body) : undefined }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error((data.error && data.error.message) || r.status);
          err.status = r.status;
          err.retryAfter = (data.error && data.error.retry_after) || Number(r.headers.get("Retry-After")) || 5;
          err.localized = data.error && data.error.localized;
          throw err;
        }
        return data;
      });
    });
  }

  function catchUp() {
    if (!state.conversation_id) { return Promise.resolve(); }
    return api("GET", "/api/v1/conversations/" + encodeURIComponent(state.conversation_id) +
      "/messages?after=" + (state.cursor || 0)).then(function (data) {
      followLanguage(data.language);
      data.messages.forEach(function (m) { renderPendingDone(m); renderMessage(m); });
      state.cursor = data.cursor; save();
    }).catch(function (err) {
      if (err.status === 401) { forgetLocally(); }
    });
  }

  function renderPendingDone(m) {
    if (m.sender !== "visitor") { return; }
    Object.keys(pending).forEach(function (id) {
      if (pending[id].text === m.text) { pending[id].node.remove(); delete pending[id]; }
    });
  }

  function connect() {
    if (!state.conversation_id || socket || !window.WebSocket) { return; }
    var url = server.replace(/^http/, "ws") + "/api/v1/ws";
    socket = new WebSocket(url);
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "hello", conversation_id: state.conversation_id, token: state.token }));
    };
    socket.onmessage = function (event) {
      var frame; try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "ready") { socketReady = true; retry = 0; status.textContent = ""; catchUp(); }
      else if (frame.type === "typing") { typing.textContent = t("typing"); }
      else if (frame.type === "result") { typing.textContent = ""; onResult(frame.result); }
      else if (frame.type === "message") { catchUp(); }
      else if (frame.type === "error" && frame.code === "rate_limited" && pending[frame.client_message_id]) {
        // Not stored: the same message goes again once the limit allows it.
        typing.textContent = "";
        slowDown(frame.localized, frame.retry_after, pending[frame.client_message_id].body);
      }
      else if (frame.type === "error") { typing.textContent = ""; markFailed(); }
    };
    socket.onclose = function (event) {
      socket = null; socketReady = false;
      if (event.code === 4401) { forgetLocally(); return; }
      if (!state.conversation_id) { return; }
      status.textContent = t("offline");
      retry = Math.min(retry + 1, 6);
      setTimeout(function () { catchUp().then(connect); }, 500 * Math.pow(2, retry));
    };
  }

  function followLanguage(lang) {
    // Without an explicit choice, the widget speaks the conversation's language.
    if (!state.language && UI[lang] && lang !== uiLang) { uiLang = lang; applyLanguage(); }
  }

  function onResult(result) {
    followLanguage(result.language);
    var firstTime = !state.conversation_id;
    state.conversation_id = result.conversation_id;
    state.token = result.token;
    save();
    catchUp().then(function () { if (firstTime) { connect(); } });
  }

  function slowDown(text, seconds, body) {
    status.textContent = text || t("failed");
    setTimeout(function () {
      status.textContent = "";
      if (pending[body.client_message_id]) { transmit(body); }
    }, Math.max(1, seconds || 5) * 1000);
  }

  function markFailed() {
    Object.keys(pending).forEach(function (id) {
      var p = pending[id];
      p.node.classList.add("failed");
      p.node.title = t("failed");
    });
  }

  function send(text, shownAs) {
    text = String(text || "");
    if (!text.trim()) { return; }
    var id = uuid();
    var node = el("div", { class: "msg visitor pending" }, shownAs || text);
    node.addEventListener("click", function () {
      if (node.classList.contains("failed")) { node.remove(); delete pending[id]; send(text, shownAs); }
    });
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    var body = { text: text, client_message_id: id, locale: pageLang };
    pending[id] = { text: text, node: node, body: body };
    if (state.language) { body.language = state.language; }
    if (Intl && Intl.DateTimeFormat) {
      try { body.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { /* older browsers */ }
    }
    transmit(body);
  }

  // Over the socket when it is up (the server sends "typing" itself), else over HTTP.
  function transmit(body) {
    if (socketReady && socket) {
      socket.send(JSON.stringify(Object.assign({ type: "message" }, body)));
      return;
    }
    typing.textContent = t("typing");
    postWithRetry(body, 0);
  }

  function postWithRetry(body, attempt) {
    if (state.conversation_id) { body.conversation_id = state.conversation_id; }
    api("POST", "/api/v1/messages", body).then(function (result) {
      typing.textContent = "";
      onResult(result);
    }).catch(function (err) {
      // Network errors are retried with the same client_message_id: never processed twice.
      if (!err.status && attempt < 3) {
        setTimeout(function () { postWithRetry(body, attempt + 1); }, 1000 * (attempt + 1));
        return;
      }
      typing.textContent = "";
      if (err.status === 429) { slowDown(err.localized, err.retryAfter, body); return; }
      if (err.status === 401) { forgetLocally(); }
      markFailed();
    });
  }

  function forgetLocally() {
    state = { language: state.language };
    save();
    rendered = {};
    if (socket) { try { socket.close(); } catch (e) { /* closed */ } }
    socket = null; socketReady = false;
    while (log.firstChild) { log.removeChild(log.firstChild); }
    showIntro();
  }

  // --- behaviour ------------------------------------------------------------------------
  function openPanel() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
  }
  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    menu.hidden = true;
    launcher.focus();
  }
  launcher.addEventListener("click", openPanel);
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { closePanel(); } });
  menuButton.addEventListener("click", function () { menu.hidden = !menu.hidden; });
  eraseButton.addEventListener("click", function () {
    menu.hidden = true;
    if (!state.conversation_id || !window.confirm(t("confirmErase"))) { return; }
    api("DELETE", "/api/v1/conversations/" + encodeURIComponent(state.conversation_id)).then(function () {
      forgetLocally();
      status.textContent = t("erased");
    });
  });
  select.addEventListener("change", function () {
    uiLang = select.value;
    state.language = uiLang; // an explicit choice: sent with every message from now on
    save();
    applyLanguage();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  // Officer replies reach an open socket at once; this catches what a socket on another
  // gateway replica, or a dropped frame, would have brought.
  setInterval(function () {
    if (state.conversation_id && !panel.hidden && !document.hidden) { catchUp(); }
  }, 20000);

  applyLanguage();
  if (state.conversation_id) {
    state.cursor = 0; // a new page shows the whole conversation again
    catchUp().then(connect);
  } else {
    showIntro();
  }
  (document.body || document.documentElement).appendChild(host);
  window.visitorDesk = { open: openPanel, close: closePanel };
})();
