/** JSON-RPC: execute, dry-run and dev-inspect transactions; read and query executed ones. */
import { normalizeAddress } from "../bytecode.js";
import { RpcError } from "../errors.js";
import type { Runtime, TxRecord } from "../runtime.js";
import { b64Param, type JsonRpcNode, type Methods, page, type ViewOptions } from "./params.js";

/** A transaction as `sui_getTransactionBlock` shows it, with the parts `opts` asks for. */
function txView(tx: TxRecord, opts: ViewOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { digest: tx.digest };
  if (opts?.showInput && tx.transaction) out.transaction = tx.transaction;
  if (opts?.showRawInput) out.rawTransaction = tx.rawTransaction;
  if (opts?.showEffects) out.effects = tx.effects;
  if (opts?.showRawEffects) out.rawEffects = tx.rawEffects;
  if (opts?.showEvents) out.events = tx.events;
  if (opts?.showObjectChanges) out.objectChanges = tx.objectChanges;
  if (opts?.showBalanceChanges) out.balanceChanges = tx.balanceChanges;
  out.timestampMs = tx.timestampMs;
  out.checkpoint = tx.checkpoint;
  return out;
}

function getTx(rt: Runtime, digest: unknown): TxRecord {
  if (typeof digest !== "string") throw new RpcError(-32602, "Invalid params: digest must be a string");
  const tx = rt.txs.get(digest);
  if (!tx) throw new RpcError(-32602, `Could not find the referenced transaction [TransactionDigest(${digest})].`);
  return tx;
}

/** sui_{dryRun,devInspect,execute}TransactionBlock, sui_getTransactionBlock, sui_multiGetTransactionBlocks, suix_queryTransactionBlocks. */
export function transactionMethods(node: JsonRpcNode): Methods {
  const rt = node.runtime;
  return {
    sui_dryRunTransactionBlock: ([txB64]) => {
      const r = rt.dryRun(b64Param(txB64, "tx_bytes")).record;
      return {
        effects: r.effects,
        events: r.events,
        objectChanges: r.objectChanges,
        balanceChanges: r.balanceChanges,
        input: r.transaction,
      };
    },
    sui_devInspectTransactionBlock: ([sender, kindB64, gasPrice]) => {
      if (typeof sender !== "string" || typeof kindB64 !== "string")
        throw new RpcError(-32602, "Invalid params: sender and tx_bytes are required");
      const r = rt.devInspect(sender, b64Param(kindB64, "tx_bytes"), gasPrice ? BigInt(String(gasPrice)) : undefined);
      const status = r.record.effects.status as { status: string; error?: string };
      return {
        effects: r.record.effects,
        events: r.record.events,
        results: status.status === "success" ? r.results : undefined,
        ...(status.error ? { error: status.error } : {}),
      };
    },
    sui_executeTransactionBlock: ([txB64, sigs, opts]) => {
      b64Param(txB64, "tx_bytes");
      if (!Array.isArray(sigs))
        throw new RpcError(-32602, "Invalid params: signatures must be an array of base64 strings");
      for (const [i, sig] of sigs.entries()) b64Param(sig, `signatures[${i}]`);
      return node
        .executeSigned(txB64 as string, sigs as string[])
        .then((r) => txView(r.record, opts as Record<string, unknown>));
    },
    sui_getTransactionBlock: ([digest, opts]) => txView(getTx(rt, digest), opts as Record<string, unknown>),
    sui_multiGetTransactionBlocks: ([digests, opts]) => {
      if (!Array.isArray(digests)) throw new RpcError(-32602, "Invalid params: digests must be an array");
      return digests.map((d) => txView(getTx(rt, d), opts as Record<string, unknown>));
    },
    suix_queryTransactionBlocks: ([query, cursor, limit, descending]) => {
      const q = (query ?? {}) as { filter?: Record<string, unknown> | null; options?: Record<string, unknown> };
      let all = rt.txOrder.map((d) => rt.txs.get(d)!);
      const f = q.filter;
      if (f && typeof f.FromAddress === "string")
        all = all.filter((t) => t.sender === normalizeAddress(f.FromAddress as string));
      if (descending) all = [...all].reverse();
      const p = page(all, (t) => t.digest, cursor, limit);
      return {
        data: p.data.map((t) => txView(t, q.options)),
        nextCursor: p.nextCursor,
        hasNextPage: p.hasNextPage,
      };
    },
  };
}
