/**
 * Bad input at the JSON-RPC boundary gets JSON-RPC errors naming the field (-32600/-32602),
 * never an HTTP 500 or -32603; batches work; the faucet answers bad bodies with 400; clock
 * arguments outside u64 are refused before they are journaled, so a restart still works.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../src/index.js";

const T0 = 1_700_000_000_000n;

async function post(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: r.status, json: await r.json() };
}
const rpc = (method: string, params: unknown[], id: unknown = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });
const errorOf = (j: unknown) => (j as { error?: { code: number; message: string } }).error;

describe("devnet JSON-RPC input checks", () => {
  let d: RunningDevnet;
  const stateDir = mkdtempSync(path.join(tmpdir(), "devnet-rpc-input-"));
  beforeAll(async () => {
    d = await startDevnet({ seed: "rpc-input", stateDir, checkpointIntervalMs: 0 });
    d.clock.set(T0); // journaled, so a restart keeps it
  });
  afterAll(async () => {
    await d?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("a null or non-object body is -32600, not HTTP 500", async () => {
    for (const body of ["null", "42", '"x"']) {
      const r = await post(d.url, body);
      expect(r.status).toBe(200);
      expect(errorOf(r.json)).toMatchObject({ code: -32600, message: expect.stringMatching(/Invalid Request/) });
    }
  });

  it("answers JSON-RPC batches in order; an empty batch is -32600", async () => {
    const r = await post(d.url, `[${rpc("devnet_getClock", [], 1)},${rpc("nope_method", [], 2)},null]`);
    const arr = r.json as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(arr).toHaveLength(3);
    expect(arr[0]).toMatchObject({ id: 1, result: T0.toString() });
    expect(arr[1]).toMatchObject({ id: 2, error: { code: -32601 } });
    expect(arr[2]).toMatchObject({ id: null, error: { code: -32600 } });
    expect(errorOf((await post(d.url, "[]")).json)?.code).toBe(-32600);
  });

  it("bad base64 tx bytes and a 5,000-deep filter are -32602 naming the field", async () => {
    const tx = await post(d.url, rpc("sui_executeTransactionBlock", ["not base64!", ["AA=="]]));
    expect(errorOf(tx.json)).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/tx_bytes must be standard base64/),
    });
    const sig = await post(d.url, rpc("sui_executeTransactionBlock", ["AAAA", ["%%%"]]));
    expect(errorOf(sig.json)?.message).toMatch(/signatures\[0\] must be standard base64/);
    const dry = await post(d.url, rpc("sui_dryRunTransactionBlock", ["@@@@"]));
    expect(errorOf(dry.json)?.code).toBe(-32602);
    // Built as text: JSON.stringify itself overflows the stack on 5,000 levels.
    const filter = `${'{"And":['.repeat(5000)}{"Sender":"0x1"}${"]}".repeat(5000)}`;
    const deep = await post(
      d.url,
      `{"jsonrpc":"2.0","id":1,"method":"suix_queryEvents","params":[${filter},null,10,false]}`,
    );
    expect(errorOf(deep.json)).toMatchObject({ code: -32602, message: expect.stringMatching(/nests deeper than 16/) });
    const notObj = await post(d.url, rpc("suix_queryEvents", [{ Any: [null] }, null, 10, false]));
    expect(errorOf(notObj.json)).toMatchObject({ code: -32602, message: expect.stringMatching(/query\.Any\[0\]/) });
  });

  it("the faucet answers a bad body with HTTP 400 and the reason", async () => {
    for (const body of ["x", JSON.stringify({ FixedAmountRequest: { recipient: "nope" } })]) {
      const r = await fetch(`${d.url}/v2/gas`, { method: "POST", body });
      expect(r.status).toBe(400);
      expect(JSON.stringify(await r.json())).toMatch(/not JSON|recipient/);
    }
  });

  it("clock arguments outside u64 are refused and not journaled; a restart still serves the Clock", async () => {
    const neg = await post(d.url, rpc("devnet_setClock", [-5]));
    expect(errorOf(neg.json)).toMatchObject({ code: -32602, message: expect.stringMatching(/not a u64 timestamp/) });
    const huge = await post(d.url, rpc("devnet_advanceClock", ["99999999999999999999999"]));
    expect(errorOf(huge.json)).toMatchObject({ code: -32602, message: expect.stringMatching(/u64 limit/) });
    const back = await post(d.url, rpc("devnet_advanceClock", [-1]));
    expect(errorOf(back.json)?.message).toMatch(/must be >= 0/);
    const word = await post(d.url, rpc("devnet_setClock", ["soon"]));
    expect(errorOf(word.json)?.message).toMatch(/params\[0\] must be a whole number/);
    await d.close();
    d = await startDevnet({ seed: "rpc-input", stateDir, checkpointIntervalMs: 0 });
    expect(d.clock.now()).toBe(T0);
    const clock = await post(d.url, rpc("sui_getObject", ["0x6", { showContent: true }]));
    expect(errorOf(clock.json)).toBeUndefined();
    expect(JSON.stringify(clock.json)).toContain(`"timestamp_ms":"${T0}"`);
  });
});
