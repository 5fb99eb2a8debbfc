/** sui.rpc.v2.TransactionExecutionService: execute signed transactions, simulate (with resolution). */
import { toBase64 } from "@mysten/bcs";
import { GrpcTypes } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Transaction } from "@mysten/sui/transactions";
import { DevnetError, RpcError } from "../errors.js";
import type { ParsedTx } from "../runtime/types.js";
import type { ExecOutcome } from "../runtime.js";
import { decodeTx, type TxRecord } from "../runtime.js";
import { executedToProto, needsDecodedTransaction } from "./convert.js";
import { type EncodedMessage, type SharedAnswers, wrapMessage } from "./encoded.js";
import { encodedTransaction } from "./ledger.js";
import { applyMask, type FieldMaskTree, READ_MASKS } from "./mask.js";
import { grpcTransactionToTransactionData, transactionDataToGrpcTransaction } from "./resolver.js";
import type { GrpcNode, ServiceImpl } from "./service.js";
import { unary } from "./service.js";
import { GrpcStatusError, invalid } from "./status.js";

const { SimulateTransactionRequest_TransactionChecks } = GrpcTypes;

/** Budget used to simulate a transaction whose automatic budget estimate failed (to report its failure). */
const FALLBACK_BUDGET = 50_000_000_000n;

/** Runtime rejections (bad signature, bad BCS, unknown object…) are the caller's fault. */
function asInvalid(field: string, e: unknown): never {
  if (e instanceof DevnetError || e instanceof RpcError) throw invalid(field, e.message);
  throw e;
}

function outputsOf(o: ExecOutcome): GrpcTypes.CommandResult[] {
  return (o.results ?? []).map((r) => ({
    returnValues: r.returnValues.map(([bytes, type]) => ({ value: { name: type, value: Uint8Array.from(bytes) } })),
    mutatedByRef: (r.mutableReferenceOutputs as [unknown, number[], string][]).map(([, bytes, type]) => ({
      value: { name: type, value: Uint8Array.from(bytes) },
    })),
  }));
}

/**
 * Inputs a client left unresolved (an object id with no kind) become `UnresolvedObject` call
 * args, which the SDK's resolver completes (kind, version, digest, mutability from the callee's
 * signature) as a full node does.
 */
function withUnresolvedInputs(t: GrpcTypes.Transaction): ReturnType<Transaction["getData"]> {
  const k = t.kind?.data;
  if (k?.oneofKind !== "programmableTransaction") return grpcTransactionToTransactionData(t);
  const unresolved = new Map<number, GrpcTypes.Input>();
  const inputs = k.programmableTransaction.inputs.map((input, i) => {
    if (input.kind !== undefined && input.kind !== GrpcTypes.Input_InputKind.INPUT_KIND_UNKNOWN) return input;
    if (!input.objectId)
      throw invalid(`transaction.kind.programmable_transaction.inputs[${i}]`, "an input needs a kind or an object_id");
    unresolved.set(i, input);
    return { kind: GrpcTypes.Input_InputKind.PURE, pure: new Uint8Array() };
  });
  const data = grpcTransactionToTransactionData({
    ...t,
    kind: {
      ...t.kind,
      data: { oneofKind: "programmableTransaction", programmableTransaction: { ...k.programmableTransaction, inputs } },
    },
  });
  for (const [i, input] of unresolved)
    data.inputs[i] = {
      $kind: "UnresolvedObject",
      UnresolvedObject: {
        objectId: input.objectId!,
        ...(input.version !== undefined ? { version: String(input.version) } : {}),
        ...(input.digest ? { digest: input.digest } : {}),
        ...(input.mutable !== undefined ? { mutable: input.mutable } : {}),
      },
    } as (typeof data.inputs)[number];
  return data;
}

export function transactionExecutionService(node: GrpcNode, answers: SharedAnswers): ServiceImpl {
  const rt = node.runtime;
  /** Resolution goes through the SDK's own JSON-RPC resolver, answered in process (no HTTP). */
  const resolver = new SuiJsonRpcClient({
    network: "localnet",
    transport: {
      request: async <T>({ method, params }: { method: string; params: unknown[] }): Promise<T> => {
        const r = (await node.dispatch({ id: 1, method, params })) as { result?: T; error?: { message: string } };
        if (r.error) throw new Error(r.error.message);
        return r.result as T;
      },
    },
  });

  // The resolver's one simulation is its gas-budget estimate (`setGasBudget`: built bytes, the
  // answer's `effects.gasUsed` read): a success is dry-run in the runtime directly, without the
  // JSON-RPC envelope, the effects' JSON and the SDK's parsing of it. A failure, an error or any
  // other call goes the JSON-RPC way, so what the resolver reports is the SDK's own.
  const viaJsonRpc = resolver.core.simulateTransaction.bind(resolver.core);
  resolver.core.simulateTransaction = ((options: Parameters<typeof viaJsonRpc>[0]) => {
    if (
      options.transaction instanceof Uint8Array &&
      !options.include?.commandResults &&
      options.checksEnabled !== false
    ) {
      let fx: { status?: { status?: string }; gasUsed?: unknown } | undefined;
      try {
        fx = rt.dryRun(toBase64(options.transaction)).record.effects;
      } catch {
        fx = undefined;
      }
      if (fx?.status?.status === "success")
        return Promise.resolve({ $kind: "Transaction", Transaction: { effects: { gasUsed: fx.gasUsed } } });
    }
    return viaJsonRpc(options);
  }) as typeof viaJsonRpc;

  return {
    ExecuteTransaction: unary(async (req: GrpcTypes.ExecuteTransactionRequest, mask): Promise<EncodedMessage> => {
      const bytes = req.transaction?.bcs?.value;
      if (!bytes || bytes.length === 0) throw invalid("transaction.bcs", "required (BCS TransactionData)");
      if (req.signatures.length === 0) throw invalid("signatures", "at least one signature is required");
      const sigs = req.signatures.map((s, i) => {
        if (!s.bcs?.value?.length) throw invalid(`signatures[${i}].bcs`, "required");
        return toBase64(s.bcs.value);
      });
      let out: ExecOutcome;
      try {
        out = await node.executeSigned(toBase64(bytes), sigs);
      } catch (e) {
        asInvalid("transaction", e);
      }
      // Encoded once: a later GetTransaction with the same mask (and checkpoint) gets these bytes.
      return wrapMessage(1, encodedTransaction(answers, out.record, mask));
    }, READ_MASKS.executeTransaction),

    SimulateTransaction: unary(
      async (req: GrpcTypes.SimulateTransactionRequest, mask): Promise<GrpcTypes.SimulateTransactionResponse> =>
        applyMask(GrpcTypes.SimulateTransactionResponse, await simulate(req, mask), mask),
      READ_MASKS.simulateTransaction,
    ),
  };

  async function simulate(
    req: GrpcTypes.SimulateTransactionRequest,
    mask: FieldMaskTree,
  ): Promise<GrpcTypes.SimulateTransactionResponse> {
    const t = req.transaction;
    if (!t) throw invalid("transaction", "required");
    const checksOff = req.checks === SimulateTransactionRequest_TransactionChecks.DISABLED;
    // Resolved bytes (what the SDK's gas-budget estimate sends: payment, price and budget set) are
    // simulated as given: rebuilding them through the resolver gives the same bytes.
    const given = t.bcs?.value?.length ? t.bcs.value : undefined;
    if (given && !checksOff) {
      let parsed: ParsedTx | undefined;
      try {
        parsed = decodeTx(given);
      } catch {
        parsed = undefined; // the schema path below reports it
      }
      if (parsed && !(req.doGasSelection && parsed.gasData.payment.length === 0))
        return dryRunResolved(given, parsed.sender, mask);
    }
    let data: ReturnType<Transaction["getData"]>;
    if (given) {
      try {
        data = Transaction.from(given).getData();
      } catch (e) {
        throw invalid("transaction.bcs", `not BCS TransactionData: ${(e as Error).message}`);
      }
    } else if (t.kind) {
      try {
        data = withUnresolvedInputs(t);
      } catch (e) {
        if (e instanceof GrpcStatusError) throw e;
        throw invalid("transaction.kind", (e as Error).message);
      }
    } else throw invalid("transaction", "one of bcs or kind is required");
    // Gas selection: an empty payment list means "pick the sender's coins" (as a full node does).
    if (req.doGasSelection && !data.gasData.payment?.length)
      data = { ...data, gasData: { ...data.gasData, payment: null } };
    const tx = Transaction.from(JSON.stringify(data));

    const sender = tx.getData().sender ?? `0x${"0".repeat(64)}`;
    if (checksOff && !req.doGasSelection) {
      // Kind only (dev-inspect): resolve inputs, never gas.
      let kind: Uint8Array;
      try {
        kind = await tx.build({ client: resolver, onlyTransactionKind: true });
      } catch (e) {
        throw invalid("transaction", (e as Error).message);
      }
      let out: ExecOutcome;
      try {
        out = rt.devInspect(sender, toBase64(kind));
      } catch (e) {
        asInvalid("transaction", e);
      }
      const grpcTx = () => transactionDataToGrpcTransaction({ ...Transaction.fromKind(kind).getData(), sender });
      return { transaction: simulatedToProto(out.record, grpcTx, mask), commandOutputs: outputsOf(out) };
    }

    let bytes: Uint8Array;
    try {
      bytes = await tx.build({ client: resolver });
    } catch (first) {
      // The budget estimate (a dry run) failed: simulate with a fixed budget to report why.
      if (tx.getData().gasData.budget) throw invalid("transaction", (first as Error).message);
      tx.setGasBudget(FALLBACK_BUDGET);
      try {
        bytes = await tx.build({ client: resolver });
      } catch {
        throw invalid("transaction", (first as Error).message);
      }
    }
    return dryRunResolved(bytes, sender, mask);
  }

  /** Dry-runs built `TransactionData` bytes and answers with what `mask` selects. */
  async function dryRunResolved(
    bytes: Uint8Array,
    sender: string,
    mask: FieldMaskTree,
  ): Promise<GrpcTypes.SimulateTransactionResponse> {
    let out: ExecOutcome;
    try {
      out = rt.dryRun(toBase64(bytes));
    } catch (e) {
      asInvalid("transaction", e);
    }
    let commandOutputs: GrpcTypes.CommandResult[] = [];
    if (mask.contains("command_outputs")) {
      const kind = await Transaction.from(bytes).build({ client: resolver, onlyTransactionKind: true });
      try {
        commandOutputs = outputsOf(rt.devInspect(sender, toBase64(kind)));
      } catch {
        commandOutputs = [];
      }
    }
    const bcs = { name: "TransactionData", value: bytes };
    const grpcTx = (decoded: boolean): GrpcTypes.Transaction =>
      decoded ? { ...transactionDataToGrpcTransaction(Transaction.from(bytes).getData()), bcs } : { bcs };
    return { transaction: simulatedToProto(out.record, grpcTx, mask), commandOutputs };
  }
}

/**
 * The simulated transaction under the response's `mask`: only the selected fields are converted,
 * and the transaction data (`grpcTx`) is decoded only when a field that needs it is selected.
 */
function simulatedToProto(
  record: TxRecord,
  grpcTx: (decoded: boolean) => GrpcTypes.Transaction,
  mask: FieldMaskTree,
): GrpcTypes.ExecutedTransaction | undefined {
  const only = mask.subtree("transaction");
  if (!only) return undefined;
  const inner = only.subtree("transaction");
  const override = inner ? grpcTx(needsDecodedTransaction(inner)) : undefined;
  return executedToProto(record, override, only);
}

export { GrpcStatusError };
