"""A tiny OpenAI-compatible chat-completions server for tests, run as its own process on loopback.

    python openai_server.py MODE LOG_PATH     # prints the port it listens on, then serves until killed

MODE decides the reply: "cite" restates the first tool-result fact with its source number, "nocite" restates it
without one, "invent" names a code no tool returned. Every request body is appended to LOG_PATH as one JSON line.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def reply_for(mode: str, body: dict[str, Any]) -> str:
    try:
        payload = json.loads(body["messages"][-1]["content"])
        fact = payload["tool_results"]["facts"][0]
        text, source = str(fact["text"]).rstrip("."), int(fact["source"])
    except (KeyError, IndexError, TypeError, ValueError):
        text, source = "The tool results say nothing", 1
    if mode == "cite":
        return f"According to the tool results, {text} [{source}]."
    if mode == "invent":
        return f"Report Z99.999 as well [{source}]."
    return f"According to the tool results, {text}."


def main() -> None:
    mode, log_path = sys.argv[1], sys.argv[2]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"path": self.path, "body": body}) + "\n")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self.send_error(404)
                return
            message = {"role": "assistant", "content": reply_for(mode, body)}
            data = json.dumps(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": body.get("model", "test"),
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
