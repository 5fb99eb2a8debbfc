/** What every resource plugin is given: the storage and the API's options. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { SQL } from "drizzle-orm";
import type { ApiOptions } from "../api.js";

export interface ResourceOptions {
  api: ApiOptions;
  /** Rows of a raw SQL query. */
  q: <T = Record<string, unknown>>(s: SQL) => Promise<T[]>;
}
export type ResourcePlugin = FastifyPluginAsyncTypebox<ResourceOptions>;
