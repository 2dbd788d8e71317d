// The manual submission form (manuell innsending). On "Send", for each
// recipient in turn: reserve a shipment (StartShipment), upload every
// document into it with a PUT (with progress), then SendShipment with the
// shared batch id. One shipment per recipient is the contract's rule, and
// uploads belong to one shipment, so each recipient's shipment gets its own
// copy. The server validates; its field violations are shown next to the
// fields they name. A recipient whose send failed keeps its reservation
// and uploads, so sending again after a correction uploads nothing twice,
// and recipients already sent are not sent again.

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ConnectError, Code } from "@connectrpc/connect";
import {
  DocumentSpecSchema,
  RecipientSchema,
  SignatureType,
  SigningOrderSchema,
  type Recipient,
} from "../../gen/ts/svarsign/v1/types_pb";
import { describeError, loginIfExpired, shipments, violations, type Violation } from "./api";
import { bindDisclosure, byId, el, formatSize } from "./dom";
import { explain } from "./text";
import { UploadError, uploadDocument } from "./upload";

interface FileEntry {
  id: number;
  file: File;
  row: HTMLLIElement;
  progress: HTMLProgressElement;
  error: HTMLElement;
}

interface RecipientRow {
  key: number;
  box: HTMLElement;
  heading: HTMLElement;
  remove: HTMLButtonElement;
  id: HTMLInputElement;
  name: HTMLInputElement;
  address: HTMLInputElement;
  postalCode: HTMLInputElement;
  postalArea: HTMLInputElement;
  /** The shipment reserved for this recipient, once StartShipment answered. */
  shipmentId?: string;
  /** Files already uploaded into that shipment. */
  uploaded: Set<File>;
  /** Set once SendShipment succeeded. */
  sent: boolean;
}

/** leadOf reads a limit of the server's, in milliseconds, from the page. */
function leadOf(input: HTMLInputElement, name: "minLeadSeconds" | "maxLeadSeconds"): number {
  return Number(input.dataset[name]) * 1000;
}

/** isoDate is a local date as an <input type=date> value. */
function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * deadlineOf turns the chosen date into the deadline: the end of that day
 * in the browser's time zone. On the last day the server allows (maxLead
 * from now) the end of the day is a few hours past the limit, so the
 * deadline is then cut to just inside it.
 */
function deadlineOf(value: string, maxLead: number): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
  const latest = new Date(Date.now() + maxLead - 5 * 60 * 1000);
  if (value === isoDate(new Date(Date.now() + maxLead)) && end > latest) return latest;
  return end;
}

export function initSend(): void {
  const form = byId<HTMLFormElement>("send-form");
  const title = byId<HTMLInputElement>("title");
  const recipientList = byId("recipient-list");
  const fileInput = byId<HTMLInputElement>("files");
  const fileList = byId<HTMLUListElement>("file-list");
  const advanced = byId<HTMLInputElement>("advanced");
  const signingBox = byId<HTMLInputElement>("signing");
  const signFile = byId<HTMLSelectElement>("sign-file");
  const deadline = byId<HTMLInputElement>("deadline");
  const level4 = byId<HTMLInputElement>("level4");
  const sendButton = byId<HTMLButtonElement>("send");
  const status = byId("send-status");
  const summary = byId("error-summary");
  const result = byId("result");

  bindDisclosure(advanced, byId("advanced-panel"));
  bindDisclosure(signingBox, byId("signing-panel"));
  for (const help of document.querySelectorAll<HTMLButtonElement>("button.help")) {
    bindDisclosure(help, byId(help.getAttribute("aria-controls") ?? ""));
  }
  const now = new Date();
  const maxLead = leadOf(deadline, "maxLeadSeconds");
  deadline.min = isoDate(new Date(now.getTime() + leadOf(deadline, "minLeadSeconds")));
  deadline.max = isoDate(new Date(now.getTime() + maxLead));

  let files: FileEntry[] = [];
  let recipients: RecipientRow[] = [];
  let nextKey = 1;
  let batchId: string | undefined;
  let busy = false;

  // --- recipients ---------------------------------------------------------

  function field(id: string, label: string, attrs: Record<string, string> = {}): [HTMLElement, HTMLInputElement] {
    const input = el("input", { id, autocomplete: "off", "aria-describedby": `${id}-error`, ...attrs });
    const box = el("div", { class: "field" }, el("label", { for: id }, label), el("p", { class: "error", id: `${id}-error`, hidden: true }), input);
    return [box, input];
  }

  function addRecipient(): RecipientRow {
    const k = nextKey++;
    const [idBox, id] = field(`r${k}-id`, "Fødselsnummer eller organisasjonsnummer", { inputmode: "numeric" });
    const [nameBox, name] = field(`r${k}-name`, "Navn", { autocomplete: "off" });
    const [addrBox, address] = field(`r${k}-address`, "Adresse");
    const [codeBox, postalCode] = field(`r${k}-postcode`, "Postnummer", { inputmode: "numeric", maxlength: "4" });
    const [areaBox, postalArea] = field(`r${k}-postarea`, "Poststed");
    const remove = el("button", { type: "button", class: "link" }, "Fjern mottaker");
    const heading = el("h3", {}, "");
    const box = el("div", { class: "recipient", role: "group" }, heading, idBox, nameBox, addrBox, codeBox, areaBox);
    const r: RecipientRow = { key: k, box, heading, remove, id, name, address, postalCode, postalArea, uploaded: new Set(), sent: false };
    remove.addEventListener("click", () => {
      recipients = recipients.filter((x) => x !== r);
      box.remove();
      renumber();
      recipients[0]?.id.focus();
    });
    recipients.push(r);
    recipientList.append(box);
    renumber();
    return r;
  }

  function renumber(): void {
    recipients.forEach((r, i) => {
      const label = `Mottaker ${i + 1}`;
      r.heading.replaceChildren(label);
      r.box.setAttribute("aria-label", label);
      if (r.sent) r.heading.append(el("span", { class: "sent" }, "Sendt"));
      else if (recipients.length > 1) r.heading.append(r.remove);
      r.remove.setAttribute("aria-label", `Fjern mottaker ${i + 1}`);
    });
  }

  byId("add-recipient").addEventListener("click", () => addRecipient().id.focus());
  addRecipient();

  // --- documents -----------------------------------------------------------

  let nextFile = 1;
  fileInput.addEventListener("change", () => {
    for (const file of Array.from(fileInput.files ?? [])) {
      // A file with the name of one already chosen replaces it, as the
      // server would: names are unique per shipment.
      const same = files.find((f) => f.file.name.toLowerCase() === file.name.toLowerCase());
      if (same) removeFile(same);
      addFile(file);
    }
    fileInput.value = "";
    refreshSignChoices();
  });

  function addFile(file: File): void {
    const id = nextFile++;
    const progress = el("progress", { max: "1", value: "0", "aria-label": `Opplasting av ${file.name}` });
    const error = el("p", { class: "error", id: `file-${id}-error`, hidden: true });
    const remove = el("button", { type: "button", class: "link", "aria-label": `Fjern ${file.name}` }, "Fjern");
    const row = el(
      "li",
      { "data-file": file.name },
      el("span", { class: "name" }, file.name),
      remove,
      el("span", { class: "meta" }, `${formatSize(file.size)} · ${file.type || "ukjent type"}`),
      progress,
      error,
    );
    const entry: FileEntry = { id, file, row, progress, error };
    remove.addEventListener("click", () => {
      removeFile(entry);
      refreshSignChoices();
      fileInput.focus();
    });
    files.push(entry);
    fileList.append(row);
  }

  function removeFile(entry: FileEntry): void {
    files = files.filter((f) => f !== entry);
    entry.row.remove();
  }

  function isPDF(f: File): boolean {
    return f.type === "application/pdf" || f.name.toLowerCase().endsWith(".pdf");
  }

  function refreshSignChoices(): void {
    const chosen = signFile.value;
    signFile.replaceChildren(el("option", { value: "" }, "Velg dokument"));
    for (const f of files.filter((f) => isPDF(f.file))) {
      signFile.append(el("option", { value: String(f.id), selected: String(f.id) === chosen }, f.file.name));
    }
  }

  // --- errors ----------------------------------------------------------------

  function clearErrors(): void {
    summary.hidden = true;
    summary.querySelector("ul")?.replaceChildren();
    for (const e of form.querySelectorAll<HTMLElement>(".error")) {
      e.hidden = true;
      e.textContent = "";
    }
    for (const e of form.querySelectorAll(".invalid")) e.classList.remove("invalid");
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
  }

  /** showError puts message next to target (an input, or a file row) and in the summary. */
  function showError(target: HTMLElement | undefined, message: string, errorEl?: HTMLElement): void {
    const list = summary.querySelector("ul")!;
    summary.hidden = false;
    const item = el("li", {});
    if (target) {
      const box = target.closest<HTMLElement>(".field, li, .check") ?? target.parentElement!;
      const p = errorEl ?? box.querySelector<HTMLElement>(".error");
      if (p) {
        p.textContent = p.textContent ? `${p.textContent} ${message}` : message;
        p.hidden = false;
      }
      box.classList.add("invalid");
      if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) target.setAttribute("aria-invalid", "true");
      const focusable = target.id ? target : (target.querySelector<HTMLElement>("button, input") ?? undefined);
      if (focusable?.id) {
        const a = el("a", { href: `#${focusable.id}` }, message);
        a.addEventListener("click", (ev) => {
          ev.preventDefault();
          focusable.focus();
        });
        item.append(a);
      } else {
        item.append(message);
      }
    } else {
      item.append(message);
    }
    list.append(item);
  }

  /** targetOf finds the input a server field path names, for recipient r. */
  function targetOf(field: string, r: RecipientRow, sent: FileEntry[], signEntry?: FileEntry): { target?: HTMLElement; errorEl?: HTMLElement } {
    if (field === "title") return { target: title };
    if (field.startsWith("recipient.postal_address.postal_code")) return { target: r.postalCode };
    if (field.startsWith("recipient.postal_address.postal_area")) return { target: r.postalArea };
    if (field.startsWith("recipient.postal_address")) return { target: r.address };
    if (field === "recipient.name") return { target: r.name };
    if (field === "recipient" || field.startsWith("recipient.")) return { target: r.id };
    if (field === "documents") return { target: signingBox.checked && files.length > 0 ? signFile : fileInput };
    const doc = /^documents\[(\d+)\]\.(\w+)/.exec(field);
    if (doc) {
      const entry = sent[Number(doc[1])];
      if (signEntry && entry === signEntry && doc[2] !== "file_name") return { target: signFile };
      if (entry) return { target: entry.row, errorEl: entry.error };
      return { target: fileInput };
    }
    if (field === "signing_order.signature_type") return { target: byId("sigtype-authenticated"), errorEl: byId("signature-type-error") };
    if (field === "signing_order.deadline") return { target: deadline };
    if (field.startsWith("signing_order")) return { target: signingBox };
    if (field === "require_level4") return { target: level4 };
    return {};
  }

  function showViolations(vs: Violation[], r: RecipientRow, sent: FileEntry[], signEntry?: FileEntry): void {
    for (const v of vs) {
      const { target, errorEl } = targetOf(v.field, r, sent, signEntry);
      showError(target, explain(v.field, v.reason, v.description), errorEl);
    }
  }

  function focusSummary(): void {
    summary.hidden = false;
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }

  // --- sending -----------------------------------------------------------------

  function recipientOf(r: RecipientRow): Recipient {
    const id = r.id.value.replace(/\s/g, "");
    const lines = r.address.value.trim() ? [r.address.value.trim()] : [];
    const postal =
      lines.length || r.postalCode.value.trim() || r.postalArea.value.trim()
        ? { lines, postalCode: r.postalCode.value.trim(), postalArea: r.postalArea.value.trim(), country: "" }
        : undefined;
    return create(RecipientSchema, {
      identity: id.length === 9 ? { case: "organizationNumber", value: id } : id ? { case: "nationalIdentityNumber", value: id } : { case: undefined },
      name: r.name.value.trim(),
      postalAddress: postal,
    });
  }

  async function sendTo(r: RecipientRow, index: number, total: number, signEntry: FileEntry | undefined): Promise<boolean> {
    const label = total > 1 ? ` til mottaker ${index + 1} av ${total}` : "";
    if (!r.shipmentId) {
      status.textContent = `Reserverer forsendelse${label} …`;
      r.shipmentId = (await shipments.startShipment({})).shipmentId;
      r.uploaded.clear();
    }
    const sent = [...files];
    for (const f of sent) {
      if (r.uploaded.has(f.file)) continue;
      status.textContent = `Laster opp ${f.file.name}${label} …`;
      try {
        await uploadDocument(r.shipmentId, f.file, (loaded, size) => {
          f.progress.value = (index + loaded / Math.max(size, 1)) / total;
        });
      } catch (err) {
        if (!(err instanceof UploadError)) throw err;
        if (err.status === 401) location.assign("/manuell-innsending/login");
        if (err.violations.length) showViolations(err.violations.map((v) => ({ ...v, field: `documents[${sent.indexOf(f)}].file_name` })), r, sent);
        else showError(f.row, `${f.file.name} ble ikke lastet opp: ${err.message}`, f.error);
        return false;
      }
      r.uploaded.add(f.file);
    }
    status.textContent = `Sender${label} …`;
    try {
      await shipments.sendShipment({
        shipmentId: r.shipmentId,
        batchId,
        title: title.value,
        senderSystem: "svarsign manuell innsending",
        recipient: recipientOf(r),
        documents: sent.map((f) =>
          create(DocumentSpecSchema, { fileName: f.file.name, sign: signingBox.checked && f === signEntry }),
        ),
        requireLevel4: signingBox.checked && level4.checked,
        signingOrder: signingBox.checked
          ? create(SigningOrderSchema, {
              signatureType: byId<HTMLInputElement>("sigtype-advanced").checked ? SignatureType.ADVANCED : SignatureType.AUTHENTICATED,
              deadline: (() => {
                const d = deadlineOf(deadline.value, maxLead);
                return d ? timestampFromDate(d) : undefined;
              })(),
            })
          : undefined,
      });
    } catch (err) {
      const vs = violations(err);
      if (vs.length === 0) throw err;
      showViolations(vs, r, sent, signEntry);
      return false;
    }
    r.sent = true;
    for (const input of [r.id, r.name, r.address, r.postalCode, r.postalArea]) input.disabled = true;
    renumber();
    return true;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    sendButton.disabled = true;
    result.hidden = true;
    clearErrors();
    batchId ??= crypto.randomUUID();
    const signEntry = files.find((f) => String(f.id) === signFile.value);
    const todo = recipients.filter((r) => !r.sent);
    let ok = true;
    try {
      for (const [i, r] of todo.entries()) {
        if (!(await sendTo(r, i, todo.length, signEntry))) {
          ok = false;
          break;
        }
      }
    } catch (err) {
      ok = false;
      loginIfExpired(err);
      const ce = ConnectError.from(err);
      showError(undefined, ce.code === Code.AlreadyExists ? "Forsendelsen er allerede sendt med annet innhold. Last inn siden og prøv igjen." : describeError(err));
    } finally {
      busy = false;
      sendButton.disabled = false;
    }
    if (!ok) {
      const done = recipients.filter((r) => r.sent).length;
      status.textContent = done ? `Sendt til ${done} av ${recipients.length} mottakere. Rett feilene og send til resten.` : "";
      focusSummary();
      return;
    }
    const n = recipients.length;
    result.replaceChildren(
      el("h2", {}, n === 1 ? "Forsendelsen er sendt" : `Sendt til ${n} mottakere`),
      el("p", {}, "Du kan følge statusen under ", el("a", { href: "/manuell-innsending/status" }, "Sendte forsendelser"), "."),
    );
    result.hidden = false;
    status.textContent = "";
    reset();
    result.focus();
  });

  function reset(): void {
    form.reset();
    batchId = undefined;
    for (const f of [...files]) removeFile(f);
    for (const r of recipients) r.box.remove();
    recipients = [];
    addRecipient();
    refreshSignChoices();
    advanced.dispatchEvent(new Event("change"));
    signingBox.dispatchEvent(new Event("change"));
  }
}
