/** sui.rpc.v2.MovePackageService: packages and function signatures. */
import { GrpcTypes } from "@mysten/sui/grpc";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import type { NormalizedType } from "../bytecode.js";
import { objectToProto } from "./convert.js";
import { addressField, type GrpcNode, type ServiceImpl, unary } from "./service.js";
import { invalid, notFound } from "./status.js";

const { Ability, FunctionDescriptor_Visibility, OpenSignatureBody_Type, OpenSignature_Reference } = GrpcTypes;

const PRIMITIVE: Record<string, GrpcTypes.OpenSignatureBody_Type> = {
  Address: OpenSignatureBody_Type.ADDRESS,
  Bool: OpenSignatureBody_Type.BOOL,
  U8: OpenSignatureBody_Type.U8,
  U16: OpenSignatureBody_Type.U16,
  U32: OpenSignatureBody_Type.U32,
  U64: OpenSignatureBody_Type.U64,
  U128: OpenSignatureBody_Type.U128,
  U256: OpenSignatureBody_Type.U256,
};

function body(t: NormalizedType): GrpcTypes.OpenSignatureBody {
  if (typeof t === "string")
    return { type: PRIMITIVE[t] ?? OpenSignatureBody_Type.TYPE_UNKNOWN, typeParameterInstantiation: [] };
  if ("Vector" in t) return { type: OpenSignatureBody_Type.VECTOR, typeParameterInstantiation: [body(t.Vector)] };
  if ("TypeParameter" in t)
    return {
      type: OpenSignatureBody_Type.TYPE_PARAMETER,
      typeParameter: t.TypeParameter,
      typeParameterInstantiation: [],
    };
  if ("Struct" in t)
    return {
      type: OpenSignatureBody_Type.DATATYPE,
      typeName: `${normalizeSuiAddress(t.Struct.address)}::${t.Struct.module}::${t.Struct.name}`,
      typeParameterInstantiation: t.Struct.typeArguments.map(body),
    };
  throw new Error(`nested reference in a signature: ${JSON.stringify(t)}`);
}

function signature(t: NormalizedType): GrpcTypes.OpenSignature {
  if (typeof t !== "string" && "Reference" in t)
    return { reference: OpenSignature_Reference.IMMUTABLE, body: body(t.Reference) };
  if (typeof t !== "string" && "MutableReference" in t)
    return { reference: OpenSignature_Reference.MUTABLE, body: body(t.MutableReference) };
  return { body: body(t) };
}

const ABILITY: Record<string, GrpcTypes.Ability> = {
  Copy: Ability.COPY,
  Drop: Ability.DROP,
  Store: Ability.STORE,
  Key: Ability.KEY,
};

interface NormalizedFunction {
  visibility: string;
  isEntry: boolean;
  typeParameters: { abilities: string[] }[];
  parameters: NormalizedType[];
  return: NormalizedType[];
}

export function movePackageService(node: GrpcNode): ServiceImpl {
  const rt = node.runtime;
  return {
    GetPackage: unary((req: GrpcTypes.GetPackageRequest): GrpcTypes.GetPackageResponse => {
      const id = addressField("package_id", req.packageId);
      const o = rt.getObject(id);
      if (!o?.modules) throw notFound(`package ${id} not found`);
      return { package: objectToProto(rt, o).package! };
    }),
    GetFunction: unary((req: GrpcTypes.GetFunctionRequest): GrpcTypes.GetFunctionResponse => {
      const id = addressField("package_id", req.packageId);
      if (!req.moduleName) throw invalid("module_name", "required");
      if (!req.name) throw invalid("name", "required");
      const pkg = rt.getObject(id);
      if (!pkg?.modules) throw notFound(`package ${id} not found`);
      if (!pkg.modules.has(req.moduleName)) throw notFound(`module ${id}::${req.moduleName} not found`);
      const fns = (
        rt.getNormalizedModule(id, req.moduleName).normalized as {
          exposedFunctions: Record<string, NormalizedFunction>;
        }
      ).exposedFunctions;
      const f = fns[req.name];
      if (!f) throw notFound(`function ${id}::${req.moduleName}::${req.name} not found`);
      const vis =
        f.visibility === "Public"
          ? FunctionDescriptor_Visibility.PUBLIC
          : f.visibility === "Friend"
            ? FunctionDescriptor_Visibility.FRIEND
            : FunctionDescriptor_Visibility.PRIVATE;
      return {
        function: {
          name: req.name,
          visibility: vis,
          isEntry: f.isEntry,
          typeParameters: f.typeParameters.map((tp) => ({
            constraints: tp.abilities.map((a) => ABILITY[a] ?? Ability.ABILITY_UNKNOWN),
          })),
          parameters: f.parameters.map(signature),
          returns: f.return.map(signature),
        },
      };
    }),
  };
}
