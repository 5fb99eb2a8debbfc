/**
 * Gas: the gas coin(s) a transaction pays with (smashed into the first), the interpreter's unit
 * budget, and the computation and storage charges of its effects.
 */
import { normalizeAddress, typeToString } from "../bytecode.js";
import type { CoinValue } from "../types.js";
import { GasMeter } from "../vm/index.js";
import { GAS_COIN_TYPE, ZERO_ADDR } from "./primitives.js";
import type { Session } from "./session.js";
import type { Working } from "./types.js";

/** Gas units of executed bytecode per unit of computation (see devnet/README.md, gas schedule). */
const VM_UNITS_PER_COMPUTATION_UNIT = 100n;

/** Loads the gas payment into the session (a mock coin for dry runs without one) and checks the budget. */
export function loadGas(ses: Session, budget: bigint, price: bigint): void {
  ses.budget = budget;
  ses.price = price;
  const payment = ses.tx.gasData.payment;
  const minBudget = price * 1000n;
  if (budget < minBudget && ses.mode === "execute") ses.fail(`Gas budget: ${budget} is lower than min: ${minBudget}.`);
  if (payment.length === 0) {
    if (ses.mode === "execute") ses.fail("Gas payment is empty");
    // Dry run / dev inspect: a mock gas coin as Sui makes it (DEV_INSPECT_GAS_COIN_VALUE), so a
    // SplitCoins from gas larger than the budget simulates as it will execute.
    const mock = 1_000_000_000_000_000_000n;
    const w: Working = {
      id: ZERO_ADDR,
      type: GAS_COIN_TYPE,
      value: { id: { id: ZERO_ADDR }, balance: { value: mock } },
      owner: { AddressOwner: ses.sender },
      state: "store",
      mutated: true,
    };
    ses.working.set(ZERO_ADDR, w);
    ses.gasTotal = mock;
    ses.gasId = ZERO_ADDR;
    ses.gasSlot = { type: GAS_COIN_TYPE, value: w.value, objectId: ZERO_ADDR, input: true, mutableInput: true };
    return;
  }
  let total = 0n;
  const owner = normalizeAddress(ses.tx.gasData.owner);
  for (const [i, r] of payment.entries()) {
    const id = normalizeAddress(r.objectId);
    const o = ses.rt.getObject(id);
    if (!o) ses.fail(`Could not find the referenced gas object ${id}`);
    if (o.version.toString() !== r.version || o.digest !== r.digest)
      ses.fail(
        `Object ID ${id} Version ${r.version} Digest ${r.digest} is not available for consumption, current version: ${o.version}`,
      );
    if (!o.type || typeToString(o.type) !== typeToString(GAS_COIN_TYPE))
      ses.fail(`Gas object ${id} is not a Coin<SUI>`);
    if (o.owner === "Immutable" || !("AddressOwner" in o.owner) || o.owner.AddressOwner !== owner)
      ses.fail(`Gas object ${id} is not owned by the gas owner ${owner}`);
    if (ses.inputs.some((s) => s.objectId === id)) ses.fail(`Gas object ${id} is also a transaction input`);
    const w = ses.load(id, false);
    w.mutated = true;
    total += (w.value as CoinValue).balance.value;
    if (i > 0) {
      w.state = "deleted";
      ses.smashed.push(o);
    }
  }
  if (total < budget)
    ses.fail(`Balance of gas object ${payment[0]!.objectId} is lower than the needed amount: ${budget}`);
  ses.gasTotal = total;
  const gid = normalizeAddress(payment[0]!.objectId);
  const g = ses.working.get(gid)!;
  (g.value as CoinValue).balance.value = total;
  ses.gasId = gid;
  ses.gasSlot = { type: GAS_COIN_TYPE, value: g.value, objectId: gid, input: true, mutableInput: true };
}

/** The interpreter's gas meter for a transaction of `commandCount` commands: the budget left after the fixed charges. */
export function meterFor(budget: bigint, price: bigint, commandCount: number): GasMeter {
  const fixed = price > 0n ? budget / price - 1000n - 100n * BigInt(commandCount) : 0n;
  const units = fixed > 0n ? fixed * VM_UNITS_PER_COMPUTATION_UNIT : 0n;
  return new GasMeter(Number(units > 10n ** 15n ? 10n ** 15n : units));
}

/** Computation cost: a base, a charge per command and the interpreter's units. */
export function computationCost(ses: Session): bigint {
  const vmUnits = (BigInt(ses.gas.used) + VM_UNITS_PER_COMPUTATION_UNIT - 1n) / VM_UNITS_PER_COMPUTATION_UNIT;
  return ses.price * (1000n + 100n * BigInt(ses.commandCount) + vmUnits);
}
