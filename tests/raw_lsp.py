"""A minimal LSP client over stdio with plain JSON (no pygls), as a simple editor integration speaks it.

Used to check that the server works with clients that parse nothing but JSON,
and against the installed wheel (tests/test_packaging.py).
"""
from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from typing import Callable, List, Optional


class RawClient:
    def __init__(self, command: List[str], cwd: str, env: Optional[dict] = None):
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.messages: "queue.Queue[dict]" = queue.Queue()
        self.notifications: List[dict] = []
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.stderr = b""
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body.decode("utf-8")))

    def _read_stderr(self) -> None:
        for chunk in iter(lambda: self.process.stderr.read(4096), b""):
            self.stderr += chunk

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params, timeout: float = 60.0):
        self._next_id += 1
        ident = self._next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        message = self._wait(lambda m: m.get("id") == ident and "method" not in m, timeout)
        if "error" in message:
            raise AssertionError(f"{method} failed: {message['error']}")
        return message.get("result")

    def wait_notification(self, method: str, predicate: Callable[[dict], bool] = lambda p: True,
                          timeout: float = 60.0) -> dict:
        for i, message in enumerate(self.notifications):
            if message.get("method") == method and predicate(message.get("params")):
                del self.notifications[i]
                return message["params"]
        return self._wait(lambda m: m.get("method") == method and predicate(m.get("params")), timeout)["params"]

    def _wait(self, accept: Callable[[dict], bool], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no answer in {timeout} s; stderr: {self.stderr.decode(errors='replace')[-2000:]}")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if accept(message):
                return message
            if "id" in message and "method" in message:  # a request from the server: answer it
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "method" in message:
                self.notifications.append(message)

    def initialize(self, root_uri: str, options=None) -> dict:
        result = self.request("initialize", {"processId": None, "rootUri": root_uri, "capabilities": {},
                                             "workspaceFolders": [{"uri": root_uri, "name": "project"}],
                                             "initializationOptions": options})
        self.notify("initialized", {})
        return result

    def close(self, timeout: float = 20.0) -> int:
        """shutdown, exit; the process's exit status."""
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
