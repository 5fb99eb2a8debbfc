import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, loadKeystore, parseConfig, renderConfig } from "../../src/config.js";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const cli = path.join(root, "node-runner/src/cli.ts");
const dir = mkdtempSync(path.join(tmpdir(), "atoma-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(tsx, [cli, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("atoma-node CLI", () => {
  it("init writes a 0600 keystore and a commented config; refuses to overwrite keys", async () => {
    const r = run("-c", "n/atoma-node.json", "--json", "init", "--price", "55");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { address: string; keystore: string };
    expect(out.address).toMatch(/^0x[0-9a-f]{64}$/);
    expect(statSync(out.keystore).mode & 0o777).toBe(0o600);
    const text = readFileSync(path.join(dir, "n/atoma-node.json"), "utf8");
    expect(text).toMatch(/^\/\/ atoma-node configuration/);
    expect(parseConfig(text).price).toBe("55");
    const keys = loadKeystore(out.keystore);
    expect(keys.signer.toSuiAddress()).toBe(out.address);
    // a post-quantum (ML-KEM-768) key comes with the keystore: 64-byte seed on disk, expanded in memory
    expect(keys.mlkemPk?.length).toBe(1184);
    expect(keys.mlkemSk?.length).toBe(2400);
    // Secrets never appear on stdout/stderr.
    const secret = JSON.parse(readFileSync(out.keystore, "utf8")) as {
      ed25519: string;
      x25519: string;
      mlkem768: string;
    };
    expect(secret.mlkem768).toMatch(/^[0-9a-f]{128}$/);
    // the node's signer (its key prepared once for node:crypto) signs as @mysten/sui's Ed25519Keypair
    const ref = Ed25519Keypair.fromSecretKey(new Uint8Array(Buffer.from(secret.ed25519, "hex")));
    expect(keys.signer.toSuiAddress()).toBe(ref.toSuiAddress());
    const msg = new TextEncoder().encode("transaction bytes");
    expect(await keys.signer.signTransaction(msg)).toEqual(await ref.signTransaction(msg));
    expect(r.out + r.err).not.toContain(secret.ed25519);
    expect(r.out + r.err).not.toContain(secret.mlkem768);
    const again = run("-c", "n/atoma-node.json", "init");
    expect(again.code).toBe(2);
    expect(again.err).toContain("refusing to overwrite keys");
  }, 60_000);

  it("exit codes: --help 0, unknown command 2, bad option value 2, not registered 2", () => {
    expect(run("--help").code).toBe(0);
    expect(run("run", "--help").code).toBe(0);
    expect(run("bogus").code).toBe(2);
    expect(run("-c", "n/atoma-node.json", "run", "--fault", "nope").code).toBe(2);
    const s = run("-c", "n/atoma-node.json", "--json", "status");
    expect(s.code).toBe(2);
    expect(JSON.parse(s.out).message).toMatch(/packageId\/registryId: are not set \(0x0\): run `atoma-node deploy`/);
  }, 60_000);

  it("refuses --fault unless the chain is a devnet", () => {
    const file = path.join(dir, "n/atoma-node.json");
    const c = parseConfig(readFileSync(file, "utf8"));
    const id = `0x${"ab".repeat(32)}`;
    writeFileSync(
      file,
      renderConfig({ ...c, nodeId: id, packageId: id, registryId: id, rpcUrl: "http://127.0.0.1:9" }),
    );
    const r = run("-c", "n/atoma-node.json", "run", "--fault", "wrong-output");
    expect(r.code).toBe(2);
    expect(r.err).toContain("not an @atoma/devnet");
  }, 60_000);

  it("rejects a keystore readable by others and a bad config field, naming the field", () => {
    const ks = path.join(dir, "n/keystore.json");
    chmodSync(ks, 0o644);
    expect(() => loadKeystore(ks)).toThrow(/must be 600/);
    chmodSync(ks, 0o600);
    // a keystore written before ML-KEM keys existed still loads (no post-quantum key); a bad one is refused
    const body = JSON.parse(readFileSync(ks, "utf8")) as Record<string, unknown>;
    const old = path.join(dir, "n/old-keystore.json");
    writeFileSync(old, JSON.stringify({ ...body, mlkem768: undefined }), { mode: 0o600 });
    expect(loadKeystore(old).mlkemSk).toBeUndefined();
    writeFileSync(old, JSON.stringify({ ...body, mlkem768: "ab" }), { mode: 0o600 });
    expect(() => loadKeystore(old)).toThrow(/mlkem768 must be a 64-byte hex ML-KEM-768 seed/);
    expect(() => parseConfig(JSON.stringify({ ...DEFAULT_CONFIG, price: "1.5" }), "x.json")).toThrow(/x\.json: price/);
  });
});
