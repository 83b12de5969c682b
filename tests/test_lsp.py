"""The editor path: a real python-lsp-server (``pylsp``) over stdio, with its flake8 plugin
turned on and pointed at this environment's flake8, as README's Editors section shows.

The test speaks LSP itself (JSON-RPC with ``Content-Length`` framing): it opens a service
with a MAPI mistake and receives the MPS diagnostic at the call, then edits the buffer to
the corrected service and sees the diagnostic go. Nothing is skipped: without pylsp or flake8
the test fails.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Optional

from samples import BAD_CODE, BAD_COL, BAD_LINE, BAD_SERVICE, CLEAN_SERVICE

TIMEOUT = 120.0


class LspClient:
    """A minimal LSP client over a subprocess's stdin/stdout."""

    def __init__(self, args: List[str], cwd: Path, stderr: IO[bytes]) -> None:
        self.proc = subprocess.Popen(
            args, cwd=str(cwd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
        self.messages: queue.Queue[Optional[Dict[str, Any]]] = queue.Queue()
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value.strip())
                assert length is not None, "a message without Content-Length"
                body = stream.read(length)
                self.messages.put(json.loads(body.decode("utf-8")))
        finally:
            self.messages.put(None)

    def _send(self, message: Dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Optional[Dict[str, Any]]) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        reply = self.wait_for(lambda m: m.get("id") == ident and "method" not in m)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait_for(self, wanted: Callable[[Dict[str, Any]], bool]) -> Dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "pylsp sent no such message in time"
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            assert message is not None, "pylsp closed its output"
            if "method" in message and "id" in message:
                # a request from the server (progress, configuration): answer it
                self._send({"id": message["id"], "result": None})
                continue
            if wanted(message):
                return message

    def close(self) -> int:
        try:
            self.request("shutdown", None)
            self.notify("exit", {})
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def _diagnostics_for(uri: str) -> Callable[[Dict[str, Any]], bool]:
    def wanted(message: Dict[str, Any]) -> bool:
        return (
            message.get("method") == "textDocument/publishDiagnostics"
            and message["params"]["uri"] == uri
        )

    return wanted


def _mps(message: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [d for d in message["params"]["diagnostics"] if str(d.get("code", "")).startswith("MPS")]


def test_pylsp_reports_mps_diagnostics_while_editing(tmp_path: Path) -> None:
    flake8 = Path(sys.executable).parent / ("flake8.exe" if sys.platform == "win32" else "flake8")
    assert flake8.is_file(), f"no flake8 executable beside {sys.executable}"
    project = tmp_path / "project"
    project.mkdir()
    service = project / "service.py"
    service.write_text(BAD_SERVICE, encoding="utf-8")
    uri = service.as_uri()
    settings = {
        "pylsp": {
            "configurationSources": ["flake8"],
            "plugins": {
                "flake8": {"enabled": True, "executable": str(flake8)},
                "pycodestyle": {"enabled": False},
                "pyflakes": {"enabled": False},
                "mccabe": {"enabled": False},
            },
        }
    }

    with open(tmp_path / "pylsp.log", "wb") as log:
        client = LspClient([sys.executable, "-m", "pylsp"], project, log)
        try:
            result = client.request(
                "initialize",
                {
                    "processId": None,
                    "rootUri": project.as_uri(),
                    "capabilities": {"textDocument": {"publishDiagnostics": {}}},
                },
            )
            assert result["serverInfo"]["name"] == "pylsp"
            client.notify("initialized", {})
            client.notify("workspace/didChangeConfiguration", {"settings": settings})
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "python",
                        "version": 1,
                        "text": BAD_SERVICE,
                    }
                },
            )
            opened = client.wait_for(_diagnostics_for(uri))
            found = _mps(opened)
            assert len(found) == 1, opened
            (diagnostic,) = found
            assert diagnostic["code"] == BAD_CODE
            assert diagnostic["source"] == "flake8"
            assert diagnostic["message"].startswith(f"{BAD_CODE} MAPIInitialize without")
            assert diagnostic["range"]["start"] == {"line": BAD_LINE - 1, "character": BAD_COL - 1}

            # the user fixes the call in the editor (not saved): the diagnostic goes away
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"text": CLEAN_SERVICE}],
                },
            )
            changed = client.wait_for(_diagnostics_for(uri))
            assert changed["params"]["diagnostics"] == [], changed
        finally:
            code = client.close()
    assert code == 0, (tmp_path / "pylsp.log").read_text(errors="replace")
