// Check-in by camera: the browser's own BarcodeDetector reads the badge's QR code into the code field and submits.
// Where the browser has no BarcodeDetector (or no camera), the button says so and the typed code is the way.
(function () {
  var button = document.getElementById("scan-button");
  var field = document.getElementById("id_code");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  if (!button || !field || !video) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      status.textContent = button.dataset.unsupported;
      return;
    }
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            field.value = codes[0].rawValue;
            field.form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      };
      look();
    }).catch(function () { status.textContent = button.dataset.unsupported; });
  });
})();
