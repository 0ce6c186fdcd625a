/* Elderly-friendly pages (适老化): a large-text, high-contrast view that sticks (a cookie the
   server reads, so pages render large from the first paint), and read-aloud of a block of text
   (Web Speech API) for any button with data-read-aloud="<CSS selector>". */
(function () {
  "use strict";
  function setView(large) {
    document.documentElement.classList.toggle("large", large);
    document.cookie = "onetrip_view=" + (large ? "large" : "normal") +
      "; path=/; max-age=31536000; SameSite=Lax";
    document.querySelectorAll("[data-view-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", large ? "true" : "false");
    });
  }
  function readAloud(button) {
    const target = document.querySelector(button.getAttribute("data-read-aloud"));
    if (!target || !("speechSynthesis" in window)) return;
    const synth = window.speechSynthesis;
    if (synth.speaking) { synth.cancel(); return; }
    const lang = document.documentElement.lang || "zh-CN";
    const text = Array.from(target.querySelectorAll("[data-read-item]"))
      .map(function (el) { return el.textContent.replace(/\s+/g, " ").trim(); })
      .join("。 ") || target.textContent.replace(/\s+/g, " ").trim();
    const u = new SpeechSynthesisUtterance(text);
    u.lang = lang.startsWith("zh") ? "zh-CN" : lang; u.rate = 0.85;
    button.dataset.spoken = text;
    synth.speak(u);
  }
  document.addEventListener("click", function (e) {
    const toggle = e.target.closest("[data-view-toggle]");
    if (toggle) { setView(!document.documentElement.classList.contains("large")); return; }
    const reader = e.target.closest("[data-read-aloud]");
    if (reader) readAloud(reader);
  });
})();
