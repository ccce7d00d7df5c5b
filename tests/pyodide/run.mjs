// Run a Python script inside Pyodide under Node, offline, once per set of wheels, and print the results as one
// line of JSON (a list, one result per run).
//
//   node run.mjs PYODIDE_DIR SCRIPT RUNS_JSON
//
// PYODIDE_DIR is the npm package pyodide (setup.sh installs it into .pyodide/node_modules/pyodide). RUNS_JSON is
// a list of runs, each {"wheels": WHEELS_DIR, "argument": ARGUMENT}: WHEELS_DIR holds micropip's wheel and every
// wheel to install (the project's and its dependencies'), installed from there with no network. Starting Pyodide
// takes tens of seconds, so every run shares one start: the first run installs its wheels into the fresh
// interpreter; each later run first uninstalls what the run before it installed and forgets every module imported
// since Pyodide started, then installs its own wheels. SCRIPT's folder is mounted at /host/script (and put on
// sys.path), and main(argument) is called with the run's argument; what it returns is the run's result. Whatever
// Python prints goes to stderr. A failure to install or to run is the result {"ok": false, "stage": ..., "error": ...}.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, script, runsJson] = process.argv.slice(2);
const runs = JSON.parse(runsJson);
const { loadPyodide } = await import(pathToFileURL(path.join(path.resolve(pyodideDir), "pyodide.mjs")).href);

const started = performance.now();
const pyodide = await loadPyodide({
  indexURL: path.resolve(pyodideDir) + "/",
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
const startup = (performance.now() - started) / 1000;

function mount(hostDir, at) {
  pyodide.FS.mkdirTree(at);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(hostDir) }, at);
}
mount(path.dirname(script), "/host/script");
pyodide.globals.set("script_path", "/host/script/" + path.basename(script));
pyodide.globals.set("startup_seconds", startup);

const wheelsOf = (dir) => fs.readdirSync(dir).filter((name) => name.endsWith(".whl")).sort();
const micropip = runs.length ? wheelsOf(runs[0].wheels).find((name) => name.startsWith("micropip-")) : undefined;
let ready;
try {
  if (!micropip) throw new Error(`no micropip wheel in ${runs.length ? runs[0].wheels : "(no run)"}`);
  // By path, never by name: by name Pyodide would fetch from its CDN.
  await pyodide.loadPackage(path.join(path.resolve(runs[0].wheels), micropip), { messageCallback: () => {} });
  await pyodide.runPythonAsync(`
import sys
import micropip
# What a fresh interpreter holds; each later run forgets every module imported after this.
baseline_modules = set(sys.modules)
installed = []  # the distributions the last run installed
`);
} catch (error) {
  ready = { ok: false, stage: "install", error: String(error) };
}

const results = [];
for (const [index, run] of runs.entries()) {
  if (ready !== undefined) {
    results.push(ready);
    continue;
  }
  const at = `/host/wheels/${index}`;
  mount(run.wheels, at);
  const wheels = wheelsOf(run.wheels).filter((name) => !name.startsWith("micropip-"));
  pyodide.globals.set("wheel_paths", pyodide.toPy(wheels.map((name) => `emfs:${at}/${name}`)));
  pyodide.globals.set("wheel_names", pyodide.toPy(wheels.map((name) => name.split("-")[0])));
  pyodide.globals.set("argument_json", JSON.stringify(run.argument ?? null));
  let result;
  try {
    await pyodide.runPythonAsync(`
import importlib
for name in installed:
    micropip.uninstall(name)
for name in set(sys.modules) - baseline_modules:
    del sys.modules[name]
importlib.invalidate_caches()
installed = list(wheel_names)
await micropip.install(list(wheel_paths), deps=False)
importlib.invalidate_caches()
`);
  } catch (error) {
    result = { ok: false, stage: "install", error: String(error) };
  }
  if (result === undefined) {
    try {
      result = JSON.parse(
        await pyodide.runPythonAsync(`
import json, runpy, traceback
if "/host/script" not in sys.path:
    sys.path.insert(0, "/host/script")  # the script may import its neighbours, as when run as a file
try:
    outcome = runpy.run_path(script_path, run_name="pyodide_script")["main"](json.loads(argument_json))
    outcome = {"ok": True, "startup_seconds": startup_seconds, **outcome}
except BaseException as exc:
    outcome = {"ok": False, "stage": "run", "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
json.dumps(outcome)
`),
      );
    } catch (error) {
      result = { ok: false, stage: "run", error: String(error) };
    }
  }
  results.push(result);
}
// Exit only once the result is written: a pipe takes large writes asynchronously.
process.stdout.write(JSON.stringify(results) + "\n", () => process.exit(0));
