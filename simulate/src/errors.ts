/** Errors of the simulator: bad input (usage) vs a failure while running. */
export class SimError extends Error {
  override name = "SimError";
}

/** A configuration or flag value that is out of range; `where` names the flag or file field. */
export class ConfigError extends SimError {
  override name = "ConfigError";
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

/** The fast model and the contract disagreed (cross-check). */
export class DriftError extends SimError {
  override name = "DriftError";
}
