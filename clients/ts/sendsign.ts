// sendsign is the TypeScript example of a case system (fagsystem) using
// svarsign: it sends a contract to a citizen for signing, waits for the
// signed document to come back to its Inbox, downloads it and acknowledges
// it. It speaks gRPC over HTTP/2 (h2c for an http:// URL) with
// @connectrpc/connect-node and the generated code in gen/ts.
//
//   SVARSIGN_URL=http://127.0.0.1:8080 SVARSIGN_API_KEY=svs_… \
//     node clients/ts/dist/clients/ts/sendsign.js kontrakt.pdf 14038510070 kontrakt-signert.pdf
//
// It prints "SHIPMENT <id>" once the shipment is sent and "SIGNED <path>"
// when done, and gives up after SVARSIGN_TIMEOUT seconds (default 60).

import { open, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ShipmentService, type WatchEventsResponse } from "../../gen/ts/svarsign/v1/shipment_service_pb";
import { SignatureType, SigningStatus, type Shipment } from "../../gen/ts/svarsign/v1/types_pb";

type Shipments = Client<typeof ShipmentService>;

async function main(): Promise<void> {
  const [contractPath, person, outPath] = process.argv.slice(2);
  if (!outPath) {
    throw new Error("usage: sendsign CONTRACT.pdf NATIONAL-IDENTITY-NUMBER SIGNED.pdf (env SVARSIGN_URL, SVARSIGN_API_KEY, SVARSIGN_TIMEOUT)");
  }
  const baseUrl = process.env.SVARSIGN_URL || "http://127.0.0.1:8080";
  const key = process.env.SVARSIGN_API_KEY;
  if (!key) throw new Error("SVARSIGN_API_KEY is not set");
  const timeout = Number(process.env.SVARSIGN_TIMEOUT || "60");
  if (!(timeout > 0)) throw new Error("SVARSIGN_TIMEOUT must be a number of seconds");

  // One signal bounds every call, so the whole run gives up on time.
  const signal = AbortSignal.timeout(timeout * 1000);
  const apiKey: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${key}`);
    return next(req);
  };
  const client = createClient(ShipmentService, createGrpcTransport({ baseUrl, interceptors: [apiKey] }));

  // Watch before sending: an empty cursor means "from now on", so a
  // signature made right after the send cannot slip past unseen. Asking for
  // the first event starts the call now; its failure (say Unimplemented) is
  // looked at in waitSigned, so it must not count as unhandled meanwhile.
  const stopWatch = new AbortController();
  signal.addEventListener("abort", () => stopWatch.abort(signal.reason), { once: true });
  const events = client.watchEvents({}, { signal: stopWatch.signal })[Symbol.asyncIterator]();
  const first = events.next();
  first.catch(() => {});

  const contract = await readFile(contractPath);
  const { shipment } = await client.sendShipment(
    {
      title: "Leiekontrakt",
      senderSystem: "sendsign (TypeScript example)",
      recipient: { identity: { case: "nationalIdentityNumber", value: person } },
      documents: [
        { fileName: "kontrakt.pdf", mimeType: "application/pdf", content: contract, sign: true },
        { fileName: "vedlegg.txt", mimeType: "text/plain", content: new TextEncoder().encode("Husordensregler for Storgata 1.\n") },
      ],
      signingOrder: {
        signatureType: SignatureType.AUTHENTICATED,
        deadline: timestampFromDate(new Date(Date.now() + 14 * 24 * 3600 * 1000)),
      },
    },
    { signal },
  );
  const id = shipment!.id;
  console.log(`SHIPMENT ${id}`); // stdout to a pipe is synchronous on Linux: the line is out now

  await waitSigned(first, events, id);
  stopWatch.abort();
  const reply = await findReply(client, id, signal);
  await download(client, reply, outPath, signal);
  // Acknowledge only once the file is safely written (kvitterMottak): until
  // then the shipment stays in the Inbox for a retry.
  await client.acknowledgeIncoming({ id: reply.id }, { signal });
  console.log(`SIGNED ${outPath}`);
}

// waitSigned returns once the event stream says shipment id is signed, or at
// once if the server has no event stream, leaving the wait to findReply's
// polling.
async function waitSigned(
  first: Promise<IteratorResult<WatchEventsResponse>>,
  events: AsyncIterator<WatchEventsResponse>,
  id: string,
): Promise<void> {
  try {
    for (let r = await first; !r.done; r = await events.next()) {
      const ev = r.value;
      if (ev.shipmentId !== id) continue;
      switch (ev.signingStatus) {
        case SigningStatus.SIGNED:
          return;
        case SigningStatus.REJECTED_BY_RECIPIENT:
        case SigningStatus.EXPIRED:
        case SigningStatus.REJECTED_BY_SERVICE:
        case SigningStatus.CANCELLED:
          throw new Error(`shipment ${id} will not be signed: ${SigningStatus[ev.signingStatus]} (${ev.text})`);
      }
    }
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.Unimplemented) {
      console.error("sendsign: server has no event stream; polling the Inbox");
      return;
    }
    throw e;
  }
  throw new Error("event stream ended before the shipment was signed");
}

// findReply polls the Inbox, with backoff, for the return shipment that
// answers id. After the SIGNED event it is usually there already: the return
// is queued work that follows the signature within moments.
async function findReply(client: Shipments, id: string, signal: AbortSignal): Promise<Shipment> {
  for (let delay = 200; ; delay = Math.min(2 * delay, 5000)) {
    let pageToken = "";
    do {
      const page = await client.listIncoming({ pageToken }, { signal });
      const reply = page.shipments.find((s) => s.inReplyTo === id);
      if (reply) return reply;
      pageToken = page.nextPageToken;
    } while (pageToken);
    await sleep(delay, undefined, { signal });
  }
}

// download streams the return shipment's PDF (the signed contract; the other
// document is the evidence JSON) to path.
async function download(client: Shipments, reply: Shipment, path: string, signal: AbortSignal): Promise<void> {
  const doc = reply.documents.find((d) => d.mimeType === "application/pdf");
  if (!doc) throw new Error(`return shipment ${reply.id} has no PDF`);
  const file = await open(path, "w");
  let n = 0n;
  try {
    for await (const part of client.downloadDocument({ shipmentId: reply.id, documentId: doc.id }, { signal })) {
      await file.write(part.chunk);
      n += BigInt(part.chunk.length);
    }
  } finally {
    await file.close();
  }
  if (n !== doc.sizeBytes) throw new Error(`download: got ${n} bytes, want ${doc.sizeBytes}`);
}

main().catch((e: unknown) => {
  console.error("sendsign:", e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
