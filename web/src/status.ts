// The status page: the organisation's sent shipments with their signing
// orders, kept current by a WatchEvents stream. Each event names a
// shipment; the page fetches that shipment again rather than patching the
// row from the event, so a missed or reordered event cannot leave a row
// wrong. The stream is resumed from the last cursor after a break.

import { ConnectError, Code } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Direction, SigningStatus, type Shipment } from "../../gen/ts/svarsign/v1/types_pb";
import { CSRF_HEADER, csrfToken, describeError, loginIfExpired, shipments, signing } from "./api";
import { byId, el, formatTime } from "./dom";
import { shipmentStatusText, shipmentTone, signingStatusText, signingTone } from "./text";

interface Row {
  shipment: Shipment;
  tr: HTMLTableRowElement;
  history?: HTMLTableRowElement;
}

export function initStatus(): void {
  const body = byId<HTMLTableElement>("shipments").tBodies[0];
  const live = byId("live");
  const announce = byId("announce");
  const loadError = byId("load-error");
  const empty = byId("empty");
  const more = byId<HTMLButtonElement>("more");
  const rows = new Map<string, Row>();
  let nextPage = "";

  function badge(text: string, tone: string): HTMLElement {
    return el("span", { class: "badge", "data-tone": tone || undefined }, text);
  }

  /** maskedId hides the birth-number part that is personal: the last five digits. */
  function recipientText(s: Shipment): string {
    const r = s.recipient;
    const id = r?.identity;
    let who = "";
    if (id?.case === "nationalIdentityNumber") who = `${id.value.slice(0, 6)} *****`;
    else if (id?.case === "organizationNumber") who = `org.nr. ${id.value}`;
    return r?.name ? `${r.name} (${who})` : who;
  }

  function render(s: Shipment): HTMLTableRowElement {
    const so = s.signingOrder;
    const signingCell = el("td", { "data-role": "signing" });
    if (so) {
      signingCell.append(badge(signingStatusText[so.status], signingTone(so.status)));
      if (so.status === SigningStatus.WAITING && so.deadline) {
        signingCell.append(el("div", { class: "hint" }, `Frist ${formatTime(timestampDate(so.deadline))}`));
      }
    } else {
      signingCell.append(el("span", { class: "hint" }, "Ingen"));
    }
    const actions = el("td", { class: "actions-cell" });
    const historyButton = el("button", { type: "button", class: "link", "aria-expanded": "false" }, "Historikk");
    historyButton.addEventListener("click", () => toggleHistory(s.id, historyButton));
    actions.append(historyButton);
    if (so?.status === SigningStatus.SIGNED) {
      const dl = el("button", { type: "button", class: "secondary", "data-role": "download" }, "Last ned signert dokument");
      dl.addEventListener("click", () => download(s.id, dl));
      actions.append(dl);
    }
    return el(
      "tr",
      { "data-shipment-id": s.id },
      el("td", {}, s.title),
      el("td", {}, recipientText(s)),
      el("td", {}, formatTime(s.createTime && timestampDate(s.createTime))),
      el("td", { "data-role": "status" }, badge(shipmentStatusText[s.status], shipmentTone(s.status))),
      signingCell,
      actions,
    );
  }

  /** upsert shows s, replacing its row or adding it at the top. */
  function upsert(s: Shipment, atEnd = false): void {
    const old = rows.get(s.id);
    const tr = render(s);
    if (old) {
      const changed = old.shipment.status !== s.status || old.shipment.signingOrder?.status !== s.signingOrder?.status;
      old.tr.replaceWith(tr);
      old.history?.remove();
      rows.set(s.id, { shipment: s, tr });
      if (changed) {
        tr.classList.add("changed");
        const so = s.signingOrder ? `, signering: ${signingStatusText[s.signingOrder.status]}` : "";
        announce.textContent = `«${s.title}» til ${s.recipient?.name || "mottaker"}: ${shipmentStatusText[s.status]}${so}.`;
      }
    } else {
      if (atEnd) body.append(tr);
      else body.prepend(tr);
      rows.set(s.id, { shipment: s, tr });
    }
    empty.hidden = rows.size > 0;
  }

  async function loadPage(): Promise<void> {
    try {
      const res = await shipments.listShipments({ pageSize: 50, pageToken: nextPage, direction: Direction.OUTGOING });
      for (const s of res.shipments) upsert(s, true);
      nextPage = res.nextPageToken;
      more.hidden = !nextPage;
      loadError.hidden = true;
    } catch (err) {
      loginIfExpired(err);
      loadError.textContent = `Kunne ikke hente forsendelsene: ${describeError(err)}`;
      loadError.hidden = false;
    }
    empty.hidden = rows.size > 0;
  }
  more.addEventListener("click", () => void loadPage());

  async function refresh(id: string): Promise<void> {
    try {
      const { shipment } = await shipments.getShipment({ id });
      if (shipment && shipment.direction !== Direction.INCOMING) upsert(shipment);
    } catch (err) {
      loginIfExpired(err);
    }
  }

  async function toggleHistory(id: string, button: HTMLButtonElement): Promise<void> {
    const row = rows.get(id);
    if (!row) return;
    if (row.history) {
      row.history.remove();
      row.history = undefined;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    const cell = el("td", { colspan: "6" }, "Henter historikk …");
    const tr = el("tr", { class: "history" }, cell);
    row.tr.after(tr);
    row.history = tr;
    button.setAttribute("aria-expanded", "true");
    try {
      const h = await shipments.getHistory({ id });
      const list = el("ol", {});
      for (const e of h.events) {
        list.append(el("li", {}, `${formatTime(e.time && timestampDate(e.time))}: ${shipmentStatusText[e.status]} – ${e.text}`));
      }
      cell.replaceChildren(el("h3", {}, "Forsendelse"), list);
      if (row.shipment.signingOrder) {
        const sh = await signing.getSigningHistory({ shipmentId: id });
        const slist = el("ol", {});
        for (const e of sh.events) {
          slist.append(el("li", {}, `${formatTime(e.time && timestampDate(e.time))}: ${signingStatusText[e.status]} – ${e.text}`));
        }
        cell.append(el("h3", {}, "Signeringsoppdrag"), slist);
      }
    } catch (err) {
      loginIfExpired(err);
      cell.textContent = `Kunne ikke hente historikken: ${describeError(err)}`;
    }
  }

  /**
   * download fetches the signed PDF from the JSON facade's raw route. A
   * plain link cannot carry the CSRF header the cookie needs, so the bytes
   * come through fetch and are handed to the browser as a file.
   */
  async function download(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const res = await fetch(`/v1/signing-orders/${encodeURIComponent(id)}/signed-document`, {
        headers: { [CSRF_HEADER]: csrfToken() },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "signert.pdf";
      const url = URL.createObjectURL(await res.blob());
      const a = el("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      loadError.textContent = `Kunne ikke laste ned det signerte dokumentet: ${err instanceof Error ? err.message : String(err)}`;
      loadError.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  function setLive(state: "on" | "off" | "", text: string): void {
    live.dataset.state = state;
    live.textContent = text;
  }

  /**
   * watch keeps a WatchEvents stream open. The list is (re)loaded when the
   * stream's headers arrive: the server fixes the stream's start before
   * sending them, so nothing that happens after the list was read is lost.
   */
  async function watch(): Promise<void> {
    let cursor = "";
    let delay = 1000;
    for (;;) {
      try {
        const stream = shipments.watchEvents(
          { cursor },
          {
            onHeader: () => {
              setLive("on", "Oppdateres direkte");
              delay = 1000;
              if (!cursor) {
                nextPage = "";
                void loadPage();
              }
            },
          },
        );
        for await (const ev of stream) {
          cursor = ev.cursor;
          void refresh(ev.shipmentId);
        }
      } catch (err) {
        loginIfExpired(err);
        if (ConnectError.from(err).code === Code.InvalidArgument) cursor = "";
      }
      setLive("off", "Frakoblet – prøver igjen …");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }

  void watch();
}
