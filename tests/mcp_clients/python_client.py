"""Drives `cronrpc serve` with the official MCP Python SDK (PyPI `mcp`), as an agent runner would.

Usage: python_client.py PATH_TO_CRONRPC [MODE]
MODE is the SDK's connect mode: "legacy" (the initialize handshake), "auto" (the default:
probe server/discover, fall back to initialize) or a modern version such as "2026-07-28".
Exits non-zero on any failure.
"""

import asyncio
import json
import os
import sys
import tempfile

from mcp import Client
from mcp.client.stdio import StdioServerParameters

EXPECTED_TOOLS = {
    "entries_list", "entries_get", "entries_create", "entries_update", "entries_delete",
    "entries_sweep", "crontab_list", "crontab_get", "crontab_put", "schedule_describe", "health",
}


async def gone(pid: int) -> bool:
    """Waits (up to 30 s) for `pid` to be gone or a zombie."""
    for _ in range(300):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        await asyncio.sleep(0.1)
    return False


def check(condition, message):
    if not condition:
        raise AssertionError(message)


EXPECTED_VERSIONS = {
    "legacy": ("2025-06-18", "2025-11-25"),
    "auto": ("2026-07-28",),
    "2026-07-28": ("2026-07-28",),
}


async def main(binary: str, mode: str) -> None:
    with tempfile.TemporaryDirectory() as spool:
        server = StdioServerParameters(
            command=binary, args=["serve", "--backend", "spool", "--spool-dir", spool]
        )
        # mode="auto" (the default) probes server/discover first and falls back to initialize,
        # as real runners on this SDK do; cronrpc answers the probe, so auto is modern.
        async with Client(server, mode=mode) as client:
            version = client.session.protocol_version
            check(version in EXPECTED_VERSIONS[mode], f"{mode}: negotiated {version}")
            info = client.session.server_info
            # A pinned client never asks (no discover), so it has no server info to show.
            pinned = mode not in ("legacy", "auto")
            check((pinned and info is None) or info.name == "cronrpc", f"server info {info}")

            tools = {t.name: t for t in (await client.list_tools()).tools}
            missing = EXPECTED_TOOLS - set(tools)
            check(not missing, f"tools missing: {missing}")
            check("rpc_discover" not in tools, "rpc.discover must not be a tool")
            check(tools["entries_delete"].annotations.destructive_hint is True, "delete annotations")
            run = tools["entries_run"].annotations
            check(run.destructive_hint is True and run.open_world_hint is True, f"run annotations {run}")
            check(tools["entries_create"].annotations.open_world_hint is False, "create is closed-world")
            check(tools["entries_list"].annotations.read_only_hint is True, "list annotations")
            check(tools["entries_create"].output_schema is not None, "output schema")

            created = await client.call_tool(
                "entries_create",
                {"user": "root", "schedule": "0 2 * * *", "command": "echo 100% done", "name": "nightly"},
            )
            check(not created.is_error, f"create failed: {created}")
            entry = created.structured_content
            check(entry["command"] == "echo 100% done" and entry["name"] == "nightly", entry)
            check(json.loads(created.content[0].text) == entry, "text content is the result as JSON")

            listed = await client.call_tool("entries_list", {"user": "root"})
            check(not listed.is_error, f"list failed: {listed}")
            ids = [e.get("id") for e in listed.structured_content["entries"]]
            check(ids == [entry["id"]], f"listed {ids}")

            deleted = await client.call_tool("entries_delete", {"user": "root", "id": entry["id"]})
            check(not deleted.is_error and deleted.structured_content == {"deleted": True}, deleted)

            bad = await client.call_tool(
                "entries_create", {"user": "root", "schedule": "61 * * * *", "command": "true"}
            )
            check(bad.is_error, f"a bad schedule must be a tool error: {bad}")
            check("INVALID_SCHEDULE" in bad.content[0].text, bad.content[0].text)
            check("field: schedule" in bad.content[0].text, bad.content[0].text)

            empty = await client.call_tool("entries_list", {"user": "root"})
            check(empty.structured_content["total"] == 0, empty)

            # A run the call waits for, with progress while it does.
            job = await client.call_tool(
                "entries_create", {"user": "root", "schedule": "@daily", "command": "sleep 2; echo ran"}
            )
            seen = []

            async def on_progress(progress, total, message):
                seen.append(progress)

            ran = await client.call_tool(
                "entries_run",
                {"user": "root", "id": job.structured_content["id"]},
                progress_callback=on_progress,
            )
            check(not ran.is_error and ran.structured_content["stdout"] == "ran\n", ran)
            check(ran.structured_content["status"] == "succeeded", ran)
            check(len(seen) >= 1, f"no progress while the run waited: {seen}")

            # A client that gives up on a run (its read timeout) cancels the call: the run's
            # processes stop, and the call's answer never comes.
            pid_file = os.path.join(tempfile.mkdtemp(), "sleeper.pid")
            sleeper = await client.call_tool(
                "entries_create",
                {"user": "root", "schedule": "@daily", "command": f"sleep 300 & echo $! > {pid_file}; wait"},
            )
            try:
                await client.call_tool(
                    "entries_run",
                    {"user": "root", "id": sleeper.structured_content["id"]},
                    read_timeout_seconds=3,
                )
                check(False, "the run should have outlasted the read timeout")
            except Exception as e:  # the SDK's timeout error
                check("tim" in str(e).lower(), f"unexpected error: {e!r}")
            pid = int(open(pid_file).read())
            check(await gone(pid), f"process {pid} of the cancelled run still runs")
    print(f"python mcp client: ok (mode {mode}, protocol {version})")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python_client.py PATH_TO_CRONRPC [MODE]")
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "auto"))
