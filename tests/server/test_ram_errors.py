"""Every refusal the RAM store raises has RAM's code, status and a real message."""

from __future__ import annotations

import pytest

from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.params import Params, invalid, out_of_range
from ossbox.server.rpc.errors import RpcError
from ossbox.store.ram import (
    DeleteConflict,
    EntityAlreadyExists,
    EntityNotExist,
    LimitExceeded,
    RamStoreError,
)

CASES: list[tuple[RamStoreError, int, str]] = [
    (EntityNotExist("User", "u"), 404, "EntityNotExist.User"),
    (EntityNotExist("Group", "g"), 404, "EntityNotExist.Group"),
    (EntityNotExist("Role", "r"), 404, "EntityNotExist.Role"),
    (EntityNotExist("Policy", "p"), 404, "EntityNotExist.Policy"),
    (EntityNotExist("PolicyVersion", "v9"), 404, "EntityNotExist.Policy.Version"),
    (EntityNotExist("OIDCProvider", "o"), 404, "EntityNotExist.OIDCProvider"),
    (EntityNotExist("AccessKey", "k", of="User"), 404, "EntityNotExist.User.AccessKey"),
    (EntityNotExist("Group", "g", of="User"), 404, "EntityNotExist.User.Group"),
    (EntityNotExist("Policy", "p", of="User"), 404, "EntityNotExist.User.Policy"),
    (EntityNotExist("Policy", "p", of="Group"), 404, "EntityNotExist.Group.Policy"),
    (EntityNotExist("Policy", "p", of="Role"), 404, "EntityNotExist.Role.Policy"),
    (EntityAlreadyExists("User", "u"), 409, "EntityAlreadyExists.User"),
    (EntityAlreadyExists("Group", "g"), 409, "EntityAlreadyExists.Group"),
    (EntityAlreadyExists("Role", "r"), 409, "EntityAlreadyExists.Role"),
    (EntityAlreadyExists("Policy", "p"), 409, "EntityAlreadyExists.Policy"),
    (EntityAlreadyExists("OIDCProvider", "o"), 409, "EntityAlreadyExists.OIDCProvider"),
    (EntityAlreadyExists("Group", "g", of="User"), 409, "EntityAlreadyExists.User.Group"),
    (EntityAlreadyExists("Policy", "p", of="User"), 409, "EntityAlreadyExists.User.Policy"),
    (EntityAlreadyExists("Policy", "p", of="Group"), 409, "EntityAlreadyExists.Group.Policy"),
    (EntityAlreadyExists("Policy", "p", of="Role"), 409, "EntityAlreadyExists.Role.Policy"),
    (DeleteConflict("User", "u", "AccessKey"), 409, "DeleteConflict.User.AccessKey"),
    (DeleteConflict("User", "u", "Policy"), 409, "DeleteConflict.User.Policy"),
    (DeleteConflict("User", "u", "Group"), 409, "DeleteConflict.User.Group"),
    (DeleteConflict("Group", "g", "User"), 409, "DeleteConflict.Group.User"),
    (DeleteConflict("Group", "g", "Policy"), 409, "DeleteConflict.Group.Policy"),
    (DeleteConflict("Role", "r", "Policy"), 409, "DeleteConflict.Role.Policy"),
    (DeleteConflict("Policy", "p", "User"), 409, "DeleteConflict.Policy.User"),
    (DeleteConflict("Policy", "p", "Group"), 409, "DeleteConflict.Policy.Group"),
    (DeleteConflict("Policy", "p", "Role"), 409, "DeleteConflict.Policy.Role"),
    (DeleteConflict("Policy", "p", "Version"), 409, "DeleteConflict.Policy.Version"),
    (
        DeleteConflict("PolicyVersion", "v1", "Default"),
        409,
        "DeleteConflict.Policy.Version.Default",
    ),
    (LimitExceeded("User", "u", "AccessKey", 2), 409, "LimitExceeded.User.AccessKey"),
    (LimitExceeded("Policy", "p", "Version", 5), 409, "LimitExceeded.Policy.Version"),
    (LimitExceeded("OIDCProvider", "1", "", 100), 409, "LimitExceeded.OIDCProvider"),
]


@pytest.mark.parametrize(("err", "status", "code"), CASES, ids=[c for _, _, c in CASES])
def test_store_refusals_map_to_ram_codes(err: RamStoreError, status: int, code: str) -> None:
    rpc = rpc_error(err)
    assert (rpc.status, rpc.code) == (status, code)
    assert rpc.message != "An internal error occurred." and rpc.message.endswith(".")


def test_parameter_messages_are_rams() -> None:
    assert invalid("UserName", "InvalidChars").message == (
        'The parameter - "UserName" contains invalid chars.'
    )
    assert invalid("PolicyName", "Length").message == (
        'The parameter - "PolicyName" beyond the length limit.'
    )
    assert (
        invalid("Email", "Format").message == 'The format of the parameter - "Email" is incorrect.'
    )
    assert out_of_range("MaxItems", 1, 1000).message == (
        'The parameter - "MaxItems" MUST be in the range of 1 and 1000.'
    )


@pytest.mark.parametrize("raw", ["0", "1001", "-1", "²", "1e3", " 5", "9" * 30])
def test_max_items_range(raw: str) -> None:
    with pytest.raises(RpcError) as caught:
        Params({"MaxItems": raw}).paging()
    assert caught.value.code == "InvalidParameter.MaxItems"


def test_paging_defaults() -> None:
    assert Params({}).paging() == ("", 100)
    assert Params({"Marker": "m", "MaxItems": "1000"}).paging() == ("m", 1000)


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("False", False), ("", False)])
def test_booleans(raw: str, value: bool) -> None:
    assert Params({"SetAsDefault": raw}).boolean("SetAsDefault") is value


def test_bad_boolean() -> None:
    with pytest.raises(RpcError) as caught:
        Params({"SetAsDefault": "yes"}).boolean("SetAsDefault")
    assert caught.value.code == "InvalidParameter.SetAsDefault"
