"""`shared.requests.tenant_and_id`: the paths the hot reads and writes stand in front of, matched exactly: the
province and the id taken out, anything more or less left to Litestar."""

import pytest

from shared.requests import tenant_and_id

ID = "01a24000-0000-7000-8000-00000000abcd"


def test_a_route_with_a_tail_matches_its_paths_exactly() -> None:
    submit = tenant_and_id("/{tenant}/applications/{application_id}/submit")
    found = submit.match(f"/west-vlaanderen/applications/{ID}/submit")
    assert found is not None and (found["tenant"], found["id"]) == ("west-vlaanderen", ID)
    for other in (f"/west-vlaanderen/applications/{ID}", f"/west-vlaanderen/applications/{ID}/submit/",
                  f"/west-vlaanderen/applications/{ID}/withdraw", f"/west-vlaanderen/calls/{ID}/submit",
                  "/west-vlaanderen/applications/not-an-id/submit", f"/West/applications/{ID}/submit"):
        assert submit.match(other) is None, other


def test_a_route_ending_in_its_id_takes_the_id_with_or_without_hyphens() -> None:
    read = tenant_and_id("/{tenant}/calls/{call_id}")
    assert read.match(f"/limburg/calls/{ID}") is not None
    assert read.match(f"/limburg/calls/{ID.replace('-', '')}") is not None
    assert read.match(f"/limburg/calls/{ID}/criteria") is None


@pytest.mark.parametrize("route", ["/{tenant}/calls", "/calls/{call_id}", "/{tenant}/{call_id}/{criterion_id}"])
def test_a_route_that_is_not_a_province_and_one_id_is_refused(route: str) -> None:
    with pytest.raises(ValueError, match="not a route"):
        tenant_and_id(route)
