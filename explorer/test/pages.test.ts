/**
 * The explorer's pages in Debian's Chromium over an indexer fed a scripted event stream (real BCS
 * of every event type: a cluster with a completed and an aborted key rotation, a disputed request
 * settled after escalation, a failed request). Needs no Move build, so it runs everywhere Chromium
 * does. Screenshots go to explorer/test-artifacts/ (not committed).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexId, rawEvent, scriptedEvents } from "../../indexer/src/fixtures.js";
import { type RunningIndexer, startIndexer } from "../../indexer/src/index.js";
import { ArrayEventSource } from "../../indexer/src/source.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "explorer/test-artifacts");
const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .filter((x): x is string => !!x)
  .find((p) => existsSync(p));
if (!executablePath) {
  const msg = "[explorer page tests] no Chromium: apt-get install -y chromium (.ci/run does)";
  if (process.env.CI) throw new Error(msg);
  console.warn(msg);
}

const [n1, n2, n3] = [hexId(1, 1), hexId(1, 2), hexId(1, 3)];
const [r1, r2] = [hexId(3, 1), hexId(3, 2)];
const cluster = hexId(4, 1);

describe.skipIf(!executablePath)("explorer pages over scripted events", () => {
  let ix: RunningIndexer;
  let browser: Browser;
  let page: Page;
  // A node whose capability is markup: chain data is shown as text, never parsed as HTML.
  const XSS = `<img src=x onerror="window.__pwned=1">`;
  const events = [
    ...scriptedEvents(),
    rawEvent(
      "NodeRegistered",
      {
        node_id: hexId(1, 9),
        operator: hexId(2, 9),
        stake: 5n,
        sig_pk: new Array(32).fill(4),
        enc_pk: new Array(32).fill(5),
        capabilities: [new TextEncoder().encode(XSS)],
        price: 1n,
      },
      { tx: 5_000, seq: 0 },
    ),
  ];
  const source = new ArrayEventSource(events);
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ix = await startIndexer({ source, explorer: true, rateLimit: false, pollMs: 100 });
    await ix.waitForCursor({ events: events.length });
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      // The failed /object fetch below is expected (no chain client); anything else is an error.
      if (m.type() === "error" && !m.text().includes("503")) errors.push(m.text());
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await ix?.stop();
  });

  it("shows hostile chain strings as text (no script runs)", async () => {
    await page.goto(`${ix.url}/#/node/${hexId(1, 9)}`);
    await page.waitForSelector("main h1");
    expect(await page.locator("main code.cap").first().textContent()).toBe(XSS);
    await page.goto(`${ix.url}/`);
    await page.fill("#node-filter", "onerror");
    expect(await page.locator("#nodes tbody tr").count()).toBe(1);
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it("key rotations: the audit trail of the cluster, epoch by epoch", async () => {
    await page.goto(`${ix.url}/#/rotations`);
    await page.waitForSelector(`section[data-cluster="${cluster}"]`);
    const rows = page.locator(`section[data-cluster="${cluster}"] tbody tr`);
    expect(await rows.count()).toBe(2);
    const e1 = page.locator(`section[data-cluster="${cluster}"] tr[data-epoch="1"]`);
    expect(await e1.locator(".badge").textContent()).toBe("completed");
    expect(await e1.locator("td").nth(4).textContent()).toBe("2 / 2");
    expect(await e1.locator(`a[href="#/node/${n1}"]`).count()).toBe(1);
    expect(await e1.locator(`a[href="#/node/${n2}"]`).count()).toBe(1);
    const e2 = page.locator(`section[data-cluster="${cluster}"] tr[data-epoch="2"]`);
    expect(await e2.locator(".badge").textContent()).toBe("aborted");
    await page.screenshot({ path: path.join(ARTIFACTS, "rotations.png"), fullPage: true });
  });

  it("a disputed request's timeline, in chain order, with the dissenting reveal marked", async () => {
    await page.goto(`${ix.url}/#/request/${r1}`);
    await page.waitForSelector("#timeline");
    const steps = await page.locator("#timeline li").evaluateAll((l) => l.map((x) => x.getAttribute("data-step")));
    expect(steps).toEqual([
      "created",
      "sampled",
      "commit",
      "commit",
      "reveal",
      "reveal",
      "dispute",
      "escalated: sampled again",
      "commit",
      "reveal",
      "settled",
      "output posted",
    ]);
    expect(await page.locator("#timeline code.bad").count()).toBe(1); // n2 revealed a different hash
    expect(await page.locator(`#request-slashes tr[data-node="${n2}"]`).count()).toBe(1);
    expect(await page.textContent("#refund")).toBe("0.0000 SUI"); // 390 MIST
    // Without a chain client the indexer cannot relay the object: the page shows a failed check.
    await page.click("#verify-output-button");
    await page.waitForSelector("#output-checks .checks");
    expect(await page.getAttribute("#output-checks .check.bad", "data-check")).toBe("read the Request object");
    await page.screenshot({ path: path.join(ARTIFACTS, "request-disputed.png"), fullPage: true });
  });

  it("a failed request, an unattested node, and a request that appears without a reload", async () => {
    await page.goto(`${ix.url}/#/request/${r2}`);
    await page.waitForSelector("#timeline");
    expect(await page.textContent('#timeline li[data-step="failed"]')).toContain("NoEligibleNodes");
    await page.goto(`${ix.url}/#/node/${n3}`);
    await page.waitForSelector("main h1");
    expect(await page.textContent("main")).toContain("No attestation recorded.");
    await page.goto(`${ix.url}/#/requests`);
    await page.waitForSelector(`#requests tr[data-request="${r1}"]`);
    await page.waitForSelector('#live[data-via="stream"]');
    const fresh = hexId(3, 99);
    events.push(
      rawEvent(
        "RequestCreated",
        {
          request_id: fresh,
          requester: hexId(2, 1),
          kind: 1,
          capability: new TextEncoder().encode("wasm"),
          input_hash: new Array(32).fill(3),
          sample_size: 3n,
          quorum_bps: 6667n,
          confidential: false,
          max_price: 10n,
          escrow: 30n,
          created_ms: 30_000n,
        },
        { tx: 9_999, seq: 0 },
      ),
    );
    await page.waitForSelector(`#requests tr[data-request="${fresh}"]`, { timeout: 15_000 });
    expect(await page.getAttribute("#requests tbody tr:first-child", "data-request")).toBe(fresh);
    // Without the event stream (a proxy that drops it), the list falls back to polling.
    const ctx = await browser.newContext();
    const other = await ctx.newPage();
    await other.route("**/v1/stream", (r) => r.abort());
    await other.goto(`${ix.url}/#/requests`);
    await other.waitForSelector('#live[data-via="polling"]');
    const later = hexId(3, 100);
    events.push(
      rawEvent(
        "RequestCreated",
        {
          request_id: later,
          requester: hexId(2, 1),
          kind: 1,
          capability: new TextEncoder().encode("wasm"),
          input_hash: new Array(32).fill(4),
          sample_size: 3n,
          quorum_bps: 6667n,
          confidential: false,
          max_price: 10n,
          escrow: 30n,
          created_ms: 31_000n,
        },
        { tx: 10_000, seq: 0 },
      ),
    );
    await other.waitForSelector(`#requests tr[data-request="${later}"]`, { timeout: 15_000 });
    await ctx.close();
    expect(errors).toEqual([]);
  });

  it("the theme button switches dark and light, and the choice survives a reload", async () => {
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${ix.url}/#/rotations`);
    await page.waitForSelector("main h1");
    const light = await bg();
    await page.click("#theme");
    expect(await page.getAttribute("html", "data-theme")).toBe("dark");
    const dark = await bg();
    expect(dark).not.toBe(light);
    await page.reload();
    await page.waitForSelector("main h1");
    expect(await bg()).toBe(dark);
    await page.click("#theme");
    expect(await bg()).toBe(light);
  });
});
