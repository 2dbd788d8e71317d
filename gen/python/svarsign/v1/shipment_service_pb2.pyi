from google.protobuf import timestamp_pb2 as _timestamp_pb2
from svarsign.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AcknowledgeIncomingRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class AcknowledgeIncomingResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DownloadDocumentRequest(_message.Message):
    __slots__ = ["document_id", "shipment_id"]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class DownloadDocumentResponse(_message.Message):
    __slots__ = ["chunk", "document"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    document: _types_pb2.Document
    def __init__(self, document: _Optional[_Union[_types_pb2.Document, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class FindByExternalRefRequest(_message.Message):
    __slots__ = ["external_ref"]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    external_ref: str
    def __init__(self, external_ref: _Optional[str] = ...) -> None: ...

class FindByExternalRefResponse(_message.Message):
    __slots__ = ["shipments"]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    shipments: _containers.RepeatedCompositeFieldContainer[_types_pb2.Shipment]
    def __init__(self, shipments: _Optional[_Iterable[_Union[_types_pb2.Shipment, _Mapping]]] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ["events"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_types_pb2.HistoryEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_types_pb2.HistoryEvent, _Mapping]]] = ...) -> None: ...

class GetShipmentRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetShipmentResponse(_message.Message):
    __slots__ = ["shipment"]
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: _types_pb2.Shipment
    def __init__(self, shipment: _Optional[_Union[_types_pb2.Shipment, _Mapping]] = ...) -> None: ...

class GetStatusesRequest(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetStatusesResponse(_message.Message):
    __slots__ = ["statuses"]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[ShipmentStatusInfo]
    def __init__(self, statuses: _Optional[_Iterable[_Union[ShipmentStatusInfo, _Mapping]]] = ...) -> None: ...

class ListIncomingRequest(_message.Message):
    __slots__ = ["include_acknowledged", "page_size", "page_token"]
    INCLUDE_ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    include_acknowledged: bool
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_acknowledged: bool = ...) -> None: ...

class ListIncomingResponse(_message.Message):
    __slots__ = ["next_page_token", "shipments"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    shipments: _containers.RepeatedCompositeFieldContainer[_types_pb2.Shipment]
    def __init__(self, shipments: _Optional[_Iterable[_Union[_types_pb2.Shipment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListShipmentsRequest(_message.Message):
    __slots__ = ["batch_id", "created_after", "created_before", "direction", "external_ref", "page_size", "page_token", "recipient", "statuses"]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    direction: _types_pb2.Direction
    external_ref: str
    page_size: int
    page_token: str
    recipient: str
    statuses: _containers.RepeatedScalarFieldContainer[_types_pb2.ShipmentStatus]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_types_pb2.ShipmentStatus, str]]] = ..., external_ref: _Optional[str] = ..., recipient: _Optional[str] = ..., batch_id: _Optional[str] = ..., created_after: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., direction: _Optional[_Union[_types_pb2.Direction, str]] = ...) -> None: ...

class ListShipmentsResponse(_message.Message):
    __slots__ = ["next_page_token", "shipments"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    shipments: _containers.RepeatedCompositeFieldContainer[_types_pb2.Shipment]
    def __init__(self, shipments: _Optional[_Iterable[_Union[_types_pb2.Shipment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ["shipment"]
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: _types_pb2.Shipment
    def __init__(self, shipment: _Optional[_Union[_types_pb2.Shipment, _Mapping]] = ...) -> None: ...

class RejectIncomingRequest(_message.Message):
    __slots__ = ["id", "message", "permanent"]
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    message: str
    permanent: bool
    def __init__(self, id: _Optional[str] = ..., message: _Optional[str] = ..., permanent: bool = ...) -> None: ...

class RejectIncomingResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SendShipmentRequest(_message.Message):
    __slots__ = ["archive_metadata", "batch_id", "documents", "external_ref", "idempotency_key", "in_reply_to", "only_digital", "print_settings", "recipient", "reply_to", "require_level4", "sender_system", "shipment_id", "signing_order", "title"]
    ARCHIVE_METADATA_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    ONLY_DIGITAL_FIELD_NUMBER: _ClassVar[int]
    PRINT_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_LEVEL4_FIELD_NUMBER: _ClassVar[int]
    SENDER_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNING_ORDER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    archive_metadata: _types_pb2.ArchiveMetadata
    batch_id: str
    documents: _containers.RepeatedCompositeFieldContainer[_types_pb2.DocumentSpec]
    external_ref: str
    idempotency_key: str
    in_reply_to: str
    only_digital: bool
    print_settings: _types_pb2.PrintSettings
    recipient: _types_pb2.Recipient
    reply_to: str
    require_level4: bool
    sender_system: str
    shipment_id: str
    signing_order: _types_pb2.SigningOrder
    title: str
    def __init__(self, shipment_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., batch_id: _Optional[str] = ..., title: _Optional[str] = ..., recipient: _Optional[_Union[_types_pb2.Recipient, _Mapping]] = ..., sender_system: _Optional[str] = ..., external_ref: _Optional[str] = ..., reply_to: _Optional[str] = ..., in_reply_to: _Optional[str] = ..., documents: _Optional[_Iterable[_Union[_types_pb2.DocumentSpec, _Mapping]]] = ..., archive_metadata: _Optional[_Union[_types_pb2.ArchiveMetadata, _Mapping]] = ..., print_settings: _Optional[_Union[_types_pb2.PrintSettings, _Mapping]] = ..., only_digital: bool = ..., require_level4: bool = ..., signing_order: _Optional[_Union[_types_pb2.SigningOrder, _Mapping]] = ...) -> None: ...

class SendShipmentResponse(_message.Message):
    __slots__ = ["shipment"]
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: _types_pb2.Shipment
    def __init__(self, shipment: _Optional[_Union[_types_pb2.Shipment, _Mapping]] = ...) -> None: ...

class ShipmentStatusInfo(_message.Message):
    __slots__ = ["id", "signing_status", "status", "update_time"]
    ID_FIELD_NUMBER: _ClassVar[int]
    SIGNING_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    signing_status: _types_pb2.SigningStatus
    status: _types_pb2.ShipmentStatus
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_types_pb2.ShipmentStatus, str]] = ..., signing_status: _Optional[_Union[_types_pb2.SigningStatus, str]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StartShipmentRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StartShipmentResponse(_message.Message):
    __slots__ = ["shipment_id"]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ...) -> None: ...

class UploadDocumentHeader(_message.Message):
    __slots__ = ["file_name", "mime_type", "shipment_id"]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    mime_type: str
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ..., file_name: _Optional[str] = ..., mime_type: _Optional[str] = ...) -> None: ...

class UploadDocumentRequest(_message.Message):
    __slots__ = ["chunk", "header"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    header: UploadDocumentHeader
    def __init__(self, header: _Optional[_Union[UploadDocumentHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadDocumentResponse(_message.Message):
    __slots__ = ["document"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _types_pb2.Document
    def __init__(self, document: _Optional[_Union[_types_pb2.Document, _Mapping]] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ["cursor"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    def __init__(self, cursor: _Optional[str] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ["cursor", "shipment_id", "signing_status", "status", "text", "time"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNING_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    shipment_id: str
    signing_status: _types_pb2.SigningStatus
    status: _types_pb2.ShipmentStatus
    text: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, cursor: _Optional[str] = ..., shipment_id: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_types_pb2.ShipmentStatus, str]] = ..., signing_status: _Optional[_Union[_types_pb2.SigningStatus, str]] = ..., text: _Optional[str] = ...) -> None: ...
