"""Outbound HTTP that cannot be aimed at the inside: resolve → check → pin, on every hop. Shell.

DESIGN §3: a URL an automation calls (webhook, HTTP action, robot) is resolved once; every
address it resolves to must be public (not loopback, private, link-local, shared, reserved,
multicast or unspecified, IPv4-mapped and 6to4/Teredo forms included) unless the operator
allow-listed it (`FORMWORK_HTTP_ALLOW`: CIDRs or host names). The request then goes to that
checked address — the name is not resolved again, so DNS cannot change its answer in between —
with the original Host header and TLS server name. Redirects are followed by hand, each hop
checked the same way. Time, size and redirect count are capped.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from runtime.errors import FormworkError

SCHEMES = {"http": 80, "https": 443}
MAX_REDIRECTS = 3
MAX_BODY = 1024 * 1024
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
# Special-purpose ranges the standard library may still call global (IANA registries).
NOT_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.0.0/24", "198.18.0.0/15", "2001::/23", "2001:db8::/32", "64:ff9b:1::/48")
)


class OutboundRefused(FormworkError):
    """The URL may not be called: a bad scheme or a non-public address (nothing was sent)."""

    status = 422


@dataclass(frozen=True, slots=True)
class Target:
    url: str  # as given (for Host, SNI and logs)
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection goes to


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str  # after redirects


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64: the IPv4 address inside
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """A global unicast address, also when an IPv4 address hides inside an IPv6 one."""
    inner = _embedded_v4(ip)
    if inner is not None and not is_public(inner):
        return False
    if any(ip in net for net in NOT_PUBLIC if net.version == ip.version):
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


def _allowed(ip: IPAddress, host: str, allow: Sequence[str]) -> bool:
    for entry in allow:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            if host.lower() == entry:
                return True
    return False


def check_url(
    url: str, *, allow: Sequence[str] = (), resolve: Resolver = system_resolver
) -> Target:
    """The checked target of `url`, or `OutboundRefused` (nothing is connected)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise OutboundRefused("url_invalid", f"Not a URL: {url[:200]!r}.") from error
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise OutboundRefused("url_scheme", f"Only http and https may be called, not {scheme!r}.")
    if parts.username or parts.password:
        raise OutboundRefused("url_credentials", "URLs with user:password@ are not called.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused("url_invalid", "The URL has no host.")
    port = port or SCHEMES[scheme]
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise OutboundRefused("host_unresolved", f"{host!r} does not resolve.") from error
    if not addresses:
        raise OutboundRefused("host_unresolved", f"{host!r} does not resolve.")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not is_public(ip) and not _allowed(ip, host, allow):
            raise OutboundRefused(
                "address_not_public",
                f"{host!r} resolves to {ip}, which is not a public address.",
            )
    return Target(url, scheme, host, port, addresses[0])


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    allow: Sequence[str] = (),
    resolve: Resolver = system_resolver,
    transport: httpx.BaseTransport | None = None,
) -> Reply:
    """One guarded request (redirects re-checked); `OutboundRefused` before any connection."""
    current = url
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, transport=transport) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            target = check_url(current, allow=allow, resolve=resolve)
            reply = _send(client, method, target, headers or {}, content)
            if reply.status in (301, 302, 303, 307, 308) and "location" in reply.headers:
                current = urljoin(current, reply.headers["location"])
                if reply.status == 303:
                    method, content = "GET", None
                continue
            return reply
    raise OutboundRefused("too_many_redirects", f"More than {MAX_REDIRECTS} redirects.")


def _send(
    client: httpx.Client,
    method: str,
    target: Target,
    headers: Mapping[str, str],
    content: bytes | None,
) -> Reply:
    """Connect to the checked address; Host and the TLS server name stay the URL's."""
    parts = urlsplit(target.url)
    ip = ipaddress.ip_address(target.address.split("%", 1)[0])
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    pinned = urlunsplit(
        (parts.scheme, f"{literal}:{target.port}", parts.path or "/", parts.query, "")
    )
    default_port = SCHEMES[target.scheme] == target.port
    host_header = target.host if default_port else f"{target.host}:{target.port}"
    request = client.build_request(
        method,
        pinned,
        headers={**headers, "Host": host_header},
        content=content,
        extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
    )
    response = client.send(request, stream=True)
    try:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_BODY:
                raise OutboundRefused("response_too_large", f"The answer exceeds {MAX_BODY} bytes.")
    finally:
        response.close()
    headers = {key.lower(): value for key, value in response.headers.items()}
    return Reply(response.status_code, headers, bytes(body), target.url)
