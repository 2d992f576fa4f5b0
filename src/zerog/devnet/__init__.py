"""The local devnet: anvil with zerog's contracts, and (as layers land) every zerog service, on 127.0.0.1."""

from zerog.devnet.anvil import AnvilConfig, AnvilProcess, find_anvil, find_free_port
from zerog.devnet.deploy import DADeployConfig, DeployConfig, deploy_da_contracts, deploy_storage_contracts
from zerog.devnet.devnet import DevnetStatus, devnet_down, devnet_status, devnet_up

__all__ = [
    "AnvilConfig",
    "AnvilProcess",
    "DADeployConfig",
    "DeployConfig",
    "DevnetStatus",
    "deploy_da_contracts",
    "deploy_storage_contracts",
    "devnet_down",
    "devnet_status",
    "devnet_up",
    "find_anvil",
    "find_free_port",
]
