/* The support chat, live over a WebSocket. One script for both sides:
 *  - #duken-chat (storefront, data-role="shopper"): a launcher and a panel; the conversation is
 *    loaded over HTTP (so it survives a reload), the first message starts it over HTTP, later
 *    messages go over the socket.
 *  - #duken-staff-chat (back office, data-role="staff"): the history is in the page; messages
 *    go over the socket.
 * Message text is only ever set with textContent: nothing a shopper writes is run as HTML. */
(function () {
  "use strict";

  var PING_MS = 45000;

  function Chat(root) {
    this.root = root;
    this.role = root.dataset.role;
    this.list = root.querySelector(".chat-messages");
    this.error = root.querySelector(".chat-error");
    this.form = root.querySelector(".chat-form");
    this.textarea = this.form && this.form.querySelector("textarea[name=text]");
    this.max = parseInt(root.dataset.max || "2000", 10);
    this.socket = null;
    this.wsUrl = root.dataset.ws || "";
    this.conversation = null;
    this.open = root.dataset.open === "1";
    this.retry = 0;
    this.seen = {};
    this.csrf = "";
    var self = this;
    Array.prototype.forEach.call(this.list.querySelectorAll("[data-id]"), function (li) {
      self.seen[li.dataset.id] = true;
    });
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.send();
      });
      this.textarea.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          self.send();
        }
      });
    }
  }

  Chat.prototype.label = function (name) {
    return this.root.dataset["label" + name] || "";
  };

  Chat.prototype.showError = function (text) {
    if (!this.error) return;
    this.error.textContent = text || "";
    this.error.hidden = !text;
  };

  Chat.prototype.scroll = function () {
    this.list.scrollTop = this.list.scrollHeight;
  };

  Chat.prototype.add = function (message) {
    if (this.seen[message.id]) return;
    this.seen[message.id] = true;
    var mine = this.role === "staff" ? message.by_staff : !message.by_staff;
    var li = document.createElement("li");
    li.className = "chat-message" + (mine ? " chat-message-mine" : "");
    li.dataset.id = message.id;
    var author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = message.by_staff ? this.label("Staff") : this.label("Shopper");
    var text = document.createElement("span");
    text.className = "chat-text";
    text.textContent = message.text;
    var time = document.createElement("time");
    time.dateTime = message.at;
    time.textContent = (message.at || "").slice(11, 16);
    li.appendChild(author);
    li.appendChild(text);
    li.appendChild(time);
    this.list.appendChild(li);
    this.scroll();
    if (!mine && this.onIncoming) this.onIncoming();
  };

  Chat.prototype.notice = function (text) {
    var li = document.createElement("li");
    li.className = "chat-notice";
    li.textContent = text;
    this.list.appendChild(li);
    this.scroll();
  };

  Chat.prototype.connect = function () {
    if (!this.wsUrl || this.socket) return;
    var self = this;
    var socket;
    try {
      socket = new WebSocket(this.wsUrl);
    } catch (e) {
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", function () {
      self.retry = 0;
      self.root.dataset.connected = "1";
      self.showError("");
      self.ping = window.setInterval(function () {
        if (socket.readyState === 1) socket.send(JSON.stringify({ type: "ping" }));
      }, PING_MS);
    });
    socket.addEventListener("message", function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (data.type === "message") self.add(data.message);
      else if (data.type === "error") self.showError(data.error);
      else if (data.type === "closed") self.closed();
    });
    socket.addEventListener("close", function (event) {
      window.clearInterval(self.ping);
      delete self.root.dataset.connected;
      self.socket = null;
      if (event.code === 4403 || event.code === 4404 || !self.open) return;
      self.retry = Math.min(self.retry + 1, 6);
      window.setTimeout(function () {
        self.connect();
      }, 500 * Math.pow(2, self.retry));
    });
  };

  Chat.prototype.closed = function () {
    this.open = false;
    this.notice(this.label("Closed"));
    if (this.socket) this.socket.close();
    if (this.role === "shopper") {
      this.conversation = null;
      this.wsUrl = "";
      this.contactFields(this.known);
    } else if (this.form) {
      this.form.hidden = true;
    }
  };

  Chat.prototype.send = function () {
    var text = this.textarea.value.trim();
    if (!text) return;
    if (text.length > this.max) {
      this.showError(this.label("TooLong"));
      return;
    }
    this.showError("");
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify({ type: "message", text: text }));
      this.textarea.value = "";
      return;
    }
    if (this.role === "shopper") this.sendOverHttp(text);
    else this.showError(this.label("Offline"));
  };

  /* Shopper only: the conversation's state and the first message over HTTP. */
  Chat.prototype.load = function () {
    var self = this;
    return fetch(this.root.dataset.state, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        self.apply(data);
      })
      .catch(function () {});
  };

  Chat.prototype.apply = function (data) {
    this.csrf = data.csrf || this.csrf;
    this.known = !!data.known;
    /* "We sent a confirmation link to ...": a guest's address waits for its owner's yes. */
    var confirm = this.root.querySelector(".chat-notice-confirm");
    if (confirm) {
      confirm.textContent = data.notice || "";
      confirm.hidden = !data.notice;
    }
    if (data.conversation) {
      this.conversation = data.conversation.id;
      this.open = data.conversation.open;
      (data.messages || []).forEach(this.add.bind(this));
      if (this.open) {
        this.wsUrl = data.conversation.ws;
        this.connect();
      }
    }
    this.contactFields(this.known || (this.conversation && this.open));
  };

  Chat.prototype.contactFields = function (hide) {
    var contact = this.root.querySelector(".chat-contact");
    if (!contact) return;
    contact.hidden = !!hide;
    var email = contact.querySelector("input[name=email]");
    if (email) email.required = !hide;
  };

  Chat.prototype.sendOverHttp = function (text) {
    var self = this;
    var body = new FormData(this.form);
    body.set("text", text);
    body.set("where", window.location.pathname);
    var button = this.form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(this.root.dataset.send, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": this.csrf, Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          self.showError(result.data.error || self.label("Failed"));
          return;
        }
        self.textarea.value = "";
        self.apply(result.data);
      })
      .catch(function () {
        self.showError(self.label("Failed"));
      })
      .then(function () {
        button.disabled = false;
      });
  };

  function hasCookie(name) {
    return document.cookie.split(";").some(function (part) {
      return part.trim().indexOf(name + "=") === 0;
    });
  }

  function startShopper(root) {
    var chat = new Chat(root);
    var toggle = root.querySelector(".chat-toggle");
    var panel = root.querySelector(".chat-panel");
    var unread = root.querySelector(".chat-unread");
    var loaded = null;
    function load() {
      if (!loaded) loaded = chat.load();
      return loaded;
    }
    function show(visible) {
      panel.hidden = !visible;
      toggle.setAttribute("aria-expanded", visible ? "true" : "false");
      if (visible) {
        unread.hidden = true;
        load().then(function () {
          chat.scroll();
          chat.textarea.focus();
        });
      }
    }
    chat.onIncoming = function () {
      if (panel.hidden) unread.hidden = false;
    };
    toggle.addEventListener("click", function () {
      show(panel.hidden);
    });
    root.querySelector(".chat-close").addEventListener("click", function () {
      show(false);
    });
    if (/[?&]chat=open\b/.test(window.location.search) || window.location.hash === "#chat") show(true);
    else if (hasCookie("duken_chat")) load();
    root.chat = chat;
  }

  function startStaff(root) {
    var chat = new Chat(root);
    chat.scroll();
    if (chat.open) chat.connect();
    root.chat = chat;
  }

  function start() {
    var shopper = document.getElementById("duken-chat");
    if (shopper) startShopper(shopper);
    var staff = document.getElementById("duken-staff-chat");
    if (staff) startStaff(staff);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
