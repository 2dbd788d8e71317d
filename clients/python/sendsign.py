#!/usr/bin/python3
"""sendsign is the Python example of a case system (fagsystem) using svarsign.

It sends a contract to a citizen for signing, waits for the signed document
to come back to its Inbox, downloads it and acknowledges it. It speaks gRPC
with Debian's python3-grpcio and the generated code in gen/python:

    PYTHONPATH=gen/python SVARSIGN_URL=http://127.0.0.1:8080 SVARSIGN_API_KEY=svs_... \\
      /usr/bin/python3 clients/python/sendsign.py kontrakt.pdf 14038510070 kontrakt-signert.pdf

It prints "SHIPMENT <id>" once the shipment is sent and "SIGNED <path>" when
done, and gives up after SVARSIGN_TIMEOUT seconds (default 60).
"""

import os
import sys
import time
from urllib.parse import urlsplit

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from svarsign.v1 import shipment_service_pb2 as pb
from svarsign.v1 import shipment_service_pb2_grpc as pb_grpc
from svarsign.v1 import types_pb2 as types

# Signing statuses after which the document will never come back signed.
NEVER_SIGNED = {
    types.SIGNING_STATUS_REJECTED_BY_RECIPIENT,
    types.SIGNING_STATUS_EXPIRED,
    types.SIGNING_STATUS_REJECTED_BY_SERVICE,
    types.SIGNING_STATUS_CANCELLED,
}


class Deadline:
    """One deadline for the whole run; each call gets what is left of it."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("gave up waiting for the signed document")
        return left


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: sendsign.py CONTRACT.pdf NATIONAL-IDENTITY-NUMBER SIGNED.pdf"
                 " (env SVARSIGN_URL, SVARSIGN_API_KEY, SVARSIGN_TIMEOUT)")
    contract_path, person, out_path = sys.argv[1:]
    url = urlsplit(os.environ.get("SVARSIGN_URL", "http://127.0.0.1:8080"))
    key = os.environ.get("SVARSIGN_API_KEY") or sys.exit("sendsign: SVARSIGN_API_KEY is not set")
    deadline = Deadline(float(os.environ.get("SVARSIGN_TIMEOUT", "60")))
    auth = (("authorization", f"Bearer {key}"),)
    with open(contract_path, "rb") as f:
        contract = f.read()

    # gRPC takes host:port; an http:// URL means plaintext HTTP/2.
    channel = (grpc.insecure_channel(url.netloc) if url.scheme == "http"
               else grpc.secure_channel(url.netloc, grpc.ssl_channel_credentials()))
    with channel:
        stub = pb_grpc.ShipmentServiceStub(channel)
        # Watch before sending: an empty cursor means "from now on", so a
        # signature made right after the send cannot slip past unseen.
        # grpcio starts the call here and buffers what arrives.
        events = stub.WatchEvents(pb.WatchEventsRequest(), metadata=auth, timeout=deadline.left())

        signing_deadline = Timestamp()
        signing_deadline.FromSeconds(int(time.time()) + 14 * 24 * 3600)
        sent = stub.SendShipment(pb.SendShipmentRequest(
            title="Leiekontrakt",
            sender_system="sendsign (Python example)",
            recipient=types.Recipient(national_identity_number=person),
            documents=[
                types.DocumentSpec(file_name="kontrakt.pdf", mime_type="application/pdf",
                                   content=contract, sign=True),
                types.DocumentSpec(file_name="vedlegg.txt", mime_type="text/plain",
                                   content=b"Husordensregler for Storgata 1.\n"),
            ],
            signing_order=types.SigningOrder(
                signature_type=types.SIGNATURE_TYPE_AUTHENTICATED,
                deadline=signing_deadline,
            ),
        ), metadata=auth, timeout=deadline.left())
        shipment_id = sent.shipment.id
        print(f"SHIPMENT {shipment_id}", flush=True)  # a pipe is block-buffered

        wait_signed(events, shipment_id)
        events.cancel()
        reply = find_reply(stub, auth, deadline, shipment_id)
        download(stub, auth, deadline, reply, out_path)
        # Acknowledge only once the file is safely written (kvitterMottak):
        # until then the shipment stays in the Inbox for a retry.
        stub.AcknowledgeIncoming(pb.AcknowledgeIncomingRequest(id=reply.id),
                                 metadata=auth, timeout=deadline.left())
    print(f"SIGNED {out_path}", flush=True)


def wait_signed(events, shipment_id):
    """Return once the event stream says the shipment is signed, or at once
    if the server has no event stream, leaving the wait to find_reply."""
    try:
        for ev in events:
            if ev.shipment_id != shipment_id:
                continue
            if ev.signing_status == types.SIGNING_STATUS_SIGNED:
                return
            if ev.signing_status in NEVER_SIGNED:
                status = types.SigningStatus.Name(ev.signing_status)
                raise RuntimeError(f"shipment {shipment_id} will not be signed: {status} ({ev.text})")
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.UNIMPLEMENTED:
            print("sendsign: server has no event stream; polling the Inbox", file=sys.stderr)
            return
        raise
    raise RuntimeError("event stream ended before the shipment was signed")


def find_reply(stub, auth, deadline, shipment_id):
    """Poll the Inbox, with backoff, for the return shipment answering
    shipment_id. After the SIGNED event it is usually there already: the
    return is queued work that follows the signature within moments."""
    delay = 0.2
    while True:
        page_token = ""
        while True:
            page = stub.ListIncoming(pb.ListIncomingRequest(page_token=page_token),
                                     metadata=auth, timeout=deadline.left())
            for s in page.shipments:
                if s.in_reply_to == shipment_id:
                    return s
            page_token = page.next_page_token
            if not page_token:
                break
        time.sleep(min(delay, deadline.left()))
        delay = min(2 * delay, 5.0)


def download(stub, auth, deadline, reply, path):
    """Stream the return shipment's PDF (the signed contract; the other
    document is the evidence JSON) to path."""
    doc = next((d for d in reply.documents if d.mime_type == "application/pdf"), None)
    if doc is None:
        raise RuntimeError(f"return shipment {reply.id} has no PDF")
    n = 0
    with open(path, "wb") as f:
        for part in stub.DownloadDocument(
                pb.DownloadDocumentRequest(shipment_id=reply.id, document_id=doc.id),
                metadata=auth, timeout=deadline.left()):
            n += f.write(part.chunk)
    if n != doc.size_bytes:
        raise RuntimeError(f"download: got {n} bytes, want {doc.size_bytes}")


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as e:
        sys.exit(f"sendsign: {e.code().name}: {e.details()}")
    except (OSError, RuntimeError, TimeoutError) as e:
        sys.exit(f"sendsign: {e}")
