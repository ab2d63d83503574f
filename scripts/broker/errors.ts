/** A broker command's failure: one line for the operator, no stack. */
export class BrokerError extends Error {}
