"""placeholder"""
from devstack.config import StackConfig
NAME = "keycloak"
def start(config: StackConfig) -> int:
    raise NotImplementedError
def import_realms(config: StackConfig) -> None:
    raise NotImplementedError
def is_ready(config: StackConfig) -> bool:
    return False
