import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import * as m from "../../src/protocol/index.js";
import {
  type Cluster,
  contextFor,
  defaultParams,
  dummyTxHash,
  ERROR_CODES,
  type MasterCap,
  MoveAbort,
  type NodeCap,
  type Registry,
  type Request,
  RequestStatus,
  Tx,
} from "../../src/protocol/index.js";

const SUI = 1_000_000_000n;
const enc = new TextEncoder();
const CAP = enc.encode("cap");
const H = (s: string) => m.blake2b256(enc.encode(s));
const VSK = H("verifier-sk");
const VPK = ed25519.getPublicKey(VSK);
const RANDOM = H("random");
const op = (i: number) => `0x${(0xa0 + i).toString(16).padStart(64, "0")}`;

class World {
  txn = 10n;
  now = 1_000_000n;
  registry: Registry;
  admin: m.AdminCap;
  caps: NodeCap[] = [];
  request?: Request;
  cluster?: Cluster;
  mcap?: MasterCap;
  last?: Tx;
  constructor(nodes = 3) {
    const { registry, adminCap } = m.init(this.tx(), defaultParams());
    this.registry = registry;
    this.admin = adminCap;
    for (let i = 0; i < nodes; i++) this.register(i);
  }
  tx(sender = "0x1"): Tx {
    this.last = new Tx(contextFor(sender, dummyTxHash(this.txn++), this.now, RANDOM));
    return this.last;
  }
  register(i: number, stake = 200n * SUI, price = SUI): NodeCap {
    const c = m.registerNode(this.tx(op(i)), this.registry, stake, H(`sig${i}`), H(`enc${i}`), [CAP], price);
    this.caps[i] = c;
    return c;
  }
  node(i: number) {
    return this.registry.nodes.get(this.caps[i]!.node_id)!;
  }
  attestArgs(i: number, over: Partial<Record<string, unknown>> = {}) {
    const n = this.node(i);
    const a = {
      tee: 1,
      measurement: enc.encode("mrtd"),
      rdh: m.blake2b256(n.sig_pk, n.enc_pk),
      eh: H("evidence"),
      issued: this.now,
      expires: this.now + 3_600_000n,
      vpk: VPK,
      sk: VSK,
      ...over,
    } as {
      tee: number;
      measurement: Uint8Array;
      rdh: Uint8Array;
      eh: Uint8Array;
      issued: bigint;
      expires: bigint;
      vpk: Uint8Array;
      sk: Uint8Array;
      sig?: Uint8Array;
    };
    const msg = m.attestationMessage(n.node_id, a.tee, a.measurement, a.rdh, a.eh, a.issued, a.expires);
    return { ...a, sig: a.sig ?? ed25519.sign(msg, a.sk) };
  }
  allowTdx() {
    m.addVerifier(this.tx(), this.registry, this.admin, VPK);
    m.allowMeasurement(this.tx(), this.registry, this.admin, 1, enc.encode("mrtd"));
  }
  attest(i: number, over: Partial<Record<string, unknown>> = {}) {
    const a = this.attestArgs(i, over);
    m.recordAttestation(
      this.tx(op(i)),
      this.registry,
      this.caps[i]!,
      a.tee,
      a.measurement,
      a.rdh,
      a.eh,
      a.issued,
      a.expires,
      a.vpk,
      a.sig,
    );
  }
  create(over: Partial<m.CreateRequestArgs> = {}, payment?: bigint): Request {
    const args: m.CreateRequestArgs = {
      kind: 0,
      capability: CAP,
      input_hash: H("in"),
      input: enc.encode("x"),
      max_tokens: 1n,
      fuel: 0n,
      sample_size: 3n,
      quorum_bps: 0n,
      max_price: 2n * SUI,
      confidential: false,
      ...over,
    };
    const pay = payment ?? m.escrowFor(args.sample_size || 3n, args.max_price, 500n);
    this.request = m.createRequest(this.tx("0xbeef"), this.registry, pay, args);
    return this.request;
  }
  sample() {
    m.sampleNodes(this.tx(), this.request!, this.registry);
  }
  commit(i: number, out = "A") {
    m.commit(
      this.tx(op(i)),
      this.request!,
      this.caps[i]!,
      m.resultCommitment(H(out), this.caps[i]!.node_id, H(`salt${i}`)),
    );
  }
  reveal(i: number, out = "A") {
    m.reveal(this.tx(op(i)), this.request!, this.caps[i]!, H(out), H(`salt${i}`));
  }
  settle() {
    m.settle(this.tx(), this.request!, this.registry);
  }
  /** Created, sampled, all committed and revealed `out`. */
  revealedAll(out = "A") {
    this.create();
    this.sample();
    for (const i of [0, 1, 2]) this.commit(i, out);
    for (const i of [0, 1, 2]) this.reveal(i, out);
  }
  makeCluster(members = [0, 1, 2], q = 6_000n) {
    const r = m.createCluster(
      this.tx("0xc1"),
      this.registry,
      members.map((i) => this.caps[i]!.node_id),
      H("k0"),
      q,
    );
    this.cluster = r.cluster;
    this.mcap = r.cap;
  }
  events(): string[] {
    return this.last!.effects.events.map((e) => e.name);
  }
}

function aborts(fn: () => unknown, module: keyof typeof ERROR_CODES, name: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${module}::${name}`).toBeInstanceOf(MoveAbort);
  const a = caught as MoveAbort;
  expect({ module: a.module, errorName: a.errorName, code: a.code }).toEqual({
    module,
    errorName: name,
    code: (ERROR_CODES[module] as Record<string, number>)[name],
  });
}

type Case = [string, keyof typeof ERROR_CODES, string, (w: World) => void];

const abortCases: Case[] = [
  // config / registry admin
  [
    "set_param unknown name",
    "config",
    "EUnknownParam",
    (w) => m.setParam(w.tx(), w.registry, w.admin, enc.encode("nope"), 1n),
  ],
  [
    "set_param out of bounds",
    "config",
    "EParamOutOfBounds",
    (w) => m.setParam(w.tx(), w.registry, w.admin, enc.encode("quorum_bps"), 5_000n),
  ],
  [
    "min_stake above stake_cap",
    "config",
    "EParamOutOfBounds",
    (w) => m.setParam(w.tx(), w.registry, w.admin, enc.encode("min_stake"), 20_000n * SUI),
  ],
  [
    "wrong registry version",
    "registry",
    "EWrongVersion",
    (w) => {
      w.registry.version = 0n;
      m.setPaused(w.tx(), w.registry, w.admin, true);
    },
  ],
  [
    "paused",
    "registry",
    "EPaused",
    (w) => {
      m.setPaused(w.tx(), w.registry, w.admin, true);
      w.register(5);
    },
  ],
  ["migrate at current version", "registry", "ENotUpgrade", (w) => m.migrate(w.tx(), w.registry, w.admin)],
  [
    "verifier key of 31 bytes",
    "registry",
    "EInvalidKey",
    (w) => m.addVerifier(w.tx(), w.registry, w.admin, new Uint8Array(31)),
  ],
  [
    "verifier twice",
    "registry",
    "EVerifierExists",
    (w) => {
      m.addVerifier(w.tx(), w.registry, w.admin, VPK);
      m.addVerifier(w.tx(), w.registry, w.admin, VPK);
    },
  ],
  [
    "remove unknown verifier",
    "registry",
    "EUnknownVerifier",
    (w) => m.removeVerifier(w.tx(), w.registry, w.admin, VPK),
  ],
  [
    "measurement for tee 0",
    "registry",
    "EInvalidTeeKind",
    (w) => m.allowMeasurement(w.tx(), w.registry, w.admin, 0, enc.encode("m")),
  ],
  [
    "measurement for tee 5",
    "registry",
    "EInvalidTeeKind",
    (w) => m.allowMeasurement(w.tx(), w.registry, w.admin, 5, enc.encode("m")),
  ],
  [
    "empty measurement",
    "registry",
    "EInvalidMeasurement",
    (w) => m.allowMeasurement(w.tx(), w.registry, w.admin, 1, new Uint8Array()),
  ],
  [
    "disallow unknown measurement",
    "registry",
    "EUnknownMeasurement",
    (w) => m.disallowMeasurement(w.tx(), w.registry, w.admin, 1, enc.encode("m")),
  ],
  [
    "withdraw more than the treasury",
    "registry",
    "EInsufficientTreasury",
    (w) => m.withdrawTreasury(w.tx(), w.registry, w.admin, 1n),
  ],
  [
    "revoke unknown node",
    "registry",
    "EUnknownNode",
    (w) => m.revokeAttestation(w.tx(), w.registry, w.admin, `0x${"7".repeat(64)}`),
  ],
  [
    "revoke without attestation",
    "registry",
    "ENoAttestation",
    (w) => m.revokeAttestation(w.tx(), w.registry, w.admin, w.caps[0]!.node_id),
  ],
  [
    "capability full",
    "registry",
    "ECapabilityFull",
    (w) => {
      m.setParam(w.tx(), w.registry, w.admin, enc.encode("max_eligible_per_capability"), 3n);
      w.register(3);
    },
  ],
  // node
  ["stake below min_stake", "node", "EStakeTooLow", (w) => w.register(5, 99n * SUI)],
  [
    "sig_pk of 31 bytes",
    "node",
    "EInvalidKey",
    (w) => m.registerNode(w.tx(), w.registry, 200n * SUI, new Uint8Array(31), H("e"), [CAP], 1n),
  ],
  [
    "no capability",
    "node",
    "EInvalidCapability",
    (w) => m.registerNode(w.tx(), w.registry, 200n * SUI, H("s"), H("e"), [], 1n),
  ],
  [
    "17 capabilities",
    "node",
    "EInvalidCapability",
    (w) =>
      m.registerNode(
        w.tx(),
        w.registry,
        200n * SUI,
        H("s"),
        H("e"),
        Array.from({ length: 17 }, (_, i) => Uint8Array.of(i)),
        1n,
      ),
  ],
  [
    "capability of 65 bytes",
    "node",
    "EInvalidCapability",
    (w) => m.registerNode(w.tx(), w.registry, 200n * SUI, H("s"), H("e"), [new Uint8Array(65)], 1n),
  ],
  [
    "duplicate capability",
    "node",
    "EInvalidCapability",
    (w) => m.setCapabilities(w.tx(), w.registry, w.caps[0]!, [CAP, CAP]),
  ],
  [
    "add_stake while leaving",
    "node",
    "ENodeLeaving",
    (w) => {
      m.requestUnstake(w.tx(), w.registry, w.caps[0]!);
      m.addStake(w.tx(), w.registry, w.caps[0]!, SUI);
    },
  ],
  [
    "unstake twice",
    "node",
    "ENodeLeaving",
    (w) => {
      m.requestUnstake(w.tx(), w.registry, w.caps[0]!);
      m.requestUnstake(w.tx(), w.registry, w.caps[0]!);
    },
  ],
  ["withdraw while active", "node", "ENotLeaving", (w) => m.withdrawStake(w.tx(), w.registry, w.caps[0]!)],
  [
    "withdraw while unbonding",
    "node",
    "EStillUnbonding",
    (w) => {
      m.requestUnstake(w.tx(), w.registry, w.caps[0]!);
      w.now += 604_799_999n;
      m.withdrawStake(w.tx(), w.registry, w.caps[0]!);
    },
  ],
  ["add zero stake", "node", "EZeroAmount", (w) => m.addStake(w.tx(), w.registry, w.caps[0]!, 0n)],
  ["jail a well-staked node", "node", "ENotJailable", (w) => m.jail(w.tx(), w.registry, w.caps[0]!.node_id)],
  ["jail an unknown node", "registry", "EUnknownNode", (w) => m.jail(w.tx(), w.registry, `0x${"5".repeat(64)}`)],
  // attestation
  ["unknown verifier", "attestation", "EUnknownVerifier", (w) => w.attest(0)],
  [
    "tee kind 5",
    "attestation",
    "EInvalidTeeKind",
    (w) => {
      w.allowTdx();
      w.attest(0, { tee: 5 });
    },
  ],
  [
    "report data mismatch",
    "attestation",
    "EReportDataMismatch",
    (w) => {
      w.allowTdx();
      w.attest(0, { rdh: H("x") });
    },
  ],
  [
    "evidence hash of 31 bytes",
    "attestation",
    "EInvalidHash",
    (w) => {
      w.allowTdx();
      w.attest(0, { eh: new Uint8Array(31) });
    },
  ],
  [
    "expired verdict",
    "attestation",
    "EAttestationExpired",
    (w) => {
      w.allowTdx();
      w.attest(0, { expires: w.now });
    },
  ],
  [
    "verdict issued after the clock",
    "attestation",
    "EIssuedInFuture",
    (w) => {
      w.allowTdx();
      w.attest(0, { issued: w.now + 1n });
    },
  ],
  [
    "revoked verdict replayed",
    "attestation",
    "EIssuedBeforeRevocation",
    (w) => {
      w.allowTdx();
      w.attest(0);
      m.revokeAttestation(w.tx(), w.registry, w.admin, w.node(0).node_id);
      w.attest(0);
    },
  ],
  [
    "validity too long",
    "attestation",
    "EValidityTooLong",
    (w) => {
      w.allowTdx();
      w.attest(0, { expires: w.now + 86_400_001n });
    },
  ],
  [
    "measurement not allowed",
    "attestation",
    "EMeasurementNotAllowed",
    (w) => {
      w.allowTdx();
      w.attest(0, { measurement: enc.encode("other") });
    },
  ],
  [
    "bad verdict signature",
    "attestation",
    "EBadVerdictSignature",
    (w) => {
      w.allowTdx();
      w.attest(0, { sig: new Uint8Array(64) });
    },
  ],
  [
    "verdict signed by another key",
    "attestation",
    "EBadVerdictSignature",
    (w) => {
      w.allowTdx();
      w.attest(0, { sk: H("other") });
    },
  ],
  // request: create
  ["kind 2", "request", "EInvalidKind", (w) => w.create({ kind: 2 })],
  ["empty capability", "request", "EInvalidCapability", (w) => w.create({ capability: new Uint8Array() })],
  ["sample size 33", "request", "EInvalidSampleSize", (w) => w.create({ sample_size: 33n })],
  ["quorum 50 %", "request", "EInvalidQuorum", (w) => w.create({ quorum_bps: 5_000n })],
  ["input hash of 31 bytes", "request", "EInvalidHash", (w) => w.create({ input_hash: new Uint8Array(31) })],
  ["input too large", "request", "EInputTooLarge", (w) => w.create({ input: new Uint8Array(16_385) })],
  ["max price 0", "request", "EInvalidPrice", (w) => w.create({ max_price: 0n }, 0n)],
  ["escrow beyond u64", "request", "EInvalidPrice", (w) => w.create({ max_price: (1n << 64n) - 1n }, 1n)],
  ["payment below escrow", "request", "EInsufficientPayment", (w) => w.create({}, 6_299_999_999n)],
  [
    "created while paused",
    "registry",
    "EPaused",
    (w) => {
      m.setPaused(w.tx(), w.registry, w.admin, true);
      w.create();
    },
  ],
  // request: sample
  [
    "sample twice",
    "request",
    "EWrongStatus",
    (w) => {
      w.create();
      w.sample();
      w.sample();
    },
  ],
  [
    "sample after the sample deadline",
    "request",
    "EDeadlinePassed",
    (w) => {
      w.create();
      w.now += 300_000n;
      w.sample();
    },
  ],
  [
    "not enough nodes",
    "request",
    "ENotEnoughNodes",
    (w) => {
      w.create({ sample_size: 4n });
      w.sample();
    },
  ],
  [
    "nodes above max_price are not eligible",
    "request",
    "ENotEnoughNodes",
    (w) => {
      m.setPrice(w.tx(op(0)), w.registry, w.caps[0]!, 3n * SUI);
      w.create();
      w.sample();
    },
  ],
  [
    "wrong request version",
    "request",
    "EWrongVersion",
    (w) => {
      w.create();
      w.request!.version = 0n;
      w.sample();
    },
  ],
  // request: commit
  [
    "commit by an unsampled node",
    "request",
    "ENotSampled",
    (w) => {
      w.register(3);
      w.create({ sample_size: 1n });
      m.setCapabilities(w.tx(op(3)), w.registry, w.caps[3]!, [enc.encode("x")]);
      m.setCapabilities(w.tx(op(1)), w.registry, w.caps[1]!, [enc.encode("x")]);
      m.setCapabilities(w.tx(op(2)), w.registry, w.caps[2]!, [enc.encode("x")]);
      w.sample();
      w.commit(1);
    },
  ],
  [
    "commit while revealing",
    "request",
    "EWrongStatus",
    (w) => {
      w.create();
      w.sample();
      for (const i of [0, 1, 2]) w.commit(i);
      w.commit(0);
    },
  ],
  [
    "commit after the commit deadline",
    "request",
    "EDeadlinePassed",
    (w) => {
      w.create();
      w.sample();
      w.now += 300_000n;
      w.commit(0);
    },
  ],
  [
    "commitment of 31 bytes",
    "request",
    "EInvalidHash",
    (w) => {
      w.create();
      w.sample();
      m.commit(w.tx(op(0)), w.request!, w.caps[0]!, new Uint8Array(31));
    },
  ],
  [
    "commit twice",
    "request",
    "EAlreadyCommitted",
    (w) => {
      w.create();
      w.sample();
      w.commit(0);
      w.commit(0);
    },
  ],
  // request: reveal
  [
    "reveal before all commits",
    "request",
    "ERevealTooEarly",
    (w) => {
      w.create();
      w.sample();
      w.commit(0);
      w.reveal(0);
    },
  ],
  [
    "reveal after the reveal deadline",
    "request",
    "EDeadlinePassed",
    (w) => {
      w.create();
      w.sample();
      for (const i of [0, 1, 2]) w.commit(i);
      w.now += 420_000n;
      w.reveal(0);
    },
  ],
  [
    "reveal by an unsampled node",
    "request",
    "ENotSampled",
    (w) => {
      w.create();
      w.sample();
      for (const i of [0, 1, 2]) w.commit(i);
      w.register(4);
      w.reveal(4);
    },
  ],
  [
    "reveal without commit",
    "request",
    "ENotCommitted",
    (w) => {
      w.create();
      w.sample();
      w.commit(0);
      w.now += 300_000n;
      w.reveal(1);
    },
  ],
  [
    "reveal twice",
    "request",
    "EAlreadyRevealed",
    (w) => {
      w.create();
      w.sample();
      for (const i of [0, 1, 2]) w.commit(i);
      w.reveal(0);
      w.reveal(0);
    },
  ],
  [
    "output hash of 31 bytes",
    "request",
    "EInvalidHash",
    (w) => {
      w.create();
      w.sample();
      for (const i of [0, 1, 2]) w.commit(i);
      m.reveal(w.tx(op(0)), w.request!, w.caps[0]!, new Uint8Array(31), H("salt0"));
    },
  ],
  [
    "reveal of another hash",
    "request",
    "ECommitmentMismatch",
    (w) => {
      w.create();
      w.sample();
      for (const i of [0, 1, 2]) w.commit(i);
      w.reveal(0, "B");
    },
  ],
  // request: post_output
  [
    "post output before settlement",
    "request",
    "EWrongStatus",
    (w) => {
      w.revealedAll();
      m.postOutput(w.tx(op(0)), w.request!, w.caps[0]!, enc.encode("o"));
    },
  ],
  [
    "post output by a dissenter",
    "request",
    "ENotAgreeing",
    (w) => {
      w.revealedAll();
      w.settle();
      w.register(4);
      m.postOutput(w.tx(op(4)), w.request!, w.caps[4]!, enc.encode("o"));
    },
  ],
  [
    "post output twice",
    "request",
    "EOutputAlreadyPosted",
    (w) => {
      w.revealedAll();
      w.settle();
      m.postOutput(w.tx(op(0)), w.request!, w.caps[0]!, enc.encode("A"));
      m.postOutput(w.tx(op(1)), w.request!, w.caps[1]!, enc.encode("A"));
    },
  ],
  [
    "public output that does not hash to the agreed hash",
    "request",
    "EOutputMismatch",
    (w) => {
      w.revealedAll();
      w.settle();
      m.postOutput(w.tx(op(0)), w.request!, w.caps[0]!, enc.encode("garbage"));
    },
  ],
  [
    "output too large",
    "request",
    "EOutputTooLarge",
    (w) => {
      w.revealedAll();
      w.settle();
      m.postOutput(w.tx(op(0)), w.request!, w.caps[0]!, new Uint8Array(16_385));
    },
  ],
  // settlement
  [
    "settle a fresh request",
    "settlement",
    "EWrongStatus",
    (w) => {
      w.create();
      w.settle();
    },
  ],
  [
    "settle a settled request",
    "settlement",
    "EWrongStatus",
    (w) => {
      w.revealedAll();
      w.settle();
      w.settle();
    },
  ],
  [
    "settle a disputed request before the dispute deadline",
    "settlement",
    "EWrongStatus",
    (w) => {
      w.create();
      w.sample();
      w.now += 420_000n;
      w.settle();
      w.settle();
    },
  ],
  [
    "settle before reveals or deadline",
    "settlement",
    "ESettleTooEarly",
    (w) => {
      w.create();
      w.sample();
      w.settle();
    },
  ],
  [
    "escalate a request that is not disputed",
    "settlement",
    "ENotDisputed",
    (w) => {
      w.create();
      w.sample();
      m.escalate(w.tx(), w.request!, w.registry);
    },
  ],
  [
    "escalate after the dispute deadline",
    "settlement",
    "EDeadlinePassed",
    (w) => {
      w.create();
      w.sample();
      w.now += 420_000n;
      w.settle();
      w.now += 300_000n;
      m.escalate(w.tx(), w.request!, w.registry);
    },
  ],
  [
    "escalate while paused",
    "registry",
    "EPaused",
    (w) => {
      w.create();
      w.sample();
      w.now += 420_000n;
      w.settle();
      m.setPaused(w.tx(), w.registry, w.admin, true);
      m.escalate(w.tx(), w.request!, w.registry);
    },
  ],
  // cluster
  [
    "cluster of unknown node",
    "cluster",
    "EUnknownNode",
    (w) => m.createCluster(w.tx(), w.registry, [`0x${"9".repeat(64)}`], H("k"), 1n),
  ],
  ["empty cluster", "cluster", "EInvalidMembers", (w) => m.createCluster(w.tx(), w.registry, [], H("k"), 1n)],
  [
    "duplicate member",
    "cluster",
    "EInvalidMembers",
    (w) => m.createCluster(w.tx(), w.registry, [w.caps[0]!.node_id, w.caps[0]!.node_id], H("k"), 1n),
  ],
  [
    "commitment of 31 bytes",
    "cluster",
    "EInvalidHash",
    (w) => m.createCluster(w.tx(), w.registry, [w.caps[0]!.node_id], new Uint8Array(31), 1n),
  ],
  [
    "ack quorum 0",
    "cluster",
    "EInvalidQuorum",
    (w) => m.createCluster(w.tx(), w.registry, [w.caps[0]!.node_id], H("k"), 0n),
  ],
  [
    "wrong cluster version",
    "cluster",
    "EWrongVersion",
    (w) => {
      w.makeCluster();
      w.cluster!.version = 0n;
      m.abortRotation(w.tx(), w.cluster!);
    },
  ],
  [
    "MasterCap of another cluster",
    "cluster",
    "EWrongCap",
    (w) => {
      w.makeCluster();
      const other = m.createCluster(w.tx(), w.registry, [w.caps[0]!.node_id], H("k"), 1n);
      m.startRotation(w.tx(), w.cluster!, other.cap, 1n, H("k1"), w.now + 1n);
    },
  ],
  [
    "rotation already pending",
    "cluster",
    "ERotationPending",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 1n);
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 1n);
    },
  ],
  [
    "rotation to epoch 2",
    "cluster",
    "EWrongEpoch",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 2n, H("k1"), w.now + 1n);
    },
  ],
  [
    "rotation commitment of 31 bytes",
    "cluster",
    "EInvalidHash",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, new Uint8Array(31), w.now + 1n);
    },
  ],
  [
    "rotation deadline now",
    "cluster",
    "EInvalidDeadline",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now);
    },
  ],
  [
    "ack without rotation",
    "cluster",
    "ENoRotation",
    (w) => {
      w.makeCluster();
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 1n);
    },
  ],
  [
    "ack by a non-member",
    "cluster",
    "ENotMember",
    (w) => {
      w.makeCluster([0, 1]);
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[2]!, 1n);
    },
  ],
  [
    "ack by an unattested member",
    "cluster",
    "ENotAttested",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 1n);
    },
  ],
  [
    "ack for another epoch",
    "cluster",
    "EWrongEpoch",
    (w) => {
      w.allowTdx();
      w.attest(0);
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 2n);
    },
  ],
  [
    "ack after the deadline",
    "cluster",
    "EDeadlinePassed",
    (w) => {
      w.allowTdx();
      w.attest(0);
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      w.now += 10n;
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 1n);
    },
  ],
  [
    "ack twice",
    "cluster",
    "EAlreadyAcked",
    (w) => {
      w.allowTdx();
      w.attest(0);
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 1n);
      m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 1n);
    },
  ],
  [
    "complete below quorum",
    "cluster",
    "EQuorumNotReached",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      m.completeRotation(w.tx(), w.cluster!, w.registry);
    },
  ],
  [
    "complete without rotation",
    "cluster",
    "ENoRotation",
    (w) => {
      w.makeCluster();
      m.completeRotation(w.tx(), w.cluster!, w.registry);
    },
  ],
  [
    "abort before the deadline",
    "cluster",
    "EDeadlineNotPassed",
    (w) => {
      w.makeCluster();
      m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
      m.abortRotation(w.tx(), w.cluster!);
    },
  ],
];

describe("every abort path: module, error name and code as in the Move package", () => {
  for (const [name, module, error, fn] of abortCases) {
    it(`${name} → ${module}::${error}`, () => aborts(() => fn(new World()), module, error));
  }

  it("covers every error constant except unreachable ones", () => {
    const covered = new Set(abortCases.map(([, mod, e]) => `${mod}::${e}`));
    const all = Object.entries(ERROR_CODES).flatMap(([mod, t]) => Object.keys(t).map((e) => `${mod}::${e}`));
    // request::EWrongVersion on commit/reveal/post_output needs a migrated package; covered via sample.
    // request::accept_output (confidential outputs, issue 13 A3) is not mirrored in this TS copy
    // of the protocol; its abort paths are covered by the Move tests (request_tests::accept_*).
    const notMirrored = ["EOutputAccepted", "ENotRequester", "ENotConfidential", "ENoOutputFromNode"];
    expect(all.filter((e) => !covered.has(e))).toEqual(notMirrored.map((e) => `request::${e}`));
  });
});

describe("happy paths", () => {
  it("admin: params, pause, verifiers, measurements, migrate, treasury", () => {
    const w = new World(0);
    m.setParam(w.tx(), w.registry, w.admin, enc.encode("quorum_bps"), 7_000n);
    expect(w.registry.params.quorum_bps).toBe(7_000n);
    m.setPaused(w.tx(), w.registry, w.admin, true);
    expect(w.registry.paused).toBe(true);
    m.addVerifier(w.tx(), w.registry, w.admin, VPK);
    m.removeVerifier(w.tx(), w.registry, w.admin, VPK);
    expect(w.registry.verifiers).toEqual([]);
    m.allowMeasurement(w.tx(), w.registry, w.admin, 2, enc.encode("m"));
    m.allowMeasurement(w.tx(), w.registry, w.admin, 2, enc.encode("m"));
    expect(w.registry.measurements).toEqual([{ key: 2, value: [enc.encode("m")] }]);
    m.disallowMeasurement(w.tx(), w.registry, w.admin, 2, enc.encode("m"));
    expect(w.registry.measurements).toEqual([{ key: 2, value: [] }]);
    w.registry.version = 0n;
    m.migrate(w.tx(), w.registry, w.admin);
    expect(w.registry.version).toBe(1n);
    w.registry.treasury = 10n;
    const id = m.withdrawTreasury(w.tx(), w.registry, w.admin, 4n);
    expect(w.registry.treasury).toBe(6n);
    expect(w.last!.effects.coins).toEqual([{ id, to: null, amount: 4n, reason: "withdraw_treasury" }]);
  });

  it("node: register, price, capabilities, stake, unstake, withdraw, jail and rejoin", () => {
    const w = new World(2);
    const n0 = w.node(0);
    expect(n0.status).toBe(0);
    expect(n0.reputation).toBe(1_000n);
    expect(w.registry.eligible.get(m.toHex(CAP))).toEqual([w.caps[0]!.node_id, w.caps[1]!.node_id]);
    m.setPrice(w.tx(op(0)), w.registry, w.caps[0]!, 5n);
    expect(n0.price).toBe(5n);
    expect(w.events()).toEqual(["NodeUpdated"]);
    m.setCapabilities(w.tx(op(0)), w.registry, w.caps[0]!, [enc.encode("b")]);
    expect(w.registry.eligible.get(m.toHex(CAP))).toEqual([w.caps[1]!.node_id]);
    expect(w.registry.eligible.get(m.toHex(enc.encode("b")))).toEqual([w.caps[0]!.node_id]);
    m.addStake(w.tx(op(0)), w.registry, w.caps[0]!, SUI);
    expect(n0.stake).toBe(201n * SUI);
    expect(w.last!.effects.inputs).toEqual([{ taken: SUI, returnedTo: null }]);
    // jail after min_stake rises, then rejoin with more stake
    m.setParam(w.tx(), w.registry, w.admin, enc.encode("min_stake"), 300n * SUI);
    m.jail(w.tx(), w.registry, w.caps[0]!.node_id);
    expect(n0.status).toBe(1);
    expect(w.registry.eligible.get(m.toHex(enc.encode("b")))).toEqual([]);
    m.addStake(w.tx(op(0)), w.registry, w.caps[0]!, 100n * SUI);
    expect(n0.status).toBe(0);
    expect(w.events()).toEqual(["StakeChanged", "NodeStatusChanged"]);
    m.requestUnstake(w.tx(op(0)), w.registry, w.caps[0]!);
    expect([n0.status, n0.stake, n0.unbonding, n0.unbonding_until_ms]).toEqual([
      2,
      0n,
      301n * SUI,
      w.now + 604_800_000n,
    ]);
    w.now += 604_800_000n;
    const coin = m.withdrawStake(w.tx(op(0)), w.registry, w.caps[0]!);
    expect(w.last!.effects.coins).toEqual([{ id: coin, to: null, amount: 301n * SUI, reason: "withdraw_stake" }]);
    expect(n0.unbonding).toBe(0n);
  });

  it("attestation: record (verdict signature verified), attested, revoke", () => {
    const w = new World(1);
    w.allowTdx();
    w.attest(0);
    const a = w.node(0).attestation!;
    expect(a.verifier).toBe(m.ed25519Address(VPK));
    expect(a.recorded_ms).toBe(w.now);
    expect(m.isAttested(w.node(0), w.now)).toBe(true);
    expect(m.isAttested(w.node(0), a.expires_ms)).toBe(false);
    m.revokeAttestation(w.tx("0x0"), w.registry, w.admin, w.caps[0]!.node_id);
    expect(w.last!.effects.events).toEqual([
      { name: "AttestationRevoked", fields: { node_id: w.caps[0]!.node_id, revoked_by: "0x0", revoked_ms: w.now } },
    ]);
    expect(m.isAttested(w.node(0), w.now)).toBe(false);
  });

  it("request: create with change, sample, commit, reveal, settle, post output; read API", () => {
    const w = new World(3);
    const r = w.create({ sample_size: 0n }, 7n * SUI);
    expect(r.sample_size).toBe(3n);
    expect(r.quorum_bps).toBe(6_667n);
    expect(r.escrow).toBe(6_300_000_000n);
    expect(w.last!.effects.inputs).toEqual([{ taken: 6_300_000_000n, returnedTo: "0xbeef" }]);
    expect(w.last!.effects.shared).toEqual([r]);
    w.sample();
    expect(r.status).toBe(RequestStatus.Sampled);
    expect(new Set(m.sampledNodes(r, 0))).toEqual(new Set(w.caps.map((c) => c.node_id)));
    for (const i of [0, 1, 2]) w.commit(i);
    expect(r.status).toBe(RequestStatus.Revealing);
    for (const i of [0, 1, 2]) w.reveal(i);
    w.settle();
    expect(m.isSettled(r)).toBe(true);
    expect(r.agreed_output_hash).toEqual(H("A"));
    const order = m.sampledNodes(r, 0).map((id) => op(w.caps.findIndex((c) => c.node_id === id)));
    expect(w.last!.effects.coins.map((c) => [c.to, c.amount, c.reason])).toEqual([
      ...order.map((o) => [o, SUI, "payout"]),
      ["0xbeef", 3_150_000_000n, "refund"],
    ]);
    m.postOutput(w.tx(op(2)), r, w.caps[2]!, enc.encode("A"));
    expect([r.output_node, new TextDecoder().decode(r.output)]).toEqual([w.caps[2]!.node_id, "A"]);
  });

  it("reveal after the commit deadline moves Sampled to Revealing", () => {
    const w = new World(3);
    w.create();
    w.sample();
    w.commit(0);
    w.now += 300_000n;
    w.reveal(0);
    expect(w.request!.status).toBe(RequestStatus.Revealing);
  });

  it("settle accepts a request of an older package version, not of a newer one", () => {
    const w = new World(3);
    w.revealedAll();
    w.request!.version = 2n;
    aborts(() => w.settle(), "request", "EWrongVersion");
    w.request!.version = 0n;
    w.settle();
    expect(w.request!.status).toBe(RequestStatus.Settled);
  });

  it("settle works while paused", () => {
    const w = new World(3);
    w.revealedAll();
    m.setPaused(w.tx(), w.registry, w.admin, true);
    w.settle();
    expect(w.request!.status).toBe(RequestStatus.Settled);
  });

  it("escalation with no fresh node fails the request (reason 1) and refunds", () => {
    const w = new World(3);
    w.create();
    w.sample();
    w.now += 420_000n;
    w.settle();
    expect(w.request!.status).toBe(RequestStatus.Disputed);
    m.escalate(w.tx(), w.request!, w.registry);
    expect(w.request!.status).toBe(RequestStatus.Failed);
    const failed = w.last!.effects.events.find((e) => e.name === "RequestFailed")!;
    expect(failed.fields).toEqual({ request_id: w.request!.id, reason: 1, refund: 6_300_000_000n });
    // all three were absent in round 0: 2 % of 200 SUI each to the treasury
    expect(w.registry.treasury).toBe(12n * SUI);
  });

  it("cluster: create, rotate, grace period", () => {
    const w = new World(3);
    w.allowTdx();
    w.attest(0);
    w.attest(1);
    w.makeCluster();
    m.startRotation(w.tx(), w.cluster!, w.mcap!, 1n, H("k1"), w.now + 10n);
    expect(w.last!.effects.events[0]!.fields.ack_quorum).toBe(2n);
    m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[0]!, 1n);
    m.ackRotation(w.tx(), w.cluster!, w.registry, w.caps[1]!, 1n);
    m.completeRotation(w.tx(), w.cluster!, w.registry);
    const c = w.cluster!;
    expect([c.epoch, c.pending, c.commitment, c.previous_commitment]).toEqual([1n, null, H("k1"), H("k0")]);
    expect(m.isValidCommitment(c, H("k0"), w.now + 3_599_999n)).toBe(true);
    expect(m.isValidCommitment(c, H("k0"), w.now + 3_600_000n)).toBe(false);
  });
});
