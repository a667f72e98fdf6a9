/* The check-in page (issue 9 Part 3, basic form): scan or type a code + Enter, search by name,
   big colour-coded results, a running counter. Talks to /api/v1/checkin with the device token
   (from the link's #device=… fragment, kept in this browser's sessionStorage) or with the staff
   session and its CSRF token. No inline script: the CSP allows 'self' only. */
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) { return; }
  var slug = root.dataset.slug;
  var hasSession = root.dataset.session === "yes";
  var storeKey = "checkin-device:" + slug;
  var stationKey = "checkin-station:" + slug;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var counter = null;

  function msg(name, values) {
    var text = root.dataset["msg-" + name] || root.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  }

  var match = /(?:^|[#&])device=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match) {
    try { window.sessionStorage.setItem(storeKey, match[1]); } catch (e) { /* private mode */ }
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var deviceToken = null;
  try { deviceToken = window.sessionStorage.getItem(storeKey); } catch (e) { deviceToken = match ? match[1] : null; }
  if (!deviceToken && match) { deviceToken = match[1]; }

  var auth = document.getElementById("checkin-auth");
  if (!deviceToken && !hasSession) {
    auth.textContent = msg("signin");
    auth.hidden = false;
  }

  function headers(json) {
    var result = { "Accept": "application/json" };
    if (json) { result["Content-Type"] = "application/json"; }
    if (deviceToken) { result["Authorization"] = "Bearer " + deviceToken; } else { result["X-CSRFToken"] = csrf; }
    return result;
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      headers: headers(body !== undefined),
      credentials: "same-origin",
      body: body !== undefined ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (response.status === 401 && deviceToken) {
        auth.textContent = msg("unauthorized");
        auth.hidden = false;
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function station() {
    var input = document.getElementById("station-input");
    return input ? input.value.trim() : "";
  }

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  function timeOf(iso) {
    if (!iso) { return ""; }
    return iso.slice(11, 16);
  }

  function setCounter(value) {
    counter = value;
    document.getElementById("checkin-counter").textContent = value === null ? "–" : String(value);
  }

  var resultBox = document.getElementById("checkin-result");
  var resultText = document.getElementById("checkin-result-text");
  var resultDetail = document.getElementById("checkin-result-detail");
  var resultActions = document.getElementById("checkin-result-actions");

  function button(label, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button";
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function show(data) {
    var result = data.result;
    var person = data.registration;
    resultActions.textContent = "";
    resultBox.className = "checkin-result " + (result === "ok" ? "result-ok" : result === "already_checked_in" ? "result-already" : "result-error");
    if (result === "ok") {
      resultText.textContent = msg("ok", { name: person ? person.name : "" });
      resultDetail.textContent = person ? msg(person.mode) + (person.organization ? " · " + person.organization : "") : "";
      if (counter !== null) { setCounter(counter + 1); }
    } else if (result === "already_checked_in") {
      resultText.textContent = msg("already", { time: timeOf(data.checked_in_at), station: data.station || "–" });
      resultDetail.textContent = person ? person.name : "";
    } else {
      resultText.textContent = msg(result) || msg("invalid");
      resultDetail.textContent = person ? person.name : "";
    }
    if (person && result === "wrong_mode") {
      resultActions.appendChild(button(msg("admit"), function () { action(person.id, "/on-site"); }));
    }
    if (person && (result === "ok" || result === "already_checked_in")) {
      resultActions.appendChild(button(msg("undo"), function () { undo(person.id); }));
    }
    resultBox.hidden = false;
    if (navigator.vibrate) { navigator.vibrate(result === "ok" ? 80 : [60, 60, 60]); }
  }

  function showError(text) {
    resultActions.textContent = "";
    resultBox.className = "checkin-result result-error";
    resultText.textContent = text;
    resultDetail.textContent = "";
    resultBox.hidden = false;
  }

  function handle(answer) {
    if (answer.status === 200 && answer.data.result) { show(answer.data); return; }
    showError(answer.data && answer.data.error ? answer.data.error.message : msg("error"));
  }

  var base = "/api/v1/checkin/" + encodeURIComponent(slug);

  function action(id, suffix) {
    api("POST", base + "/registrations/" + id + suffix, { station: station() || null, nonce: nonce() })
      .then(handle).catch(function () { showError(msg("error")); });
  }

  function undo(id) {
    api("POST", base + "/registrations/" + id + "/undo", {}).then(function (answer) {
      if (answer.status === 200) {
        showError(msg("undone"));
        resultBox.className = "checkin-result result-already";
        if (counter !== null) { setCounter(Math.max(0, counter - 1)); }
      } else { handle(answer); }
    }).catch(function () { showError(msg("error")); });
  }

  var codeInput = document.getElementById("scan-code");

  function submitCode(code) {
    var body = { code: code, nonce: nonce() };
    if (!deviceToken) { body.event = slug; if (station()) { body.station = station(); } }
    api("POST", "/api/v1/checkin", body).then(handle).catch(function () { showError(msg("error")); });
  }

  document.getElementById("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    codeInput.value = "";
    codeInput.focus();
    if (code) { submitCode(code); }
  });

  /* Camera: the BarcodeDetector API where the browser has it (Chrome on Android, Safari), else the
     vendored jsQR decoder on canvas frames (Chromium on Linux, Firefox). The same code seen again
     within a few seconds is the same ticket still in view, not a second scan. */
  var video = document.getElementById("camera-video");
  var toggle = document.getElementById("camera-toggle");
  var cameraStatus = document.getElementById("camera-status");
  var stream = null;
  var detector = null;
  var canvas = document.createElement("canvas");
  var lastCode = "";
  var lastAt = 0;

  function found(code) {
    var now = Date.now();
    if (code === lastCode && now - lastAt < 4000) { lastAt = now; return; }
    lastCode = code;
    lastAt = now;
    submitCode(code);
  }

  function decodeFrame() {
    if (!stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      if (detector) {
        detector.detect(video).then(function (codes) {
          if (codes.length) { found(codes[0].rawValue); }
        }).catch(function () { detector = null; });
      } else if (window.jsQR) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var result = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (result && result.data) { found(result.data); }
      }
    }
    window.setTimeout(decodeFrame, 150);
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    toggle.textContent = toggle.dataset.start;
  }

  toggle.addEventListener("click", function () {
    if (stream) { stopCamera(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { cameraStatus.textContent = msg("nocamera"); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      toggle.textContent = toggle.dataset.stop;
      cameraStatus.textContent = "";
      if ("BarcodeDetector" in window) {
        try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
      }
      return video.play();
    }).then(decodeFrame).catch(function () { cameraStatus.textContent = msg("nocamera"); stopCamera(); });
  });

  var stationForm = document.getElementById("station-form");
  if (stationForm) {
    var saved = null;
    try { saved = window.localStorage.getItem(stationKey); } catch (e) { saved = null; }
    if (saved) { document.getElementById("station-input").value = saved; }
    document.getElementById("checkin-station-name").textContent = saved || "–";
    stationForm.addEventListener("submit", function (event) {
      event.preventDefault();
      try { window.localStorage.setItem(stationKey, station()); } catch (e) { /* ignore */ }
      document.getElementById("checkin-station-name").textContent = station() || "–";
      codeInput.focus();
    });
  }

  var hits = document.getElementById("search-results");
  document.getElementById("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = document.getElementById("search-q").value.trim();
    hits.textContent = "";
    if (!q) { return; }
    api("GET", base + "/search?q=" + encodeURIComponent(q)).then(function (answer) {
      var people = (answer.data && answer.data.registrations) || [];
      if (!people.length) {
        var none = document.createElement("li");
        none.textContent = msg("none");
        hits.appendChild(none);
      }
      people.forEach(function (person) {
        var item = document.createElement("li");
        var label = document.createElement("span");
        label.textContent = person.name + (person.organization ? " · " + person.organization : "") +
          (person.checked_in_at ? " · " + timeOf(person.checked_in_at) : "");
        item.appendChild(label);
        item.appendChild(button(msg("checkin") + " " + person.name, function () { action(person.id, ""); }));
        hits.appendChild(item);
      });
    }).catch(function () { showError(msg("error")); });
  });

  var walkIn = document.getElementById("walkin-form");
  walkIn.addEventListener("submit", function (event) {
    event.preventDefault();
    var field = function (id) { return document.getElementById(id).value.trim(); };
    var body = {
      given_name: field("walkin-given"),
      family_name: field("walkin-family"),
      email: field("walkin-email"),
      organization: field("walkin-organization")
    };
    if (!deviceToken && station()) { body.station = station(); }
    api("POST", base + "/walk-ins", body).then(function (answer) {
      if (answer.status === 201) { walkIn.reset(); show(answer.data); } else { handle(answer); }
    }).catch(function () { showError(msg("error")); });
  });

  if (deviceToken || hasSession) {
    api("GET", base + "/offline").then(function (answer) {
      if (answer.status !== 200) { return; }
      var tickets = answer.data.tickets || {};
      setCounter(Object.keys(tickets).filter(function (id) { return tickets[id].checked_in_at; }).length);
      if (answer.data.station) { document.getElementById("checkin-station-name").textContent = answer.data.station; }
      var title = document.getElementById("checkin-event");
      if (title && !title.textContent) { title.textContent = answer.data.title; }
    }).catch(function () { setCounter(null); });
  }
}());
