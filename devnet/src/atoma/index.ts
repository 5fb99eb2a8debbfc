export { ATOMA_MODULES, atomaBinding } from "./binding.js";
