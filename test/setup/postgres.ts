/** Vitest global setup: one throwaway PostgreSQL cluster for the whole run (see pg-cluster.ts). */
import type { TestProject } from "vitest/node";
import { startPgCluster } from "./pg-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseUnavailable: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startPgCluster();
  project.provide("databaseUrl", cluster.url);
  project.provide("databaseUnavailable", cluster.unavailable ?? "");
  if (cluster.unavailable) console.warn(`[pg] PostgreSQL tests will be skipped: ${cluster.unavailable}`);
  return () => cluster.stop();
}
