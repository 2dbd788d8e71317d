// The page's connection to svarsign: the generated Connect clients over
// fetch, authenticated by the session cookie the browser sends by itself
// and the session's CSRF token, which the server requires on every
// cookie-authenticated call (see server/auth/session.go).

import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ShipmentService } from "../../gen/ts/svarsign/v1/shipment_service_pb";
import { SigningService } from "../../gen/ts/svarsign/v1/signing_service_pb";

export const CSRF_HEADER = "X-CSRF-Token";

/** csrfToken is the session's token, put in the page by the server. */
export function csrfToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');
  if (!meta) throw new Error("page has no CSRF token");
  return meta.content;
}

const withCSRF: Interceptor = (next) => (req) => {
  req.header.set(CSRF_HEADER, csrfToken());
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: true,
  interceptors: [withCSRF],
});

export const shipments: Client<typeof ShipmentService> = createClient(ShipmentService, transport);
export const signing: Client<typeof SigningService> = createClient(SigningService, transport);

/**
 * Violation is one google.rpc.BadRequest field violation: the field's path,
 * the reason (a FieldViolationReason name without its prefix) to choose
 * words by, and the server's English description.
 */
export interface Violation {
  field: string;
  reason: string;
  description: string;
}

/** violations returns the field violations of an InvalidArgument error, if any. */
export function violations(err: unknown): Violation[] {
  const ce = ConnectError.from(err);
  const out: Violation[] = [];
  for (const d of ce.details) {
    if ("type" in d && d.type === "google.rpc.BadRequest") out.push(...decodeBadRequest(d.value));
  }
  return out;
}

// google.rpc.BadRequest is not among the generated types, and three string
// fields do not justify generating it: read the wire format directly.
function decodeBadRequest(bytes: Uint8Array): Violation[] {
  const r = new BinaryReader(bytes);
  const out: Violation[] = [];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) {
      const v = new BinaryReader(r.bytes());
      const fv: Violation = { field: "", reason: "", description: "" };
      while (v.pos < v.len) {
        const [fno, fwt] = v.tag();
        if (fno === 1 && fwt === WireType.LengthDelimited) fv.field = v.string();
        else if (fno === 2 && fwt === WireType.LengthDelimited) fv.description = v.string();
        else if (fno === 3 && fwt === WireType.LengthDelimited) fv.reason = v.string();
        else v.skip(fwt);
      }
      out.push(fv);
    } else {
      r.skip(wt);
    }
  }
  return out;
}

/** loginIfExpired sends the browser to the login page when the session has ended. */
export function loginIfExpired(err: unknown): void {
  const ce = ConnectError.from(err);
  if (ce.code === Code.Unauthenticated) {
    location.assign(`/manuell-innsending/login?next=${encodeURIComponent(location.pathname)}`);
  }
}

/** Norwegian text for an error that is not about a field. */
export function describeError(err: unknown): string {
  const ce = ConnectError.from(err);
  switch (ce.code) {
    case Code.Unauthenticated:
      return "Du er logget ut. Logg inn igjen.";
    case Code.PermissionDenied:
      return "Du har ikke tilgang. Last inn siden på nytt.";
    case Code.NotFound:
      return "Fant ikke forsendelsen.";
    case Code.Unavailable:
    case Code.Internal:
    case Code.Unknown:
      return "Tjenesten svarer ikke som den skal. Prøv igjen om litt.";
    default:
      return ce.rawMessage;
  }
}
