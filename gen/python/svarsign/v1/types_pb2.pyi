from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
DIRECTION_INCOMING: Direction
DIRECTION_OUTGOING: Direction
DIRECTION_UNSPECIFIED: Direction
FIELD_VIOLATION_REASON_CONFLICT: FieldViolationReason
FIELD_VIOLATION_REASON_CONTROL_CHARACTER: FieldViolationReason
FIELD_VIOLATION_REASON_DUPLICATE: FieldViolationReason
FIELD_VIOLATION_REASON_EMPTY: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_FILE_NAME: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_FORMAT: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_IDENTITY_NUMBER: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_JSON: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_ORGANIZATION_NUMBER: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_TOKEN: FieldViolationReason
FIELD_VIOLATION_REASON_INVALID_UTF8: FieldViolationReason
FIELD_VIOLATION_REASON_NOT_ALLOWED: FieldViolationReason
FIELD_VIOLATION_REASON_NOT_A_PERSON: FieldViolationReason
FIELD_VIOLATION_REASON_NOT_PDF: FieldViolationReason
FIELD_VIOLATION_REASON_NOT_SUPPORTED: FieldViolationReason
FIELD_VIOLATION_REASON_NOT_UPLOADED: FieldViolationReason
FIELD_VIOLATION_REASON_NOT_UUID: FieldViolationReason
FIELD_VIOLATION_REASON_NO_DOCUMENT_TO_SIGN: FieldViolationReason
FIELD_VIOLATION_REASON_OUT_OF_RANGE: FieldViolationReason
FIELD_VIOLATION_REASON_REQUIRED: FieldViolationReason
FIELD_VIOLATION_REASON_TOO_EARLY: FieldViolationReason
FIELD_VIOLATION_REASON_TOO_LARGE: FieldViolationReason
FIELD_VIOLATION_REASON_TOO_LATE: FieldViolationReason
FIELD_VIOLATION_REASON_TOO_LONG: FieldViolationReason
FIELD_VIOLATION_REASON_TOO_MANY: FieldViolationReason
FIELD_VIOLATION_REASON_UNKNOWN_FIELD: FieldViolationReason
FIELD_VIOLATION_REASON_UNKNOWN_ORGANIZATION: FieldViolationReason
FIELD_VIOLATION_REASON_UNREADABLE: FieldViolationReason
FIELD_VIOLATION_REASON_UNSPECIFIED: FieldViolationReason
FIELD_VIOLATION_REASON_WRONG_TYPE: FieldViolationReason
PRINT_COLOR_COLOR: PrintColor
PRINT_COLOR_MONOCHROME: PrintColor
PRINT_COLOR_UNSPECIFIED: PrintColor
SHIPMENT_STATUS_ACCEPTED: ShipmentStatus
SHIPMENT_STATUS_NOTIFIED: ShipmentStatus
SHIPMENT_STATUS_NOT_DELIVERED: ShipmentStatus
SHIPMENT_STATUS_READ: ShipmentStatus
SHIPMENT_STATUS_READY_FOR_PICKUP: ShipmentStatus
SHIPMENT_STATUS_RECEIVED: ShipmentStatus
SHIPMENT_STATUS_REJECTED: ShipmentStatus
SHIPMENT_STATUS_SENT_TO_PRINT: ShipmentStatus
SHIPMENT_STATUS_UNSPECIFIED: ShipmentStatus
SIGNATURE_TYPE_ADVANCED: SignatureType
SIGNATURE_TYPE_AUTHENTICATED: SignatureType
SIGNATURE_TYPE_UNSPECIFIED: SignatureType
SIGNING_STATUS_CANCELLED: SigningStatus
SIGNING_STATUS_EXPIRED: SigningStatus
SIGNING_STATUS_REJECTED_BY_RECIPIENT: SigningStatus
SIGNING_STATUS_REJECTED_BY_SERVICE: SigningStatus
SIGNING_STATUS_SIGNED: SigningStatus
SIGNING_STATUS_UNSPECIFIED: SigningStatus
SIGNING_STATUS_WAITING: SigningStatus

class ArchiveMetadata(_message.Message):
    __slots__ = ["case_sequence", "case_worker", "case_year", "document_date", "journal_post_number", "journal_post_type", "journal_sequence", "journal_status", "journal_year"]
    CASE_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CASE_WORKER_FIELD_NUMBER: _ClassVar[int]
    CASE_YEAR_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_POST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_POST_TYPE_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    case_sequence: int
    case_worker: str
    case_year: int
    document_date: str
    journal_post_number: int
    journal_post_type: str
    journal_sequence: int
    journal_status: str
    journal_year: int
    def __init__(self, case_year: _Optional[int] = ..., case_sequence: _Optional[int] = ..., journal_year: _Optional[int] = ..., journal_sequence: _Optional[int] = ..., journal_post_number: _Optional[int] = ..., journal_post_type: _Optional[str] = ..., journal_status: _Optional[str] = ..., document_date: _Optional[str] = ..., case_worker: _Optional[str] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ["file_name", "id", "metadata", "mime_type", "personally_sensitive", "sha256", "sign", "size_bytes"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    PERSONALLY_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIGN_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    id: str
    metadata: _containers.ScalarMap[str, str]
    mime_type: str
    personally_sensitive: bool
    sha256: str
    sign: bool
    size_bytes: int
    def __init__(self, id: _Optional[str] = ..., file_name: _Optional[str] = ..., mime_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., sign: bool = ..., personally_sensitive: bool = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DocumentSpec(_message.Message):
    __slots__ = ["content", "file_name", "metadata", "mime_type", "personally_sensitive", "sign"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    PERSONALLY_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    SIGN_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    file_name: str
    metadata: _containers.ScalarMap[str, str]
    mime_type: str
    personally_sensitive: bool
    sign: bool
    def __init__(self, file_name: _Optional[str] = ..., mime_type: _Optional[str] = ..., sign: bool = ..., personally_sensitive: bool = ..., metadata: _Optional[_Mapping[str, str]] = ..., content: _Optional[bytes] = ...) -> None: ...

class HistoryEvent(_message.Message):
    __slots__ = ["id", "status", "text", "time"]
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    status: ShipmentStatus
    text: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., text: _Optional[str] = ...) -> None: ...

class PostalAddress(_message.Message):
    __slots__ = ["country", "lines", "postal_area", "postal_code"]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    POSTAL_AREA_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    country: str
    lines: _containers.RepeatedScalarFieldContainer[str]
    postal_area: str
    postal_code: str
    def __init__(self, lines: _Optional[_Iterable[str]] = ..., postal_code: _Optional[str] = ..., postal_area: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class PrintSettings(_message.Message):
    __slots__ = ["color", "duplex", "return_address"]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    DUPLEX_FIELD_NUMBER: _ClassVar[int]
    RETURN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    color: PrintColor
    duplex: bool
    return_address: PostalAddress
    def __init__(self, color: _Optional[_Union[PrintColor, str]] = ..., duplex: bool = ..., return_address: _Optional[_Union[PostalAddress, _Mapping]] = ...) -> None: ...

class Recipient(_message.Message):
    __slots__ = ["name", "national_identity_number", "organization_number", "postal_address"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_IDENTITY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    POSTAL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    name: str
    national_identity_number: str
    organization_number: str
    postal_address: PostalAddress
    def __init__(self, national_identity_number: _Optional[str] = ..., organization_number: _Optional[str] = ..., name: _Optional[str] = ..., postal_address: _Optional[_Union[PostalAddress, _Mapping]] = ...) -> None: ...

class Shipment(_message.Message):
    __slots__ = ["archive_metadata", "batch_id", "create_time", "direction", "documents", "external_ref", "id", "in_reply_to", "only_digital", "print_settings", "read_time", "recipient", "reply_to", "require_level4", "sender_organization_number", "sender_system", "signing_order", "status", "title", "update_time"]
    ARCHIVE_METADATA_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    ONLY_DIGITAL_FIELD_NUMBER: _ClassVar[int]
    PRINT_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_LEVEL4_FIELD_NUMBER: _ClassVar[int]
    SENDER_ORGANIZATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SENDER_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SIGNING_ORDER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    archive_metadata: ArchiveMetadata
    batch_id: str
    create_time: _timestamp_pb2.Timestamp
    direction: Direction
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    external_ref: str
    id: str
    in_reply_to: str
    only_digital: bool
    print_settings: PrintSettings
    read_time: _timestamp_pb2.Timestamp
    recipient: Recipient
    reply_to: str
    require_level4: bool
    sender_organization_number: str
    sender_system: str
    signing_order: SigningOrder
    status: ShipmentStatus
    title: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., batch_id: _Optional[str] = ..., direction: _Optional[_Union[Direction, str]] = ..., sender_organization_number: _Optional[str] = ..., title: _Optional[str] = ..., sender_system: _Optional[str] = ..., external_ref: _Optional[str] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., reply_to: _Optional[str] = ..., in_reply_to: _Optional[str] = ..., documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., archive_metadata: _Optional[_Union[ArchiveMetadata, _Mapping]] = ..., print_settings: _Optional[_Union[PrintSettings, _Mapping]] = ..., only_digital: bool = ..., require_level4: bool = ..., signing_order: _Optional[_Union[SigningOrder, _Mapping]] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., read_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SigningOrder(_message.Message):
    __slots__ = ["deadline", "document_id", "file_name", "reply_to", "require_level4", "return_shipment_id", "signature_type", "status", "update_time"]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_LEVEL4_FIELD_NUMBER: _ClassVar[int]
    RETURN_SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    deadline: _timestamp_pb2.Timestamp
    document_id: str
    file_name: str
    reply_to: str
    require_level4: bool
    return_shipment_id: str
    signature_type: SignatureType
    status: SigningStatus
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, signature_type: _Optional[_Union[SignatureType, str]] = ..., deadline: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., document_id: _Optional[str] = ..., file_name: _Optional[str] = ..., status: _Optional[_Union[SigningStatus, str]] = ..., require_level4: bool = ..., reply_to: _Optional[str] = ..., return_shipment_id: _Optional[str] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SigningStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SignatureType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PrintColor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class FieldViolationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
