"""The zerog SDK: what applications import to use a zerog (or 0G) network."""

from zerog.client.download import DownloadOptions, DownloadResult, download_file, locate_file
from zerog.client.files import SubmittedFile, compute_file_tree, submit_file
from zerog.client.network import Network, resolve_network
from zerog.client.nodes import discover_nodes
from zerog.client.upload import FileSource, UploadOptions, UploadResult, upload_file

__all__ = [
    "DownloadOptions",
    "DownloadResult",
    "FileSource",
    "Network",
    "SubmittedFile",
    "UploadOptions",
    "UploadResult",
    "compute_file_tree",
    "discover_nodes",
    "download_file",
    "locate_file",
    "resolve_network",
    "submit_file",
    "upload_file",
]
