/** JSON-RPC: normalized Move modules, functions and structs of published packages. */
import { type NormalizedType, normalizeAddress, shortAddress } from "../bytecode.js";
import { RpcError } from "../errors.js";
import type { Runtime } from "../runtime.js";
import type { JsonRpcNode, Methods } from "./params.js";

function normalizedFunction(rt: Runtime, pkg: unknown, module: unknown, fn: unknown): unknown {
  if (typeof pkg !== "string" || typeof module !== "string" || typeof fn !== "string")
    throw new RpcError(-32602, "Invalid params: package, module and function must be strings");
  const m = rt.getNormalizedModule(pkg, module);
  const f = m.normalized.exposedFunctions[fn];
  if (!f) throw new RpcError(-32602, `No function was found with function name ${fn}`);
  return f;
}

/** sui_getNormalizedMove{Module,ModulesByPackage,Function,Struct}, sui_getMoveFunctionArgTypes. */
export function moveMethods(node: JsonRpcNode): Methods {
  const rt = node.runtime;
  return {
    sui_getNormalizedMoveModule: ([pkg, module]) => rt.getNormalizedModule(String(pkg), String(module)).normalized,
    sui_getNormalizedMoveModulesByPackage: ([pkg]) => {
      const p = rt.objects.get(normalizeAddress(String(pkg)));
      if (!p?.modules)
        throw new RpcError(-32602, `Package object does not exist with ID ${normalizeAddress(String(pkg))}`);
      return Object.fromEntries([...p.modules.entries()].map(([k, m]) => [k, m.normalized]));
    },
    sui_getNormalizedMoveFunction: ([pkg, module, fn]) => normalizedFunction(rt, pkg, module, fn),
    sui_getNormalizedMoveStruct: ([pkg, module, name]) => {
      const s = rt.getNormalizedModule(String(pkg), String(module)).normalized.structs[String(name)];
      if (!s) throw new RpcError(-32602, `No struct was found with struct name ${String(name)}`);
      return s;
    },
    sui_getMoveFunctionArgTypes: ([pkg, module, fn]) => {
      const f = normalizedFunction(rt, pkg, module, fn) as { parameters: NormalizedType[] };
      return f.parameters.map((p) => {
        if (typeof p === "string") return "Pure";
        if ("MutableReference" in p)
          return typeof p.MutableReference !== "string" && "Struct" in p.MutableReference
            ? { Object: "ByMutableReference" }
            : "Pure";
        if ("Reference" in p)
          return typeof p.Reference !== "string" && "Struct" in p.Reference
            ? { Object: "ByImmutableReference" }
            : "Pure";
        if ("Struct" in p) {
          const k = `${shortAddress(p.Struct.address)}::${p.Struct.module}::${p.Struct.name}`;
          const pure = ["0x1::string::String", "0x1::ascii::String", "0x2::object::ID", "0x1::option::Option"].includes(
            k,
          );
          return pure ? "Pure" : { Object: "ByValue" };
        }
        return "Pure";
      });
    },
  };
}
