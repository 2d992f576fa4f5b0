from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EncodedRow(_message.Message):
    __slots__ = ("index", "data", "proofs")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    PROOFS_FIELD_NUMBER: _ClassVar[int]
    index: int
    data: bytes
    proofs: bytes
    def __init__(self, index: _Optional[int] = ..., data: _Optional[bytes] = ..., proofs: _Optional[bytes] = ...) -> None: ...

class BlobSignRequest(_message.Message):
    __slots__ = ("epoch", "quorum_id", "data_root", "commitments", "rows")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    QUORUM_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_ROOT_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    quorum_id: int
    data_root: bytes
    commitments: bytes
    rows: _containers.RepeatedCompositeFieldContainer[EncodedRow]
    def __init__(self, epoch: _Optional[int] = ..., quorum_id: _Optional[int] = ..., data_root: _Optional[bytes] = ..., commitments: _Optional[bytes] = ..., rows: _Optional[_Iterable[_Union[EncodedRow, _Mapping]]] = ...) -> None: ...

class SignRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[BlobSignRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[BlobSignRequest, _Mapping]]] = ...) -> None: ...

class SignReply(_message.Message):
    __slots__ = ("signatures",)
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    signatures: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, signatures: _Optional[_Iterable[bytes]] = ...) -> None: ...

class BlobRetrieveRequest(_message.Message):
    __slots__ = ("epoch", "quorum_id", "data_root", "row_indexes")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    QUORUM_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_ROOT_FIELD_NUMBER: _ClassVar[int]
    ROW_INDEXES_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    quorum_id: int
    data_root: bytes
    row_indexes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, epoch: _Optional[int] = ..., quorum_id: _Optional[int] = ..., data_root: _Optional[bytes] = ..., row_indexes: _Optional[_Iterable[int]] = ...) -> None: ...

class RetrieveRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[BlobRetrieveRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[BlobRetrieveRequest, _Mapping]]] = ...) -> None: ...

class RowSet(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[EncodedRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[EncodedRow, _Mapping]]] = ...) -> None: ...

class RetrieveReply(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[RowSet]
    def __init__(self, rows: _Optional[_Iterable[_Union[RowSet, _Mapping]]] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatusReply(_message.Message):
    __slots__ = ("status_code", "entrance_contract", "signer", "epoch", "rows_stored")
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ENTRANCE_CONTRACT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    ROWS_STORED_FIELD_NUMBER: _ClassVar[int]
    status_code: int
    entrance_contract: str
    signer: str
    epoch: int
    rows_stored: int
    def __init__(self, status_code: _Optional[int] = ..., entrance_contract: _Optional[str] = ..., signer: _Optional[str] = ..., epoch: _Optional[int] = ..., rows_stored: _Optional[int] = ...) -> None: ...
