/** Reads beyond the database: the live Request object (from the chain) and stored attestation evidence. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { blake2b256, bytesToHex } from "@atoma/sdk";
import { Type } from "@fastify/type-provider-typebox";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import type { ResourcePlugin } from "./plugin.js";
import { normId } from "./query.js";
import { ErrorBody, errors, IdParam, ref, strict } from "./schemas.js";

export const chainPlugin: ResourcePlugin = async (app, { api: opts }) => {
  app.get(
    "/v1/requests/:requestId/object",
    {
      schema: {
        description:
          "The Request object as the chain holds it now (BCS, base64), read through the indexer's RPC: decode it with @atoma/sdk's `Request` schema to check the posted output against the agreed hash",
        params: IdParam("requestId"),
        response: {
          200: Type.Object({
            objectId: Type.String(),
            version: Type.String(),
            digest: Type.String(),
            type: Type.String(),
            bcs: Type.String({ description: "base64 of the object's Move struct BCS" }),
          }),
          503: ref(ErrorBody),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const id = normId(req.params.requestId as string);
      if (!opts.chain)
        return reply.status(503).send({ error: "unavailable", message: "this indexer has no chain client" });
      let res: Awaited<ReturnType<ClientWithCoreApi["core"]["getObject"]>>;
      try {
        res = await opts.chain.core.getObject({ objectId: id, include: { content: true } });
      } catch (err) {
        return reply.status(404).send({
          error: "not_found",
          message: `requestId: no object ${id} on chain (${(err as Error).message.slice(0, 200)})`,
          field: "requestId",
        });
      }
      const o = res.object;
      if (!o?.content || !/::requests?::Request$/.test(o.type))
        return reply
          .status(404)
          .send({ error: "not_found", message: `requestId: ${id} is not a Request object`, field: "requestId" });
      return {
        objectId: o.objectId,
        version: String(o.version),
        digest: o.digest,
        type: o.type,
        bcs: Buffer.from(o.content).toString("base64"),
      };
    },
  );

  // ---- stored attestation evidence, by its blake2b-256 ----
  app.get(
    "/v1/evidence/:hash",
    {
      schema: {
        description:
          "Attestation evidence from the verifier's blob store, by blake2b-256 hex (the on-chain evidence_hash); re-verify it with @atoma/sdk",
        params: strict({ hash: Type.String({ pattern: "^(0x)?[0-9a-fA-F]{64}$" }) }),
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary", description: "the evidence bytes" }),
          503: ref(ErrorBody),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const hash = (req.params.hash as string).replace(/^0x/, "").toLowerCase();
      if (!opts.evidenceDir)
        return reply.status(503).send({ error: "unavailable", message: "this indexer has no evidence store" });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path.join(opts.evidenceDir, hash)));
      } catch {
        return reply.status(404).send({ error: "not_found", message: `hash: no evidence ${hash}`, field: "hash" });
      }
      // Content addressing is checked here too; the page checks it again.
      if (bytesToHex(blake2b256(bytes)) !== hash)
        return reply
          .status(404)
          .send({ error: "not_found", message: `hash: stored blob does not hash to ${hash}`, field: "hash" });
      reply.header("content-type", "application/octet-stream");
      reply.header("cache-control", "public, max-age=31536000, immutable");
      return reply.send(Buffer.from(bytes));
    },
  );
};
