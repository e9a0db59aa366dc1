// Check-in by camera: a badge's QR code read from the camera goes into the code field and the form is submitted
// (the server takes the QR token in the same field as a typed code).
//
// Decoder: the browser's own BarcodeDetector where it exists and reads QR codes (Chrome on Android, macOS and
// ChromeOS); otherwise jsQR (vendored, logistics/static/vendor/jsqr, loaded before this file) on frames drawn to a
// canvas every SCAN_EVERY_MS (any browser on iPhone, Safari, Firefox, desktop Chromium on Linux). The decoder used is
// written to the button's data-decoder ("barcode-detector" or "jsqr") once the camera runs.
//
// Every message comes from the template's data- attributes on #scan-button (translated there): data-unsupported,
// data-refused, data-no-camera, data-scanning, data-stop. Without JavaScript the button stays hidden and the code is
// typed. getUserMedia needs a secure context (HTTPS, or localhost).
(function () {
  "use strict";
  var SCAN_EVERY_MS = 200;
  var MAX_SIDE = 640; // frames are scaled down to this for jsQR: enough for a badge held at the camera, fast on phones

  var button = document.getElementById("scan-button");
  var field = document.getElementById("id_code");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  if (!button || !field || !video || !status) return;

  var label = button.textContent;
  var stream = null; // the camera while scanning, else null
  var timer = null;
  var read = false; // a code was read: the form is on its way, nothing more is done

  function say(message) {
    status.textContent = message || "";
  }

  function stop() {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.pause();
    video.srcObject = null;
    video.hidden = true;
    button.textContent = label;
  }

  // Resolves to a BarcodeDetector reading QR codes, or null where there is none (or it cannot read QR codes).
  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    var formats = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats()
      : Promise.resolve(["qr_code"]);
    return formats.then(function (supported) {
      return supported.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  // A function frame() → Promise of the text read from the current video frame, or null.
  function decoderFor(detector) {
    if (detector) {
      return function () {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, {
        inversionAttempts: "dontInvert", // badges are printed dark on light
      });
      return Promise.resolve(code && code.data ? code.data : null);
    };
  }

  function submit(value) {
    read = true;
    stop();
    button.disabled = true;
    field.value = value;
    field.form.submit();
  }

  function look(frame) {
    timer = null;
    if (!stream || read) return;
    var next = function () {
      if (stream && !read) timer = window.setTimeout(function () { look(frame); }, SCAN_EVERY_MS);
    };
    if (video.readyState < 2 || !video.videoWidth) {
      next();
      return;
    }
    var reading;
    try {
      reading = frame();
    } catch (error) {
      reading = Promise.reject(error); // a frame that cannot be read: try the next one
    }
    reading.then(function (value) {
      if (value && stream && !read) submit(value);
      else next();
    }, next);
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(button.dataset.unsupported);
      return;
    }
    button.disabled = true; // until the camera answers: one click opens one camera
    nativeDetector().then(function (detector) {
      if (!detector && typeof window.jsQR !== "function") {
        say(button.dataset.unsupported);
        button.disabled = false;
        return;
      }
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (camera) {
          stream = camera;
          button.dataset.decoder = detector ? "barcode-detector" : "jsqr";
          button.textContent = button.dataset.stop;
          button.disabled = false;
          video.srcObject = camera;
          video.hidden = false;
          say(button.dataset.scanning);
          var playing = video.play();
          if (playing && playing.catch) playing.catch(function () {}); // muted + playsinline: allowed to play
          look(decoderFor(detector));
        }, function (error) {
          button.disabled = false;
          var refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
          say(refused ? button.dataset.refused : button.dataset.noCamera);
        });
    });
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (read) return;
    if (stream) {
      stop();
      say("");
    } else {
      start();
    }
  });
  // Leaving the page (or the browser putting it away) turns the camera off.
  window.addEventListener("pagehide", stop);
})();
