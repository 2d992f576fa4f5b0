"""The zerog SDK: what applications import to use a zerog (or 0G) network."""

from zerog.client.files import SubmittedFile, compute_file_tree, submit_file
from zerog.client.network import Network, resolve_network

__all__ = ["Network", "SubmittedFile", "compute_file_tree", "resolve_network", "submit_file"]
