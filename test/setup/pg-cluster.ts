/**
 * A throwaway PostgreSQL cluster for tests: uses DATABASE_URL when set, otherwise initdb +
 * pg_ctl from the machine's PostgreSQL binaries (installed with apt-get when missing and root)
 * on a free loopback port, stopped and deleted at the end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface PgCluster {
  url: string;
  stop(): void;
  /** Why no server is available, when none is. */
  unavailable?: string;
}

function findBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], "bin") : undefined;
}

function tryInstall(): void {
  if (process.getuid?.() !== 0 || spawnSync("which", ["apt-get"]).status !== 0) return;
  console.log("[pg] PostgreSQL binaries not found: installing the postgresql package with apt-get");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  spawnSync("apt-get", ["install", "-y", "-qq", "postgresql"], { stdio: "inherit", env });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop() {} };
  let bin = findBinDir();
  if (!bin) {
    tryInstall();
    bin = findBinDir();
  }
  if (!bin) {
    return {
      url: "",
      stop() {},
      unavailable: "no PostgreSQL binaries under /usr/lib/postgresql and apt-get unavailable; set DATABASE_URL",
    };
  }
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-pg-"));
  chmodSync(dir, 0o777);
  const data = path.join(dir, "data");
  const run = (cmd: string, args: string[]) => {
    const full = path.join(bin, cmd);
    if (root) execFileSync("runuser", ["-u", "postgres", "--", full, ...args], { stdio: "pipe" });
    else execFileSync(full, args, { stdio: "pipe" });
  };
  const port = await freePort();
  writeFileSync(path.join(dir, "pw"), "atoma\n");
  chmodSync(path.join(dir, "pw"), 0o644);
  run("initdb", ["-D", data, "-U", "atoma", "--pwfile", path.join(dir, "pw"), "-A", "md5", "--no-sync", "-E", "UTF8"]);
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    path.join(dir, "log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    "-w",
    "start",
  ]);
  const url = `postgres://atoma:atoma@127.0.0.1:${port}/postgres`;
  return {
    url,
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
