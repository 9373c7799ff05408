"""The SSRF guard: 60+ inside targets refused with no connection; redirects re-checked."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from runtime.outbound import ssrf


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.stop.set()
    found.thread.join(timeout=2)
    found.sock.close()


def corpus(port: int) -> list[str]:
    p = port
    loopback = [
        f"http://127.0.0.1:{p}/",
        f"https://127.0.0.1:{p}/",
        f"http://127.1:{p}/",
        f"http://127.0.1:{p}/",
        f"http://0177.0.0.1:{p}/",
        f"http://0x7f.0.0.1:{p}/",
        f"http://0x7f000001:{p}/",
        f"http://2130706433:{p}/",
        f"http://017700000001:{p}/",
        f"http://127.127.127.127:{p}/",
        f"http://127.0.0.1.:{p}/",
        f"http://localhost:{p}/",
        f"http://LOCALHOST:{p}/admin",
        f"http://localhost.:{p}/",
        f"http://[::1]:{p}/",
        f"http://[0:0:0:0:0:0:0:1]:{p}/",
        f"http://[::ffff:127.0.0.1]:{p}/",
        f"http://[::ffff:7f00:1]:{p}/",
        f"http://[0:0:0:0:0:ffff:127.0.0.1]:{p}/",
        f"http://[2002:7f00:1::]:{p}/",  # 6to4 around 127.0.0.1
        f"http://[64:ff9b::7f00:1]:{p}/",  # NAT64 around 127.0.0.1
        f"http://0.0.0.0:{p}/",
        f"http://0:{p}/",
        f"http://[::]:{p}/",
    ]
    inside = [
        "http://10.0.0.1/",
        "http://10.255.255.255/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.0.1/",
        "http://192.168.1.1:8080/",
        "http://100.64.0.1/",  # shared address space (CGNAT)
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://169.254.170.2/v2/credentials",
        "http://[fd00:ec2::254]/",  # metadata over IPv6
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around the metadata address
        "http://0xa9fea9fe/",  # 169.254.169.254 in hex
        "http://2852039166/",  # … and in decimal
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://198.18.0.1/",  # benchmarking
        "http://192.0.0.8/",
        "http://192.0.2.1/",  # documentation
        "http://240.0.0.1/",  # reserved
        "http://255.255.255.255/",
        "http://224.0.0.1/",  # multicast
        "http://[ff02::1]/",
    ]
    not_http = [
        "file:///etc/passwd",
        f"gopher://127.0.0.1:{p}/_INFO",
        f"ftp://127.0.0.1:{p}/",
        f"dict://127.0.0.1:{p}/",
        "ldap://127.0.0.1/",
        "javascript:alert(1)",
        "data:text/plain,hello",
        f"http://user:pass@127.0.0.1:{p}/",
        "http://user@example.com/",
        "http:///nohost",
        "",
        "not a url",
        "http://nonexistent.invalid/",
        f"http://[::1:{p}/",
    ]
    return loopback + inside + not_http


def test_every_inside_target_is_refused_before_any_connection(listener, monkeypatch) -> None:
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def watching(self: socket.socket, address: object) -> None:
        attempts.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", watching)
    targets = corpus(listener.port)
    assert len(targets) >= 50
    for url in targets:
        with pytest.raises(ssrf.OutboundRefused):
            ssrf.request("GET", url)
    assert attempts == []
    assert listener.accepted == 0
    # The watch itself works: an allow-listed call does connect (and the listener hangs up).
    with pytest.raises(httpx.HTTPError):
        ssrf.request("GET", f"http://127.0.0.1:{listener.port}/", allow=["127.0.0.1/32"])
    assert len(attempts) == 1


def test_public_addresses_pass_the_check_without_connecting() -> None:
    def resolver(host: str, _port: int) -> list[str]:
        return {"example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]}[host]

    target = ssrf.check_url("https://example.com/hook?a=1", resolve=resolver)
    assert (target.host, target.port, target.address) == ("example.com", 443, "93.184.215.14")
    # One bad answer among good ones refuses the name (DNS can list an inside address too).
    with pytest.raises(ssrf.OutboundRefused):
        ssrf.check_url("http://mixed.test/", resolve=lambda _h, _p: ["93.184.215.14", "10.0.0.7"])


class _Echo(BaseHTTPRequestHandler):
    redirect_to = ""

    def do_GET(self) -> None:
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        body = f"host={self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def serve(handler: type[BaseHTTPRequestHandler], host: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_allow_listed_host_is_called_with_its_host_header() -> None:
    server = serve(_Echo, "127.0.0.2")
    try:
        port = server.server_address[1]
        reply = ssrf.request("GET", f"http://127.0.0.2:{port}/ping", allow=["127.0.0.2/32"])
        assert (reply.status, reply.body) == (200, f"host=127.0.0.2:{port}".encode())
        with pytest.raises(ssrf.OutboundRefused):  # the same host without the allow-list
            ssrf.request("GET", f"http://127.0.0.2:{port}/ping")
    finally:
        server.shutdown()


def test_a_redirect_to_an_inside_address_is_refused(listener) -> None:
    class Redirect(_Echo):
        redirect_to = f"http://127.0.0.1:{listener.port}/secret"

    server = serve(Redirect, "127.0.0.2")
    try:
        port = server.server_address[1]
        with pytest.raises(ssrf.OutboundRefused) as refused:
            ssrf.request("GET", f"http://127.0.0.2:{port}/", allow=["127.0.0.2/32"])
        assert refused.value.code == "address_not_public"
        assert listener.accepted == 0
    finally:
        server.shutdown()
