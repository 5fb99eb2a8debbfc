import { describe, expect, it } from "vitest";
import {
  DEPLOYMENT_VERSION,
  type Deployment,
  deploymentConfig,
  parseDeployment,
  renderDeployment,
} from "../../src/index.js";

const id = (b: string) => `0x${b.repeat(32)}`;
const good: Deployment = {
  version: DEPLOYMENT_VERSION,
  rpcUrl: "http://127.0.0.1:9000",
  chainIdentifier: "4btiuiMPvEENsttpZC7CZ53DruC3MAgfznDbASZ7DR6S",
  packageId: id("aa"),
  registryId: id("bb"),
  registryInitialSharedVersion: "3",
  adminCapId: id("cc"),
  publisher: id("dd"),
  digest: "9pVwTxEMRPbT6xGSzLS2iaQ7BeA1rDn9rdfTTMmuWnNq",
  deployedAt: "2026-12-01T12:00:00.000Z",
};

describe("deployment file", () => {
  it("round-trips and gives the AtomaClient config", () => {
    const d = parseDeployment(renderDeployment(good));
    expect(d).toEqual(good);
    expect(deploymentConfig(d)).toEqual({
      packageId: id("aa"),
      registryId: id("bb"),
      registryInitialSharedVersion: "3",
    });
  });
  it("names the file and the field that is wrong", () => {
    expect(() => parseDeployment("{", "d.json")).toThrow(/^d\.json: is not JSON/);
    expect(() => parseDeployment(JSON.stringify({ ...good, packageId: "0x2" }), "d.json")).toThrow(
      "d.json: packageId: must be a full 0x id (64 hex digits)",
    );
    expect(() => parseDeployment(JSON.stringify({ ...good, version: 2 }), "d.json")).toThrow(
      "d.json: version: must be 1",
    );
    expect(() => parseDeployment(JSON.stringify({ ...good, registryInitialSharedVersion: 3 }), "d.json")).toThrow(
      /registryInitialSharedVersion: must be a decimal string/,
    );
  });
});
