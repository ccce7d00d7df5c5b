// Run a Python script inside Pyodide under Node, offline, and print its result as one line of JSON.
//
//   node run.mjs PYODIDE_DIR WHEELS_DIR SCRIPT [ARGUMENT_JSON]
//
// PYODIDE_DIR is the npm package pyodide (setup.sh installs it into .pyodide/node_modules/pyodide); WHEELS_DIR
// holds micropip's wheel and every wheel to install (the project's and its dependencies'), installed from
// there with no network. SCRIPT's folder is mounted at /host/script (and put on sys.path), and main(argument) is
// called with ARGUMENT_JSON decoded; what it returns is printed as JSON on stdout. Whatever Python prints
// goes to stderr. A failure to install or to run is printed as {"ok": false, "stage": ..., "error": ...}.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelsDir, script, argument = "null"] = process.argv.slice(2);
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
mount(wheelsDir, "/host/wheels");
mount(path.dirname(script), "/host/script");

const wheels = fs.readdirSync(wheelsDir).filter((name) => name.endsWith(".whl")).sort();
const micropip = wheels.find((name) => name.startsWith("micropip-"));
let result;
try {
  if (!micropip) throw new Error(`no micropip wheel in ${wheelsDir}`);
  // By path, never by name: by name Pyodide would fetch from its CDN.
  await pyodide.loadPackage(path.join(path.resolve(wheelsDir), micropip), { messageCallback: () => {} });
  pyodide.globals.set("wheel_names", pyodide.toPy(wheels.filter((name) => name !== micropip)));
  await pyodide.runPythonAsync(`
import micropip
await micropip.install(["emfs:/host/wheels/" + name for name in wheel_names], deps=False)
`);
} catch (error) {
  result = JSON.stringify({ ok: false, stage: "install", error: String(error) });
}
if (result === undefined) {
  pyodide.globals.set("script_path", "/host/script/" + path.basename(script));
  pyodide.globals.set("argument_json", argument);
  pyodide.globals.set("startup_seconds", startup);
  try {
    result = await pyodide.runPythonAsync(`
import json, runpy, sys, traceback
sys.path.insert(0, "/host/script")  # the script may import its neighbours, as when run as a file
try:
    outcome = runpy.run_path(script_path, run_name="pyodide_script")["main"](json.loads(argument_json))
    outcome = {"ok": True, "startup_seconds": startup_seconds, **outcome}
except BaseException as exc:
    outcome = {"ok": False, "stage": "run", "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
json.dumps(outcome)
`);
  } catch (error) {
    result = JSON.stringify({ ok: false, stage: "run", error: String(error) });
  }
}
// Exit only once the result is written: a pipe takes large writes asynchronously.
process.stdout.write(result + "\n", () => process.exit(0));
