// The playground's page: loads Pyodide and Graphviz (both WebAssembly, both from this folder),
// installs the project's wheel, and shows what the project's Python code computes. This file
// only moves text between the form and Python: no number is computed here, and the
// expression is never evaluated as JavaScript or Python (autodiff_playground.expression
// parses it against the op table's whitelist).
import { loadPyodide } from "./pyodide.mjs";
import { instance as vizInstance } from "./viz.js";

const $ = id => document.getElementById(id);
const EXAMPLES = [
  {name: "the README's tour", text: "a*b + a.sigmoid()", values: {a: "2", b: "-3"}},
  {name: "tanh of a sum", text: "tanh(a*b + a)", values: {a: "0.5", b: "-1.5"}},
  {name: "a vanishing gradient", text: "a.sigmoid().sigmoid().sigmoid().sigmoid() * b",
   values: {a: "4", b: "1"}},
  {name: "a product rule", text: "a * a.sin() + b.exp() / a", values: {a: "1.5", b: "0.25"}},
];
let api = null;        // Python: JSON in, JSON out
let network = null;    // what the last network view showed
let netStepBy = "layer";
let lastValues = {};   // the values typed so far, kept when the expression changes

function stage(text, percent) {  // percent null: under way, no measure of how far
  $("stage").textContent = text;
  if (percent === null) $("progress").removeAttribute("value");
  else $("progress").value = percent;
}
function say(text) {  // a refusal also marks the results shown as those of the last formula
  $("message").textContent = text;
  $("message").hidden = !text;
  for (const el of document.querySelectorAll(".result, #expression .tab")) {
    el.classList.toggle("stale", !!text);
  }
}
function call(name, ...args) {
  try {
    return JSON.parse(api(name, JSON.stringify(args)));
  } catch (error) {  // a bug, not a refusal: say so, and let the console have it too
    say(`internal error in ${name}: ${error.message || error}`);
    throw error;
  }
}
function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}
function row(tag, cells) {
  const tr = document.createElement("tr");
  tr.replaceChildren(...cells.map(text => cell(tag, text)));
  return tr;
}
function stepTable(target, steps) {
  const table = document.createElement("table");
  const head = document.createElement("thead");
  head.append(row("th", steps.header));
  const body = document.createElement("tbody");
  body.replaceChildren(...steps.rows.map(cells => row("td", cells)));
  table.append(head, body);
  const scroller = document.createElement("div");
  scroller.className = "scroll";
  scroller.append(table);
  target.replaceChildren(cell("p", steps.title), scroller, cell("p", steps.footer));
}
function showSvg(target, svg) {
  target.innerHTML = svg;  // SVG written by Graphviz from the engine's drawing
}
function pressed(buttons, chosen) {
  for (const b of buttons) b.setAttribute("aria-pressed", String(b === chosen));
}

// --- the expression --------------------------------------------------------------------
function valueFields(inputs) {
  const fields = inputs.map(name => {
    const label = cell("label", name + " =");
    const input = document.createElement("input");
    input.name = name;
    input.id = "value-" + name;
    input.inputMode = "decimal";
    input.value = lastValues[name] ?? "1";
    input.addEventListener("change", () => { lastValues[name] = input.value; });
    label.htmlFor = input.id;
    const span = document.createElement("span");
    span.className = "value";
    span.append(label, input);
    return span;
  });
  $("values").replaceChildren(...fields);
}
function currentValues() {
  const values = {};
  for (const input of $("values").querySelectorAll("input")) {
    values[input.name] = input.value;
    lastValues[input.name] = input.value;
  }
  return values;
}
function compute() {
  const text = $("text").value;
  const checked = call("check", text);
  if (checked.error) { say(checked.error); return; }
  const shown = [...$("values").querySelectorAll("input")].map(i => i.name);
  if (shown.join() !== checked.inputs.join()) valueFields(checked.inputs);
  const values = currentValues();
  const started = performance.now();
  const view = call("expression_view", text, values);
  if (view.error) { say(view.error); return; }
  say("");
  $("output").textContent = `${view.text} = ${view.output}`;
  const body = $("gradients").querySelector("tbody");
  body.replaceChildren(...view.gradients.map(([name, grad], k) =>
    row("td", [name, view.inputs[k][1], grad])));
  $("steps").srcdoc = view.steps;
  showSvg($("graph"), view.graph);
  stepTable($("explain"), view.explain);
  const tangent = $("tangent");
  const chosen = checked.inputs.includes(tangent.value) ? tangent.value : checked.inputs[0];
  tangent.replaceChildren(...checked.inputs.map(name => {
    const option = cell("option", name);
    option.value = name;
    return option;
  }));
  tangent.value = chosen;
  tangent.onchange = () => stepTable($("forward"), view.forward[tangent.value]);
  tangent.onchange();
  share(text, values);
  document.body.dataset.computeMs = (performance.now() - started).toFixed(0);
}
function share(text, values) {
  const params = new URLSearchParams({e: text, ...values});
  const link = "#" + params.toString();
  $("share").href = link;
  try { history.replaceState(null, "", link); } catch (e) { /* a file: URL may refuse */ }
}
function fromLink() {  // #e=<expression>&a=2&b=-3: text only, checked by Python's whitelist
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("mode") === "network") return "network";
  const text = params.get("e");
  if (text === null) return "expression";
  $("text").value = text.slice(0, 10000);
  for (const [name, value] of params) if (name !== "e") lastValues[name] = value.slice(0, 40);
  return "expression";
}

// --- the seed's network ----------------------------------------------------------------
function showNetwork(view) {
  network = view;
  $("rate").textContent = view.learning_rate;
  const trained = view.trained ?
    ` (the last ${view.trained[0]} in ${view.trained[1].toFixed(2)} s)` : "";
  $("loss").textContent = `after ${view.epochs} epochs${trained}: E = ${view.loss}`;
  if (view.trained) document.body.dataset.trainSeconds = view.trained[1];
  const blocks = view.layers.map(layer => {
    const table = document.createElement("table");
    const head = document.createElement("thead");
    const units = layer.delta[0].map((_, j) => `unit ${j}`);
    head.append(row("th", ["sample", ...units]));
    const body = document.createElement("tbody");
    body.replaceChildren(...layer.delta.map((cells, t) => row("td", [String(t), ...cells])));
    table.append(head, body);
    table.id = `delta-${layer.layer}`;
    const scroller = document.createElement("div");
    scroller.className = "scroll";
    scroller.append(table);
    const title = cell("p", `δ(${layer.layer}) = ∂E/∂z(${layer.layer}), read off the graph`);
    return [title, scroller];
  });
  $("deltas").replaceChildren(...blocks.flat());
  $("net-frames").srcdoc = view.steps;
  curve(view.losses);
}
function curve(losses) {
  const svg = $("curve");
  svg.hidden = losses.length < 2;
  if (svg.hidden) return;
  const top = Math.max(...losses);
  const points = losses.map((loss, k) =>
    `${(300 * k / (losses.length - 1)).toFixed(1)},${(78 - 76 * loss / top).toFixed(1)}`);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.join(" "));
  svg.replaceChildren(line);
}
function networkCall(name, ...args) {
  const view = call(name, ...args);
  if (view.error) { say(view.error); return; }
  say("");
  showNetwork(view);
}

// --- wiring ----------------------------------------------------------------------------
function setMode(mode) {
  $("expression").hidden = mode !== "expression";
  $("network").hidden = mode !== "network";
  pressed(document.querySelectorAll("#modes button"), $("mode-" + mode));
  if (mode === "network" && network === null) networkCall("network_view", netStepBy);
}
function wire() {
  const select = $("examples");
  select.replaceChildren(cell("option", "pick an example…"),
                         ...EXAMPLES.map(e => cell("option", e.name)));
  select.addEventListener("change", () => {
    const example = EXAMPLES[select.selectedIndex - 1];
    if (!example) return;
    $("text").value = example.text;
    Object.assign(lastValues, example.values);
    $("values").replaceChildren();
    compute();
  });
  $("expression-form").addEventListener("submit", event => { event.preventDefault(); compute(); });
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => {
      for (const tab of document.querySelectorAll("#expression .tab")) {
        tab.hidden = tab.id !== "tab-" + button.dataset.tab;
      }
      pressed(document.querySelectorAll("[data-tab]"), button);
    });
  }
  for (const button of document.querySelectorAll("[data-net]")) {
    button.addEventListener("click", () => {
      pressed(document.querySelectorAll("[data-net]"), button);
      if (button.dataset.net !== netStepBy) {
        netStepBy = button.dataset.net;
        networkCall("network_view", netStepBy);
      }
    });
  }
  $("train-form").addEventListener("submit", event => {
    event.preventDefault();
    networkCall("network_train", Number($("epochs").value), netStepBy);
  });
  $("reset").addEventListener("click", () => networkCall("network_reset", netStepBy));
  $("mode-expression").addEventListener("click", () => setMode("expression"));
  $("mode-network").addEventListener("click", () => setMode("network"));
}

async function main() {
  const started = performance.now();
  const base = new URL(".", location.href).href;
  stage("loading Python (Pyodide, CPython in WebAssembly, about 14 MB)…", null);
  const manifest = fetch("assets.json").then(r => r.json());
  const files = manifest.then(m => Promise.all([...m.wheels, m.code].map(
    path => fetch(path).then(r => {
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return r.arrayBuffer();
    }))));
  const viz = vizInstance();
  const py = await loadPyodide({indexURL: base, packages: []});
  const booted = performance.now();
  stage("installing autodiff and Graphviz…", 60);
  const [m, buffers] = [await manifest, await files];
  buffers.slice(0, -1).forEach(buffer => py.unpackArchive(buffer, "wheel"));
  py.unpackArchive(buffers[buffers.length - 1], "zip");
  const graphviz = await viz;
  stage("starting the engine…", 80);
  py.globals.set("render_with_viz",
                 (source, engine, format) => graphviz.renderString(source, {engine, format}));
  api = py.runPython("from autodiff_playground.page import call, connect\n"
                     + "connect(render_with_viz)\ncall");
  wire();
  const mode = fromLink();
  $("values").replaceChildren();
  if (!location.hash) Object.assign(lastValues, EXAMPLES[0].values);
  $("ops").textContent = call("ops").join(", ");
  const imported = performance.now();
  stage("computing…", 95);
  compute();
  setMode(mode);
  $("loading").hidden = true;
  const ready = performance.now();
  document.body.dataset.ready = (ready - started).toFixed(0);
  document.body.dataset.timings = JSON.stringify({
    pyodide: booted - started, install: imported - booted, first: ready - imported});
  document.body.dataset.versions = `pyodide ${m.pyodide}, viz ${m.viz}`;
}

main().catch(error => {
  stage("the playground could not start", 0);
  say(String(error && error.message || error));
  throw error;
});
