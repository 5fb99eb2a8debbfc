/**
 * Differential fuzzing of atoma operation sequences: a seeded random sequence of operations
 * (register, add stake, unstake, withdraw, price and capability changes, create request, sample,
 * commit and reveal by honest, wrong and absent nodes, settle, escalate, post output, cluster key
 * rotation — create a cluster, invited nodes accept, start a rotation, acks by honest members (attested first), acks
 * with the wrong key, late (after the deadline) or by non-members, absent members, complete or
 * abort — random clock steps) runs through the SDK against a devnet executing the published bytecode; what the
 * devnet did (every event's BCS bytes per transaction and type, the number of events, the abort
 * that ends a sequence, the final Request and Cluster objects' BCS and every node's registry fields)
 * becomes one Move unit test that the real Move VM (the WASM test runner) must pass.
 *
 * The two sides differ only in object ids (and the commitments that hash them): every 32-byte
 * devnet id in the expected bytes is spliced back as the Move side's id of the same node or
 * request, every devnet commitment as `request::commitment_of` of the Move side's node id.
 * Senders are the devnet's own addresses, the clock is set to the devnet's time at each step, and
 * a sampling's generator is seeded as the devnet's `random::new_generator` was
 * (hmac_sha3_256(Random state, fresh address of the transaction)), so both sides pick the same
 * nodes in the same order. A seed reproduces a sequence.
 *
 * Over 600 lines on purpose: `SequenceRunner.run` is one switch over the operations, each one's SDK
 * call next to the Move lines that replay it; split apart, the two sides could drift.
 */
import {
  AtomaClient,
  Attestation,
  blindedHash,
  buildAbortRotation,
  buildAddVerifier,
  buildAllowMeasurement,
  buildCreateCluster,
  buildStartRotation,
  computeCommitment,
  MoveAbortError,
  roundValue,
  signVerdict,
} from "@atoma/sdk";
import { bcs } from "@mysten/sui/bcs";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import type { RunningDevnet } from "../../src/index.js";
import { publishAtoma } from "../atoma/harness.js";

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const h32 = (s: string): Uint8Array => blake2b(enc.encode(s), { dkLen: 32 });
const SUI = 1_000_000_000n;

/** A deterministic stream of choices from a seed. */
class Rng {
  private buf = new Uint8Array(0);
  private pos = 0;
  private counter = 0;
  constructor(private readonly seed: string) {}
  int(n: number): number {
    if (this.pos + 2 > this.buf.length) {
      this.buf = blake2b(enc.encode(`${this.seed}:${this.counter++}`), { dkLen: 64 });
      this.pos = 0;
    }
    const v = this.buf[this.pos]! * 256 + this.buf[this.pos + 1]!;
    this.pos += 2;
    return v % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(pct: number): boolean {
    return this.int(100) < pct;
  }
}

/** The outcome of one sequence, as a Move test function. */
export interface SequenceTest {
  name: string;
  /** Operations that ran (the last one aborted when `abort` is set). */
  ops: string[];
  abort?: { module: string; constant?: string; code: string };
  move: string;
}

/** `bytes` as a Move expression, every known 32-byte value replaced by its Move expression. */
function spliced(bytes: Uint8Array, subs: Map<string, string>): string {
  const parts: string[] = [];
  let lit: number[] = [];
  const flush = () => {
    if (lit.length) parts.push(`x"${hex(Uint8Array.from(lit))}"`);
    lit = [];
  };
  for (let p = 0; p < bytes.length; ) {
    const sub = p + 32 <= bytes.length ? subs.get(hex(bytes.subarray(p, p + 32))) : undefined;
    if (sub) {
      flush();
      parts.push(sub);
      p += 32;
    } else lit.push(bytes[p++]!);
  }
  flush();
  if (parts.length === 0) return "vector[]";
  if (parts.length === 1 && parts[0]!.startsWith('x"')) return parts[0]!;
  return `{ let mut b = vector[]; ${parts.map((x) => `b.append(${x});`).join(" ")} b }`;
}

interface Actor {
  kp: Ed25519Keypair;
  addr: string;
}

/** The devnet side of a fuzz run: one devnet, a fresh publish of atoma per sequence. */
export class SequenceRunner {
  private constructor(
    private readonly d: RunningDevnet,
    private readonly sui: SuiJsonRpcClient,
    private readonly seed: string,
  ) {}

  static create(d: RunningDevnet, seed: string): SequenceRunner {
    return new SequenceRunner(d, new SuiJsonRpcClient({ url: d.url, network: "localnet" }), seed);
  }

  private async actor(label: string): Promise<Actor> {
    const kp = Ed25519Keypair.fromSecretKey(h32(`atoma-fuzz:${this.seed}:${label}`));
    await requestSuiFromFaucetV2({ host: this.d.url, recipient: kp.toSuiAddress() });
    return { kp, addr: kp.toSuiAddress() };
  }

  /**
   * Runs sequence `index` of the seed on the devnet and writes it as a Move test. Every fifth
   * sequence is short (10 operations), so the mix also holds sequences that end without an abort.
   */
  async run(index: number, maxOps = index % 5 === 4 ? 10 : 24): Promise<SequenceTest> {
    const r = new Rng(`${this.seed}:${index}`);
    const admin = await this.actor(`${index}:admin`);
    const deployed = await publishAtoma(this.sui, this.d.url, admin.kp);
    const atoma = new AtomaClient(this.sui, {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    });
    const nNodes = 3 + r.int(4);
    const ops: string[] = [];
    const body: string[] = [];
    let code = 0;
    const next = () => ++code;
    const subs = new Map<string, string>();
    const requester = await this.actor(`${index}:requester`);
    const keeper = await this.actor(`${index}:keeper`);
    const operators: Actor[] = [];
    for (let i = 0; i < nNodes; i++) operators.push(await this.actor(`${index}:operator:${i}`));
    const nodeIds: (string | undefined)[] = [];
    /** NodeCap object ids (the node id is its shared account's, issue 13 B stage 2). */
    const nodeCaps: (string | undefined)[] = [];
    const moveNode = (i: number) => `node::node_id(&caps[${capIndex(i)}])`;
    const capOrder: number[] = [];
    const capIndex = (i: number) => capOrder.indexOf(i);
    let requestId: string | undefined;
    let sampled: string[] = [];
    // The current round of the request (round 0 commits and reveals the blinded t).
    let round = 0;
    /** What a node commits and reveals for `h` in the current round, as a Move expression. */
    const moveValue = (h: Uint8Array) =>
      round === 0 ? `atoma::blinding::blinded(x"${hex(h)}", reqs[reqs.length() - 1])` : `x"${hex(h)}"`;
    let prevEvents = 0;
    let abort: SequenceTest["abort"];
    let payment = 0n;
    const capabilities = ["cap-a", "cap-b"];
    let phase: "created" | "sampled" | "disputed" | "settled" | "done" = "done";
    /** The last escalate sampled nobody (too few fresh nodes): only settle is left. */
    let starved = false;
    const committed = new Map<string, string>();
    const unstaked = new Set<number>();
    const moveNodeIds: string[] = [];
    let verifierAdded = false;
    /** Move test transaction number of the current step (txn 0 is the setup). */
    let txn = 0;
    const revealed = new Map<string, string>();
    /** Until when each node's last accepted attestation holds (steers rotation acks; the chain decides). */
    const attestedUntil = new Map<number, bigint>();
    /** The latest key cluster (members by operator index) and its rotation as the devnet left them. */
    let cl:
      | {
          k: number;
          id: string;
          masterCap: string;
          /** Accepted members (accept_membership); `invited` have not accepted yet. */
          members: number[];
          invited: number[];
          quorum: bigint;
          epoch: bigint;
          pending?: { epoch: bigint; key: string; deadline: bigint; acks: Set<number> };
        }
      | undefined;
    let clusterCount = 0;
    const keyOf = (label: string) => h32(`cluster-key:${label}`);
    /** Every fourth sequence is mostly key rotation (cluster, start, acks, complete or abort). */
    const rotationFocus = index % 4 === 1;

    const registered = () => nodeIds.flatMap((id, i) => (id ? [i] : []));
    const sampledIdx = () => sampled.map((id) => nodeIds.indexOf(id)).filter((i) => i >= 0);
    const outputOf = (label: string) => h32(`output:${label}`);
    const saltOf = (i: number) => h32(`salt:${i}`);

    type Op = { label: string; sender: Actor; move: string[]; run: () => Promise<{ digest: string } | undefined> };
    const choose = (): Op | undefined => {
      const regd = registered();
      const unregistered = operators.map((_, i) => i).filter((i) => !nodeIds[i]);
      if (unregistered.length > 0 && (regd.length < 3 || r.chance(60))) {
        const i = r.pick(unregistered);
        const stake = r.chance(2) ? 99n * SUI : r.pick([100n * SUI, 150n * SUI, 300n * SUI]);
        const caps = r.chance(80) ? [capabilities[0]!] : [capabilities[1]!];
        const price = BigInt(1 + r.int(20)) * 1_000_000n;
        const capsMove = `vector[${caps.map((c) => `x"${hex(enc.encode(c))}"`).join(", ")}]`;
        return {
          label: `register ${i} stake ${stake} price ${price} ${caps.join(",")}`,
          sender: operators[i]!,
          move: withReg([
            `let c = coin::mint_for_testing<SUI>(${stake}, s.ctx());`,
            `caps.push_back(node::register_node(&mut reg, c, x"${hex(h32(`sig:${i}`))}", x"${hex(h32(`enc:${i}`))}", ${capsMove}, ${price}, s.ctx()));`,
          ]),
          run: async () => {
            const res = await atoma.registerNode(operators[i]!.kp, {
              stake,
              sigPk: h32(`sig:${i}`),
              encPk: h32(`enc:${i}`),
              capabilities: caps,
              price,
            });
            nodeIds[i] = res.nodeId;
            nodeCaps[i] = res.nodeCapId;
            moveNodeIds[i] = deriveId(txn, 1);
            capOrder.push(i);
            subs.set(hex(fromHexId(res.nodeId)), `object::id_to_bytes(&${moveNode(i)})`);
            return res;
          },
        };
      }
      // Mostly what an operator or keeper would do next; sometimes anything by anyone (wrong,
      // late, absent or out-of-turn calls: the abort paths).
      const ids = (xs: number[]) => xs.map((i) => nodeIds[i]!);
      const toCommit = sampledIdx().filter((i) => !committed.has(nodeIds[i]!));
      const toReveal = sampledIdx().filter((i) => committed.has(nodeIds[i]!) && !revealed.has(nodeIds[i]!));
      const MISC = [
        "add_stake",
        "unstake",
        "withdraw",
        "price",
        "capabilities",
        "advance",
        "attest",
        "attest",
        "verifier",
      ] as const;
      const ROTATION = ["cluster", "accept", "rotate", "ack", "complete", "abort_rotation"] as const;
      const ALL = [...MISC, ...ROTATION, "create", "sample", "commit", "reveal", "settle", "escalate", "post"] as const;
      let op: (typeof ALL)[number];
      let node = r.pick(regd);
      let honest = false;
      if (r.chance(8)) op = r.pick(ALL);
      else if (r.chance(rotationFocus ? (cl?.pending ? 70 : 40) : cl?.pending ? 45 : 12)) {
        // Key rotation: a cluster of registered nodes; a rotation started by the MasterCap holder,
        // acked by honest members (attested first), missed by absent ones, acked late (after the
        // deadline) or with the wrong key by some, then completed or aborted by a keeper.
        if (!cl) op = "cluster";
        else if (!cl.pending && cl.invited.length > 0 && r.chance(80)) {
          // Invited nodes accept membership (only members count and ack).
          op = "accept";
          node = r.pick(cl.invited);
        } else if (!cl.pending) op = r.chance(85) ? "rotate" : r.pick(ROTATION);
        else {
          const p = cl.pending;
          const now = this.d.clock.now();
          const quorumMet = BigInt(p.acks.size) * 10_000n >= cl.quorum * BigInt(cl.members.length);
          const toAck = cl.members.filter((i) => !p.acks.has(i));
          if (now >= p.deadline) {
            // Past the deadline: mostly aborted by a keeper; sometimes a late member acks or a
            // keeper completes (both refused or accepted by the chain, as the quorum stands).
            const lateReady = toAck.filter((i) => (attestedUntil.get(i) ?? 0n) > now);
            if (lateReady.length > 0 && r.chance(50)) op = "ack";
            else op = r.chance(75) ? "abort_rotation" : r.chance(50) ? "ack" : "complete";
            if (op === "ack") node = r.pick(lateReady.length > 0 ? lateReady : toAck.length > 0 ? toAck : cl.members);
          } else if (toAck.length > 0 && !r.chance(15)) {
            op = "ack";
            node = r.pick(toAck);
          } else if (r.chance(50)) op = quorumMet || r.chance(20) ? "complete" : "advance";
          else op = "advance";
        }
        if (op === "ack" && cl && cl.members.includes(node) && (attestedUntil.get(node) ?? 0n) <= this.d.clock.now()) {
          // An honest member gets attested first (an allowed measurement, not expired).
          op = verifierAdded ? "attest" : "verifier";
          honest = true;
        }
      } else if (r.chance(16)) {
        op = r.pick(MISC);
        // Mostly withdraw what was unstaken (and long enough ago); else unstake first.
        if (op === "withdraw" && !unstaked.has(node) && r.chance(85)) op = "unstake";
        if (op === "unstake" && unstaked.has(node)) op = "withdraw";
        if (op === "attest" && !verifierAdded && r.chance(85)) op = "verifier";
      } else if (!requestId || phase === "done") op = "create";
      else if (phase === "created") op = r.chance(90) ? "sample" : "advance";
      else if (phase === "sampled") {
        if (toCommit.length > 0 && !r.chance(4)) {
          op = "commit";
          node = r.pick(toCommit);
        } else if (toReveal.length > 0 && !r.chance(4)) {
          op = "reveal";
          node = r.pick(toReveal);
        } else op = r.chance(70) ? "settle" : "advance";
      } else if (phase === "disputed")
        // an escalation that found too few nodes leaves the failure to the next settle
        op = starved ? "settle" : r.chance(80) ? "escalate" : "advance";
      else {
        op = "post";
        const agreeing = ids(sampledIdx()).filter((id) => revealed.get(id) === "A");
        if (agreeing.length > 0 && r.chance(90)) node = nodeIds.indexOf(r.pick(agreeing));
      }
      const op2 =
        !requestId && ["sample", "commit", "reveal", "settle", "escalate", "post"].includes(op)
          ? "create"
          : !cl && ["accept", "rotate", "ack", "complete", "abort_rotation"].includes(op)
            ? "cluster"
            : op;
      const me = operators[node]!;
      switch (op2) {
        case "create": {
          const n = BigInt(r.chance(92) ? 1 + r.int(Math.max(1, Math.ceil(regd.length / 2))) : 1 + r.int(6));
          const maxPrice = BigInt(r.chance(90) ? 15 + r.int(25) : 1 + r.int(15)) * 1_000_000n;
          const cap = r.chance(90) ? capabilities[0]! : capabilities[1]!;
          const quorum = r.chance(95) ? r.pick([0n, 0n, 6_000n, 7_500n]) : 5_000n;
          return {
            label: `create n=${n} max=${maxPrice} ${cap} q=${quorum}`,
            sender: requester,
            move: withReg([
              "__PAYMENT__",
              `reqs.push_back(request::create_request(&mut reg, c, 0, x"${hex(enc.encode(cap))}", x"${hex(h32("input"))}", x"${hex(enc.encode("hi"))}", 16, 0, ${n}, ${quorum}, ${maxPrice}, false, &clock, s.ctx()));`,
            ]),
            run: async () => {
              const escrow = await atoma.escrowFor(Number(n), maxPrice);
              payment = escrow;
              const res = await atoma.createRequest(requester.kp, {
                kind: 0,
                capability: cap,
                input: enc.encode("hi"),
                inputHash: h32("input"),
                maxTokens: 16n,
                fuel: 0n,
                sampleSize: Number(n),
                quorumBps: Number(quorum),
                maxPrice,
                confidential: false,
                sample: false,
              });
              requestId = res.requestId;
              sampled = [];
              phase = "created";
              subs.set(hex(fromHexId(res.requestId)), "object::id_to_bytes(&reqs[reqs.length() - 1])");
              return { digest: res.createDigest };
            },
          };
        }
        case "sample":
        case "escalate": {
          const entry = op2;
          return {
            label: entry,
            sender: keeper,
            move: ["__SEED__"],
            run: async () => {
              const res =
                entry === "sample"
                  ? await atoma.sampleNodes(keeper.kp, need(requestId))
                  : await atoma.escalate(keeper.kp, need(requestId));
              const ev = res.events.find((e) => e.name === "NodesSampled");
              starved = entry === "escalate" && res.events.length === 0;
              if (ev?.name === "NodesSampled") {
                sampled = [...ev.data.nodes];
                round = ev.data.round;
                committed.clear();
                revealed.clear();
                phase = "sampled";
              }
              return res;
            },
          };
        }
        case "commit": {
          const label = r.chance(85) ? "A" : "B";
          const r0 = round;
          const value = moveValue(outputOf(label));
          return {
            label: `commit ${node} ${label}`,
            sender: me,
            move: withReq([
              `request::commit(&mut req, &caps[${capIndex(node)}], request::commitment_of(${value}, ${moveNode(node)}, x"${hex(saltOf(node))}"), &clock);`,
            ]),
            run: async () => {
              committed.set(nodeIds[node]!, label);
              const id = need(requestId);
              const c = computeCommitment(roundValue(outputOf(label), id, r0), nodeIds[node]!, saltOf(node));
              subs.set(hex(c), `request::commitment_of(${value}, ${moveNode(node)}, x"${hex(saltOf(node))}")`);
              return atoma.commit(me.kp, {
                requestId: id,
                nodeCap: nodeCaps[node]!,
                nodeId: nodeIds[node]!,
                outputHash: outputOf(label),
                round: r0,
                salt: saltOf(node),
              });
            },
          };
        }
        case "reveal": {
          const label = r.chance(92) ? (committed.get(nodeIds[node] ?? "") ?? "A") : "C";
          const r0 = round;
          const value = moveValue(outputOf(label));
          return {
            label: `reveal ${node} ${label}`,
            sender: me,
            move: withReq([
              `request::reveal(&mut req, &caps[${capIndex(node)}], ${value}, x"${hex(saltOf(node))}", &clock);`,
            ]),
            run: async () => {
              const id = need(requestId);
              // t depends on the request id, which differs per side: in round-0 reveals and, for
              // either round, in the settlement (agreed_blinded_hash, RequestSettled)
              subs.set(
                hex(blindedHash(outputOf(label), id)),
                `atoma::blinding::blinded(x"${hex(outputOf(label))}", reqs[reqs.length() - 1])`,
              );
              const res = await atoma.reveal(me.kp, {
                requestId: id,
                nodeCap: nodeCaps[node]!,
                outputHash: outputOf(label),
                round: r0,
                salt: saltOf(node),
              });
              revealed.set(nodeIds[node]!, label);
              return res;
            },
          };
        }
        case "settle":
          return {
            label: "settle",
            sender: keeper,
            move: withReg(withReq(["settle_all(&mut s, &mut req, &reg, &clock);"]), false),
            run: () => atoma.settle(keeper.kp, need(requestId)),
          };
        case "post": {
          // Public outputs must hash to the agreed hash (issue 13 A3): mostly the honest output's
          // bytes, sometimes garbage (its hash does not blind to the agreed t: refused with
          // EOutputHashMismatch on both sides).
          const bytes = enc.encode(r.chance(85) ? "output:A" : "out");
          return {
            label: `post ${node} ${new TextDecoder().decode(bytes)}`,
            sender: me,
            move: withReq([
              `request::post_output(&mut req, &caps[${capIndex(node)}], x"${hex(bytes)}", sui::hash::blake2b256(&x"${hex(bytes)}"), &clock);`,
            ]),
            run: () =>
              atoma.postOutput(me.kp, {
                requestId: need(requestId),
                nodeCap: nodeCaps[node]!,
                output: bytes,
              }),
          };
        }
        case "cluster": {
          const pool = regd.length > 0 ? regd : [node];
          const members = pool.filter(() => r.chance(75));
          if (members.length === 0) members.push(pool[0]!);
          if (r.chance(3)) members.push(members[0]!); // duplicate member: EInvalidMembers
          const quorum = r.chance(95) ? r.pick([5_000n, 6_667n, 10_000n]) : 0n;
          const key = `c${clusterCount}:0`;
          const k = clusterCount;
          return {
            label: `cluster ${members.join(",")} q=${quorum}`,
            sender: admin,
            move: withReg(
              [
                `let mc = cluster::create_cluster(&reg, vector[${members.map(moveNode).join(", ")}], x"${hex(keyOf(key))}", ${quorum}, s.ctx());`,
                "clusters.push_back(cluster::cap_cluster_id(&mc));",
                "mcaps.push_back(mc);",
              ],
              false,
            ),
            run: async () => {
              const tx = new Transaction();
              buildCreateCluster(tx, {
                packageId: deployed.packageId,
                registry: {
                  objectId: deployed.registryId,
                  initialSharedVersion: deployed.registryInitialSharedVersion,
                },
                members: members.map((i) => nodeIds[i]!),
                commitment: keyOf(key),
                ackQuorumBps: quorum,
                recipient: admin.addr,
              });
              const res = await atoma.execute(tx, admin.kp);
              const id = res.created.find((c) => c.type?.endsWith("::cluster::Cluster"))?.objectId;
              const masterCap = res.created.find((c) => c.type?.endsWith("::cluster::MasterCap"))?.objectId;
              if (!id || !masterCap) throw new Error(`sequence ${index}: create_cluster made no Cluster/MasterCap`);
              clusterCount++;
              cl = { k, id, masterCap, members: [], invited: members, quorum, epoch: 0n };
              subs.set(hex(fromHexId(id)), `object::id_to_bytes(&clusters[${k}])`);
              return res;
            },
          };
        }
        case "accept": {
          const c = need(cl);
          return {
            label: `accept ${node}`,
            sender: me,
            move: withCluster(c.k, [`cluster::accept_membership(&mut cl, &caps[${capIndex(node)}]);`]),
            run: async () => {
              const res = await atoma.acceptMembership(me.kp, { clusterId: c.id, nodeCap: nodeCaps[node]! });
              c.invited = c.invited.filter((i) => i !== node);
              c.members.push(node);
              return res;
            },
          };
        }
        case "rotate": {
          const c = need(cl);
          const epoch = r.chance(95) ? c.epoch + 1n : c.epoch + BigInt(r.pick([0, 2]));
          const key = `c${c.k}:${c.epoch + 1n}:${r.int(1000)}`;
          const now = this.d.clock.now();
          const deadline = r.chance(95) ? now + BigInt(r.pick([30_000, 60_000, 300_000])) : now;
          return {
            label: `rotate epoch ${epoch} deadline +${deadline - now}`,
            sender: admin,
            move: withCluster(c.k, [
              `cluster::start_rotation(&mut cl, &mcaps[${c.k}], ${epoch}, x"${hex(keyOf(key))}", ${deadline}, &clock);`,
            ]),
            run: async () => {
              const tx = new Transaction();
              buildStartRotation(tx, {
                packageId: deployed.packageId,
                cluster: await clusterInput(c.id),
                masterCap: c.masterCap,
                epoch,
                commitment: keyOf(key),
                deadlineMs: deadline,
              });
              const res = await atoma.execute(tx, admin.kp);
              c.pending = { epoch, key, deadline, acks: new Set() };
              return res;
            },
          };
        }
        case "ack": {
          const c = need(cl);
          const p = c.pending;
          // Honest: the pending epoch and key; sometimes another key or epoch (EWrongCommitment,
          // EWrongEpoch). A non-member or a late member (after the deadline) is refused by the chain.
          const wrong = r.chance(6);
          const epoch = p ? p.epoch : c.epoch + 1n;
          const key = p && !wrong ? p.key : `wrong:${r.int(1000)}`;
          return {
            label: `ack ${node} epoch ${epoch}${wrong ? " wrong key" : ""}`,
            sender: me,
            move: withReg(
              withCluster(c.k, [
                `cluster::ack_rotation(&mut cl, &reg, &caps[${capIndex(node)}], ${epoch}, x"${hex(keyOf(key))}", &clock);`,
              ]),
              false,
            ),
            run: async () => {
              const res = await atoma.ackRotation(me.kp, {
                clusterId: c.id,
                nodeCap: nodeCaps[node]!,
                epoch,
                commitment: keyOf(key),
              });
              p?.acks.add(node);
              return res;
            },
          };
        }
        case "complete": {
          const c = need(cl);
          return {
            label: "complete rotation",
            sender: keeper,
            move: withReg(withCluster(c.k, ["cluster::complete_rotation(&mut cl, &reg, &clock);"]), false),
            run: async () => {
              const res = await atoma.completeRotation(keeper.kp, c.id);
              if (c.pending) c.epoch = c.pending.epoch;
              c.pending = undefined;
              return res;
            },
          };
        }
        case "abort_rotation": {
          const c = need(cl);
          return {
            label: "abort rotation",
            sender: keeper,
            move: withCluster(c.k, ["cluster::abort_rotation(&mut cl, &clock);"]),
            run: async () => {
              const tx = new Transaction();
              buildAbortRotation(tx, { packageId: deployed.packageId, cluster: await clusterInput(c.id) });
              const res = await atoma.execute(tx, keeper.kp);
              c.pending = undefined;
              return res;
            },
          };
        }
        case "advance": {
          const ms = BigInt(
            r.chance(80) ? r.pick([1_000, 5_000, 20_000, 60_000]) : r.pick([121_000, 301_000, 7 * 86_400_000 + 1]),
          );
          return {
            label: `advance ${ms}`,
            sender: keeper,
            move: [],
            run: async () => {
              this.d.clock.advance(ms);
              return undefined;
            },
          };
        }
        case "add_stake": {
          const amount = BigInt(1 + r.int(50)) * SUI;
          return {
            label: `add_stake ${node} ${amount}`,
            sender: me,
            move: withReg([
              `let c = coin::mint_for_testing<SUI>(${amount}, s.ctx());`,
              ...withAcc(node, [`node::add_stake(&mut reg, &mut acc, &caps[${capIndex(node)}], c);`]),
            ]),
            run: () => atoma.addStake(me.kp, nodeCaps[node]!, amount),
          };
        }
        case "unstake":
          return {
            label: `unstake ${node}`,
            sender: me,
            move: withReg(
              withAcc(node, [`node::request_unstake(&mut reg, &mut acc, &caps[${capIndex(node)}], &clock);`]),
            ),
            run: async () => {
              const res = await atoma.requestUnstake(me.kp, nodeCaps[node]!);
              unstaked.add(node);
              return res;
            },
          };
        case "withdraw":
          return {
            label: `withdraw ${node}`,
            sender: me,
            move: withReg(
              withAcc(node, [
                `let c = node::withdraw_stake(&reg, &mut acc, &caps[${capIndex(node)}], &clock, s.ctx());`,
                `transfer::public_transfer(c, @${me.addr});`,
              ]),
              false,
            ),
            run: () => atoma.withdrawStake(me.kp, nodeCaps[node]!),
          };
        case "price": {
          const price = BigInt(r.int(40)) * 1_000_000n;
          return {
            label: `price ${node} ${price}`,
            sender: me,
            move: withReg([`node::set_price(&mut reg, &caps[${capIndex(node)}], ${price});`]),
            run: () => atoma.setPrice(me.kp, nodeCaps[node]!, price),
          };
        }
        case "verifier": {
          const measurement = MEASUREMENTS[honest || r.chance(80) ? 0 : 1]!;
          return {
            label: `verifier + measurement ${hex(measurement).slice(0, 8)}`,
            sender: admin,
            move: withReg([
              `registry::add_verifier(&mut reg, &admin, x"${hex(VERIFIER_PK)}");`,
              `registry::allow_measurement(&mut reg, &admin, 1, x"${hex(measurement)}");`,
            ]),
            run: async () => {
              const tx = new Transaction();
              const b = {
                packageId: deployed.packageId,
                registry: {
                  objectId: deployed.registryId,
                  initialSharedVersion: deployed.registryInitialSharedVersion,
                },
                adminCap: deployed.adminCapId,
              };
              buildAddVerifier(tx, { ...b, verifierPk: VERIFIER_PK });
              buildAllowMeasurement(tx, { ...b, teeKind: 1, measurement });
              const res = await atoma.execute(tx, admin.kp);
              verifierAdded = true;
              return res;
            },
          };
        }
        case "attest": {
          const measurement = MEASUREMENTS[honest || r.chance(85) ? 0 : 1]!;
          const now = this.d.clock.now();
          const expires = honest || r.chance(90) ? now + 3_600_000n : now - 1n;
          const rdh = blake2b(Uint8Array.from([...h32(`sig:${node}`), ...h32(`enc:${node}`)]), { dkLen: 32 });
          const eh = h32(`evidence:${node}`);
          const verdict = (nodeId: string) => ({
            nodeId,
            teeKind: 1,
            measurement,
            reportDataHash: rdh,
            evidenceHash: eh,
            issuedMs: now,
            expiresMs: expires,
          });
          const moveSig = signVerdict(verdict(moveNodeIds[node]!), VERIFIER_SK);
          return {
            label: `attest ${node} ${hex(measurement).slice(0, 8)} expires ${expires}`,
            sender: me,
            move: withReg([
              `attestation::record_attestation(&mut reg, &caps[${capIndex(node)}], 1, x"${hex(measurement)}", x"${hex(rdh)}", x"${hex(eh)}", ${now}, ${expires}, x"${hex(VERIFIER_PK)}", x"${hex(moveSig)}", &clock);`,
            ]),
            run: async () => {
              const res = await atoma.recordAttestation(me.kp, {
                nodeCap: nodeCaps[node]!,
                teeKind: 1,
                measurement,
                reportDataHash: rdh,
                evidenceHash: eh,
                issuedMs: now,
                expiresMs: expires,
                verifierPk: VERIFIER_PK,
                signature: signVerdict(verdict(nodeIds[node]!), VERIFIER_SK),
              });
              attestedUntil.set(node, expires);
              return res;
            },
          };
        }
        case "capabilities": {
          const caps = r.chance(70) ? [...capabilities] : r.chance(50) ? [capabilities[1]!] : [];
          return {
            label: `capabilities ${node} ${caps.join(",")}`,
            sender: me,
            move: withReg([
              `node::set_capabilities(&mut reg, &caps[${capIndex(node)}], vector[${caps.map((c) => `x"${hex(enc.encode(c))}"`).join(", ")}]);`,
            ]),
            run: () => atoma.setCapabilities(me.kp, nodeCaps[node]!, caps),
          };
        }
      }
      return undefined;
    };

    for (let k = 0; k < maxOps; k++) {
      const op = choose();
      if (!op) continue;
      ops.push(op.label);
      if (op.label.startsWith("advance")) {
        await op.run();
        continue;
      }
      const now = this.d.clock.now();
      txn += 1;
      let res: { digest: string; events?: { name: string }[] } | undefined;
      try {
        res = (await op.run()) as typeof res;
      } catch (e) {
        if (!(e instanceof MoveAbortError)) throw e;
        abort = { module: e.module ?? "?", code: e.abortCode, ...(e.constantName ? { constant: e.constantName } : {}) };
      }
      body.push(`// ${op.label}`);
      body.push(`clock.set_for_testing(${now});`);
      body.push(`assert!(s.next_tx(@${op.sender.addr}).num_user_events() == ${prevEvents}, ${next()});`);
      let moveLines = op.move;
      if (moveLines[0] === "__SEED__") {
        const seedExpr = abort ? 'x"00"' : `x"${hex(this.generatorSeed(need(res).digest))}"`;
        const call =
          op.label === "sample"
            ? withReg(withReq(["request::sample_with(&mut req, &reg, &mut g, &clock);"]), false)
            : withReg(withReq(["settlement::escalate_with(&mut req, &mut reg, &mut g, &clock, s.ctx());"]));
        moveLines = [`let mut g = random::new_generator_from_seed_for_testing(${seedExpr});`, ...call];
      }
      body.push(
        ...moveLines.map((l) =>
          l === "__PAYMENT__" ? `let c = coin::mint_for_testing<SUI>(${payment}, s.ctx());` : l,
        ),
      );
      if (abort) break;
      // Events of this transaction, per type, as BCS of the vector of that type.
      const tx = await this.sui.getTransactionBlock({ digest: need(res).digest, options: { showEvents: true } });
      const evs = tx.events ?? [];
      prevEvents = evs.length;
      const byType = new Map<string, Uint8Array[]>();
      for (const e of evs) {
        const name = e.type.split("::").pop()!;
        const raw = Buffer.from((e as { bcs: string }).bcs, "base64");
        byType.set(name, [...(byType.get(name) ?? []), raw]);
      }
      if (byType.has("RequestSettled")) phase = "settled";
      if (byType.has("DisputeOpened")) phase = "disputed";
      if (byType.has("RequestFailed") || byType.has("OutputPosted")) phase = "done";
      if (phase !== "disputed") starved = false;
      // Every type the devnet emitted (the count above covers types it did not emit).
      for (const [name, list] of byType) {
        const bytes = Uint8Array.from([
          ...bcs.uleb128().serialize(list.length).toBytes(),
          ...list.flatMap((b) => [...b]),
        ]);
        body.push(
          `assert!(bcs::to_bytes(&event::events_by_type<events::${name}>()) == ${spliced(bytes, subs)}, ${next()}); // ${list.length} ${name}`,
        );
      }
    }
    if (!abort) {
      body.push("// final state");
      body.push(`assert!(s.next_tx(@${keeper.addr}).num_user_events() == ${prevEvents}, ${next()});`);
      body.push("let reg = s.take_shared<Registry>();");
      const reg = await atoma.getRegistry();
      body.push(`assert!(registry::treasury_value(&reg) == ${reg.treasury.value}, ${next()});`);
      body.push(`assert!(registry::node_count(&reg) == ${reg.node_count}, ${next()});`);
      for (const i of capOrder) {
        const n = await atoma.getNode(nodeIds[i]!);
        const id = moveNode(i);
        const checks: [string, string][] = [
          ["status", String(n.status)],
          ["price", String(n.price)],
          ["weight", String(n.weight)],
        ];
        for (const [f, v] of checks) body.push(`assert!(registry::node_${f}(&reg, ${id}) == ${v}, ${next()});`);
        // the node's shared account: stake, unbonding, reputation, counters
        const account: [string, string][] = [
          ["stake", String(n.stake.value)],
          ["unbonding", String(n.unbonding.value)],
          ["unbonding_until_ms", String(n.unbonding_until_ms)],
          ["reputation", String(n.reputation)],
          ["served", String(n.served)],
          ["slashed", String(n.slashed)],
        ];
        body.push(`let acc = s.take_shared_by_id<NodeAccount>(${id});`);
        for (const [f, v] of account) body.push(`assert!(node_account::${f}(&acc) == ${v}, ${next()});`);
        body.push("ts::return_shared(acc);");
        const capsV = n.capabilities.map((c) => `x"${hex(Uint8Array.from(c))}"`).join(", ");
        body.push(`assert!(registry::node_capabilities(&reg, ${id}) == vector[${capsV}], ${next()});`);
        const att = bcs.option(Attestation).serialize(n.attestation).toBytes();
        body.push(
          `assert!(bcs::to_bytes(&registry::node_attestation(&reg, ${id})) == ${spliced(att, subs)}, ${next()});`,
        );
      }
      if (requestId) {
        const obj = await this.sui.getObject({ id: requestId, options: { showBcs: true } });
        const data = obj.data?.bcs as { bcsBytes?: string } | undefined;
        if (!data?.bcsBytes) throw new Error(`sequence ${index}: no BCS for request ${requestId}`);
        const bytes = Uint8Array.from(Buffer.from(data.bcsBytes, "base64"));
        body.push("let req = s.take_shared_by_id<Request>(reqs[reqs.length() - 1]);");
        body.push(`assert!(bcs::to_bytes(&req) == ${spliced(bytes, subs)}, ${next()});`);
        body.push("ts::return_shared(req);");
      }
      body.push("ts::return_shared(reg);");
      if (cl) {
        const obj = await this.sui.getObject({ id: cl.id, options: { showBcs: true } });
        const data = obj.data?.bcs as { bcsBytes?: string } | undefined;
        if (!data?.bcsBytes) throw new Error(`sequence ${index}: no BCS for cluster ${cl.id}`);
        const bytes = Uint8Array.from(Buffer.from(data.bcsBytes, "base64"));
        body.push(`let cl = s.take_shared_by_id<Cluster>(clusters[${cl.k}]);`);
        body.push(`assert!(bcs::to_bytes(&cl) == ${spliced(bytes, subs)}, ${next()});`);
        body.push("ts::return_shared(cl);");
      }
    }
    body.push("finish(s, admin, clock, caps, mcaps);");
    const name = `seq_${index}`;
    const attr = abort ? `#[test, expected_failure(${abortAttr(abort)})]` : "#[test]";
    const move = [
      `/// ${ops.join("; ")}`,
      attr,
      `fun ${name}() {`,
      ...[
        "let (mut s, admin, mut clock) = setup();",
        "let mut caps: vector<NodeCap> = vector[];",
        "let mut reqs: vector<ID> = vector[];",
        "let mut clusters: vector<ID> = vector[];",
        "let mut mcaps: vector<MasterCap> = vector[];",
        ...body,
      ].map((l) => `    ${l}`),
      "}",
    ].join("\n");
    return { name, ops, ...(abort ? { abort } : {}), move };

    function withReg(lines: string[], mut = true): string[] {
      return [`let ${mut ? "mut " : ""}reg = s.take_shared<Registry>();`, ...lines, "ts::return_shared(reg);"];
    }
    function withAcc(node: number, lines: string[]): string[] {
      return [
        `let mut acc = s.take_shared_by_id<NodeAccount>(${moveNode(node)});`,
        ...lines,
        "ts::return_shared(acc);",
      ];
    }
    function withCluster(k: number, lines: string[]): string[] {
      return [`let mut cl = s.take_shared_by_id<Cluster>(clusters[${k}]);`, ...lines, "ts::return_shared(cl);"];
    }
    async function clusterInput(id: string) {
      const c = await atoma.getCluster(id);
      const v = c.meta.initialSharedVersion;
      return v === undefined ? id : { objectId: id, initialSharedVersion: v };
    }
    function withReq(lines: string[]): string[] {
      return [
        "let mut req = s.take_shared_by_id<Request>(reqs[reqs.length() - 1]);",
        ...lines,
        "ts::return_shared(req);",
      ];
    }
    function need<T>(v: T | undefined): T {
      if (v === undefined) throw new Error(`sequence ${index}: missing value`);
      return v;
    }
  }

  /**
   * The seed `random::new_generator` derived in transaction `digest`: hmac_sha3_256(Random
   * state, the transaction's first fresh address), with the devnet's Random state
   * (blake2b("random-beacon:" ‖ seed ‖ digest), devnet/README) and fresh ids
   * (blake2b(utf8(base58 digest) ‖ u64le(n)), `Session.freshId` in devnet/src/runtime/session.ts; not
   * Sui's derive_id).
   */
  private generatorSeed(digest: string): Uint8Array {
    const beacon = blake2b(enc.encode(`random-beacon:${this.d.runtime.seed}${digest}`), { dkLen: 32 });
    const fresh = blake2b(Uint8Array.from([...enc.encode(digest), 0, 0, 0, 0, 0, 0, 0, 0]), { dkLen: 32 });
    return hmac(sha3_256, beacon, fresh);
  }
}

const VERIFIER_SK = h32("atoma-fuzz-verifier");
const VERIFIER_PK = ed25519.getPublicKey(VERIFIER_SK);
const MEASUREMENTS = [h32("measurement:good"), h32("measurement:other")];

/** The id `test_scenario` gives the `n`-th object created in transaction `txn`. */
function deriveId(txn: number, n: number): string {
  const digest = new Uint8Array(32);
  new DataView(digest.buffer).setBigUint64(0, BigInt(txn), true);
  const le = new Uint8Array(8);
  new DataView(le.buffer).setBigUint64(0, BigInt(n), true);
  return `0x${hex(blake2b(Uint8Array.from([0xf1, ...digest, ...le]), { dkLen: 32 }))}`;
}

function abortAttr(a: NonNullable<SequenceTest["abort"]>): string {
  if (a.constant && a.module !== "?") return `abort_code = atoma::${a.module}::${a.constant}`;
  return `abort_code = ${a.code}`;
}

function fromHexId(id: string): Uint8Array {
  return Uint8Array.from(Buffer.from(id.replace(/^0x/, "").padStart(64, "0"), "hex"));
}

/** The Move test module holding `tests`. */
export function sequencesToMove(tests: SequenceTest[], seed: string): string {
  return `// Generated by devnet/test/fuzz/sequences.ts (seed ${JSON.stringify(seed)}): what the devnet did.
#[test_only, allow(unused_use)]
module atoma::fuzz_sequences;

use atoma::attestation;
use atoma::cluster::{Self, Cluster, MasterCap};
use atoma::events;
use atoma::node::{Self, NodeCap};
use atoma::node_account::{Self, NodeAccount};
use atoma::registry::{Self, AdminCap, Registry};
use atoma::request::{Self, Request};
use atoma::settlement;
use sui::bcs;
use sui::clock::{Self, Clock};
use sui::coin;
use sui::event;
use sui::random;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

fun setup(): (Scenario, AdminCap, Clock) {
    let mut s = ts::begin(@0x0);
    let (reg, admin) = registry::new_for_testing(s.ctx());
    registry::share_for_testing(reg);
    let clock = clock::create_for_testing(s.ctx());
    (s, admin, clock)
}

fun finish(s: Scenario, admin: AdminCap, clock: Clock, mut caps: vector<NodeCap>, mut mcaps: vector<MasterCap>) {
    while (!caps.is_empty()) transfer::public_transfer(caps.pop_back(), @0xdead);
    caps.destroy_empty();
    while (!mcaps.is_empty()) transfer::public_transfer(mcaps.pop_back(), @0xdead);
    mcaps.destroy_empty();
    transfer::public_transfer(admin, @0x0);
    clock.destroy_for_testing();
    s.end();
}

/// One settlement PTB as the SDK builds it: settle_begin, settle_node per assigned account, settle_end.
fun settle_all(s: &mut Scenario, req: &mut Request, reg: &Registry, clock: &Clock) {
    let mut st = settlement::settle_begin(req, reg, clock, s.ctx());
    request::assignments(req).map_ref!(|a| request::a_node_id(a)).do!(|id| {
        let mut acc = s.take_shared_by_id<NodeAccount>(id);
        settlement::settle_node(&mut st, &mut acc);
        ts::return_shared(acc);
    });
    settlement::settle_end(st, req, s.ctx());
}

${tests.map((t) => t.move).join("\n\n")}
`;
}
