/** A broker command's failure: one line for the operator, no stack. */
export { BrokerError } from "../lib/errors.ts";
