/* Small page behaviours, kept out of the templates so the Content-Security-Policy allows no
   inline script (issue 15). Each runs only where its element is on the page. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }
  ready(function () {
    // <button data-print>: print the page (kiosk ticket slip)
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    // <select data-autosubmit>: submit its form on change
    document.querySelectorAll("[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    // <select data-nav-param="layout">: reload the page with ?layout=<value>
    document.querySelectorAll("[data-nav-param]").forEach(function (s) {
      s.addEventListener("change", function () {
        location.search = "?" + encodeURIComponent(s.dataset.navParam) + "=" + encodeURIComponent(s.value);
      });
    });
    // pages with [data-reload-on-back]: a page restored from the back/forward cache reloads
    if (document.querySelector("[data-reload-on-back]")) {
      addEventListener("pageshow", function (e) { if (e.persisted) location.reload(); });
    }
    // kiosk: back to the start page after 20 s without a touch
    var start = document.getElementById("kiosk-start");
    if (start) {
      var target = JSON.parse(start.textContent), timer;
      var go = function () { window.location.assign(target); };
      timer = setTimeout(go, 20000);
      document.addEventListener("pointerdown", function () { clearTimeout(timer); timer = setTimeout(go, 20000); });
    }
    // [data-clock]: the local date and time, every second (command-centre wall)
    document.querySelectorAll("[data-clock]").forEach(function (c) {
      var tick = function () { c.textContent = new Date().toLocaleString("zh-CN", {hour12: false}); };
      tick(); setInterval(tick, 1000);
    });
    // safety report: "use my location" fills lat/long and clears the grid cell
    var locate = document.getElementById("locate");
    if (locate) {
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) return;
        navigator.geolocation.getCurrentPosition(function (p) {
          document.querySelector("[name=lat]").value = p.coords.latitude.toFixed(6);
          document.querySelector("[name=long]").value = p.coords.longitude.toFixed(6);
          document.querySelector("[name=cell]").value = "";
        });
      });
    }
    // nearby finder: "use my location" then search
    var nearby = document.getElementById("nearby-locate");
    if (nearby) {
      nearby.addEventListener("click", function () {
        var form = this.form;
        if (!navigator.geolocation) return;
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.lng.value = pos.coords.longitude.toFixed(6);
          form.elements.community.value = "";
          form.elements.address.value = "";
          form.submit();
        });
      });
    }
    // home visit: the resident signs on the canvas
    var c = document.getElementById("sign");
    if (c && c.getContext) {
      var ctx = c.getContext("2d"), drawing = false, signed = false;
      ctx.lineWidth = 3; ctx.lineCap = "round";
      var pos = function (e) { var r = c.getBoundingClientRect(); return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height]; };
      c.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
      c.addEventListener("pointermove", function (e) { if (!drawing) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); signed = true; });
      window.addEventListener("pointerup", function () { drawing = false; });
      var clear = document.getElementById("sign-clear");
      if (clear) clear.addEventListener("click", function () { ctx.clearRect(0, 0, c.width, c.height); signed = false; });
      var form = document.getElementById("accept-form");
      if (form) form.addEventListener("submit", function () {
        document.getElementById("signature").value = signed ? c.toDataURL("image/png") : "";
      });
    }
  });
  // registration: a refused code request (409/422) shows its message where the status goes
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.target && e.target.id === "code-status" && [409, 422].includes(e.detail.xhr.status)) {
      e.detail.shouldSwap = true; e.detail.isError = false;
    }
  });
})();
