/**
 * Links a package built against an unpublished `atoma` (address 0x0, as `move:build` writes the
 * example consumer) to a published atoma package id, as `sui client publish` does with the
 * dependency's `published-at`: module handles of atoma modules get the published address.
 */
import * as template from "@mysten/move-bytecode-template";
import { fromBase64, normalizeSuiAddress, toBase64 } from "@mysten/sui/utils";

interface RawModule {
  self_module_handle_idx: number;
  module_handles: { address: number; name: number }[];
  address_identifiers: string[];
  identifiers: string[];
}

export function linkToAtoma(modulesB64: string[], atomaModules: readonly string[], atomaPackageId: string): string[] {
  const zero = "0".repeat(64);
  return modulesB64.map((b64) => {
    const raw = template.deserialize(fromBase64(b64)) as RawModule;
    const addr = normalizeSuiAddress(atomaPackageId).slice(2);
    raw.address_identifiers.push(addr);
    const idx = raw.address_identifiers.length - 1;
    raw.module_handles.forEach((h, i) => {
      const isZero = raw.address_identifiers[h.address]!.replace(/^0x/, "") === zero;
      if (i !== raw.self_module_handle_idx && isZero && atomaModules.includes(raw.identifiers[h.name]!))
        h.address = idx;
    });
    return toBase64(template.serialize(raw));
  });
}
