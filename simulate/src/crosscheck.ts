/**
 * Cross-check of the fast model against the contract: random requests (sample sizes, quorums,
 * prices, honest/wrong/odd/absent/withholding nodes, stake top-ups, unstakes, price changes)
 * run through a devnet over its JSON-RPC with the SDK, and the same operations through
 * `FastChain`, fed with the chain's draws. Compared request by request: escrow, eligibility of
 * every sampled node and the escalation size, every NodeSlashed (node, amount, reason,
 * remaining stake) and NodePaid (node, amount) in event order, RequestSettled (hash, agreeing
 * nodes, paid, slashed, margin, refund, rounds), DisputeOpened (hashes, size), RequestFailed
 * (reason, refund), and ENotEnoughNodes aborts. The devnet is reached only through RPC, so
 * the same run checks whatever executes the package behind it.
 * Why one file past ~600 lines: the operation generator, the devnet driver and the
 * event-by-event comparison share one per-request record and run in lockstep; split, one
 * comparison would be spread over three files.
 */
import { startDevnet } from "@atoma/devnet";
import { loadBuiltPackage } from "@atoma/move";
import {
  type AtomaClient,
  type AtomaEvent,
  blake2b256,
  blindedHash,
  buildAddStake,
  buildCommit,
  buildCreateAndSample,
  buildEscalate,
  buildRefreshNode,
  buildRegisterNode,
  buildRequestUnstake,
  buildReveal,
  buildSetParam,
  buildSetPrice,
  buildSettle,
  buildSweepFees,
  AtomaClient as Client,
  computeCommitment,
  MoveAbortError,
  roundValue,
} from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ACTIVE, DISPUTED, FAILED, FastChain, JAILED, LEAVING, newOutcome, type Outcome, SETTLED } from "./chain.js";
import { DriftError } from "./errors.js";
import { escrowFor, minEscalation } from "./int.js";
import { CONTRACT_DEFAULTS, type ProtocolParams, SUI } from "./params.js";
import { Rng } from "./rng.js";

export interface CrosscheckOptions {
  requests: number;
  seed: string;
  nodes?: number;
  /** Requests in flight per batch (one commit, reveal and settle PTB per batch and round). */
  batch?: number;
  /** Test hook: parameters that differ in the model only (a deliberately drifted model must be caught). */
  modelParams?: Partial<ProtocolParams>;
  /** Stop at the first mismatch (default) or collect them all. */
  failFast?: boolean;
  progress?: (done: number, total: number) => void;
}

export interface CrosscheckResult {
  requests: number;
  settled: number;
  failed: number;
  disputes: number;
  escalations: number;
  /** Escalations the chain failed for fewer than min_escalation fresh nodes (issue 13 A5). */
  escalationsTooSmall: number;
  notEnoughNodes: number;
  slashesCompared: number;
  paymentsCompared: number;
  transactions: number;
  mismatches: string[];
  seconds: number;
  requestsPerSecond: number;
}

const T0 = 1_700_000_000_000n;
const FAUCET = 1_000_000n * BigInt(SUI);
const CAP = "sim";
/** The devnet's Random object (0x8) is shared at initial version 1. */
const RANDOM_VERSION = 1;

/** Behaviour of one sampled node in one round. */
const B_CORRECT = 0;
const B_WRONG = 1;
const B_ODD = 2;
const B_ABSENT = 3;
const B_WITHHOLD = 4;

function hashBytes(code: number): Uint8Array {
  return blake2b256(new TextEncoder().encode(`atoma-sim-output:${code}`));
}
const hex = (b: ArrayLike<number>) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Parameters the cross-check runs under: small stakes and a stake cap that binds, so slashes jail. */
export const CROSSCHECK_PARAMS: ProtocolParams = {
  ...CONTRACT_DEFAULTS,
  stakeCap: 150 * SUI,
};

export async function crosscheck(o: CrosscheckOptions): Promise<CrosscheckResult> {
  const t0 = performance.now();
  const rng = new Rng(`${o.seed}/crosscheck`);
  const nNodes = o.nodes ?? 10;
  const batchSize = o.batch ?? 16;
  const mismatches: string[] = [];
  let txs = 0;
  const drift = (msg: string) => {
    mismatches.push(msg);
    if (o.failFast !== false) throw new DriftError(msg);
  };
  // Slashes move SUI from the operator to the treasury all run long: a faucet of 1 000 000 SUI a call.
  const d = await startDevnet({ seed: o.seed, clockMs: T0, checkpointIntervalMs: 600_000, faucetAmount: FAUCET });
  try {
    const sui = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    const admin = Ed25519Keypair.fromSecretKey(blake2b256(new TextEncoder().encode(`sim-admin:${o.seed}`)));
    const operator = Ed25519Keypair.fromSecretKey(blake2b256(new TextEncoder().encode(`sim-operator:${o.seed}`)));
    const requester = Ed25519Keypair.fromSecretKey(blake2b256(new TextEncoder().encode(`sim-requester:${o.seed}`)));
    for (const k of [admin, operator, requester])
      await requestSuiFromFaucetV2({ host: d.url, recipient: k.toSuiAddress() });
    const deployed = await publish(sui, admin);
    txs++;
    const atoma: AtomaClient = new Client(sui, {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    });
    const registry = { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion };
    const base = { packageId: deployed.packageId, registry };
    const p = CROSSCHECK_PARAMS;
    {
      const tx = new Transaction();
      buildSetParam(tx, { ...base, adminCap: deployed.adminCapId, name: "stake_cap", value: BigInt(p.stakeCap) });
      await atoma.execute(tx, admin);
      txs++;
    }
    /**
     * One gas coin per signer, passed explicitly and followed through the effects (no coin
     * selection, gas-price query or dry run per transaction). Refunds and payouts arrive as
     * new coins: `mergeCoins` folds them back in now and then.
     */
    const gasRef = new Map<string, { objectId: string; version: string; digest: string }>();
    const exec = async (tx: Transaction, signer: Ed25519Keypair) => {
      txs++;
      const who = signer.toSuiAddress();
      const ref = gasRef.get(who);
      if (ref) tx.setGasPayment([ref]);
      tx.setGasPrice(1_000);
      tx.setGasBudget(500_000_000);
      try {
        const r = await atoma.execute(tx, signer);
        const g = r.effects.gasObject;
        if (g?.outputVersion && g.outputDigest)
          gasRef.set(who, { objectId: g.objectId, version: g.outputVersion, digest: g.outputDigest });
        return r;
      } catch (e) {
        gasRef.delete(who); // an aborted transaction still charged the gas coin: look it up again
        throw e;
      }
    };
    const mergeCoins = async (owner: Ed25519Keypair) => {
      const page = await sui.getCoins({ owner: owner.toSuiAddress(), limit: 256 });
      const coins = [...page.data].sort((a, b) => (BigInt(b.balance) > BigInt(a.balance) ? 1 : -1));
      const [gas, ...rest] = coins;
      if (!gas) return;
      gasRef.set(owner.toSuiAddress(), { objectId: gas.coinObjectId, version: gas.version, digest: gas.digest });
      if (!rest.length) return;
      const tx = new Transaction();
      tx.mergeCoins(
        tx.gas,
        rest.map((c) => tx.object(c.coinObjectId)),
      );
      await exec(tx, owner);
    };
    await mergeCoins(operator);
    await mergeCoins(requester);

    const chain = new FastChain({
      params: { ...p, ...o.modelParams },
      maxNodes: nNodes,
      capabilities: 1,
      slots: batchSize,
      maxSampleSize: 4,
    });
    const ids: string[] = [];
    /** Each node's NodeCap (a separate object since issue 13 B stage 2: the node id is its NodeAccount's). */
    const caps: string[] = [];
    const index = new Map<string, number>();
    for (let i = 0; i < nNodes; i++) {
      const stake = (100 + rng.int(120)) * SUI + rng.int(1000);
      const price = (5 + rng.int(6)) * 1_000_000;
      const keyBytes = blake2b256(new TextEncoder().encode(`sim-node:${o.seed}:${i}`));
      const tx = new Transaction();
      tx.setSender(operator.toSuiAddress());
      buildRegisterNode(tx, {
        ...base,
        stake: { fromGas: BigInt(stake) },
        sigPk: keyBytes,
        encPk: blake2b256(keyBytes),
        capabilities: [new TextEncoder().encode(CAP)],
        price: BigInt(price),
      });
      const registered = await exec(tx, operator);
      const ev = registered.events.find((e) => e.name === "NodeRegistered");
      if (ev?.name !== "NodeRegistered") throw new DriftError("register_node emitted no NodeRegistered");
      const cap = registered.created.find((c) => c.type?.endsWith("::node::NodeCap"));
      if (!cap) throw new DriftError("register_node created no NodeCap");
      const r = { nodeId: ev.data.node_id };
      ids.push(r.nodeId);
      caps.push(cap.objectId);
      index.set(r.nodeId, chain.addNode(stake, price, 1));
    }
    const slashLog: string[] = [];
    const payLog: string[] = [];
    chain.listener = {
      slashed: (_s, node, amount, reason, remaining) => slashLog.push(`${ids[node]}:${amount}:${reason}:${remaining}`),
      paid: (_s, node, amount) => payLog.push(`${ids[node]}:${amount}`),
    };
    const res: CrosscheckResult = {
      requests: 0,
      settled: 0,
      failed: 0,
      disputes: 0,
      escalations: 0,
      escalationsTooSmall: 0,
      notEnoughNodes: 0,
      slashesCompared: 0,
      paymentsCompared: 0,
      transactions: 0,
      mismatches,
      seconds: 0,
      requestsPerSecond: 0,
    };

    /** Compares the money events of a transaction with what the model emitted. */
    const compareMoney = (label: string, events: AtomaEvent[], _slot: number) => {
      const gotSlash = events
        .filter((e) => e.name === "NodeSlashed")
        .map((e) => {
          const x = (e as Extract<AtomaEvent, { name: "NodeSlashed" }>).data;
          return `${x.node_id}:${x.amount}:${x.reason}:${x.remaining_stake}`;
        });
      const gotPay = events
        .filter((e) => e.name === "NodePaid")
        .map((e) => {
          const x = (e as Extract<AtomaEvent, { name: "NodePaid" }>).data;
          return `${x.node_id}:${x.amount}`;
        });
      if (gotSlash.join() !== slashLog.join()) drift(`${label}: slashes chain [${gotSlash}] model [${slashLog}]`);
      if (gotPay.join() !== payLog.join()) drift(`${label}: payments chain [${gotPay}] model [${payLog}]`);
      res.slashesCompared += gotSlash.length;
      res.paymentsCompared += gotPay.length;
      slashLog.length = 0;
      payLog.length = 0;
    };

    const checkSample = (label: string, nodes: number[], slot: number, maxPrice: number, want: number) => {
      if (nodes.length !== want) drift(`${label}: chain sampled ${nodes.length} nodes, model expects ${want}`);
      const seen = new Set<number>();
      for (const i of nodes) {
        if (i < 0 || chain.status[i] !== ACTIVE || (chain.price[i] as number) > maxPrice || chain.weight(i) === 0)
          drift(`${label}: chain sampled ${ids[i] ?? "an unknown node"}, not eligible in the model`);
        if (seen.has(i)) drift(`${label}: ${ids[i]} sampled twice`);
        seen.add(i);
        if (slot >= 0) {
          const base0 = slot * chain.perSlot;
          for (let j = 0; j < (chain.rCount[slot] as number); j++)
            if (chain.aRound[base0 + j] === 0 && chain.aNode[base0 + j] === i)
              drift(`${label}: round-1 node ${ids[i]} was in round 0`);
        }
      }
    };

    const eligibleCount = (maxPrice: number, exclude: Set<number>) => {
      let k = 0;
      for (let i = 0; i < chain.nodeCount; i++)
        if (
          chain.status[i] === ACTIVE &&
          (chain.price[i] as number) <= maxPrice &&
          chain.weight(i) > 0 &&
          !exclude.has(i)
        )
          k++;
      return k;
    };

    interface Live {
      slot: number;
      label: string;
      requestId: string;
      maxPrice: number;
      n: number;
      nodes: number[];
      beh: number[];
      salts: Uint8Array[];
      hashes: number[];
      /** Index of this round's first assignment in the model's slot. */
      first: number;
      round0: number[];
      /** The round being played: round 0 commits and reveals the blinded t, round 1 the hash. */
      round: number;
    }

    const behaviours = (n: number): number[] => {
      const mode = rng.next();
      return Array.from({ length: n }, () => {
        const u = rng.next();
        if (mode < 0.5) return u < 0.9 ? B_CORRECT : u < 0.95 ? B_ABSENT : B_ODD;
        return u < 0.45 ? B_CORRECT : u < 0.7 ? B_WRONG : u < 0.8 ? B_ODD : u < 0.9 ? B_ABSENT : B_WITHHOLD;
      });
    };

    const assign = (x: Live, nodes: number[], round: number) => {
      x.nodes = nodes;
      x.round = round;
      x.beh = behaviours(nodes.length);
      x.first = (chain.rCount[x.slot] as number) - nodes.length;
      x.salts = nodes.map((_, j) => blake2b256(new TextEncoder().encode(`${x.label}:${round}:${j}`)));
      x.hashes = x.beh.map((b, j) =>
        b === B_CORRECT ? 0 : b === B_WRONG ? 1 : 1000 + 100 * res.requests + 10 * round + j,
      );
    };

    /**
     * One round of commit and reveal for a batch of live requests, one PTB per phase, the
     * clock moved past the commit (reveal) deadline when a node is absent (withholding).
     */
    const playRound = async (batch: Live[]) => {
      const commit = new Transaction();
      let commits = 0;
      let absent = false;
      for (const x of batch) {
        x.nodes.forEach((node, j) => {
          if (x.beh[j] === B_ABSENT) {
            absent = true;
            return;
          }
          const id = ids[node] as string;
          buildCommit(commit, {
            packageId: deployed.packageId,
            request: x.requestId,
            nodeCap: caps[node] as string,
            commitment: computeCommitment(
              roundValue(hashBytes(x.hashes[j] as number), x.requestId, x.round),
              id,
              x.salts[j] as Uint8Array,
            ),
          });
          chain.commit(x.slot, x.first + j);
          commits++;
        });
      }
      if (commits) await exec(commit, operator);
      if (absent) d.clock.advance(p.commitWindowMs);
      const reveal = new Transaction();
      let reveals = 0;
      let missing = absent;
      for (const x of batch) {
        x.nodes.forEach((node, j) => {
          const b = x.beh[j];
          if (b === B_ABSENT) return;
          if (b === B_WITHHOLD) {
            missing = true;
            return;
          }
          buildReveal(reveal, {
            packageId: deployed.packageId,
            request: x.requestId,
            nodeCap: caps[node] as string,
            outputHash: roundValue(hashBytes(x.hashes[j] as number), x.requestId, x.round),
            salt: x.salts[j] as Uint8Array,
          });
          chain.reveal(x.slot, x.first + j, x.hashes[j] as number);
          reveals++;
        });
      }
      if (reveals) await exec(reveal, operator);
      if (missing) d.clock.advance(p.commitWindowMs + p.revealWindowMs);
    };

    /** The request's assigned nodes (their accounts), in assignment order, as the chain has them. */
    const assigned = async (requestId: string): Promise<string[]> =>
      (await atoma.getRequest(requestId)).assignments.map((a) => a.node_id);

    /**
     * The settlement PTB of `requestIds`, then `refresh_node` on every node they assign: a
     * settlement no longer jails or re-weights (issue 13 B stage 2: it writes only the nodes'
     * accounts); the keeper's refresh does, and the model applies both at once (`FastChain.slash`).
     */
    const settleTx = async (requestIds: readonly string[]): Promise<Transaction> => {
      const tx = new Transaction();
      const touched = new Set<string>();
      for (const id of requestIds) {
        const nodes = await assigned(id);
        buildSettle(tx, { ...base, request: id, nodes });
        for (const n of nodes) touched.add(n);
      }
      for (const nodeId of touched) buildRefreshNode(tx, { ...base, nodeId });
      return tx;
    };

    /** settle for every request of the batch in one PTB; compares each request's events in order. */
    const settleAll = async (batch: Live[], what: string, expire: boolean): Promise<void> => {
      if (!batch.length) return;
      const tx = await settleTx(batch.map((x) => x.requestId));
      const ev = (await exec(tx, requester)).events;
      for (const x of batch) {
        const mine = ev.filter((e) => "request_id" in e.data && e.data.request_id === x.requestId);
        if (expire) chain.expireDispute(x.slot, outs[x.slot] as Outcome);
        else chain.settle(x.slot, outs[x.slot] as Outcome);
        compareMoney(`${x.label} ${what}`, mine, x.slot);
        compareOutcome(`${x.label} ${what}`, mine, outs[x.slot] as Outcome, drift);
      }
    };

    const outs: Outcome[] = Array.from({ length: batchSize }, () => newOutcome());
    // After a mismatch the chain and the model have parted: a later call may abort on chain.
    // Collected mismatches are the finding then; the abort is reported as where it stopped.
    try {
      for (let r0 = 0; r0 < o.requests; r0 += batchSize) {
        if ((r0 / batchSize) % 8 === 7 || !gasRef.has(requester.toSuiAddress())) {
          for (const k of [operator, requester]) {
            const bal = await sui.getBalance({ owner: k.toSuiAddress() });
            if (BigInt(bal.totalBalance) < FAUCET / 10n)
              await requestSuiFromFaucetV2({ host: d.url, recipient: k.toSuiAddress() });
            await mergeCoins(k);
          }
        }
        // Operator moves between batches: top up jailed nodes, occasionally unstake or reprice.
        for (let i = 0; i < chain.nodeCount; i++) {
          if (chain.status[i] === JAILED && rng.next() < 0.7) {
            const amount = p.minStake - (chain.stake[i] as number) + rng.int(60) * SUI + 1;
            const tx = new Transaction();
            buildAddStake(tx, {
              ...base,
              nodeAccount: ids[i] as string,
              nodeCap: caps[i] as string,
              coin: { fromGas: BigInt(amount) },
            });
            await exec(tx, operator);
            chain.addStake(i, amount);
          }
        }
        if (rng.next() < 0.2) {
          const i = rng.int(chain.nodeCount);
          const price = (4 + rng.int(8)) * 1_000_000;
          const tx = new Transaction();
          buildSetPrice(tx, { ...base, nodeCap: caps[i] as string, price: BigInt(price) });
          await exec(tx, operator);
          chain.price[i] = price;
        }
        if (rng.next() < 0.02) {
          const i = rng.int(chain.nodeCount);
          if (chain.status[i] !== LEAVING && eligibleCount(Number.MAX_SAFE_INTEGER, new Set()) > 6) {
            const tx = new Transaction();
            buildRequestUnstake(tx, { ...base, nodeAccount: ids[i] as string, nodeCap: caps[i] as string });
            await exec(tx, operator);
            chain.unstake(i);
          }
        }
        const live: Live[] = [];
        const count = Math.min(batchSize, o.requests - r0);
        for (let k = 0; k < count; k++) {
          const r = r0 + k;
          const label = `request ${r}`;
          const n = 1 + rng.int(4);
          const quorum = [0, 5_001, 6_667, 8_000, 10_000][rng.int(5)] as number;
          const maxPrice = (6 + rng.int(6)) * 1_000_000;
          const escrow = escrowFor(n, maxPrice, p.marginBps);
          const expectEnough = eligibleCount(maxPrice, new Set()) >= n;
          const tx = new Transaction();
          buildCreateAndSample(tx, {
            ...base,
            payment: { fromGas: BigInt(escrow) },
            kind: 1,
            capability: new TextEncoder().encode(CAP),
            inputHash: blake2b256(new TextEncoder().encode(`${o.seed}:${label}`)),
            input: new Uint8Array(0),
            sampleSize: n,
            quorumBps: quorum,
            maxPrice: BigInt(maxPrice),
            randomInitialSharedVersion: RANDOM_VERSION,
          });
          res.requests++;
          let created: Awaited<ReturnType<typeof exec>>;
          try {
            created = await exec(tx, requester);
          } catch (e) {
            if (e instanceof MoveAbortError && e.constantName === "ENotEnoughNodes") {
              if (expectEnough) drift(`${label}: chain aborted ENotEnoughNodes, model has enough eligible nodes`);
              res.notEnoughNodes++;
              continue;
            }
            throw e;
          }
          if (!expectEnough) drift(`${label}: chain sampled although the model has fewer than ${n} eligible nodes`);
          const rc = created.events.find((e) => e.name === "RequestCreated");
          const ns = created.events.find((e) => e.name === "NodesSampled");
          if (rc?.name !== "RequestCreated" || ns?.name !== "NodesSampled")
            throw new DriftError(`${label}: no RequestCreated/NodesSampled`);
          const slot = live.length;
          const modelEscrow = chain.create(slot, 0, n, quorum, maxPrice);
          if (String(modelEscrow) !== String(rc.data.escrow))
            drift(`${label}: escrow chain ${rc.data.escrow} model ${modelEscrow}`);
          const nodes0 = ns.data.nodes.map((id) => index.get(id) ?? -1);
          checkSample(label, nodes0, -1, maxPrice, n);
          chain.startRound(slot, nodes0, nodes0.length, 0);
          const x: Live = {
            slot,
            label,
            requestId: rc.data.request_id,
            maxPrice,
            n,
            nodes: [],
            beh: [],
            salts: [],
            hashes: [],
            first: 0,
            round0: nodes0,
            round: 0,
          };
          assign(x, nodes0, 0);
          live.push(x);
        }
        await playRound(live);
        await settleAll(live, "settle round 0", false);
        const disputed = live.filter((x) => (outs[x.slot] as Outcome).status === DISPUTED);
        res.disputes += disputed.length;
        // 5 % of disputes are left to expire (nobody escalates); the rest escalate one by one.
        const expire = disputed.filter(() => rng.next() < 0.05);
        const escalated = disputed.filter((x) => !expire.includes(x));
        const round1: Live[] = [];
        for (const x of escalated) {
          // Fewer fresh nodes than min_escalation: the chain fails the request, samples nobody.
          const avail = Math.min(2 * x.n, eligibleCount(x.maxPrice, new Set(x.round0)));
          const tooSmall = avail < minEscalation(x.n, chain.rQuorum[x.slot] as number);
          const want = tooSmall ? 0 : avail;
          if (tooSmall) res.escalationsTooSmall++;
          const tx = new Transaction();
          buildEscalate(tx, { ...base, request: x.requestId, randomInitialSharedVersion: RANDOM_VERSION });
          let ev = (await exec(tx, operator)).events;
          res.escalations++;
          if (tooSmall) {
            // escalate reads the Registry only (issue 13 B): it samples nobody and ends the dispute
            // window; the failure (slashes, refund) is the next settle's, at once.
            if (ev.length) drift(`${x.label}: escalation with too few nodes emitted ${ev.map((e) => e.name)}`);
            ev = (await exec(await settleTx([x.requestId]), requester)).events;
          }
          const ns1 = ev.find((e) => e.name === "NodesSampled");
          const nodes1 = ns1?.name === "NodesSampled" ? ns1.data.nodes.map((id) => index.get(id) ?? -1) : [];
          checkSample(`${x.label} escalation`, nodes1, x.slot, x.maxPrice, want);
          const out = outs[x.slot] as Outcome;
          chain.escalateWith(x.slot, nodes1, nodes1.length, out);
          if ((out.status as number) === FAILED) {
            compareMoney(`${x.label} escalation`, ev, x.slot);
            compareOutcome(`${x.label} escalation`, ev, out, drift);
          } else {
            assign(x, nodes1, 1);
            round1.push(x);
          }
        }
        if (round1.length) {
          await playRound(round1);
          await settleAll(round1, "settle round 1", false);
        }
        if (expire.length) {
          d.clock.advance(p.commitWindowMs + 1);
          await settleAll(expire, "expired dispute", true);
        }
        for (const x of live) {
          const st = (outs[x.slot] as Outcome).status;
          if (st === SETTLED) res.settled++;
          else if (st === FAILED) res.failed++;
          else drift(`${x.label}: left in status ${st}`);
        }
        // The treasury's part waits in each finished request (issue 13 B): one PTB sweeps the
        // batch, so the final treasury compares with the model's.
        if (live.length) {
          const tx = new Transaction();
          for (const x of live) buildSweepFees(tx, { ...base, request: x.requestId });
          await exec(tx, operator);
        }
        o.progress?.(Math.min(o.requests, r0 + batchSize), o.requests);
      }
    } catch (e) {
      if (!mismatches.length || e instanceof DriftError) throw e;
      mismatches.push(`stopped at request ${res.requests}: ${(e as Error).message}`);
      res.transactions = txs;
      res.seconds = (performance.now() - t0) / 1000;
      res.requestsPerSecond = res.requests / res.seconds;
      return res;
    }
    // Final state: every node's stake and status as the registry holds them.
    for (let i = 0; i < chain.nodeCount; i++) {
      const nd = await atoma.getNode(ids[i] as string);
      const stake = String(nd.stake.value);
      if (stake !== String(chain.stake[i])) drift(`node ${ids[i]}: stake chain ${stake} model ${chain.stake[i]}`);
      const unb = String(nd.unbonding.value);
      if (unb !== String(chain.unbonding[i]))
        drift(`node ${ids[i]}: unbonding chain ${unb} model ${chain.unbonding[i]}`);
      if (nd.status !== chain.status[i]) drift(`node ${ids[i]}: status chain ${nd.status} model ${chain.status[i]}`);
    }
    const reg = await atoma.getRegistry();
    const treasury = String(reg.treasury.value);
    if (treasury !== String(chain.treasury)) drift(`treasury chain ${treasury} model ${chain.treasury}`);
    res.transactions = txs;
    res.seconds = (performance.now() - t0) / 1000;
    res.requestsPerSecond = res.requests / res.seconds;
    return res;
  } finally {
    await d.close();
  }
}

function compareOutcome(label: string, ev: AtomaEvent[], out: Outcome, drift: (m: string) => void): void {
  const settled = ev.find((e) => e.name === "RequestSettled");
  const failed = ev.find((e) => e.name === "RequestFailed");
  const disputed = ev.find((e) => e.name === "DisputeOpened");
  if (out.status === SETTLED) {
    if (settled?.name !== "RequestSettled") {
      drift(`${label}: model settled, chain emitted ${ev.map((e) => e.name)}`);
      return;
    }
    const x = settled.data;
    // RequestSettled.output_hash is the agreed blinded t of the winning output hash
    const want = hex(blindedHash(hashBytes(out.winner), x.request_id));
    if (hex(x.output_hash) !== want) drift(`${label}: winner chain ${hex(x.output_hash)} model ${want}`);
    const fields: [string, unknown, number][] = [
      ["paid_total", x.paid_total, out.paidTotal],
      ["slashed_total", x.slashed_total, out.slashedTotal],
      ["margin", x.margin, out.margin],
      ["refund", x.refund, out.refund],
      ["rounds", x.rounds, out.rounds],
    ];
    for (const [name, c, m] of fields) if (String(c) !== String(m)) drift(`${label}: ${name} chain ${c} model ${m}`);
  } else if (out.status === FAILED) {
    if (failed?.name !== "RequestFailed") {
      drift(`${label}: model failed, chain emitted ${ev.map((e) => e.name)}`);
      return;
    }
    if (failed.data.reason !== out.reason)
      drift(`${label}: fail reason chain ${failed.data.reason} model ${out.reason}`);
    if (String(failed.data.refund) !== String(out.refund))
      drift(`${label}: refund chain ${failed.data.refund} model ${out.refund}`);
  } else if (out.status === DISPUTED) {
    if (disputed?.name !== "DisputeOpened") {
      drift(`${label}: model disputed, chain emitted ${ev.map((e) => e.name)}`);
      return;
    }
  }
}

async function publish(sui: SuiJsonRpcClient, admin: Ed25519Keypair) {
  const built = await loadBuiltPackage("atoma");
  const tx = new Transaction();
  const cap = tx.publish({ modules: built.modules, dependencies: built.dependencies });
  tx.transferObjects([cap], admin.toSuiAddress());
  const r = await sui.signAndExecuteTransaction({
    transaction: tx,
    signer: admin,
    options: { showEffects: true, showObjectChanges: true },
  });
  if (r.effects?.status.status !== "success") throw new DriftError(`publish failed: ${r.effects?.status.error}`);
  const created = (r.objectChanges ?? []).filter((c) => c.type === "created");
  const pub = (r.objectChanges ?? []).find((c) => c.type === "published");
  const registry = created.find((c) => c.objectType.endsWith("::registry::Registry"));
  const adminCap = created.find((c) => c.objectType.endsWith("::registry::AdminCap"));
  if (pub?.type !== "published" || !registry || !adminCap)
    throw new DriftError("publish: no package/Registry/AdminCap");
  const owner = registry.owner as { Shared?: { initial_shared_version: string | number } };
  if (!owner.Shared) throw new DriftError("Registry is not shared");
  await sui.waitForTransaction({ digest: r.digest });
  return {
    packageId: pub.packageId,
    registryId: registry.objectId,
    registryInitialSharedVersion: String(owner.Shared.initial_shared_version),
    adminCapId: adminCap.objectId,
  };
}
