/** The example consumer (move/examples/atoma_consumer) calls atoma::request::create_request from Move. */
import { loadBuiltPackage } from "@atoma/move";
import { hashOutput, MoveAbortError, RequestStatus } from "@atoma/sdk";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModule } from "../../src/index.js";
import { type Env, funded, startAtomaDevnet } from "./harness.js";
import { linkToAtoma } from "./link.js";

const SUI = 1_000_000_000n;

describe("atoma_consumer on the devnet", () => {
  let env: Env;
  let consumer = "";
  beforeAll(async () => {
    env = await startAtomaDevnet("consumer");
    const built = await loadBuiltPackage("atoma_consumer");
    const atomaModules = (await loadBuiltPackage("atoma")).modules.map(
      (m) => loadModule(Buffer.from(m, "base64")).normalized.name,
    );
    const tx = new Transaction();
    const cap = tx.publish({
      modules: linkToAtoma(built.modules, atomaModules, env.deployed.packageId),
      dependencies: [...built.dependencies, env.deployed.packageId],
    });
    tx.transferObjects([cap], env.admin.toSuiAddress());
    const r = await env.sui.signAndExecuteTransaction({
      transaction: tx,
      signer: env.admin,
      options: { showEffects: true, showObjectChanges: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const pub = r.objectChanges?.find((c) => c.type === "published");
    if (pub?.type !== "published") throw new Error("no published package");
    consumer = pub.packageId;
  });
  afterAll(async () => {
    await env?.d.close();
  });

  it("offload → sample → commit/reveal → settle → post_output → collect", async () => {
    const ops = [];
    for (let i = 0; i < 3; i++) {
      const kp = await funded(env.d.url);
      const res = await env.atoma.registerNode(kp, {
        stake: 100n * SUI,
        sigPk: kp.getPublicKey().toRawBytes(),
        encPk: new Uint8Array(32).fill(i + 1),
        capabilities: ["wasm:fib-v1"],
        price: SUI / 2n,
      });
      ops.push({ kp, nodeId: res.nodeId, nodeCap: res.nodeCapId });
    }
    const dapp = await funded(env.d.url);
    const input = new TextEncoder().encode("30");
    const tx = new Transaction();
    const [pay] = tx.splitCoins(tx.gas, [4n * SUI]);
    const job = tx.moveCall({
      target: `${consumer}::offload::offload`,
      arguments: [tx.object(env.deployed.registryId), pay!, tx.pure.vector("u8", input), tx.object.clock()],
    });
    tx.transferObjects([job], dapp.toSuiAddress());
    const off = await env.atoma.execute(tx, dapp);
    const created = off.events.find((e) => e.name === "RequestCreated");
    if (created?.name !== "RequestCreated") throw new Error("no RequestCreated");
    expect(created.data.kind).toBe(1);
    expect(created.data.escrow).toBe(String(3_150_000_000n));
    const requestId = created.data.request_id;
    const jobId = off.created.find((c) => c.type?.endsWith("::offload::Job"))!.objectId;
    // The change of the 4 SUI payment went back to the dapp, the escrow is in the Request.
    expect((await env.atoma.getRequest(requestId)).escrow.value).toBe("3150000000");

    const sampled = await env.atoma.sampleNodes(dapp, requestId);
    const nodes = sampled.events.find((e) => e.name === "NodesSampled");
    expect(nodes?.name === "NodesSampled" && nodes.data.nodes.length).toBe(3);
    const output = new TextEncoder().encode("832040");
    const outputHash = hashOutput(output);
    const salts = [];
    for (const o of ops)
      salts.push(
        (await env.atoma.commit(o.kp, { requestId, nodeCap: o.nodeCap, nodeId: o.nodeId, outputHash, round: 0 })).salt,
      );
    for (const [i, o] of ops.entries())
      await env.atoma.reveal(o.kp, { requestId, nodeCap: o.nodeCap, outputHash, round: 0, salt: salts[i]! });

    const collect = (signer = dapp) => {
      const t = new Transaction();
      t.moveCall({ target: `${consumer}::offload::collect`, arguments: [t.object(jobId), t.object(requestId)] });
      return env.atoma.execute(t, signer);
    };
    const early = await collect().catch((e: unknown) => e);
    expect(early).toBeInstanceOf(MoveAbortError);
    expect((early as MoveAbortError).module).toBe("offload");
    expect((early as MoveAbortError).errorCode).toBe(2); // ENotSettled

    await env.atoma.settle(dapp, requestId);
    expect((await env.atoma.getRequest(requestId)).status).toBe(RequestStatus.Settled);
    const noOutput = await collect().catch((e: unknown) => e);
    expect((noOutput as MoveAbortError).errorCode).toBe(3); // ENoOutput
    await env.atoma.postOutput(ops[0]!.kp, { requestId, nodeCap: ops[0]!.nodeCap, output });
    await collect();
    const jobObj = await env.sui.getObject({ id: jobId, options: { showContent: true } });
    const fields = (jobObj.data!.content as unknown as { fields: { result: number[] | null } }).fields;
    expect(Uint8Array.from(fields.result ?? [])).toEqual(output);
    const again = await collect().catch((e: unknown) => e);
    expect((again as MoveAbortError).errorCode).toBe(5); // EAlreadyCollected
  });

  it("an atoma abort inside offload carries atoma's module and clever code", async () => {
    const dapp = await funded(env.d.url);
    const tx = new Transaction();
    const [pay] = tx.splitCoins(tx.gas, [SUI]); // below the 3.15 SUI escrow
    const job = tx.moveCall({
      target: `${consumer}::offload::offload`,
      arguments: [tx.object(env.deployed.registryId), pay!, tx.pure.vector("u8", [1]), tx.object.clock()],
    });
    tx.transferObjects([job], dapp.toSuiAddress());
    const e = await env.atoma.execute(tx, dapp).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MoveAbortError);
    expect((e as MoveAbortError).module).toBe("request");
    expect((e as MoveAbortError).constantName).toBe("EInsufficientPayment");
  });
});
