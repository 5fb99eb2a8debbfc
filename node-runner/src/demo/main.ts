/**
 * `pnpm start`: the one-command demo. Until the devnet, indexer and node-runner land, it only
 * checks the Move toolchain and says plainly what it does not do yet.
 */
import { listMovePackages, loadBuiltPackage, locateFramework } from "@atoma/move";

console.log("Atoma on Sui — demo (foundation stage)");
const source = await locateFramework();
if (source.kind === "none") {
  console.log(`Move toolchain: unavailable. ${source.fix}`);
} else {
  for (const pkg of listMovePackages()) {
    const built = await loadBuiltPackage(pkg.name);
    console.log(`Move package ${built.name}: ${built.modules.length} module(s) compiled`);
  }
}
console.log(`
Not done yet: this demo does not yet start the local network (devnet), publish the package,
run the indexer or any nodes, or submit requests. Those arrive with the devnet, indexer and
node-runner packages; see README.md for the plan.`);
