from __future__ import annotations

import pytest

from services.gateway.sessions import safe_next


@pytest.mark.parametrize("value", ["/antwerpen/", "/antwerpen", "/antwerpen/aanvragen/?oproep=3#boven",
                                   "/antwerpen/jury/12"])
def test_a_relative_path_inside_the_tenant_is_kept(value: str) -> None:
    assert safe_next(value, "antwerpen") == value


@pytest.mark.parametrize("value", [
    None, "", "https://evil.example/antwerpen/", "http://127.0.0.1:42000/antwerpen/", "//evil.example/antwerpen/",
    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "antwerpen/", "/limburg/", "/antwerpenx/",
    "/antwerpen/../limburg/", "/antwerpen/\r\nSet-Cookie: x=1", "///evil.example", "/antwerpen/\t",
])
def test_anything_else_falls_back_to_the_tenant_home(value: str | None) -> None:
    assert safe_next(value, "antwerpen") == "/antwerpen/"
