// The glassnet playground page. It draws what the server's glassnet run sends and sends back
// what the learner asks for; it computes nothing about the network itself.
"use strict";

const DEFAULTS = {
  dataset: "spirals", noise: 0.1, n_samples: 400, test_fraction: 0.2, hidden: [8, 8],
  activation: "tanh", loss: "cross_entropy", learning_rate: 0.03, l2: 0, batch_size: 10,
  optimizer: "sgd", seed: 0, points: [],
};
const CLASS_COLORS = [[230, 97, 1], [44, 123, 182], [26, 152, 80], [123, 50, 148]];
// Weights and values have their own colours, never a class's: magenta negative, dark grey
// positive (the four class colours are orange, blue, green and purple).
const NEGATIVE = [197, 27, 125], POSITIVE = [64, 64, 64];
const rgb = (c) => `rgb(${c.join(",")})`;
const MAX_LAYERS = 6, MAX_NEURONS = 16;

const $ = (id) => document.getElementById(id);
let linkNote = null;  // what the link asked for that the page could not give
let settings = readSettingsFromUrl();
let socket = null;
let data = null;          // the "points" message: train/test points and the plane's extent
let state = null;         // the last "state" message
let chosenPoint = null;   // {x: [x1, x2], label}
let chosenWeight = null;  // {layer, row, col} or {layer, bias: true, col}
let configureTimer = null;
let divergedShown = false;  // the divergence message is shown once per run
let boundaryChanges = 0;  // how many boundary pictures were drawn (the tests read it)

// ---------------------------------------------------------------------------- settings and URL

function readSettingsFromUrl() {
  try {
    const text = decodeURIComponent(location.hash.slice(1));
    if (text) {
      const asked = { ...DEFAULTS, ...JSON.parse(text) };
      const hidden = Array.isArray(asked.hidden) ? asked.hidden : DEFAULTS.hidden;
      asked.hidden = hidden.slice(0, MAX_LAYERS).map(
        (n) => Math.max(1, Math.min(MAX_NEURONS, Math.round(Number(n)) || 1)));
      if (JSON.stringify(asked.hidden) !== JSON.stringify(hidden)) {
        linkNote = `the link asked for hidden layers ${JSON.stringify(hidden)}; the playground `
          + `shows at most ${MAX_LAYERS} layers of ${MAX_NEURONS} neurons`;
      }
      return asked;
    }
  } catch (error) { /* a damaged link: start from the defaults */ }
  return { ...DEFAULTS, hidden: [...DEFAULTS.hidden] };
}

function writeSettingsToUrl() {
  history.replaceState(null, "", "#" + encodeURIComponent(JSON.stringify(settings)));
}

function showSettings() {
  for (const key of ["dataset", "noise", "n_samples", "test_fraction", "seed", "activation",
    "loss", "optimizer", "learning_rate", "l2", "batch_size"]) {
    $(key).value = settings[key];
  }
  $("noise-value").textContent = Number(settings.noise).toFixed(2);
  $("test-value").textContent = Math.round(settings.test_fraction * 100) + "%";
  $("noise").disabled = settings.dataset === "xor" || settings.dataset === "custom";
  $("n_samples").disabled = settings.dataset === "custom";
  $("custom-tools").hidden = settings.dataset !== "custom";
  $("custom-count").textContent = `${settings.points.length} points`;
  $("layer-count").textContent = settings.hidden.length ? `${settings.hidden.length}` : "none";
  $("layers").innerHTML = settings.hidden.map((n, k) =>
    `<div class="row">layer ${k + 1}: <button data-layer="${k}" data-change="-1" title="one neuron fewer">&minus;</button>
     <span>${n} neuron${n === 1 ? "" : "s"}</span> <button data-layer="${k}" data-change="1" title="one neuron more">+</button></div>`).join("");
}

function changed(key, value) {
  const previousDataset = settings.dataset;
  settings[key] = value;
  if (key === "dataset" && value === "surface") settings.loss = "mse";  // regression needs it
  else if (key === "dataset" && previousDataset === "surface") settings.loss = "cross_entropy";
  showSettings();
  writeSettingsToUrl();
  clearTimeout(configureTimer);
  configureTimer = setTimeout(configure, 250);
}

function configure() {
  clearTimeout(configureTimer);
  configureTimer = null;
  send({ type: "configure", settings });
}

// ---------------------------------------------------------------------------- the connection
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    $("connection").textContent = "connected";
    configure();
    if (linkNote) showNote(linkNote);
  };
  socket.onclose = () => {
    $("connection").textContent = "disconnected: reload the page";
    setPlaying(false);
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
}

function send(message) {
  // A change still waiting for its configure goes first: a message acts on the run on screen.
  if (message.type !== "configure" && configureTimer !== null) configure();
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function receive(message) {
  switch (message.type) {
    case "error":
      if (message.message.startsWith("custom data needs")) { drawClickedPoints(); break; }
      showError(message.message);
      break;
    case "settings":  // what the server runs (after a loaded model: its architecture)
      hideError();
      settings = { ...settings, ...message.settings };
      showSettings();
      writeSettingsToUrl();
      break;
    case "points":
      data = message; data.custom = settings.dataset === "custom"; divergedShown = false;
      showLegend();
      chosenPoint = null; showChosen();
      document.body.dataset.runs = Number(document.body.dataset.runs || 0) + 1;
      break;
    case "state":
      state = message;
      draw();
      if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"drawn"}');
      break;
    case "playing": setPlaying(message.playing); break;
    case "explanation": showExplanation(message); break;
    case "model": downloadModel(message); break;
    case "note": showNote(message.message); break;
  }
}

let noteTimer = null;
function showNote(text) {  // one line that fades after a few seconds, the page not moving
  $("note").textContent = text;
  $("note").hidden = false;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => { $("note").hidden = true; }, 4000);
}

function showError(text) { $("error").textContent = text; $("error").hidden = false; }
function hideError() { $("error").hidden = true; }

function setPlaying(playing) {
  $("play").disabled = playing;
  $("pause").disabled = !playing;
}

// ---------------------------------------------------------------------------- drawing
function draw() {
  drawBoundary();
  drawStats();
  drawCurves();
  drawConfusion();
  drawDiagram();
}

// The plane clicked points live on: +-6 until the server runs them (it keeps that plane).
const CLICK_PLANE = { low: [-6, -6], high: [6, 6] };

function clickingPoints() {  // custom data the server does not run yet (too few points)
  return settings.dataset === "custom" && !(data && data.custom);
}

function planeExtent() {
  return clickingPoints() || !data ? CLICK_PLANE : data.extent;
}

function toCanvas(x1, x2, canvas) {
  const { low, high } = planeExtent();
  return [(x1 - low[0]) / (high[0] - low[0]) * canvas.width,
    (high[1] - x2) / (high[1] - low[1]) * canvas.height];
}

function fromCanvas(px, py, canvas) {
  const { low, high } = planeExtent();
  return [low[0] + px / canvas.width * (high[0] - low[0]),
    high[1] - py / canvas.height * (high[1] - low[1])];
}

function diverging(t) {  // t in [-1, 1]: magenta (negative), white, dark grey (positive)
  const c = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
}

function gridImage(size, colorOf) {
  const image = document.createElement("canvas");
  image.width = image.height = size;
  const context = image.getContext("2d");
  const pixels = context.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = colorOf(i);
    pixels.data.set([r, g, b, 255], 4 * i);
  }
  context.putImageData(pixels, 0, 0);
  return image;
}

function regressionRange() {
  const values = data.train.map((p) => p[2]);
  const extreme = Math.max(1e-9, ...values.map(Math.abs));
  return extreme;
}

function showLegend() {  // what the colours and marks on the plane mean
  const swatch = (c, text) => `<span class="key"><i style="background:${rgb(c)}"></i>${text}</span>`;
  let keys;
  if (data.classification) {
    keys = Array.from({ length: Math.max(2, data.classes) },
      (_, k) => swatch(CLASS_COLORS[k % 4], `class ${k}`)).join("");
  } else {
    const extreme = regressionRange();
    keys = `<span class="key">${format(-extreme, 2)} <i class="scale"></i> ${format(extreme, 2)}`
      + " target value</span>";
  }
  const [low, high] = [data.extent.low, data.extent.high];
  $("legend").innerHTML = `${keys}<span class="key">\u25cf filled: train, \u25cb ringed: test`
    + `</span><span class="key">plane: x1 ${format(low[0], 2)} to ${format(high[0], 2)}, `
    + `x2 ${format(low[1], 2)} to ${format(high[1], 2)}</span>`
    + `<span class="key">network: ${swatch(POSITIVE, "positive")} ${swatch(NEGATIVE, "negative")}`
    + " weights</span>";
}

function drawClickedPoints() {
  // The points clicked so far, on the +-6 plane, before the server runs them (10 points of 2
  // classes at least): nothing moves when it does.
  if (!clickingPoints()) return;
  const canvas = $("boundary"), context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  for (const [x1, x2, label] of settings.points) {
    const [px, py] = toCanvas(x1, x2, canvas);
    context.beginPath();
    context.arc(px, py, 3, 0, 2 * Math.PI);
    context.fillStyle = `rgb(${CLASS_COLORS[label % 4].join(",")})`;
    context.fill();
  }
  const classes = new Set(settings.points.map((p) => p[2])).size;
  $("custom-count").textContent = `${settings.points.length} points of ${classes} class`
    + `${classes === 1 ? "" : "es"}: training starts at 10 points of 2 classes`;
}

function drawBoundary() {
  if (clickingPoints()) { drawClickedPoints(); return; }
  const canvas = $("boundary"), context = canvas.getContext("2d");
  const boundary = state.boundary;
  const size = Math.round(Math.sqrt((boundary.classes || boundary.values).length));
  let image;
  if (boundary.classes) {
    const k = Math.max(2, data.classes);
    image = gridImage(size, (i) => {
      const c = CLASS_COLORS[boundary.classes[i] % 4];
      const a = 0.65 * Math.max(0, (boundary.confidence[i] - 1 / k) / (1 - 1 / k));
      return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
    });
  } else {
    const extreme = regressionRange();
    image = gridImage(size, (i) => diverging(boundary.values[i] / extreme));
  }
  context.imageSmoothingEnabled = true;
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const extreme = data.classification ? 1 : regressionRange();
  for (const [points, test] of [[data.train, false], [data.test, true]]) {
    for (const [x1, x2, target] of points) {
      const [px, py] = toCanvas(x1, x2, canvas);
      const c = data.classification ? CLASS_COLORS[target % 4] : diverging(target / extreme);
      context.beginPath();
      context.arc(px, py, test ? 3.5 : 3, 0, 2 * Math.PI);
      context.fillStyle = test ? "#fff" : `rgb(${c.join(",")})`;
      // (a regression point has the background's colours: a dark rim keeps it visible)
      context.strokeStyle = test ? `rgb(${c.join(",")})` : (data.classification ? "#fff" : "#333");
      context.lineWidth = test ? 2 : 1;
      context.fill();
      context.stroke();
    }
  }
  if (chosenPoint) {
    const [px, py] = toCanvas(chosenPoint.x[0], chosenPoint.x[1], canvas);
    context.beginPath();
    context.arc(px, py, 7, 0, 2 * Math.PI);
    context.strokeStyle = "#000";
    context.lineWidth = 2;
    context.stroke();
  }
  boundaryChanges += 1;
  canvas.dataset.pictures = boundaryChanges;
}

function format(value, digits = 4) {
  if (value === null || value === undefined) return "diverged";
  return Math.abs(value) >= 1e4 || (Math.abs(value) < 1e-3 && value !== 0)
    ? value.toExponential(2) : value.toFixed(digits);
}

function drawStats() {
  const s = state.stats;
  if (s.train_loss === null && !divergedShown) {  // NaN or inf: the run overflowed
    divergedShown = true;
    showError(`training diverged at step ${s.step}: the loss overflowed (NaN). The learning `
      + `rate ${settings.learning_rate} is too high for this network: lower it and press Reset`);
  }
  $("epoch").textContent = s.epoch.toFixed(2);
  $("step-count").textContent = s.step;
  $("train-loss").textContent = format(s.train_loss);
  $("test-loss").textContent = format(s.test_loss);
  const classification = "test_accuracy" in s;
  $("train-metric-name").textContent = classification ? "train accuracy" : "train R\u00b2";
  $("test-metric-name").textContent = classification ? "test accuracy" : "test R\u00b2";
  $("train-accuracy").textContent = classification
    ? (100 * s.train_accuracy).toFixed(1) + "%" : format(s.train_r2, 3);
  $("test-accuracy").textContent = classification
    ? (100 * s.test_accuracy).toFixed(1) + "%" : format(s.test_r2, 3);
  $("test-accuracy").dataset.value = classification ? s.test_accuracy : s.test_r2;
}

function drawCurves() {
  const canvas = $("curves"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const curve = state.curve.filter((p) => p[1] !== null && p[2] !== null);
  context.fillStyle = "#666";
  context.font = "11px system-ui";
  context.fillText("loss: train (solid), test (dashed) by epoch", 6, 12);
  if (curve.length < 2) return;
  const maxEpoch = curve[curve.length - 1][0], minEpoch = curve[0][0];
  const top = Math.max(...curve.map((p) => Math.max(p[1], p[2])));
  const x = (e) => 30 + (e - minEpoch) / Math.max(1e-9, maxEpoch - minEpoch) * (canvas.width - 40);
  const y = (v) => canvas.height - 14 - v / Math.max(1e-9, top) * (canvas.height - 34);
  for (const [column, dash] of [[1, []], [2, [4, 3]]]) {
    context.beginPath();
    context.setLineDash(dash);
    curve.forEach((p, i) => (i ? context.lineTo(x(p[0]), y(p[column])) : context.moveTo(x(p[0]), y(p[column]))));
    context.strokeStyle = "#222";
    context.stroke();
  }
  context.setLineDash([]);
  context.fillText(top.toPrecision(3), 2, 26);
  context.fillText("0", 20, canvas.height - 12);
  context.textAlign = "right";
  context.fillText(`epoch ${maxEpoch.toFixed(1)}`, canvas.width - 4, canvas.height - 2);
  context.textAlign = "left";
}

function drawConfusion() {
  const matrix = state.stats.confusion;
  $("confusion-wrap").hidden = !matrix;
  if (!matrix) return;
  let html = "<tr><th>true \\ predicted</th>" + matrix.map((_, j) => `<th>${j}</th>`).join("") + "</tr>";
  matrix.forEach((row, i) => {
    html += `<tr><th>${i}</th>` + row.map((n) => `<td>${n}</td>`).join("") + "</tr>";
  });
  $("confusion").innerHTML = html;
}

// The network: columns of neurons, weights as lines, each neuron's output over the plane.
function drawDiagram() {
  const svg = $("diagram");
  const width = svg.clientWidth || 600, height = svg.clientHeight || 380;
  const layers = state.weights;  // one entry per Dense layer
  const columns = [2, ...layers.map((l) => l.b.length)];
  const neuronMaps = state.neurons;
  const box = 26, gap = (width - 90) / Math.max(1, columns.length - 1);
  const position = (c, j) => {
    const n = columns[c], spacing = Math.min(box + 8, (height - 20) / n);
    return [20 + c * gap, height / 2 + (j - (n - 1) / 2) * spacing];
  };
  const all = layers.flatMap((l) => l.W.flat().concat(l.b)).map(Math.abs);
  const biggest = Math.max(1e-9, ...all);
  let html = "";
  layers.forEach((layer, c) => {
    layer.W.forEach((row, i) => row.forEach((w, j) => {
      const [x1, y1] = position(c, i), [x2, y2] = position(c + 1, j);
      const chosen = chosenWeight && chosenWeight.layer === layer.layer && !chosenWeight.bias
        && chosenWeight.row === i && chosenWeight.col === j;
      html += `<line class="edge${chosen ? " chosen" : ""}" x1="${x1 + box / 2}" y1="${y1}" x2="${x2 - box / 2}" y2="${y2}"
        stroke="${rgb(w >= 0 ? POSITIVE : NEGATIVE)}" stroke-width="${0.4 + 4 * Math.abs(w) / biggest}"
        stroke-opacity="0.8" data-layer="${layer.layer}" data-row="${i}" data-col="${j}"></line>`;
    }));
  });
  columns.forEach((n, c) => {
    for (let j = 0; j < n; j++) {
      const [x, y] = position(c, j);
      let fill = "#eee", label = "";
      if (c === 0) label = `x${j + 1}`;
      const maps = c > 0 && c < columns.length - 1 ? neuronMaps[c - 1] : null;
      html += `<rect x="${x - box / 2}" y="${y - box / 2}" width="${box}" height="${box}" fill="${fill}" stroke="#999"></rect>`;
      if (maps) html += `<image href="${neuronImage(maps.maps[j])}" x="${x - box / 2}" y="${y - box / 2}" width="${box}" height="${box}" preserveAspectRatio="none"></image>`;
      if (c === columns.length - 1) html += `<text x="${x + box / 2 + 4}" y="${y + 4}" font-size="11">out ${j}</text>`;
      if (label) html += `<text x="${x - 6}" y="${y + 4}" font-size="11">${label}</text>`;
      if (c > 0) {
        const layer = layers[c - 1], b = layer.b[j];
        const chosen = chosenWeight && chosenWeight.layer === layer.layer && chosenWeight.bias && chosenWeight.col === j;
        html += `<rect class="bias${chosen ? " chosen" : ""}" x="${x - box / 2 - 5}" y="${y + box / 2 - 5}" width="9" height="9"
          fill="${rgb(b >= 0 ? POSITIVE : NEGATIVE)}" fill-opacity="${0.25 + 0.75 * Math.abs(b) / biggest}" stroke="#555"
          data-layer="${layer.layer}" data-col="${j}" data-bias="1"></rect>`;
      }
    }
  });
  svg.innerHTML = html;
}

function neuronImage(values) {
  const size = Math.round(Math.sqrt(values.length));
  const extreme = Math.max(1e-9, ...values.map(Math.abs));
  return gridImage(size, (i) => diverging(values[i] / extreme)).toDataURL();
}

function weightAt(target) {
  const layer = state.weights.find((l) => l.layer === target.dataset.layer);
  const col = Number(target.dataset.col);
  if (target.dataset.bias) {
    return { id: { layer: layer.layer, bias: true, col }, name: `${layer.layer}.b[${col}]`,
      value: layer.b[col], grad: layer.db[col] };
  }
  const row = Number(target.dataset.row);
  return { id: { layer: layer.layer, row, col }, name: `${layer.layer}.W[${row}, ${col}]`,
    value: layer.W[row][col], grad: layer.dW[row][col] };
}

// ---------------------------------------------------------------------------- explaining
function showChosen() {
  $("chosen-point").textContent = chosenPoint
    ? `(${chosenPoint.x.map((v) => v.toFixed(2)).join(", ")}), target ${chosenPoint.label}`
    : "the first training point";
  $("chosen-weight").textContent = chosenWeight
    ? (chosenWeight.bias ? `${chosenWeight.layer}.b[${chosenWeight.col}]`
      : `${chosenWeight.layer}.W[${chosenWeight.row}, ${chosenWeight.col}]`) : "none";
}

function explain() {
  if (!data) return;
  const point = chosenPoint || { x: data.train[0].slice(0, 2), label: data.train[0][2] };
  const message = { type: "explain", point: point.x, label: point.label };
  if (chosenWeight) message.weight = chosenWeight;
  send(message);
}

function valueText(step) {
  if (step.value !== undefined) {
    const show = (v) => (Array.isArray(v) ? "[" + v.map(show).join(", ") + "]" : format(v, 5));
    const text = show(step.value);
    return Array.isArray(step.value) && Array.isArray(step.value[0])
      ? text.replace(/\], \[/g, "],\n [") : text;
  }
  if (step.summary) {
    const s = step.summary;
    return `shape ${JSON.stringify(step.shape)}: mean ${format(s.mean)}, std ${format(s.std)}, min ${format(s.min)}, max ${format(s.max)}`;
  }
  return "";
}

function showExplanation(message) {
  let html = `<p><strong>${message.title}</strong></p><ul>` +
    message.about.map((line) => `<li>${line}</li>`).join("") + "</ul><table>";
  let section = null;
  for (const step of message.steps) {
    if (step.section !== section) {
      section = step.section;
      html += `<tr class="section"><th colspan="3">${section}</th></tr>`;
    }
    html += `<tr><td>${step.name}</td><td>${step.formula || ""}${step.note ? ` <em>(${step.note})</em>` : ""}</td>
      <td class="value">${valueText(step)}</td></tr>`;
  }
  $("explanation").innerHTML = html + "</table>";
  const w = message.weight;
  $("weight-check").textContent = w
    ? `${w.name} = ${format(w.value, 6)}: analytic dLoss/d${w.name} = ${w.analytic.toExponential(8)}, central finite difference = ${w.numeric.toExponential(8)}, relative difference ${w.relative_error.toExponential(1)}`
    : "";
}

// ---------------------------------------------------------------------------- files
function downloadModel(message) {
  const bytes = Uint8Array.from(atob(message.data), (c) => c.charCodeAt(0));
  save(new Blob([bytes], { type: "application/octet-stream" }), message.filename);
  let text = `Reproduce it (${message.epochs} whole epochs) with:\n${message.command}`;
  if (message.points_csv) {
    save(new Blob([message.points_csv], { type: "text/csv" }), "points.csv");
    text += "\n(points.csv, your points, was downloaded too)";
  }
  $("model-command").textContent = text;
  $("model-command").hidden = false;
}

function save(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

function readCsv(text) {
  const rows = text.trim().split(/\r?\n/).map((line) => line.split(",").map((c) => c.trim()));
  const numeric = (row) => row.length >= 3 && row.slice(0, 3).every((c) => c !== "" && !isNaN(Number(c)));
  const body = numeric(rows[0]) ? rows : rows.slice(1);
  const bad = body.findIndex((row) => !numeric(row));
  if (bad >= 0) throw new Error(`CSV row ${bad + 1} is not three numbers (x1, x2, label)`);
  const labels = [...new Set(body.map((row) => Number(row[2])))].sort((a, b) => a - b);
  if (labels.length > 4) throw new Error(`the playground takes up to 4 classes; this CSV has ${labels.length}`);
  return body.map((row) => [Number(row[0]), Number(row[1]), labels.indexOf(Number(row[2]))]);
}

// ---------------------------------------------------------------------------- wiring
function bind() {
  const numbers = ["noise", "n_samples", "test_fraction", "seed", "learning_rate", "l2", "batch_size"];
  for (const key of numbers) {
    $(key).addEventListener("change", (e) => changed(key, key === "n_samples" || key === "seed" || key === "batch_size"
      ? Math.round(Number(e.target.value)) : Number(e.target.value)));
  }
  for (const key of ["dataset", "activation", "loss", "optimizer"]) {
    $(key).addEventListener("change", (e) => changed(key, e.target.value));
  }
  $("noise").addEventListener("input", (e) => { $("noise-value").textContent = Number(e.target.value).toFixed(2); });
  $("add-layer").onclick = () => {
    if (settings.hidden.length < MAX_LAYERS) changed("hidden", [...settings.hidden, 4]);
  };
  $("remove-layer").onclick = () => changed("hidden", settings.hidden.slice(0, -1));
  $("layers").addEventListener("click", (e) => {
    const k = Number(e.target.dataset.layer), change = Number(e.target.dataset.change);
    if (!change) return;
    const hidden = [...settings.hidden];
    hidden[k] = Math.max(1, Math.min(MAX_NEURONS, hidden[k] + change));
    changed("hidden", hidden);
  });
  $("play").onclick = () => send({ type: "play", batches: Math.max(1, Math.min(5000, Number($("speed").value) || 10)) });
  $("pause").onclick = () => send({ type: "pause" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("explain").onclick = explain;
  $("download").onclick = () => send({ type: "save" });
  $("clear-points").onclick = () => changed("points", []);
  $("csv-file").addEventListener("change", async (e) => {
    if (!e.target.files.length) return;  // the choice was cleared
    try {
      settings.dataset = "custom";
      changed("points", readCsv(await e.target.files[0].text()).slice(0, 2000));
    } catch (error) { showError(error.message); }
  });
  $("load-model").addEventListener("change", async (e) => {
    if (!e.target.files.length) return;  // the choice was cleared
    const bytes = new Uint8Array(await e.target.files[0].arrayBuffer());
    let binary = "";
    bytes.forEach((b) => { binary += String.fromCharCode(b); });
    send({ type: "load", data: btoa(binary) });
  });
  $("boundary").addEventListener("click", (e) => {
    if (!data && settings.dataset !== "custom") return;
    const canvas = e.target, rect = canvas.getBoundingClientRect();
    const px = (e.clientX - rect.left) * canvas.width / rect.width;
    const py = (e.clientY - rect.top) * canvas.height / rect.height;
    const [x1, x2] = fromCanvas(px, py, canvas);
    if (settings.dataset === "custom") {
      changed("points", [...settings.points, [x1, x2, Number($("point-class").value)]]);
      if (clickingPoints()) drawClickedPoints();  // drawn at once, where clicked
      return;
    }
    let best = null, bestDistance = Infinity;
    for (const p of data.train.concat(data.test)) {
      const d = (p[0] - x1) ** 2 + (p[1] - x2) ** 2;
      if (d < bestDistance) { best = p; bestDistance = d; }
    }
    chosenPoint = { x: [best[0], best[1]], label: best[2] };
    showChosen();
    if (state) drawBoundary();
  });
  const svg = $("diagram"), tooltip = $("tooltip");
  svg.addEventListener("mousemove", (e) => {
    const target = e.target;
    if (!state || !(target.classList.contains("edge") || target.classList.contains("bias"))) {
      tooltip.hidden = true;
      return;
    }
    const w = weightAt(target);
    tooltip.textContent = `${w.name} = ${format(w.value, 5)}   gradient ${format(w.grad, 6)}`;
    const rect = svg.parentElement.getBoundingClientRect();
    tooltip.style.left = `${e.clientX - rect.left + 12}px`;
    tooltip.style.top = `${e.clientY - rect.top + 12}px`;
    tooltip.hidden = false;
  });
  svg.addEventListener("mouseleave", () => { tooltip.hidden = true; });
  svg.addEventListener("click", (e) => {
    if (!state || !(e.target.classList.contains("edge") || e.target.classList.contains("bias"))) return;
    chosenWeight = weightAt(e.target).id;
    showChosen();
    drawDiagram();
  });
}

showSettings();
writeSettingsToUrl();
bind();
connect();
