/* Starts the rasa-webchat widget and adds what it lacks for the people who use Pace:
   - replies copied into an aria-live region; quick replies that are real keyboard buttons;
   - the escalation and the emergency reply, which the server marks (metadata `alert`), shown at
     once as alerts with a heading, an icon and the clinic's contact or emergency number;
   - a visible "reconnecting" status instead of the widget vanishing when Pace is unreachable,
     and a message that got no answer marked with a retry button;
   - messages labelled "You" and "Pace", a labelled conversation log, focus kept in the input,
     the page left at its top on load, and "Start over" to forget the conversation. */
(function () {
  "use strict";
  var config = window.PACE_CONFIG || {};
  var container = document.getElementById("webchat");
  var status = document.getElementById("pace-status");
  var announcer = document.getElementById("pace-announcer");
  var alertAnnouncer = document.getElementById("pace-alert-announcer");
  var ALERT_TEXTS = "pace_alert_texts";  // escalations already shown, to mark them again on reload
  var pendingAlerts = [];
  var waiting = null;  // the timer of the last message sent, until an answer comes
  var fresh = [];  // texts that arrived from the server on this page (restored ones did not)
  var sentAt = 0;  // when the person last sent something (Enter, Send, a quick reply, Send again)

  var contact = config.contact || "your physician or care team";
  // read once: improve() runs on every change of the widget
  var knownAlerts = (function () {
    try { return JSON.parse(window.sessionStorage.getItem(ALERT_TEXTS) || "{}"); } catch (e) { return {}; }
  }());

  function rememberAlert(text, kind) {
    knownAlerts[text] = kind;
    window.sessionStorage.setItem(ALERT_TEXTS, JSON.stringify(knownAlerts));
  }

  function setStatus(text) {
    status.textContent = text;
    status.classList.toggle("pace-status-shown", Boolean(text));
  }

  function answered() {
    if (waiting) { window.clearTimeout(waiting); waiting = null; }
    // a late answer: the messages marked as unanswered got one after all
    container.querySelectorAll(".pace-unanswered").forEach(function (bubble) {
      bubble.classList.remove("pace-unanswered");
      bubble.querySelectorAll(".pace-unanswered-note, .pace-retry").forEach(function (e) { e.remove(); });
    });
    if (status.dataset.unanswered) { delete status.dataset.unanswered; setStatus(""); }
  }

  window.WebChat.default({
    embedded: true,
    initPayload: "hello",
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    title: "Pace",
    subtitle: "Exercise and nutrition with ALS",
    inputTextFieldHint: "Type your question",
    connectingText: "Connecting to Pace…",
    showMessageDate: false,
    // stay on screen when the connection drops: history and input are kept, the status says why
    hideWhenNotConnected: false,
    // no typing delay: an escalation's words appear at once
    customMessageDelay: function () { return 0; },
    // kept for this tab only (a reload keeps it, closing the tab forgets it)
    params: { storage: "session" },
    onSocketEvent: {
      bot_uttered: function (message) {
        answered();
        fresh.push(String((message && message.text) || "").trim());
        var kind = message && message.metadata && message.metadata.alert;
        if (kind === "symptom" || kind === "emergency") {
          pendingAlerts.push({ text: String(message.text || "").trim(), kind: kind });
        }
      },
      connect: function () { setStatus(""); },
      disconnect: function () {
        setStatus("The connection to Pace was lost. Reconnecting… Your conversation stays on this page.");
      },
      connect_error: function () {
        setStatus("Pace cannot be reached. Reconnecting… Your conversation stays on this page.");
      }
    }
  }, container);

  function contactLine(kind) {
    var line = document.createElement("p");
    line.className = "pace-alert-contact";
    var number = kind === "emergency" ? config.emergencyNumber : config.contactPhone;
    var who = kind === "emergency" ? "Call " : "Contact " + contact + ": ";
    if (number) {
      line.appendChild(document.createTextNode(who));
      var link = document.createElement("a");
      link.href = "tel:" + number.replace(/[^0-9+]/g, "");
      link.textContent = number;
      line.appendChild(link);
    } else {
      line.textContent = kind === "emergency"
        ? "Call your local emergency number."
        : "Contact " + contact + ".";
    }
    return line;
  }

  function markAlert(message, kind, announce) {
    var bubble = message.closest(".rw-response") || message;
    if (bubble.dataset.paceAlert) { return; }
    bubble.dataset.paceAlert = kind;
    bubble.classList.add("pace-alert", "pace-alert-" + kind);
    var heading = document.createElement("h3");
    heading.className = "pace-alert-heading";
    var icon = document.createElement("span");
    icon.className = "pace-alert-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "⚠";
    heading.appendChild(icon);
    heading.appendChild(document.createTextNode(kind === "emergency" ? " Emergency" : " Stop exercising"));
    bubble.insertBefore(heading, bubble.firstChild);
    bubble.appendChild(contactLine(kind));
    if (announce) {
      alertAnnouncer.textContent = heading.textContent.trim() + ". " + message.textContent;
    }
  }

  function label(bubble, who) {
    if (bubble.querySelector(".pace-who")) { return; }
    var tag = document.createElement("span");
    tag.className = "visually-hidden pace-who";
    tag.textContent = who + ": ";
    bubble.insertBefore(tag, bubble.firstChild);
  }

  function markUnanswered(element, text) {
    if (!element.isConnected || element.querySelector(".pace-retry")) { return; }
    element.classList.add("pace-unanswered");
    var note = document.createElement("span");
    note.className = "pace-unanswered-note";
    note.textContent = "Not answered yet. ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "pace-retry";
    retry.textContent = "Send again";
    retry.setAttribute("aria-label", "Send again: " + text);
    retry.addEventListener("click", function () {
      note.remove();
      retry.remove();
      element.classList.remove("pace-unanswered");
      send(text);
    });
    element.appendChild(note);
    element.appendChild(retry);
    setStatus("Pace has not answered your last message. You can send it again.");
    status.dataset.unanswered = "1";
  }

  function send(text) {
    var input = container.querySelector(".rw-new-message");
    if (!input) { return; }
    var setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value").set;
    setter.call(input, text);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    sentAt = Date.now();
    var form = input.closest("form");
    if (form && form.requestSubmit) { form.requestSubmit(); } else if (form) { form.submit(); }
    input.focus();
  }

  function improve(root) {
    var log = root.querySelector("#rw-messages, .rw-messages-container");
    if (log && !log.dataset.paceLog) {
      log.dataset.paceLog = "1";
      log.setAttribute("role", "log");
      log.setAttribute("aria-label", "Conversation with Pace");
      log.setAttribute("tabindex", "0");
    }
    root.querySelectorAll(".rw-reply").forEach(function (reply) {
      if (reply.tagName !== "BUTTON") {
        reply.setAttribute("role", "button");
        reply.setAttribute("tabindex", "0");
      }
      if (!reply.dataset.paceKeys) {
        reply.dataset.paceKeys = "1";
        reply.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); reply.click(); }
        });
      }
    });
    var input = root.querySelector(".rw-new-message");
    if (input && !input.getAttribute("aria-label")) { input.setAttribute("aria-label", "Your message to Pace"); }
    var close = root.querySelector(".rw-close-button");
    if (close && !close.getAttribute("aria-label")) { close.setAttribute("aria-label", "Close chat"); }
    var sendButton = root.querySelector(".rw-send");
    if (sendButton && !sendButton.getAttribute("aria-label")) { sendButton.setAttribute("aria-label", "Send"); }

    root.querySelectorAll(".rw-response .rw-message-text").forEach(function (message) {
      var text = message.textContent.trim();
      if (message.dataset.paceSeen || !text) { return; }
      message.dataset.paceSeen = "1";
      label(message.closest(".rw-response") || message, "Pace");
      var index = -1;
      pendingAlerts.some(function (alert, i) { if (alert.text === text) { index = i; return true; } return false; });
      if (index >= 0) {
        var alert = pendingAlerts.splice(index, 1)[0];
        rememberAlert(text, alert.kind);
        markAlert(message, alert.kind, true);
      } else if (knownAlerts[text]) {
        markAlert(message, knownAlerts[text], false);  // shown before this reload
      }
      var arrived = fresh.indexOf(text);
      if (arrived >= 0) {  // new on this page: read out (replies restored on a reload are not)
        fresh.splice(arrived, 1);
        var line = document.createElement("p");
        line.textContent = "Pace: " + text;
        announcer.appendChild(line);
      }
    });
    root.querySelectorAll(".rw-client").forEach(function (bubble) {
      if (bubble.dataset.paceSeen) { return; }
      bubble.dataset.paceSeen = "1";
      label(bubble, "You");
      if (Date.now() - sentAt > 3000) { return; }  // restored from earlier in this tab
      answered();
      var text = (bubble.querySelector(".rw-message-text") || bubble).textContent.replace(/^You: /, "").trim();
      waiting = window.setTimeout(function () { markUnanswered(bubble, text); }, config.answerTimeoutMs || 20000);
    });
    // after Send or a quick reply (whose button then disappears), the next message is typed in the
    // input again rather than focus falling to the page
    var field = root.querySelector(".rw-new-message");
    var lost = document.activeElement === document.body || !document.activeElement;
    if (field && lost && Date.now() - sentAt < 5000) { field.focus({ preventScroll: true }); }
  }

  container.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.classList.contains("rw-new-message")) { sentAt = Date.now(); }
    if ((event.key === "Enter" || event.key === " ") && event.target.closest(".rw-reply")) { sentAt = Date.now(); }
  }, true);
  container.addEventListener("click", function (event) {
    if (event.target.closest(".rw-send, .rw-reply")) { sentAt = Date.now(); }
  }, true);

  new MutationObserver(function () { improve(container); })
    .observe(container, { childList: true, subtree: true });

  document.getElementById("pace-start-over").addEventListener("click", function () {
    window.sessionStorage.clear();
    window.localStorage.removeItem("chat_session");
    window.location.reload();
  });

  // the widget focuses its input as it starts, which scrolls the page past the disclaimer and the
  // emergency line: the page starts at its top, and screen-reader users at the page's start
  // (only while the person has not started: someone who types or clicks at once keeps their focus)
  var started = false;
  ["keydown", "pointerdown"].forEach(function (kind) {
    document.addEventListener(kind, function () { started = true; }, true);
  });
  window.setTimeout(function () {
    improve(container);
    if (started) { return; }
    var field = container.querySelector(".rw-new-message");
    if (field && document.activeElement === field) { field.blur(); }
    window.scrollTo(0, 0);
  }, 1500);
}());
