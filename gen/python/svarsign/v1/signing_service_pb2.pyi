from google.protobuf import timestamp_pb2 as _timestamp_pb2
from svarsign.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CancelSigningOrderRequest(_message.Message):
    __slots__ = ["reason", "shipment_id"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    reason: str
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelSigningOrderResponse(_message.Message):
    __slots__ = ["signing_order"]
    SIGNING_ORDER_FIELD_NUMBER: _ClassVar[int]
    signing_order: _types_pb2.SigningOrder
    def __init__(self, signing_order: _Optional[_Union[_types_pb2.SigningOrder, _Mapping]] = ...) -> None: ...

class DownloadSignedDocumentRequest(_message.Message):
    __slots__ = ["shipment_id"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ...) -> None: ...

class DownloadSignedDocumentResponse(_message.Message):
    __slots__ = ["chunk", "document"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    document: _types_pb2.Document
    def __init__(self, document: _Optional[_Union[_types_pb2.Document, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class GetEvidenceRequest(_message.Message):
    __slots__ = ["shipment_id"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ...) -> None: ...

class GetEvidenceResponse(_message.Message):
    __slots__ = ["evidence_json"]
    EVIDENCE_JSON_FIELD_NUMBER: _ClassVar[int]
    evidence_json: str
    def __init__(self, evidence_json: _Optional[str] = ...) -> None: ...

class GetSigningHistoryRequest(_message.Message):
    __slots__ = ["shipment_id"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ...) -> None: ...

class GetSigningHistoryResponse(_message.Message):
    __slots__ = ["events"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SigningEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[SigningEvent, _Mapping]]] = ...) -> None: ...

class GetSigningOrderRequest(_message.Message):
    __slots__ = ["shipment_id"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ...) -> None: ...

class GetSigningOrderResponse(_message.Message):
    __slots__ = ["shipment_id", "signing_order"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNING_ORDER_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    signing_order: _types_pb2.SigningOrder
    def __init__(self, signing_order: _Optional[_Union[_types_pb2.SigningOrder, _Mapping]] = ..., shipment_id: _Optional[str] = ...) -> None: ...

class ListSigningOrdersRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "statuses"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[_types_pb2.SigningStatus]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_types_pb2.SigningStatus, str]]] = ...) -> None: ...

class ListSigningOrdersResponse(_message.Message):
    __slots__ = ["next_page_token", "signing_orders"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIGNING_ORDERS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    signing_orders: _containers.RepeatedCompositeFieldContainer[SigningOrderSummary]
    def __init__(self, signing_orders: _Optional[_Iterable[_Union[SigningOrderSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SigningEvent(_message.Message):
    __slots__ = ["return_shipment_id", "status", "text", "time"]
    RETURN_SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    return_shipment_id: str
    status: _types_pb2.SigningStatus
    text: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_types_pb2.SigningStatus, str]] = ..., text: _Optional[str] = ..., return_shipment_id: _Optional[str] = ...) -> None: ...

class SigningOrderSummary(_message.Message):
    __slots__ = ["shipment_id", "signing_order"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNING_ORDER_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    signing_order: _types_pb2.SigningOrder
    def __init__(self, shipment_id: _Optional[str] = ..., signing_order: _Optional[_Union[_types_pb2.SigningOrder, _Mapping]] = ...) -> None: ...
