"""Documents a misconfigured identity provider might publish, served on 127.0.0.1 for the configuration tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class DocumentServer:
    """Serves ``documents[path] = (status, content type, body)``; anything else answers 404."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[int, str, bytes]] = {}
        documents = self.documents

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = documents.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, path: str, body: str, *, content_type: str = "application/json", status: int = 200) -> str:
        self.documents[path] = (status, content_type, body.encode())
        return f"{self.base_url}{path}"


@pytest.fixture
def document_server() -> Iterator[DocumentServer]:
    server = DocumentServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
