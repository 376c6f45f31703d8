"""TLS between the pods, both ends: the client context that trusts one CA (the cluster's internal CA, or
CloudNativePG's), and the certificate a service serves its own HTTPS with (REGIE_HTTP_TLS_CERT and
REGIE_HTTP_TLS_KEY; deploy/k8s/base/tls.yaml).

The served certificate is renewed by cert-manager a month before it expires, with a new key, and the kubelet swaps
the mounted Secret's files in the running pod. A process that read them once, at start, would serve the old pair
until it expired and every client refused it. So every TLS handshake first looks at the two files (a stat of
each, no read); when they changed, the pair is loaded into a new context, and this handshake and every later one
is served from it. A connection gets either the old pair or the new one, never a certificate with the other's
key, and a pair that does not load (written half, or a key that does not fit) leaves the one in service where
it is: the next change of the files is tried again. Open keep-alive connections keep the session they have."""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable
from functools import cache

import httpx

log = logging.getLogger("regie.tls")

Stamp = tuple[tuple[int, int, int], ...]


@cache
def default_client_context() -> ssl.SSLContext:
    """The TLS context an httpx client makes by default (the system's CA bundle), made once per process and shared
    by its clients to Keycloak: the token verifier's and the directory's, made per event. Making one reads the CA
    bundle, about 50 ms of CPU; a service makes it at start (shared.service_app.warm_up), not its first request."""
    return httpx.create_ssl_context()


def verifying_context(ca_file: str) -> ssl.SSLContext:
    """A TLS client context that trusts `ca_file` only (the cluster's internal CA, or CloudNativePG's) and checks
    the certificate and the host name: a server with another certificate is refused, never merely encrypted to."""
    if not os.path.isfile(ca_file):
        raise ValueError(f"CA file {ca_file!r} not found")
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def stamp(*paths: str) -> Stamp:
    """What changes when a file is rewritten or replaced: os.stat follows links, so the kubelet's swap of a
    Secret volume's `..data` link (the files themselves untouched) shows as a new inode."""
    return tuple((found.st_ino, found.st_size, found.st_mtime_ns) for found in map(os.stat, paths))


class ServedCertificate:
    """The certificate and key this process serves HTTPS with, loaded again when their files change.

    `make_context` builds a server context from the two files as they are now (uvicorn's own factory, which also
    sets its ALPN protocols); it raises OSError (ssl.SSLError among them) for a pair it cannot load."""

    def __init__(self, cert_file: str, key_file: str, make_context: Callable[[], ssl.SSLContext]) -> None:
        self.cert_file = cert_file
        self.key_file = key_file
        self.make_context = make_context
        self.seen = stamp(cert_file, key_file)
        self.current = self._made()  # at start a pair that does not load stops the process: nothing to fall back on

    def listening_context(self) -> ssl.SSLContext:
        """The context the server listens with: each handshake starts on it, and is moved to the current one."""
        listening = self.current
        listening.sni_callback = self._on_client_hello
        return listening

    def refresh(self) -> None:
        """Load the pair again if its files changed since they were last looked at."""
        try:
            now = stamp(self.cert_file, self.key_file)
        except OSError:
            return  # a file missing for a moment (being replaced): the next handshake looks again
        if now == self.seen:
            return
        self.seen = now
        try:
            self.current = self._made()
        except OSError as exc:
            log.warning("the renewed certificate did not load; the one in service stays",
                        extra={"cert_file": self.cert_file, "error": str(exc)})
            return
        log.info("renewed certificate loaded", extra={"cert_file": self.cert_file})

    def _made(self) -> ssl.SSLContext:
        context = self.make_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def _on_client_hello(self, connection: ssl.SSLObject, server_name: str | None,
                         listening: ssl.SSLContext) -> None:
        # OpenSSL calls this for every ClientHello, with or without a server name (SNI); the connection may be
        # moved to another context until the server's certificate is sent.
        self.refresh()
        if self.current is not listening:
            connection.context = self.current
