/**
 * The Move binary format as @mysten/move-bytecode-template (de)serializes it: the deserialized
 * module's shape and the one place that deserializes and serializes module bytes. Both the
 * normalizer (bytecode.ts) and the interpreter's loader (vm/loader.ts) read modules through it.
 */
import * as template from "@mysten/move-bytecode-template";
import { DevnetError } from "./errors.js";

/** A signature token: a type in a module's own terms (handle indices, type parameter indices). */
export type Token =
  | string
  | { Vector: Token }
  | { Datatype: number }
  | { DatatypeInstantiation: [number, Token[]] }
  | { Reference: Token }
  | { MutableReference: Token }
  | { TypeParameter: number };

export interface RawField {
  name: number;
  signature: Token;
}
export interface RawModule {
  version: number;
  self_module_handle_idx: number;
  module_handles: { address: number; name: number }[];
  datatype_handles: {
    module: number;
    name: number;
    abilities: number;
    type_parameters: { constraints: number; is_phantom: boolean }[];
  }[];
  function_handles: { module: number; name: number; parameters: number; return_: number; type_parameters: number[] }[];
  friend_decls: { address: number; name: number }[];
  field_handles: { owner: number; field: number }[];
  struct_def_instantiations: { def: number; type_parameters: number }[];
  function_instantiations: { handle: number; type_parameters: number }[];
  field_instantiations: { handle: number; type_parameters: number }[];
  signatures: Token[][];
  identifiers: string[];
  address_identifiers: string[];
  constant_pool: { type_: Token; data: number[] }[];
  struct_defs: { struct_handle: number; field_information: { Declared?: RawField[] } }[];
  function_defs: {
    function: number;
    visibility: "Public" | "Private" | "Friend";
    is_entry: boolean;
    code?: {
      locals: number;
      code: (string | Record<string, unknown>)[];
      jump_tables: { head_enum: number; jump_table: { Full: number[] } }[];
    } | null;
  }[];
  enum_defs: { enum_handle: number; variants: { variant_name: number; fields: RawField[] }[] }[];
  enum_def_instantiations: { def: number; type_parameters: number }[];
  variant_handles: { enum_def: number; variant: number }[];
  variant_instantiation_handles: { enum_def: number; variant: number }[];
}

/** Deserializes module bytes; a module that does not deserialize is a DevnetError("BYTECODE"). */
export function deserializeModule(bytes: Uint8Array): RawModule {
  try {
    return template.deserialize(bytes) as RawModule;
  } catch (e) {
    const msg = typeof e === "object" && e && "message" in e ? String((e as { message: unknown }).message) : String(e);
    throw new DevnetError("BYTECODE", `module bytecode does not deserialize: ${msg}`);
  }
}

/** Serializes a (possibly rewritten) deserialized module back to bytes. */
export function serializeModule(raw: RawModule): Uint8Array {
  return template.serialize(raw);
}
