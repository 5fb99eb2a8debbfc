/**
 * The devnet's `sui.rpc.v2` gRPC-web endpoint: routes `/<service>/<method>` to the service
 * modules, decodes the request with the SDK's generated message types after checking its wire
 * format, checks the read mask (or takes the method's default) for the handler to apply, and
 * answers with gRPC statuses (never crashes on bad input).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { GrpcTypes } from "@mysten/sui/grpc";
import type { IMessageType } from "@protobuf-ts/runtime";
import type { ServiceType } from "@protobuf-ts/runtime-rpc";
import { checkWire } from "./check.js";
import { EncodedMessage, type SharedAnswers, sharedAnswers } from "./encoded.js";
import { transactionExecutionService } from "./execution.js";
import { ledgerService } from "./ledger.js";
import { readMaskOf } from "./mask.js";
import { movePackageService } from "./move-package.js";
import type { GrpcNode, MethodImpl, ServiceImpl } from "./service.js";
import { stateService } from "./state.js";
import { GrpcStatusError } from "./status.js";
import { subscriptionService } from "./subscription.js";
import { GrpcWebResponder, parseGrpcPath, readGrpcWebMessage } from "./web.js";

const cancelled = (): GrpcStatusError => new GrpcStatusError("CANCELLED", "the client closed the call");

/**
 * Resolves once `res` can take more (`drain`), or once the call is over: the response closed or
 * failed, or the call aborted (a socket closed while backed up never drains). Its listeners are
 * removed either way.
 */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted || res.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      res.off("error", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
    res.on("error", done);
    signal.addEventListener("abort", done);
  });
}

export interface GrpcOptions {
  /** Largest accepted request message (bytes); larger ones get RESOURCE_EXHAUSTED. Default 16 MiB. */
  maxMessageBytes?: number;
  log?: { warn: (o: object, msg?: string) => void };
}

interface Route {
  service: ServiceType;
  impls: ServiceImpl;
}

export class GrpcServer {
  private readonly routes = new Map<string, Route>();
  private streams = 0;
  readonly maxMessageBytes: number;
  /** Checkpoints and transactions encoded once per read mask, shared by the services' answers. */
  readonly answers: SharedAnswers = sharedAnswers();

  constructor(
    node: GrpcNode,
    private readonly opts: GrpcOptions = {},
  ) {
    this.maxMessageBytes = opts.maxMessageBytes ?? 16 * 1024 * 1024;
    const add = (service: ServiceType, impls: ServiceImpl): void => {
      this.routes.set(service.typeName, { service, impls });
    };
    add(GrpcTypes.LedgerService, ledgerService(node, this.answers));
    add(GrpcTypes.StateService, stateService(node));
    add(GrpcTypes.MovePackageService, movePackageService(node));
    add(GrpcTypes.TransactionExecutionService, transactionExecutionService(node, this.answers));
    add(GrpcTypes.SubscriptionService, subscriptionService(node, this.answers));
    add(GrpcTypes.SignatureVerificationService, {});
    add(GrpcTypes.NameService, {});
  }

  /** Server streams whose handler is running (a client gone ends its stream's handler). */
  get streaming(): number {
    return this.streams;
  }

  /** The `service/method` pairs answered (others of a known service are UNIMPLEMENTED). */
  get implemented(): string[] {
    return [...this.routes.values()].flatMap((r) => Object.keys(r.impls).map((m) => `${r.service.typeName}/${m}`));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ct = String(req.headers["content-type"] ?? "");
    const text = ct.startsWith("application/grpc-web-text");
    const out = new GrpcWebResponder(res, text);
    const abort = new AbortController();
    // A client gone mid-call stops a stream; once the call is answered there is nothing to stop
    // (and an abort makes a DOMException: every unary call's socket close paid for one).
    let answering = true;
    res.on("close", () => {
      if (answering) abort.abort();
    });
    try {
      if (req.method !== "POST")
        throw new GrpcStatusError("UNIMPLEMENTED", `gRPC-web calls are POST, got ${req.method}`);
      if (!ct.startsWith("application/grpc-web"))
        throw new GrpcStatusError(
          "INVALID_ARGUMENT",
          `content-type "${ct}" is not application/grpc-web[-text][+proto]`,
        );
      const path = parseGrpcPath(req.url);
      if (!path) throw new GrpcStatusError("UNIMPLEMENTED", `"${req.url}" is not a /<service>/<method> path`);
      const route = this.routes.get(path.service);
      if (!route) throw new GrpcStatusError("UNIMPLEMENTED", `unknown service ${path.service}`);
      const info = route.service.methods.find((m) => m.name === path.method);
      if (!info)
        throw new GrpcStatusError("UNIMPLEMENTED", `unknown method ${path.method} for service ${path.service}`);
      const impl: MethodImpl | undefined = route.impls[path.method];
      if (!impl)
        throw new GrpcStatusError("UNIMPLEMENTED", `${path.service}/${path.method} is not implemented by the devnet`);
      const bytes = await readGrpcWebMessage(req, text, this.maxMessageBytes);
      checkWire(info.I as IMessageType<object>, bytes);
      let input: object;
      try {
        input = info.I.fromBinary(bytes);
      } catch (e) {
        throw new GrpcStatusError("INVALID_ARGUMENT", `malformed ${info.I.typeName}: ${(e as Error).message}`);
      }
      const requested = (input as { readMask?: { paths: string[] } }).readMask;
      if (requested && requested.paths.length > 0 && !impl.mask)
        throw new GrpcStatusError("INVALID_ARGUMENT", `read_mask: ${info.I.typeName} takes no read mask`);
      const mask = readMaskOf(impl.mask ?? { root: info.O, default: "*" }, requested);
      const O = info.O as IMessageType<object>;
      if (impl.unary) {
        const result = await impl.unary(input as never, mask);
        out.answer(result instanceof EncodedMessage ? result.bytes : O.toBinary(result));
      } else if (impl.stream) {
        out.open();
        this.streams++;
        try {
          await impl.stream(
            input as never,
            {
              signal: abort.signal,
              // A client gone ends the handler (a CANCELLED thrown out of its send), whether it
              // left before this message or while the socket was backed up.
              send: async (m: object) => {
                if (abort.signal.aborted) throw cancelled();
                if (!out.send(m instanceof EncodedMessage ? m.bytes : O.toBinary(m))) await drained(res, abort.signal);
                if (abort.signal.aborted) throw cancelled();
              },
            } as never,
            mask,
          );
        } finally {
          this.streams--;
        }
        out.finish();
      } else throw new GrpcStatusError("UNIMPLEMENTED", `${path.service}/${path.method} has no handler`);
    } catch (e) {
      if (e instanceof GrpcStatusError) out.finish(e);
      else {
        this.opts.log?.warn({ err: (e as Error).message, url: req.url }, "gRPC internal error");
        out.finish(new GrpcStatusError("INTERNAL", (e as Error).message));
      }
    }
    answering = false;
  }
}
