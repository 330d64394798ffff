// Drives `cronrpc serve` with the official MCP TypeScript SDK (npm @modelcontextprotocol/sdk).
//
// Usage: node ts_client.mjs PATH_TO_CRONRPC
// The SDK is loaded from .oracles/mcp-node (scripts/install-mcp-clients), or from the npm
// prefix in $CRONRPC_MCP_NODE. Exits non-zero on any failure.

import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const prefix = process.env.CRONRPC_MCP_NODE ?? resolve(here, "../../.oracles/mcp-node");
const require = createRequire(join(prefix, "package.json"));
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");

const EXPECTED_TOOLS = [
  "entries_list", "entries_get", "entries_create", "entries_update", "entries_delete",
  "entries_sweep", "crontab_list", "crontab_get", "crontab_put", "schedule_describe", "health",
];

async function gone(pid) {
  for (let i = 0; i < 300; i++) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(")") + 1).trim().startsWith("Z")) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function check(condition, message) {
  if (!condition) throw new Error(typeof message === "string" ? message : JSON.stringify(message));
}

async function main(binary) {
  const spool = mkdtempSync(join(tmpdir(), "cronrpc-mcp-"));
  const transport = new StdioClientTransport({
    command: binary,
    args: ["serve", "--backend", "spool", "--spool-dir", spool],
    stderr: "inherit",
  });
  const client = new Client({ name: "cronrpc-ts-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const info = client.getServerVersion();
    check(info?.name === "cronrpc", `server info ${JSON.stringify(info)}`);
    check(client.getServerCapabilities()?.tools, "tools capability");

    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of EXPECTED_TOOLS) check(byName[name], `tool ${name} missing`);
    check(!byName.rpc_discover, "rpc.discover must not be a tool");
    check(byName.entries_delete.annotations?.destructiveHint === true, "delete annotations");
    check(byName.entries_list.annotations?.readOnlyHint === true, "list annotations");

    // The SDK validates structuredContent against each tool's outputSchema.
    const created = await client.callTool({
      name: "entries_create",
      arguments: { user: "root", schedule: "0 2 * * *", command: "echo 100% done", name: "nightly" },
    });
    check(!created.isError, created);
    const entry = created.structuredContent;
    check(entry.command === "echo 100% done" && entry.name === "nightly", entry);
    check(JSON.stringify(JSON.parse(created.content[0].text)) === JSON.stringify(entry), "text is the result");

    const listed = await client.callTool({ name: "entries_list", arguments: { user: "root" } });
    check(!listed.isError, listed);
    const ids = listed.structuredContent.entries.map((e) => e.id);
    check(ids.length === 1 && ids[0] === entry.id, `listed ${ids}`);

    const deleted = await client.callTool({ name: "entries_delete", arguments: { user: "root", id: entry.id } });
    check(!deleted.isError && deleted.structuredContent.deleted === true, deleted);

    const bad = await client.callTool({
      name: "entries_create",
      arguments: { user: "root", schedule: "61 * * * *", command: "true" },
    });
    check(bad.isError === true, bad);
    check(bad.content[0].text.includes("INVALID_SCHEDULE"), bad.content[0].text);
    check(bad.content[0].text.includes("field: schedule"), bad.content[0].text);

    const empty = await client.callTool({ name: "entries_list", arguments: { user: "root" } });
    check(empty.structuredContent.total === 0, empty);

    // A run the call waits for, with progress while it does.
    const job = await client.callTool({
      name: "entries_create",
      arguments: { user: "root", schedule: "@daily", command: "sleep 2; echo ran" },
    });
    const seen = [];
    const ran = await client.callTool(
      { name: "entries_run", arguments: { user: "root", id: job.structuredContent.id } },
      undefined,
      { onprogress: (p) => seen.push(p.progress) },
    );
    check(!ran.isError && ran.structuredContent.stdout === "ran\n", ran);
    check(seen.length >= 1, `no progress while the run waited: ${seen}`);
    check(byName.entries_run.annotations?.openWorldHint === true, "run is open-world");

    // Aborting a call sends notifications/cancelled: the run's processes stop.
    const pidFile = join(mkdtempSync(join(tmpdir(), "cronrpc-pid-")), "sleeper.pid");
    const sleeper = await client.callTool({
      name: "entries_create",
      arguments: { user: "root", schedule: "@daily", command: `sleep 300 & echo $! > ${pidFile}; wait` },
    });
    const controller = new AbortController();
    const running = client.callTool(
      { name: "entries_run", arguments: { user: "root", id: sleeper.structuredContent.id } },
      undefined,
      { signal: controller.signal },
    );
    let pid;
    for (let i = 0; i < 300 && !pid; i++) {
      try {
        pid = Number(readFileSync(pidFile, "utf8").trim()) || undefined;
      } catch {}
      if (!pid) await new Promise((r) => setTimeout(r, 100));
    }
    check(pid, "the run never started");
    controller.abort("the agent gave up");
    let aborted = false;
    try {
      await running;
    } catch {
      aborted = true;
    }
    check(aborted, "an aborted call must not resolve");
    check(await gone(pid), `process ${pid} of the cancelled run still runs`);

    await client.ping();
    console.log("ts mcp client: ok");
  } finally {
    await client.close();
    rmSync(spool, { recursive: true, force: true });
  }
}

if (process.argv.length !== 3) {
  console.error("usage: node ts_client.mjs PATH_TO_CRONRPC");
  process.exit(2);
}
main(process.argv[2]).catch((e) => {
  console.error("ts mcp client failed:", e);
  process.exit(1);
});
