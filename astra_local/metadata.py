"""Astra's metadata service in miniature: `GET /metadata` over mutual TLS, answering what the driver reads.

`python -m astra_local.metadata --tls DIR --listen HOST:PORT --host-id ID --sni-proxy HOST:PORT` serves until SIGTERM.
Each TLS handshake runs in its connection's own thread, so a client that connects and stalls blocks nobody else.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from astra_local.certs import TlsFiles

log = logging.getLogger("astra_local.metadata")
HANDSHAKE_TIMEOUT = 10.0


def metadata_document(*, local_dc: str, host_ids: list[str], sni_proxy: str) -> dict[str, Any]:
    """The shape Astra answers with (and cql-proxy's fake imitates): the driver reads only contact_info."""
    return {
        "version": 1,
        "region": "local",
        "contact_info": {
            "type": "sni_proxy",
            "local_dc": local_dc,
            "contact_points": host_ids,
            "sni_proxy_address": sni_proxy,
        },
    }


def server_context(tls: TlsFiles) -> ssl.SSLContext:
    """Server side of mutual TLS: our server certificate, and only clients signed by our CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(tls.server_cert, tls.server_key)
    context.load_verify_locations(tls.ca_cert)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class MetadataServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], context: ssl.SSLContext, document: dict[str, Any]) -> None:
        super().__init__(address, MetadataHandler)
        self.context = context
        self.body = json.dumps(document).encode()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A refused client certificate is an expected event here (that is the test), not a traceback.
        log.warning("connection from %s failed: %s", client_address[0], sys.exc_info()[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        raw, address = self.socket.accept()
        raw.settimeout(HANDSHAKE_TIMEOUT)
        return self.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False), address


class MetadataHandler(BaseHTTPRequestHandler):
    server: MetadataServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/metadata":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.client_address[0], format % args)


def serve(listen: tuple[str, int], tls: TlsFiles, document: dict[str, Any]) -> None:
    server = MetadataServer(listen, server_context(tls), document)
    # SIGTERM from `scripts/astra-local stop` ends serve_forever cleanly, from another thread as shutdown() requires.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    log.info("serving https://%s:%d/metadata", *listen)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve an Astra-like /metadata over mutual TLS.")
    parser.add_argument("--tls", type=Path, required=True, help="folder made by astra_local.certs")
    parser.add_argument("--listen", required=True, help="HOST:PORT")
    parser.add_argument("--host-id", action="append", required=True, help="a node's host id (repeatable)")
    parser.add_argument("--sni-proxy", required=True, help="HOST:PORT the driver sends CQL to")
    parser.add_argument("--local-dc", default="datacenter1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    document = metadata_document(local_dc=args.local_dc, host_ids=args.host_id, sni_proxy=args.sni_proxy)
    serve(_host_port(args.listen), TlsFiles(args.tls), document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
