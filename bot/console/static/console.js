/*
 * Officers' console: the live queue, transcripts, replies, press requests, knowledge gaps and
 * the overview. Everything goes through the JSON API under /api/v1/officer; the session lives
 * in an HttpOnly cookie and every change carries the CSRF token. Text from visitors is always
 * inserted as text, never as HTML.
 */
(function () {
  "use strict";
  var API = "/api/v1/officer";
  var app = document.getElementById("app");
  var csrf = null, me = null, events = null;
  var view = "queue", selected = null, unseen = 0, timer = null;

  // --- helpers --------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function call(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (csrf && method !== "GET") { headers["X-CSRF-Token"] = csrf; }
    return fetch(API + path, { method: method, headers: headers, credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error((data.error && data.error.message) || ("HTTP " + r.status));
          err.status = r.status; throw err;
        }
        return data;
      });
    });
  }
  function minutes(seconds) {
    if (seconds < 60) { return seconds + " s"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min"; }
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }
  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(); var gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(ctx.destination); osc.start();
      setTimeout(function () { osc.stop(); ctx.close(); }, 180);
    } catch (e) { /* no audio: the badge is enough */ }
  }
  function setBadge() {
    var badge = document.getElementById("badge");
    if (badge) { badge.textContent = unseen; badge.hidden = unseen === 0; }
    document.title = (unseen ? "(" + unseen + ") " : "") + "Visitor desk · officers";
  }

  // --- login ----------------------------------------------------------------------------
  function showLogin(message) {
    clear(app);
    var form = el("form", { class: "login", "aria-label": "Officer login" });
    form.append(el("h1", {}, "Visitor desk · officers"));
    var user = el("input", { id: "username", name: "username", autocomplete: "username", required: "" });
    var pass = el("input", { id: "password", name: "password", type: "password",
      autocomplete: "current-password", required: "" });
    var error = el("p", { class: "error", role: "alert" }, message || "");
    form.append(el("label", { for: "username" }, "Username"), user,
      el("label", { for: "password" }, "Password"), pass,
      el("button", { type: "submit" }, "Log in"), error);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      call("POST", "/login", { username: user.value, password: pass.value, session: "cookie" })
        .then(function (data) { csrf = data.csrf_token; me = data.officer; start(); })
        .catch(function (err) { error.textContent = err.message; pass.value = ""; pass.focus(); });
    });
    app.append(form);
    user.focus();
  }

  // --- layout ---------------------------------------------------------------------------
  function start() {
    clear(app);
    var header = el("header");
    header.append(el("h1", {}, "Visitor desk · officers"));
    var nav = el("nav", { "aria-label": "Sections" });
    var tabs = [["queue", "Queue"], ["cases", "Press requests"], ["gaps", "Knowledge gaps"],
      ["overview", "Overview"]];
    if (me.role === "admin") { tabs.push(["audit", "Audit log"]); }
    tabs.forEach(function (t) {
      var b = el("button", { type: "button", "data-view": t[0] }, t[1]);
      if (t[0] === "queue") { b.append(" ", el("span", { id: "badge", class: "badge", hidden: "" }, "0")); }
      b.addEventListener("click", function () { view = t[0]; render(); });
      nav.append(b);
    });
    var who = el("span", { class: "who" }, me.display_name + " (" + me.role + ")");
    var out = el("button", { type: "button" }, "Log out");
    out.addEventListener("click", function () {
      call("POST", "/logout").finally(function () { stopLive(); showLogin(); });
    });
    header.append(nav, who, out);
    app.append(header, el("main", { id: "main" }));
    stopLive();
    connectEvents();
    // Live events come from the gateway process this console is connected to; with several
    // gateway replicas this refresh brings what the others saw (never over a draft reply).
    timer = setInterval(function () {
      if (view !== "queue") { return; }
      loadQueue(false);
      var detail = document.getElementById("detail");
      var draft = detail && detail.querySelector("textarea");
      var busy = detail && detail.contains(document.activeElement) && document.activeElement !== document.body;
      if (selected && !busy && !(draft && draft.value)) { openTicket(selected); }
    }, 30000);
    render();
  }

  function render() {
    document.querySelectorAll("nav button").forEach(function (b) {
      if (b.getAttribute("data-view") === view) { b.setAttribute("aria-current", "page"); }
      else { b.removeAttribute("aria-current"); }
    });
    var main = document.getElementById("main");
    clear(main);
    if (view === "queue") { unseen = 0; setBadge(); renderQueue(main); }
    else if (view === "cases") { renderCases(main); }
    else if (view === "gaps") { renderGaps(main); }
    else if (view === "overview") { renderOverview(main); }
    else if (view === "audit") { renderAudit(main); }
  }

  // Ends the live feed and the periodic refresh: after logout a refresh would get 401 and
  // redraw the login form under the officer's fingers.
  function stopLive() {
    if (events) { events.close(); events = null; }
    if (timer) { clearInterval(timer); timer = null; }
  }

  function connectEvents() {
    if (events) { events.close(); }
    events = new EventSource(API + "/events", { withCredentials: true });
    events.addEventListener("ticket_opened", function () {
      unseen += 1; setBadge(); beep();
      if (view === "queue") { loadQueue(false); }
    });
    events.addEventListener("ticket_changed", function (e) {
      if (view !== "queue") { return; }
      loadQueue(false);
      var data = JSON.parse(e.data);
      if (selected === data.id) { openTicket(selected); }
    });
    events.addEventListener("visitor_message", function (e) {
      var data = JSON.parse(e.data);
      if (view === "queue" && selected === data.ticket_id) { openTicket(selected); }
    });
  }

  // --- queue ----------------------------------------------------------------------------
  function renderQueue(main) {
    var split = el("div", { class: "split" });
    var left = el("section", { class: "panel", "aria-label": "Queue" });
    left.append(el("h2", {}, "Queue"), el("ul", { class: "list", id: "tickets", role: "listbox" }));
    var right = el("section", { class: "panel", id: "detail", "aria-label": "Conversation" });
    right.append(el("p", { class: "muted" }, "Select a ticket."));
    split.append(left, right);
    main.append(split);
    loadQueue(true);
  }

  function loadQueue(openSelected) {
    call("GET", "/tickets?status=open").then(function (data) {
      var list = document.getElementById("tickets");
      if (!list) { return; }
      clear(list);
      if (!data.tickets.length) { list.append(el("li", {}, "No open tickets.")); }
      data.tickets.forEach(function (t) {
        var li = el("li", { role: "option", "data-ticket": t.id, tabindex: "0",
          "aria-selected": String(t.id === selected) });
        var info = el("div");
        info.append(el("span", { class: "tag " + t.status }, t.status),
          el("span", { class: "tag " + t.priority }, t.priority),
          el("span", { class: "tag" }, t.language), el("span", { class: "tag" }, t.channel),
          el("span", { class: "tag" }, t.reason));
        li.append(info, el("span", { class: "muted" }, minutes(t.waiting_seconds)));
        li.addEventListener("click", function () { openTicket(t.id); });
        li.addEventListener("keydown", function (e) { if (e.key === "Enter") { openTicket(t.id); } });
        list.append(li);
      });
      if (openSelected && selected) { openTicket(selected); }
    }).catch(handleAuth);
  }

  function openTicket(id) {
    selected = id;
    document.querySelectorAll("#tickets li").forEach(function (li) {
      li.setAttribute("aria-selected", String(li.getAttribute("data-ticket") === id));
    });
    call("GET", "/tickets/" + encodeURIComponent(id)).then(function (data) {
      var detail = document.getElementById("detail");
      if (!detail) { return; }
      clear(detail);
      var t = data.ticket, c = data.conversation;
      detail.append(el("h2", {}, "Ticket " + t.id + " · " + t.status));
      var meta = el("p", { class: "muted" }, "Language " + t.language + " · " + t.channel + " · " +
        t.reason + " · priority " + t.priority + " · waiting " + minutes(t.waiting_seconds));
      detail.append(meta);
      if (c.contact_email) { detail.append(el("p", {}, "Contact email: " + c.contact_email)); }
      var transcript = el("div", { class: "transcript", id: "transcript", role: "log" });
      data.messages.forEach(function (m) {
        var bubble = el("div", { class: "msg " + m.sender });
        bubble.append(el("span", { class: "meta" }, m.sender + " · " + m.created_at.slice(11, 16)));
        bubble.append(document.createTextNode(m.text));
        m.sources.forEach(function (s) {
          var src = el("div", { class: "muted" });
          src.append("Source: ", el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.title),
            " (reviewed " + s.reviewed + ")");
          bubble.append(src);
        });
        transcript.append(bubble);
      });
      detail.append(transcript);
      transcript.scrollTop = transcript.scrollHeight;
      detail.append(ticketActions(t, data.canned));
    }).catch(handleAuth);
  }

  function ticketActions(t, canned) {
    var box = el("div");
    var actions = el("div", { class: "actions" });
    var status = el("p", { class: "error", role: "status" });
    function act(label, path, body, primary) {
      var b = el("button", { type: "button", class: primary ? "primary" : "" }, label);
      b.addEventListener("click", function () {
        call("POST", "/tickets/" + encodeURIComponent(t.id) + path, body ? body() : undefined)
          .then(function () { status.textContent = ""; openTicket(t.id); loadQueue(false); })
          .catch(function (err) { status.textContent = err.message; });
      });
      return b;
    }
    if (t.status === "waiting") { actions.append(act("Claim", "/claim", null, true)); }
    if (t.status === "claimed" && t.officer_id === me.id) {
      var colleagues = el("select", { "aria-label": "Transfer to" });
      call("GET", "/officers").then(function (data) {
        data.officers.filter(function (o) { return o.id !== me.id; }).forEach(function (o) {
          colleagues.append(el("option", { value: o.id }, o.display_name));
        });
      });
      actions.append(colleagues, act("Transfer", "/transfer", function () { return { officer_id: colleagues.value }; }));
    }
    if (t.status !== "closed") { actions.append(act("Close", "/close")); }
    box.append(actions, status);
    if (t.status === "claimed" && t.officer_id === me.id) {
      var form = el("form", { class: "reply" });
      var text = el("textarea", { "aria-label": "Reply to the visitor", maxlength: "4096", id: "reply" });
      var pick = el("select", { "aria-label": "Canned replies" });
      pick.append(el("option", { value: "" }, "Canned reply…"));
      canned.forEach(function (c) { pick.append(el("option", { value: c.text }, c.key)); });
      pick.addEventListener("change", function () { if (pick.value) { text.value = pick.value; text.focus(); } });
      form.append(text, el("button", { type: "submit" }, "Send"));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        if (!text.value.trim()) { return; }
        call("POST", "/tickets/" + encodeURIComponent(t.id) + "/messages", { text: text.value })
          .then(function () { text.value = ""; openTicket(t.id); })
          .catch(function (err) { status.textContent = err.message; });
      });
      box.append(pick, form);
    }
    return box;
  }

  // --- press requests -------------------------------------------------------------------
  function renderCases(main) {
    var split = el("div", { class: "split" });
    var left = el("section", { class: "panel" });
    var list = el("ul", { class: "list" });
    left.append(el("h2", {}, "Press requests"), list);
    var right = el("section", { class: "panel", id: "case" });
    right.append(el("p", { class: "muted" }, "Select a request."));
    split.append(left, right);
    main.append(split);
    call("GET", "/cases").then(function (data) {
      if (!data.cases.length) { list.append(el("li", {}, "No requests yet.")); }
      data.cases.forEach(function (c) {
        var li = el("li", { tabindex: "0" });
        li.append(el("span", {}, c.reference + " · " + c.kind.replace("_", " ") + " · " + (c.name || "")),
          el("span", { class: "tag" }, c.status));
        li.addEventListener("click", function () { openCase(c.reference); });
        list.append(li);
      });
    }).catch(handleAuth);
  }

  function openCase(reference) {
    call("GET", "/cases/" + encodeURIComponent(reference)).then(function (data) {
      var box = document.getElementById("case");
      clear(box);
      var c = data.case;
      box.append(el("h2", {}, c.reference + " · " + c.status));
      var table = el("table");
      Object.keys(c.fields).forEach(function (k) {
        var row = el("tr");
        row.append(el("th", {}, k), el("td", {}, c.fields[k] === null ? "—" : c.fields[k]));
        table.append(row);
      });
      box.append(table);
      if (me.role === "press_officer" || me.role === "admin") {
        var message = el("textarea", { "aria-label": "Message to the journalist", maxlength: "2000" });
        message.style.width = "100%";
        var actions = el("div", { class: "actions" });
        var status = el("p", { class: "error" });
        [["in_review", "Mark in review"], ["needs_info", "Ask for information"],
          ["approved", "Approve"], ["declined", "Decline"]].forEach(function (d) {
          var b = el("button", { type: "button" }, d[1]);
          b.addEventListener("click", function () {
            call("POST", "/cases/" + encodeURIComponent(c.reference) + "/decision",
              { decision: d[0], message: message.value || null })
              .then(function () { openCase(c.reference); })
              .catch(function (err) { status.textContent = err.message; });
          });
          actions.append(b);
        });
        box.append(el("h3", {}, "Decision (the journalist is told in their language)"), message, actions, status);
      }
    }).catch(handleAuth);
  }

  // --- knowledge gaps -------------------------------------------------------------------
  function renderGaps(main) {
    var panel = el("section", { class: "panel" });
    panel.append(el("h2", {}, "Knowledge gaps (last 30 days)"),
      el("p", { class: "muted" }, "Questions the assistant could not answer, or answers rated unhelpful, grouped by language and nearest article."));
    main.append(panel);
    call("GET", "/knowledge-gaps").then(function (data) {
      var table = el("table");
      var head = el("tr");
      ["Language", "Nearest article", "Unanswered", "Unhelpful", "Questions"].forEach(function (h) { head.append(el("th", {}, h)); });
      table.append(head);
      data.gaps.forEach(function (g) {
        var row = el("tr");
        var qs = el("ul");
        g.questions.forEach(function (q) { qs.append(el("li", {}, q.text + " (" + q.count + ")")); });
        var cell = el("td"); cell.append(qs);
        row.append(el("td", {}, g.language), el("td", {}, g.article || "—"),
          el("td", {}, g.unanswered), el("td", {}, g.not_helpful), cell);
        table.append(row);
      });
      if (!data.gaps.length) { panel.append(el("p", {}, "No gaps recorded.")); } else { panel.append(table); }
    }).catch(handleAuth);
  }

  // --- overview -------------------------------------------------------------------------
  function bars(title, values) {
    var fig = el("figure");
    fig.append(el("figcaption", {}, title));
    var keys = Object.keys(values);
    var max = Math.max.apply(null, keys.map(function (k) { return values[k]; }).concat([1]));
    var w = Math.max(220, keys.length * 36), h = 150, top = 14;
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", w); svg.setAttribute("height", h + top + 30);
    svg.setAttribute("role", "img"); svg.setAttribute("aria-label", title);
    keys.forEach(function (k, i) {
      var v = values[k], bh = Math.round((v / max) * h);
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", i * 36 + 6); rect.setAttribute("y", top + h - bh);
      rect.setAttribute("width", 24); rect.setAttribute("height", bh); rect.setAttribute("fill", "#0b6e4f");
      var tip = document.createElementNS(ns, "title"); tip.textContent = k + ": " + v; rect.append(tip);
      var label = document.createElementNS(ns, "text");
      label.setAttribute("x", i * 36 + 18); label.setAttribute("y", top + h + 14);
      label.setAttribute("font-size", "10"); label.setAttribute("text-anchor", "middle");
      label.textContent = k.length > 5 ? k.slice(5) : k;
      var count = document.createElementNS(ns, "text");
      count.setAttribute("x", i * 36 + 18); count.setAttribute("y", top + h - bh - 3);
      count.setAttribute("font-size", "10"); count.setAttribute("text-anchor", "middle");
      count.textContent = v;
      svg.append(rect, label, count);
    });
    fig.append(svg);
    return fig;
  }

  function renderOverview(main) {
    call("GET", "/stats").then(function (s) {
      var figures = el("div", { class: "figures" });
      [["Conversations", s.conversations],
        ["Answered by the assistant", s.answered_by_bot_share === null ? "—" : Math.round(s.answered_by_bot_share * 100) + " %"],
        ["Tickets", s.tickets], ["Waiting now", s.tickets_waiting],
        ["Median wait", s.wait_seconds.median === null ? "—" : minutes(Math.round(s.wait_seconds.median))],
        ["Mean rating", s.ratings.mean === null ? "—" : s.ratings.mean + " / 5 (" + s.ratings.count + ")"],
        ["Unanswered questions", s.answers.unanswered]].forEach(function (f) {
        var d = el("div"); d.append(el("strong", {}, f[1]), el("span", { class: "muted" }, f[0])); figures.append(d);
      });
      var charts = el("div", { class: "chart" });
      charts.append(bars("Conversations per day", s.per_day), bars("Per language", s.per_language),
        bars("Per channel", s.per_channel), bars("Ratings", s.ratings.distribution));
      main.append(el("h2", {}, "Overview (last 30 days)"), figures, charts);
    }).catch(handleAuth);
  }

  function renderAudit(main) {
    call("GET", "/audit").then(function (data) {
      var table = el("table");
      data.entries.forEach(function (e) {
        var row = el("tr");
        row.append(el("td", {}, e.created_at.slice(0, 19)), el("td", {}, e.officer_id || "system"),
          el("td", {}, e.action), el("td", {}, e.target || ""), el("td", {}, e.detail ? JSON.stringify(e.detail) : ""));
        table.append(row);
      });
      main.append(el("h2", {}, "Audit log"), table);
    }).catch(handleAuth);
  }

  function handleAuth(err) {
    if (err.status === 401) { stopLive(); showLogin("Your session has ended; please log in again."); }
  }

  // --- start ----------------------------------------------------------------------------
  call("GET", "/me").then(function (data) { me = data.officer; csrf = data.csrf_token; start(); })
    .catch(function () { showLogin(); });
})();
