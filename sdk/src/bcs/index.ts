export * from "./enums.js";
export * from "./events.js";
export * from "./schemas.js";
export * as schemas from "./schemas.js";
