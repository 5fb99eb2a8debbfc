/** Composable layers: user / system / application, each sealed to its own recipients; all-or-nothing opening. */
import { describe, expect, it } from "vitest";
import {
  attestedNodeTargets,
  blake2b256,
  clusterTarget,
  combineLayers,
  composePrompt,
  concatBytes,
  DecryptError,
  decodeLayers,
  encodeEnvelope,
  encodeLayers,
  generateEncryptionKeyPair,
  generateMlKemKeyPair,
  generateSigningKeyPair,
  isPostQuantum,
  Layer,
  LayerError,
  layerRecipients,
  mlkemKeyHash,
  openLayers,
  sealEnvelope,
  sealLayers,
  userRecipientId,
  userTarget,
} from "../../src/crypto/index.js";

const now = 5_000_000;
const te = new TextEncoder();
const requestA = `0x${"a1".repeat(32)}`;
const requestB = `0x${"b2".repeat(32)}`;
const clusterId = `0x${"c3".repeat(32)}`;

function node(i: number) {
  const sig = generateSigningKeyPair();
  const enc = generateEncryptionKeyPair();
  const ml = generateMlKemKeyPair();
  return {
    nodeId: `0x${(i + 1).toString(16).padStart(64, "0")}`,
    sigPk: sig.publicKey,
    encPk: enc.publicKey,
    encSk: enc.secretKey,
    mlkemPk: ml.publicKey,
    mlkemSk: ml.secretKey,
    mlkemPkHash: mlkemKeyHash(ml.publicKey),
    attestation: {
      teeKind: 2,
      reportDataHash: blake2b256(concatBytes(sig.publicKey, enc.publicKey)),
      expiresMs: now + 60_000,
      mlkemKeyHash: mlkemKeyHash(ml.publicKey),
    },
  };
}
const nodes = [node(0), node(1), node(2)];
const user = { ...generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
const master = { ...generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
const wasm = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function sealAll(requestId: string, extra: { system?: Uint8Array } = {}) {
  return sealLayers(
    { requestId },
    {
      user: {
        payload: te.encode("What is 2+2?"),
        recipients: [...attestedNodeTargets(nodes, { nowMs: now }), userTarget(user.publicKey, user.ml.publicKey)],
      },
      system: {
        payload: extra.system ?? te.encode("You are a terse calculator."),
        recipients: [clusterTarget(clusterId, master.publicKey, master.ml.publicKey)],
      },
      application: {
        payload: wasm,
        recipients: [clusterTarget(clusterId, master.publicKey, master.ml.publicKey)],
      },
    },
  );
}
const n0 = nodes[0] as (typeof nodes)[number];
const executorKeys = {
  user: { recipientId: n0.nodeId, x25519Sk: n0.encSk, mlkemSk: n0.mlkemSk },
  system: { recipientId: clusterId, x25519Sk: master.secretKey, mlkemSk: master.ml.secretKey },
  application: { recipientId: clusterId, x25519Sk: master.secretKey, mlkemSk: master.ml.secretKey },
};

function layerErr(fn: () => unknown): LayerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LayerError);
    expect(e).toBeInstanceOf(DecryptError);
    return e as LayerError;
  }
  throw new Error("did not throw");
}

describe("three layers, hybrid keys", () => {
  const c = sealAll(requestA);

  it("the executor (node + cluster key) opens all three and combines them", () => {
    expect(isPostQuantum(c)).toBe(true);
    const opened = openLayers({ requestId: requestA }, { container: c, keys: executorKeys });
    expect(new TextDecoder().decode(opened.user)).toBe("What is 2+2?");
    expect(opened.application).toEqual(wasm);
    const x = combineLayers(opened);
    expect(x.program).toEqual(wasm);
    expect(new TextDecoder().decode(x.config as Uint8Array)).toBe("You are a terse calculator.");
    expect(composePrompt(opened)).toBe("You are a terse calculator.\n\nWhat is 2+2?");
  });

  it("each layer has its own recipients: the user reads the user layer, not the system prompt", () => {
    const r = layerRecipients(c);
    expect(r.user).toHaveLength(4);
    expect(r.user).toContain(`0x${Buffer.from(userRecipientId(user.publicKey)).toString("hex")}`);
    expect(r.system).toEqual([clusterId]);
    const asUser = {
      recipientId: userRecipientId(user.publicKey),
      x25519Sk: user.secretKey,
      mlkemSk: user.ml.secretKey,
    };
    // the user can open its own layer alone …
    const onlyUser = encodeLayers([
      { layer: Layer.User, bytes: c.subarray(7, 7 + new DataView(c.buffer).getUint32(3)) },
    ]);
    expect(openLayers({ requestId: requestA }, { container: onlyUser, keys: { user: asUser } }).user).toEqual(
      te.encode("What is 2+2?"),
    );
    // … but trying the system layer with the user's keys fails on the recipient check
    const e = layerErr(() =>
      openLayers(
        { requestId: requestA },
        { container: c, keys: { user: asUser, system: asUser, application: asUser } },
      ),
    );
    expect([e.layer, e.check]).toEqual(["system", "recipient"]);
  });

  it("a layer replayed from another request is refused (binding), naming the layer", () => {
    const b = sealAll(requestB, { system: te.encode("another dapp's prompt") });
    const envsA = decodeLayers(c);
    const envsB = decodeLayers(b);
    const spliced = encodeLayers([
      { layer: Layer.User, bytes: encodeEnvelope(envsA.get(Layer.User) as never) },
      { layer: Layer.System, bytes: encodeEnvelope(envsB.get(Layer.System) as never) },
    ]);
    const e = layerErr(() => openLayers({ requestId: requestA }, { container: spliced, keys: executorKeys }));
    expect([e.layer, e.check]).toEqual(["system", "binding"]);
    // the whole container of B does not open as A either (first layer already refuses)
    expect(layerErr(() => openLayers({ requestId: requestA }, { container: b, keys: executorKeys })).check).toBe(
      "binding",
    );
  });

  it("a layer sealed to the wrong recipient (a node instead of the cluster) is refused", () => {
    const wrong = sealLayers(
      { requestId: requestA },
      {
        user: { payload: te.encode("hi"), recipients: attestedNodeTargets(nodes, { nowMs: now }) },
        system: { payload: te.encode("secret prompt"), recipients: attestedNodeTargets([n0], { nowMs: now }) },
      },
    );
    const e = layerErr(() => openLayers({ requestId: requestA }, { container: wrong, keys: executorKeys }));
    expect([e.layer, e.check]).toEqual(["system", "recipient"]);
  });

  it("mixed versions, classic layers, truncation and wrong slots are refused by name", () => {
    const v1 = encodeEnvelope(
      sealEnvelope(
        { requestId: requestA },
        {
          layer: Layer.User,
          payload: te.encode("x"),
          targets: [{ id: userRecipientId(user.publicKey), pk: user.publicKey, field: "u" }],
        },
      ),
    );
    expect(v1[0]).toBe(1);
    let e = layerErr(() => decodeLayers(encodeLayers([{ layer: Layer.User, bytes: v1 }])));
    expect([e.layer, e.check]).toEqual(["user", "version"]);
    // an X25519-only v2 system layer where post-quantum is required
    const classic = sealLayers(
      { requestId: requestA },
      {
        postQuantum: false,
        user: { payload: te.encode("hi"), recipients: [clusterTarget(clusterId, master.publicKey)] },
      },
    );
    e = layerErr(() =>
      openLayers({ requestId: requestA }, { container: classic, keys: { user: executorKeys.system } }),
    );
    expect([e.layer, e.check]).toEqual(["user", "kem"]);
    expect(
      openLayers(
        { requestId: requestA },
        { container: classic, keys: { user: executorKeys.system }, requirePostQuantum: false },
      ).user,
    ).toEqual(te.encode("hi"));
    // truncated container
    e = layerErr(() => decodeLayers(c.subarray(0, c.length - 10)));
    expect(e.check).toBe("container");
    expect(e.layer).toBe("application");
    e = layerErr(() => decodeLayers(c.subarray(0, 1)));
    expect([e.layer, e.check]).toEqual(["layers", "container"]);
    // a plain envelope is not a container
    e = layerErr(() => decodeLayers(v1));
    expect(e.message).toMatch(/format byte 1 is not 130/);
    // a system envelope in the application slot
    const envs = decodeLayers(c);
    const bad = Uint8Array.from(c);
    const sys = encodeEnvelope(envs.get(Layer.System) as never);
    const slot = encodeLayers([
      { layer: Layer.User, bytes: encodeEnvelope(envs.get(Layer.User) as never) },
      { layer: Layer.Application, bytes: sys },
    ]);
    e = layerErr(() => decodeLayers(slot));
    expect([e.layer, e.check]).toEqual(["application", "layer"]);
    expect(bad).toEqual(c);
  });

  it("nothing decrypts partially: a tampered application layer fails the whole request", () => {
    const t = Uint8Array.from(c);
    t[t.length - 1] = (t[t.length - 1] as number) ^ 0x80; // last byte: the application layer's tag
    const e = layerErr(() => openLayers({ requestId: requestA }, { container: t, keys: executorKeys }));
    expect([e.layer, e.check]).toEqual(["application", "authentication"]);
    // and a missing key for a present layer also fails before anything is returned
    const e2 = layerErr(() =>
      openLayers(
        { requestId: requestA },
        { container: c, keys: { user: executorKeys.user, system: executorKeys.system } },
      ),
    );
    expect([e2.layer, e2.check]).toEqual(["application", "recipient"]);
  });
});
