// Reads one cron expression per line on stdin and prints cronstrue's verbose English for each,
// one JSON string per line (or {"error": ...}). Run with NODE_PATH=.oracles/node/node_modules.
const cronstrue = require("cronstrue");
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
for (const expr of lines) {
  try {
    console.log(JSON.stringify(cronstrue.toString(expr, { verbose: true })));
  } catch (e) {
    console.log(JSON.stringify({ error: String(e) }));
  }
}
