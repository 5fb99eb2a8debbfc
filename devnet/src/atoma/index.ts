export { ATOMA_MODULES, type AtomaTarget, atomaBinding } from "./binding.js";
export { atomaConsumerBinding } from "./consumer.js";
