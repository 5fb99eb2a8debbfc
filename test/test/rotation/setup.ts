/**
 * What the rotation end-to-end tests share: a devnet with the atoma package and the rotation
 * grace period set, three attested members registered, and one RotationParticipant per member.
 */
import path from "node:path";
import { type DemoChain, type RegisteredNode, registerNode, startChain } from "@atoma/demo/network";
import { buildSetParam } from "@atoma/sdk";
import { Transaction } from "@mysten/sui/transactions";
import { type KeyDistribution, MasterKeyStore, RotationParticipant } from "../../../node-runner/src/rotation/index.js";

/** A demo chain (`seed`) with `rotation_grace_ms = graceMs` and three attested members under `dir`. */
export async function startRotationChain(
  seed: string,
  graceMs: bigint,
  dir: string,
): Promise<{ chain: DemoChain; members: RegisteredNode[] }> {
  const chain = await startChain({ seed });
  const tx = new Transaction();
  buildSetParam(tx, {
    packageId: chain.deployed.packageId,
    registry: {
      objectId: chain.deployed.registryId,
      initialSharedVersion: chain.deployed.registryInitialSharedVersion,
    },
    adminCap: chain.deployed.adminCapId,
    name: "rotation_grace_ms",
    value: graceMs,
  });
  await chain.atoma.execute(tx, chain.admin);
  const members: RegisteredNode[] = [];
  for (let i = 0; i < 3; i++)
    members.push(
      await registerNode(chain, path.join(dir, `node${i}`), { capabilities: ["x"], price: 1n, attest: true }),
    );
  return { chain, members };
}

/** One RotationParticipant per member, each with its own key store `<dir>/member<i>` (and cursor file with `cursors`). */
export function participantsFor(
  chain: DemoChain,
  members: RegisteredNode[],
  o: { dir: string; distribution: KeyDistribution; now: () => bigint; cursors?: boolean },
): { participants: RotationParticipant[]; stores: MasterKeyStore[] } {
  const stores = members.map((_n, i) => new MasterKeyStore(path.join(o.dir, `member${i}`)));
  const participants = members.map(
    (n, i) =>
      new RotationParticipant({
        chain: chain.atoma,
        signer: n.keys.signer,
        nodeId: n.nodeId,
        nodeCapId: n.nodeCapId,
        encSk: n.keys.encSk,
        keys: stores[i] as MasterKeyStore,
        distribution: o.distribution,
        ...(o.cursors ? { stateFile: path.join(o.dir, `member${i}.cursor.json`) } : {}),
        now: o.now,
      }),
  );
  return { participants, stores };
}
