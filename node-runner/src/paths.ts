/**
 * Where `atoma-node` reads and writes: relative paths resolve against the caller's working
 * folder (under `pnpm <script>` the process runs in the repository root and pnpm passes the
 * caller's folder as INIT_CWD), and state defaults to a data folder, never the repository.
 */
import { homedir } from "node:os";
import path from "node:path";

/** The folder the user ran the command in. */
export function callerCwd(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  // INIT_CWD is only ours when pnpm/npm started this very script; a child of some other script
  // (a test run under `pnpm test`) inherits a stale one.
  const ours = env.npm_lifecycle_event === "node-runner" || env.npm_lifecycle_event === "atoma-node";
  return ours && env.INIT_CWD ? path.resolve(env.INIT_CWD) : cwd;
}

/** Data folder: $ATOMA_NODE_HOME, else $XDG_DATA_HOME/atoma-node, else ~/.local/share/atoma-node. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATOMA_NODE_HOME) return path.resolve(env.ATOMA_NODE_HOME);
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : null;
  return path.join(xdg ?? path.join(homedir(), ".local", "share"), "atoma-node");
}

/** The config file: --config, else $ATOMA_NODE_CONFIG, else `<data dir>/atoma-node.json`. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag ?? env.ATOMA_NODE_CONFIG;
  return given ? path.resolve(callerCwd(env), given) : path.join(dataDir(env), "atoma-node.json");
}

/** A path given on the command line, resolved against the caller's folder. */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(callerCwd(env), p);
}
