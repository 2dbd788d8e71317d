// Norwegian (bokmål) texts: status names and the server's validation
// messages, which are in English for integrators, said for case workers.

import { ShipmentStatus, SigningStatus } from "../../gen/ts/svarsign/v1/types_pb";

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

/** explain says a field violation in Norwegian, falling back to the server's words. */
export function explain(field: string, description: string): string {
  const d = description.toLowerCase();
  const leaf = field.replace(/^recipient\./, "").replace(/^documents\[\d+\]\./, "document.");
  switch (leaf) {
    case "title":
      return d.includes("required") ? "Skriv en tittel." : "Tittelen er for lang (høyst 1000 tegn).";
    case "national_identity_number":
      return "Fødselsnummeret er ikke gyldig. Det skal ha 11 siffer med riktige kontrollsiffer.";
    case "organization_number":
      if (d.includes("cannot sign") || d.includes("person")) {
        return "En virksomhet kan ikke signere. Signeringsoppdrag kan bare sendes til privatpersoner.";
      }
      return "Organisasjonsnummeret er ikke gyldig. Det skal ha 9 siffer med riktig kontrollsiffer.";
    case "identity":
    case "recipient":
      return "Skriv inn fødselsnummer eller organisasjonsnummer.";
    case "name":
      return "Navnet er for langt (høyst 200 tegn).";
    case "postal_address.postal_code":
      return "Postnummeret skal ha 4 siffer.";
    case "documents":
      if (d.includes("sign")) return "Velg hvilket dokument mottakeren skal signere.";
      return "Last opp minst ett dokument.";
    case "document.sign":
      return "Bare ett dokument kan signeres.";
    case "document.mime_type":
    case "document.content":
      return "Dokumentet som skal signeres må være en ekte, ukryptert PDF-fil.";
    case "document.file_name":
    case "header.file_name":
      if (d.includes("no document named")) return "Dokumentet ble ikke lastet opp. Send på nytt.";
      return "Filnavnet er ikke tillatt. Det kan ha høyst 226 tegn og ikke inneholde \" < > ? * | : \\ /, og hvert navn kan bare brukes én gang.";
    case "signing_order.signature_type":
      return "Velg signaturtype.";
    case "signing_order.deadline":
      if (d.includes("required")) return "Velg en frist for signering.";
      if (d.includes("90")) return "Fristen kan være høyst 90 dager fram i tid.";
      return "Fristen må være tidligst i morgen (minst 24 timer fram i tid).";
  }
  return `Ugyldig verdi (${field}): ${description}`;
}
