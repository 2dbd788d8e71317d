// Small DOM helpers: the pages are plain DOM, no framework.

type Attrs = Record<string, string | boolean | undefined>;

/** el builds an element with attributes (false/undefined are left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children);
  return e;
}

/** byId returns the element with id, which the page template must have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page has no #${id}`);
  return e as T;
}

/** toggle shows or hides the panel a checkbox or button controls, keeping aria-expanded in step. */
export function bindDisclosure(control: HTMLInputElement | HTMLButtonElement, panel: HTMLElement): void {
  const sync = (open: boolean) => {
    panel.hidden = !open;
    control.setAttribute("aria-expanded", String(open));
  };
  if (control instanceof HTMLInputElement) {
    control.addEventListener("change", () => sync(control.checked));
    sync(control.checked);
  } else {
    control.addEventListener("click", () => sync(panel.hidden));
  }
}

const sizeFormat = new Intl.NumberFormat("nb-NO", { maximumFractionDigits: 1 });

/** formatSize writes a byte count as people read it, in Norwegian. */
export function formatSize(n: number | bigint): string {
  let v = Number(n);
  for (const unit of ["byte", "kB", "MB", "GB"]) {
    if (v < 1024 || unit === "GB") return `${sizeFormat.format(v)} ${unit}`;
    v /= 1024;
  }
  return `${v}`;
}

const timeFormat = new Intl.DateTimeFormat("nb-NO", { dateStyle: "short", timeStyle: "short" });

/** formatTime writes a time in Norwegian, in the browser's time zone. */
export function formatTime(d: Date | undefined): string {
  return d ? timeFormat.format(d) : "";
}
