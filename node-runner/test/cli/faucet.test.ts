import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../../../devnet/src/index.js";
import { createKeystore, DEFAULT_CONFIG, saveConfig } from "../../src/config.js";
import { spawnCli } from "./spawn-cli.js";

const _root = path.resolve(import.meta.dirname, "../../..");
const FAUCET = 250_000_000_000n;

describe("atoma-node faucet on a gRPC-only node", () => {
  let d: RunningDevnet;
  let address = "";
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-faucet-"));
  const config = path.join(dir, "atoma-node.json");
  beforeAll(async () => {
    d = await startDevnet({ seed: "cli-faucet", checkpointIntervalMs: 0, jsonRpc: false, faucetAmount: FAUCET });
    address = createKeystore(path.join(dir, DEFAULT_CONFIG.keystore)).signer.toSuiAddress();
    saveConfig(config, { ...DEFAULT_CONFIG, rpcUrl: d.url });
  });
  afterAll(async () => {
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => spawnCli(config, args);

  it("funds the node and reports its balance over gRPC", async () => {
    const r = await cli(["faucet"]);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ address, balance: FAUCET.toString() });
    const again = await cli(["faucet"]);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim()).balance).toBe((2n * FAUCET).toString());
  }, 60_000);

  it("--transport jsonrpc on a gRPC-only node: exit 1, the error names the node", async () => {
    const r = await cli(["--transport", "jsonrpc", "faucet"]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toEqual({
      error: "ChainReadError",
      message: `cannot read the balance of ${address} from ${d.url} over jsonrpc: Unexpected status code: 404 (the node serves no JSON-RPC; current Sui nodes serve gRPC: drop --transport jsonrpc)`,
    });
  }, 60_000);
});
