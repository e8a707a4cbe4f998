// The glassnet playground page. It draws what the server's glassnet run sends and sends back
// what the learner asks for; it computes nothing about the network itself.
"use strict";

const DEFAULTS = {
  dataset: "spirals", noise: 0.1, n_samples: 400, test_fraction: 0.2, hidden: [8, 8],
  activation: "tanh", loss: "cross_entropy", learning_rate: 0.03, l2: 0, l1: 0, batch_size: 10,
  optimizer: "sgd", seed: 0, features: ["x1", "x2"], points: [], custom_task: "classification",
  class_names: [],
};
// How the page shows the run (kept in the link beside the settings; the server never sees them).
const VIEW_DEFAULTS = { speed: 100, show_test: true, discretize: false };
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const CLASS_COLORS = [[230, 97, 1], [44, 123, 182], [26, 152, 80], [123, 50, 148]];
// Weights and values have their own colours, never a class's: magenta negative, dark grey
// positive (the four class colours are orange, blue, green and purple).
const NEGATIVE = [197, 27, 125], POSITIVE = [64, 64, 64];
const rgb = (c) => `rgb(${c.join(",")})`;
const MAX_LAYERS = 6, MAX_NEURONS = 16;

const $ = (id) => document.getElementById(id);
let linkNote = null;  // what the link asked for that the page could not give
let view = { ...VIEW_DEFAULTS };
let settings = readSettingsFromUrl();
let socket = null;
let data = null;          // the "points" message: train/test points and the plane's extent
let state = null;         // the last picture (a "state" message, its arrays in place)
let playing = false;
let chosenPoint = null;   // {x: [x1, x2], label}
let chosenWeight = null;  // {layer, row, col} or {layer, bias: true, col}
let hovered = null;       // the weight or bias under the pointer (its tooltip follows the run)
let shownNeuron = null;   // {column, j}: the neuron whose output the big plane shows
let configureTimer = null;
let divergedShown = false;  // the divergence message is shown once per run
let deadShown = false;      // so is the dead-units one
let boundaryChanges = 0;  // how many boundary pictures were drawn (the tests read it)
let pictureBytes = 0;     // the size of the last picture (the tests and figures read it)

// ---------------------------------------------------------------------------- settings and URL

function readSettingsFromUrl() {
  try {
    const text = decodeURIComponent(location.hash.slice(1));
    if (text) {
      const asked = { ...DEFAULTS, ...JSON.parse(text) };
      for (const key of Object.keys(VIEW_DEFAULTS)) {
        if (key in asked) { view[key] = asked[key]; delete asked[key]; }
      }
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
  return { ...DEFAULTS, hidden: [...DEFAULTS.hidden], features: [...DEFAULTS.features] };
}

function writeSettingsToUrl() {
  history.replaceState(null, "", "#" + encodeURIComponent(JSON.stringify({ ...settings, ...view })));
}

function showSettings() {
  for (const key of ["dataset", "noise", "n_samples", "test_fraction", "seed", "activation",
    "loss", "optimizer", "l2", "l1", "batch_size"]) {
    $(key).value = settings[key];
  }
  const rates = $("learning_rate");
  if (![...rates.options].some((o) => Number(o.value) === Number(settings.learning_rate))) {
    rates.add(new Option(String(settings.learning_rate), String(settings.learning_rate)));
  }
  rates.value = [...rates.options].find((o) => Number(o.value) === Number(settings.learning_rate)).value;
  $("speed").value = String(view.speed);
  $("show-test").checked = view.show_test;
  $("discretize").checked = view.discretize;
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
  for (const box of document.querySelectorAll("#features input")) {
    box.checked = settings.features.includes(box.value);
  }
  showTask();
}

function showTask() {  // the task at a glance, above everything
  const names = { xor: "the XOR pattern", spirals: "the spirals", moons: "the two moons",
    circles: "the circles", surface: "the surface", custom: "your points" };
  const regression = settings.dataset === "surface"
    || (settings.dataset === "custom" && settings.custom_task === "regression");
  const classes = data && data.classification ? Math.max(2, data.classes) : null;
  $("task").textContent = regression
    ? `Task: predict the value of ${names[settings.dataset]} at each point of the plane (regression).`
    : `Task: sort the points of ${names[settings.dataset]} into their ${classes || ""} classes `
      + "by their place on the plane (classification).";
}

function changed(key, value) {
  const previousDataset = settings.dataset;
  settings[key] = value;
  const regression = settings.dataset === "surface"
    || (settings.dataset === "custom" && settings.custom_task === "regression");
  if (regression) settings.loss = "mse";  // regression needs it
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
  socket.binaryType = "arraybuffer";  // pictures come as typed arrays
  socket.onopen = () => {
    $("connection").textContent = "connected";
    configure();
    if (linkNote) showNote(linkNote);
  };
  socket.onclose = () => {
    $("connection").textContent = "disconnected: reload the page";
    setPlaying(false);
  };
  socket.onmessage = (event) => {
    if (typeof event.data === "string") receive(JSON.parse(event.data));
    else { pictureBytes = event.data.byteLength; receive(decodePicture(event.data)); }
  };
}

function decodePicture(buffer) {
  // The server's picture (glassnet.playground.picture): a JSON header, then typed arrays that
  // are read where they lie. A 2-D array arrives as {data, shape}.
  const length = new DataView(buffer).getUint32(0, true);
  const message = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const start = Math.ceil((4 + length) / 4) * 4;
  const types = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array };
  for (const entry of message.arrays) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const array = new types[entry.dtype](buffer, start + entry.offset, count);
    const parts = entry.path.split(".");
    let place = message;
    for (const part of parts.slice(0, -1)) place = place[part];
    place[parts[parts.length - 1]] = entry.shape.length === 2 ? { data: array, shape: entry.shape } : array;
  }
  return message;
}

const at = (matrix, i, j) => matrix.data[i * matrix.shape[1] + j];

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
      data = message; data.custom = settings.dataset === "custom";
      divergedShown = false; deadShown = false; shownNeuron = null;
      showLegend();
      showTask();
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

function setPlaying(now) {
  playing = now;
  $("play").disabled = now;
  $("pause").disabled = !now;
}

// ---------------------------------------------------------------------------- drawing
function draw() {
  drawBoundary();
  drawStats();
  drawCurves();
  drawConfusion();
  drawDiagram();
  if (hovered) showTooltip(hovered.target, hovered.x, hovered.y);  // the value as it is now
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

function paint(canvas, size, colorOf) {  // a size x size picture, one colour per cell
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = canvas.height = size;
    canvas.pixels = null;
  }
  const context = canvas.getContext("2d");
  if (!canvas.pixels) canvas.pixels = context.createImageData(size, size);  // reused
  const pixels = canvas.pixels;
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = colorOf(i);
    pixels.data[4 * i] = r; pixels.data[4 * i + 1] = g; pixels.data[4 * i + 2] = b;
    pixels.data[4 * i + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
  return canvas;
}

const scratch = document.createElement("canvas");

function regressionRange() {
  const values = data.train.map((p) => p[2]);
  return Math.max(1e-9, ...values.map(Math.abs));
}

function showLegend() {  // what the colours and marks on the plane mean
  const swatch = (c, text) => `<span class="key"><i style="background:${rgb(c)}"></i>${text}</span>`;
  let keys;
  if (data.classification) {
    const names = data.class_names || [];
    keys = Array.from({ length: Math.max(2, data.classes) },
      (_, k) => swatch(CLASS_COLORS[k % 4], names[k] !== undefined && names[k] !== String(k)
        ? `class ${k} (${names[k]})` : `class ${k}`)).join("");
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
  drawAxes();
}

function ticks(low, high) {  // about five round numbers between low and high
  const raw = (high - low) / 4, power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const values = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9; v += step) values.push(Number(v.toFixed(10)));
  return values;
}

function drawAxes() {  // tick labels under and left of the plane, where their values lie
  const { low, high } = planeExtent();
  const label = (v) => String(Number(v.toPrecision(3)));
  $("x-ticks").innerHTML = ticks(low[0], high[0]).map((v) =>
    `<span style="left:${(v - low[0]) / (high[0] - low[0]) * 100}%">${label(v)}</span>`).join("")
    + '<b class="axis-name">x1</b>';
  $("y-ticks").innerHTML = ticks(low[1], high[1]).map((v) =>
    `<span style="top:${(high[1] - v) / (high[1] - low[1]) * 100}%">${label(v)}</span>`).join("")
    + '<b class="axis-name">x2</b>';
}

function drawClickedPoints() {
  // The points clicked so far, on the +-6 plane, before the server runs them (10 points of 2
  // classes at least): nothing moves when it does.
  if (!clickingPoints()) return;
  drawAxes();
  const canvas = $("boundary"), context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  for (const [x1, x2, label] of settings.points) {
    const [px, py] = toCanvas(x1, x2, canvas);
    context.beginPath();
    context.arc(px, py, 3, 0, 2 * Math.PI);
    context.fillStyle = settings.custom_task === "regression" ? "#333" : rgb(CLASS_COLORS[label % 4]);
    context.fill();
  }
  const classes = new Set(settings.points.map((p) => p[2])).size;
  $("custom-count").textContent = `${settings.points.length} points of ${classes} class`
    + `${classes === 1 ? "" : "es"}: training starts at 10 points of 2 classes`;
}

function neuronMap(column, j) {  // a hidden neuron's output over the plane: int8, -127..127
  const maps = state.neurons[column - 1].maps;
  const pixels = maps.shape[1];
  return maps.data.subarray(j * pixels, (j + 1) * pixels);
}

function drawBoundary() {
  if (clickingPoints()) { drawClickedPoints(); return; }
  const canvas = $("boundary"), context = canvas.getContext("2d");
  const boundary = state.boundary;
  let image;
  if (shownNeuron) {  // the big plane shows one neuron's output (while its box is hovered)
    const values = neuronMap(shownNeuron.column, shownNeuron.j);
    image = paint(scratch, Math.round(Math.sqrt(values.length)), (i) => diverging(values[i] / 127));
  } else if (boundary.classes) {
    const k = Math.max(2, data.classes);
    image = paint(scratch, Math.round(Math.sqrt(boundary.classes.length)), (i) => {
      const c = CLASS_COLORS[boundary.classes[i] % 4];
      const a = view.discretize ? 0.55  // each point's class only, no shades of confidence
        : 0.65 * Math.max(0, (boundary.confidence[i] / 255 - 1 / k) / (1 - 1 / k));
      return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
    });
  } else {
    const extreme = regressionRange();
    image = paint(scratch, Math.round(Math.sqrt(boundary.values.length)), (i) => {
      const t = boundary.values[i] / extreme;
      return diverging(view.discretize ? Math.sign(t) * 0.8 : t);
    });
  }
  context.imageSmoothingEnabled = !view.discretize;
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const extreme = data.classification ? 1 : regressionRange();
  const sets = view.show_test ? [[data.train, false], [data.test, true]] : [[data.train, false]];
  for (const [points, test] of sets) {
    for (const [x1, x2, target] of points) {
      const [px, py] = toCanvas(x1, x2, canvas);
      const c = data.classification ? CLASS_COLORS[target % 4] : diverging(target / extreme);
      context.beginPath();
      context.arc(px, py, test ? 3.5 : 3, 0, 2 * Math.PI);
      context.fillStyle = test ? "#fff" : rgb(c);
      // (a regression point has the background's colours: a dark rim keeps it visible)
      context.strokeStyle = test ? rgb(c) : (data.classification ? "#fff" : "#333");
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
  $("plane-caption").textContent = shownNeuron
    ? `showing neuron ${shownNeuron.j + 1} of hidden layer ${shownNeuron.column}: its output over `
      + "the plane (grey positive, magenta negative)"
    : (data.classification ? "the network's class at each place (paler: less sure)"
      : "the network's value at each place");
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
  if (s.diverged && !divergedShown) {  // the guard stopped the run: its own words
    divergedShown = true;
    showError(`${s.diverged} Lower the learning rate and press Reset.`);
  } else if (s.train_loss === null && !divergedShown) {  // NaN or inf: the run overflowed
    divergedShown = true;
    showError(`training diverged at step ${s.step}: the loss overflowed (NaN). The learning `
      + `rate ${settings.learning_rate} is too high for this network: lower it and press Reset`);
  }
  const dead = (s.dead_units || []).find((d) => d.dead === d.of);
  if (dead && !deadShown && s.step > 0) {
    deadShown = true;
    showError(`all ${dead.of} ${dead.layer.replace(/\d+$/, "")} units of ${dead.layer} give 0 for `
      + "every training point, so no gradient reaches the weights before them and the network "
      + "has stopped learning (a learning rate too high often kills them). Lower the learning "
      + "rate and press Reset.");
  }
  $("dead").textContent = (s.dead_units || []).map((d) =>
    `${d.dead} of ${d.of} units of ${d.layer} are dead (0 for every training point)`).join("; ");
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
  const rows = [];  // epoch, train loss, test loss: float32, NaN where the run overflowed
  for (let r = 0; r < state.curve.shape[0]; r++) rows.push(Array.from(state.curve.data.subarray(3 * r, 3 * r + 3)));
  const curve = rows.filter((p) => Number.isFinite(p[1]) && Number.isFinite(p[2]));
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

// ---------------------------------------------------------------------------- the network
// Columns of neurons, weights as lines, each hidden neuron's output over the plane in its box.
// The elements are built once per architecture and size, and only their colours, widths and
// pictures change with each picture: a weight stays under the pointer while the run plays.
let diagram = null;  // {key, columns, edges, biases, maps, position, box}
const SVG = "http://www.w3.org/2000/svg";

function diagramLayout() {
  const svg = $("diagram");
  const width = svg.clientWidth || 600, height = svg.clientHeight || 380;
  const columns = [state.weights[0].W.shape[0], ...state.weights.map((l) => l.b.length)];
  const tallest = Math.max(...columns);
  const spacing = Math.min(34, (height - 16) / tallest);
  const box = Math.max(8, Math.min(26, spacing - 5));
  const left = 58, right = 46;  // room for the inputs' names and the outputs'
  const gap = (width - left - right) / Math.max(1, columns.length - 1);
  const position = (c, j) => [left + c * gap, height / 2 + (j - (columns[c] - 1) / 2) * spacing];
  return { key: JSON.stringify([columns, width, height, state.weights.map((l) => l.layer)]),
    columns, position, box, width, height };
}

function element(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function buildDiagram(layout) {
  const svg = $("diagram"), maps = $("neuron-maps");
  svg.replaceChildren();
  maps.replaceChildren();
  const { columns, position, box } = layout;
  const edges = [], biases = [], pictures = [], neurons = [];
  const edgeLayer = element("g", {}), hitLayer = element("g", {}), nodeLayer = element("g", {});
  svg.append(edgeLayer, hitLayer, nodeLayer);
  state.weights.forEach((layer, c) => {
    for (let i = 0; i < columns[c]; i++) {
      for (let j = 0; j < columns[c + 1]; j++) {
        const [x1, y1] = position(c, i), [x2, y2] = position(c + 1, j);
        const ends = { x1: x1 + box / 2, y1, x2: x2 - box / 2, y2 };
        const line = element("line", { ...ends, class: "edge", "stroke-opacity": 0.8 });
        // a wide, invisible twin takes the pointer (and a finger): thin lines are hard to hit
        const hit = element("line", { ...ends, class: "hit", "data-layer": layer.layer,
          "data-row": i, "data-col": j });
        edgeLayer.append(line);
        hitLayer.append(hit);
        edges.push({ line, hit, c, i, j });
      }
    }
  });
  columns.forEach((n, c) => {
    for (let j = 0; j < n; j++) {
      const [x, y] = position(c, j);
      const square = element("rect", { x: x - box / 2, y: y - box / 2, width: box, height: box,
        class: "neuron", "data-column": c, "data-neuron": j });
      nodeLayer.append(square);
      neurons.push({ square, c, j });
      if (c === 0) {
        const feature = settings.features[j] || `x${j + 1}`;
        const text = element("text", { x: x - box / 2 - 3, y: y + 4, "font-size": 11, "text-anchor": "end" });
        text.textContent = feature;
        nodeLayer.append(text);
      }
      if (c === columns.length - 1) {
        const text = element("text", { x: x + box / 2 + 4, y: y + 4, "font-size": 11 });
        text.textContent = `out ${j}`;
        nodeLayer.append(text);
      }
      if (c > 0 && c < columns.length - 1) {  // a hidden neuron: its output over the plane
        const picture = document.createElement("canvas");
        Object.assign(picture.style, { left: `${x - box / 2}px`, top: `${y - box / 2}px`,
          width: `${box}px`, height: `${box}px` });
        maps.append(picture);
        pictures.push({ picture, c, j });
      }
      if (c > 0) {
        const size = Math.max(5, box * 0.35);
        const bias = element("rect", { x: x - box / 2 - size / 2, y: y + box / 2 - size / 2,
          width: size, height: size, class: "bias", stroke: "#555",
          "data-layer": state.weights[c - 1].layer, "data-col": j, "data-bias": 1 });
        nodeLayer.append(bias);
        biases.push({ bias, c: c - 1, j });
      }
    }
  });
  return { ...layout, edges, biases, pictures, neurons };
}

function drawDiagram() {
  const layout = diagramLayout();
  if (!diagram || diagram.key !== layout.key) diagram = buildDiagram(layout);
  const layers = state.weights;
  let biggest = 1e-9;
  for (const layer of layers) {
    for (const w of layer.W.data) biggest = Math.max(biggest, Math.abs(w));
    for (const b of layer.b) biggest = Math.max(biggest, Math.abs(b));
  }
  const path = chosenPath();
  for (const { line, c, i, j } of diagram.edges) {
    const w = at(layers[c].W, i, j);
    line.setAttribute("stroke", rgb(w >= 0 ? POSITIVE : NEGATIVE));
    line.setAttribute("stroke-width", 0.4 + 4 * Math.abs(w) / biggest);
    line.classList.toggle("chosen", path.chosen(c, i, j));
    line.classList.toggle("path", path.on(c, i, j));
    line.classList.toggle("faded", path.any && !path.on(c, i, j) && !path.chosen(c, i, j));
  }
  for (const { bias, c, j } of diagram.biases) {
    const b = layers[c].b[j];
    bias.setAttribute("fill", rgb(b >= 0 ? POSITIVE : NEGATIVE));
    bias.setAttribute("fill-opacity", 0.25 + 0.75 * Math.abs(b) / biggest);
    bias.classList.toggle("chosen", Boolean(chosenWeight && chosenWeight.bias
      && chosenWeight.layer === layers[c].layer && chosenWeight.col === j));
  }
  for (const { square, c, j } of diagram.neurons) square.classList.toggle("path", path.neuron(c, j));
  for (const { picture, c, j } of diagram.pictures) {
    const values = neuronMap(c, j);
    paint(picture, Math.round(Math.sqrt(values.length)), (k) => diverging(values[k] / 127));
  }
}

function chosenPath() {
  // The chosen weight's part in the chain rule: the weight itself, the neuron it feeds, and
  // everything after that neuron (dLoss/dz of that neuron gathers it all), and the neuron whose
  // output it multiplies.
  const none = { any: false, chosen: () => false, on: () => false, neuron: () => false };
  if (!chosenWeight || !state) return none;
  const k = state.weights.findIndex((l) => l.layer === chosenWeight.layer);
  if (k < 0) return none;
  const { row, col, bias } = chosenWeight;
  return {
    any: true,
    chosen: (c, i, j) => !bias && c === k && i === row && j === col,
    on: (c, i) => (c === k + 1 && i === col) || c > k + 1,
    neuron: (c, j) => (c === k + 1 && j === col) || (!bias && c === k && j === row) || c > k + 1,
  };
}

function weightAt(target) {
  const k = state.weights.findIndex((l) => l.layer === target.dataset.layer);
  const layer = state.weights[k], col = Number(target.dataset.col);
  if (target.dataset.bias) {
    return { id: { layer: layer.layer, bias: true, col }, name: `b${k + 1}[${col}]`,
      value: layer.b[col], grad: layer.db[col] };
  }
  const row = Number(target.dataset.row);
  return { id: { layer: layer.layer, row, col }, name: `W${k + 1}[${row}, ${col}]`,
    value: at(layer.W, row, col), grad: at(layer.dW, row, col) };
}

function weightName(id) {  // one name for a weight everywhere: explain's W2[1, 3], b2[3]
  const k = state ? state.weights.findIndex((l) => l.layer === id.layer) + 1 : 0;
  return id.bias ? `b${k}[${id.col}]` : `W${k}[${id.row}, ${id.col}]`;
}

function showTooltip(target, x, y) {
  const tooltip = $("tooltip");
  if (!target.isConnected) {  // the diagram was rebuilt under the pointer
    tooltip.hidden = true;
    hovered = null;
    return;
  }
  const w = weightAt(target);
  tooltip.textContent = `${w.name} = ${format(w.value, 5)}   dLoss/d${w.name} = ${format(w.grad, 6)}`
    + " (last step)";
  tooltip.style.left = `${x + 12}px`;
  tooltip.style.top = `${y + 12}px`;
  tooltip.hidden = false;
}

// ---------------------------------------------------------------------------- explaining
function showChosen() {
  $("chosen-point").textContent = chosenPoint
    ? `(${chosenPoint.x.map((v) => v.toFixed(2)).join(", ")}), target ${chosenPoint.label}`
    : "the first training point";
  $("chosen-weight").textContent = chosenWeight ? weightName(chosenWeight) : "none";
}

function explain() {
  if (!data) return;
  const point = chosenPoint || { x: data.train[0].slice(0, 2), label: data.train[0][2] };
  const message = { type: "explain", point: point.x, label: point.label };
  if (chosenWeight) message.weight = chosenWeight;
  send(message);
}

// Which entries of which steps belong to the chosen weight: {step name: [row, col] or [col]}.
function marksFor(weight) {
  if (!weight) return {};
  const k = weight.symbol.slice(1), i = weight.row, j = weight.col;
  const marks = { [`z${k}`]: [0, j], [`dLoss/dz${k}`]: [0, j], [`b${k}`]: [j],
    [`dLoss/db${k}`]: [j], [`b${k} new`]: [j] };
  if (!weight.bias) {
    Object.assign(marks, { [`W${k}`]: [i, j], [`dLoss/dW${k}`]: [i, j], [`W${k} new`]: [i, j],
      [`dz${k}/dW${k}`]: [0, i] });
  }
  marks[`W${Number(k) + 1}`] = [j, -1];  // the weights out of neuron j: its row of the next W
  return marks;
}

const FOLD_ROWS = 3;

function valueHtml(step, mark) {  // a step's number(s), large matrices folded to what matters
  const cell = (v, on) => (on ? `<mark>${format(v, 5)}</mark>` : format(v, 5));
  if (step.value === undefined) {
    if (!step.summary) return "";
    const s = step.summary;
    return `shape ${JSON.stringify(step.shape)}: mean ${format(s.mean)}, std ${format(s.std)}, min ${format(s.min)}, max ${format(s.max)}`;
  }
  const value = step.value;
  if (!Array.isArray(value)) return cell(value, false);
  if (!Array.isArray(value[0])) {
    return "[" + value.map((v, c) => cell(v, mark && mark.length === 1 && mark[0] === c)).join(", ") + "]";
  }
  const markedRow = mark && mark.length === 2 ? mark[0] : null;
  let rows = value.map((_, r) => r);
  if (value.length > FOLD_ROWS + 1) rows = markedRow !== null ? [markedRow] : rows.slice(0, FOLD_ROWS);
  const text = rows.map((r) => (value.length > 1 ? `row ${r}: ` : "") + "["
    + value[r].map((v, c) => cell(v, markedRow === r && mark[1] === c)).join(", ") + "]");
  const hidden = value.length - rows.length;
  if (hidden > 0) text.push(`(${hidden} more row${hidden === 1 ? "" : "s"} of ${value.length}, folded)`);
  return text.join("\n");
}

function stepValue(steps, name, index) {
  const step = steps.find((s) => s.name === name);
  if (!step || step.value === undefined) return null;
  return index.reduce((v, i) => (Array.isArray(v) ? v[i] : v), step.value);
}

function focusHtml(message) {
  // The chosen weight's own path through the chain rule, with this step's numbers.
  const w = message.weight;
  if (!w) {
    return "<p>Choose a weight in the network (click or touch a line) to follow its gradient "
      + "through the chain rule.</p>";
  }
  const steps = message.steps, k = w.symbol.slice(1);
  const v = (name, ...index) => stepValue(steps, name, index);
  const f = (x) => (x === null ? "?" : format(x, 5));
  const j = w.col;
  const delta = v(`dLoss/dz${k}`, 0, j);
  const lines = [];
  if (w.bias) {
    lines.push(`<b>${w.name}</b> = ${f(w.value)} is added to z${k}[${j}], the input of neuron ${j} of layer ${k}.`);
    lines.push(`Chain rule: dLoss/d${w.name} = dLoss/dz${k}[${j}] = <mark>${f(delta)}</mark>`);
  } else {
    const i = w.row, input = v(`dz${k}/dW${k}`, 0, i);
    const source = k === "1" ? (settings.features[i] || `x${i + 1}`) : `h${k - 1}[${i}]`;
    const what = k === "1" ? `input ${i} of the network` : `the output of neuron ${i} of hidden layer ${k - 1}`;
    lines.push(`<b>${w.name}</b> = ${f(w.value)} multiplies ${source} = ${f(input)} (${what}) into z${k}[${j}], the input of neuron ${j} of layer ${k}.`);
    lines.push(`Chain rule: dLoss/d${w.name} = ${source} \u00d7 dLoss/dz${k}[${j}] = ${f(input)} \u00d7 ${f(delta)} = <mark>${f(v(`dLoss/dW${k}`, i, j))}</mark>`);
  }
  const local = steps.find((s) => s.name.endsWith(`/dz${k}`) && !s.name.startsWith("dLoss"));
  if (local) {  // a hidden layer: dLoss/dz gathers what comes after it
    const h = local.name.split("/")[0].slice(1);
    const next = Number(k) + 1;
    lines.push(`where dLoss/dz${k}[${j}] = dLoss/d${h}[${j}] \u00d7 d${h}/dz${k}[${j}] = ${f(v(`dLoss/d${h}`, 0, j))} \u00d7 ${f(v(local.name, 0, j))}, and dLoss/d${h}[${j}] = \u03a3<sub>m</sub> dLoss/dz${next}[m] W${next}[${j}, m]: every path from neuron ${j} to the loss (the highlighted lines).`);
  } else {
    lines.push(`z${k} is the output layer's: dLoss/dz${k} is where the loss hands its gradient to the network (${f(delta)} for this output).`);
  }
  const key = w.bias ? `b${k} new` : `W${k} new`;
  const updated = w.bias ? v(key, j) : v(key, w.row, j);
  lines.push(`Update: ${w.name} \u2190 ${f(w.value)} \u2212 ${settings.learning_rate} \u00d7 ${f(w.analytic)} = ${f(updated)}`);
  lines.push(`Check: the central finite difference of the loss in ${w.name} is ${w.numeric.toExponential(6)}; the chain rule gave ${w.analytic.toExponential(6)} (relative difference ${w.relative_error.toExponential(1)}).`);
  return lines.map((line) => `<p>${line}</p>`).join("");
}

function showExplanation(message) {
  const w = message.weight;
  const marks = marksFor(w);
  let html = `<p><strong>${message.title}</strong></p><ul>`
    + message.about.map((line) => `<li>${line}</li>`).join("") + "</ul>";
  html += `<div id="focus">${focusHtml(message)}</div>`;
  html += `<details id="every-step"${w ? "" : " open"}><summary>every number of the step`
    + `${w ? " (the chosen weight's entries marked)" : ""}</summary><table>`;
  let section = null;
  for (const step of message.steps) {
    if (step.section !== section) {
      section = step.section;
      html += `<tr class="section"><th colspan="3">${section}</th></tr>`;
    }
    html += `<tr><td>${step.name}</td><td>${step.formula || ""}${step.note ? ` <em>(${step.note})</em>` : ""}</td>
      <td class="value">${valueHtml(step, marks[step.name])}</td></tr>`;
  }
  $("explanation").innerHTML = html + "</table></details>";
  $("weight-check").textContent = w
    ? `${w.name} = ${format(w.value, 6)}: analytic dLoss/d${w.name} = ${w.analytic.toExponential(8)}, central finite difference = ${w.numeric.toExponential(8)}, relative difference ${w.relative_error.toExponential(1)}`
    : "";
  $("explain-panel").scrollIntoView({ block: "start" });
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
  if (message.note) text += `\n(${message.note})`;
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
  // x1, x2 and a target: up to 4 labels (numbers or words) are classes; a numeric target with
  // more values is regression. Returns {points, task, class_names}.
  const rows = text.trim().split(/\r?\n/).map((line) => line.split(",").map((c) => c.trim()));
  const number = (c) => c !== "" && !isNaN(Number(c));
  const header = !(number(rows[0][0]) && number(rows[0][1]));
  const body = header ? rows.slice(1) : rows;
  const bad = body.findIndex((row) => row.length < 3 || !number(row[0]) || !number(row[1]) || row[2] === "");
  if (bad >= 0) {
    throw new Error(`CSV row ${bad + 1 + header} is not x1, x2 (numbers) and a target`);
  }
  const targets = body.map((row) => row[2]);
  const numeric = targets.every(number);
  const distinct = [...new Set(targets)];
  if (numeric && distinct.length > 4) {
    return { points: body.map((row) => [Number(row[0]), Number(row[1]), Number(row[2])]),
      task: "regression", class_names: [] };
  }
  if (distinct.length > 4) {
    throw new Error(`the playground takes up to 4 classes; this CSV's target has ${distinct.length} labels`);
  }
  const names = numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
  return { points: body.map((row) => [Number(row[0]), Number(row[1]), names.indexOf(row[2])]),
    task: "classification", class_names: numeric ? [] : names };
}

// ---------------------------------------------------------------------------- wiring
function bind() {
  const numbers = ["noise", "n_samples", "test_fraction", "seed", "learning_rate", "l2", "l1", "batch_size"];
  for (const key of numbers) {
    $(key).addEventListener("change", (e) => changed(key, key === "n_samples" || key === "seed" || key === "batch_size"
      ? Math.round(Number(e.target.value)) : Number(e.target.value)));
  }
  for (const key of ["dataset", "activation", "loss", "optimizer"]) {
    $(key).addEventListener("change", (e) => changed(key, e.target.value));
  }
  $("features").addEventListener("change", () => {
    const chosen = [...document.querySelectorAll("#features input")].filter((b) => b.checked).map((b) => b.value);
    if (!chosen.length) { showSettings(); showNote("the network needs at least one input"); return; }
    changed("features", chosen);
  });
  $("noise").addEventListener("input", (e) => { $("noise-value").textContent = Number(e.target.value).toFixed(2); });
  $("speed").addEventListener("change", (e) => {  // applies at once, also while playing
    view.speed = Number(e.target.value);
    writeSettingsToUrl();
    if (playing) send({ type: "play", batches: view.speed });
  });
  for (const [id, key] of [["show-test", "show_test"], ["discretize", "discretize"]]) {
    $(id).addEventListener("change", (e) => {
      view[key] = e.target.checked;
      writeSettingsToUrl();
      if (state) drawBoundary();
    });
  }
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
  $("play").onclick = () => send({ type: "play", batches: view.speed });
  $("pause").onclick = () => send({ type: "pause" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("explain").onclick = explain;
  $("download").onclick = () => send({ type: "save" });
  $("clear-points").onclick = () => changed("points", []);
  $("csv-file").addEventListener("change", async (e) => {
    if (!e.target.files.length) return;  // the choice was cleared
    try {
      const table = readCsv(await e.target.files[0].text());
      settings.dataset = "custom";
      settings.custom_task = table.task;
      settings.class_names = table.class_names;
      changed("points", table.points.slice(0, 2000));
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
      if (settings.custom_task === "regression") settings.custom_task = "classification";
      settings.class_names = [];
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
  const svg = $("diagram"), wrap = $("diagram-wrap");
  const picked = (target) => target.classList && (target.classList.contains("hit") || target.classList.contains("bias"));
  svg.addEventListener("pointermove", (e) => {
    const rect = wrap.getBoundingClientRect();
    const neuron = e.target.classList && e.target.classList.contains("neuron") ? e.target : null;
    const column = neuron ? Number(neuron.dataset.column) : -1;
    const hidden = neuron && column > 0 && column < diagram.columns.length - 1;
    const next = hidden ? { column, j: Number(neuron.dataset.neuron) } : null;
    if (JSON.stringify(next) !== JSON.stringify(shownNeuron)) {
      shownNeuron = next;
      if (state) drawBoundary();
    }
    if (!state || !picked(e.target)) {
      $("tooltip").hidden = true;
      hovered = null;
      return;
    }
    hovered = { target: e.target, x: e.clientX - rect.left, y: e.clientY - rect.top };
    showTooltip(hovered.target, hovered.x, hovered.y);
  });
  svg.addEventListener("pointerleave", () => {
    $("tooltip").hidden = true;
    hovered = null;
    if (shownNeuron) { shownNeuron = null; if (state) drawBoundary(); }
  });
  svg.addEventListener("pointerdown", (e) => {  // a press chooses (mouse or touch), even in Play
    if (!state || !picked(e.target)) return;
    chosenWeight = weightAt(e.target).id;
    showChosen();
    drawDiagram();
  });
  window.addEventListener("resize", () => { if (state) drawDiagram(); });
}

function fillChoices() {  // the learning-rate presets and the input features
  for (const rate of LEARNING_RATES) $("learning_rate").add(new Option(String(rate), String(rate)));
  $("features").innerHTML = FEATURES.map((name) =>
    `<label class="feature"><input type="checkbox" value="${name}"> ${name}</label>`).join("");
}

fillChoices();
showSettings();
writeSettingsToUrl();
bind();
connect();
