/* The hall board (叫号屏): polls the board API, shows and announces calls. Kept out of the
   template so the Content-Security-Policy allows no inline script. */
(function () {
  const code = JSON.parse(document.getElementById("board-point").textContent);
  const url = "/api/v1/points/" + encodeURIComponent(code) + "/board";
  const seen = new Set(); let first = true, audio = null;
  const text = document.getElementById("board-text").dataset;
  const T = {call: text.call, win: text.win, waiting: text.waiting, voice: text.voice};
  // A board set up as documented (Chromium --autoplay-policy=no-user-gesture-required)
  // may play sound at once; otherwise a button asks for the one click browsers require.
  const sound = document.getElementById("sound");
  try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  if (audio) {
    audio.addEventListener("statechange", function () { if (audio.state === "running") sound.remove(); });
    audio.resume().catch(function () {});
  }
  // still not allowed to play after a moment: ask for the one click
  setTimeout(function () { if (!audio || audio.state !== "running") sound.hidden = false; }, 1000);
  sound.addEventListener("click", function () {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    audio.resume(); this.remove();
  });
  // rows that fit the screen without scrolling: fewer on a landscape TV than a portrait one
  function rows() { return window.innerHeight > window.innerWidth ? 8 : 5; }
  function chime() {
    if (!audio || audio.state !== "running") return;
    [[880, 0], [660, 0.35]].forEach(function (p) {
      const o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime + p[1];
      o.frequency.value = p[0]; o.connect(g); g.connect(audio.destination);
      g.gain.setValueAtTime(0.0001, t); g.gain.exponentialRampToValueAtTime(0.4, t + 0.03);
      g.gain.exponentialRampToValueAtTime(0.0001, t + 0.6); o.start(t); o.stop(t + 0.65);
    });
  }
  function say(text) {
    if (!("speechSynthesis" in window)) return;
    const u = new SpeechSynthesisUtterance(text); u.lang = T.voice; u.rate = 0.9;
    setTimeout(function () { window.speechSynthesis.speak(u); }, 700);
  }
  function phrase(c) { return T.call.replace("{number}", c.number).replace("{window}", c.window); }
  function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; e.textContent = text; return e; }
  function render(data) {
    const body = document.getElementById("calls"); body.replaceChildren();
    data.calls.slice(0, rows()).forEach(function (c) {
      const tr = document.createElement("tr"); tr.className = c.status;
      tr.append(el("td", "num", c.number), el("td", "win", c.window)); body.append(tr);
    });
    const latest = document.getElementById("latest");
    if (data.calls.length) { latest.replaceChildren(el("span", "big", data.calls[0].number), el("span", "arrow", "→"), el("span", "big", T.win.replace("{window}", data.calls[0].window))); latest.setAttribute("aria-label", phrase(data.calls[0])); }
    const w = document.getElementById("waiting"); w.replaceChildren();
    Object.keys(data.waiting).forEach(function (k) { w.append(el("span", "badge", k + " " + T.waiting + " " + data.waiting[k])); });
    const fresh = data.calls.filter(function (c) { return !seen.has(c.key); }).reverse();
    fresh.forEach(function (c) { seen.add(c.key); if (!first) { chime(); say(phrase(c)); } });
    first = false;
  }
  async function poll() {
    try { const r = await fetch(url, {cache: "no-store"}); if (r.ok) render(await r.json()); } catch (e) {}
    setTimeout(poll, 1000);
  }
  setInterval(function () { document.getElementById("clock").textContent = new Date().toLocaleTimeString("zh-CN", {hour12: false}); }, 1000);
  poll();
})();
