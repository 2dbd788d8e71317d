// Browser test of the manual submission pages, driven by
// server/portal/browser_test.go, which starts svarsign, creates the case
// worker and plays the citizen. Headless Debian Chromium via playwright-core.
//
//   node web/tests/portal.mjs send-and-sign | large-upload
//
// Environment: SVARSIGN_URL, ORG, EMAIL, PASSWORD, SHOTS (screenshot
// folder), DOWNLOADS, and for send-and-sign CONTRACT, ATTACHMENT (files to
// upload), ORG_RECIPIENT, PERSON1, PERSON2. Talks to the Go test on stdout:
//   SCREENSHOT <path>
//   SHIPMENTS <id> <id>     the sent shipments, newest first
//   DOWNLOADED <path>       the signed document, saved
// and waits for the signature on the page itself.

import { chromium } from "playwright-core";
import { join } from "node:path";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env("SVARSIGN_URL");
const shots = env("SHOTS");
const title = "Leiekontrakt Storgata 1";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
});
const context = await browser.newContext({ acceptDownloads: true, locale: "nb-NO", viewport: { width: 1200, height: 900 } });
context.setDefaultTimeout(30_000);
const page = await context.newPage();
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
// A refused send is a 400 that the browser logs; that one is expected.
page.on("console", (m) => {
  if (m.type() === "error" && !m.text().includes("status of 400")) problems.push(`console: ${m.text()} (${m.location().url})`);
});

async function shot(name) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`SCREENSHOT ${path}`);
}

function check(ok, what) {
  if (!ok) throw new Error(what);
}

async function login() {
  await page.goto(`${base}/manuell-innsending`);
  check(page.url().includes("/manuell-innsending/login"), `not sent to the login page: ${page.url()}`);
  await page.getByLabel("Organisasjonsnummer").fill(env("ORG"));
  await page.getByLabel("E-postadresse").fill(env("EMAIL"));
  await page.getByLabel("Passord").fill(env("PASSWORD"));
  await shot("01-login");
  await page.getByRole("button", { name: "Logg inn" }).click();
  await page.waitForURL(`${base}/manuell-innsending`);
  await page.getByRole("heading", { name: "Ny forsendelse" }).waitFor();
}

/** expectError waits for the error text next to the field with the given error element id. */
async function expectError(errorId, text) {
  const e = page.locator(`#${errorId}`);
  await e.waitFor({ state: "visible" });
  const got = await e.textContent();
  check(got.includes(text), `#${errorId} says ${JSON.stringify(got)}, want ${JSON.stringify(text)}`);
}

/** shipmentIds waits until the status page lists n rows titled t and returns their ids. */
async function shipmentIds(t, n) {
  const rows = page.locator("tr[data-shipment-id]", { hasText: t });
  await page.waitForFunction(([t, n]) =>
    [...document.querySelectorAll("tr[data-shipment-id]")].filter((r) => r.textContent.includes(t)).length === n, [t, n]);
  return rows.evaluateAll((rs) => rs.map((r) => r.dataset.shipmentId));
}

async function sendAndSign() {
  await login();
  const tomorrow = new Date(Date.now() + 86400e3);
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

  // Bad input first: an organisation as signer, no document marked for
  // signing, and a deadline today. The server's field violations must
  // appear next to the right fields.
  await page.getByLabel("Tittel").fill(title);
  await page.getByLabel("Fødselsnummer eller organisasjonsnummer").fill(env("ORG_RECIPIENT"));
  await page.getByLabel("Navn", { exact: true }).fill("Eiendom AS");
  await page.locator("#files").setInputFiles([env("CONTRACT"), env("ATTACHMENT")]);
  await page.locator("#file-list li").nth(1).waitFor();
  await page.getByLabel("Vis avanserte valg").check();
  await page.getByLabel("Signeringsoppdrag").check();
  // The picker's bounds come from the server's limits, rendered in the page.
  const bounds = await page.locator("#deadline").evaluate((e) => [e.min, e.max]);
  check(bounds.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)) && bounds[0] < bounds[1], `deadline picker bounds ${bounds}`);
  await page.getByLabel("Frist for signering").fill(iso(new Date()));
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.locator("#error-summary").waitFor({ state: "visible" });
  await expectError("r1-id-error", "En virksomhet kan ikke signere");
  await expectError("sign-file-error", "Velg hvilket dokument");
  await expectError("deadline-error", "Fristen er for tidlig");
  check(await page.locator("#r1-id").getAttribute("aria-invalid") === "true", "recipient field not marked invalid");
  check(await page.locator("#error-summary li").count() === 3, "the error summary should list exactly the three problems");
  await shot("02-field-errors");

  // Correct it: two people, the contract to sign, a deadline in two weeks,
  // advanced signature (after reading the help), level 4.
  await page.getByLabel("Fødselsnummer eller organisasjonsnummer").fill(env("PERSON1"));
  await page.getByLabel("Navn", { exact: true }).fill("Kari Nordmann");
  await page.getByRole("button", { name: "Legg til mottaker" }).click();
  await page.locator("#r2-id").fill(env("PERSON2"));
  await page.locator("#r2-name").fill("Ola Nordmann");
  await page.locator("#r2-address").fill("Storgata 1");
  await page.locator("#r2-postcode").fill("0155");
  await page.locator("#r2-postarea").fill("Oslo");
  await page.getByRole("button", { name: "Hjelp om signaturtype" }).click();
  await page.getByText("stiller større krav til mottakeren").waitFor();
  await page.getByRole("radio", { name: "Avansert" }).check();
  await page.getByLabel("Dokument som skal signeres").selectOption({ label: "kontrakt.pdf" });
  await page.getByLabel("Frist for signering").fill(iso(new Date(tomorrow.getTime() + 13 * 86400e3)));
  await page.getByLabel("Krev innlogging på nivå 4").check();
  await shot("03-filled");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.getByRole("heading", { name: "Sendt til 2 mottakere" }).waitFor();
  check(await page.locator("#error-summary").isHidden(), "errors still shown after a good send");
  await shot("04-sent");

  // The status page lists both, and follows them live.
  await page.getByRole("link", { name: "Sendte forsendelser" }).first().click();
  await page.locator("#live[data-state=on]").waitFor();
  const ids = await shipmentIds(title, 2);
  await page.evaluate(() => { window.__samePage = true; });
  await shot("05-status");
  console.log(`SHIPMENTS ${ids.join(" ")}`);

  // The Go test signs one of them as the citizen; the row must change
  // without the page being reloaded.
  const signedRow = page.locator("tr[data-shipment-id]", { has: page.locator("td[data-role=signing]", { hasText: "Signert" }) });
  await signedRow.waitFor({ timeout: 60_000 });
  check(await page.evaluate(() => window.__samePage === true), "the page was reloaded; the change must arrive live");
  check(await page.locator("td[data-role=signing]", { hasText: "Venter på signering" }).count() === 1, "the other shipment should still wait");
  await shot("06-signed-live");

  const download = page.waitForEvent("download");
  await signedRow.getByRole("button", { name: "Last ned signert dokument" }).click();
  const d = await download;
  const saved = join(env("DOWNLOADS"), d.suggestedFilename());
  await d.saveAs(saved);
  console.log(`DOWNLOADED ${saved}`);

  await signedRow.getByRole("button", { name: "Historikk" }).click();
  await page.locator("tr.history", { hasText: "Signeringsoppdrag" }).waitFor();
  await shot("07-history");
}

async function largeUpload() {
  await login();
  const size = Number(env("UPLOAD_BYTES"));
  await page.getByLabel("Tittel").fill("Stor fil");
  await page.getByLabel("Fødselsnummer eller organisasjonsnummer").fill(env("PERSON1"));
  // The file is made in the page, as JavaScript would make it; no disk.
  await page.evaluate((size) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = i & 0xff;
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "stor-fil.bin", { type: "application/octet-stream" }));
    const input = document.getElementById("files");
    input.files = dt.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }, size);
  await page.locator("#file-list li", { hasText: "stor-fil.bin" }).waitFor();
  await page.getByRole("button", { name: "Send", exact: true }).click();
  // Progress is reported while the bytes go up.
  await page.waitForFunction(() => {
    const p = document.querySelector("#file-list progress");
    return p && p.value > 0 && p.value < 1;
  }, null, { timeout: 60_000, polling: 20 });
  await page.getByRole("heading", { name: "Forsendelsen er sendt" }).waitFor({ timeout: 180_000 });
  await shot("10-large-sent");
  await page.goto(`${base}/manuell-innsending/status`);
  const ids = await shipmentIds("Stor fil", 1);
  console.log(`SHIPMENTS ${ids.join(" ")}`);
}

try {
  const scenario = process.argv[2];
  if (scenario === "send-and-sign") await sendAndSign();
  else if (scenario === "large-upload") await largeUpload();
  else throw new Error(`unknown scenario ${scenario}`);
  if (problems.length) throw new Error(problems.join("\n"));
} catch (err) {
  await shot("failure").catch(() => {});
  console.error(err);
  process.exitCode = 1;
} finally {
  await browser.close();
}
