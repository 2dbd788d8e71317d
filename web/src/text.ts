// Norwegian (bokmål) texts: status names and the server's validation
// messages, which are in English for integrators, said for case workers.
// A field violation is told by its field and its reason, names from the
// contract (FieldViolationReason), never by the server's English words, and
// the texts state no limit of the server's: the page's hints, rendered by
// the server, do.

import { ShipmentStatus, SigningStatus, type FieldViolationReason } from "../../gen/ts/svarsign/v1/types_pb";

export const shipmentStatusText: Record<ShipmentStatus, string> = {
  [ShipmentStatus.UNSPECIFIED]: "Ukjent",
  [ShipmentStatus.RECEIVED]: "Mottatt",
  [ShipmentStatus.ACCEPTED]: "Akseptert",
  [ShipmentStatus.NOTIFIED]: "Varslet",
  [ShipmentStatus.READ]: "Lest",
  [ShipmentStatus.REJECTED]: "Avvist",
  [ShipmentStatus.SENT_TO_PRINT]: "Sendt til print",
  [ShipmentStatus.NOT_DELIVERED]: "Ikke levert",
  [ShipmentStatus.READY_FOR_PICKUP]: "Klar for mottak",
};

export const signingStatusText: Record<SigningStatus, string> = {
  [SigningStatus.UNSPECIFIED]: "",
  [SigningStatus.WAITING]: "Venter på signering",
  [SigningStatus.SIGNED]: "Signert",
  [SigningStatus.REJECTED_BY_RECIPIENT]: "Avvist av mottaker",
  [SigningStatus.EXPIRED]: "Utløpt",
  [SigningStatus.REJECTED_BY_SERVICE]: "Avvist av tjenesten",
  [SigningStatus.CANCELLED]: "Trukket tilbake",
};

/** tone colours a status badge. */
export function signingTone(s: SigningStatus): "ok" | "bad" | "wait" | "" {
  switch (s) {
    case SigningStatus.SIGNED:
      return "ok";
    case SigningStatus.WAITING:
      return "wait";
    case SigningStatus.UNSPECIFIED:
      return "";
    default:
      return "bad";
  }
}

export function shipmentTone(s: ShipmentStatus): "ok" | "bad" | "" {
  switch (s) {
    case ShipmentStatus.READ:
    case ShipmentStatus.NOTIFIED:
      return "ok";
    case ShipmentStatus.REJECTED:
    case ShipmentStatus.NOT_DELIVERED:
      return "bad";
    default:
      return "";
  }
}

/** Reason is a field violation's reason: a FieldViolationReason name without its prefix. */
export type Reason = Exclude<keyof typeof FieldViolationReason, "UNSPECIFIED">;

type Messages = Partial<Record<Reason, string>>;

const fileName: Messages = {
  REQUIRED: "Filen mangler navn.",
  TOO_LONG: "Filnavnet er for langt.",
  INVALID_FILE_NAME: "Filnavnet har tegn som ikke er tillatt. Gi filen et enklere navn.",
  CONTROL_CHARACTER: "Filnavnet har tegn som ikke er tillatt. Gi filen et enklere navn.",
  DUPLICATE: "To dokumenter har samme navn. Hvert filnavn kan bare brukes én gang.",
  NOT_UPLOADED: "Dokumentet ble ikke lastet opp. Send på nytt.",
  // An upload's refusals are shown on its file.
  EMPTY: "Filen er tom.",
  TOO_LARGE: "Filen er for stor.",
  TOO_MANY: "Forsendelsen har for mange dokumenter.",
};

const identity: Messages = { REQUIRED: "Skriv inn fødselsnummer eller organisasjonsnummer." };

/**
 * byField says each violation the form can cause, by the field's path with
 * "recipient." and "documents[i]" (as "document.") taken off.
 */
const byField: Record<string, Messages> = {
  title: { REQUIRED: "Skriv en tittel.", TOO_LONG: "Tittelen er for lang." },
  national_identity_number: {
    INVALID_IDENTITY_NUMBER: "Fødselsnummeret er ikke gyldig. Det skal ha 11 siffer med riktige kontrollsiffer.",
  },
  organization_number: {
    INVALID_ORGANIZATION_NUMBER: "Organisasjonsnummeret er ikke gyldig. Det skal ha 9 siffer med riktig kontrollsiffer.",
    NOT_A_PERSON: "En virksomhet kan ikke signere. Signeringsoppdrag kan bare sendes til privatpersoner.",
  },
  identity,
  recipient: identity,
  name: { TOO_LONG: "Navnet er for langt." },
  "postal_address.postal_code": { INVALID_FORMAT: "Postnummeret skal ha 4 siffer.", TOO_LONG: "Postnummeret er for langt." },
  documents: {
    REQUIRED: "Last opp minst ett dokument.",
    NO_DOCUMENT_TO_SIGN: "Velg hvilket dokument mottakeren skal signere.",
    TOO_MANY: "Forsendelsen har for mange dokumenter.",
    TOO_LARGE: "Dokumentene er for store til å sendes i én forsendelse.",
  },
  "document.sign": {
    CONFLICT: "Bare ett dokument kan signeres.",
    NOT_SUPPORTED: "Denne tjenesten kan ikke ta imot signeringsoppdrag nå.",
  },
  "document.mime_type": { NOT_PDF: "Dokumentet som skal signeres må være en PDF-fil." },
  "document.content": {
    NOT_PDF: "Dokumentet som skal signeres må være en ekte, ukryptert PDF-fil.",
    EMPTY: "Filen er tom.",
  },
  "document.file_name": fileName,
  "header.file_name": fileName,
  "signing_order.signature_type": { REQUIRED: "Velg signaturtype." },
  "signing_order.deadline": {
    REQUIRED: "Velg en frist for signering.",
    TOO_EARLY: "Fristen er for tidlig.",
    TOO_LATE: "Fristen er for langt fram i tid.",
  },
};

/** byReason says a violation of a field the form has no words for. */
const byReason: Messages = {
  REQUIRED: "Feltet må fylles ut.",
  TOO_LONG: "Teksten er for lang.",
  CONTROL_CHARACTER: "Teksten har tegn som ikke er tillatt, som linjeskift.",
  INVALID_UTF8: "Teksten har tegn som ikke er tillatt.",
};

/**
 * explain says a field violation in Norwegian by its field and reason,
 * falling back to the server's words for one the page does not know.
 */
export function explain(field: string, reason: string, description: string): string {
  const leaf = field.replace(/^recipient\./, "").replace(/^documents\[\d+\]\./, "document.");
  const messages = Object.hasOwn(byField, leaf) ? byField[leaf] : undefined;
  return said(messages, reason) ?? said(byReason, reason) ?? `Ugyldig verdi (${field}): ${description}`;
}

function said(m: Messages | undefined, reason: string): string | undefined {
  return m && Object.hasOwn(m, reason) ? m[reason as Reason] : undefined;
}
