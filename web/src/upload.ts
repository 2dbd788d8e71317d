// Document upload. A browser cannot stream a request body into a gRPC
// client-streaming method, so documents go up with a plain PUT of the raw
// bytes to the JSON facade's upload route, which streams them into
// UploadDocument on the server. XMLHttpRequest, not fetch, because only it
// reports upload progress.

import { CSRF_HEADER, csrfToken, type Violation } from "./api";

/** UploadError is a failed upload, with the server's field violations if any. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly violations: Violation[] = [],
  ) {
    super(message);
  }
}

/** uploadDocument PUTs file into the reserved shipment, reporting progress in bytes. */
export function uploadDocument(
  shipmentId: string,
  file: File,
  onProgress: (loaded: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/v1/shipments/${encodeURIComponent(shipmentId)}/documents/${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader(CSRF_HEADER, csrfToken());
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 201) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      reject(parseFailure(xhr));
    };
    xhr.onerror = () => reject(new UploadError("Nettverksfeil under opplasting.", 0));
    xhr.onabort = () => reject(new UploadError("Opplastingen ble avbrutt.", 0));
    xhr.send(file);
  });
}

/** parseFailure reads the JSON facade's error body (google.rpc.Status). */
function parseFailure(xhr: XMLHttpRequest): UploadError {
  type Status = {
    message?: string;
    details?: { "@type"?: string; fieldViolations?: Partial<Violation>[] }[];
  };
  let body: Status = {};
  try {
    body = JSON.parse(xhr.responseText) as Status;
  } catch {
    // not JSON: a proxy's error page, say
  }
  const vs = (body.details ?? [])
    .filter((d) => d["@type"]?.endsWith("google.rpc.BadRequest"))
    .flatMap((d) => d.fieldViolations ?? [])
    .map((v) => ({ field: v.field ?? "", reason: v.reason ?? "", description: v.description ?? "" }));
  return new UploadError(body.message || `HTTP ${xhr.status}`, xhr.status, vs);
}
