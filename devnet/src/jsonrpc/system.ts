/** JSON-RPC: chain, epoch and protocol facts, checkpoints, and the devnet's clock and checkpoint controls. */
import { fromBase58 } from "@mysten/bcs";
import { RpcError } from "../errors.js";
import { clockArg, type JsonRpcNode, type Methods, page } from "./params.js";

/** System state, reference gas price, chain id, protocol config, checkpoints, devnet_* controls. */
export function systemMethods(node: JsonRpcNode): Methods {
  const rt = node.runtime;
  const rgp = (): string => rt.gas.referenceGasPrice.toString();
  return {
    suix_getLatestSuiSystemState: () => ({
      epoch: rt.epoch.toString(),
      protocolVersion: "1",
      systemStateVersion: "2",
      referenceGasPrice: rgp(),
      epochStartTimestampMs: node.checkpoints[0]!.timestampMs,
      epochDurationMs: "86400000",
      activeValidators: [],
      safeMode: false,
    }),
    suix_getReferenceGasPrice: () => rgp(),
    sui_getChainIdentifier: () => Buffer.from(fromBase58(node.chainIdentifier).subarray(0, 4)).toString("hex"),
    sui_getCheckpoint: ([id]) => {
      const s = String(id);
      const cp = /^\d+$/.test(s) ? node.checkpoints[Number(s)] : node.checkpoints.find((c) => c.digest === s);
      if (!cp) throw new RpcError(-32602, `Invalid params: checkpoint ${s} not found`);
      return cp;
    },
    sui_getCheckpoints: ([cursor, limit, descending]) => {
      const all = [...node.checkpoints];
      if (descending) all.reverse();
      const p = page(all, (c) => c.sequenceNumber, cursor, limit);
      return { data: p.data, nextCursor: p.nextCursor, hasNextPage: p.hasNextPage };
    },
    sui_getLatestCheckpointSequenceNumber: () => String(node.checkpoints.length - 1),
    sui_getTotalTransactionBlocks: () => String(rt.txOrder.length),
    sui_getProtocolConfig: () => ({
      minSupportedProtocolVersion: "1",
      maxSupportedProtocolVersion: "1",
      protocolVersion: "1",
      featureFlags: {},
      attributes: {},
    }),
    devnet_advanceClock: ([ms]) => node.advanceClock(clockArg(ms ?? 0, "devnet_advanceClock")).toString(),
    devnet_setClock: ([ms]) => node.setClock(clockArg(ms, "devnet_setClock")).toString(),
    devnet_getClock: () => node.nowMs().toString(),
    devnet_cutCheckpoint: () => node.cutCheckpoint(true)?.sequenceNumber ?? null,
  };
}
