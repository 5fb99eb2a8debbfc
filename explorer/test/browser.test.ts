/**
 * The explorer in a real browser (Debian's Chromium through playwright-core, no browser download),
 * against the real demo network: `pnpm start --json --keep-running` as a child process (devnet,
 * published package, indexer on PGlite, 5 nodes with one faulty; see demo/src/network.ts
 * startChain / startDemoIndexer). Screenshots go to explorer/test-artifacts/ (not committed).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Proc, ROOT, spawnProc, stopProc, waitForLine } from "../../test/test/e2e/harness.js";

const ARTIFACTS = path.join(ROOT, "explorer/test-artifacts");
const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (x): x is string => !!x,
);
const executablePath = CANDIDATES.find((p) => existsSync(p));
// Genuine evidence (never copied into the repository): shared/ beside the clone, or ATOMA_VECTORS_DIR.
const VECTORS = path.join(process.env.ATOMA_VECTORS_DIR ?? path.resolve(ROOT, "../shared/vectors/attestation"), "tdx");
const haveVectors = existsSync(path.join(VECTORS, "tdx_prod_quote_SPR_E4.dat"));

if (!executablePath) {
  const msg = `[explorer browser tests] no Chromium at ${CANDIDATES.join(", ")}: apt-get install -y chromium (.ci/run does)`;
  // In CI the browser is installed by .ci/run, so its absence is a failure, not a skip.
  if (process.env.CI) throw new Error(msg);
  console.warn(msg);
}

interface Summary {
  settled: number;
  requests: { id: string; status: string; confidential: boolean; rounds: number }[];
  failed: number;
  slashed: string[];
  payouts: Record<string, string>;
  explorer: string;
}

describe.skipIf(!executablePath)("explorer in Chromium over the demo network", () => {
  let demo: Proc;
  let summary: Summary;
  let browser: Browser;
  const errors: string[] = [];

  const open = async (o: { width: number; height: number; dark: boolean }): Promise<Page> => {
    const ctx = await browser.newContext({
      viewport: { width: o.width, height: o.height },
      colorScheme: o.dark ? "dark" : "light",
    });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = spawnProc([path.join(ROOT, "demo/src/main.ts"), "--json", "--keep-running"]);
    summary = JSON.parse(await waitForLine(demo, (l) => l.startsWith("{"), 280_000)) as Summary;
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (demo) await stopProc(demo);
  });

  it("prints the explorer URL and serves the page at /", async () => {
    expect(summary.explorer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(demo.err.join("")).toContain(`• explorer     ${summary.explorer}`);
    const res = await fetch(summary.explorer);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>Atoma explorer</title>");
  });

  it("network: nodes, totals that link to what they count, the slashed node, charts", async () => {
    const page = await open({ width: 1400, height: 1000, dark: false });
    await page.goto(summary.explorer);
    await page.waitForSelector("#nodes tbody tr");
    expect(await page.locator("#nodes tbody tr").count()).toBe(5);
    expect(await page.textContent("#total-nodes")).toBe("5");
    expect(await page.textContent("#total-settled")).toBe(String(summary.settled));
    expect(await page.getAttribute("#total-slashes", "href")).toBe("#/slashes");
    expect(Number(await page.textContent("#total-slashes"))).toBeGreaterThanOrEqual(1);
    // Every total is a link.
    const cards = await page.locator(".card .value").evaluateAll((els) => els.map((e) => e.tagName));
    expect(cards.length).toBeGreaterThan(5);
    expect(new Set(cards)).toEqual(new Set(["A"]));
    const slashedId = summary.slashed[0] as string;
    const row = page.locator(`#nodes tr[data-node="${slashedId}"]`);
    expect(await row.getAttribute("class")).toContain("slashed");
    expect(await row.locator(`a[href="#/slashes?node=${slashedId}"]`).count()).toBe(1);
    for (const id of Object.keys(summary.payouts))
      expect(await page.locator(`#nodes tr[data-node="${id}"] a[href="#/requests?node=${id}"]`).count()).toBe(1);
    // The charts are drawn with bars for the requests that ran.
    expect(await page.locator("#chart-requests rect.bar").count()).toBeGreaterThan(0);
    expect(await page.locator("#chart-slashes rect.bar").count()).toBeGreaterThan(0);
    // Sorting by reputation (ascending) puts the slashed node first; filtering by status finds it jailed or active.
    await page.click('button[data-sort="reputation"]');
    await page.click('button[data-sort="reputation"]');
    expect(await page.getAttribute("#nodes tbody tr:first-child", "data-node")).toBe(slashedId);
    await page.fill("#node-filter", slashedId.slice(2, 12));
    expect(await page.locator("#nodes tbody tr").count()).toBe(1);
    await page.fill("#node-filter", "");
    await shot(page, "network-wide-light");
  });

  it("requests: a live list of the settled requests, fed by the server-sent event stream", async () => {
    const page = await open({ width: 1400, height: 1000, dark: false });
    await page.goto(`${summary.explorer}#/requests`);
    await page.waitForSelector("#requests tbody tr");
    expect(await page.locator('#requests tr[data-status="settled"]').count()).toBe(summary.settled);
    await page.waitForSelector('#live[data-via="stream"]');
    await shot(page, "requests-wide-light");
  });

  it("request detail: timeline to settlement, in-browser verification passes, a tampered output fails", async () => {
    const page = await open({ width: 1400, height: 1000, dark: false });
    await page.goto(`${summary.explorer}#/requests?status=settled`);
    await page.waitForSelector("#requests tbody tr");
    const ids = await page
      .locator("#requests tbody tr")
      .evaluateAll((rs) => rs.map((r) => r.getAttribute("data-request")));
    // A disputed one (escalated: a second sample) shows the dispute and the faulty node's slash.
    let disputed: string | null = null;
    for (const id of ids) {
      await page.goto(`${summary.explorer}#/request/${id}`);
      await page.waitForSelector("#timeline");
      const steps = await page.locator("#timeline li").evaluateAll((ls) => ls.map((l) => l.getAttribute("data-step")));
      expect(steps[0]).toBe("created");
      expect(steps).toContain("sampled");
      expect(steps).toContain("commit");
      expect(steps).toContain("reveal");
      expect(steps).toContain("settled");
      if (steps.includes("dispute")) {
        expect(steps).toContain("escalated: sampled again");
        disputed = id;
        break;
      }
    }
    expect(disputed, "the demo's faulty node forces at least one dispute").not.toBeNull();
    expect(await page.locator(`#request-slashes tr[data-node="${summary.slashed[0]}"]`).count()).toBe(1);
    // The output is checked on a public request (a disputed one when the dispute hit one): a
    // confidential request's posted output is sealed, see the next test.
    const publicOnes = summary.requests.filter((r) => r.status === "Settled" && !r.confidential);
    const target = publicOnes.find((r) => r.id === disputed) ?? publicOnes.find((r) => r.rounds === 2) ?? publicOnes[0];
    expect(target, "the demo settles public requests").toBeDefined();
    await page.goto(`${summary.explorer}#/request/${target?.id}`);
    await page.waitForSelector("#timeline");
    await page.click("#verify-output-button");
    await page.waitForSelector("#output-checks .checks");
    const bad = await page
      .locator("#output-checks .check.bad")
      .evaluateAll((l) => l.map((x) => `${x.getAttribute("data-check")}: ${x.textContent}`));
    expect(bad, "every output check passes").toEqual([]);
    expect(await page.getAttribute("#output-checks .checks", "data-failed")).toBe("0");
    const names = await page
      .locator("#output-checks .check.ok")
      .evaluateAll((l) => l.map((x) => x.getAttribute("data-check")));
    expect(names).toContain("blake2b-256(output) blinds to the agreed t");
    expect(names).toContain("agreed t on chain equals the indexed settlement");
    const posted = await page.inputValue("#output-text");
    expect(posted.length).toBeGreaterThan(0);
    await shot(page, "request-verified");
    // Tamper with one character: the recomputed hash no longer matches.
    await page.fill("#output-text", `${posted} `);
    await page.click("#recheck-output-button");
    await page.waitForSelector('#output-checks .checks[data-failed="1"]');
    expect(await page.getAttribute("#output-checks .check.bad", "data-check")).toBe(
      "blake2b-256(output) blinds to the agreed t",
    );
    await shot(page, "request-tampered");
  });

  it("request detail, confidential: the sealed output is not hashed as if it were the plaintext", async () => {
    const sealed = summary.requests.find((r) => r.status === "Settled" && r.confidential);
    expect(sealed, "the demo settles a confidential request").toBeDefined();
    const page = await open({ width: 1400, height: 1000, dark: false });
    await page.goto(`${summary.explorer}#/request/${sealed?.id}`);
    await page.waitForSelector("#timeline");
    await page.click("#verify-output-button");
    await page.waitForSelector("#output-checks .checks");
    expect(await page.getAttribute("#output-checks .checks", "data-failed")).toBe("0");
    const names = await page
      .locator("#output-checks .check.ok")
      .evaluateAll((l) => l.map((x) => x.getAttribute("data-check")));
    expect(names).toContain("the posted output is sealed to the requester");
    expect(names).not.toContain("blake2b-256(output) blinds to the agreed t");
    // The editor is left for the opened plaintext; the sealed bytes pasted back do not match.
    expect(await page.inputValue("#output-text")).toBe("");
    await page.fill("#output-text", "not the opened output");
    await page.click("#recheck-output-button");
    await page.waitForSelector('#output-checks .checks[data-failed="1"]');
  });

  it("node: the slashed node's page and its attestation re-checked in the browser", async () => {
    const page = await open({ width: 1400, height: 1000, dark: false });
    const id = summary.slashed[0] as string;
    await page.goto(`${summary.explorer}#/node/${id}`);
    await page.waitForSelector("#attestation");
    expect(Number(await page.textContent("#node-reputation"))).toBeLessThan(1000);
    await page.click("#verify-attestation-button");
    await page.waitForSelector("#attestation-checks .checks");
    const result = await page
      .locator("#attestation-checks .check")
      .evaluateAll((l) => l.map((x) => [x.getAttribute("data-check"), x.classList.contains("ok")]));
    const byName = Object.fromEntries(result);
    expect(byName["evidence fetched from the store"]).toBe(true);
    expect(byName["blake2b-256(evidence) equals the on-chain evidence_hash"]).toBe(true);
    expect(byName["report_data_hash = blake2b256(sig_pk ‖ enc_pk) of the node's keys"]).toBe(true);
    // The demo's TEE is simulated: its evidence is not a TDX quote, and the page says so.
    expect(byName["Tdx evidence verifies (@atoma/sdk)"]).toBe(false);
    await shot(page, "node-slashed");
  });

  it.skipIf(!haveVectors)(
    "verify: genuine TDX and SEV-SNP evidence through @atoma/sdk's verifiers in the page",
    async () => {
      const page = await open({ width: 1400, height: 1000, dark: false });
      await page.goto(`${summary.explorer}#/verify`);
      await page.selectOption("#evidence-kind", "1");
      await page.setInputFiles("#evidence-file", path.join(VECTORS, "tdx_prod_quote_SPR_E4.dat"));
      await page.setInputFiles("#file-root", path.join(VECTORS, "intel_sgx_root_ca.pem"));
      await page.fill("#file-now", "2023-06-20T00:00:00");
      await page.click("#verify-evidence-button");
      await page.waitForSelector("#evidence-checks .checks");
      expect(await page.getAttribute("#evidence-checks .checks", "data-failed")).toBe("0");
      await shot(page, "verify-tdx-genuine");
      // One flipped byte of the quote body: the quote signature check fails.
      await page.setInputFiles("#evidence-file", {
        name: "tampered.dat",
        mimeType: "application/octet-stream",
        buffer: await (async () => {
          const { readFileSync } = await import("node:fs");
          const b = readFileSync(path.join(VECTORS, "tdx_prod_quote_SPR_E4.dat"));
          b[200] = (b[200] ?? 0) ^ 1;
          return b;
        })(),
      });
      await page.click("#verify-evidence-button");
      await page.waitForSelector('#evidence-checks .checks[data-failed="1"]');
      expect(await page.textContent("#evidence-checks .check.bad")).toContain("quote_signature");
      // AMD SEV-SNP: the genuine report's chain (RSA-PSS) and signature (P-384) verify in the page, and
      // the verifier's default policy then refuses it, because that guest runs with DEBUG set.
      const snp = path.join(VECTORS, "../sev-snp");
      await page.reload();
      await page.selectOption("#evidence-kind", "2");
      await page.setInputFiles("#evidence-file", path.join(snp, "attestation.bin"));
      await page.setInputFiles("#file-vcek", path.join(snp, "vcek.der"));
      await page.setInputFiles("#file-chain", path.join(snp, "ask_ark_milan.pem"));
      await page.fill("#file-now", "2023-06-20T00:00:00");
      await page.click("#verify-evidence-button");
      await page.waitForSelector('#evidence-checks .checks[data-failed="1"]');
      expect(await page.textContent("#evidence-checks .check.bad")).toContain("policy_debug");
      await shot(page, "verify-snp-genuine-debug");
    },
  );

  it("narrow and dark: no horizontal overflow, key rotations page, no JavaScript errors anywhere", async () => {
    const list = (await (await fetch(`${summary.explorer}v1/requests?limit=1`)).json()) as {
      items: { requestId: string }[];
    };
    const anyRequest = list.items[0]?.requestId;
    expect(anyRequest).toMatch(/^0x/);
    for (const [w, dark] of [
      [390, true],
      [390, false],
      [1400, true],
    ] as const) {
      const page = await open({ width: w, height: 860, dark });
      const tag = `${w < 600 ? "narrow" : "wide"}-${dark ? "dark" : "light"}`;
      for (const route of [
        "",
        "#/requests",
        `#/request/${anyRequest}`,
        `#/node/${summary.slashed[0]}`,
        "#/rotations",
        "#/slashes",
        "#/verify",
      ]) {
        await page.goto(`${summary.explorer}${route}`);
        await page.waitForSelector("main h1");
        await page.waitForLoadState("networkidle");
        expect(await page.locator("#error").count(), `${route} shows an error`).toBe(0);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${route} at ${w}px overflows`).toBeLessThanOrEqual(0);
        if (route === "" || route === "#/requests") await shot(page, `${route ? "requests" : "network"}-${tag}`);
      }
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg === "rgb(17, 19, 24)").toBe(dark);
      await page.context().close();
    }
    expect(errors).toEqual([]);
  });
});
