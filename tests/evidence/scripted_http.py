"""A loopback HTTP server in a thread that answers what a test scripts, for the faults a
real MLflow server will not produce on demand (slow, 401, 500, malformed JSON, endless
pages), and records every request it received.

    server.on("GET", "experiments/get-by-name", {"experiment": {...}})
    server.on("POST", "runs/search", status=500)
    server.on("POST", "runs/search", lambda request: {...})   # computed per request

Paths are MLflow's API paths (`/api/2.0/mlflow/<endpoint>`). `closed_url()` is the address
of a port nobody listens on. `with scripted_server() as server:` starts and stops one.
"""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "/api/2.0/mlflow/"


@dataclass
class Received:
    method: str
    endpoint: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON, or a callable(Received) -> JSON or (status, JSON)
    raw: bytes | None = None  # sent as is instead of JSON
    delay: float = 0.0


@dataclass
class ScriptedServer:
    url: str = ""
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(
        self,
        method: str,
        endpoint: str,
        body: Any = None,
        *,
        status: int = 200,
        raw: bytes | None = None,
        delay: float = 0.0,
    ) -> None:
        self.answers[(method, endpoint)] = Answer(status, body, raw, delay)

    def calls(self, endpoint: str) -> list[Received]:
        with self.lock:
            return [request for request in self.received if request.endpoint == endpoint]

    def respond(self, request: Received) -> tuple[int, bytes, float]:
        with self.lock:
            self.received.append(request)
        answer = self.answers.get((request.method, request.endpoint))
        if answer is None:
            return 404, b'{"error_code": "ENDPOINT_NOT_FOUND", "message": "no route"}', 0.0
        if answer.raw is not None:
            return answer.status, answer.raw, answer.delay
        status, body = answer.status, answer.body
        if callable(body):
            body = body(request)
            if isinstance(body, tuple):
                status, body = body
        return status, json.dumps(body if body is not None else {}).encode(), answer.delay


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Received(
                method=self.command,
                endpoint=parts.path.removeprefix(API),
                query=parse_qs(parts.query),
                body=json.loads(raw) if raw else None,
                headers=dict(self.headers.items()),
            )
            status, body, delay = server.respond(request)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the time-out tests)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def closed_url() -> str:
    """An address where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def paged(items: list[Any], key: str, size: int) -> Callable[[Received], dict[str, Any]]:
    """An answer that serves `items` `size` at a time, following MLflow's page tokens."""

    def answer(request: Received) -> dict[str, Any]:
        if request.method == "POST":
            token = (request.body or {}).get("page_token", "")
        else:
            token = request.query.get("page_token", [""])[0]
        start = int(token or 0)
        page = {key: items[start : start + size]} if items[start : start + size] else {}
        if start + size < len(items):
            page["next_page_token"] = str(start + size)
        return page

    return answer
