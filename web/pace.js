/* Starts the rasa-webchat widget and adds what it lacks for assistive technology:
   new replies are copied into an aria-live region, and quick replies are real keyboard buttons. */
(function () {
  "use strict";
  var config = window.PACE_CONFIG || {};
  var container = document.getElementById("webchat");
  window.WebChat.default({
    embedded: true,
    initPayload: "hello",
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    title: "Pace",
    subtitle: "Exercise and nutrition with ALS",
    inputTextFieldHint: "Type your question",
    showMessageDate: false,
    params: { storage: "local" }
  }, container);

  var announcer = document.getElementById("pace-announcer");
  var seen = new WeakSet();

  function improve(root) {
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
    var send = root.querySelector(".rw-send");
    if (send && !send.getAttribute("aria-label")) { send.setAttribute("aria-label", "Send"); }
    root.querySelectorAll(".rw-response .rw-message-text").forEach(function (message) {
      if (seen.has(message) || !message.textContent.trim()) { return; }
      seen.add(message);
      if (document.readyState === "complete" && root.dataset.paceReady) {
        var line = document.createElement("p");
        line.textContent = "Pace: " + message.textContent;
        announcer.appendChild(line);
      }
    });
  }

  new MutationObserver(function () { improve(container); })
    .observe(container, { childList: true, subtree: true });
  // replies restored from an earlier visit are not announced again
  window.setTimeout(function () { improve(container); container.dataset.paceReady = "1"; }, 1500);
}());
